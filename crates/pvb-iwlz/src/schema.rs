//! The schema check: a message against the official iWlz 2.2 XSD of its type, by libxml2
//! (through the `libxml` crate), the library `xmllint --schema` runs, so the verdict is
//! xmllint's.
//!
//! It is not where the rules of IWLZ.md that a schema cannot express are checked (see
//! [`crate::map`]), and it does not hold the XSDs: they are read from [`schema_dir`] once per
//! thread and message type. libxml2's reason is rewritten so that it names no namespace URI and
//! never repeats a value of a personal element (a name, a BSN).

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use libxml::error::{StructuredError, XmlErrorLevel};
use libxml::parser::{Parser, ParserOptions, XmlParseFailure};
use libxml::schemas::{SchemaParserContext, SchemaValidationContext};

use crate::redact::{bsns_in, redact_bsns, redact_quoted, redact_values};
use crate::{xml, MessageKind, MESSAGE_BYTES_MAX};

/// The environment variable naming the folder that holds the official iWlz 2.2 XSDs
/// (`IO31.xsd`, `AW33.xsd`, `AW35.xsd`, `AW39.xsd` and `basisschema.xsd`).
pub const SCHEMA_DIR_ENV: &str = "PVB_IWLZ_XSD_DIR";

/// Where the shared folder sits relative to this crate in the workspace it was built in
/// (`<repository>/../shared/iwlz-2.2`, locally and in CI alike).
const BUILT_IN_SCHEMA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/iwlz-2.2");

/// The base schema every message schema imports, by this (lower-case) name.
const BASE_SCHEMA_FILE: &str = "basisschema.xsd";

static SCHEMA_DIR: RwLock<Option<PathBuf>> = RwLock::new(None);

/// Sets the folder the XSDs are read from, for every thread; takes precedence over
/// [`SCHEMA_DIR_ENV`]. Schemas already loaded by a thread from another folder are reloaded.
pub fn set_schema_dir(dir: impl Into<PathBuf>) {
    let dir = dir.into();
    match SCHEMA_DIR.write() {
        Ok(mut slot) => *slot = Some(dir),
        Err(poisoned) => *poisoned.into_inner() = Some(dir),
    }
}

