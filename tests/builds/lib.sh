# shellcheck shell=bash
# Shared by tests/builds/replay and tests/builds/builtin-kernel: the pinned
# versions, the result lines both print (tests/lib/results.sh counts them
# under the prefix "build"), and the copy of a kernel build dir both make.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
eval "$(sed -n 's/^\([A-Z_]*\) := \(.*\)$/\1=\2/p' "$here/scripts/versions.mk")"
export PATH="$HOME/.cargo/bin:$PATH"

okk() { echo "build $1 ... ok"; }
bad() { echo "build $1 ... FAILED: $2"; }

# A copy of kernel build dir <src> at <dest> to build in
# (scripts/copy-kernel-build says how).
copy_build() { # <src> <dest>
    "$here/scripts/copy-kernel-build" "$1" "$2"
}
