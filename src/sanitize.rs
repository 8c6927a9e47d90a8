//! The rich-text policy for note bodies: which of the markup a GHL (or Freshsales) note
//! carries may reach the sidebar's DOM, and in what form.
//!
//! The wasm edge parses a note with the browser's `DOMParser` (`text/html`, an inert
//! document: no scripts run, nothing loads), walks it into a neutral [`RawNode`] tree and
//! hands that to [`sanitize`]. The result is a [`SafeNode`] tree that the edge builds into
//! fresh DOM nodes with `createElement`, `setAttribute` and `createTextNode`. Nothing is ever
//! re-serialized to HTML and parsed again, so there is no mutation XSS; every string from
//! the note ends up as a text node or as a checked attribute value.
//!
//! # Policy
//! - **Kept**: `p br b strong i em u s sub sup ul ol li blockquote pre code span div a hr
//!   table caption thead tbody tfoot tr td th`. Synonyms map onto them: `strike`/`del` → `s`,
//!   `ins` → `u`, `tt`/`kbd`/`samp` → `code`, `xmp`/`listing`/`plaintext` → `pre`, `menu` →
//!   `ul`, and block containers (`section article header footer nav aside main address
//!   figure figcaption details summary center dl dt dd hgroup fieldset legend dialog search`)
//!   → `div`. Headings `h1`–`h6` become `<p><strong>…</strong></p>`, so a note cannot
//!   outshout the sidebar's own headings.
//! - **Dropped with everything inside**: elements whose content is not the note's text:
//!   code and styling (`script style`), embedded or foreign documents (`iframe frame
//!   frameset object embed applet param svg math canvas audio video picture source track
//!   map area portal`), form controls (`form input button select option optgroup datalist
//!   textarea output keygen progress meter`), document metadata (`head title meta link base
//!   basefont bgsound`) and inert or fallback content (`template noscript noembed noframes`),
//!   plus `col colgroup wbr`. An image (`img`, `image`) is replaced by its alt text.
//!   A namespace prefix is ignored when classifying (`svg:script` is `script`).
//! - **Unwrapped** (the element goes, its children stay): every other element (`font`,
//!   `html`, `body`, custom elements, unknown names).
//! - **Attributes**: none, except `href` on `a` (through [`safe_url`]; a link whose URL is
//!   rejected is unwrapped to its text) and `colspan`/`rowspan` on `td`/`th` (1–100). Every
//!   link gets `target="_blank"` and `rel="noopener noreferrer"`. A link inside a link is
//!   unwrapped.
//! - **Bounds**: at most [`MAX_DEPTH`] nested elements (deeper elements are unwrapped into
//!   their nearest allowed ancestor, block elements separated by a line break), at most
//!   [`MAX_NODES`] output nodes and [`MAX_TEXT`] bytes of text (the rest is cut and an
//!   ellipsis added). The walk is iterative: any input depth is safe.

/// Deepest nesting of elements in the output.
pub const MAX_DEPTH: usize = 32;
/// Most nodes in the output.
pub const MAX_NODES: usize = 5_000;
/// Most bytes of text in the output.
pub const MAX_TEXT: usize = 100_000;
/// Longest URL kept.
pub const MAX_URL: usize = 2_048;
/// Longest alt text kept for an image.
const MAX_ALT: usize = 200;

/// A node of a parsed document, as the edge reads it from the DOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawNode {
    /// An element: its tag name (any case), attributes in document order, children.
    Element {
        /// Tag name.
        tag: String,
        /// Attributes, name and value (entities already decoded by the parser).
        attrs: Vec<(String, String)>,
        /// Child nodes.
        children: Vec<RawNode>,
    },
    /// A text node.
    Text(String),
    /// Comments, processing instructions, doctypes, CDATA: always dropped.
    Other,
}

/// A node allowed into the sidebar's DOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SafeNode {
    /// An allowlisted element with checked attributes.
    Element {
        /// Tag name, lower case, from the allowlist.
        tag: &'static str,
        /// Attributes, from the allowlist, values checked.
        attrs: Vec<(&'static str, String)>,
        /// Child nodes.
        children: Vec<SafeNode>,
    },
    /// Text, to be inserted as a text node.
    Text(String),
}

/// What the policy does with an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Keep as this tag.
    Keep(&'static str),
    /// Keep as this childless tag.
    Void(&'static str),
    /// `<p><strong>…</strong></p>`.
    Heading,
    /// A link, if its URL is safe.
    Link,
    /// Replace by its alt text.
    Image,
    /// Drop with its subtree.
    Drop,
    /// Unwrap.
    Unwrap,
}

fn classify(tag: &str) -> Class {
    let tag = tag.trim();
    let local = tag.rsplit(':').next().unwrap_or(tag).to_ascii_lowercase();
    let keep = match local.as_str() {
        t @ ("p" | "b" | "strong" | "i" | "em" | "u" | "s" | "sub" | "sup" | "ul" | "ol" | "li" | "blockquote"
        | "pre" | "code" | "span" | "div" | "table" | "caption" | "thead" | "tbody" | "tfoot" | "tr" | "td"
        | "th") => KEPT.iter().find(|k| **k == t).copied(),
        "strike" | "del" => Some("s"),
        "ins" => Some("u"),
        "tt" | "kbd" | "samp" => Some("code"),
        "xmp" | "listing" | "plaintext" => Some("pre"),
        "menu" => Some("ul"),
        "section" | "article" | "header" | "footer" | "nav" | "aside" | "main" | "address" | "figure"
        | "figcaption" | "details" | "summary" | "center" | "dl" | "dt" | "dd" | "hgroup" | "fieldset" | "legend"
        | "dialog" | "search" => Some("div"),
        _ => None,
    };
    if let Some(k) = keep {
        // Namespaced names (`svg:p`) are not HTML elements: unwrap them.
        return if local.len() == tag.len() { Class::Keep(k) } else { Class::Unwrap };
    }
    match local.as_str() {
        "br" if local.len() == tag.len() => Class::Void("br"),
        "hr" if local.len() == tag.len() => Class::Void("hr"),
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" if local.len() == tag.len() => Class::Heading,
        "a" if local.len() == tag.len() => Class::Link,
        "img" | "image" => Class::Image,
        "script" | "style" | "iframe" | "frame" | "frameset" | "object" | "embed" | "applet" | "param" | "svg"
        | "math" | "canvas" | "audio" | "video" | "picture" | "source" | "track" | "map" | "area" | "portal"
        | "form" | "input" | "button" | "select" | "option" | "optgroup" | "datalist" | "textarea" | "output"
        | "keygen" | "progress" | "meter" | "head" | "title" | "meta" | "link" | "base" | "basefont" | "bgsound"
        | "template" | "noscript" | "noembed" | "noframes" | "col" | "colgroup" | "wbr" | "isindex" => Class::Drop,
        _ => Class::Unwrap,
    }
}

/// Every tag [`sanitize`] can emit.
pub const KEPT: &[&str] = &[
    "p", "br", "b", "strong", "i", "em", "u", "s", "sub", "sup", "ul", "ol", "li", "blockquote", "pre", "code", "span",
    "div", "a", "hr", "table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th",
];

/// Block-level output tags: unwrapped past the depth limit, their content is kept apart by
/// line breaks.
fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "div" | "ul" | "ol" | "li" | "blockquote" | "pre" | "table" | "caption" | "thead" | "tbody" | "tfoot" | "tr" | "hr"
    )
}

