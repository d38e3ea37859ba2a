/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * rpoll: pollable event devices (/dev/rpoll-<label>).
 *
 * read() returns whole struct rpoll_event records; the ioctls below describe
 * the device, report counters and tune the open file. Every structure has the
 * same layout on 32- and 64-bit user space. The Rust twin of this header is
 * src/logic/uapi.rs; both assert the same sizes, offsets and numbers.
 */
#ifndef _UAPI_LINUX_RPOLL_H
#define _UAPI_LINUX_RPOLL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define RPOLL_SOURCE_TIMER 1 /* periodic hrtimer ("rpoll,event-timer") */
#define RPOLL_SOURCE_IRQ   2 /* interrupt line ("rpoll,event-irq") */
#define RPOLL_SOURCE_GPIO  3 /* GPIO line edges ("rpoll,event-gpio") */

/*
 * rpoll_event.source: RPOLL_SOURCE_* in the low byte, flags above it. GPIO
 * records carry edge and level flags, timer records only RESUMED, so outside
 * a system sleep timer and irq records read exactly as RPOLL_SOURCE_TIMER
 * and RPOLL_SOURCE_IRQ. Edges and levels are logical: on an active-low line
 * a physical falling edge (a press) is RISING, level 1.
 */
#define RPOLL_SOURCE_MASK   0xffu
#define RPOLL_EVENT_RISING  (1u << 8)  /* gpio: the line became active */
#define RPOLL_EVENT_FALLING (1u << 9)  /* gpio: the line became inactive */
#define RPOLL_EVENT_LEVEL   (1u << 10) /* gpio: the level it settled at is 1 */
/*
 * timer: the first record after a system sleep; the periods missed while
 * the system slept are counted in overruns (RPOLL_IOC_STATS), not delivered.
 */
#define RPOLL_EVENT_RESUMED (1u << 11)
/*
 * gpio and irq records: the first record produced after RPOLL_IOC_SET_CONFIG
 * changed the device's configuration (it and later ones follow the new one).
 */
#define RPOLL_EVENT_CONFIG  (1u << 12)
/*
 * gpio records: this file's initial record (RPOLL_IOC_WANT_INITIAL): the
 * line's level (RPOLL_EVENT_LEVEL) when the file was opened; its seq is the
 * last event's before the open, and it is no event (no counter counts it).
 */
#define RPOLL_EVENT_INITIAL (1u << 13)
/*
 * gpio and irq records of a wakeup-source device: the edge that woke the
 * system, or stopped it from going to sleep (the device's first record of a
 * wake-up edge, rpoll,wakeup-edges, stamped while the system went to sleep,
 * slept or woke up with the device's wake-up enabled). At most one per
 * sleep; for the edge that woke the system the stamp is taken at resume.
 */
#define RPOLL_EVENT_WAKEUP  (1u << 14)
#define RPOLL_EVENT_KIND(source) ((source) & RPOLL_SOURCE_MASK)
/*
 * gpio records: bits 16..31 count the line's interrupts (or samples) that
 * became no record since the device's previous record, this record's own
 * burst included (debounced, settled, or a pulse shorter than the
 * interrupt's latency), saturating at 65535.
 */
#define RPOLL_EVENT_MERGED_SHIFT 16
#define RPOLL_EVENT_MERGED_MASK  (0xffffu << RPOLL_EVENT_MERGED_SHIFT)
#define RPOLL_EVENT_MERGED(source) (((source) & RPOLL_EVENT_MERGED_MASK) >> RPOLL_EVENT_MERGED_SHIFT)

struct rpoll_event {
	__u64 seq;          /* per-device event number from 1; a gap means loss */
	/* When the source fired (timer: the expiry it was due at), in this file's clock. */
	__u64 timestamp_ns;
	__u64 jiffies;      /* jiffies_64 when the source fired */
	__u32 source;       /* RPOLL_SOURCE_* | RPOLL_EVENT_* flags */
	__u32 lost;         /* events this file lost just before this one */
};

#define RPOLL_NAME_LEN 40

