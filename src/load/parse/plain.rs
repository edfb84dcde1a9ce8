//! The fast path of parsing: a plain document read straight from
//! saphyr-parser's events into JSON.
//!
//! serde_yaml (libyaml) is most of the cost of a large run, and nearly every
//! manifest is plain: one document, string keys written once, no anchors,
//! aliases or tags. Such a document is read here in about two thirds of
//! the instructions serde_yaml takes, and the ids' places are noted on the
//! way (findings point at them, see `span::KnownSpans`). Its value is exactly the one serde_yaml gives: a quoted scalar is text,
//! and a plain one is text unless serde_yaml could read it as something
//! else (it starts with a digit, a sign, a dot or `~`, or is a null or
//! boolean word); those few are resolved by serde_yaml itself, once per
//! distinct text. Anything unusual, a syntax error included, returns `None`
//! and the full path (serde_yaml), with its diagnostics, takes over.

use crate::span::KnownSpans;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

/// Deeper documents go the full way, which enforces the nesting limit.
const MAX_FAST_DEPTH: usize = 64;

/// Distinct scalar texts remembered per thread before starting afresh.
const CACHE_LIMIT: usize = 4096;

/// Scalars one document may have resolved one by one before the full path
/// takes the whole document: a file of a million distinct numbers is read
/// faster by serde_yaml in one go.
const MAX_RESOLVED_PER_DOCUMENT: usize = 1024;

/// The document's value, when it is plain enough for the fast path, and
/// where its declarations' ids are.
pub fn read(text: &str) -> Option<(Value, KnownSpans)> {
    // A byte-order mark or a directive: rare, and libyaml's business.
    if text.starts_with('\u{feff}') || text.starts_with('%') || text.contains("\n%") {
        return None;
    }
    let mut builder = Builder {
        // saphyr counts characters; in ASCII text they are bytes.
        note_ids: text.is_ascii(),
        ..Builder::default()
    };
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, span) = parser.next_event()?.ok()?;
        match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                builder.documents += 1;
                if builder.documents > 1 {
                    return None;
                }
            }
            Event::Alias(_) => return None,
            Event::Scalar(value, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                builder.scalar(value, style, span)?;
            }
            Event::SequenceStart(anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                builder.open(Frame::Seq(Vec::new()))?;
            }
            Event::MappingStart(anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                builder.open(Frame::Map(Map::new(), None))?;
            }
            Event::SequenceEnd | Event::MappingEnd => builder.close()?,
        }
    }
    builder.ids.seal();
    Some((builder.root?, builder.ids))
}

enum Frame {
    Seq(Vec<Value>),
    /// The mapping so far and the key waiting for its value.
    Map(Map<String, Value>, Option<String>),
}

#[derive(Default)]
struct Builder {
    open: Vec<Frame>,
    root: Option<Value>,
    documents: usize,
    note_ids: bool,
    ids: KnownSpans,
    /// Scalars resolved by serde_yaml for this document (cache misses).
    resolved_here: usize,
}

impl Builder {
    fn expects_key(&self) -> bool {
        matches!(self.open.last(), Some(Frame::Map(_, None)))
    }

    fn scalar(&mut self, value: Cow<str>, style: ScalarStyle, span: Span) -> Option<()> {
        let plain = style == ScalarStyle::Plain;
        if self.expects_key() {
            // A key serde_yaml might not read as text is an error there.
            if plain && maybe_not_text(&value) {
                return None;
            }
            if let Some(Frame::Map(_, key)) = self.open.last_mut() {
                *key = Some(owned(value));
            }
            return Some(());
        }
        if self.note_ids && self.open.len() <= 3 && self.at_key("id") {
            let pointer = self.pointer();
            self.ids
                .insert(pointer, span.start.index(), span.end.index());
        }
        let v = if plain && maybe_not_text(&value) {
            self.resolved(&value)?
        } else {
            Value::String(owned(value))
        };
        self.add(v)
    }