/// How a frame's output is closed.
enum Close {
    /// The top level.
    Root,
    /// Becomes an element (wrapped in `outer` for headings).
    Element { tag: &'static str, attrs: Vec<(&'static str, String)>, outer: Option<&'static str> },
    /// Spliced into the parent; `block` keeps it apart with line breaks.
    Unwrap { block: bool },
}

/// One open element of the walk.
struct Frame<'a> {
    nodes: std::slice::Iter<'a, RawNode>,
    out: Vec<SafeNode>,
    close: Close,
    /// Elements enclosing this frame's output.
    depth: usize,
    in_link: bool,
}

/// Output budget.
struct Budget {
    nodes: usize,
    text: usize,
    full: bool,
}

impl Budget {
    /// Takes one node; false when the budget is spent.
    fn node(&mut self) -> bool {
        if self.nodes >= MAX_NODES {
            self.full = true;
        }
        if !self.full {
            self.nodes += 1;
        }
        !self.full
    }
}

/// Applies the policy (see the module docs) to a parsed document or fragment.
pub fn sanitize(nodes: &[RawNode]) -> Vec<SafeNode> {
    let mut budget = Budget { nodes: 0, text: 0, full: false };
    let mut stack = vec![Frame { nodes: nodes.iter(), out: Vec::new(), close: Close::Root, depth: 0, in_link: false }];
    loop {
        let top = stack.last_mut().expect("the root frame is popped last");
        let next = if budget.full { None } else { top.nodes.next() };
        let Some(node) = next else {
            let frame = stack.pop().expect("a frame is open");
            let Some(parent) = stack.last_mut() else {
                let mut out = frame.out;
                if budget.full {
                    push_text(&mut out, "…", &mut Budget { nodes: 0, text: 0, full: false });
                }
                return out;
            };
            close(frame, &mut parent.out, &mut budget);
            continue;
        };
        let (tag, attrs, children) = match node {
            RawNode::Text(t) => {
                push_text(&mut top.out, t, &mut budget);
                continue;
            }
            RawNode::Other => continue,
            RawNode::Element { tag, attrs, children } => (tag, attrs, children),
        };
        let depth = top.depth;
        let in_link = top.in_link;
        let room = |levels: usize| depth + levels <= MAX_DEPTH;
        let open = |close: Close, levels: usize, link: bool| Frame {
            nodes: children.iter(),
            out: Vec::new(),
            close,
            depth: depth + levels,
            in_link: in_link || link,
        };
        let frame = match classify(tag) {
            Class::Drop => continue,
            Class::Image => {
                let alt = attr(attrs, "alt").map(|a| a.split_whitespace().collect::<Vec<_>>().join(" "));
                if let Some(alt) = alt.filter(|a| !a.is_empty()) {
                    let cut: String = alt.chars().take(MAX_ALT).collect();
                    push_text(&mut top.out, &cut, &mut budget);
                }
                continue;
            }
            Class::Void(t) => {
                if room(1) && budget.node() {
                    top.out.push(SafeNode::Element { tag: t, attrs: Vec::new(), children: Vec::new() });
                } else {
                    push_text(&mut top.out, "\n", &mut budget);
                }
                // A parser never gives a void element children; a hand-made tree might.
                // Their text is kept after it.
                open(Close::Unwrap { block: false }, 0, false)
            }
            Class::Keep(t) if room(1) && budget.node() => {
                let attrs = if matches!(t, "td" | "th") { span_attrs(attrs) } else { Vec::new() };
                open(Close::Element { tag: t, attrs, outer: None }, 1, false)
            }
            Class::Keep(t) => open(Close::Unwrap { block: is_block(t) }, 0, false),
            Class::Heading if room(2) && budget.node() && budget.node() => {
                open(Close::Element { tag: "strong", attrs: Vec::new(), outer: Some("p") }, 2, false)
            }
            Class::Heading => open(Close::Unwrap { block: true }, 0, false),
            Class::Link => match attr(attrs, "href").and_then(safe_url) {
                Some(href) if !in_link && room(1) && budget.node() => {
                    let attrs = vec![("href", href), ("target", "_blank".to_string()), ("rel", "noopener noreferrer".to_string())];
                    open(Close::Element { tag: "a", attrs, outer: None }, 1, true)
                }
                _ => open(Close::Unwrap { block: false }, 0, false),
            },
            Class::Unwrap => open(Close::Unwrap { block: false }, 0, false),
        };
        if let Close::Unwrap { block: true } = frame.close {
            separate(&mut top.out, &mut budget);
        }
        stack.push(frame);
    }
}

