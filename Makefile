# rpoll: the front door.
#   make run    boot the QEMU arm64 board with the driver and watch events
#   make test   run every test (host unit tests, checks, guest tests on the
#               debug kernel, stress); ends with "N passed, N failed"
# Everything missing (packages, rustup parts, bindgen, kernel source, busybox)
# is installed on the way; kernels are built once into $(RPOLL_CACHE).
#
# FLAVOUR=normal (default: run, bench), FLAVOUR=debug (lockdep, KASAN,
# kmemleak, debug objects: the guest test suite) or FLAVOUR=trace (ftrace's
# function-graph tracer: make trace) selects the kernel.

SHELL := /bin/bash

# Someone else's kernel (Yocto passes KERNEL_SRC; KDIR on the command line):
# only modules, modules_install and clean, from scripts/external.mk.
EXT_KERNEL := $(or $(KERNEL_SRC),$(if $(filter command line,$(origin KDIR)),$(KDIR)))
ifneq ($(EXT_KERNEL),)
include scripts/external.mk
else

BOARD ?= qemu-virt
BOARD_DIR := board/$(BOARD)
FLAVOUR ?= normal
export RPOLL_CACHE ?= $(HOME)/.cache/rpoll
export PATH := $(HOME)/.cargo/bin:$(PATH)
include scripts/versions.mk

B := build
# An emulated board may boot another board's kernel and /init (KERNEL_FROM
# in its board.env): the i.MX 8M Plus EVK shares the arm64 virt kernel.
KERNEL_FROM := $(shell sed -n 's/^KERNEL_FROM=//p' $(BOARD_DIR)/board.env 2>/dev/null)
KBOARD_DIR := board/$(or $(KERNEL_FROM),$(BOARD))
# KERNEL_RELEASE=7.2 builds against the other release (scripts/versions.mk);
# its Kconfig differences are in kernel-<release>.config.
KERNEL_RELEASE ?= $(KERNEL_VERSION)
ifeq ($(filter $(KERNEL_RELEASE),$(KERNEL_VERSION) $(KERNEL_VERSION_OLD)),)
$(error KERNEL_RELEASE must be $(KERNEL_VERSION) or $(KERNEL_VERSION_OLD))
endif
REL_FRAGMENT := $(wildcard $(KBOARD_DIR)/kernel-$(KERNEL_RELEASE).config)
FRAGMENTS_normal := $(KBOARD_DIR)/kernel.config $(REL_FRAGMENT) $(wildcard $(KBOARD_DIR)/kernel-normal.config)
FRAGMENTS_debug := $(KBOARD_DIR)/kernel.config $(REL_FRAGMENT) $(KBOARD_DIR)/kernel-debug.config
FRAGMENTS_trace := $(KBOARD_DIR)/kernel.config $(REL_FRAGMENT) $(KBOARD_DIR)/kernel-trace.config
FRAGMENTS := $(or $(FRAGMENTS_$(FLAVOUR)),$(error FLAVOUR must be normal, debug or trace))
# The kernel's architecture (KERNEL_ARCH in the kernel board's board.env):
# arm64 (virt, i.MX 8M Plus EVK) or arm (ARMv7: virt-arm).
KARCH := $(or $(shell sed -n 's/^KERNEL_ARCH=//p' $(KBOARD_DIR)/board.env 2>/dev/null),arm64)
KIMAGE_arm64 := Image
KIMAGE_arm := zImage
TRIPLE_arm64 := aarch64-unknown-linux-musl
TRIPLE_arm := armv7-unknown-linux-gnueabihf
CC_arm64 := aarch64-linux-gnu-gcc
CC_arm := arm-linux-gnueabihf-gcc
BUSYBOX_arm64 := busybox-arm64
BUSYBOX_arm := busybox-armhf
# Per-arch, per-flavour outputs: kdir (kernel build path), mod/ (Kbuild
# output), base.cpio: build/normal, build/debug (arm64), build/normal-arm,
# build/normal-7.2 (the other release).
FB := $(B)/$(FLAVOUR)$(if $(filter arm,$(KARCH)),-arm)$(if $(filter-out $(KERNEL_VERSION),$(KERNEL_RELEASE)),-$(KERNEL_RELEASE))
# Evaluated when used, after `kernel` has written it.
KDIR = $(shell cat $(FB)/kdir)
KMAKE = $(MAKE) --no-print-directory -C $(KDIR) ARCH=$(KARCH) LLVM=-$(LLVM_VERSION) \
	M=$(CURDIR) MO=$(CURDIR)/$(FB)/mod
