# SPDX-License-Identifier: GPL-2.0
# The kernel-crate series (docs/upstream.md, upstream/*.patch): with a kernel
# that carries one of its patches, the shim that backports it uses the
# kernel's API instead, told so by a cfg that only that shim file reads.
# Each patch is recognised in the kernel's source by the item it adds.
# Included by the out-of-tree Kbuild and by the in-tree Makefile.
rpoll-kernel-has = $(shell grep -qsF '$(2)' $(srctree)/rust/kernel/$(1) && echo y)
ifeq ($(call rpoll-kernel-has,cred.rs,pub fn capable(cap: Capability)),y)
rustflags-y += --cfg rpoll_kernel_capable
endif
ifeq ($(call rpoll-kernel-has,fs/kiocb.rs,pub fn is_nowait(&self)),y)
rustflags-y += --cfg rpoll_kernel_kiocb_nowait
endif
ifeq ($(call rpoll-kernel-has,workqueue.rs,pub fn flush(&self)),y)
rustflags-y += --cfg rpoll_kernel_work_flush
endif
ifeq ($(call rpoll-kernel-has,device/property.rs,pub fn property_read_str<),y)
rustflags-y += --cfg rpoll_kernel_property_read_str
endif
# An unbalanced parenthesis cannot be a $(call) argument itself.
rpoll-hrtimer-restart := pub fn restart(&self
ifeq ($(call rpoll-kernel-has,time/hrtimer/arc.rs,$(rpoll-hrtimer-restart)),y)
rustflags-y += --cfg rpoll_kernel_hrtimer_restart
endif
ifeq ($(call rpoll-kernel-has,time.rs,pub fn to_boottime(self)),y)
rustflags-y += --cfg rpoll_kernel_clock
endif
