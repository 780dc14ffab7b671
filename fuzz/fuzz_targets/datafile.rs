//! A data file (TOML): read or refused with errors, never a panic; what is read writes back and reads
//! again to the same plan.
#![no_main]

libfuzzer_sys::fuzz_target!(|src: &str| {
    if let Ok(data) = uppfolj_domain::datafile::parse(src) {
        let written = uppfolj_domain::datafile::to_toml(&data).expect("a read plan can be written");
        assert_eq!(uppfolj_domain::datafile::parse(&written).expect("and read again"), data);
    }
});
