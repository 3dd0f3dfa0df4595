//! Fuzz target `jsonl_line`: one JSON line through `pvb::jsonl::parse_line`, written back and decided.
//! The body is `pvb_testkit::harness::fuzz_jsonl_line`, which the corpus replay test also runs.
//! (No `#![forbid(unsafe_code)]` here: `fuzz_target!` exports an unmangled symbol.)

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pvb_testkit::harness::fuzz_jsonl_line(data);
});
