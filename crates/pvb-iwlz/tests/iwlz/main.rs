//! The tests of pvb-iwlz, one binary: sample messages against the official XSDs and xmllint
//! ([`samples`]), the mapping of IWLZ.md row by row and the scenarios of the issue
//! ([`mapping`]), privacy of every output ([`privacy`]), messages against the JSON Lines they
//! map to ([`property`]), and the fuzz corpus replayed ([`fuzz_replay`]).

mod build;
mod catalogue;
mod fuzz_replay;
mod ledger;
mod mapping;
mod privacy;
mod property;
mod samples;
