//! Fingerprints the sources that decide what a snapshot holds (pvb-core's rules and state,
//! pvb-projection), so a snapshot made by other code is never loaded.

use std::path::Path;

fn visit(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                visit(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
}

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let crates = Path::new(&manifest).join("..");
    let mut files = Vec::new();
    for name in ["pvb-core/src", "pvb-projection/src"] {
        let dir = crates.join(name);
        println!("cargo:rerun-if-changed={}", dir.display());
        visit(&dir, &mut files);
    }
    files.sort();
    // FNV-1a over file names and contents: enough to notice any change.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for file in &files {
        let name = file.strip_prefix(&crates).unwrap_or(file);
        let bytes = std::fs::read(file).unwrap_or_default();
        for b in name.to_string_lossy().as_bytes().iter().chain(bytes.iter()) {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=PVB_CODE_FINGERPRINT={hash:016x}");
}
