//! Fuzz target `ledger_vs_model`: a command sequence through `pvb::Ledger` over a `MemoryLog` against the in-memory model and the invariants.
//! The body is `pvb_testkit::harness::fuzz_ledger_vs_model`, which the corpus replay test also runs.
//! (No `#![forbid(unsafe_code)]` here: `fuzz_target!` exports an unmangled symbol.)

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pvb_testkit::harness::fuzz_ledger_vs_model(data);
});
