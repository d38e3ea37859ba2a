# Single place that pins the versions rpoll builds against.
# Change KERNEL_VERSION here to move to another kernel; the Debian package
# linux-source-$(KERNEL_VERSION) must be served by KERNEL_SUITE.
KERNEL_VERSION := 7.3
KERNEL_SUITE := trixie-backports
LLVM_VERSION := 19
