// SPDX-License-Identifier: GPL-2.0
/*
 * cref: the C reference driver of the rpoll benchmark.
 *
 * This is the classic "pollable timer device" as driver tutorials build it,
 * kept deliberately plain so that rpoll can be measured against it:
 *
 * - one producer, a kernel thread that sleeps until the next deadline of a
 *   fixed period (an absolute hrtimer sleep, so the period does not drift)
 *   and then queues one event;
 * - ONE queue shared by every open file, protected by a mutex (legal here
 *   because the producer is a thread; an hrtimer callback could not take it);
 * - read() blocks with wait_event_interruptible() and returns exactly one
 *   32-byte record (the layout of struct rpoll_event);
 * - poll() registers with poll_wait() on the same wait queue.
 *
 * Because the queue is shared, each event is consumed by exactly one reader:
 * with N readers open, every wake-up wakes all of them and one wins.
 *
 * The record's timestamp is the deadline the producer slept to, i.e. the
 * moment the event was due, so a reader's latency includes the thread's own
 * wake-up, as it does for timerfd (whose expiry time is the deadline).
 *
 * Parameters: period_us (default 1000), queue_depth (default 256),
 * max_readers (default 64, then open() fails with EMFILE). The period can be
 * changed at run time with CREF_IOC_SET_PERIOD (see cref.h).
 */

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "cref.h"

#define CREF_MIN_PERIOD_US 10
#define CREF_MAX_DEPTH 4096

static uint period_us = 1000;
module_param(period_us, uint, 0444);
MODULE_PARM_DESC(period_us, "initial period in microseconds (>= 10)");

static uint queue_depth = 256;
module_param(queue_depth, uint, 0444);
MODULE_PARM_DESC(queue_depth, "capacity of the shared queue (2..4096)");

static uint max_readers = 64;
module_param(max_readers, uint, 0444);
MODULE_PARM_DESC(max_readers, "most files open at once (then EMFILE)");

struct cref_dev {
	struct mutex ctl;	/* readers, producer: open/release/period */
	struct mutex lock;	/* the shared queue and its counters */
	wait_queue_head_t wq;	/* readers waiting for an event */
	struct task_struct *producer;
	struct cref_event *ring;
	unsigned int head;
	unsigned int len;
	u64 produced;
	u64 lost;
	u64 overruns;
	u64 pending_lost;	/* reported in the next record read */
	unsigned int readers;
	u64 period_ns;
};

static struct cref_dev cref;

/* Queues one event due at @due; @missed periods were skipped before it. */
static void cref_push(ktime_t due, u64 missed)
{
	struct cref_event *ev;

	mutex_lock(&cref.lock);
	cref.overruns += missed;
	if (cref.len == queue_depth) {
		/* Full: the oldest event is dropped and reported later. */
		cref.head = (cref.head + 1) % queue_depth;
		cref.len--;
		cref.lost++;
		cref.pending_lost++;
	}
	ev = &cref.ring[(cref.head + cref.len) % queue_depth];
	ev->seq = ++cref.produced;
	ev->timestamp_ns = ktime_to_ns(due);
	ev->jiffies = get_jiffies_64();
	ev->source = 1;
	ev->lost = 0;
	cref.len++;
	mutex_unlock(&cref.lock);
	wake_up_interruptible(&cref.wq);
}

static int cref_producer(void *unused)
{
	u64 period = READ_ONCE(cref.period_ns);
	ktime_t next = ktime_add_ns(ktime_get(), period);

	while (!kthread_should_stop()) {
		ktime_t due = next;
		ktime_t now;
		u64 missed = 0;

		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		/* Woken early (kthread_stop): check the stop flag again. */
		if (schedule_hrtimeout_range(&due, 0, HRTIMER_MODE_ABS))
			continue;

		/* Forward from the deadline, never from now: no drift. */
		now = ktime_get();
		next = ktime_add_ns(due, period);
		if (!ktime_after(next, now)) {
			missed = div64_u64(ktime_to_ns(ktime_sub(now, next)),
					   period) + 1;
			next = ktime_add_ns(next, missed * period);
		}
		cref_push(due, missed);
	}
	return 0;
}

/* Called with cref.ctl held. */
static int cref_start(void)
{
	struct task_struct *t;

	t = kthread_run(cref_producer, NULL, "cref-producer");
	if (IS_ERR(t))
		return PTR_ERR(t);
	cref.producer = t;
	return 0;
}

/* Called with cref.ctl held; the queue starts empty on the next start. */
static void cref_stop(void)
{
	if (!cref.producer)
		return;
	kthread_stop(cref.producer);
	cref.producer = NULL;
	mutex_lock(&cref.lock);
	cref.head = 0;
	cref.len = 0;
	cref.pending_lost = 0;
	mutex_unlock(&cref.lock);
}

