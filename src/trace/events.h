/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rpoll's trace events (TRACE_SYSTEM rpoll): what happens to a record from
 * its source to a reader, for `trace-cmd record -e rpoll` and
 * /sys/kernel/tracing/events/rpoll/. Declared here in C, the only way a
 * module can have events; events.c creates them, and src/trace.rs calls
 * them from Rust through the rust_do_trace_<event>() entry points that
 * CREATE_RUST_TRACE_POINTS adds. Each event's arguments are listed again,
 * in Rust, in src/trace.rs: events.c checks that both say the same.
 * docs/tracing.md describes each event and its fields.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM rpoll

#if !defined(_RPOLL_TRACE_EVENTS_H) || defined(TRACE_HEADER_MULTI_READ)
#define _RPOLL_TRACE_EVENTS_H

#include <linux/tracepoint.h>
#include <uapi/linux/rpoll.h>

/* The kind of source in the low byte of a record's `source` word. */
#define rpoll_show_kind(source)					\
	__print_symbolic((source) & RPOLL_SOURCE_MASK,		\
			 { RPOLL_SOURCE_TIMER, "timer" },	\
			 { RPOLL_SOURCE_IRQ, "irq" },		\
			 { RPOLL_SOURCE_GPIO, "gpio" })

/* A GPIO record's edge ("-" for records of other sources). */
#define rpoll_show_edge(source)					\
	((source) & RPOLL_EVENT_RISING ? "rising" :		\
	 (source) & RPOLL_EVENT_FALLING ? "falling" : "-")

/* The flags of a record other than kind, edge, level and merged count. */
#define rpoll_show_flags(source)					\
	__print_flags((source) & (RPOLL_EVENT_RESUMED | RPOLL_EVENT_CONFIG |	\
				  RPOLL_EVENT_INITIAL | RPOLL_EVENT_WAKEUP),	\
		      "|",						\
		      { RPOLL_EVENT_RESUMED, "resumed" },		\
		      { RPOLL_EVENT_CONFIG, "config" },			\
		      { RPOLL_EVENT_INITIAL, "initial" },		\
		      { RPOLL_EVENT_WAKEUP, "wakeup" })

/* Why readers were woken (src/trace.rs `WakeReason`). */
#define RPOLL_WAKE_COUNT	0	/* a push brought a reader to its watermark count */
#define RPOLL_WAKE_AGE		1	/* the deadline timer: a record reached its delay */
#define RPOLL_WAKE_GONE		2	/* unbind: readers see ENODEV / EPOLLHUP */
#define RPOLL_WAKE_WATERMARK	3	/* a new watermark made a reader ready */
#define RPOLL_WAKE_INITIAL	4	/* RPOLL_IOC_WANT_INITIAL queued the state */

/* What a configuration change set (src/trace.rs `ConfigItem`). */
#define RPOLL_SET_PERIOD	0	/* a = period (us) */
#define RPOLL_SET_CONFIG	1	/* a = edges (RPOLL_EDGE_*), b = debounce (us) */
#define RPOLL_SET_WATERMARK	2	/* a = count, b = max delay (us) */
#define RPOLL_SET_EDGE_MASK	3	/* a = edge mask (RPOLL_EDGE_*) */
#define RPOLL_SET_CLOCK		4	/* a = clock id */

TRACE_EVENT(rpoll_record,
	TP_PROTO(const char *dev, u64 seq, u32 source, u64 stamp_ns,
		 u32 readers, u32 queued, bool woke),
	TP_ARGS(dev, seq, source, stamp_ns, readers, queued, woke),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u64, seq)
		__field(u64, stamp_ns)
		__field(u32, source)
		__field(u32, readers)
		__field(u32, queued)
		__field(bool, woke)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->seq = seq;
		__entry->stamp_ns = stamp_ns;
		__entry->source = source;
		__entry->readers = readers;
		__entry->queued = queued;
		__entry->woke = woke;
	),
	TP_printk("dev=%s seq=%llu kind=%s edge=%s level=%u merged=%u flags=%s stamp_ns=%llu readers=%u queued=%u woke=%u",
		  __get_str(dev), __entry->seq, rpoll_show_kind(__entry->source),
		  rpoll_show_edge(__entry->source),
		  !!(__entry->source & RPOLL_EVENT_LEVEL),
		  RPOLL_EVENT_MERGED(__entry->source),
		  rpoll_show_flags(__entry->source), __entry->stamp_ns,
		  __entry->readers, __entry->queued, __entry->woke)
);

