#!/bin/sh
# Runs inside the profile guest (make profile, booted by bench/run with
# BENCH_PROFILE=1 as /usr/bin/bench-profile SECS [FUNCTION...]): FUNCTIONs
# (ftrace globs) limit the profiler to them; none traces every function. For rpoll and timerfd in
# turn, one reader at the latency test's period for SECS seconds with
# ftrace's function profiler on, then the window's counts and the
# profiler's per-CPU tables between `profile-begin MECH` and
# `profile-end MECH` lines (bench/plot's `profile` command reads them).
# Times are inclusive (graph-time 1: a function's callees are part of its
# time; with 0, 7.3's profiler reports 0 for every function whose callees
# are not traced) and leave out time spent asleep (sleep-time 0).
secs=${1:-3}
shift
t=/sys/kernel/tracing
mount -t tracefs nodev "$t" 2>/dev/null
[ -w "$t/function_profile_enabled" ] || { echo "bench-profile: no function profiler in this kernel" >&2; exit 1; }
echo 1 > "$t/options/graph-time" || exit 1
echo 0 > "$t/options/sleep-time" || exit 1
if [ $# -gt 0 ]; then
    : > "$t/set_ftrace_filter"
    for f in "$@"; do
        echo "$f" >> "$t/set_ftrace_filter" || { echo "bench-profile: no traceable function $f" >&2; exit 1; }
    done
    echo "profile-filter $(wc -l < "$t/set_ftrace_filter") functions"
fi
dmesg -n 1
for mech in rpoll timerfd; do
    # Enabling resets the tables.
    echo 1 > "$t/function_profile_enabled" || exit 1
    out=$(rpoll-bench window "$mech" 1 997 "$secs") || exit 1
    echo 0 > "$t/function_profile_enabled"
    echo "profile-begin $mech"
    echo "window: $out"
    for f in "$t"/trace_stat/function*; do
        echo "table ${f##*/}"
        cat "$f"
    done
    echo "profile-end $mech"
done
dmesg -n 7
echo "bench-profile: kernel log follows"
dmesg
