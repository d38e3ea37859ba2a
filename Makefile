# rpoll: the front door.
#   make run    boot the QEMU arm64 board with the driver and watch events
#   make test   run every test (host unit tests, checks, guest tests on the
#               debug kernel, stress); ends with "N passed, N failed"
# Everything missing (packages, rustup parts, bindgen, kernel source, busybox)
# is installed on the way; kernels are built once into $(RPOLL_CACHE).
#
# FLAVOUR=normal (default: run, bench) or FLAVOUR=debug (lockdep, KASAN,
# kmemleak, debug objects: the guest test suite) selects the kernel.

SHELL := /bin/bash
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
FRAGMENTS_normal := $(KBOARD_DIR)/kernel.config
FRAGMENTS_debug := $(KBOARD_DIR)/kernel.config $(KBOARD_DIR)/kernel-debug.config
FRAGMENTS := $(or $(FRAGMENTS_$(FLAVOUR)),$(error FLAVOUR must be normal or debug))
# Per-flavour outputs: kdir (kernel build path), mod/ (Kbuild output), base.cpio.
FB := $(B)/$(FLAVOUR)
# Evaluated when used, after `kernel` has written it.
KDIR = $(shell cat $(FB)/kdir)
KMAKE = $(MAKE) --no-print-directory -C $(KDIR) ARCH=arm64 LLVM=-$(LLVM_VERSION) \
	M=$(CURDIR) MO=$(CURDIR)/$(FB)/mod
MODULE := $(FB)/mod/rpoll.ko
# The board's DTB: its base DTB with board/<board>/rpoll.dtso applied.
BOARD_DTB := $(B)/$(BOARD).dtb
GUEST_TARGET := aarch64-unknown-linux-musl
GUEST_BIN := target/$(GUEST_TARGET)/release
C_BIN := $(B)/c
GUEST_FILES = $(GUEST_BIN)/rpoll:/usr/bin/rpoll \
	$(GUEST_BIN)/rpoll-guest-tests:/usr/bin/rpoll-guest-tests \
	$(GUEST_BIN)/rpoll-stress:/usr/bin/rpoll-stress \
	$(GUEST_BIN)/rpoll-board-tests:/usr/bin/rpoll-board-tests \
	$(C_BIN)/rpoll-epoll:/usr/bin/rpoll-epoll \
	$(C_BIN)/rpoll-ioctl-test:/usr/bin/rpoll-ioctl-test \
	$(KDIR)/.config:/etc/kernel.config
CROSS_CC := aarch64-linux-gnu-gcc
CFLAGS_GUEST := -static -O2 -Wall -Wextra -Werror -Iinclude/uapi
RUNNER = tests/run-in-guest --board $(BOARD_DIR) --kernel $(KDIR)/arch/arm64/boot/Image \
	--initrd $(FB)/base.cpio

.PHONY: all deps kernel module clippy tools dtb initramfs guest run press qemu-exec test \
	stress check-boards bench clean

all: module

deps:
	@scripts/setup-deps

kernel: deps
	@mkdir -p $(FB)
	@scripts/build-kernel $(FRAGMENTS) > $(FB)/kdir.tmp && mv $(FB)/kdir.tmp $(FB)/kdir

module: kernel
	@mkdir -p $(FB)/mod
	@$(KMAKE) modules $(if $(CLIPPY),CLIPPY=1)
	@echo "rpoll: $(MODULE) ($(FLAVOUR) kernel $(notdir $(KDIR)))"

clippy:
	@$(MAKE) --no-print-directory module CLIPPY=1

tools: deps
	@cargo build -q --release --target $(GUEST_TARGET) -p rpoll -p rpoll-guest-tests
	@mkdir -p $(C_BIN)
	@$(CROSS_CC) $(CFLAGS_GUEST) -o $(C_BIN)/rpoll-epoll tools/c/rpoll-epoll.c
	@$(CROSS_CC) $(CFLAGS_GUEST) -o $(C_BIN)/rpoll-ioctl-test tests/guest-c/ioctl_test.c

dtb: deps
	@mkdir -p $(B)
	@scripts/make-dtb $(BOARD_DIR) $(BOARD_DTB) $(BOARD_DIR)/rpoll.dtso
	@$(if $(filter qemu-virt,$(BOARD)),scripts/make-dtb $(BOARD_DIR) $(B)/test.dtb $(BOARD_DIR)/rpoll.dtso \
		tests/dts/test-devices.dtso tests/dts/bad-nodes.dtso tests/dts/stress-devices.dtso)

initramfs: module tools
	@scripts/make-initramfs $(FB)/base.cpio $(RPOLL_CACHE)/busybox-arm64 $(KBOARD_DIR)/init \
		$(MODULE) $(GUEST_FILES)

# Everything a boot needs.
guest: module tools dtb initramfs

run: guest
	@echo "rpoll: booting QEMU $(BOARD), $(FLAVOUR) kernel (Ctrl-C: shell; exit or Ctrl-A X: quit)"
	@$(RUNNER) --dtb $(BOARD_DTB) --io $(CURDIR)/$(B)/io --interactive

# While `make run` is up: press and release the board's key N times (its
# KEY_LINE, e.g. GPIO line 4 of virt's PL061, set through QEMU's qtest socket).
press:
	@RPOLL_BOARD=$(BOARD_DIR) scripts/board-io press $(B)/io $(or $(N),1)

# Non-interactive: make qemu-exec CMD='cat /sys/kernel/debug/rpoll-tick/state'
qemu-exec: guest
	@$(RUNNER) --dtb $(B)/test.dtb $(if $(TIMEOUT),--timeout $(TIMEOUT)) -- sh -c '$(CMD)'

# The guest suite and the stress test run on the debug kernel; the checks
# build the module for the normal one.
test:
	@$(MAKE) --no-print-directory guest FLAVOUR=normal
	@$(MAKE) --no-print-directory guest FLAVOUR=debug
	@$(MAKE) --no-print-directory dtb BOARD=imx8mp-evk
	@tests/run-all $(B)/normal $(B)/debug $(B)

# A longer stress run alone: make stress [FLAVOUR=debug] [STRESS_SECONDS=120]
stress: guest
	@RPOLL_TESTS=stress RPOLL_STRESS_SECONDS=$(or $(STRESS_SECONDS),120) \
		tests/run-all $(B)/normal $(FB) $(B)

# Benchmark rpoll against the C reference driver and timerfd in one boot of
# the normal kernel (bench/README.md); BENCH_QUICK=1 for a smoke run.
bench: module
	@KDIR=$(KDIR) RPOLL_KO=$(CURDIR)/$(MODULE) bench/run

# Board overlays and binding: base DTBs from the kernel tree, fdtoverlay,
# dt-schema (also part of `make test`).
check-boards: deps
	@scripts/check-board-overlays $(B)/boards

clean:
	rm -rf $(B) target
