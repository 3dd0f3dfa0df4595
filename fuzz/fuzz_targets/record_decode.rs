//! Fuzz target `record_decode`: record decoding: `RecordView::parse` and `decode_event` over arbitrary bytes.
//! The body is `pvb_testkit::harness::fuzz_record_decode`, which the corpus replay test also runs.
//! (No `#![forbid(unsafe_code)]` here: `fuzz_target!` exports an unmangled symbol.)

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pvb_testkit::harness::fuzz_record_decode(data);
});
