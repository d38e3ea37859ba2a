// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for rpoll's Rust code: static inline kernel functions that Rust
 * cannot call directly, wrapped the way the kernel's own rust/helpers/ does.
 * Upstream, each would be a rust_helper_* in rust/helpers/ and reach Rust
 * through `bindings`; here they are declared in the shim that uses them.
 * Every helper has the semantics and context rules of the function it wraps.
 */

#include <linux/fs.h>
#include <linux/gpio/consumer.h>
#include <linux/gpio/driver.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/jiffies.h>
#include <linux/pm_wakeirq.h>
#include <linux/device.h>
#include <linux/spinlock.h>
#include <linux/suspend.h>

#include "helpers.h"

/*
 * gpio_consumer.rs declares the gpiolib functions it calls itself (7.3's
 * bindings leave out <linux/gpio/consumer.h>). Each declaration is checked
 * here against the header: the type below is the Rust declaration's,
 * spelled in C (`enum gpiod_flags` is Rust's `c_uint`, `struct device *`
 * its `*mut c_void`), and a header that disagrees stops the build.
 */
#define RPOLL_SAME_TYPE(fn, type) \
	static_assert(__same_type(&(fn), type), #fn " does not match gpio_consumer.rs")
RPOLL_SAME_TYPE(gpiod_get, struct gpio_desc *(*)(struct device *, const char *, enum gpiod_flags));
RPOLL_SAME_TYPE(gpiod_put, void (*)(struct gpio_desc *));
RPOLL_SAME_TYPE(gpiod_to_irq, int (*)(const struct gpio_desc *));
RPOLL_SAME_TYPE(gpiod_get_value, int (*)(const struct gpio_desc *));
RPOLL_SAME_TYPE(gpiod_get_value_cansleep, int (*)(const struct gpio_desc *));
RPOLL_SAME_TYPE(gpiod_cansleep, int (*)(const struct gpio_desc *));
RPOLL_SAME_TYPE(gpiod_is_active_low, int (*)(const struct gpio_desc *));
RPOLL_SAME_TYPE(gpiod_hwgpio, int (*)(const struct gpio_desc *));
RPOLL_SAME_TYPE(gpiod_set_consumer_name, int (*)(struct gpio_desc *, const char *));
static_assert(sizeof(enum gpiod_flags) == sizeof(unsigned int));
static_assert(GPIOD_IN == 1, "gpio_consumer.rs's Flags::In");

/*
 * A managed device link from @dev (a consumer probing) to the device of the
 * controller behind @desc (the GPIO chip's parent, which is bound; the chip's
 * own device if it has none), removed when @dev unbinds: unbinding the
 * controller unbinds @dev first. fw_devlink makes such a link from the
 * device tree only once, to the chip's first gpio_device; a controller that
 * is unbound and bound again gets a new one, which nothing links to.
 */
int rpoll_helper_gpiod_link_controller(struct device *dev, struct gpio_desc *desc)
{
	struct gpio_device *gdev = gpiod_to_gpio_device(desc);
	struct device *chip, *supplier;

	if (!gdev)
		return -ENODEV;
	chip = gpio_device_to_device(gdev);
	supplier = chip->parent ? chip->parent : chip;
	return device_link_add(dev, supplier, DL_FLAG_AUTOREMOVE_CONSUMER) ? 0 : -EINVAL;
}

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

/* Marks an opening @file as honouring IOCB_NOWAIT (misc_poll.rs). */
void rpoll_helper_file_set_nowait(struct file *file)
{
	file->f_mode |= FMODE_NOWAIT;
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

bool rpoll_helper_device_may_wakeup(struct device *dev)
{
	return device_may_wakeup(dev);
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
 * The wait queue lock of wait_queue_lock.rs, in the interrupt-disable model
 * of the release's SpinLockIrq, so that the two kinds of guards can be
 * released in any order: on 7.3 the counted local_interrupt_disable() of
 * spin_lock_irq_disable() (interrupts come back on when the last IRQ-off
 * section of the CPU ends, whichever it is), on 7.2 spin_lock_irqsave()
 * like release.rs's SpinLockIrq. rpoll_helper_irq_lock() returns the flags
 * from before the lock: on 7.2 the token for the unlock, on 7.3 only for
 * rpoll_helper_irq_lock_may_sleep().
 */
unsigned long rpoll_helper_irq_lock(spinlock_t *lock)
{
	unsigned long flags;
#ifdef RPOLL_KERNEL_7_2
	spin_lock_irqsave(lock, flags);
#else
	local_save_flags(flags);
	/*
	 * A hard interrupt handler runs with interrupts off from its start to
	 * its end, and no IRQ-off section it opens or closes turns them on
	 * (the first one saves "off"), so there the lock needs no count of its
	 * own: the producers' path, one counted section less per event. The
	 * unlock decides the same way; a guard is released in the context it
	 * was taken in (it is neither Send nor able to outlive the handler's
	 * borrow).
	 */
	if (in_hardirq())
		spin_lock(lock);
	else
		spin_lock_irq_disable(lock);
#endif
	return flags;
}

void rpoll_helper_irq_unlock(spinlock_t *lock, unsigned long flags)
{
#ifdef RPOLL_KERNEL_7_2
	spin_unlock_irqrestore(lock, flags);
#else
	if (in_hardirq())
		spin_unlock(lock);
	else
		spin_unlock_irq_enable(lock);
#endif
}

/*
 * Whether the task holding a lock taken by rpoll_helper_irq_lock() (which
 * returned @flags) may release it, sleep with interrupts on, and take it
 * again: interrupts were on before the lock, (7.3) no other counted IRQ-off
 * section is open on this CPU, and the rest of the preempt count is this
 * lock's own: not in hard or soft interrupt context, no other spinlock or
 * preempt_disable() section held.
 */
bool rpoll_helper_irq_lock_may_sleep(unsigned long flags)
{
	unsigned int count = preempt_count();

	if (irqs_disabled_flags(flags))
		return false;
#ifndef RPOLL_KERNEL_7_2
	if ((count & HARDIRQ_DISABLE_MASK) != HARDIRQ_DISABLE_OFFSET)
		return false;
	count &= ~HARDIRQ_DISABLE_MASK;
#endif
	return count == PREEMPT_LOCK_OFFSET;
}

#ifdef RPOLL_KERNEL_7_2
/*
 * spin_lock_irqsave() and its release: release.rs's SpinLockIrq on Linux
 * 7.2.
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
