/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C helpers of rpoll's kernel-crate shims (helpers.c), declared for the
 * C compiler; their Rust declarations are in the shim files that use them.
 */
#ifndef RPOLL_SHIM_HELPERS_H
#define RPOLL_SHIM_HELPERS_H

#include <linux/types.h>

struct kiocb;

u64 rpoll_helper_get_jiffies_64(void);
u32 rpoll_helper_irq_get_trigger_type(unsigned int irq);
bool rpoll_helper_kiocb_nowait(const struct kiocb *iocb);

#endif /* RPOLL_SHIM_HELPERS_H */
