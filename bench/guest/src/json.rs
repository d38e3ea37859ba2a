//! A minimal JSON value and writer: the guest program prints its results as
//! one JSON document, which the host report tool (bench/plot) parses.

use std::fmt::{self, Write};

/// A JSON value.
#[derive(Clone, Debug)]
pub enum J {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An unsigned integer.
    U(u64),
    /// A number; NaN and infinities are written as `null`.
    F(f64),
    /// A string.
    S(String),
    /// An array.
    A(Vec<J>),
    /// An object, keys in insertion order.
    O(Vec<(String, J)>),
}

impl J {
    /// An empty object.
    pub fn obj() -> Self {
        J::O(Vec::new())
    }

    /// Adds `key: value` to an object (no-op on other values).
    pub fn set(&mut self, key: &str, value: impl Into<J>) -> &mut Self {
        if let J::O(fields) = self {
            fields.push((key.to_string(), value.into()));
        }
        self
    }

    /// Builder form of [`set`](Self::set).
    pub fn with(mut self, key: &str, value: impl Into<J>) -> Self {
        self.set(key, value);
        self
    }
}

impl From<bool> for J {
    fn from(v: bool) -> Self {
        J::Bool(v)
    }
}

impl From<u64> for J {
    fn from(v: u64) -> Self {
        J::U(v)
    }
}

impl From<usize> for J {
    fn from(v: usize) -> Self {
        J::U(v as u64)
    }
}

impl From<u32> for J {
    fn from(v: u32) -> Self {
        J::U(v.into())
    }
}

impl From<f64> for J {
    fn from(v: f64) -> Self {
        J::F(v)
    }
}

impl From<&str> for J {
    fn from(v: &str) -> Self {
        J::S(v.to_string())
    }
}

impl From<String> for J {
    fn from(v: String) -> Self {
        J::S(v)
    }
}

impl<T: Into<J>> From<Option<T>> for J {
    fn from(v: Option<T>) -> Self {
        v.map_or(J::Null, Into::into)
    }
}

impl<T: Into<J>> From<Vec<T>> for J {
    fn from(v: Vec<T>) -> Self {
        J::A(v.into_iter().map(Into::into).collect())
    }
}

fn write_str(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            c if (c as u32) < 0x20 => write!(f, "\\u{:04x}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

impl fmt::Display for J {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            J::Null => f.write_str("null"),
            J::Bool(b) => write!(f, "{b}"),
            J::U(u) => write!(f, "{u}"),
            J::F(x) if x.is_finite() => {
                // Rust never prints an exponent for f64; keep 4 decimals.
                let s = format!("{x:.4}");
                let s = s.trim_end_matches('0').trim_end_matches('.');
                f.write_str(if s.is_empty() || s == "-" { "0" } else { s })
            }
            J::F(_) => f.write_str("null"),
            J::S(s) => write_str(f, s),
            J::A(items) => {
                f.write_char('[')?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_char(']')
            }
            J::O(fields) => {
                f.write_char('{')?;
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write_str(f, k)?;
                    write!(f, ":{v}")?;
                }
                f.write_char('}')
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::J;

    #[test]
    fn writes_nested_values() {
        let v = J::obj()
            .with("a", 1u64)
            .with("b", vec![1.5f64, 2.0])
            .with("c", "x\"y")
            .with("d", Option::<u64>::None);
        assert_eq!(v.to_string(), r#"{"a":1,"b":[1.5,2],"c":"x\"y","d":null}"#);
    }
}