    /// serde_yaml's reading of a plain scalar (see `resolve_alone`): from
    /// the thread's cache, else resolved and remembered, counting those.
    fn resolved(&mut self, s: &str) -> Option<Value> {
        if let Some(v) = RESOLVED.with(|c| c.borrow().get(s).cloned()) {
            return v;
        }
        self.resolved_here += 1;
        if self.resolved_here > MAX_RESOLVED_PER_DOCUMENT {
            return None;
        }
        let v = resolve_alone(s);
        RESOLVED.with(|c| {
            let mut cache = c.borrow_mut();
            if cache.len() >= CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(s.to_string(), v.clone());
        });
        v
    }

    fn at_key(&self, name: &str) -> bool {
        matches!(self.open.last(), Some(Frame::Map(_, Some(k))) if k == name)
    }

    /// The JSON pointer of the value about to be added.
    fn pointer(&self) -> String {
        let mut p = String::new();
        for frame in &self.open {
            p.push('/');
            match frame {
                Frame::Seq(items) => p.push_str(&items.len().to_string()),
                Frame::Map(_, key) => {
                    p.push_str(&crate::span::escape(key.as_deref().unwrap_or("")))
                }
            }
        }
        p
    }

    fn open(&mut self, frame: Frame) -> Option<()> {
        // A collection as a key: not something JSON can hold.
        if self.expects_key() || self.open.len() >= MAX_FAST_DEPTH {
            return None;
        }
        self.open.push(frame);
        Some(())
    }

    fn close(&mut self) -> Option<()> {
        let v = match self.open.pop()? {
            Frame::Seq(items) => Value::Array(items),
            Frame::Map(map, None) => Value::Object(map),
            Frame::Map(_, Some(_)) => return None,
        };
        self.add(v)
    }

    fn add(&mut self, v: Value) -> Option<()> {
        match self.open.last_mut() {
            None if self.root.is_none() => self.root = Some(v),
            None => return None,
            Some(Frame::Seq(items)) => items.push(v),
            Some(Frame::Map(map, key)) => match map.entry(key.take()?) {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(v);
                }
                // A repeated key is an error there.
                serde_json::map::Entry::Occupied(_) => return None,
            },
        }
        Some(())
    }
}

/// The text, without the spare room the scanner's string grew (a large
/// run keeps hundreds of thousands of them).
fn owned(value: Cow<str>) -> String {
    match value {
        Cow::Borrowed(s) => s.to_owned(),
        Cow::Owned(mut s) => {
            // A little spare room costs less than moving every string.
            if s.capacity() > s.len() + 16 {
                s.shrink_to_fit();
            }
            s
        }
    }
}

/// Whether serde_yaml might read this plain scalar as other than text:
/// null, a boolean or a number. Its numbers start with a digit, a sign or a
/// dot; its other words are these.
fn maybe_not_text(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        Some(b'0'..=b'9' | b'+' | b'-' | b'.' | b'~') => true,
        Some(_) => matches!(
            s,
            "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
        ),
    }
}

thread_local! {
    static RESOLVED: RefCell<HashMap<String, Option<Value>>> = RefCell::default();
}