TRACE_EVENT(rpoll_drop,
	TP_PROTO(const char *dev, u32 reader, u64 seq, u64 lost),
	TP_ARGS(dev, reader, seq, lost),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u64, seq)
		__field(u64, lost)
		__field(u32, reader)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->seq = seq;
		__entry->lost = lost;
		__entry->reader = reader;
	),
	TP_printk("dev=%s reader=%u seq=%llu lost=%llu",
		  __get_str(dev), __entry->reader, __entry->seq, __entry->lost)
);

TRACE_EVENT(rpoll_read,
	TP_PROTO(const char *dev, u32 reader, u32 records, bool waited, int ret),
	TP_ARGS(dev, reader, records, waited, ret),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u32, reader)
		__field(u32, records)
		__field(int, ret)
		__field(bool, waited)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->reader = reader;
		__entry->records = records;
		__entry->ret = ret;
		__entry->waited = waited;
	),
	TP_printk("dev=%s reader=%u records=%u waited=%u ret=%d",
		  __get_str(dev), __entry->reader, __entry->records,
		  __entry->waited, __entry->ret)
);

TRACE_EVENT(rpoll_reader,
	TP_PROTO(const char *dev, u32 reader, bool attached, u32 readers),
	TP_ARGS(dev, reader, attached, readers),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u32, reader)
		__field(u32, readers)
		__field(bool, attached)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->reader = reader;
		__entry->readers = readers;
		__entry->attached = attached;
	),
	TP_printk("dev=%s reader=%u %s readers=%u", __get_str(dev),
		  __entry->reader, __entry->attached ? "attached" : "detached",
		  __entry->readers)
);

TRACE_EVENT(rpoll_overrun,
	TP_PROTO(const char *dev, u64 seq, u64 skipped, u64 overruns),
	TP_ARGS(dev, seq, skipped, overruns),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u64, seq)
		__field(u64, skipped)
		__field(u64, overruns)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->seq = seq;
		__entry->skipped = skipped;
		__entry->overruns = overruns;
	),
	TP_printk("dev=%s seq=%llu skipped=%llu overruns=%llu", __get_str(dev),
		  __entry->seq, __entry->skipped, __entry->overruns)
);

TRACE_EVENT(rpoll_wake,
	TP_PROTO(const char *dev, u32 reason),
	TP_ARGS(dev, reason),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u32, reason)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->reason = reason;
	),
	TP_printk("dev=%s reason=%s", __get_str(dev),
		  __print_symbolic(__entry->reason,
				   { RPOLL_WAKE_COUNT, "count" },
				   { RPOLL_WAKE_AGE, "age" },
				   { RPOLL_WAKE_GONE, "gone" },
				   { RPOLL_WAKE_WATERMARK, "watermark" },
				   { RPOLL_WAKE_INITIAL, "initial" }))
);

TRACE_EVENT(rpoll_system_wakeup,
	TP_PROTO(const char *dev, u64 seq, u32 source),
	TP_ARGS(dev, seq, source),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u64, seq)
		__field(u32, source)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->seq = seq;
		__entry->source = source;
	),
	TP_printk("dev=%s seq=%llu kind=%s edge=%s", __get_str(dev),
		  __entry->seq, rpoll_show_kind(__entry->source),
		  rpoll_show_edge(__entry->source))
);

TRACE_EVENT(rpoll_config,
	TP_PROTO(const char *dev, s32 reader, u32 item, u64 a, u64 b),
	TP_ARGS(dev, reader, item, a, b),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u64, a)
		__field(u64, b)
		__field(s32, reader)
		__field(u32, item)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->a = a;
		__entry->b = b;
		__entry->reader = reader;
		__entry->item = item;
	),
	TP_printk("dev=%s reader=%d set=%s a=%llu b=%llu", __get_str(dev),
		  __entry->reader,
		  __print_symbolic(__entry->item,
				   { RPOLL_SET_PERIOD, "period" },
				   { RPOLL_SET_CONFIG, "config" },
				   { RPOLL_SET_WATERMARK, "watermark" },
				   { RPOLL_SET_EDGE_MASK, "edge_mask" },
				   { RPOLL_SET_CLOCK, "clock" }),
		  __entry->a, __entry->b)
);

#endif /* _RPOLL_TRACE_EVENTS_H */

/* Out of the kernel's include/trace/events/: found through -I (Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE events
#include <trace/define_trace.h>
