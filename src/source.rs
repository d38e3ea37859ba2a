// SPDX-License-Identifier: GPL-2.0

//! What open files and debugfs see of a device's event source.
//!
//! Each source (`timer_source.rs`, `irq_source.rs`, `gpio_source.rs`) owns
//! its state and implements [`Source`]; the defaults are what a source that
//! runs on its own (an interrupt) needs. Shared code calls these methods and
//! never asks which source it serves.

use kernel::{fmt, prelude::*};

use crate::logic::uapi::{RpollConfig, RpollInfo};

/// An event source as seen from its open files.
pub(crate) trait Source: Send + Sync {
    /// Name used in logs and debugfs (`timer`, `irq`, `gpio`).
    fn name(&self) -> &'static str;

    /// The first file was opened: start producing, if the source runs only
    /// while read. Process context; serialised with [`Self::idle`].
    fn readers_arrived(&self) {}

    /// The last file was closed. Process context.
    fn idle(&self) {}

    /// A file is about to read on the current CPU. Process context.
    fn before_read(&self) {}

    /// Changes the period (`RPOLL_IOC_SET_PERIOD`, value not yet checked):
    /// `ENOTTY` (the ioctl does not apply to this device) for sources that
    /// have none, `EINVAL` for a bad value.
    fn set_period(&self, _period_us: u32) -> Result {
        Err(ENOTTY)
    }

    /// The configuration (`RPOLL_IOC_GET_CONFIG`): `ENOTTY` for sources that
    /// have none.
    fn config(&self) -> Result<RpollConfig> {
        Err(ENOTTY)
    }

    /// Changes the configuration (`RPOLL_IOC_SET_CONFIG`, not yet checked)
    /// between two events, flagging the next record; `EINVAL` with nothing
    /// changed for a bad value, `ENOTTY` for sources that have none.
    fn set_config(&self, _config: &RpollConfig) -> Result {
        Err(ENOTTY)
    }

    /// Whether the source's records are GPIO edges a reader may filter
    /// (`RPOLL_IOC_SET_EDGE_MASK`).
    fn has_edges(&self) -> bool {
        false
    }

    /// The logical level (`RPOLL_IOC_GET_LEVEL`): `ENOTTY` for sources
    /// that have none, `ENODEV` once unbound.
    fn level(&self) -> Result<bool> {
        Err(ENOTTY)
    }

    /// Fills the source's fields of the `RPOLL_IOC_INFO` reply.
    fn describe(&self, info: &mut RpollInfo);

    /// Writes the source's lines of the debugfs `state` file.
    fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;

    /// Writes what the probe message says of the source, e.g.
    /// `timer, period 1000 us`.
    fn summary(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

/// Formats a source's [`Source::summary`].
pub(crate) struct Summary<'a>(pub(crate) &'a dyn Source);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.summary(f)
    }
}