MODULE := $(FB)/mod/rpoll.ko
# The board's DTB: its base DTB with board/<board>/rpoll.dtso applied.
BOARD_DTB := $(B)/$(BOARD).dtb
# The virt boards' test DTB: the board overlay plus tests/dts/*.dtso.
TEST_DTB := $(B)/test$(if $(filter arm,$(KARCH)),-arm).dtb
GUEST_BIN := target/$(TRIPLE_$(KARCH))/release
C_BIN := $(B)/c-$(KARCH)
# armv7 user space, also shipped in the arm64 initramfs for the compat tests.
COMPAT_BIN := target/$(TRIPLE_arm)/release
COMPAT_C_BIN := $(B)/c-arm
GUEST_FILES = $(GUEST_BIN)/rpoll:/usr/bin/rpoll \
	$(GUEST_BIN)/rpoll-guest-tests:/usr/bin/rpoll-guest-tests \
	$(GUEST_BIN)/rpoll-stress:/usr/bin/rpoll-stress \
	$(GUEST_BIN)/rpoll-board-tests:/usr/bin/rpoll-board-tests \
	$(GUEST_BIN)/rpoll-fault-tests:/usr/bin/rpoll-fault-tests \
	tests/lib/splat-patterns:/etc/rpoll/splat-patterns \
	tests/lib/kernel-reports:/etc/rpoll/kernel-reports \
	tests/lib/allow-reports:/etc/rpoll/allow-reports \
	integration/mdev/rpoll.mdev.conf:/etc/rpoll/mdev.conf \
	$(C_BIN)/rpoll-epoll:/usr/bin/rpoll-epoll \
	$(C_BIN)/rpoll-ioctl-test:/usr/bin/rpoll-ioctl-test \
	$(KDIR)/.config:/etc/kernel.config \
	$(if $(filter arm64,$(KARCH)),$(COMPAT_FILES))
COMPAT_FILES = $(COMPAT_BIN)/rpoll:/usr/bin/compat/rpoll \
	$(COMPAT_BIN)/rpoll-guest-tests:/usr/bin/compat/rpoll-guest-tests \
	$(COMPAT_C_BIN)/rpoll-epoll:/usr/bin/compat/rpoll-epoll \
	$(COMPAT_C_BIN)/rpoll-ioctl-test:/usr/bin/compat/rpoll-ioctl-test
CFLAGS_GUEST := -static -O2 -Wall -Wextra -Werror -Iinclude/uapi
RUNNER = tests/run-in-guest --board $(BOARD_DIR) --kernel $(KDIR)/arch/$(KARCH)/boot/$(KIMAGE_$(KARCH)) \
	--initrd $(FB)/base.cpio

.PHONY: all deps kernel module clippy tools user-space dtb initramfs guest run press qemu-exec test trace trace-walk \
	stress check-boards bench bench-readme profile clean python-guest

all: module

deps:
	@scripts/setup-deps

kernel: deps
	@mkdir -p $(FB)
	@KERNEL_ARCH=$(KARCH) KERNEL_RELEASE=$(KERNEL_RELEASE) scripts/build-kernel $(FRAGMENTS) > $(FB)/kdir.tmp && mv $(FB)/kdir.tmp $(FB)/kdir

module: kernel
	@mkdir -p $(FB)/mod
	@$(KMAKE) modules $(if $(CLIPPY),CLIPPY=1)
	@echo "rpoll: $(MODULE) ($(FLAVOUR) kernel $(notdir $(KDIR)))"

clippy:
	@$(MAKE) --no-print-directory module CLIPPY=1

# Guest user space for the board's architecture; arm64 images also carry
# the armv7 programs (compat tests).
tools: deps
	@$(MAKE) --no-print-directory user-space UARCH=$(KARCH)
	@$(if $(filter arm64,$(KARCH)),$(MAKE) --no-print-directory user-space UARCH=arm)

user-space:
	@cargo build -q --release --target $(TRIPLE_$(UARCH)) -p rpoll -p rpoll-guest-tests
	@mkdir -p $(B)/c-$(UARCH)
	@$(CC_$(UARCH)) $(CFLAGS_GUEST) -o $(B)/c-$(UARCH)/rpoll-epoll tools/c/rpoll-epoll.c
	@$(CC_$(UARCH)) $(CFLAGS_GUEST) -o $(B)/c-$(UARCH)/rpoll-ioctl-test tests/guest-c/ioctl_test.c

dtb: deps
	@mkdir -p $(B)
	@scripts/make-dtb $(BOARD_DIR) $(BOARD_DTB) $(BOARD_DIR)/rpoll.dtso
	@$(if $(filter qemu-virt qemu-virt-arm,$(BOARD)),scripts/make-dtb $(BOARD_DIR) $(TEST_DTB) $(BOARD_DIR)/rpoll.dtso \
		tests/dts/test-devices.dtso tests/dts/bad-nodes.dtso tests/dts/stress-devices.dtso)
	@$(if $(shell grep -s '^GPIO_BANKS=' $(BOARD_DIR)/board.env),scripts/banks-dtso $(BOARD_DIR) > $(B)/$(BOARD)-banks.dtso && \
		scripts/make-dtb $(BOARD_DIR) $(B)/$(BOARD)-test.dtb $(BOARD_DIR)/rpoll.dtso $(B)/$(BOARD)-banks.dtso)

initramfs: module tools
	@scripts/make-initramfs $(FB)/base.cpio $(RPOLL_CACHE)/$(BUSYBOX_$(KARCH)) board/init \
		$(MODULE) $(GUEST_FILES)

# Everything a boot needs.
guest: module tools dtb initramfs

