//! Bytes to a JSON value, with the input limits of manifest.md checked before
//! anything else looks at the document: invalid UTF-8, empty files, nesting
//! depth and alias expansion. A plain document takes the fast path
//! (`plain`, saphyr-parser's events straight to JSON); anything else,
//! errors included, is parsed by serde_yaml, whose own recursion and
//! repetition guards are what make the depth and alias limits hold, and
//! this module turns them into messages that name the limit.

use crate::diagnostic::{Code, Diagnostic};
use crate::span::Place;
use serde_json::Value;

mod plain;

/// Nesting depth serde_yaml accepts (its recursion limit).
pub const MAX_DEPTH: usize = 128;

/// Files up to this size are parsed without checking their depth first.
const SMALL_FILE_BYTES: usize = 64 * 1024;

/// A file that parsed: its text (kept for locating diagnostics later) and its
/// content as JSON.
pub struct Parsed {
    pub text: String,
    pub value: Value,
    /// Where declaration ids are, when the fast path read the file.
    pub ids: crate::span::KnownSpans,
}

pub fn parse(path: &str, bytes: Vec<u8>) -> Result<Parsed, (Option<String>, Diagnostic)> {
    let mut text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            // Show the file with U+FFFD in place of bad bytes: everything
            // before the first one is unchanged, so the offset still holds.
            let d = invalid_utf8(path, err.utf8_error().valid_up_to());
            return Err((
                Some(String::from_utf8_lossy(err.as_bytes()).into_owned()),
                d,
            ));
        }
    };
    // A byte-order mark (Windows editors write one) is not content; left
    // in, a key right after it reads as a second document.
    if text.starts_with('\u{FEFF}') {
        text.drain(..'\u{FEFF}'.len_utf8());
    }
    // A lone CR (old Mac line ends) is a line break to YAML; as `\n`, of the
    // same length, it is one to every line and column privgate reports.
    if text.contains('\r') {
        text = lone_cr_as_lf(&text);
    }
    if is_blank(&text) {
        let d = Diagnostic::error(
            Code::EmptyFile,
            "empty file: a manifest needs at least `version: 1`",
        )
        .at(path, Place::File)
        .label("nothing here")
        .help("add `version: 1`, or delete the file");
        return Err((Some(text), d));
    }
    if let Some(offset) = too_deep(&text) {
        return Err((Some(text), nesting_too_deep(path, offset)));
    }
    // Anchors and aliases need a `&` and a `*`.
    if text.contains('&') && text.contains('*') {
        if let Some(c) = alias_check(&text, false) {
            let d = Diagnostic::error(Code::AliasExpansion, c.limit.message())
                .label("expansion crosses the limit here")
                .at(
                    path,
                    Place::Bytes {
                        offset: c.offset,
                        len: 0,
                    },
                )
                .help(ALIAS_HELP);
            return Err((Some(text), d));
        }
    }
    match yaml_to_json(path, &text) {
        Ok((value, ids)) => Ok(Parsed { text, value, ids }),
        Err(d) => Err((Some(text), d)),
    }
}

/// Only whitespace, comments or an empty document marker.
fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---" || l == "..."
    })
}

fn invalid_utf8(path: &str, offset: usize) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidUtf8,
        format!(
            "file is not valid UTF-8 (invalid byte at offset {offset}); manifests must be UTF-8"
        ),
    )
    // In the lossy text the bad byte is one U+FFFD.
    .at(
        path,
        Place::Bytes {
            offset,
            len: char::REPLACEMENT_CHARACTER.len_utf8(),
        },
    )
    .label("invalid byte")
    .help("re-save the file as UTF-8")
}

