//! A call's options and clocks, read by one rule (`engine::parse_options`, `clock`): a fixed
//! `now` must be a time (JSON has no NaN or infinities, so a host sends those by name); a
//! store's or a step's clock reading that is not a time counts as none.
// The no-panic lints guard src/; tests may unwrap and index.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use edge_token::clock::{now_of, valid_reading, Clock};
use edge_token::engine::parse_options;

const NOW: &str = "invalid options: [now] must be a non-negative epoch time in ms";

fn refused(json: &str) -> String {
    match parse_options(json) {
        Ok(options) => panic!("{json} accepted: {options:?}"),
        Err(reply) => reply.body["error"]["reason"].as_str().unwrap_or_default().to_string(),
    }
}

#[test]
fn a_fixed_now_is_a_time_or_the_400() {
    for json in [r#"{"now":-1}"#, r#"{"now":"NaN"}"#, r#"{"now":"Infinity"}"#, r#"{"now":"-Infinity"}"#] {
        assert_eq!(refused(json), NOW, "{json}");
    }
    assert_eq!(refused(r#"{"now":"soon"}"#), r#"invalid options: invalid type: string "soon", expected f64"#);
    assert_eq!(refused(r#"{"now":true}"#), "invalid options: invalid type: boolean `true`, expected f64");
    let fixed = |json: &str| parse_options(json).map(|o| o.clock).ok();
    assert_eq!(fixed(r#"{"now":0}"#), Some(Clock::Fixed(0)));
    assert_eq!(fixed(r#"{"now":1234.9}"#), Some(Clock::Fixed(1234)));
    assert_eq!(fixed(r#"{"now":null}"#), Some(Clock::Store));
    assert_eq!(fixed(""), Some(Clock::Store));
}

#[test]
fn a_clock_reading_that_is_no_time_counts_as_none() {
    for reading in [f64::NAN, -1.0, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(valid_reading(reading), None, "{reading}");
    }
    assert_eq!(valid_reading(0.0), Some(0));
    assert_eq!(now_of(Some(5.0), Some(7.0)), 5, "a fixed time first");
    assert_eq!(now_of(None, Some(7.0)), 7, "then the store's clock");
    assert_eq!(now_of(Some(f64::NAN), Some(7.0)), 7);
    // Else the platform's clock: well after 2020.
    for store in [None, Some(f64::NAN), Some(-5.0)] {
        assert!(now_of(None, store) > 1_577_836_800_000, "{store:?}");
    }
}
