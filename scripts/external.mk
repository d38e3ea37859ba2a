# rpoll against someone else's kernel tree: included by the top-level
# Makefile when KERNEL_SRC (Yocto's name) or KDIR is given. Nothing of the
# project's harness runs (no packages, no cached kernels): the kernel's own
# Makefile builds and installs the module from the top-level Kbuild.
#
#   make KERNEL_SRC=<kernel source> [O=<kernel build dir>] [ARCH=.. LLVM=..] modules
#   make KERNEL_SRC=<kernel source> [O=..] INSTALL_MOD_PATH=<root> modules_install
#
# Every variable given on the command line (O, ARCH, LLVM, CC, LD,
# CROSS_COMPILE, INSTALL_MOD_PATH, MODLIB, DEPMOD, KBUILD_EXTRA_SYMBOLS,
# KRUSTFLAGS...) reaches the kernel's Makefile unchanged through MAKEFLAGS.
# The module is built in this folder (rpoll.ko, Module.symvers), as Yocto's
# module.bbclass expects.

EXT_KERNEL := $(abspath $(EXT_KERNEL))
EXT_BUILD := $(abspath $(or $(O),$(EXT_KERNEL)))
KBUILD_EXT = $(MAKE) -C $(EXT_KERNEL) M=$(CURDIR)

.PHONY: all modules modules_install clean check-kernel-tree

all: modules

# A clear message before the kernel's Makefile runs; the Kbuild file checks
# the rest (CONFIG_RUST, the rust/ output, the rustc version).
check-kernel-tree:
	@scripts/check-kernel-tree "$(EXT_KERNEL)" "$(EXT_BUILD)" "$(ARCH)"

modules: check-kernel-tree
	$(KBUILD_EXT) modules

modules_install: check-kernel-tree
	$(KBUILD_EXT) modules_install

clean:
	$(KBUILD_EXT) clean
