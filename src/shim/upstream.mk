# SPDX-License-Identifier: GPL-2.0
# The kernel-crate series (docs/upstream.md, upstream/*.patch): with a kernel
# that carries one of its patches, the shim that backports it uses the
# kernel's API instead, told so by a cfg that only that shim file reads.
# Each patch is recognised in the kernel's source by the item it adds.
# Included by Kbuild. The in-tree driver (scripts/intree-driver) has no shim:
# it is built only in a tree that carries the whole series.
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
rpoll-hrtimer-add-expires := pub fn add_expires(&mut self
ifeq ($(call rpoll-kernel-has,time/hrtimer.rs,$(rpoll-hrtimer-add-expires)),y)
rustflags-y += --cfg rpoll_kernel_hrtimer_add_expires
endif
ifeq ($(call rpoll-kernel-has,time.rs,pub fn to_boottime(self)),y)
rustflags-y += --cfg rpoll_kernel_clock
endif
ifeq ($(call rpoll-kernel-has,tracepoint.rs,@enabled extern),y)
rustflags-y += --cfg rpoll_kernel_trace_extern
endif
# Patch 8's to_irq() gives an IrqRequest that only patch 9's registrations
# take: the GPIO consumer's kernel API is used with both.
ifeq ($(call rpoll-kernel-has,irq/line.rs,pub struct Mask {),y)
rustflags-y += --cfg rpoll_kernel_irq_line
ifeq ($(call rpoll-kernel-has,gpio/consumer.rs,pub fn into_atomic(self)),y)
rustflags-y += --cfg rpoll_kernel_gpio_consumer
endif
# Patch 11's wake-up functions take patch 9's irq::Line.
ifeq ($(call rpoll-kernel-has,pm.rs,pub trait PmHooks: Send + Sync {),y)
rustflags-y += --cfg rpoll_kernel_pm
endif
endif
ifeq ($(call rpoll-kernel-has,sync/lock/wait_queue.rs,pub struct WaitQueueBackend;),y)
rustflags-y += --cfg rpoll_kernel_wait_queue_lock
# Patch 12's MiscDevice::poll takes patch 10's PollTable.
ifeq ($(call rpoll-kernel-has,miscdevice.rs,type RegistrationData: Send + Sync;),y)
rustflags-y += --cfg rpoll_kernel_misc_poll
endif
endif