/// serde_yaml's reading of a plain scalar, found by parsing it alone as a
/// mapping value (where a plain scalar means the same as anywhere else).
/// `None` when that is not plainly the same scalar: the full path decides.
fn resolve_alone(s: &str) -> Option<Value> {
    if s.contains(['\n', '\r', '\t', '#']) {
        return None;
    }
    let doc = format!("k: {s}\n");
    let Ok(super::Json(Value::Object(mut m))) = serde_yaml::from_str::<super::Json>(&doc) else {
        return None;
    };
    if m.len() != 1 {
        return None;
    }
    match m.remove("k")? {
        Value::String(t) if t != s => None,
        Value::Array(_) | Value::Object(_) => None,
        v => Some(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(text: &str) -> Option<Value> {
        serde_yaml::from_str::<super::super::Json>(text)
            .ok()
            .map(|j| j.0)
    }

    /// The fast path gives serde_yaml's value, or stands aside (false).
    fn agrees(text: &str) -> bool {
        let Some((fast, _)) = read(text) else {
            return false;
        };
        assert_eq!(Some(fast), full(text), "{text:?}");
        true
    }

    #[test]
    fn plain_manifests_take_the_fast_path() {
        let text = "version: 1\nsystem:\n  id: s\n  owner: 'team'\ndatasets:\n  - id: d\n    categories: [user.name, \"user.contact.email\"]\n    retention: { period: P1Y }\n    encrypted_at_rest: true\n    minimum_age: 16\n    date: 2026-06-01\n    note: >\n      folded\n      text\n";
        let (v, ids) = read(text).unwrap();
        assert_eq!(Some(v), full(text));
        // Where the ids are, as the full index finds them.
        let index = crate::span::PointerIndex::build(text);
        for pointer in ["/system/id", "/datasets/0/id"] {
            let place = crate::span::Place::value(pointer);
            let (start, end) = ids.get(pointer).unwrap();
            let at = index.locate(text, &place);
            assert_eq!((at.offset, at.len), (start, end - start), "{pointer}");
        }
    }

    #[test]
    fn every_declaration_id_is_noted_where_the_full_index_finds_it() {
        let mut text = String::from("version: 1\nsystem: {id: s}\ndatasets:\n");
        for i in 0..12 {
            text.push_str(&format!("  - id: d{i}\n    location: DE\n"));
        }
        let (_, ids) = read(&text).unwrap();
        let index = crate::span::PointerIndex::build(&text);
        let pointers = (0..12).map(|i| format!("/datasets/{i}/id"));
        for pointer in pointers.chain(["/system/id".to_string()]) {
            let at = index.locate(&text, &crate::span::Place::value(&pointer));
            let (start, end) = ids.get(&pointer).unwrap();
            assert_eq!((at.offset, at.len), (start, end - start), "{pointer}");
        }
        assert_eq!(ids.get("/datasets/12/id"), None);
    }

    #[test]
    fn scalars_read_as_serde_yaml_reads_them() {
        for s in [
            "1",
            "-1",
            "+1",
            "0",
            "007",
            "0x1F",
            "0o17",
            "0b101",
            "1.5",
            ".5",
            "5.",
            "1e3",
            "-1e-3",
            "1_000",
            ".inf",
            "-.inf",
            ".nan",
            "~",
            "null",
            "Null",
            "NULL",
            "true",
            "True",
            "TRUE",
            "false",
            "FALSE",
            "yes",
            "no",
            "on",
            "NO",
            "2026-06-01",
            "P1Y",
            "12:30",
            "1.2.3",
            "18446744073709551616",
            "-9223372036854775809",
            "---",
            "...",
            "-x",
            "--",
            "+",
            "-",
            ".",
            "+.inf",
            "0.",
            "1 2",
            "nan",
            "inf",
            "infinity",
        ] {
            let mut fast = 0;
            for text in [
                format!("a: {s}\n"),
                format!("- {s}\n"),
                format!("a: [{s}, x]\n"),
                format!("{s}\n"),
                format!("{s}: x\n"),
            ] {
                fast += usize::from(agrees(&text));
            }
            // As a value at least, the common ones are read here.
            let common = [
                "1",
                "-1",
                "0",
                "007",
                "1.5",
                "~",
                "null",
                "true",
                "false",
                "yes",
                "NO",
                "2026-06-01",
                "P1Y",
            ];
            if common.contains(&s) {
                assert!(fast >= 2, "{s:?} never took the fast path");
            }
        }
    }

    #[test]
    fn a_document_of_many_distinct_numbers_goes_the_full_way() {
        let many: String = (0..2000).map(|i| format!("- {i}.5\n")).collect();
        assert!(read(&many).is_none());
        let few: String = (0..100).map(|i| format!("- {i}.5\n")).collect();
        assert!(agrees(&few));
    }

    #[test]
    fn unusual_documents_go_the_full_way() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !custom 1\n",
            "a: 1\na: 2\n",
            "? [a]\n: 1\n",
            "a: 1\n---\nb: 2\n",
            "\u{feff}a: 1\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: [1\n",
            "1: x\n",
        ] {
            assert!(read(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn every_yaml_file_of_the_repository_reads_the_same_both_ways() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut seen = 0;
        for dir in ["examples", "tests", "policies"] {
            for entry in walkdir::WalkDir::new(root.join(dir)).into_iter().flatten() {
                let path = entry.path();
                let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
                if !yaml {
                    continue;
                }
                if let Ok(text) = std::fs::read_to_string(path) {
                    seen += usize::from(agrees(&text));
                }
            }
        }
        assert!(seen > 50, "only {seen} files took the fast path");
    }
}
