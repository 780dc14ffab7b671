//! Figures found in any comment: never a panic, and every proposal quotes its context.
#![no_main]

use uppfolj_domain::{GoalRef, RegionCode};

libfuzzer_sys::fuzz_target!(|text: &str| {
    let regions: Vec<RegionCode> = ["RJH", "RN", "RV", "RVN"].iter().filter_map(|c| RegionCode::parse(c).ok()).collect();
    for author in [None, regions.first()] {
        for p in uppfolj_domain::figures::extract(text, author, &regions, GoalRef::new(1, 1)) {
            assert!(p.value.is_finite());
        }
    }
});
