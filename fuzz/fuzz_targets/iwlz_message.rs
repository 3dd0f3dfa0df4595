//! Fuzz target for the iWlz message reader (`pvb_iwlz::validate` and `pvb_iwlz::read_message`):
//! arbitrary bytes, and libFuzzer's mutations of the sample messages, must never panic; an
//! input the schema refuses is always rejected; a mapped message holds at least one command
//! and its command ids are distinct.
//!
//! The ledger it reads against holds the preamble of the tests' office and the lives of the
//! sample clients (every valid sample imported in file-name order), so mutated messages reach
//! the mapping's checks and not only the parser. Run it from `fuzz/`, with a writable corpus
//! first and the samples as seeds (libFuzzer writes new inputs into the first folder only):
//!
//! ```text
//! cargo +nightly fuzz run iwlz_message corpus/iwlz_message \
//!     ../crates/pvb-iwlz/tests/messages/valid ../crates/pvb-iwlz/tests/messages/invalid \
//!     -- -max_total_time=600
//! ```
//!
//! The same seeds and a fixed set of mutations run on stable Rust in the crate's own tests
//! (`crates/pvb-iwlz/tests/iwlz/fuzz_replay.rs`).

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pvb_core::{
    decide, Command, DeliveryForm, Money, Policy, Profile, ProviderId, Pseudonymiser, RegionId,
    State,
};
use pvb_iwlz::{read_message, validate, Verdict};

/// The ledger the inputs are read against.
fn ledger() -> &'static (State, Pseudonymiser) {
    static LEDGER: OnceLock<(State, Pseudonymiser)> = OnceLock::new();
    LEDGER.get_or_init(|| {
        let pseudonymiser = Pseudonymiser::new([42; 32]);
        let mut state = State::new();
        for command in preamble() {
            state = decide_all(&state, &[command]).unwrap_or(state);
        }
        let samples = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../crates/pvb-iwlz/tests/messages/valid");
        let mut files: Vec<PathBuf> = std::fs::read_dir(samples)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for file in files {
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            if let Verdict::Mapped(mapped) = read_message(&bytes, &state, &pseudonymiser) {
                let commands: Vec<Command> = mapped.commands.into_iter().map(|(_, c)| c).collect();
                state = decide_all(&state, &commands).unwrap_or(state);
            }
        }
        (state, pseudonymiser)
    })
}

/// The budget, contracts and tariffs of the tests' office.
fn preamble() -> Vec<Command> {
    let Ok(region) = RegionId::new(5531) else {
        return Vec::new();
    };
    let mut commands = vec![Command::SetRegionBudget {
        region,
        year: 2026,
        amount: Money::from_cents(10_000_000_000),
    }];
    for code in [12_345_678, 23_456_789, 34_567_890] {
        if let Ok(provider) = ProviderId::new(code) {
            commands.push(Command::ContractProvider {
                provider,
                region,
                year: 2026,
                places: 40,
                tariff_bp: 9700,
            });
        }
    }
    for profile in Profile::all() {
        for form in DeliveryForm::ALL {
            commands.push(Command::SetTariff {
                year: 2026,
                profile,
                form,
                day_tariff: Money::from_cents(23_000),
            });
        }
    }
    commands
}

/// The state after all of `commands`, or `None` when the ledger refuses one.
fn decide_all(state: &State, commands: &[Command]) -> Option<State> {
    let mut next = state.clone();
    for command in commands {
        for event in decide(&next, command, Policy::PersonFollowing).ok()? {
            next.apply(&event);
        }
    }
    Some(next)
}

fuzz_target!(|data: &[u8]| {
    let (state, pseudonymiser) = ledger();
    let checked = validate(data);
    let verdict = read_message(data, state, pseudonymiser);
    if checked.is_err() {
        assert!(
            matches!(verdict, Verdict::Rejected { .. }),
            "refused by the schema but {verdict:?}"
        );
    }
    if let Verdict::Mapped(mapped) = &verdict {
        assert!(!mapped.commands.is_empty(), "mapped to no command");
        let mut ids: Vec<&Option<String>> = mapped.commands.iter().map(|(id, _)| id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), mapped.commands.len(), "command ids repeat");
    }
});