struct rpoll_info {
	char  name[RPOLL_NAME_LEN]; /* "rpoll-<label>", NUL-terminated */
	__u32 source;               /* RPOLL_SOURCE_* */
	__u32 queue_depth;          /* capacity of each reader's queue */
	__u32 period_us;            /* timer: current period; otherwise 0 */
	__u32 irq;                  /* irq, gpio: Linux interrupt number; timer: 0 */
	/* irq: IRQ_TYPE_* bits; gpio: edges reported (logical: 1 rising, 2 falling, 3 both) */
	__u32 trigger;
	__u32 debounce_us;          /* irq, gpio: debounce window; timer: 0 */
	__u32 max_readers;          /* most files open at once (then EBUSY) */
	union {
		__u32 gpio_line;    /* gpio: line offset | RPOLL_GPIO_ACTIVE_LOW */
		__u32 reserved;     /* its name before GPIO sources; 0 otherwise */
	};
};

#define RPOLL_GPIO_ACTIVE_LOW (1u << 31)
#define RPOLL_GPIO_LINE_MASK  0xffffu

struct rpoll_stats {
	__u64 produced;  /* device: events since bind (the last seq) */
	__u64 overruns;  /* device: periods late callbacks skipped, counted at the next record */
	__u64 debounced; /* device: interrupt edges merged by debouncing */
	__u64 readers;   /* device: files open now */
	__u64 base;      /* this file: device seq when it was opened */
	__u64 delivered; /* this file: events read */
	__u64 lost;      /* this file: events lost (overflow, flush, faults) */
	__u64 queued;    /* this file: events waiting */
};

/* RPOLL_IOC_GET_CONFIG / RPOLL_IOC_SET_CONFIG (gpio and irq devices). */
struct rpoll_config {
	__u32 edges;            /* gpio: RPOLL_EDGE_* (logical); irq: its IRQ_TYPE_* trigger (fixed) */
	__u32 debounce_us;      /* 0 .. 1000000 */
	__u32 poll_interval_us; /* gpio sampled line: 100 .. 10000000; otherwise 0 (fixed) */
	__u32 reserved[5];      /* must be 0 */
};

#define RPOLL_EDGE_RISING  1u /* the line becomes active */
#define RPOLL_EDGE_FALLING 2u /* the line becomes inactive */

/* RPOLL_IOC_SET_EDGE_MASK (gpio devices, this open file only). */
struct rpoll_edge_mask {
	__u32 mask;     /* in: RPOLL_EDGE_* this file wants (3: all, the default) */
	__u32 reserved; /* must be 0 */
	__u64 filtered; /* out: records the mask kept from this file since its open */
};

/*
 * RPOLL_IOC_SET_WATERMARK (this open file only): its waiters (poll, epoll,
 * a read without O_NONBLOCK) are woken once count records are queued or the
 * oldest queued one is max_delay_us old (from its timestamp), whichever
 * comes first. The default, count 1, wakes on every record.
 */
struct rpoll_watermark {
	__u32 count;        /* 1 .. the queue depth */
	__u32 max_delay_us; /* 1 .. 10000000; 0 only with count 1 */
	__u32 reserved[2];  /* must be 0 */
};

#define RPOLL_IOC_MAGIC 0xB9

/* Describe the device. */
#define RPOLL_IOC_INFO       _IOR(RPOLL_IOC_MAGIC, 0, struct rpoll_info)
/* Counters of the device and of this open file. */
#define RPOLL_IOC_STATS      _IOR(RPOLL_IOC_MAGIC, 1, struct rpoll_stats)
/*
 * Clock of this file's timestamps: CLOCK_MONOTONIC (default),
 * CLOCK_BOOTTIME, CLOCK_REALTIME or CLOCK_TAI (CLOCK_REALTIME plus the TAI
 * offset at the time of the read); other ids: EINVAL.
 */
#define RPOLL_IOC_SET_CLOCK  _IOW(RPOLL_IOC_MAGIC, 2, __u32)
/*
 * Drop this file's queued events, counted as lost (the next record's `lost`
 * includes them); returns the number dropped.
 */
