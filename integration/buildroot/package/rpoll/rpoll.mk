################################################################################
#
# rpoll
#
################################################################################

# This external tree lives inside the rpoll repository: build from it.
RPOLL_VERSION = local
RPOLL_SITE = $(BR2_EXTERNAL_RPOLL_PATH)/../..
RPOLL_SITE_METHOD = local
RPOLL_LICENSE = GPL-2.0
RPOLL_LICENSE_FILES = src/rpoll_main.rs

# Only the repository's top-level Kbuild is used (pkg-kernel-module.mk runs
# the kernel's Makefile with M=). A kernel built with LLVM needs the same
# for the module's C helper object: set RPOLL_LLVM, e.g. "1" or "-19".
RPOLL_LLVM ?=
RPOLL_MODULE_MAKE_OPTS = $(if $(RPOLL_LLVM),LLVM=$(RPOLL_LLVM))

$(eval $(kernel-module))
$(eval $(generic-package))
