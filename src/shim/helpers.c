// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for rpoll's Rust code: static inline kernel functions that Rust
 * cannot call directly, wrapped the way the kernel's own rust/helpers/ does.
 * Upstream, each would be a rust_helper_* in rust/helpers/ and reach Rust
 * through `bindings`; here they are declared in the shim that uses them.
 * Every helper has the semantics and context rules of the function it wraps.
 */

#include <linux/fs.h>
#include <linux/irq.h>
#include <linux/jiffies.h>

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
