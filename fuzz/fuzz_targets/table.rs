//! Any bytes as a CSV or Excel file, and the rows checked as indicator values against the demo
//! plan: read or refused, never a panic, never more than the limits.
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use uppfolj_domain::input::TABLE_LIMITS;

fn demo() -> &'static uppfolj_domain::Dataset {
    static DEMO: OnceLock<uppfolj_domain::Dataset> = OnceLock::new();
    DEMO.get_or_init(|| {
        uppfolj_domain::datafile::parse(include_str!("../../demo/norr-2022-2024.toml")).expect("the demo")
    })
}

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let deadline = Instant::now() + Duration::from_secs(5);
    for name in ["f.csv", "f.xlsx"] {
        if let Ok(rows) = uppfolj_tables::rows_within(name, bytes, &TABLE_LIMITS, deadline) {
            assert!(rows.len() <= TABLE_LIMITS.max_rows);
            assert!(rows.iter().all(|r| r.len() <= TABLE_LIMITS.max_columns));
            let _ = uppfolj_domain::indicator_import::parse_rows(&rows, demo());
        }
    }
});