/// Byte offset of the first collection nested deeper than `MAX_DEPTH`.
///
/// serde_yaml applies its depth limit only once libyaml has read the whole
/// document into events, and libyaml's scanner does work proportional to
/// the flow nesting depth for every token: 100,000 `[` take minutes, and a
/// 10 MiB file of `- - - ...` holds gigabytes of events. So such documents
/// are first read here, streaming, stopping at the limit. Each level of flow
/// nesting is a `[` or `{`, so a document with few of them cannot nest
/// deeply in flow style, and a small one cannot hold many events: those go
/// straight to serde_yaml, whose own limit then applies.
///
/// The place is the first collection past the limit, as serde_yaml would
/// report it, except beyond 255 levels of flow nesting: there saphyr stops
/// reading ahead of the events, at the 256th level, and that is the place.
fn too_deep(text: &str) -> Option<usize> {
    use saphyr_parser::{Event, Parser};
    let flow_starts = text.bytes().filter(|b| matches!(b, b'[' | b'{')).count();
    if flow_starts <= MAX_DEPTH && text.len() <= SMALL_FILE_BYTES {
        return None;
    }
    let mut depth = 0usize;
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(e) => e,
            // saphyr counts flow levels in a u8.
            Err(e) if e.info().contains("recursion limit") => {
                return Some(byte_offset(text, e.marker().index()))
            }
            // A syntax error ends the stream; serde_yaml reports it.
            Err(_) => break,
        };
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(byte_offset(text, span.start.index()));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            Event::StreamEnd => break,
            _ => {}
        }
    }
    None
}

/// Byte offset of a character index (saphyr counts characters).
fn byte_offset(text: &str, char_index: usize) -> usize {
    if text.is_ascii() {
        char_index.min(text.len())
    } else {
        text.char_indices()
            .nth(char_index)
            .map_or(text.len(), |(i, _)| i)
    }
}

fn nesting_too_deep(path: &str, offset: usize) -> Diagnostic {
    Diagnostic::error(
        Code::NestingTooDeep,
        format!("nesting deeper than the limit of {MAX_DEPTH} levels"),
    )
    .label("here")
    .at(path, Place::Bytes { offset, len: 0 })
    .help("manifests are shallow; this looks generated or hostile")
}

fn yaml_to_json(path: &str, text: &str) -> Result<(Value, crate::span::KnownSpans), Diagnostic> {
    if let Some(read) = plain::read(text) {
        return Ok(read);
    }
    serde_yaml::from_str::<Json>(text)
        .map(|j| (j.0, Default::default()))
        .map_err(|e| yaml_error(path, text, &e))
}

/// Beyond this, not every whole number has an `f64` of its own.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

/// An integer too large for 64 bits, as JSON holds it: a number, which the
/// schema then judges (a maximum, or "must be an integer").
fn big_integer(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// A JSON value read straight from YAML events: one tree, not a YAML tree
/// converted. Refuses what JSON cannot hold and what `serde_json::Value`
/// would hide: repeated keys (it keeps the last silently), keys that are
/// not strings, tags.
struct Json(Value);

impl<'de> serde::Deserialize<'de> for Json {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor).map(Json)
    }
}

struct JsonVisitor;

impl<'de> serde::de::Visitor<'de> for JsonVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a YAML value that JSON can hold")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(big_integer(v as f64))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(big_integer(v as f64))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        // A whole number written `1.0` is the integer JSON Schema takes it
        // for, so the model reads it as one too.
        if v.fract() == 0.0 && v.abs() < MAX_EXACT {
            return Ok(Value::from(v as i64));
        }
        // JSON has no form for them; read as null they would get a
        // baffling "found nothing" further on.
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| {
                E::custom(format!(
                    "`{}` {NOT_A_NUMBER}",
                    if v.is_nan() {
                        ".nan"
                    } else if v > 0.0 {
                        ".inf"
                    } else {
                        "-.inf"
                    }
                ))
            })
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Json(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(StringKey(key)) = map.next_key()? {
            if object.contains_key(&key) {
                // serde_yaml's own wording, which `yaml_error` locates.
                return Err(serde::de::Error::custom(format!(
                    "duplicate entry with key \"{key}\""
                )));
            }
            let Json(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, _: A) -> Result<Value, A::Error> {
        Err(serde::de::Error::custom(
            "YAML tags (`!name`) are not supported in manifests",
        ))
    }
}

/// A mapping key, which must be a string.
struct StringKey(String);

impl<'de> serde::Deserialize<'de> for StringKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = String;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string key (privgate manifests use string keys)")
            }
            fn visit_str<E>(self, v: &str) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_string<E>(self, v: String) -> Result<String, E> {
                Ok(v)
            }
        }
        d.deserialize_any(V).map(StringKey)
    }
}