/// The folder the XSDs are read from: the one given to [`set_schema_dir`], else the one in
/// [`SCHEMA_DIR_ENV`], else `../shared/iwlz-2.2` beside the workspace this crate was built in.
pub fn schema_dir() -> PathBuf {
    let configured = match SCHEMA_DIR.read() {
        Ok(slot) => slot.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    configured
        .or_else(|| std::env::var_os(SCHEMA_DIR_ENV).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(BUILT_IN_SCHEMA_DIR))
}

/// A loaded schema: the folder and type it came from, and libxml2's validation context.
struct Loaded {
    dir: PathBuf,
    kind: MessageKind,
    context: SchemaValidationContext,
}

thread_local! {
    /// Schemas parsed by this thread. libxml2's contexts are not shared between threads.
    static SCHEMAS: RefCell<Vec<Loaded>> = const { RefCell::new(Vec::new()) };
}

/// Checks `xml` against the XSD of its type, picked by the namespace of the root element.
///
/// `Ok` with the type when the message is well-formed and valid; otherwise the element path
/// (`/Bericht/Clienten/Client/Bsn`, or `/` when the message cannot be parsed) and the reason.
/// The verdict is libxml2's, as `xmllint --noout --schema <type>.xsd` gives it. Never panics.
pub fn validate(xml: &[u8]) -> Result<MessageKind, (String, String)> {
    if xml.len() > MESSAGE_BYTES_MAX {
        return Err((
            "/".to_owned(),
            format!(
                "the message is {} bytes; the limit is {MESSAGE_BYTES_MAX}",
                xml.len()
            ),
        ));
    }
    let options = ParserOptions {
        recover: false,
        no_net: true,
        no_error: true,
        no_warning: true,
        huge: false,
        ..ParserOptions::default()
    };
    // As xmllint does, a document libxml2 returns is validated even when the parser reported
    // a namespace error on the way (an empty prefix declaration, a relative namespace URI);
    // only a document it cannot build is refused here.
    let document = match Parser::default().parse_string_with_diagnostics(xml, options) {
        Ok((document, _)) => document,
        Err(XmlParseFailure::ParseFailed(diagnostics)) => {
            let reason = diagnostics
                .iter()
                .find(|d| is_error(d))
                .map(not_well_formed)
                .unwrap_or_else(|| "the message is not well-formed XML".to_owned());
            return Err(("/".to_owned(), reason));
        }
        Err(other) => {
            return Err((
                "/".to_owned(),
                format!("the message cannot be parsed: {other}"),
            ))
        }
    };
    let Some(root) = document.get_root_element() else {
        return Err(("/".to_owned(), "the message has no root element".to_owned()));
    };
    let namespace = root
        .get_namespace()
        .map(|n| n.get_href())
        .unwrap_or_default();
    let Some(kind) = MessageKind::from_namespace(&namespace) else {
        return Err((format!("/{}", root.get_name()), unsupported(&namespace)));
    };
    let dir = schema_dir();
    let outcome = SCHEMAS.with(|cell| {
        let Ok(mut schemas) = cell.try_borrow_mut() else {
            return Err(("/".to_owned(), "the schema check is busy".to_owned()));
        };
        let index = match schemas.iter().position(|l| l.kind == kind && l.dir == dir) {
            Some(index) => index,
            None => {
                let context = load(&dir, kind)?;
                schemas.retain(|l| l.kind != kind);
                schemas.push(Loaded {
                    dir: dir.clone(),
                    kind,
                    context,
                });
                schemas.len() - 1
            }
        };
        let Some(loaded) = schemas.get_mut(index) else {
            return Err(("/".to_owned(), "the schema could not be loaded".to_owned()));
        };
        Ok(loaded.context.validate_document(&document))
    })?;
    match outcome {
        Ok(()) => Ok(kind),
        Err(errors) => Err(locate(xml, errors.first())),
    }
}

fn is_error(error: &StructuredError) -> bool {
    matches!(error.level, XmlErrorLevel::Error | XmlErrorLevel::Fatal)
}

fn unsupported(namespace: &str) -> String {
    let shown: String = namespace.chars().take(120).collect();
    if shown.is_empty() {
        "unsupported message type: the root element has no namespace (expected the namespace of IO31, AW33, AW35 or AW39 of iWlz 2.2)".to_owned()
    } else {
        format!(
            "unsupported message type: namespace '{}' is not that of IO31, AW33, AW35 or AW39 of iWlz 2.2",
            redact_bsns(&shown)
        )
    }
}

/// The reason for a message libxml2 cannot parse, with the line, without quoted content.
fn not_well_formed(error: &StructuredError) -> String {
    let message = error.message.as_deref().unwrap_or("").trim();
    let message = redact_bsns(&redact_quoted(message));
    match error.line {
        Some(line) => format!("the message is not well-formed XML (line {line}): {message}"),
        None => format!("the message is not well-formed XML: {message}"),
    }
}

/// Parses the XSD of `kind` in `dir` into a validation context.
fn load(dir: &Path, kind: MessageKind) -> Result<SchemaValidationContext, (String, String)> {
    let missing = |what: &str| {
        (
            "/".to_owned(),
            format!(
                "the iWlz 2.2 schema {what} was not found in {}; put the official XSDs there or name their folder in {SCHEMA_DIR_ENV}",
                dir.display()
            ),
        )
    };
    let file = dir.join(kind.xsd_file());
    if !file.is_file() {
        return Err(missing(kind.xsd_file()));
    }
    if !dir.join(BASE_SCHEMA_FILE).is_file() {
        return Err(missing(BASE_SCHEMA_FILE));
    }
    let Some(path) = file.to_str().filter(|p| !p.contains('\0')) else {
        return Err((
            "/".to_owned(),
            format!("the schema path {} is not usable", file.display()),
        ));
    };
    let mut parser = SchemaParserContext::from_file(path);
    SchemaValidationContext::from_parser(&mut parser).map_err(|errors| {
        let first = errors
            .first()
            .and_then(|e| e.message.as_deref())
            .unwrap_or("unknown error")
            .trim()
            .to_owned();
        (
            "/".to_owned(),
            format!("the schema {} cannot be used: {first}", file.display()),
        )
    })
}

/// Element names under which every value is personal (or health) data: a value of these, or
/// of anything inside them, is never repeated.
const PERSONAL: &[&str] = &[
    "Bsn",
    "GeheimeClient",
    "Geboortedatum",
    "Geslacht",
    "BurgerlijkeStaat",
    "Naam",
    "Leefeenheid",
    "Huisarts",
    "Communicatie",
    "Wzd",
    "Commentaar",
    "Relaties",
    "Contactgegevens",
    "Partneropname",
    "Grondslagen",
    "Stoornissen",
    "Beperkingen",
    "StoornisScores",
    "Meerzorg",
];

/// The path and the reason of a schema error.
fn locate(xml: &[u8], error: Option<&StructuredError>) -> (String, String) {
    let Some(error) = error else {
        return ("/".to_owned(), "the message is not valid".to_owned());
    };
    let message = error.message.as_deref().unwrap_or("").trim();
    let (name, rest) = split_element(message);
    let line = error.line.and_then(|l| u32::try_from(l).ok());
    let text = std::str::from_utf8(xml).ok();
    let document = text.and_then(|t| roxmltree::Document::parse(t).ok());
    let node = match (&document, name) {
        (Some(document), Some(name)) => xml::element_at(document, line, name),
        _ => None,
    };
    let (path, safe) = match node {
        Some(node) => (
            xml::path(node),
            !xml::ancestry(node).iter().any(|n| PERSONAL.contains(n)),
        ),
        None => {
            let at = match (name, line) {
                (Some(name), Some(line)) => format!("{name} (line {line})"),
                (Some(name), None) => name.to_owned(),
                (None, Some(line)) => format!("line {line}"),
                (None, None) => String::new(),
            };
            (format!("/{at}"), false)
        }
    };
    let reason = describe(rest, name.unwrap_or(""), safe);
    let reason = match &document {
        Some(document) => redact_values(&reason, &bsns_in(document)),
        None => redact_bsns(&reason),
    };
    (path, reason)
}

/// Splits `Element '{ns}Name': rest` (or `Element '{ns}Name', attribute 'a': rest`) into the
/// local name and the rest (with the attribute part kept).
fn split_element(message: &str) -> (Option<&str>, &str) {
    let Some(after) = message.strip_prefix("Element '") else {
        return (None, message);
    };
    let Some(end) = after.find('\'') else {
        return (None, message);
    };
    let qualified = after.get(..end).unwrap_or(after);
    let local = qualified.rsplit('}').next().unwrap_or(qualified);
    let rest = after
        .get(end + 1..)
        .unwrap_or("")
        .trim_start_matches(':')
        .trim_start();
    (Some(local), rest)
}

/// The quoted text that follows `marker` in `text`.
fn quoted_after<'t>(text: &'t str, marker: &str) -> Option<&'t str> {
    let start = text.find(marker)? + marker.len();
    let tail = text.get(start..)?.strip_prefix('\'')?;
    let end = tail.find('\'')?;
    tail.get(..end)
}

