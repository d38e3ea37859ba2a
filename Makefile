# rpoll: the front door.
#   make run    boot the QEMU arm64 board with the driver and watch events
#   make test   run every test (host unit tests, checks, guest tests)
# Everything missing (packages, rustup parts, bindgen, kernel source, busybox)
# is installed on the way; the kernel is built once into $(RPOLL_CACHE).

SHELL := /bin/bash
BOARD ?= qemu-virt
BOARD_DIR := board/$(BOARD)
export RPOLL_CACHE ?= $(HOME)/.cache/rpoll
export PATH := $(HOME)/.cargo/bin:$(PATH)
include scripts/versions.mk

B := build
GUEST_TARGET := aarch64-unknown-linux-musl
GUEST_BIN := target/$(GUEST_TARGET)/release
# Evaluated when used, after `kernel` has written it.
KDIR = $(shell cat $(B)/kdir)
KMAKE = $(MAKE) --no-print-directory -C $(KDIR) ARCH=arm64 LLVM=-$(LLVM_VERSION) M=$(CURDIR)
C_BIN := $(B)/c
GUEST_FILES = $(GUEST_BIN)/rpoll:/usr/bin/rpoll \
	$(GUEST_BIN)/rpoll-guest-tests:/usr/bin/rpoll-guest-tests \
	$(C_BIN)/rpoll-epoll:/usr/bin/rpoll-epoll \
	$(C_BIN)/rpoll-ioctl-test:/usr/bin/rpoll-ioctl-test \
	$(KDIR)/.config:/etc/kernel.config
CROSS_CC := aarch64-linux-gnu-gcc
CFLAGS_GUEST := -static -O2 -Wall -Wextra -Werror -Iinclude/uapi
RUNNER = tests/run-in-guest --board $(BOARD_DIR) --kernel $(KDIR)/arch/arm64/boot/Image \
	--initrd $(B)/base.cpio

.PHONY: all deps kernel module clippy tools dtb initramfs guest run press qemu-exec test clean

all: module

deps:
	@scripts/setup-deps

kernel: deps
	@mkdir -p $(B)
	@scripts/build-kernel $(BOARD_DIR)/kernel.config > $(B)/kdir.tmp && mv $(B)/kdir.tmp $(B)/kdir

module: kernel
	@$(KMAKE) modules $(if $(CLIPPY),CLIPPY=1)

clippy: kernel
	@touch src/rpoll_main.rs && $(KMAKE) modules CLIPPY=1

tools: deps
	@cargo build -q --release --target $(GUEST_TARGET) -p rpoll -p rpoll-guest-tests
	@mkdir -p $(C_BIN)
	@$(CROSS_CC) $(CFLAGS_GUEST) -o $(C_BIN)/rpoll-epoll tools/c/rpoll-epoll.c
	@$(CROSS_CC) $(CFLAGS_GUEST) -o $(C_BIN)/rpoll-ioctl-test tests/guest-c/ioctl_test.c

dtb: deps
	@mkdir -p $(B)
	@scripts/make-dtb $(BOARD_DIR) $(B)/board.dtb $(BOARD_DIR)/rpoll.dtso
	@scripts/make-dtb $(BOARD_DIR) $(B)/test.dtb $(BOARD_DIR)/rpoll.dtso \
		tests/dts/test-devices.dtso tests/dts/bad-nodes.dtso

initramfs: module tools
	@scripts/make-initramfs $(B)/base.cpio $(RPOLL_CACHE)/busybox-arm64 $(BOARD_DIR)/init \
		rpoll.ko $(GUEST_FILES)

# Everything a boot needs.
guest: module tools dtb initramfs

run: guest
	@echo "rpoll: booting QEMU $(BOARD) (exit the guest shell, or Ctrl-A X, to quit)"
	@$(RUNNER) --dtb $(B)/board.dtb --qmp $(CURDIR)/$(B)/qmp.sock --interactive

# While `make run` is up: press the board's button (GPIO line 3) N times.
press:
	@scripts/qmp press $(B)/qmp.sock $(or $(N),1)

# Non-interactive: make qemu-exec CMD='cat /sys/kernel/debug/rpoll-tick/state'
qemu-exec: guest
	@$(RUNNER) --dtb $(B)/test.dtb $(if $(TIMEOUT),--timeout $(TIMEOUT)) -- sh -c '$(CMD)'

test: guest
	@tests/run-all "$(KDIR)" "$(B)"

clean:
	-@[ ! -f $(B)/kdir ] || $(KMAKE) clean
	rm -rf $(B) target
	rm -f rpoll.ko *.o src/*.o .*.cmd src/.*.cmd *.mod *.mod.c Module.symvers modules.order
