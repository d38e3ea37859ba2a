//! The guest program's results are one JSON document (parsed by the host
//! report tool, bench/plot), built as `serde_json` values: `obj()` and
//! `.with(key, value)` make objects whose keys keep insertion order
//! (serde_json's `preserve_order`), so the document reads in the order the
//! measurements ran.

pub use serde_json::Value;

/// An empty JSON object.
pub fn obj() -> Value {
    Value::Object(serde_json::Map::new())
}

/// Adding fields to an object value (a no-op on other values).
pub trait With: Sized {
    /// Adds `key: value`.
    fn set(&mut self, key: &str, value: impl Into<Value>) -> &mut Self;

    /// Builder form of [`set`](Self::set).
    fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.set(key, value);
        self
    }
}

impl With for Value {
    fn set(&mut self, key: &str, value: impl Into<Value>) -> &mut Self {
        if let Value::Object(m) = self {
            m.insert(key.to_string(), value.into());
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_keep_insertion_order_and_nan_is_null() {
        let v = obj()
            .with("z", 1u64)
            .with("a", f64::NAN)
            .with("m", vec![Value::from(1.5), Value::from("x")])
            .with("n", Option::<u64>::None);
        assert_eq!(v.to_string(), r#"{"z":1,"a":null,"m":[1.5,"x"],"n":null}"#);
    }
}