/// The code list an element's enumeration is, by the element's name.
fn code_list(element: &str) -> &'static str {
    match element {
        "ZzpCode" => "COD163 (zorgzwaartepakket)",
        "Leveringsvorm" => "COD578 (leveringsvorm)",
        "Leveringsstatus" => "COD167 (leveringsstatus)",
        "LeveringsstatusClassificatie" => "COD168 (classificatie)",
        "Mutatiecode" => "COD588 (mutatiecode)",
        "RedenIntrekking" => "COD172 (reden intrekking)",
        "Afzender" | "Ontvanger" | "Zorgkantoor" => "COD001 (zorgkantoor)",
        "Soort" => "its code list (soort)",
        "StatusAanlevering" => "its code list (status aanlevering)",
        "Financiering" => "its code list (financiering)",
        _ => "its code list",
    }
}

/// libxml2's message, shortened and without namespace URIs; the offending value only when the
/// element is not personal.
fn describe(rest: &str, element: &str, safe: bool) -> String {
    let value = |marker: &str| -> String {
        match quoted_after(rest, marker) {
            Some(v) if safe => format!("'{v}'"),
            _ => "the value".to_owned(),
        }
    };
    if rest.contains("[facet 'enumeration']") {
        return format!("{} is not in {}", value("The value "), code_list(element));
    }
    if rest.contains("[facet 'pattern']") {
        let pattern = quoted_after(rest, "by the pattern ").unwrap_or("?");
        return format!(
            "{} does not match the pattern '{pattern}'",
            value("The value ")
        );
    }
    if rest.contains("[facet 'maxLength']")
        || rest.contains("[facet 'minLength']")
        || rest.contains("[facet 'length']")
    {
        let length = quoted_after(rest, "has a length of ").unwrap_or("?");
        let (bound, limit) = if rest.contains("[facet 'maxLength']") {
            ("at most", quoted_after(rest, "maximum length of "))
        } else if rest.contains("[facet 'minLength']") {
            ("at least", quoted_after(rest, "minimum length of "))
        } else {
            ("exactly", quoted_after(rest, "allowed length of "))
        };
        return format!(
            "the value has {length} characters; {bound} {} are allowed",
            limit.unwrap_or("?")
        );
    }
    if rest.contains("[facet 'maxInclusive']") || rest.contains("[facet 'minInclusive']") {
        let (side, limit) = if rest.contains("[facet 'maxInclusive']") {
            (
                "above the maximum",
                quoted_after(rest, "maximum value allowed ("),
            )
        } else {
            (
                "below the minimum",
                quoted_after(rest, "minimum value allowed ("),
            )
        };
        return format!("{} is {side} {}", value("The value "), limit.unwrap_or("?"));
    }
    if rest.contains("is not a valid value of the") {
        let shown = if safe {
            rest.strip_prefix('\'')
                .and_then(|t| t.find('\'').and_then(|end| t.get(..end)))
                .map(|v| format!("'{v}'"))
                .unwrap_or_else(|| "the value".to_owned())
        } else {
            "the value".to_owned()
        };
        let of_type = match quoted_after(rest, "atomic type ") {
            Some(t) => format!("a valid {}", t.rsplit('}').next().unwrap_or(t)),
            None => "a valid value of its type".to_owned(),
        };
        return format!("{shown} is not {of_type}");
    }
    let cleaned = strip_namespaces(rest);
    if safe {
        cleaned
    } else {
        redact_quoted(&cleaned)
    }
}