static int cref_open(struct inode *inode, struct file *file)
{
	int ret = 0;

	if ((file->f_flags & O_ACCMODE) == O_WRONLY)
		return -EINVAL;
	stream_open(inode, file);

	mutex_lock(&cref.ctl);
	if (cref.readers >= max_readers)
		ret = -EMFILE;
	else if (cref.readers == 0)
		ret = cref_start();
	if (!ret)
		cref.readers++;
	mutex_unlock(&cref.ctl);
	return ret;
}

static int cref_release(struct inode *inode, struct file *file)
{
	mutex_lock(&cref.ctl);
	if (--cref.readers == 0)
		cref_stop();
	mutex_unlock(&cref.ctl);
	return 0;
}

static ssize_t cref_read(struct file *file, char __user *buf, size_t count,
			 loff_t *ppos)
{
	struct cref_event ev;

	if (count < sizeof(ev))
		return -EINVAL;

	for (;;) {
		mutex_lock(&cref.lock);
		if (cref.len) {
			ev = cref.ring[cref.head];
			ev.lost = min_t(u64, cref.pending_lost, U32_MAX);
			cref.pending_lost = 0;
			cref.head = (cref.head + 1) % queue_depth;
			cref.len--;
			mutex_unlock(&cref.lock);
			break;
		}
		mutex_unlock(&cref.lock);

		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(cref.wq, READ_ONCE(cref.len)))
			return -ERESTARTSYS;
	}

	if (copy_to_user(buf, &ev, sizeof(ev))) {
		/* Never silently: the event counts as lost. */
		mutex_lock(&cref.lock);
		cref.lost++;
		cref.pending_lost += 1 + ev.lost;
		mutex_unlock(&cref.lock);
		return -EFAULT;
	}
	return sizeof(ev);
}

static __poll_t cref_poll(struct file *file, poll_table *wait)
{
	__poll_t mask = 0;

	poll_wait(file, &cref.wq, wait);
	mutex_lock(&cref.lock);
	if (cref.len)
		mask |= EPOLLIN | EPOLLRDNORM;
	mutex_unlock(&cref.lock);
	return mask;
}

static long cref_set_period(u32 __user *arg)
{
	u32 us;
	int ret = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (get_user(us, arg))
		return -EFAULT;
	if (us < CREF_MIN_PERIOD_US)
		return -EINVAL;

	mutex_lock(&cref.ctl);
	WRITE_ONCE(cref.period_ns, (u64)us * NSEC_PER_USEC);
	if (cref.producer) {
		/* Restart, so the new period applies from now. */
		cref_stop();
		ret = cref_start();
	}
	mutex_unlock(&cref.ctl);
	return ret;
}

static long cref_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct cref_stats st;

	switch (cmd) {
	case CREF_IOC_SET_PERIOD:
		return cref_set_period((u32 __user *)arg);
	case CREF_IOC_STATS:
		mutex_lock(&cref.lock);
		st.produced = cref.produced;
		st.lost = cref.lost;
		st.overruns = cref.overruns;
		st.readers = READ_ONCE(cref.readers);
		st.queued = cref.len;
		mutex_unlock(&cref.lock);
		if (copy_to_user((void __user *)arg, &st, sizeof(st)))
			return -EFAULT;
		return 0;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations cref_fops = {
	.owner = THIS_MODULE,
	.open = cref_open,
	.release = cref_release,
	.read = cref_read,
	.poll = cref_poll,
	.unlocked_ioctl = cref_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice cref_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "cref",
	.fops = &cref_fops,
	.mode = 0444,
};

static int __init cref_init(void)
{
	int ret;

	if (period_us < CREF_MIN_PERIOD_US || queue_depth < 2 ||
	    queue_depth > CREF_MAX_DEPTH || max_readers == 0) {
		pr_err("cref: invalid parameters\n");
		return -EINVAL;
	}

	mutex_init(&cref.ctl);
	mutex_init(&cref.lock);
	init_waitqueue_head(&cref.wq);
	cref.period_ns = (u64)period_us * NSEC_PER_USEC;
	cref.ring = kcalloc(queue_depth, sizeof(*cref.ring), GFP_KERNEL);
	if (!cref.ring)
		return -ENOMEM;

	ret = misc_register(&cref_misc);
	if (ret) {
		kfree(cref.ring);
		return ret;
	}
	pr_info("cref: /dev/cref ready (kthread producer, period %u us, shared queue depth %u, max %u readers)\n",
		period_us, queue_depth, max_readers);
	return 0;
}

static void __exit cref_exit(void)
{
	/* Open files hold a module reference, so no reader is left. */
	misc_deregister(&cref_misc);
	kfree(cref.ring);
}

module_init(cref_init);
module_exit(cref_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("rpoll benchmark: classic kthread + mutex + shared queue timer device");
