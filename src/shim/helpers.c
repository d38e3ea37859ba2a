// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for rpoll's Rust code: static inline kernel functions that Rust
 * cannot call directly, wrapped the way the kernel's own rust/helpers/ does.
 * Upstream, each would be a rust_helper_* in rust/helpers/ and reach Rust
 * through `bindings`; here they are declared in the shim that uses them.
 * Every helper has the semantics and context rules of the function it wraps.
 */

#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/jiffies.h>
#include <linux/pm_wakeirq.h>
#include <linux/device.h>
#include <linux/spinlock.h>
#include <linux/suspend.h>

#include "helpers.h"

/* get_jiffies_64(): a plain load on 64-bit, a seqlock read on 32-bit. */
u64 rpoll_helper_get_jiffies_64(void)
{
	return get_jiffies_64();
}

/* irq_get_trigger_type(): the IRQ_TYPE_* bits configured for @irq, 0 if none. */
u32 rpoll_helper_irq_get_trigger_type(unsigned int irq)
{
	return irq_get_trigger_type(irq);
}

/* Whether I/O through @iocb must not block (O_NONBLOCK file or IOCB_NOWAIT). */
bool rpoll_helper_kiocb_nowait(const struct kiocb *iocb)
{
	return (iocb->ki_flags & IOCB_NOWAIT) || (iocb->ki_filp->f_flags & O_NONBLOCK);
}

/*
 * Device wake-up and PM notifiers (pm.rs). Without CONFIG_PM_SLEEP these are
 * the headers' stubs: they succeed and do nothing.
 */
int rpoll_helper_device_init_wakeup(struct device *dev, bool enable)
{
	return device_init_wakeup(dev, enable);
}

int rpoll_helper_dev_pm_set_wake_irq(struct device *dev, int irq)
{
	return dev_pm_set_wake_irq(dev, irq);
}

void rpoll_helper_dev_pm_clear_wake_irq(struct device *dev)
{
	dev_pm_clear_wake_irq(dev);
}

void rpoll_helper_pm_wakeup_event(struct device *dev, unsigned int msec)
{
	pm_wakeup_event(dev, msec);
}

int rpoll_helper_enable_irq_wake(unsigned int irq)
{
	return enable_irq_wake(irq);
}

int rpoll_helper_disable_irq_wake(unsigned int irq)
{
	return disable_irq_wake(irq);
}

int rpoll_helper_register_pm_notifier(struct notifier_block *nb)
{
	return register_pm_notifier(nb);
}

int rpoll_helper_unregister_pm_notifier(struct notifier_block *nb)
{
	return unregister_pm_notifier(nb);
}

/*
 * spin_lock_irqsave() and its release, for locks whose holder may be in
 * any context: wait_queue_lock.rs's wait queue lock, and on Linux 7.2
 * release.rs's SpinLockIrq.
 */
unsigned long rpoll_helper_spin_lock_irqsave(spinlock_t *lock)
{
	unsigned long flags;

	spin_lock_irqsave(lock, flags);
	return flags;
}

void rpoll_helper_spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	spin_unlock_irqrestore(lock, flags);
}

#ifdef RPOLL_KERNEL_7_2
/*
 * The rest of release.rs's IRQ-safe spinlock for Linux 7.2, whose kernel
 * crate has none (7.3's SpinLockIrq). Defined by Kbuild when building
 * against 7.2.
 */
bool rpoll_helper_spin_trylock_irqsave(spinlock_t *lock, unsigned long *flags)
{
	return spin_trylock_irqsave(lock, *flags);
}

void rpoll_helper_spin_assert_is_held(spinlock_t *lock)
{
	lockdep_assert_held(lock);
}
#endif