/// Removes `{uri}` prefixes from qualified names in a libxml2 message.
fn strip_namespaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    let mut buffer = String::new();
    for ch in text.chars() {
        match ch {
            '{' => {
                depth += 1;
                buffer.push(ch);
            }
            '}' if depth > 0 => {
                depth -= 1;
                buffer.push(ch);
                if depth == 0 {
                    // A namespace URI is dropped; anything else in braces (a value set) stays.
                    if !buffer.starts_with("{http") {
                        out.push_str(&buffer);
                    }
                    buffer.clear();
                }
            }
            _ if depth > 0 => buffer.push(ch),
            _ => out.push(ch),
        }
    }
    out.push_str(&buffer);
    out.trim_end_matches('.').trim().to_owned() + "."
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enumeration_names_the_code_list() {
        let message = "Element '{http://www.istandaarden.nl/iwlz/2_2/io31/schema}ZzpCode': [facet 'enumeration'] The value '761' is not an element of the set {'190', '191'}.\n";
        let (name, rest) = split_element(message.trim());
        assert_eq!(name, Some("ZzpCode"));
        assert_eq!(
            describe(rest, "ZzpCode", true),
            "'761' is not in COD163 (zorgzwaartepakket)"
        );
    }

    #[test]
    fn personal_values_are_withheld() {
        let message = "Element '{http://www.istandaarden.nl/iwlz/2_2/io31/schema}Bsn': [facet 'pattern'] The value '62819482' is not accepted by the pattern '[0-9]{9}'.";
        let (name, rest) = split_element(message);
        assert_eq!(name, Some("Bsn"));
        let reason = describe(rest, "Bsn", false);
        assert_eq!(reason, "the value does not match the pattern '[0-9]{9}'");
        let atomic = "'Jansen' is not a valid value of the atomic type 'xs:date'.";
        assert_eq!(
            describe(atomic, "Datum", false),
            "the value is not a valid xs:date"
        );
        assert_eq!(
            describe(atomic, "Ingangsdatum", true),
            "'Jansen' is not a valid xs:date"
        );
        let long = "[facet 'maxLength'] The value has a length of '201'; this exceeds the allowed maximum length of '200'.";
        assert_eq!(
            describe(long, "Achternaam", false),
            "the value has 201 characters; at most 200 are allowed"
        );
        let high = "[facet 'maxInclusive'] The value '1000000000' is greater than the maximum value allowed ('999999999').";
        assert_eq!(
            describe(high, "Besluitnummer", true),
            "'1000000000' is above the maximum 999999999"
        );
        let other = "The value 'Jansen' is odd.";
        assert_eq!(
            describe(other, "Achternaam", false),
            "The value '…' is odd."
        );
    }

    #[test]
    fn missing_schemas_are_named() {
        let missing = load(Path::new("/nonexistent/iwlz"), MessageKind::Aw33).err();
        let (path, reason) = missing.expect("no schema there");
        assert_eq!(path, "/");
        assert!(
            reason.contains("AW33.xsd was not found in /nonexistent/iwlz"),
            "{reason}"
        );
        assert!(reason.contains(SCHEMA_DIR_ENV), "{reason}");
    }

    #[test]
    fn namespaces_are_stripped() {
        let rest = "This element is not expected. Expected is ( {http://www.istandaarden.nl/iwlz/2_2/basisschema/schema}Identificatie ).";
        assert_eq!(
            describe(rest, "Identificatie", true),
            "This element is not expected. Expected is ( Identificatie )."
        );
        assert_eq!(strip_namespaces("a {b} c"), "a {b} c.");
    }
}