/// Ends a frame into its parent's output.
fn close(frame: Frame<'_>, parent: &mut Vec<SafeNode>, budget: &mut Budget) {
    match frame.close {
        Close::Root => unreachable!("the root frame has no parent"),
        Close::Element { tag, attrs, outer } => {
            let node = SafeNode::Element { tag, attrs, children: frame.out };
            parent.push(match outer {
                Some(o) => SafeNode::Element { tag: o, attrs: Vec::new(), children: vec![node] },
                None => node,
            });
        }
        Close::Unwrap { block } => {
            for node in frame.out {
                // Nodes moving up were counted when made; merging text only saves nodes.
                match (node, parent.last_mut()) {
                    (SafeNode::Text(t), Some(SafeNode::Text(last))) => last.push_str(&t),
                    (node, _) => parent.push(node),
                }
            }
            if block {
                separate(parent, budget);
            }
        }
    }
}

/// Appends text, merging with a preceding text node; NULs are dropped.
fn push_text(out: &mut Vec<SafeNode>, text: &str, budget: &mut Budget) {
    if text.is_empty() || budget.full {
        return;
    }
    let room = MAX_TEXT.saturating_sub(budget.text);
    let mut cut = text.len().min(room);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    if cut < text.len() {
        budget.full = true;
    }
    let text: String = text[..cut].chars().filter(|&c| c != '\0').collect();
    if text.is_empty() {
        return;
    }
    budget.text += text.len();
    if let Some(SafeNode::Text(last)) = out.last_mut() {
        last.push_str(&text);
    } else if budget.nodes < MAX_NODES {
        budget.nodes += 1;
        out.push(SafeNode::Text(text));
    } else {
        budget.full = true;
    }
}

/// A line break between unwrapped blocks, unless one is already there.
fn separate(out: &mut Vec<SafeNode>, budget: &mut Budget) {
    let needed = match out.last() {
        None => false,
        Some(SafeNode::Text(t)) => !t.ends_with('\n'),
        Some(SafeNode::Element { .. }) => true,
    };
    if needed {
        push_text(out, "\n", budget);
    }
}

