//! Subsonic responses: one tree of elements, written as XML (the default), JSON (`f=json`) or
//! JSONP (`f=jsonp&callback=`), the way Subsonic servers write them.
//!
//! JSON follows the reference server: attributes become fields, a child element becomes an
//! object field, and an element the schema lets repeat is always an array (even of one), so
//! each [`Node`] says which of its children are lists.

use serde_json::{Map, Value};

/// The Subsonic API version spoken.
pub const API_VERSION: &str = "1.16.1";
const NAMESPACE: &str = "http://subsonic.org/restapi";

/// An attribute's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Attr {
    Text(String),
    Int(i64),
    /// A decimal (a playback rate): a number in JSON, never a string.
    Float(f64),
    Bool(bool),
}

impl From<&str> for Attr {
    fn from(v: &str) -> Self {
        Attr::Text(v.to_owned())
    }
}
impl From<String> for Attr {
    fn from(v: String) -> Self {
        Attr::Text(v)
    }
}
impl From<i64> for Attr {
    fn from(v: i64) -> Self {
        Attr::Int(v)
    }
}
impl From<i32> for Attr {
    fn from(v: i32) -> Self {
        Attr::Int(v.into())
    }
}
impl From<f64> for Attr {
    fn from(v: f64) -> Self {
        Attr::Float(v)
    }
}
impl From<bool> for Attr {
    fn from(v: bool) -> Self {
        Attr::Bool(v)
    }
}

