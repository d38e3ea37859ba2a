// SPDX-License-Identifier: GPL-2.0

//! One bound device as its open files and its debugfs file reach it: the
//! fan-out queue and the source. Open files keep it alive after unbind.

use kernel::{fmt, prelude::*, sync::Arc};

use crate::{
    fanout::{FanOut, MAX_READERS},
    logic::uapi::RpollInfo,
    source::Source,
};

/// The queue and the source of one device.
pub(crate) struct Device {
    /// The readers' queues and wait queue.
    pub(crate) fanout: Arc<FanOut>,
    /// The event source feeding `fanout`.
    pub(crate) source: Arc<dyn Source>,
}

impl Device {
    /// A device whose `source` feeds `fanout` (which holds its name).
    pub(crate) fn new(fanout: Arc<FanOut>, source: Arc<dyn Source>) -> Result<Arc<Self>> {
        Ok(Arc::new(Self { fanout, source }, GFP_KERNEL)?)
    }

    /// The `RPOLL_IOC_INFO` reply.
    pub(crate) fn info(&self) -> RpollInfo {
        let mut info = RpollInfo::with_name(self.fanout.name().to_bytes());
        info.queue_depth = self.fanout.depth();
        info.max_readers = MAX_READERS as u32;
        self.source.describe(&mut info);
        info
    }

    /// The debugfs `state` file.
    pub(crate) fn render(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "source: {}", self.source.name())?;
        self.source.render(f)?;
        self.fanout.render(f)
    }
}
