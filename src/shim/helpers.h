/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C helpers of rpoll's kernel-crate shims (helpers.c), declared for the
 * C compiler; their Rust declarations are in the shim files that use them.
 */
#ifndef RPOLL_SHIM_HELPERS_H
#define RPOLL_SHIM_HELPERS_H

#include <linux/spinlock_types.h>
#include <linux/types.h>

struct device;
struct file;
struct gpio_desc;
struct kiocb;
struct notifier_block;

u64 rpoll_helper_get_jiffies_64(void);
int rpoll_helper_gpiod_link_controller(struct device *dev, struct gpio_desc *desc);
u32 rpoll_helper_irq_get_trigger_type(unsigned int irq);
bool rpoll_helper_kiocb_nowait(const struct kiocb *iocb);
void rpoll_helper_file_set_nowait(struct file *file);
int rpoll_helper_device_init_wakeup(struct device *dev, bool enable);
int rpoll_helper_dev_pm_set_wake_irq(struct device *dev, int irq);
void rpoll_helper_dev_pm_clear_wake_irq(struct device *dev);
void rpoll_helper_pm_wakeup_event(struct device *dev, unsigned int msec);
bool rpoll_helper_device_may_wakeup(struct device *dev);
int rpoll_helper_enable_irq_wake(unsigned int irq);
int rpoll_helper_disable_irq_wake(unsigned int irq);
int rpoll_helper_register_pm_notifier(struct notifier_block *nb);
int rpoll_helper_unregister_pm_notifier(struct notifier_block *nb);
unsigned long rpoll_helper_irq_lock(spinlock_t *lock);
void rpoll_helper_irq_unlock(spinlock_t *lock, unsigned long flags);
bool rpoll_helper_irq_lock_may_sleep(unsigned long flags);
#ifdef RPOLL_KERNEL_7_2
unsigned long rpoll_helper_spin_lock_irqsave(spinlock_t *lock);
void rpoll_helper_spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags);
bool rpoll_helper_spin_trylock_irqsave(spinlock_t *lock, unsigned long *flags);
void rpoll_helper_spin_assert_is_held(spinlock_t *lock);
#endif

#endif /* RPOLL_SHIM_HELPERS_H */
