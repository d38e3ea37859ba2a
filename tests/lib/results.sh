# shellcheck shell=bash
# Result counting for tests/run-all, kept apart so tests/runner-selftest can
# feed it crafted logs and exit statuses. Every function here turns anything
# it cannot account for into a failure: a missing result line, a plan that
# was not met, a non-zero exit without a counted failure, a crash.
#
# State: `pass`, `fail` (totals), `failures` (labels of failed items) and
# `failed_lines` (each failed result with its reason, repeated by `summary`).
# Result producers (guest programs, board checks) print:
#   plan N                        how many results they will print (first)
#   <prefix> NAME ... ok          one line per passed test
#   <prefix> NAME ... FAILED: why one line per failed test

pass=0 fail=0 failures=() failed_lines=()

ok() { pass=$((pass + 1)); echo "test $1 ... ok"; }
ko() {
    fail=$((fail + 1)) failures+=("$1") failed_lines+=("test $1 ... FAILED${2:+: ${2:0:300}}")
    echo "test $1 ... FAILED${2:+: $2}"
}

# The serial console carries kernel messages too, and one can be printed in
# the middle of a result line; lines are compared after dropping CRs.
clean_log() { tr -d '\r' < "$1"; }

# The clean copy of a guest program's output (tests/run-in-guest --results):
# the lines between RPOLL-RESULTS-BEGIN and RPOLL-RESULTS-END, printed after
# the program ended with kernel console messages held back, so no kernel
# message can split a result line in it. No copy (a crash, a timeout) gives
# nothing, which the plan check then counts as missing results.
results_copy() { # <serial or run log>
    clean_log "$1" | sed -n '/^RPOLL-RESULTS-BEGIN$/,/^RPOLL-RESULTS-END$/{/^RPOLL-RESULTS-/d;p}'
}

# Adds the "<prefix> NAME ... ok|FAILED" lines of LOG to the totals, under
# LABEL in the failure list; leaves the counts in t_ok and t_failed. With
# PLAN_PREFIX, the log must also hold "<plan prefix> N" with N equal to the
# results counted: fewer (a crash, a hang cut short, a mangled line) or more
# results than declared, or no plan line at all, is one more failure.
tally() { # <log> <prefix> <label> [plan prefix]
    local log=$1 prefix=$2 label=$3 planp=${4:-} declared
    t_ok=$(clean_log "$log" | grep -cE "^$prefix .* \.\.\. ok( |\$)")
    t_failed=$(clean_log "$log" | grep -cE "^$prefix .* \.\.\. FAILED")
    pass=$((pass + t_ok)) fail=$((fail + t_failed))
    [ "$t_failed" = 0 ] || failures+=("$label ($t_failed)")
    # The failed lines themselves, for the closing summary: a run's tail
    # (all a CI report may keep) then names what failed and why.
    while IFS= read -r line; do
        failed_lines+=("$label: ${line:0:300}")
    done < <(clean_log "$log" | grep -E "^$prefix .* \.\.\. FAILED")
    [ -n "$planp" ] || return 0
    declared=$(clean_log "$log" | sed -n "s/^$planp \([0-9][0-9]*\)\$/\1/p" | tail -1)
    if [ -z "$declared" ]; then
        ko "$label-declared-plan" "no '$planp N' line in $log"
    elif [ $((t_ok + t_failed)) != "$declared" ]; then
        ko "$label-ran-as-declared" "$((t_ok + t_failed)) results, $declared declared (see $log)"
    fi
}

# Judges a guest program's run after `tally`: RC is tests/run-in-guest's exit
# status, LABEL names the group. Exit 1 must come with a counted failure
# (the program exits 1 only when a test failed; if no FAILED line was
# counted, the line was lost or mangled and the run is failed anyway); exit 0
# must come with none.
judge_guest_rc() { # <rc> <log> <label>
    local rc=$1 log=$2 label=$3
    case $rc in
        0) if [ "$t_failed" = 0 ]; then ok "$label-kernel-log-clean"
           else ko "$label-exit-status" "exit 0 with $t_failed failed tests"; fi ;;
        1) [ "$t_failed" -gt 0 ] || ko "$label-exit-status" "exit 1 without a counted FAILED line (see $log)"
           ok "$label-kernel-log-clean" ;;
        99) ko "$label-kernel-log-clean" "$(grep -A5 'KERNEL SPLAT' "$log" | head -6 | tr '\n' ' ')" ;;
        124) ko "$label-finished" "timeout (see $log)" ;;
        125) ko "$label-finished" "stalled: $(grep 'STALLED' "$log" | head -1) (see $log)" ;;
        98) ko "$label-finished" "the guest reported no exit status (crash or panic? see $log)" ;;
        *) ko "$label-finished" "runner exit $rc: $(tail -2 "$log" | tr '\n' ' ')" ;;
    esac
}

# Judges a host-side producer's exit status RC after `tally`: non-zero
# without a counted failure is a failure of its own (LABEL-exit).
judge_exit_rc() { # <rc> <label> <log>
    [ "$1" = 0 ] || [ "$t_failed" -gt 0 ] || ko "$2-exit" "exit $1 without a failed check (see $3)"
}

