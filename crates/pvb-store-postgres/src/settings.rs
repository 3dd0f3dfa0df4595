//! The server's durability settings and their assessment (RELIABILITY.md a7 and T13): which
//! ones make a committed transaction losable (refused), and which ones weaken protection
//! against damage (warned about).
//!
//! It is not a tuning advisor: throughput settings are the operator's business.

/// The settings read from the server with `SHOW` at every connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerSettings {
    /// `server_version`.
    pub server_version: String,
    /// `fsync`.
    pub fsync: String,
    /// `synchronous_commit` (as this session sees it: server, database, role or URL options).
    pub synchronous_commit: String,
    /// `full_page_writes`.
    pub full_page_writes: String,
    /// `data_checksums`.
    pub data_checksums: String,
}

/// What the settings mean for an acknowledged append.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assessment {
    /// Settings under which a committed append can be lost: the log refuses to open unless
    /// told otherwise.
    pub refusals: Vec<String>,
    /// Settings that weaken protection against damage: the log opens and reports them.
    pub warnings: Vec<String>,
}

impl ServerSettings {
    /// The names read, in order (`SHOW name`).
    pub const NAMES: [&'static str; 5] = [
        "server_version",
        "fsync",
        "synchronous_commit",
        "full_page_writes",
        "data_checksums",
    ];

    /// Judges the settings.
    pub fn assess(&self) -> Assessment {
        let mut a = Assessment::default();
        if self.fsync != "on" {
            a.refusals.push(format!(
                "fsync is {:?}: the server does not force its write-ahead log to disk, so a crash \
                 can lose or corrupt committed transactions",
                self.fsync
            ));
        }
        if self.synchronous_commit == "off" {
            a.refusals.push(
                "synchronous_commit is \"off\": the server reports a commit before its \
                 write-ahead log is on disk, so a crash can lose up to 3 x wal_writer_delay of \
                 acknowledged appends"
                    .to_owned(),
            );
        } else if !matches!(
            self.synchronous_commit.as_str(),
            "on" | "local" | "remote_write" | "remote_apply"
        ) {
            a.refusals.push(format!(
                "synchronous_commit is {:?}, a value this build does not know to be durable",
                self.synchronous_commit
            ));
        }
        if self.full_page_writes != "on" {
            a.warnings.push(format!(
                "full_page_writes is {:?}: a page torn by a crash during a write may not be \
                 repairable from the write-ahead log",
                self.full_page_writes
            ));
        }
        if self.data_checksums != "on" {
            a.warnings.push(format!(
                "data_checksums is {:?}: the server does not detect damaged table pages (the hash \
                 chain still detects changed records when they are read); initdb \
                 --data-checksums or pg_checksums --enable turns them on",
                self.data_checksums
            ));
        }
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn safe() -> ServerSettings {
        ServerSettings {
            server_version: "15.18".into(),
            fsync: "on".into(),
            synchronous_commit: "on".into(),
            full_page_writes: "on".into(),
            data_checksums: "on".into(),
        }
    }

    #[test]
    fn a_safe_server_passes_without_warnings() {
        assert_eq!(safe().assess(), Assessment::default());
        for value in ["local", "remote_write", "remote_apply"] {
            let s = ServerSettings {
                synchronous_commit: value.into(),
                ..safe()
            };
            assert_eq!(s.assess(), Assessment::default(), "{value}");
        }
    }

    /// T13: four misconfigurations, four findings (two refusals, two warnings).
    #[test]
    fn t13_each_unsafe_setting_is_detected() {
        let cases = [
            (
                ServerSettings {
                    fsync: "off".into(),
                    ..safe()
                },
                1,
                0,
                "fsync",
            ),
            (
                ServerSettings {
                    synchronous_commit: "off".into(),
                    ..safe()
                },
                1,
                0,
                "synchronous_commit",
            ),
            (
                ServerSettings {
                    full_page_writes: "off".into(),
                    ..safe()
                },
                0,
                1,
                "full_page_writes",
            ),
            (
                ServerSettings {
                    data_checksums: "off".into(),
                    ..safe()
                },
                0,
                1,
                "data_checksums",
            ),
        ];
        for (settings, refusals, warnings, name) in cases {
            let a = settings.assess();
            assert_eq!(a.refusals.len(), refusals, "{name}: {a:?}");
            assert_eq!(a.warnings.len(), warnings, "{name}: {a:?}");
            assert!(
                a.refusals
                    .iter()
                    .chain(&a.warnings)
                    .all(|m| m.contains(name)),
                "{name}: {a:?}"
            );
        }
        let all = ServerSettings {
            server_version: "15".into(),
            fsync: "off".into(),
            synchronous_commit: "off".into(),
            full_page_writes: "off".into(),
            data_checksums: "off".into(),
        }
        .assess();
        assert_eq!((all.refusals.len(), all.warnings.len()), (2, 2));
        let unknown = ServerSettings {
            synchronous_commit: "sometimes".into(),
            ..safe()
        };
        assert_eq!(unknown.assess().refusals.len(), 1);
    }
}
