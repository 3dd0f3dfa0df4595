//! The `postgres://` connection URL as pvb takes it: libpq's URL syntax (handed to the driver)
//! plus two parameters of pvb's own, removed before the driver sees them:
//! `pvb_schema=NAME` (the PostgreSQL schema holding the ledger's tables; default `public`) and
//! `pvb_allow_unsafe_durability=true` (open even if the server can lose commits; see
//! RELIABILITY.md T13). Also the redaction of passwords for messages.
//!
//! It is not a general URL parser: it splits the query string on `&` and `=`, which is all
//! these two parameters need.

use crate::Error;

/// A connection URL split into the driver's part and pvb's options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlOptions {
    /// The URL without pvb's parameters, for the driver.
    pub connection: String,
    /// `pvb_schema`, if given.
    pub schema: Option<String>,
    /// `pvb_allow_unsafe_durability`.
    pub allow_unsafe_durability: bool,
}

impl UrlOptions {
    /// Splits `url`. Fails on a `pvb_` parameter it does not know or a value it cannot read.
    pub fn parse(url: &str) -> Result<UrlOptions, Error> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(Error::Config(format!(
                "{} is not a postgres:// or postgresql:// URL",
                redact(url)
            )));
        }
        let (base, query) = match url.split_once('?') {
            Some((base, query)) => (base, query),
            None => (url, ""),
        };
        let mut kept = Vec::new();
        let mut options = UrlOptions {
            connection: String::new(),
            schema: None,
            allow_unsafe_durability: false,
        };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "pvb_schema" => {
                    check_identifier(value)?;
                    options.schema = Some(value.to_owned());
                }
                "pvb_allow_unsafe_durability" => {
                    options.allow_unsafe_durability = match value {
                        "true" | "1" | "yes" | "on" => true,
                        "false" | "0" | "no" | "off" => false,
                        other => {
                            return Err(Error::Config(format!(
                                "pvb_allow_unsafe_durability={other}: expected true or false"
                            )))
                        }
                    }
                }
                other if other.starts_with("pvb_") => {
                    return Err(Error::Config(format!(
                        "unknown URL parameter {other} (pvb knows pvb_schema and \
                         pvb_allow_unsafe_durability)"
                    )))
                }
                _ => kept.push(pair),
            }
        }
        options.connection = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        Ok(options)
    }
}

/// Checks a schema name: 1 to 63 characters of `a-z`, `0-9` and `_`, not starting with a
/// digit (no quoting questions, no case surprises).
pub(crate) fn check_identifier(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit();
    if ok {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "schema name {name:?}: use 1 to 63 characters of a-z, 0-9 and _, not starting with a digit"
        )))
    }
}

/// The URL with any password replaced by `***`, for messages.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut out = url[..scheme_end + 3].to_owned();
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.split_once(':') {
                Some((user, _password)) => {
                    out.push_str(user);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let tail = &rest[authority_end..];
    // A password given as a query parameter.
    match tail.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some(("password", _)) => "password=***".to_owned(),
                    _ => pair.to_owned(),
                })
                .collect();
            out.push_str(&pairs.join("&"));
        }
        None => out.push_str(tail),
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pvb_parameters_are_taken_out() {
        let o = UrlOptions::parse(
            "postgres://u@h:5433/db?pvb_schema=ledger_2&application_name=x&pvb_allow_unsafe_durability=true",
        )
        .unwrap();
        assert_eq!(o.connection, "postgres://u@h:5433/db?application_name=x");
        assert_eq!(o.schema.as_deref(), Some("ledger_2"));
        assert!(o.allow_unsafe_durability);
        let plain = UrlOptions::parse("postgresql://h/db").unwrap();
        assert_eq!(plain.connection, "postgresql://h/db");
        assert_eq!(plain.schema, None);
        assert!(!plain.allow_unsafe_durability);
    }

    #[test]
    fn bad_parameters_are_refused() {
        for url in [
            "postgres://h/db?pvb_schema=Ledger",
            "postgres://h/db?pvb_schema=1x",
            "postgres://h/db?pvb_schema=",
            "postgres://h/db?pvb_schema=a;drop",
            "postgres://h/db?pvb_allow_unsafe_durability=maybe",
            "postgres://h/db?pvb_other=1",
            "mysql://h/db",
        ] {
            assert!(UrlOptions::parse(url).is_err(), "{url}");
        }
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://bob:secret@db.example:5432/pvb?sslmode=disable"),
            "postgres://bob:***@db.example:5432/pvb?sslmode=disable"
        );
        assert_eq!(
            redact("postgres://bob@h/pvb?password=secret&x=1"),
            "postgres://bob@h/pvb?password=***&x=1"
        );
        assert_eq!(redact("postgres://h/pvb"), "postgres://h/pvb");
        assert_eq!(redact("postgres://a:b@c"), "postgres://a:***@c");
    }
}