# Adds `cargo test` results: the "test result:" lines of LOG, checked against
# each binary's "running N tests" line, and cargo's exit status RC. A test
# binary killed by a signal prints no result line (and cargo stops): the
# exit status or the missing result makes that a failure.
tally_cargo() { # <log> <rc> <label>
    local log=$1 rc=$2 label=$3 hp hf hi declared binaries
    # One pass over the log: sums of the result lines and of the plans.
    read -r hp hf hi declared binaries < <(awk '
        /^test result: / {
            for (i = 1; i < NF; i++) {
                if ($(i + 1) ~ /^passed;/) p += $i
                if ($(i + 1) ~ /^failed;/) f += $i
                if ($(i + 1) ~ /^ignored;/) g += $i
            }
            n++
        }
        /^running [0-9]+ tests?$/ { d += $2 }
        END { print p + 0, f + 0, g + 0, d + 0, n + 0 }' "$log")
    pass=$((pass + hp)) fail=$((fail + hf))
    echo "$label: $hp passed, $hf failed, $hi ignored in $binaries test binaries (cargo exit $rc)"
    [ "$hf" = 0 ] || failures+=("$label ($hf)")
    while IFS= read -r line; do failed_lines+=("$label: $line"); done < <(grep -E '^test .* \.\.\. FAILED$' "$log")
    [ "$hp" -gt 0 ] || ko "$label-ran" "no passing test found (see $log)"
    [ $((hp + hf + hi)) = "$declared" ] ||
        ko "$label-ran-as-declared" "$((hp + hf + hi)) results, $declared declared by 'running N tests' (see $log)"
    if [ "$rc" != 0 ] && [ "$hf" = 0 ]; then
        ko "$label-exit-status" "cargo exit $rc without a failed test: $(grep -m2 -E 'error|signal' "$log" | tr '\n' ' ')"
    fi
}

# Counts a Python unittest run (-v): "NAME (...) ... ok" lines pass;
# FAIL, ERROR, skipped and unexpected successes fail; "Ran N tests" is the
# plan (all N must pass when none failed); a non-zero exit without a
# counted failure fails too.
tally_unittest() { # <log> <rc> <label>
    local log=$1 rc=$2 label=$3 ran
    t_ok=$(grep -cE ' \.\.\. ok$' "$log")
    t_failed=$(grep -cE ' \.\.\. (FAIL|ERROR|skipped.*|unexpected success)$' "$log")
    pass=$((pass + t_ok)) fail=$((fail + t_failed))
    [ "$t_failed" = 0 ] || failures+=("$label ($t_failed)")
    while IFS= read -r line; do
        failed_lines+=("$label: $line")
    done < <(grep -E ' \.\.\. (FAIL|ERROR|skipped.*|unexpected success)$' "$log")
    ran=$(sed -n 's/^Ran \([0-9][0-9]*\) tests\{0,1\} in .*/\1/p' "$log" | tail -1)
    if [ -z "$ran" ]; then
        ko "$label-finished" "no 'Ran N tests' line in $log"
    elif [ "$t_failed" = 0 ] && [ "$t_ok" != "$ran" ]; then
        # (with failures, subtests can print more result lines than tests)
        ko "$label-ran-as-declared" "$t_ok results, $ran run (see $log)"
    fi
    [ "$rc" = 0 ] || [ "$t_failed" -gt 0 ] || ko "$label-exit-status" "exit $rc without a counted failure (see $log)"
}

# Compiler and modpost diagnostics in a Kbuild log: rustc and clang write
# "warning:"/"error:", modpost "WARNING: modpost: ..." and "ERROR: modpost: ...".
build_diagnostics() { grep -iE '^(warning|error)\b|(WARNING|ERROR): modpost: ' "$1"; }

# Checks a comma-separated group selection against the known groups.
check_groups() { # <selection> <known group>...
    local sel=$1 g k found
    shift
    [ -n "$sel" ] || { echo "run-all: RPOLL_TESTS is empty (known groups: $*)" >&2; return 1; }
    for g in ${sel//,/ }; do
        found=0
        for k in "$@"; do [ "$g" = "$k" ] && found=1; done
        [ $found = 1 ] || { echo "run-all: unknown test group '$g' in RPOLL_TESTS (known groups: $*)" >&2; return 1; }
    done
}

# A group of run-all's own checks declares how many it runs: group_begin
# notes the totals, group_end fails the group if fewer results were added.
group_begin() { g_name=$1 g_declared=$2 g_start=$((pass + fail)); }
group_end() {
    local ran=$((pass + fail - g_start))
    [ "$ran" -ge "$g_declared" ] || ko "$g_name-ran-as-declared" "$ran results, $g_declared declared"
}

# The closing line; returns non-zero exactly when something failed.
summary() {
    echo
    [ ${#failed_lines[@]} = 0 ] || printf '%s\n' "${failed_lines[@]}"
    [ ${#failures[@]} = 0 ] || printf 'failed: %s\n' "${failures[@]}"
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ] && [ ${#failures[@]} = 0 ]
}
