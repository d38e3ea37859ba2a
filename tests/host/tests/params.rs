//! Host tests of device-tree property validation and its messages.

use rpoll_logic::params::{self, ParamError};

#[test]
fn period_bounds() {
    assert_eq!(
        params::period_us(None),
        Err(ParamError::Missing("rpoll,period-us"))
    );
    assert_eq!(params::period_us(Some(0)), Err(ParamError::PeriodRange(0)));
    assert_eq!(params::period_us(Some(9)), Err(ParamError::PeriodRange(9)));
    assert_eq!(params::period_us(Some(10)), Ok(10));
    assert_eq!(params::period_us(Some(1_000_000)), Ok(1_000_000));
    assert_eq!(params::period_us(Some(u32::MAX)), Ok(u32::MAX));
}

#[test]
fn depth_rules() {
    assert_eq!(params::queue_depth(None), Ok(64));
    for ok in [2, 4, 8, 1024, 4096] {
        assert_eq!(params::queue_depth(Some(ok)), Ok(ok));
    }
    for bad in [0, 1, 3, 100, 8192, u32::MAX] {
        assert_eq!(params::queue_depth(Some(bad)), Err(ParamError::Depth(bad)));
    }
}

#[test]
fn label_rules() {
    assert!(params::label(b"tick").is_ok());
    assert!(params::label(b"btn_0.a-b").is_ok());
    assert!(params::label(&[b'a'; 32]).is_ok());
    for bad in [&b""[..], b"a/b", b"has space", b"\xff", &[b'a'; 33]] {
        assert_eq!(params::label(bad), Err(ParamError::Label));
    }
}

#[test]
fn messages_name_property_and_range() {
    let m = ParamError::PeriodRange(5).to_string();
    assert!(
        m.contains("rpoll,period-us") && m.contains("10..=4294967295"),
        "{m}"
    );
    let m = ParamError::Depth(3).to_string();
    assert!(
        m.contains("rpoll,queue-depth") && m.contains("2..=4096"),
        "{m}"
    );
    let m = ParamError::Missing("rpoll,period-us").to_string();
    assert!(m.contains("missing"), "{m}");
    assert!(ParamError::Label.to_string().contains("label"));
}

#[test]
fn debounce_rules() {
    assert_eq!(params::debounce_us(None), Ok(0));
    assert_eq!(params::debounce_us(Some(5000)), Ok(5000));
    assert_eq!(params::debounce_us(Some(1_000_000)), Ok(1_000_000));
    assert_eq!(
        params::debounce_us(Some(1_000_001)),
        Err(ParamError::Debounce(1_000_001))
    );
    let m = ParamError::Debounce(2_000_000).to_string();
    assert!(
        m.contains("rpoll,debounce-us") && m.contains("0..=1000000"),
        "{m}"
    );
}

#[test]
fn edges_default_both_and_unknown_values_are_refused() {
    use rpoll_logic::gpio_edges::Edges;
    assert_eq!(params::edges(None), Ok(Edges::Both));
    assert_eq!(params::edges(Some(b"falling")), Ok(Edges::Falling));
    let e = params::edges(Some(b"up")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "property 'rpoll,edges' is invalid (accepted: \"rising\", \"falling\" or \"both\")"
    );
}