const NOT_A_NUMBER: &str = "is not a number a manifest can hold";

fn yaml_error(path: &str, text: &str, err: &serde_yaml::Error) -> Diagnostic {
    let raw = err.to_string();
    // serde_yaml appends " at line L column C"; we show the place ourselves.
    let reason = raw.split(" at line ").next().unwrap_or(&raw).to_string();
    let mut offset = position_in(&reason)
        .or_else(|| err.location().map(|l| l.index()))
        .unwrap_or(0)
        .min(text.len());
    if reason.contains("recursion limit exceeded") {
        return nesting_too_deep(path, offset);
    }
    // At the end of the file (an unclosed bracket or quote), point after
    // the last character rather than at a line past the end.
    let at_end = offset >= text.len() && !text.trim_end().is_empty();
    if at_end {
        offset = text.trim_end().len();
    }
    let indentation_help: String;
    let mut label_override: Option<String> = None;
    let (code, message, help) = if reason.contains("repetition limit exceeded") {
        // serde_yaml gives no position for this one; find the alias itself.
        let crossing = alias_check(text, true);
        offset = crossing.as_ref().map_or(offset, |c| c.offset);
        let message = crossing.map_or_else(
            || AliasLimit::Expansions(None).message(),
            |c| c.limit.message(),
        );
        (Code::AliasExpansion, message, ALIAS_HELP)
    } else if reason.contains("duplicate entry") {
        // serde_yaml gives no position either; find the repeated key.
        offset = crate::span::duplicate_key(text).unwrap_or(offset);
        (
            Code::YamlSyntax,
            format!("YAML syntax error: {reason}"),
            "a key may appear once per mapping; merge the two entries",
        )
    } else if reason.contains("more than one document") {
        // serde_yaml gives no position; the second document starts at a
        // `---` line after some content.
        offset = second_document(text).unwrap_or(offset);
        (
            Code::YamlSyntax,
            "this file holds more than one YAML document (a `---` line starts another)".to_string(),
            "a manifest is one document: remove the `---` line, or move each document to a file of its own",
        )
    } else if reason.contains(NOT_A_NUMBER) {
        (
            Code::YamlSyntax,
            reason.clone(),
            "write a finite number, or quote it to make it a string",
        )
    } else if tab_near(text, offset) {
        // libyaml's text ("found character that cannot start any token")
        // does not say that the character is a tab.
        (
            Code::YamlSyntax,
            format!("YAML syntax error: {reason} (a tab)"),
            "YAML does not allow tabs for indentation; indent with spaces",
        )
    } else if let Some(bad) = misindented(text, offset) {
        // libyaml's words ("did not find expected key") name what the
        // parser missed, not what the person did: say it in indentation.
        offset = bad.offset;
        let s = |n: usize| if n == 1 { "" } else { "s" };
        label_override = Some(format!("line up with line {}", bad.sibling_line));
        indentation_help = format!(
            "indent it {} space{}, like line {}: YAML nests by indentation, so the keys of one mapping (and the `-` of one list) must line up exactly",
            bad.siblings,
            s(bad.siblings),
            bad.sibling_line
        );
        (
            Code::YamlSyntax,
            format!(
                "YAML syntax error: this line is indented {} space{}; its siblings {} (line {})",
                bad.indent,
                s(bad.indent),
                bad.siblings,
                bad.sibling_line
            ),
            indentation_help.as_str(),
        )
    } else {
        (Code::YamlSyntax, format!("YAML syntax error: {reason}"), "")
    };
    let d = Diagnostic::error(code, message)
        .label(match code {
            _ if label_override.is_some() => label_override.unwrap_or_default(),
            Code::YamlSyntax if reason.contains("more than one document") => {
                "a second document starts here".to_string()
            }
            Code::YamlSyntax if at_end && !reason.contains("end of stream") => {
                format!("{reason} before the file ends")
            }
            Code::YamlSyntax => reason,
            _ => "expansion crosses the limit here".into(),
        })
        .at(path, Place::Bytes { offset, len: 0 });
    if help.is_empty() {
        d
    } else {
        d.help(help)
    }
}

