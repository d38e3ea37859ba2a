/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cref: the C reference driver of the rpoll benchmark (bench/cref/cref.c).
 *
 * /dev/cref hands out the same 32-byte record as rpoll (struct rpoll_event in
 * include/uapi/linux/rpoll.h), one record per read(), from ONE queue shared
 * by every open file. The benchmark program (bench/guest) mirrors these
 * numbers; keep both in step.
 */
#ifndef _CREF_H
#define _CREF_H

#include <linux/ioctl.h>
#include <linux/types.h>

struct cref_event {
	__u64 seq;          /* event number from 1 */
	__u64 timestamp_ns; /* CLOCK_MONOTONIC deadline the producer slept to */
	__u64 jiffies;      /* jiffies_64 when the producer queued it */
	__u32 source;       /* always 1 (timer) */
	__u32 lost;         /* events dropped from the shared queue before it */
};

struct cref_stats {
	__u64 produced;  /* events queued since load (the last seq) */
	__u64 lost;      /* events dropped because the shared queue was full */
	__u64 overruns;  /* periods skipped because the producer woke late */
	__u64 readers;   /* files open now */
	__u64 queued;    /* events waiting in the shared queue */
};

#define CREF_IOC_MAGIC 0xBA
/* Period in microseconds (10 .. 4294967295); restarts the producer. Root. */
#define CREF_IOC_SET_PERIOD _IOW(CREF_IOC_MAGIC, 1, __u32)
/* Counters of the device. */
#define CREF_IOC_STATS      _IOR(CREF_IOC_MAGIC, 2, struct cref_stats)

#endif /* _CREF_H */