# The debug guest, and the Python tests' initramfs: its base.cpio plus
# CPython for arm64 and tools/python (scripts/make-python-initramfs).
python-guest:
	@$(MAKE) --no-print-directory guest FLAVOUR=debug
	@scripts/make-python-initramfs $(B)/debug/base.cpio $(RPOLL_CACHE)/python-arm64 $(B)/debug/python.cpio

run: guest
	@echo "rpoll: booting QEMU $(BOARD), $(FLAVOUR) kernel (Ctrl-C: shell; exit or Ctrl-A X: quit)"
	@$(RUNNER) --dtb $(BOARD_DTB) --io $(CURDIR)/$(B)/io --interactive

# While `make run` is up: press and release the board's key N times (its
# KEY_LINE, e.g. GPIO line 4 of virt's PL061, set through QEMU's qtest socket).
press:
	@RPOLL_BOARD=$(BOARD_DIR) scripts/board-io press $(B)/io $(or $(N),1)

# Non-interactive: make qemu-exec CMD='cat /sys/kernel/debug/rpoll-tick/state'
qemu-exec: guest
	@$(RUNNER) --dtb $(TEST_DTB) $(if $(TIMEOUT),--timeout $(TIMEOUT)) -- sh -c '$(CMD)'

# Every arm64 test runs on the debug kernel (lockdep, KASAN, kmemleak):
# the checks, the build replays and the built-in kernel start from it too.
# The normal kernel is what `make run` and `make bench` boot. The ARMv7 and
# the other release's kernels, needed only by the last groups, are built
# behind the first groups at the lowest priority (scripts/kernels-behind;
# `env --default-signal` so that Ctrl-C stops them too).
test:
	@mkdir -p $(B) && date +%s > $(B)/.test-start
	@$(MAKE) --no-print-directory python-guest
	@$(MAKE) --no-print-directory dtb BOARD=imx8mp-evk
	@$(MAKE) --no-print-directory dtb BOARD=imx6ul-evk
	@echo "[make test] debug kernel, its modules, user space and DTBs ready after $$(( $$(date +%s) - $$(cat $(B)/.test-start) )) s"
	@rm -rf $(B)/behind && mkdir -p $(B)/behind
	@env --default-signal=INT,QUIT nice -n 19 scripts/kernels-behind $(B)/behind \
		arm="BOARD=qemu-virt-arm" $(KERNEL_VERSION_OLD)="KERNEL_RELEASE=$(KERNEL_VERSION_OLD)" & \
	RPOLL_BEHIND=$(B)/behind tests/run-all $(B)/debug $(B)/debug $(B); rc=$$?; wait; exit $$rc

# A longer stress run alone: make stress [FLAVOUR=debug] [STRESS_SECONDS=120]
stress: guest
	@RPOLL_TESTS=stress RPOLL_STRESS_SECONDS=$(or $(STRESS_SECONDS),120) \
		tests/run-all $(B)/normal $(FB) $(B)

# Benchmark rpoll against the C reference driver and timerfd in one boot of
# the normal kernel (bench/README.md); BENCH_QUICK=1 for a smoke run.
# BOARD=qemu-virt (default): everything; BOARD=qemu-virt-arm: the timer
# part on ARMv7; BOARD=imx8mp-evk: the GPIO part on gpio-mxc (bench/README.md).
bench: module
	@KDIR=$(KDIR) RPOLL_KO=$(CURDIR)/$(MODULE) BENCH_BOARD=$(BOARD) bench/run

# Where the timer path's instructions go, function by function: the
# latency test's windows, rpoll then timerfd, with a QEMU plugin counting
# every guest instruction (bench/README.md); results in
# bench/results/profile.json (BOARD=qemu-virt-arm: profile-arm.json).
profile: module
	@KDIR=$(KDIR) RPOLL_KO=$(CURDIR)/$(MODULE) BENCH_BOARD=$(BOARD) BENCH_PROFILE=1 bench/run

# The path of a blocking poll(), epoll_wait() and read() and of the wake-up,
# recorded by ftrace's function-graph tracer on the trace flavour
# (BOARD=qemu-virt or qemu-virt-arm); results in
# bench/results/walk-<arch>.json, from which docs/how-poll-works.md is made.
trace:
	@$(MAKE) --no-print-directory trace-walk FLAVOUR=trace
trace-walk: module
	@KDIR=$(KDIR) RPOLL_KO=$(CURDIR)/$(MODULE) BENCH_BOARD=$(BOARD) BENCH_WALK=1 bench/run

# Rewrites the benchmark figures quoted in the READMEs from
# bench/results/latest.json (make bench does this after a run).
bench-readme:
	@cargo run -q --release --manifest-path bench/plot/Cargo.toml -- readme README.md bench/README.md

# Board overlays and binding: base DTBs from the kernel tree, fdtoverlay,
# dt-schema (also part of `make test`).
check-boards: deps
	@scripts/check-board-overlays $(B)/boards

clean:
	rm -rf $(B) target

endif # the project's own harness

# Device access for a group (udev, sysusers, mdev), with or without a kernel
# tree; included last so that it is never the default goal.
include scripts/rules.mk
