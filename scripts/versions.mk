# Single place that pins the versions rpoll builds against.
# Change KERNEL_VERSION here to move to another kernel; the Debian package
# linux-source-$(KERNEL_VERSION) must be served by KERNEL_SUITE.
KERNEL_VERSION := 7.3
# The other release rpoll builds on and `make test` runs the guest suite on
# (make KERNEL_RELEASE=7.2 ...): same suite, its differences in
# src/shim/release.rs. Also served by KERNEL_SUITE.
KERNEL_VERSION_OLD := 7.2
KERNEL_SUITE := trixie-backports
LLVM_VERSION := 19
