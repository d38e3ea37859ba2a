// SPDX-License-Identifier: GPL-2.0

//! Reading an rpoll node's device-tree properties into a [`DeviceConfig`].
//!
//! The decisions (ranges, defaults, messages) live in `logic::params`; this
//! file only fetches raw values and reports rejections with `dev_err!`.

use kernel::{
    device::{property::FwNode, Device},
    prelude::*,
    str::{CStr, CString},
};

use crate::fw_string;
use crate::logic::{
    gpio_edges::Edges,
    params::{self, ParamError},
};

/// The kind of event source a node describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SourceKind {
    /// `rpoll,event-timer`: a periodic hrtimer.
    Timer,
    /// `rpoll,event-irq`: an interrupt line that is not a GPIO.
    Irq,
    /// `rpoll,event-gpio`: the edges of a GPIO line (a button, a switch).
    Gpio,
}

impl SourceKind {
    /// Name used in logs and debugfs.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Timer => "timer",
            Self::Irq => "irq",
            Self::Gpio => "gpio",
        }
    }
}

/// A validated node configuration.
pub(crate) struct DeviceConfig {
    /// Device name, `rpoll-<label or node name>`; also the debugfs dir name.
    pub(crate) name: CString,
    /// The source kind.
    pub(crate) kind: SourceKind,
    /// Timer period in microseconds (timer sources only, else 0).
    pub(crate) period_us: u32,
    /// Capacity of each reader's queue.
    pub(crate) depth: u32,
    /// Debounce window in microseconds (IRQ and GPIO sources; 0: none).
    pub(crate) debounce_us: u32,
    /// The edges a GPIO source reports (`Both` for other sources).
    pub(crate) edges: Edges,
}

/// Reads an optional single-cell u32 property.
fn read_u32(node: &FwNode, name: &CStr, pname: &'static str) -> Result<Option<u32>, ParamError> {
    if !node.property_present(name) {
        return Ok(None);
    }
    match node.property_count_elem::<u32>(name) {
        Ok(1) => node
            .property_read::<u32>(name)
            .optional()
            .map(Some)
            .ok_or(ParamError::NotOneCell(pname)),
        _ => Err(ParamError::NotOneCell(pname)),
    }
}

/// Reads the optional `rpoll,edges` string (borrowed from the node: no
/// allocation, so a failure here is a malformed property).
fn read_edges(node: &FwNode) -> Result<Edges, ParamError> {
    if !node.property_present(c"rpoll,edges") {
        return params::edges(None);
    }
    let v = fw_string::read_str(node, c"rpoll,edges").map_err(|_| ParamError::Edges)?;
    params::edges(Some(v.to_bytes()))
}

/// Reads the optional `label` string, borrowed from the node; `Ok(None)`
/// when absent.
fn read_label(node: &FwNode) -> Result<Option<&CStr>, ParamError> {
    if !node.property_present(c"label") {
        return Ok(None);
    }
    let label = fw_string::read_str(node, c"label").map_err(|_| ParamError::Label)?;
    params::label(label.to_bytes())?;
    Ok(Some(label))
}

fn parse(node: &FwNode, kind: SourceKind) -> Result<Result<DeviceConfig, ParamError>> {
    let period_us = match kind {
        SourceKind::Timer => match read_u32(node, c"rpoll,period-us", params::PROP_PERIOD)
            .and_then(params::period_us)
        {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        },
        SourceKind::Irq | SourceKind::Gpio => 0,
    };
    let debounce_us = match kind {
        SourceKind::Timer => 0,
        SourceKind::Irq | SourceKind::Gpio => {
            match read_u32(node, c"rpoll,debounce-us", params::PROP_DEBOUNCE)
                .and_then(params::debounce_us)
            {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            }
        }
    };
    let edges = match kind {
        SourceKind::Gpio => match read_edges(node) {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        },
        SourceKind::Timer | SourceKind::Irq => Edges::Both,
    };
    let depth = match read_u32(node, c"rpoll,queue-depth", params::PROP_DEPTH)
        .and_then(params::queue_depth)
    {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let name = match read_label(node) {
        // An allocation failure here is ENOMEM, never a property error.
        Ok(Some(label)) => CString::try_from_fmt(fmt!("rpoll-{}", label))?,
        Ok(None) => CString::try_from_fmt(fmt!("rpoll-{}", node.display_name()))?,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(DeviceConfig {
        name,
        kind,
        period_us,
        depth,
        debounce_us,
        edges,
    }))
}

/// Reads and validates the configuration of `dev`'s node. Every rejected
/// value is reported with a message naming the property and what is accepted.
pub(crate) fn read(dev: &Device, kind: SourceKind) -> Result<DeviceConfig> {
    let Some(node) = dev.fwnode() else {
        dev_err!(
            dev,
            "no firmware node: rpoll devices are described in the device tree\n"
        );
        return Err(ENODEV);
    };
    match parse(node, kind)? {
        Ok(cfg) => Ok(cfg),
        Err(e) => {
            dev_err!(dev, "{}\n", format_args!("{e}"));
            Err(EINVAL)
        }
    }
}