/// One element: attributes, children (each marked as a list member or not), optional text.
#[derive(Debug, Clone, Default)]
pub struct Node {
    pub name: &'static str,
    attrs: Vec<(&'static str, Attr)>,
    children: Vec<(Node, bool)>,
    text: Option<String>,
    /// A leaf that is only a value: `<versions>1</versions>`, in JSON just `1`.
    scalar: Option<Attr>,
    /// OpenSubsonic's additions the 1.16.1 schema does not declare, written to JSON only so
    /// that every XML answer stays valid against the schema clients validate with.
    json_only: Vec<(&'static str, Value)>,
}

impl Node {
    pub fn new(name: &'static str) -> Node {
        Node {
            name,
            ..Node::default()
        }
    }

    pub fn attr(mut self, key: &'static str, value: impl Into<Attr>) -> Node {
        self.attrs.push((key, value.into()));
        self
    }

    /// An attribute written only when there is a value.
    pub fn opt(self, key: &'static str, value: Option<impl Into<Attr>>) -> Node {
        match value {
            Some(value) => self.attr(key, value),
            None => self,
        }
    }

    /// A field for JSON answers only (see [`Node::json_only`]'s field): OpenSubsonic's
    /// additions, which OpenSubsonic clients read from JSON.
    pub fn json(mut self, key: &'static str, value: impl Into<Value>) -> Node {
        self.json_only.push((key, value.into()));
        self
    }

    /// A JSON-only field written only when there is a value.
    pub fn json_opt(self, key: &'static str, value: Option<impl Into<Value>>) -> Node {
        match value {
            Some(value) => self.json(key, value),
            None => self,
        }
    }

    /// A child that appears once.
    pub fn child(mut self, node: Node) -> Node {
        self.children.push((node, false));
        self
    }

    /// Children the schema lets repeat: an array in JSON, even when there are none or one.
    pub fn list(mut self, nodes: impl IntoIterator<Item = Node>) -> Node {
        self.children
            .extend(nodes.into_iter().map(|node| (node, true)));
        self
    }

    /// A leaf holding only a value (in JSON a bare number, string or boolean).
    pub fn scalar(name: &'static str, value: impl Into<Attr>) -> Node {
        Node {
            name,
            scalar: Some(value.into()),
            ..Node::default()
        }
    }

    pub fn text(mut self, text: impl Into<String>) -> Node {
        self.text = Some(text.into());
        self
    }
}

/// The envelope's attributes: status, version, and the OpenSubsonic identification.
fn envelope(ok: bool) -> Node {
    Node::new("subsonic-response")
        .attr("status", if ok { "ok" } else { "failed" })
        .attr("version", API_VERSION)
        .attr("type", "juke")
        .attr("serverVersion", env!("CARGO_PKG_VERSION"))
        .attr("openSubsonic", true)
}

/// A successful response; methods add their answer to it.
pub fn ok() -> Node {
    envelope(true)
}

/// A failed response with a Subsonic error code.
pub fn failed(code: i64, message: &str) -> Node {
    envelope(false).child(
        Node::new("error")
            .attr("code", code)
            .attr("message", message),
    )
}

/// The XML document.
pub fn to_xml(root: &Node) -> String {
    let mut out = String::with_capacity(512);
    out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    write_xml(root, true, &mut out);
    out
}

fn write_xml(node: &Node, root: bool, out: &mut String) {
    out.push('<');
    out.push_str(node.name);
    if root {
        out.push_str(&format!(r#" xmlns="{NAMESPACE}""#));
    }
    for (key, value) in &node.attrs {
        out.push(' ');
        out.push_str(key);
        out.push_str("=\"");
        write_value(value, out);
        out.push('"');
    }
    if node.children.is_empty() && node.text.is_none() && node.scalar.is_none() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    if let Some(text) = &node.text {
        escape(text, out);
    }
    if let Some(value) = &node.scalar {
        write_value(value, out);
    }
    for (child, _) in &node.children {
        write_xml(child, false, out);
    }
    out.push_str("</");
    out.push_str(node.name);
    out.push('>');
}

fn write_value(value: &Attr, out: &mut String) {
    match value {
        Attr::Text(text) => escape(text, out),
        Attr::Int(n) => out.push_str(&n.to_string()),
        Attr::Float(x) => out.push_str(&x.to_string()),
        Attr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
    }
}

fn json_value(value: &Attr) -> Value {
    match value {
        Attr::Text(text) => Value::from(text.as_str()),
        Attr::Int(n) => Value::from(*n),
        Attr::Float(x) => Value::from(*x),
        Attr::Bool(b) => Value::from(*b),
    }
}

/// Escapes text for an attribute or element, dropping characters XML 1.0 cannot carry.
fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

/// The JSON document: `{"subsonic-response": {...}}`.
pub fn to_json(root: &Node) -> Value {
    let mut top = Map::new();
    top.insert(root.name.to_owned(), json_of(root));
    Value::Object(top)
}

fn json_of(node: &Node) -> Value {
    if let Some(value) = &node.scalar {
        return json_value(value);
    }
    let mut map = Map::new();
    for (key, value) in &node.attrs {
        map.insert((*key).to_owned(), json_value(value));
    }
    if let Some(text) = &node.text {
        map.insert("value".into(), Value::from(text.as_str()));
    }
    for (key, value) in &node.json_only {
        map.insert((*key).to_owned(), value.clone());
    }
    for (child, is_list) in &node.children {
        let value = json_of(child);
        if *is_list {
            match map
                .entry(child.name.to_owned())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                Value::Array(items) => items.push(value),
                other => *other = Value::Array(vec![value]),
            }
        } else {
            map.insert(child.name.to_owned(), value);
        }
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_and_json_say_the_same() {
        let root = ok().child(
            Node::new("musicFolders").list([Node::new("musicFolder")
                .attr("id", 1)
                .attr("name", "Music & <more>")]),
        );
        let xml = to_xml(&root);
        assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><subsonic-response xmlns="http://subsonic.org/restapi" status="ok" version="1.16.1" type="juke""#), "{xml}");
        assert!(
            xml.contains(r#"<musicFolder id="1" name="Music &amp; &lt;more&gt;"/>"#),
            "{xml}"
        );
        let json = to_json(&root);
        let response = &json["subsonic-response"];
        assert_eq!(response["status"], "ok");
        assert_eq!(response["openSubsonic"], true);
        assert_eq!(
            response["musicFolders"]["musicFolder"][0]["name"],
            "Music & <more>"
        );
        assert_eq!(response["musicFolders"]["musicFolder"][0]["id"], 1);
    }

    #[test]
    fn text_is_value_and_control_characters_are_dropped() {
        let node = Node::new("lyrics").attr("artist", "A").text("la\nla");
        let json = json_of(&Node::new("x").child(node));
        assert_eq!(json["lyrics"]["value"], "la\nla");
        let xml = to_xml(&Node::new("lyrics").text("a\u{1}b<"));
        assert!(xml.ends_with("ab&lt;</lyrics>"), "{xml}");
        let ext = Node::new("e").list([Node::scalar("versions", 1)]);
        assert_eq!(json_of(&ext)["versions"], serde_json::json!([1]));
        assert!(to_xml(&ext).ends_with("><versions>1</versions></e>"));
    }

    #[test]
    fn json_only_fields_stay_out_of_xml() {
        let node = Node::new("song")
            .attr("id", "tr-1")
            .json("samplingRate", 44100)
            .json("genres", serde_json::json!([{"name": "Pop"}]));
        assert_eq!(
            to_xml(&node),
            r#"<?xml version="1.0" encoding="UTF-8"?><song xmlns="http://subsonic.org/restapi" id="tr-1"/>"#
        );
        let json = json_of(&node);
        assert_eq!(json["samplingRate"], 44100);
        assert_eq!(json["genres"][0]["name"], "Pop");
    }
}