fn lone_cr_as_lf(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(if c == '\r' && chars.peek() != Some(&'\n') {
            '\n'
        } else {
            c
        });
    }
    out
}

/// Where the second document of `text` begins: a `---` line after the first
/// line that holds anything but a comment or a directive.
fn second_document(text: &str) -> Option<usize> {
    let mut offset = 0;
    let mut seen_content = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed.starts_with("--- ") {
            if seen_content {
                return Some(offset);
            }
        } else if !trimmed.is_empty() && !trimmed.starts_with('#') && !trimmed.starts_with('%') {
            seen_content = true;
        }
        offset += line.len();
    }
    None
}

/// The byte offset libyaml names in the message itself ("control
/// characters are not allowed at position 26") when it gives no location.
fn position_in(reason: &str) -> Option<usize> {
    let (_, after) = reason.rsplit_once(" at position ")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Whether the character at `offset`, or the indentation of its line, is a
/// tab.
/// A line indented where no open block of the lines above it is.
struct Misindented {
    /// Where its text begins.
    offset: usize,
    indent: usize,
    /// The nearest indentation an enclosing block has, and on which line.
    siblings: usize,
    sibling_line: usize,
}

/// The line of `offset` (or, when that one is indented well, the one
/// before it), when its indentation matches none of the blocks open above
/// it: `   name:` under `  id:`. A list item's keys begin after its `- `.
fn misindented(text: &str, offset: usize) -> Option<Misindented> {
    if text.len() > MAX_INDENT_SCAN {
        return None;
    }
    // (byte offset of the line, its text), significant lines only.
    let mut lines: Vec<(usize, usize, &str)> = Vec::new();
    let mut at = 0;
    for (number, line) in text.split_inclusive('\n').enumerate() {
        let content = line.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim_start_matches(' ');
        if !(trimmed.is_empty() || trimmed.starts_with('#')) {
            lines.push((at, number + 1, content));
        }
        at += line.len();
    }
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    // Columns a line opens: its own, and after `- ` that of its item's keys.
    let columns = |l: &str| {
        let mut out = vec![indent(l)];
        let mut rest = &l[indent(l)..];
        let mut col = indent(l);
        while let Some(after) = rest.strip_prefix('-') {
            let spaces = after.len() - after.trim_start_matches(' ').len();
            if spaces == 0 || after.trim().is_empty() {
                break;
            }
            col += 1 + spaces;
            out.push(col);
            rest = &after[spaces..];
        }
        out
    };
    let index = lines.iter().rposition(|(start, _, _)| *start <= offset)?;
    for i in [index, index.checked_sub(1)?] {
        let (start, _, line) = lines[i];
        let n = indent(line);
        if n == 0 || line[n..].starts_with(['"', '\'', '|', '>', ']', '}']) {
            continue;
        }
        // Walking up: a column is open while no line between is indented less.
        let mut open: Vec<(usize, usize)> = Vec::new();
        let mut lowest = usize::MAX;
        for &(_, number, above) in lines[..i].iter().rev() {
            for c in columns(above).into_iter().rev() {
                if c <= lowest && !open.iter().any(|(o, _)| *o == c) {
                    open.push((c, number));
                }
            }
            lowest = lowest.min(indent(above));
            if lowest == 0 {
                break;
            }
        }
        if open.is_empty() || open.iter().any(|(c, _)| *c == n) {
            continue;
        }
        // Deeper than the line above, which opens a block (`key:`, `-`,
        // `key: |`): a child, however deep.
        let above = lines[..i].last().map_or("", |(_, _, l)| *l);
        let above_code = above.split(" #").next().unwrap_or(above).trim_end();
        let opens = above_code.ends_with(':')
            || above_code.ends_with('-')
            || above_code.ends_with(['|', '>'])
            || above_code.ends_with("|-")
            || above_code.ends_with(">-");
        if opens && n > indent(above) {
            continue;
        }
        // The closest column; on a tie, the nearer line's.
        let (siblings, sibling_line) = open
            .iter()
            .copied()
            .min_by_key(|(c, line)| (c.abs_diff(n), usize::MAX - line))?;
        return Some(Misindented {
            offset: start + n,
            indent: n,
            siblings,
            sibling_line,
        });
    }
    None
}

/// Files longer than this get libyaml's words alone (the scan is linear,
/// but an error needs no second pass over megabytes).
const MAX_INDENT_SCAN: usize = 1 << 20;

fn tab_near(text: &str, offset: usize) -> bool {
    // Byte slicing only: the offset need not fall on a character boundary.
    let bytes = text.as_bytes();
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let mut indentation = bytes[line_start..]
        .iter()
        .copied()
        .take_while(|b| matches!(b, b' ' | b'\t'));
    bytes.get(offset) == Some(&b'\t') || indentation.any(|b| b == b'\t')
}

/// serde_yaml's alias budget: at most this many alias expansions per event
/// (node start, end or scalar) of the document.
pub const ALIAS_EXPANSIONS_PER_EVENT: u64 = 100;

/// Nodes all aliases of a document may expand to, together. serde_yaml's
/// own budget counts expansions, not what they expand to: a 500 KB file of
/// 100,000 aliases of one 100,000-item list stays within it and expands to
/// 10^10 nodes.
pub const MAX_ALIAS_NODES: u64 = 100_000;

/// Text all aliases of a document may expand to, together: a few aliases of
/// one long string stay within the node limit and still expand to
/// gigabytes. As much as the largest file privgate reads.
pub const MAX_ALIAS_BYTES: u64 = crate::load::tree::MAX_FILE_BYTES;

const ALIAS_HELP: &str = "write the values out instead of nesting anchors and aliases";

/// Which alias limit a document crosses.
enum AliasLimit {
    /// serde_yaml's, with the budget of this document when known.
    Expansions(Option<u64>),
    Nodes,
    Bytes,
}

impl AliasLimit {
    fn message(&self) -> String {
        match self {
            AliasLimit::Expansions(budget) => {
                let budget = budget.map_or(String::new(), |b| format!(", {b} for this file"));
                format!(
                    "YAML aliases expand beyond the limit of {ALIAS_EXPANSIONS_PER_EVENT} expansions per YAML node{budget} (a \"billion laughs\" document)"
                )
            }
            AliasLimit::Nodes => format!(
                "YAML aliases expand beyond the limit of {MAX_ALIAS_NODES} nodes (a \"billion laughs\" document)"
            ),
            AliasLimit::Bytes => format!(
                "YAML aliases expand beyond the limit of {} MiB of text (a \"billion laughs\" document)",
                MAX_ALIAS_BYTES / (1024 * 1024)
            ),
        }
    }
}

struct AliasCrossing {
    /// Byte offset of the alias whose expansion crosses the limit.
    offset: usize,
    limit: AliasLimit,
}

/// The first alias, in reading order, at which the document's aliases cross
/// a limit: serde_yaml's expansion budget, or `MAX_ALIAS_NODES`. Counts
/// without expanding anything. serde_yaml counts one expansion per alias it
/// meets, in place and again each time the anchored node holding it is
/// replayed. With `fallback` (serde_yaml has refused the document, so the
/// two parsers disagree if nothing crosses), the most expensive alias.
fn alias_check(text: &str, fallback: bool) -> Option<AliasCrossing> {
    use saphyr_parser::{Event, Parser};
    use std::collections::HashMap;

    /// What one alias of an anchor costs.
    #[derive(Clone, Copy, Default)]
    struct Cost {
        /// serde_yaml expansions: itself plus every alias inside the node.
        expansions: u64,
        /// Nodes it stands for, aliases inside expanded.
        nodes: u64,
        /// Scalar text it stands for, aliases inside expanded.
        bytes: u64,
    }
    impl Cost {
        fn add(&mut self, other: Cost) {
            self.expansions = self.expansions.saturating_add(other.expansions);
            self.nodes = self.nodes.saturating_add(other.nodes);
            self.bytes = self.bytes.saturating_add(other.bytes);
        }
    }

    let mut anchors: HashMap<usize, Cost> = HashMap::new();
    // Open collections: their anchor and what is inside so far.
    let mut open: Vec<(usize, Cost)> = Vec::new();
    // Every alias of the document in reading order: (char index, cost).
    let mut aliases: Vec<(usize, Cost)> = Vec::new();
    let mut events: u64 = 0;
    let mut parser = Parser::new_from_str(text);
    while let Some(Ok((event, span))) = parser.next_event() {
        match event {
            Event::StreamStart | Event::DocumentStart(_) | Event::DocumentEnd | Event::Nothing => {
                continue
            }
            Event::StreamEnd => break,
            _ => events += 1,
        }
        let node = match event {
            Event::Alias(anchor) => {
                let target = anchors.get(&anchor).copied().unwrap_or(Cost {
                    expansions: 0,
                    nodes: 1,
                    bytes: 0,
                });
                let c = Cost {
                    expansions: target.expansions.saturating_add(1),
                    nodes: target.nodes,
                    bytes: target.bytes,
                };
                aliases.push((span.start.index(), c));
                c
            }
            Event::Scalar(ref value, _, anchor, _) => {
                let c = Cost {
                    expansions: 0,
                    nodes: 1,
                    bytes: value.len() as u64,
                };
                if anchor != 0 {
                    anchors.insert(anchor, c);
                }
                c
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((
                    anchor,
                    Cost {
                        expansions: 0,
                        nodes: 1,
                        bytes: 0,
                    },
                ));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match open.pop() {
                Some((anchor, c)) => {
                    if anchor != 0 {
                        anchors.insert(anchor, c);
                    }
                    c
                }
                None => continue,
            },
            _ => continue,
        };
        if let Some((_, parent)) = open.last_mut() {
            parent.add(node);
        }
    }
    let budget = events.saturating_mul(ALIAS_EXPANSIONS_PER_EVENT);
    let mut total = Cost::default();
    for &(at, c) in &aliases {
        total.add(c);
        let limit = if total.expansions > budget {
            AliasLimit::Expansions(Some(budget))
        } else if total.nodes > MAX_ALIAS_NODES {
            AliasLimit::Nodes
        } else if total.bytes > MAX_ALIAS_BYTES {
            AliasLimit::Bytes
        } else {
            continue;
        };
        return Some(AliasCrossing {
            offset: byte_offset(text, at),
            limit,
        });
    }
    if !fallback {
        return None;
    }
    aliases
        .iter()
        .max_by_key(|(_, c)| c.expansions)
        .map(|&(at, _)| AliasCrossing {
            offset: byte_offset(text, at),
            limit: AliasLimit::Expansions(Some(budget)),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> Diagnostic {
        match parse("p.yaml", text.as_bytes().to_vec()) {
            Ok(_) => panic!("expected an error"),
            Err((_, d)) => d,
        }
    }

    #[test]
    fn an_error_at_the_end_of_the_file_points_after_its_last_character() {
        let text = "version: 1\ndatasets:\n  - categories: [user.name\n\n";
        let d = err(text);
        let end = text.trim_end().len();
        assert!(
            matches!(d.place, Place::Bytes { offset, .. } if offset == end),
            "{:?}",
            d.place
        );
    }

    #[test]
    fn aliases_of_long_text_are_refused_by_what_they_expand_to() {
        // Few nodes, but 3,000 copies of 4 KB: 12 MB of text.
        let long = "A".repeat(4096);
        let aliases = vec!["*a"; 3000].join(", ");
        let text = format!("version: 1\nx: &a \"{long}\"\ny: [{aliases}]\n");
        let d = err(&text);
        assert_eq!(d.code, "alias-expansion");
        assert!(d.message.contains("MiB of text"), "{}", d.message);
        // Within the limit, the same shape parses.
        let fine = format!("version: 1\nx: &a \"{long}\"\ny: [*a, *a]\n");
        assert!(parse("p.yaml", fine.into_bytes()).is_ok());
    }

    #[test]
    fn a_second_document_is_named_at_its_marker() {
        let text = "# header\n---\nversion: 1\n---\nversion: 1\n";
        let d = err(text);
        assert!(
            d.message.contains("more than one YAML document"),
            "{}",
            d.message
        );
        assert!(
            matches!(d.place, Place::Bytes { offset, .. } if offset == text.rfind("---").unwrap()),
            "{:?}",
            d.place
        );
    }

    #[test]
    fn old_mac_line_ends_count_as_lines() {
        let text = match parse("p.yaml", b"version: 1\rsystem:\r  id: a\r\n".to_vec()) {
            Ok(p) => p.text,
            Err((_, d)) => panic!("{}", d.message),
        };
        // Lone CRs become line feeds; a CRLF stays as it is.
        assert_eq!(text, "version: 1\nsystem:\n  id: a\r\n");
    }

    #[test]
    fn empty_and_comment_only_files_are_empty() {
        assert_eq!(err("").code, "empty-file");
        assert_eq!(err("# just a comment\n\n").code, "empty-file");
    }

    #[test]
    fn deep_nesting_is_refused_by_name() {
        let deep = "[".repeat(20_000) + &"]".repeat(20_000);
        let d = err(&deep);
        assert_eq!(d.code, "nesting-too-deep");
        assert!(d.message.contains("128"));
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
        let mut prev = "a";
        for n in names {
            let refs = vec![format!("*{prev}"); 9].join(",");
            text.push_str(&format!("{n}: &{n} [{refs}]\n"));
            prev = n;
        }
        assert_eq!(err(&text).code, "alias-expansion");
    }

    /// The replayed count agrees with serde_yaml on both sides of its limit.
    #[test]
    fn alias_count_matches_serde_yaml() {
        for width in 2..7 {
            for levels in 2..7 {
                let mut text = String::from("a0: &a0 [x]\n");
                for l in 1..levels {
                    let refs = vec![format!("*a{}", l - 1); width].join(", ");
                    text.push_str(&format!("a{l}: &a{l} [{refs}]\n"));
                }
                let rejected = serde_yaml::from_str::<serde_yaml::Value>(&text).is_err();
                let crossing = alias_check(&text, true).unwrap();
                let mut total = 0u64;
                let mut crossed = false;
                // Recount: crossing reports the first alias past the budget.
                let at = crossing.offset;
                let AliasLimit::Expansions(Some(budget)) = crossing.limit else {
                    panic!("expansions")
                };
                let cost_of = |level: usize| -> u64 {
                    (0..level).map(|i| (width as u64).pow(i as u32)).sum()
                };
                for l in 1..levels {
                    total += width as u64 * cost_of(l);
                    crossed |= total > budget;
                }
                assert_eq!(rejected, crossed, "width {width} levels {levels}");
                if rejected {
                    assert_eq!(&text[at..at + 2], "*a", "width {width} levels {levels}");
                }
            }
        }
    }

    #[test]
    fn alias_bomb_points_at_the_alias() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/broken/alias-bomb/privacy.yaml"
        ))
        .unwrap();
        let d = err(&text);
        assert_eq!(d.code, "alias-expansion");
        let Place::Bytes { offset, .. } = d.place else {
            panic!("{:?}", d.place)
        };
        assert_eq!(crate::span::line_col(&text, offset), (9, 8));
    }

    #[test]
    fn wide_alias_expansion_is_refused() {
        // Within serde_yaml's expansion budget, 10^10 nodes once expanded.
        let text = format!(
            "version: 1\na: &a [{}x]\nb: [{}*a]\n",
            "x,".repeat(100_000),
            "*a,".repeat(100_000)
        );
        let started = std::time::Instant::now();
        let d = err(&text);
        // A guard against the expansion going off (hours), not a timing target:
        // benches/hostile.py measures the time; a busy machine must not fail this.
        assert!(started.elapsed().as_secs() < 60);
        assert_eq!(d.code, "alias-expansion");
        assert!(d.message.contains("100000 nodes"), "{}", d.message);
        let Place::Bytes { offset, .. } = d.place else {
            panic!("{:?}", d.place)
        };
        // The list is 100,002 nodes: the first `*a` is already past the limit.
        assert_eq!(offset, text.find("*a").unwrap());
    }

    #[test]
    fn modest_aliases_are_fine() {
        let text = "version: 1\npii: &pii [user.contact.email, user.name]\nx: [*pii, *pii, *pii]\n";
        assert!(parse("p.yaml", text.as_bytes().to_vec()).is_ok());
    }

    #[test]
    fn a_misindented_line_is_explained_in_indentation() {
        let cases = [
            // (text, line indent, siblings, their line)
            ("version: 1\ndatasets:\n  - id: a\n   categories: [x]\n", 3, 4, 3),
            ("version: 1\ndatasets:\n  - id: a\n     categories: [x]\n", 5, 4, 3),
            ("version: 1\ndatasets:\n  - id: a\n    categories: [x]\n - id: b\n", 1, 2, 3),
            ("version: 1\nsystem:\n  id: a\n   name: b\n", 3, 2, 3),
            (
                "version: 1\ndatasets:\n  - id: a\n    retention:\n      period: P1Y\n     deletion: none\n",
                5,
                6,
                5,
            ),
        ];
        for (text, indent, siblings, line) in cases {
            let d = err(text);
            let want = format!(
                "this line is indented {indent} space{}; its siblings {siblings} (line {line})",
                if indent == 1 { "" } else { "s" }
            );
            assert!(d.message.contains(&want), "{text:?}: {}", d.message);
            assert!(
                d.help.as_deref().is_some_and(|h| h.contains("line up")),
                "{d:?}"
            );
        }
    }

    #[test]
    fn other_syntax_errors_keep_libyaml_words() {
        let d = err("version: 1\nsystem: [a, b\n");
        assert!(!d.message.contains("indented"), "{}", d.message);
        let d = err("version: 1\nsystem:\n  id: a: b\n");
        assert!(!d.message.contains("indented"), "{}", d.message);
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let d = err("version: 1\nversion: 1\n");
        assert_eq!(d.code, "yaml-syntax");
        assert!(d.message.contains("duplicate"), "{}", d.message);
        // Points at the second key, not at the start of the file.
        assert_eq!(d.place, Place::Bytes { offset: 11, len: 0 });
        let nested = "version: 1\ndatasets:\n  - id: a\n    name: b\n    name: c\n";
        let d = err(nested);
        assert_eq!(
            d.place,
            Place::Bytes {
                offset: nested.rfind("name").unwrap(),
                len: 0
            }
        );
    }
}
