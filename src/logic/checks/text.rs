// SPDX-License-Identifier: GPL-2.0

//! A fixed-size text buffer for the checks: what `format!` gives on the host,
//! without allocation.

use core::fmt;

/// Up to 160 bytes of formatted text; what does not fit is cut off.
pub struct Text {
    buf: [u8; 160],
    len: usize,
}

impl Text {
    /// `value` formatted with `Display`.
    pub fn of(value: &dyn fmt::Display) -> Self {
        let mut t = Self {
            buf: [0; 160],
            len: 0,
        };
        // A full buffer ends the formatting early: the text is cut off.
        let _ = fmt::write(&mut t, format_args!("{value}"));
        t
    }

    /// The text (valid UTF-8 unless cut inside a character).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.buf.len() - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        if n < s.len() {
            Err(fmt::Error)
        } else {
            Ok(())
        }
    }
}
