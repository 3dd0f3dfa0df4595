//! Reading a parsed message: elements by local name, their text, and the element path a
//! rejection names (`/Bericht/Clienten/Client[2]/Bsn`).
//!
//! It is not a validator: by the time these helpers run, the message has passed its XSD, so a
//! missing required element is a rejection with a plain reason, never a panic. Namespaces are
//! not compared here (the XSD already fixed them); elements are found by local name.

use roxmltree::Node;

/// The element children of `node` named `name`.
pub(crate) fn children<'a, 'i>(
    node: Node<'a, 'i>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// The first element child of `node` named `name`.
pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> Option<Node<'a, 'i>> {
    children(node, name).next()
}

/// The text of an element, without surrounding white space ("" when it has none).
pub(crate) fn text<'a>(node: Node<'a, '_>) -> &'a str {
    node.text().map(str::trim).unwrap_or("")
}

/// The path of `node` from the root: `/Bericht/Clienten/Client[2]/Bsn`. A step carries `[n]`
/// (from 1) when its parent has more than one element of that name.
pub(crate) fn path(node: Node<'_, '_>) -> String {
    let mut steps: Vec<String> = Vec::new();
    let mut current = Some(node);
    while let Some(n) = current {
        if n.is_element() {
            let name = n.tag_name().name();
            let step = match n.parent() {
                Some(parent) => {
                    let same: Vec<_> = parent
                        .children()
                        .filter(|c| c.is_element() && c.tag_name().name() == name)
                        .collect();
                    if same.len() > 1 {
                        let index = same.iter().position(|c| *c == n).unwrap_or(0) + 1;
                        format!("{name}[{index}]")
                    } else {
                        name.to_owned()
                    }
                }
                None => name.to_owned(),
            };
            steps.push(step);
        }
        current = n.parent();
    }
    steps.reverse();
    format!("/{}", steps.join("/"))
}

/// The path of a child `name` of `node` that is missing (for "missing element" reasons).
pub(crate) fn missing_path(node: Node<'_, '_>, name: &str) -> String {
    format!("{}/{name}", path(node))
}

/// The local names on the way from the root to `node`, root first.
pub(crate) fn ancestry<'a>(node: Node<'a, '_>) -> Vec<&'a str> {
    let mut names: Vec<&'a str> = node
        .ancestors()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    names.reverse();
    names
}

/// The element that starts on line `line` (1-based) and has local name `name`; when none
/// does, the first element of that name in the document.
pub(crate) fn element_at<'a, 'i>(
    document: &'a roxmltree::Document<'i>,
    line: Option<u32>,
    name: &str,
) -> Option<Node<'a, 'i>> {
    let named = || {
        document
            .descendants()
            .filter(move |n| n.is_element() && n.tag_name().name() == name)
    };
    if let Some(line) = line {
        let starts = line_starts(document.input_text());
        let on_line = named().find(|n| line_of(&starts, n.range().start) == line);
        if on_line.is_some() {
            return on_line;
        }
    }
    named().next()
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect()
}

fn line_of(starts: &[usize], offset: usize) -> u32 {
    let index = starts.partition_point(|start| *start <= offset);
    u32::try_from(index).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = "<Bericht>\n<Clienten>\n<Client><Bsn>1</Bsn></Client>\n<Client>\n<Bsn>2</Bsn>\n</Client>\n</Clienten>\n</Bericht>";

    #[test]
    fn paths_index_repeated_siblings() {
        let document = roxmltree::Document::parse(XML).expect("well formed");
        let bsns: Vec<String> = document
            .descendants()
            .filter(|n| n.has_tag_name("Bsn"))
            .map(path)
            .collect();
        assert_eq!(
            bsns,
            vec![
                "/Bericht/Clienten/Client[1]/Bsn",
                "/Bericht/Clienten/Client[2]/Bsn"
            ]
        );
        let root = document.root_element();
        assert_eq!(path(root), "/Bericht");
        assert_eq!(missing_path(root, "Header"), "/Bericht/Header");
    }

    #[test]
    fn elements_are_found_by_line() {
        let document = roxmltree::Document::parse(XML).expect("well formed");
        let second = element_at(&document, Some(5), "Bsn").expect("on line 5");
        assert_eq!(text(second), "2");
        let first = element_at(&document, Some(3), "Bsn").expect("on line 3");
        assert_eq!(text(first), "1");
        let fallback = element_at(&document, Some(99), "Bsn").expect("first of its name");
        assert_eq!(text(fallback), "1");
        assert!(element_at(&document, None, "Naam").is_none());
        assert_eq!(
            ancestry(second),
            vec!["Bericht", "Clienten", "Client", "Bsn"]
        );
    }
}
