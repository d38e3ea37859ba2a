//! Joining test threads without losing their panics: a thread that panics
//! (a failed assertion, a partial record) is a failure of the test that
//! started it, never a thread that merely ended early.

use std::any::Any;
use std::thread::JoinHandle;

/// The message of a panic payload.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

/// Joins every `(name, handle)`; returns one message per thread that
/// panicked, naming it.
pub fn join_all(handles: Vec<(String, JoinHandle<()>)>) -> Vec<String> {
    handles
        .into_iter()
        .filter_map(|(name, h)| {
            h.join()
                .err()
                .map(|p| format!("thread {name} panicked: {}", panic_message(p.as_ref())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_are_reported_by_name() {
        let handles = vec![
            ("fine".to_string(), std::thread::spawn(|| {})),
            (
                "reader-3".to_string(),
                std::thread::spawn(|| panic!("read returned a partial record (17 bytes)")),
            ),
            (
                "formatted".to_string(),
                std::thread::spawn(|| panic!("errno {}", 5)),
            ),
        ];
        let errors = join_all(handles);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("reader-3") && errors[0].contains("partial record"));
        assert!(errors[1].contains("formatted") && errors[1].contains("errno 5"));
    }
}
