#!/bin/sh
# Runs inside the trace guest (make trace, booted by bench/run with
# BENCH_WALK=1 as /usr/bin/bench-walk STEP...): for each STEP, ftrace's
# function-graph tracer records the system call of `rpoll-bench walk STEP`
# and the interrupts that feed it, with rpoll's events and the scheduler's
# and signals' events between the calls; the trace is printed between
# `walk-begin STEP` and `walk-end STEP` lines, which bench/plot's `walk`
# command reads (docs/how-poll-works.md is made from them).
t=/sys/kernel/tracing
mount -t tracefs nodev "$t" 2>/dev/null
[ -w "$t/set_graph_function" ] || { echo "bench-walk: no function-graph tracer in this kernel" >&2; exit 1; }
cd "$t" || exit 1
echo 0 > tracing_on
echo 8192 > buffer_size_kb || exit 1
echo function_graph > current_tracer || exit 1
# Absolute times, the task, each function's return value; no per-function
# overhead markers.
for o in funcgraph-abstime funcgraph-proc funcgraph-retval; do
    echo 1 > "options/$o" || { echo "bench-walk: no option $o" >&2; exit 1; }
done
echo 0 > options/funcgraph-overhead
# Where the graphs start: the system calls (arm64 names, then 32-bit ARM's;
# names this kernel lacks are skipped), the timer interrupt, the GPIO
# controller's chained handler, and the way back to user space with a
# signal pending.
: > set_graph_function
n=0
for f in __arm64_sys_ppoll __arm64_sys_epoll_pwait __arm64_sys_read \
    sys_poll sys_ppoll sys_ppoll_time32 sys_epoll_wait sys_epoll_pwait sys_read \
    hrtimer_interrupt pl061_irq_handler arch_do_signal_or_restart do_work_pending; do
    echo "$f" >> set_graph_function 2>/dev/null && n=$((n + 1))
done
echo "walk-graph-functions $n: $(tr '\n' ' ' < set_graph_function)"
# Below these the graph says nothing about poll (the scheduler's and the
# interrupt controller's own work): they are shown, their callees not.
: > set_graph_notrace
for f in __schedule irq_enter_rcu irq_exit_rcu; do
    echo "$f" >> set_graph_notrace 2>/dev/null
done
echo 14 > max_graph_depth
for e in rpoll sched/sched_switch sched/sched_wakeup signal/signal_generate signal/signal_deliver; do
    echo 1 > "events/$e/enable" || { echo "bench-walk: no event $e" >&2; exit 1; }
done
dmesg -n 1
for step in "$@"; do
    echo > trace
    echo 1 > tracing_on
    rpoll-bench walk "$step" || exit 1
    echo 0 > tracing_on
    echo "walk-begin $step"
    cat trace
    echo "walk-end $step"
done
dmesg -n 7
echo "bench-walk: kernel log follows"
dmesg
