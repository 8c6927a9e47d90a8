//! Small DOM building helpers, and the bridge between the browser's HTML parser and the pure
//! sanitizer: untrusted text goes in as text nodes; note HTML is parsed by `DOMParser` into an
//! inert document, walked into a neutral tree, cleaned by [`crate::sanitize`], and rebuilt as
//! fresh nodes. No untrusted string ever reaches `innerHTML`.

use wasm_bindgen::JsCast;
use web_sys::{Document, DomParser, Element, Node, SupportedType};

use crate::sanitize::{self, RawNode, SafeNode};

/// An element with an optional class.
pub fn el(doc: &Document, tag: &str, class: &str) -> Element {
    let e = doc.create_element(tag).expect("valid tag name");
    if !class.is_empty() {
        e.set_class_name(class);
    }
    e
}

/// An element holding `text` as a text node.
pub fn text_el(doc: &Document, tag: &str, class: &str, text: &str) -> Element {
    let e = el(doc, tag, class);
    e.set_text_content(Some(text));
    e
}

/// Appends `child` to `parent`.
pub fn add(parent: &Element, child: &Node) {
    let _ = parent.append_child(child);
}

/// Parses untrusted HTML inertly and appends its sanitized content to `parent`.
pub fn append_rich_text(doc: &Document, parent: &Element, html: &str) {
    let parsed = DomParser::new().and_then(|p| p.parse_from_string(html, SupportedType::TextHtml));
    let Ok(inert) = parsed else {
        parent.set_text_content(Some(html));
        return;
    };
    let Some(body) = inert.body() else { return };
    let raw = children_of(&body, 0);
    for node in sanitize::sanitize(&raw) {
        if let Some(n) = build(doc, &node) {
            add(parent, &n);
        }
    }
}

/// How deep the walk goes; the sanitizer bounds depth again on its side.
const MAX_WALK_DEPTH: usize = 64;

fn children_of(node: &Node, depth: usize) -> Vec<RawNode> {
    let list = node.child_nodes();
    (0..list.length()).filter_map(|i| list.item(i)).map(|n| to_raw(&n, depth)).collect()
}

fn to_raw(node: &Node, depth: usize) -> RawNode {
    match node.node_type() {
        Node::TEXT_NODE => RawNode::Text(node.text_content().unwrap_or_default()),
        Node::ELEMENT_NODE if depth < MAX_WALK_DEPTH => {
            let e: &Element = node.unchecked_ref();
            let attrs = e.attributes();
            let attrs = (0..attrs.length()).filter_map(|i| attrs.item(i)).map(|a| (a.name(), a.value())).collect();
            RawNode::Element { tag: e.local_name(), attrs, children: children_of(node, depth + 1) }
        }
        Node::ELEMENT_NODE => RawNode::Text(node.text_content().unwrap_or_default()),
        _ => RawNode::Other,
    }
}

fn build(doc: &Document, node: &SafeNode) -> Option<Node> {
    match node {
        SafeNode::Text(t) => Some(doc.create_text_node(t).into()),
        SafeNode::Element { tag, attrs, children } => {
            let e = doc.create_element(tag).ok()?;
            for (k, v) in attrs {
                let _ = e.set_attribute(k, v);
            }
            for c in children {
                if let Some(n) = build(doc, c) {
                    add(&e, &n);
                }
            }
            Some(e.into())
        }
    }
}

/// Whether the Crayons component `tag` can be used: the loader found Crayons working
/// (`<html data-crayons="on">`: its script ran and a component came alive under this page's
/// CSP) and `tag` is defined. Otherwise the view uses native controls.
pub fn defined(tag: &str) -> bool {
    let Some(w) = web_sys::window() else { return false };
    let on = w.document().and_then(|d| d.document_element()).and_then(|h| h.get_attribute("data-crayons"));
    if on.as_deref() != Some("on") {
        return false;
    }
    let Ok(reg) = js_sys::Reflect::get(&w, &"customElements".into()) else { return false };
    let Ok(get) = js_sys::Reflect::get(&reg, &"get".into()).and_then(|f| f.dyn_into::<js_sys::Function>()) else { return false };
    get.call1(&reg, &tag.into()).is_ok_and(|c| !c.is_undefined())
}
