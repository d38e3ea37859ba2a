# shellcheck shell=bash
# Shared by tests/builds/replay and tests/builds/builtin-kernel: the pinned
# versions, the result lines both print (tests/lib/results.sh counts them
# under the prefix "build"), and the copy of a kernel build dir both make.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
eval "$(sed -n 's/^\([A-Z_]*\) := \(.*\)$/\1=\2/p' "$here/scripts/versions.mk")"
export PATH="$HOME/.cargo/bin:$PATH"

okk() { echo "build $1 ... ok"; }
bad() { echo "build $1 ... FAILED: $2"; }

# A full copy of kernel build dir <src> at <dest> to build in. Never hard
# links: a build in the copy may rewrite files such as Module.symvers in
# place, which would reach the cached kernel. The copy's generated Makefile
# names the build dir it was made in, so that line is rewritten, and the
# cache's "built" marker does not come along.
copy_build() { # <src> <dest>
    cp -a --reflink=auto "$1" "$2"
    rm -f "$2/.rpoll-built"
    sed -i "s|^export KBUILD_OUTPUT = .*|export KBUILD_OUTPUT = $2|" "$2/Makefile"
}
