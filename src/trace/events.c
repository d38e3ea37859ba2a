// SPDX-License-Identifier: GPL-2.0
/*
 * Creates rpoll's trace events (events.h) and, for each, the
 * rust_do_trace_<event>() function that src/trace.rs calls once the
 * event's static key says it is enabled.
 */

#define CREATE_TRACE_POINTS
#define CREATE_RUST_TRACE_POINTS
#include "events.h"

#ifdef CONFIG_TRACEPOINTS
/*
 * src/trace.rs declares each entry point again in Rust; the type below is
 * that declaration spelled in C (`*const c_char` is `const char *`, `bool`
 * is `bool`), so a prototype changed on one side only stops the build.
 */
#define RPOLL_SAME_TYPE(fn, type) \
	static_assert(__same_type(&(fn), type), #fn " does not match src/trace.rs")
RPOLL_SAME_TYPE(rust_do_trace_rpoll_record,
		void (*)(const char *, u64, u32, u64, u32, u32, bool));
RPOLL_SAME_TYPE(rust_do_trace_rpoll_drop, void (*)(const char *, u32, u64, u64));
RPOLL_SAME_TYPE(rust_do_trace_rpoll_read, void (*)(const char *, u32, u32, bool, int));
RPOLL_SAME_TYPE(rust_do_trace_rpoll_reader, void (*)(const char *, u32, bool, u32));
RPOLL_SAME_TYPE(rust_do_trace_rpoll_overrun, void (*)(const char *, u64, u64, u64));
RPOLL_SAME_TYPE(rust_do_trace_rpoll_wake, void (*)(const char *, u32));
RPOLL_SAME_TYPE(rust_do_trace_rpoll_system_wakeup, void (*)(const char *, u64, u32));
RPOLL_SAME_TYPE(rust_do_trace_rpoll_config, void (*)(const char *, s32, u32, u64, u64));
#endif
