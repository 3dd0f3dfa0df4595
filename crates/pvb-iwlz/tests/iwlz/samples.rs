//! The sample files against the standard: every file in `tests/messages/valid/` passes
//! `xmllint --noout --schema` with the official XSD of its type, every file in
//! `tests/messages/invalid/` fails it, and [`pvb_iwlz::validate`] gives the same verdict on
//! each. The files are written from [`crate::catalogue`] and must not drift from it.

use std::path::{Path, PathBuf};
use std::process::Command;

use pvb_iwlz::{schema_dir, validate};

use crate::catalogue;
use crate::ledger::messages_dir;

/// True when `xmllint` can be run.
pub fn xmllint_available() -> bool {
    Command::new("xmllint").arg("--version").output().is_ok()
}

/// The XSD a sample is checked against, by the prefix of its file name.
fn xsd_for(name: &str) -> PathBuf {
    let kind = name.split('-').next().unwrap_or("").to_ascii_uppercase();
    schema_dir().join(format!("{kind}.xsd"))
}

/// xmllint's verdict on one file (exit status 0: valid).
pub fn xmllint_valid(xsd: &Path, file: &Path) -> bool {
    Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(xsd)
        .arg(file)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// xmllint's verdicts on many files against one XSD, in one run.
pub fn xmllint_many(xsd: &Path, files: &[PathBuf]) -> Vec<bool> {
    if files.is_empty() {
        return Vec::new();
    }
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(xsd)
        .args(files)
        .output()
        .expect("xmllint runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    files
        .iter()
        .map(|f| {
            stderr
                .lines()
                .any(|l| l == format!("{} validates", f.display()))
        })
        .collect()
}

fn files_in(folder: &str) -> Vec<(String, PathBuf)> {
    let dir = messages_dir().join(folder);
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "xml"))
                .map(|p| {
                    (
                        p.file_stem()
                            .map(|s| s.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                        p,
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn sample_files_match_the_catalogue() {
    let write = std::env::var_os("PVB_IWLZ_WRITE_SAMPLES").is_some();
    for (folder, samples) in [
        ("valid", catalogue::valid()),
        ("invalid", catalogue::invalid()),
    ] {
        let dir = messages_dir().join(folder);
        if write {
            std::fs::create_dir_all(&dir).expect("create the samples folder");
            for (name, _) in files_in(folder) {
                if !samples.iter().any(|(n, _)| *n == name) {
                    std::fs::remove_file(dir.join(format!("{name}.xml")))
                        .expect("remove a stale sample");
                }
            }
            for (name, xml) in &samples {
                std::fs::write(dir.join(format!("{name}.xml")), xml).expect("write a sample");
            }
        }
        let on_disk = files_in(folder);
        let names: Vec<&str> = on_disk.iter().map(|(n, _)| n.as_str()).collect();
        let mut expected: Vec<&str> = samples.iter().map(|(n, _)| *n).collect();
        expected.sort();
        assert_eq!(
            names, expected,
            "tests/messages/{folder}: run PVB_IWLZ_WRITE_SAMPLES=1 cargo test -p pvb-iwlz"
        );
        for (name, xml) in &samples {
            let text =
                std::fs::read_to_string(dir.join(format!("{name}.xml"))).expect("read a sample");
            assert_eq!(
                &text, xml,
                "tests/messages/{folder}/{name}.xml differs from the catalogue"
            );
        }
    }
}

#[test]
fn xmllint_and_validate_agree_on_every_sample() {
    let have_xmllint = xmllint_available();
    if !have_xmllint {
        println!("SKIPPED the xmllint half: xmllint is not installed (Debian: apt-get install libxml2-utils); checking validate() against the folders only");
    }
    let mut counts = [0usize; 2];
    for (folder, expected_valid) in [("valid", true), ("invalid", false)] {
        let files = files_in(folder);
        assert!(!files.is_empty(), "no samples in tests/messages/{folder}");
        for (name, path) in files {
            let bytes = std::fs::read(&path).expect("read a sample");
            let ours = validate(&bytes);
            assert_eq!(
                ours.is_ok(),
                expected_valid,
                "validate() on {folder}/{name}.xml: {ours:?}"
            );
            if have_xmllint {
                let theirs = xmllint_valid(&xsd_for(&name), &path);
                assert_eq!(theirs, expected_valid, "xmllint on {folder}/{name}.xml");
            }
            counts[usize::from(expected_valid)] += 1;
        }
    }
    println!(
        "agreement on {} valid and {} invalid samples",
        counts[1], counts[0]
    );
    assert!(counts[0] >= 5, "at least five samples the XSD refuses");
}

#[test]
fn schema_errors_name_the_element() {
    let cases = [
        ("io31-zzpcode-761", "/Bericht/Clienten/Client/Indicatie/GeindiceerdeZorgzwaartepakketten/GeindiceerdZorgzwaartepakket/ZzpCode", "'761' is not in COD163"),
        ("io31-bsn-eight-digits", "/Bericht/Clienten/Client/Bsn", "the value does not match the pattern '[0-9]{9}'"),
        ("io31-bsn-with-letter", "/Bericht/Clienten/Client/Bsn", "the value does not match the pattern"),
        ("io31-surname-too-long", "/Bericht/Clienten/Client/Naam/Geslachtsnaam/Achternaam", "the value has 208 characters; at most 200 are allowed"),
        ("io31-invalid-date", "/Bericht/Clienten/Client/Indicatie/Ingangsdatum", "'2026-02-30' is not a valid LDT_Datum"),
        ("io31-not-well-formed", "/", "not well-formed"),
        ("io31-empty", "/", "not well-formed"),
        ("aw33-missing-zorgkantoor", "/Bericht/Clienten/Client/Indicatie/ToegewezenZorgzwaartepakketten/ToegewezenZorgzwaartepakket/Soort", "This element is not expected. Expected is ( Zorgkantoor )"),
        ("aw33-date-with-time-zone", "/Bericht/Clienten/Client/Indicatie/ToegewezenZorgzwaartepakketten/ToegewezenZorgzwaartepakket/Ingangsdatum", "does not match the pattern '[^:Z]*'"),
        ("aw33-bericht-code-353", "/Bericht/Header/BerichtCode", "'353' does not match the pattern '352'"),
        ("aw35-wrong-order", "/Bericht/Clienten/Client/GeleverdeZorgzwaartepakketten/GeleverdZorgzwaartepakket/Instelling", "This element is not expected"),
        ("aw35-other-namespace", "/Bericht", "unsupported message type"),
        ("aw35-text-in-client", "/Bericht/Clienten/Client", "Character content other than whitespace is not allowed"),
        ("aw39-leveringsvorm-3", "/Bericht/Clienten/Client/MutatieZorgzwaartepakketten/MutatieZorgzwaartepakket/Leveringsvorm", "'3' is not in COD578"),
        ("aw39-unknown-element", "/Bericht/Clienten/Client/MutatieZorgzwaartepakketten/MutatieZorgzwaartepakket/Opmerking", "This element is not expected"),
        ("aw39-no-namespace", "/Bericht", "unsupported message type"),
    ];
    let invalid = catalogue::invalid();
    assert_eq!(
        cases.len(),
        invalid.len(),
        "every invalid sample has a case here"
    );
    for (name, path, reason) in cases {
        let xml = invalid
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, x)| x.clone())
            .expect("a sample");
        let (got_path, got_reason) = validate(xml.as_bytes()).expect_err("refused by the XSD");
        assert_eq!(got_path, path, "{name}: {got_reason}");
        assert!(got_reason.contains(reason), "{name}: {got_reason}");
    }
}

#[test]
fn encodings_and_namespace_errors_as_xmllint_sees_them() {
    let grant = crate::ledger::sample("io31-a-grant");
    let namespace_error = grant.replacen("<Bericht xmlns=", "<Bericht xmlns:x=\"\" xmlns=", 1);
    let mut latin1: Vec<u8> = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n".to_vec();
    let body = grant.split_once('\n').map(|(_, rest)| rest).unwrap_or("");
    latin1.extend(
        body.replace("Maastricht", "M\u{e9}stricht")
            .chars()
            .map(|c| c as u8),
    );
    let cases: [(&str, Vec<u8>); 2] = [
        ("namespace-error", namespace_error.into_bytes()),
        ("latin-1", latin1),
    ];
    let dir = tempfile::tempdir().expect("a temporary folder");
    let xsd = xsd_for("io31");
    let ledger = crate::ledger::Ledger::new();
    for (name, bytes) in cases {
        // libxml2 builds and validates both, as xmllint does...
        assert!(validate(&bytes).is_ok(), "{name}: {:?}", validate(&bytes));
        if xmllint_available() {
            let file = dir.path().join(format!("{name}.xml"));
            std::fs::write(&file, &bytes).expect("write");
            assert!(xmllint_valid(&xsd, &file), "xmllint on {name}");
        }
        // ...the importer maps the first (the stray declaration is never used) and refuses the
        // second: it reads UTF-8 only, and says so.
        let verdict = ledger.read(&bytes);
        match (name, &verdict) {
            ("namespace-error", pvb_iwlz::Verdict::Mapped(_)) => {}
            ("latin-1", pvb_iwlz::Verdict::Rejected { path, reason }) => {
                assert_eq!(path, "/");
                assert!(reason.contains("not UTF-8"), "{reason}");
            }
            _ => panic!("{name}: {verdict:?}"),
        }
    }
}