/// The first attribute of a name, case-insensitively.
fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs.iter().find(|(n, _)| n.trim().eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// `colspan`/`rowspan` of a table cell, when plain numbers from 1 to 100.
fn span_attrs(attrs: &[(String, String)]) -> Vec<(&'static str, String)> {
    ["colspan", "rowspan"]
        .into_iter()
        .filter_map(|name| {
            let v = attr(attrs, name)?.trim();
            let n: u8 = v.parse().ok().filter(|_| v.bytes().all(|b| b.is_ascii_digit()))?;
            (1..=100).contains(&n).then(|| (name, n.to_string()))
        })
        .collect()
}

/// Checks a link target. Only absolute `http`, `https`, `mailto` and `tel` URLs pass.
///
/// The URL is first read the way a browser reads it: leading and trailing control characters
/// and spaces are removed and tabs and line breaks anywhere are ignored, so `" JaVa\tScRiPt:"`
/// is seen as `javascript:`. Then any remaining control, invisible or formatting character
/// (zero-width spaces, bidi overrides) rejects the URL, inner spaces become `%20`, and the
/// scheme must be one of the four, in any case (returned lower-cased). Entities are not
/// decoded: the parser has already decoded them once, and `setAttribute` never decodes
/// again, so a literal `&#106;avascript:` is not a scheme at all and is rejected.
///
/// `http(s)` URLs need `//` and a host; credentials in the authority
/// (`https://bank.example@evil.example`) are rejected as a phishing device. Relative and
/// protocol-relative (`//host`) URLs are rejected rather than resolved or upgraded: the
/// sidebar has no base URL to resolve against, and editors write absolute links. URLs over
/// [`MAX_URL`] bytes are rejected.
pub fn safe_url(href: &str) -> Option<String> {
    let s: String = href.trim_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    if s.is_empty() || s.len() > MAX_URL {
        return None;
    }
    if s.chars().any(|c| c.is_control() || is_invisible(c) || (c.is_whitespace() && c != ' ')) {
        return None;
    }
    let s = s.replace(' ', "%20");
    let (scheme, rest) = s.split_once(':')?;
    let scheme_ok = scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    match scheme.as_str() {
        "http" | "https" => {
            let after = rest.strip_prefix("//")?;
            let authority = &after[..after.find(['/', '?', '#', '\\']).unwrap_or(after.len())];
            if authority.contains('@') {
                return None;
            }
            let host = match authority.rsplit_once(':') {
                Some((h, port)) if !h.ends_with(':') && port.bytes().all(|b| b.is_ascii_digit()) => h,
                _ => authority,
            };
            if host.trim_matches('.').is_empty() {
                return None;
            }
        }
        "mailto" | "tel" if !rest.is_empty() => {}
        _ => return None,
    }
    Some(format!("{scheme}:{rest}"))
}

/// Characters that render as nothing or reorder text.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// Whether a note body is HTML (render through [`sanitize`]) rather than plain text (render
/// as one text node with `white-space: pre-wrap`, keeping its line breaks). True when it has
/// a tag of a known HTML element (`<p>`, `</div>`, `<br/>`), a comment or doctype, or a
/// character reference such as `&amp;` or `&#39;`; "a < b", "<3" and "<ada@example.com>"
/// stay plain.
pub fn looks_like_html(s: &str) -> bool {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'<' => {
                let rest = &s[i + 1..];
                let lower = rest.chars().take(9).collect::<String>().to_ascii_lowercase();
                if lower.starts_with("!--") || lower.starts_with("!doctype") {
                    return true;
                }
                let name_start = usize::from(rest.starts_with('/'));
                let name: String = rest[name_start..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
                let after = rest[name_start + name.len()..].chars().next();
                let ends = matches!(after, None | Some('>' | '/')) || after.is_some_and(char::is_whitespace);
                if !name.is_empty() && ends && is_html_tag(&name.to_ascii_lowercase()) {
                    return true;
                }
            }
            b'&' => {
                let rest = &s[i + 1..];
                let Some(end) = rest.bytes().take(12).position(|b| b == b';') else { continue };
                let ent = &rest[..end];
                let numeric = ent.strip_prefix('#').is_some_and(|n| {
                    let (digits, hex) = match n.strip_prefix(['x', 'X']) {
                        Some(h) => (h, true),
                        None => (n, false),
                    };
                    !digits.is_empty() && digits.chars().all(|c| if hex { c.is_ascii_hexdigit() } else { c.is_ascii_digit() })
                });
                if numeric || matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos" | "nbsp") {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

fn is_html_tag(name: &str) -> bool {
    matches!(name, "html" | "body" | "font" | "small" | "big" | "mark" | "label")
        || classify(name) != Class::Unwrap
}

/// Readable plain text of sanitized nodes, for previews and tests: paragraphs and blocks on
/// their own lines, list items bulleted ("• ") or numbered, table cells separated by " | ",
/// whitespace collapsed as a browser would outside `pre`.
pub fn to_text(nodes: &[SafeNode]) -> String {
    let mut w = TextWriter::default();
    w.nodes(nodes, &mut Vec::new(), false);
    w.out
}

#[derive(Default)]
struct TextWriter {
    out: String,
    /// Line breaks owed before the next text.
    breaks: usize,
    /// A space owed before the next text.
    space: bool,
}

/// A list being written: `None` for bullets, `Some(n)` for the next number.
type ListLevel = Option<usize>;

impl TextWriter {
    fn nodes(&mut self, nodes: &[SafeNode], lists: &mut Vec<ListLevel>, pre: bool) {
        for n in nodes {
            match n {
                SafeNode::Text(t) => self.text(t, pre),
                SafeNode::Element { tag, children, .. } => self.element(tag, children, lists, pre),
            }
        }
    }

    fn element(&mut self, tag: &str, children: &[SafeNode], lists: &mut Vec<ListLevel>, pre: bool) {
        match tag {
            "br" => {
                self.breaks += 1;
                self.space = false;
            }
            "hr" => {
                self.block(1);
                self.raw("----");
                self.block(1);
            }
            "p" | "blockquote" | "pre" | "table" => {
                self.block(2);
                self.nodes(children, lists, pre || tag == "pre");
                self.block(2);
            }
            "ul" | "ol" => {
                self.block(if lists.is_empty() { 2 } else { 1 });
                lists.push((tag == "ol").then_some(1));
                self.nodes(children, lists, pre);
                lists.pop();
                self.block(if lists.is_empty() { 2 } else { 1 });
            }
            "li" => {
                self.block(1);
                let indent = "  ".repeat(lists.len().saturating_sub(1));
                let marker = match lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{indent}{}. ", *n - 1)
                    }
                    _ => format!("{indent}• "),
                };
                self.raw(&marker);
                self.nodes(children, lists, pre);
                self.block(1);
            }
            "td" | "th" => {
                if !self.out.is_empty() && !self.out.ends_with('\n') && self.breaks == 0 {
                    self.raw(" | ");
                }
                self.nodes(children, lists, pre);
            }
            t if is_block(t) => {
                self.block(1);
                self.nodes(children, lists, pre);
                self.block(1);
            }
            _ => self.nodes(children, lists, pre),
        }
    }

    /// Owes at least `n` line breaks.
    fn block(&mut self, n: usize) {
        self.breaks = self.breaks.max(n);
        self.space = false;
    }

    fn flush(&mut self) {
        if !self.out.is_empty() {
            if self.breaks > 0 {
                while self.out.ends_with(' ') {
                    self.out.pop();
                }
                self.out.push_str(&"\n".repeat(self.breaks.min(2)));
            } else if self.space && !self.out.ends_with([' ', '\n']) {
                self.out.push(' ');
            }
        }
        self.breaks = 0;
        self.space = false;
    }

    /// Writes text as is (list markers, rules, `pre` content).
    fn raw(&mut self, s: &str) {
        self.flush();
        self.out.push_str(s);
    }

    fn text(&mut self, t: &str, pre: bool) {
        if pre {
            return self.raw(t);
        }
        for word in t.split_inclusive(char::is_whitespace) {
            let trimmed = word.trim_end_matches(char::is_whitespace);
            if !trimmed.is_empty() {
                self.flush();
                self.out.push_str(trimmed);
            }
            if trimmed.len() < word.len() {
                self.space = true;
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))] // proptest is a host-only dev-dependency
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn el(tag: &str, attrs: &[(&str, &str)], children: Vec<RawNode>) -> RawNode {
        RawNode::Element {
            tag: tag.into(),
            attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            children,
        }
    }

    fn t(s: &str) -> RawNode {
        RawNode::Text(s.into())
    }

    /// Every invariant of the policy, checked on an output tree.
    fn assert_safe(nodes: &[SafeNode]) {
        fn walk(nodes: &[SafeNode], depth: usize, count: &mut usize) {
            for n in nodes {
                *count += 1;
                if let SafeNode::Element { tag, attrs, children } = n {
                    assert!(depth < MAX_DEPTH, "too deep");
                    assert!(KEPT.contains(tag), "tag {tag}");
                    for (name, value) in attrs {
                        match (*tag, *name) {
                            ("a", "href") => assert_eq!(safe_url(value).as_deref(), Some(value.as_str()), "href {value}"),
                            ("a", "target") => assert_eq!(value, "_blank"),
                            ("a", "rel") => assert_eq!(value, "noopener noreferrer"),
                            ("td" | "th", "colspan" | "rowspan") => assert!(value.parse::<u8>().is_ok_and(|n| (1..=100).contains(&n))),
                            other => panic!("attribute {other:?}"),
                        }
                    }
                    if *tag == "a" {
                        assert_eq!(attrs.iter().map(|(n, _)| *n).collect::<Vec<_>>(), ["href", "target", "rel"]);
                    }
                    walk(children, depth + 1, count);
                }
            }
        }
        let mut count = 0;
        walk(nodes, 0, &mut count);
        assert!(count <= MAX_NODES + 1, "{count} nodes");
    }

    fn text_of(nodes: &[SafeNode]) -> String {
        let mut s = String::new();
        fn walk(nodes: &[SafeNode], s: &mut String) {
            for n in nodes {
                match n {
                    SafeNode::Text(t) => s.push_str(t),
                    SafeNode::Element { children, .. } => walk(children, s),
                }
            }
        }
        walk(nodes, &mut s);
        s
    }

    fn links(nodes: &[SafeNode]) -> Vec<String> {
        let mut v = Vec::new();
        fn walk(nodes: &[SafeNode], v: &mut Vec<String>) {
            for n in nodes {
                if let SafeNode::Element { tag, attrs, children } = n {
                    if *tag == "a" {
                        v.push(attrs[0].1.clone());
                    }
                    walk(children, v);
                }
            }
        }
        walk(nodes, &mut v);
        v
    }

    fn tags(nodes: &[SafeNode]) -> Vec<&'static str> {
        let mut v = Vec::new();
        fn walk(nodes: &[SafeNode], v: &mut Vec<&'static str>) {
            for n in nodes {
                if let SafeNode::Element { tag, children, .. } = n {
                    v.push(*tag);
                    walk(children, v);
                }
            }
        }
        walk(nodes, &mut v);
        v
    }

    fn clean(input: Vec<RawNode>) -> Vec<SafeNode> {
        let out = sanitize(&input);
        assert_safe(&out);
        out
    }

    /// Builds a chain `depth` elements deep without recursion, and takes it apart the same
    /// way (dropping a deep tree recursively would overflow the test's stack).
    fn chain(tag: &str, depth: usize, leaf: &str) -> RawNode {
        let mut node = t(leaf);
        for _ in 0..depth {
            node = el(tag, &[], vec![node]);
        }
        node
    }

    fn dismantle(node: RawNode) {
        let mut stack = vec![node];
        while let Some(mut n) = stack.pop() {
            if let RawNode::Element { children, .. } = &mut n {
                stack.append(children);
            }
        }
    }

    #[test]
    fn a_typical_rich_note_keeps_its_formatting() {
        let out = clean(vec![
            el("p", &[("style", "color:red")], vec![t("Hi "), el("b", &[], vec![t("Ada")]), t(",")]),
            el("ul", &[], vec![el("li", &[], vec![t("one")]), el("li", &[], vec![el("em", &[], vec![t("two")])])]),
            el("p", &[], vec![t("See "), el("a", &[("href", "https://example.com/x?y=1")], vec![t("the doc")])]),
        ]);
        assert_eq!(tags(&out), ["p", "b", "ul", "li", "li", "em", "p", "a"]);
        assert_eq!(links(&out), ["https://example.com/x?y=1"]);
        assert_eq!(to_text(&out), "Hi Ada,\n\n• one\n• two\n\nSee the doc");
    }

    #[test]
    fn scripts_and_styles_vanish_with_their_content() {
        for tag in ["script", "SCRIPT", "ScRiPt", " script ", "svg:script", "style", "STYLE", "noscript", "template", "title"] {
            let out = clean(vec![t("a"), el(tag, &[("src", "https://evil.example/x.js")], vec![t("alert(1)")]), t("b")]);
            assert_eq!(text_of(&out), "ab", "{tag}");
        }
    }

    #[test]
    fn event_handlers_and_styling_attributes_are_removed() {
        let handlers = [
            ("onclick", "alert(1)"),
            ("ONMOUSEOVER", "alert(1)"),
            ("onerror", "alert(1)"),
            (" onload", "x"),
            ("style", "background:url(javascript:alert(1))"),
            ("class", "x"),
            ("id", "x"),
            ("src", "javascript:alert(1)"),
            ("formaction", "javascript:alert(1)"),
            ("xlink:href", "javascript:alert(1)"),
            ("data-x", "y"),
            ("srcdoc", "<script>alert(1)</script>"),
        ];
        for tag in ["p", "div", "span", "b", "td", "li", "font", "marquee", "blink", "body", "html"] {
            let out = clean(vec![el(tag, &handlers, vec![t("text")])]);
            assert_eq!(text_of(&out), "text", "{tag}");
        }
    }

    #[test]
    fn hostile_link_targets_are_refused() {
        let hostile = [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            " JaVaScRiPt:alert(1)",
            "jav\tascript:alert(1)",
            "jav\nascript:alert(1)",
            "jav\r\nascript:alert(1)",
            "\u{0}javascript:alert(1)",
            "\u{1}\u{2}javascript:alert(1)",
            "java\u{0}script:alert(1)",
            "java\u{200b}script:alert(1)",
            "java\u{feff}script:alert(1)",
            "\u{202e}javascript:alert(1)",
            "&#106;avascript:alert(1)",
            "&#x6A;avascript:alert(1)",
            "jav&#x09;ascript:alert(1)",
            "javascript&colon;alert(1)",
            "javascript&#58;alert(1)",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "DATA:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "livescript:x",
            "file:///etc/passwd",
            "ftp://example.com",
            "blob:https://example.com/uuid",
            "about:blank",
            "//evil.example/x",
            "\\\\evil.example",
            "/relative/path",
            "relative/path:with-colon",
            "?q=1",
            "#top",
            "www.example.com",
            "https:evil.example",
            "https:/evil.example",
            "https:\\\\evil.example",
            "https:///evil.example",
            "https://",
            "https://:443/",
            "https://bank.example@evil.example/",
            "https://user:pass@example.com/",
            "http://exa\u{7f}mple.com",
            "mailto:",
            "tel:",
            "https://example.com/\u{2028}",
        ];
        for href in hostile {
            assert_eq!(safe_url(href), None, "{href:?}");
            let out = clean(vec![el("a", &[("href", href)], vec![t("click")])]);
            assert_eq!(out, vec![SafeNode::Text("click".into())], "{href:?}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL));
        assert_eq!(safe_url(&long), None);
    }

    #[test]
    fn good_link_targets_are_kept_and_normalized() {
        let good = [
            ("https://example.com", "https://example.com"),
            ("HTTPS://Example.com/A?b=C#d", "https://Example.com/A?b=C#d"),
            ("  http://example.com:8080/x  ", "http://example.com:8080/x"),
            ("\u{1}https://example.com", "https://example.com"),
            ("https://exa\tmple.com/", "https://example.com/"),
            ("https://example.com/a b", "https://example.com/a%20b"),
            ("https://[::1]:8443/", "https://[::1]:8443/"),
            ("https://bücher.example/straße", "https://bücher.example/straße"),
            ("https://example.com/path@not-authority", "https://example.com/path@not-authority"),
            ("mailto:ada@example.com?subject=Hi there", "mailto:ada@example.com?subject=Hi%20there"),
            ("MailTo:ada@example.com", "mailto:ada@example.com"),
            ("tel:+14155550132", "tel:+14155550132"),
        ];
        for (href, want) in good {
            assert_eq!(safe_url(href).as_deref(), Some(want), "{href:?}");
            assert_eq!(safe_url(want).as_deref(), Some(want), "idempotent: {want:?}");
        }
        let out = clean(vec![el("A", &[("HREF", "https://example.com"), ("target", "_self"), ("rel", "opener")], vec![t("x")])]);
        assert_eq!(
            out,
            vec![SafeNode::Element {
                tag: "a",
                attrs: vec![("href", "https://example.com".into()), ("target", "_blank".into()), ("rel", "noopener noreferrer".into())],
                children: vec![SafeNode::Text("x".into())],
            }]
        );
        // The first href decides, as in the DOM.
        let out = clean(vec![el("a", &[("href", "javascript:x"), ("href", "https://example.com")], vec![t("x")])]);
        assert!(links(&out).is_empty());
    }

    #[test]
    fn embedded_and_foreign_content_is_dropped_whole() {
        let cases = vec![
            el("iframe", &[("srcdoc", "<script>alert(1)</script>")], vec![t("fallback")]),
            el("object", &[("data", "evil.swf")], vec![el("param", &[("name", "x")], vec![]), t("fallback")]),
            el("embed", &[("src", "evil.swf")], vec![]),
            el("applet", &[], vec![t("x")]),
            el("svg", &[], vec![el("a", &[("xlink:href", "javascript:alert(1)")], vec![el("text", &[], vec![t("click")])])]),
            el("SVG", &[("onload", "alert(1)")], vec![el("script", &[], vec![t("alert(1)")])]),
            el("svg", &[], vec![el("foreignObject", &[], vec![el("p", &[], vec![t("inside")])])]),
            el("math", &[], vec![el("maction", &[("actiontype", "statusline")], vec![el("mtext", &[], vec![t("x")])])]),
            el("math", &[], vec![el("mi", &[("href", "javascript:alert(1)")], vec![t("x")])]),
            el("video", &[("poster", "javascript:alert(1)")], vec![el("source", &[("onerror", "alert(1)")], vec![])]),
            el("audio", &[("src", "x")], vec![t("no audio")]),
            el("canvas", &[], vec![t("x")]),
            el("frameset", &[], vec![el("frame", &[("src", "javascript:alert(1)")], vec![])]),
            el("noembed", &[], vec![el("img", &[("src", "x"), ("onerror", "alert(1)")], vec![])]),
            el("noframes", &[], vec![t("<script>")]),
            el("template", &[], vec![el("script", &[], vec![t("alert(1)")])]),
            el("noscript", &[], vec![el("p", &[("title", "</noscript><img src=x onerror=alert(1)>")], vec![])]),
            el("head", &[], vec![el("meta", &[("http-equiv", "refresh"), ("content", "0;url=javascript:alert(1)")], vec![])]),
            el("base", &[("href", "javascript:/")], vec![]),
            el("link", &[("rel", "import"), ("href", "https://evil.example")], vec![]),
            el("portal", &[("src", "https://evil.example")], vec![]),
            el("picture", &[], vec![el("source", &[("srcset", "x")], vec![])]),
            el("map", &[], vec![el("area", &[("href", "javascript:alert(1)")], vec![])]),
        ];
        for raw in cases {
            let out = clean(vec![t("before"), raw.clone(), t("after")]);
            assert_eq!(text_of(&out), "beforeafter", "{raw:?}");
        }
    }

    #[test]
    fn forms_and_their_controls_are_dropped() {
        let nested = el(
            "form",
            &[("action", "https://evil.example")],
            vec![
                el("form", &[], vec![el("input", &[("name", "password"), ("value", "x")], vec![])]),
                el("button", &[("formaction", "javascript:alert(1)")], vec![t("Log in")]),
                el("select", &[], vec![el("option", &[], vec![t("a")])]),
                el("textarea", &[], vec![t("</textarea><script>alert(1)</script>")]),
                el("fieldset", &[], vec![el("legend", &[], vec![t("inside form")])]),
            ],
        );
        let out = clean(vec![el("p", &[], vec![t("Please "), nested, t("sign in")])]);
        assert_eq!(text_of(&out), "Please sign in");
        // Form controls outside a form go as well; a fieldset outside one is a box of text.
        let out = clean(vec![
            el("input", &[("value", "x")], vec![]),
            el("button", &[], vec![t("b")]),
            el("datalist", &[], vec![t("d")]),
            el("output", &[], vec![t("o")]),
            el("fieldset", &[], vec![el("legend", &[], vec![t("kept")])]),
        ]);
        assert_eq!(text_of(&out), "kept");
    }

    #[test]
    fn images_leave_their_alt_text() {
        let out = clean(vec![
            t("Logo: "),
            el("img", &[("src", "https://tracker.example/pixel.gif"), ("onerror", "alert(1)"), ("alt", "  Acme \n logo ")], vec![]),
            el("img", &[("src", "x")], vec![]),
            el("IMAGE", &[("alt", "<script>")], vec![]),
        ]);
        assert_eq!(out, vec![SafeNode::Text("Logo: Acme logo<script>".into())]);
        let huge = "a".repeat(10_000);
        let out = clean(vec![el("img", &[("alt", &huge)], vec![])]);
        assert_eq!(text_of(&out).len(), MAX_ALT);
    }

    #[test]
    fn markup_in_text_stays_text() {
        let s = "<script>alert(1)</script><img src=x onerror=alert(1)>";
        let out = clean(vec![el("p", &[], vec![t(s)])]);
        assert_eq!(text_of(&out), s);
        let out = clean(vec![RawNode::Other, t("a"), RawNode::Other, t("b\0c")]);
        assert_eq!(out, vec![SafeNode::Text("abc".into())]);
    }

    #[test]
    fn unknown_elements_unwrap_and_synonyms_map() {
        let out = clean(vec![
            el("font", &[("color", "red"), ("face", "x")], vec![t("red")]),
            el("center", &[], vec![t("centered")]),
            el("strike", &[], vec![t("old")]),
            el("del", &[], vec![t("gone")]),
            el("ins", &[], vec![t("new")]),
            el("kbd", &[], vec![t("Ctrl")]),
            el("xmp", &[], vec![t("<b>raw</b>")]),
            el("my-widget", &[("onclick", "x")], vec![t("custom")]),
            el("svg:p", &[], vec![t("namespaced")]),
            el("h1", &[("id", "x")], vec![t("Title")]),
            el("H3", &[], vec![t("Sub")]),
            el("dl", &[], vec![el("dt", &[], vec![t("term")]), el("dd", &[], vec![t("def")])]),
            el("menu", &[], vec![el("li", &[], vec![t("item")])]),
            el("html", &[], vec![el("body", &[("onload", "alert(1)")], vec![t("body text")])]),
        ]);
        assert_eq!(tags(&out), ["div", "s", "s", "u", "code", "pre", "p", "strong", "p", "strong", "div", "div", "div", "ul", "li"]);
        let text = to_text(&out);
        assert!(text.starts_with("red\ncentered\noldgonenewCtrl"), "unknown inline unwrapped, blocks apart: {text:?}");
        assert!(text.contains("<b>raw</b>") && text.contains("customnamespaced") && text.contains("Title") && text.ends_with("body text"));
    }

    #[test]
    fn void_elements_keep_stray_children_after_them() {
        let out = clean(vec![el("br", &[("onclick", "x")], vec![t("after"), el("script", &[], vec![t("x")])])]);
        assert_eq!(out, vec![SafeNode::Element { tag: "br", attrs: vec![], children: vec![] }, SafeNode::Text("after".into())]);
    }

    #[test]
    fn links_inside_links_are_unwrapped() {
        let out = clean(vec![el(
            "a",
            &[("href", "https://a.example")],
            vec![t("outer "), el("a", &[("href", "https://b.example")], vec![t("inner")])],
        )]);
        assert_eq!(links(&out), ["https://a.example"]);
        assert_eq!(text_of(&out), "outer inner");
    }

    #[test]
    fn table_cells_keep_only_small_spans() {
        let cell = |v: &str| el("td", &[("colspan", v), ("rowspan", "2"), ("width", "100"), ("background", "javascript:x")], vec![t("c")]);
        let out = clean(vec![el(
            "table",
            &[("border", "1")],
            vec![el("tbody", &[], vec![el("tr", &[], vec![cell("3"), cell("999999"), cell("2 onclick=x"), cell("-1"), cell("0"), cell("+2"), cell("")])])],
        )]);
        let mut spans = Vec::new();
        fn walk(n: &[SafeNode], spans: &mut Vec<Vec<(&'static str, String)>>) {
            for n in n {
                if let SafeNode::Element { tag, attrs, children } = n {
                    if *tag == "td" {
                        spans.push(attrs.clone());
                    }
                    walk(children, spans);
                }
            }
        }
        walk(&out, &mut spans);
        let r = ("rowspan", "2".to_string());
        assert_eq!(spans[0], vec![("colspan", "3".to_string()), r.clone()]);
        for s in &spans[1..] {
            assert_eq!(s, &vec![r.clone()]);
        }
        assert_eq!(to_text(&out), "c | c | c | c | c | c | c");
    }

    #[test]
    fn deep_nesting_is_bounded_without_recursion() {
        for tag in ["div", "b", "font", "a", "h1", "li", "table"] {
            let deep = chain(tag, 100_000, "bottom");
            let out = sanitize(std::slice::from_ref(&deep));
            dismantle(deep);
            assert_safe(&out);
            assert!(text_of(&out).contains("bottom"), "{tag}");
        }
        // Depth used up by kept elements: deeper headings and links flatten to text.
        let mut node = el("h2", &[], vec![el("a", &[("href", "https://x.example")], vec![t("deep")])]);
        for _ in 0..MAX_DEPTH {
            node = el("div", &[], vec![node]);
        }
        let out = clean(vec![node]);
        assert!(links(&out).is_empty());
        assert_eq!(text_of(&out).trim(), "deep");
        // Past the limit, blocks are kept apart by a line break in the text (shown as a space).
        let mut node = el("div", &[], vec![el("p", &[], vec![t("one")]), el("p", &[], vec![t("two")])]);
        for _ in 0..MAX_DEPTH {
            node = el("div", &[], vec![node]);
        }
        let out = clean(vec![node]);
        assert!(text_of(&out).contains("one\ntwo"), "{:?}", text_of(&out));
        assert!(to_text(&out).contains("one two"), "{:?}", to_text(&out));
    }

    #[test]
    fn size_is_bounded() {
        let many: Vec<RawNode> = (0..50_000).map(|i| el("b", &[], vec![t(&i.to_string())])).collect();
        let out = clean(many);
        assert!(out.len() <= MAX_NODES + 1);
        assert_eq!(out.last(), Some(&SafeNode::Text("…".into())));
        let huge = "x".repeat(MAX_TEXT * 3);
        let out = clean(vec![el("p", &[("title", &huge), ("href", &huge)], vec![t(&huge), t("tail")])]);
        assert!(text_of(&out).len() <= MAX_TEXT + "…".len());
        let out = clean(vec![el("a", &[("href", &format!("https://x.example/{huge}"))], vec![t("long link")])]);
        assert_eq!(text_of(&out), "long link");
        // Text budget cuts on a character boundary.
        let out = clean(vec![t(&"é".repeat(MAX_TEXT))]);
        assert!(text_of(&out).chars().all(|c| c == 'é' || c == '…'));
    }

    #[test]
    fn plain_text_or_html() {
        for html in [
            "<p>Hi</p>",
            "Hi<br>there",
            "Hi<br/>there",
            "a <B>bold</B> move",
            "x</div>",
            "<DIV class=\"x\">y</DIV>",
            "<!-- c -->",
            "<!DOCTYPE html><html>",
            "Tom &amp; Jerry",
            "it&#39;s",
            "&#x27;",
            "a&nbsp;b",
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<svg/onload=alert(1)>",
        ] {
            assert!(looks_like_html(html), "{html}");
        }
        for plain in [
            "",
            "Call back Tuesday\n\nSecond paragraph",
            "a < b and c > d",
            "I <3 this",
            "Reply to <ada@example.com>",
            "Q&A; then R&D",
            "<notatag>",
            "x <- y",
            "AT&T",
            "&unknown;",
            "&#;",
            "<",
            "&",
        ] {
            assert!(!looks_like_html(plain), "{plain}");
        }
    }

    #[test]
    fn plain_text_rendering_of_structures() {
        let out = clean(vec![
            el("h2", &[], vec![t("Agenda")]),
            el("ol", &[], vec![
                el("li", &[], vec![t("  Intro  ")]),
                el("li", &[], vec![t("Pricing"), el("ul", &[], vec![el("li", &[], vec![t("tiers")])])]),
            ]),
            el("p", &[], vec![t("line one"), el("br", &[], vec![]), t("line two")]),
            el("hr", &[], vec![]),
            el("pre", &[], vec![t("  keep\n    spacing")]),
            el("blockquote", &[], vec![t("quoted   text")]),
        ]);
        assert_eq!(
            to_text(&out),
            "Agenda\n\n1. Intro\n2. Pricing\n  • tiers\n\nline one\nline two\n\n----\n\n  keep\n    spacing\n\nquoted text"
        );
        assert_eq!(to_text(&[]), "");
    }

    // -- property tests -------------------------------------------------------------------

    fn arb_tag() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::sample::select(vec![
                "p", "b", "a", "A", "div", "span", "ul", "li", "ol", "td", "tr", "table", "h1", "br", "hr", "pre", "code",
                "script", "style", "svg", "math", "iframe", "form", "input", "img", "template", "noscript", "font",
                "center", "strike", "svg:script", "x:a", "my-el", "xmp", "object", "select", "html", "body",
            ])
            .prop_map(str::to_string),
            "[a-zA-Z:-]{1,8}",
        ]
    }

    fn arb_attr() -> impl Strategy<Value = (String, String)> {
        let names = proptest::sample::select(vec![
            "href", "HREF", "onclick", "onerror", "style", "src", "colspan", "rowspan", "alt", "xlink:href", "target", "rel",
        ]);
        let values = prop_oneof![
            proptest::sample::select(vec![
                "javascript:alert(1)", " JaVa\tScRiPt:x", "data:text/html,x", "https://ok.example/", "//evil", "mailto:a@b.c",
                "tel:1", "2", "999", "vbscript:x", "https://a@b", "\u{0}javascript:x",
            ])
            .prop_map(str::to_string),
            "\\PC{0,16}",
        ];
        (names.prop_map(str::to_string), values)
    }

    fn arb_tree() -> impl Strategy<Value = Vec<RawNode>> {
        let leaf = prop_oneof![
            "\\PC{0,12}".prop_map(RawNode::Text),
            Just(RawNode::Other),
            (arb_tag(), proptest::collection::vec(arb_attr(), 0..3))
                .prop_map(|(tag, attrs)| RawNode::Element { tag, attrs, children: vec![] }),
        ];
        let node = leaf.prop_recursive(6, 64, 5, |inner| {
            (arb_tag(), proptest::collection::vec(arb_attr(), 0..3), proptest::collection::vec(inner, 0..5))
                .prop_map(|(tag, attrs, children)| RawNode::Element { tag, attrs, children })
        });
        proptest::collection::vec(node, 0..5)
    }

    /// The text the policy promises to keep: everything outside dropped elements, images'
    /// alt text.
    fn kept_text(nodes: &[RawNode], out: &mut String) {
        for n in nodes {
            match n {
                RawNode::Text(t) => out.extend(t.chars().filter(|&c| c != '\0')),
                RawNode::Other => {}
                RawNode::Element { tag, attrs, children } => match classify(tag) {
                    Class::Drop => {}
                    Class::Image => {
                        let alt = attr(attrs, "alt").unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ");
                        out.extend(alt.chars().take(MAX_ALT));
                    }
                    _ => kept_text(children, out),
                },
            }
        }
    }

    fn no_space(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Only allowlisted tags and attributes come out, every href passes `safe_url`,
        /// depth and size stay bounded, and the kept text comes out whole and in order.
        #[test]
        fn output_obeys_the_policy(tree in arb_tree()) {
            let out = sanitize(&tree);
            assert_safe(&out);
            let mut want = String::new();
            kept_text(&tree, &mut want);
            prop_assert_eq!(no_space(&text_of(&out)), no_space(&want));
            let _ = to_text(&out);
        }

        /// `safe_url` only passes the four schemes, never panics and is idempotent.
        #[test]
        fn safe_url_is_strict_and_stable(href in "\\PC{0,24}", prefix in proptest::sample::select(vec!["", "https://", "http://x.y/", "mailto:", "javascript:", " \t"])) {
            let href = format!("{prefix}{href}");
            if let Some(u) = safe_url(&href) {
                prop_assert!(["http://", "https://", "mailto:", "tel:"].iter().any(|s| u.starts_with(s)), "{u}");
                prop_assert!(!u.chars().any(|c| c.is_control() || c.is_whitespace()));
                prop_assert_eq!(safe_url(&u), Some(u.clone()));
            }
        }

        /// Never panics on arbitrary text.
        #[test]
        fn looks_like_html_never_panics(s in "\\PC{0,40}") {
            let _ = looks_like_html(&s);
        }
    }
}
