// SPDX-License-Identifier: GPL-2.0

//! Reading an rpoll node's device-tree properties into a [`DeviceConfig`].
//!
//! The decisions (ranges, defaults, messages) live in `logic::params`; this
//! file only fetches raw values and reports rejections with `dev_err!`.

use kernel::{
    device::{property::FwNode, Device},
    str::{CStr, CString},
};

use crate::logic::{
    gpio_edges::Edges,
    params::{self, ParamError},
};
use crate::shim::prelude::*;

/// The kind of event source a node describes (its `compatible`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SourceKind {
    /// `rpoll,event-timer`: a periodic hrtimer.
    Timer,
    /// `rpoll,event-irq`: an interrupt line that is not a GPIO.
    Irq,
    /// `rpoll,event-gpio`: the edges of a GPIO line (a button, a switch).
    Gpio,
}

/// The validated properties of one source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SourceConfig {
    /// `rpoll,event-timer`.
    Timer {
        /// `rpoll,period-us`.
        period_us: u32,
    },
    /// `rpoll,event-irq`.
    Irq {
        /// `rpoll,debounce-us` (0: none).
        debounce_us: u32,
        /// `wakeup-source`: the interrupt may wake the system.
        wakeup: bool,
    },
    /// `rpoll,event-gpio`.
    Gpio {
        /// `rpoll,debounce-us` (0: none).
        debounce_us: u32,
        /// `rpoll,edges`, in logical terms.
        edges: Edges,
        /// `wakeup-source`: an edge may wake the system.
        wakeup: bool,
        /// `rpoll,wakeup-edges`, in logical terms: the edges that may.
        wakeup_edges: Edges,
        /// `rpoll,poll-interval-us`: the line is sampled this often instead
        /// of using its interrupt (`None`: interrupt-driven).
        poll_interval_us: Option<u32>,
    },
}

/// A validated node configuration.
pub(crate) struct DeviceConfig {
    /// Device name, `rpoll-<label or node name>`; also the debugfs dir name.
    pub(crate) name: CString,
    /// Capacity of each reader's queue (`rpoll,queue-depth`).
    pub(crate) depth: u32,
    /// The source and its properties.
    pub(crate) source: SourceConfig,
}

/// Why a node's configuration could not be read.
enum ConfigError {
    /// A property is malformed or out of range: reported, then `EINVAL`.
    Param(ParamError),
    /// The kernel failed (an allocation): passed on as is.
    Kernel(Error),
}

impl From<ParamError> for ConfigError {
    fn from(e: ParamError) -> Self {
        Self::Param(e)
    }
}

impl From<Error> for ConfigError {
    fn from(e: Error) -> Self {
        Self::Kernel(e)
    }
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
    let v = node
        .property_read_str(c"rpoll,edges")
        .optional()
        .ok_or(ParamError::Edges)?;
    params::edges(Some(v.to_bytes()))
}

/// Reads the optional `label` string, borrowed from the node; `Ok(None)`
/// when absent.
fn read_label(node: &FwNode) -> Result<Option<&CStr>, ParamError> {
    if !node.property_present(c"label") {
        return Ok(None);
    }
    let label = node
        .property_read_str(c"label")
        .optional()
        .ok_or(ParamError::Label)?;
    params::label(label.to_bytes())?;
    Ok(Some(label))
}

fn read_debounce(node: &FwNode) -> Result<u32, ParamError> {
    read_u32(node, c"rpoll,debounce-us", params::PROP_DEBOUNCE).and_then(params::debounce_us)
}

/// Reads the optional `rpoll,wakeup-edges` string of a GPIO line that is a
/// wake-up source when `wakeup`.
fn read_wakeup_edges(node: &FwNode, wakeup: bool) -> Result<Edges, ParamError> {
    if !node.property_present(c"rpoll,wakeup-edges") {
        return params::wakeup_edges(None, wakeup);
    }
    let v = node
        .property_read_str(c"rpoll,wakeup-edges")
        .optional()
        .ok_or(ParamError::WakeupEdges)?;
    params::wakeup_edges(Some(v.to_bytes()), wakeup)
}

fn parse(node: &FwNode, kind: SourceKind) -> Result<DeviceConfig, ConfigError> {
    let wakeup = node.property_present(c"wakeup-source");
    let wakeup_edges = node.property_present(c"rpoll,wakeup-edges");
    let source = match kind {
        SourceKind::Timer if wakeup => return Err(ParamError::WakeupOnTimer.into()),
        SourceKind::Timer | SourceKind::Irq if wakeup_edges => {
            return Err(ParamError::WakeupEdgesNotGpio.into())
        }
        SourceKind::Timer => SourceConfig::Timer {
            period_us: read_u32(node, c"rpoll,period-us", params::PROP_PERIOD)
                .and_then(params::period_us)?,
        },
        SourceKind::Irq => SourceConfig::Irq {
            debounce_us: read_debounce(node)?,
            wakeup,
        },
        SourceKind::Gpio => SourceConfig::Gpio {
            debounce_us: read_debounce(node)?,
            edges: read_edges(node)?,
            wakeup,
            wakeup_edges: read_wakeup_edges(node, wakeup)?,
            poll_interval_us: read_u32(node, c"rpoll,poll-interval-us", params::PROP_POLL_INTERVAL)
                .and_then(|v| params::poll_interval_us(v, wakeup))?,
        },
    };
    let depth =
        read_u32(node, c"rpoll,queue-depth", params::PROP_DEPTH).and_then(params::queue_depth)?;
    // An allocation failure here is ENOMEM, never a property error.
    let name = match read_label(node)? {
        Some(label) => CString::try_from_fmt(fmt!("rpoll-{}", label))?,
        None => CString::try_from_fmt(fmt!("rpoll-{}", node.display_name()))?,
    };
    Ok(DeviceConfig {
        name,
        depth,
        source,
    })
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
    parse(node, kind).map_err(|e| match e {
        ConfigError::Param(p) => {
            dev_err!(dev, "{}\n", format_args!("{p}"));
            EINVAL
        }
        ConfigError::Kernel(e) => e,
    })
}
