//! Fuzz target `filelog_open`: `FileLog` opened read-only, then for writing, over arbitrary segment bytes.
//! The body is `pvb_testkit::harness::fuzz_filelog_open`, which the corpus replay test also runs.
//! (No `#![forbid(unsafe_code)]` here: `fuzz_target!` exports an unmangled symbol.)

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pvb_testkit::harness::fuzz_filelog_open(data);
});