#define RPOLL_IOC_FLUSH      _IO(RPOLL_IOC_MAGIC, 3)
/*
 * Set a timer device's period in microseconds (10 .. 4294967295), for every
 * reader; needs CAP_SYS_ADMIN (EPERM); ENOTTY on irq and gpio devices.
 */
#define RPOLL_IOC_SET_PERIOD _IOW(RPOLL_IOC_MAGIC, 4, __u32)
/*
 * A gpio device's current logical level (0 or 1): the settled level of a
 * both-edge line, the line's level now for a single-edge one; ENOTTY on
 * timer and irq devices, ENODEV once the device is unbound.
 */
#define RPOLL_IOC_GET_LEVEL  _IOR(RPOLL_IOC_MAGIC, 5, __u32)
/* A gpio or irq device's configuration now; ENOTTY on timer devices. */
#define RPOLL_IOC_GET_CONFIG _IOR(RPOLL_IOC_MAGIC, 6, struct rpoll_config)
/*
 * Change it for every reader, between two events (none lost or invented);
 * the next record carries RPOLL_EVENT_CONFIG. Needs CAP_SYS_ADMIN (EPERM);
 * EINVAL with nothing changed for a value out of range, a change of an irq
 * device's trigger or of how a gpio line is fed (interrupt or sampled), or
 * reserved words not 0.
 */
#define RPOLL_IOC_SET_CONFIG _IOW(RPOLL_IOC_MAGIC, 7, struct rpoll_config)
/*
 * Which gpio edges this open file receives (unprivileged: only this file's
 * queue is filtered); returns the count of records filtered so far, which
 * are neither queued nor lost (a gap in seq is the next record's lost plus
 * these). EINVAL for 0 or unknown bits; ENOTTY on timer and irq devices.
 */
#define RPOLL_IOC_SET_EDGE_MASK _IOWR(RPOLL_IOC_MAGIC, 8, struct rpoll_edge_mask)
/*
 * This file's first record is its initial record (RPOLL_EVENT_INITIAL),
 * taken when it was opened, in the same step that attached it, so no edge
 * falls between that state and the first edge record. Before the first
 * read only: EBUSY after; ENOTTY on timer and irq devices.
 */
#define RPOLL_IOC_WANT_INITIAL _IO(RPOLL_IOC_MAGIC, 9)
/*
 * This file's wake-up watermark (unprivileged: it delays only this file's
 * wake-ups). EINVAL with nothing changed for a value out of range; an
 * O_NONBLOCK read still returns whatever is queued. Unbind and signals wake
 * at once, and an overflow still drops the oldest record and counts it.
 */
#define RPOLL_IOC_SET_WATERMARK _IOW(RPOLL_IOC_MAGIC, 10, struct rpoll_watermark)

#ifndef __KERNEL__
#include <stddef.h>
_Static_assert(sizeof(struct rpoll_event) == 32, "rpoll_event layout");
_Static_assert(offsetof(struct rpoll_event, source) == 24, "rpoll_event layout");
_Static_assert(offsetof(struct rpoll_event, lost) == 28, "rpoll_event layout");
_Static_assert(sizeof(struct rpoll_info) == 72, "rpoll_info layout");
_Static_assert(offsetof(struct rpoll_info, period_us) == 48, "rpoll_info layout");
_Static_assert(offsetof(struct rpoll_info, max_readers) == 64, "rpoll_info layout");
_Static_assert(sizeof(struct rpoll_stats) == 64, "rpoll_stats layout");
_Static_assert(offsetof(struct rpoll_stats, delivered) == 40, "rpoll_stats layout");
_Static_assert(sizeof(struct rpoll_config) == 32, "rpoll_config layout");
_Static_assert(offsetof(struct rpoll_config, reserved) == 12, "rpoll_config layout");
_Static_assert(sizeof(struct rpoll_edge_mask) == 16, "rpoll_edge_mask layout");
_Static_assert(sizeof(struct rpoll_watermark) == 16, "rpoll_watermark layout");
#endif

#endif /* _UAPI_LINUX_RPOLL_H */
