//! Places in a file (`Place`: a JSON pointer, a byte range, a line and
//! column) and how they map to byte ranges, lines and columns. Built lazily, with a span-preserving parse (saphyr-parser), only
//! for files that have something to report; the fast path (serde_yaml) keeps
//! no positions.

use saphyr_parser::{Event, Parser, Span};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Where in a file a diagnostic points.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Place {
    /// The whole file (line 1, column 1).
    File,
    /// A JSON pointer into the YAML document; `key` points at the mapping key
    /// rather than at its value (used for unknown fields).
    Pointer { pointer: String, key: bool },
    /// A byte offset with a length, when the parser already knows it.
    Bytes { offset: usize, len: usize },
    /// A 1-based line and column (findings already carry them).
    LineCol { line: usize, column: usize },
    /// The key of the field at `field` when the document has it, else the
    /// value at `or`: a finding at the field at fault, or at the
    /// declaration's id when the field is not written.
    FieldOr { field: String, or: String },
}

impl Place {
    pub fn value(pointer: impl Into<String>) -> Place {
        Place::Pointer {
            pointer: pointer.into(),
            key: false,
        }
    }
    pub fn key(pointer: impl Into<String>) -> Place {
        Place::Pointer {
            pointer: pointer.into(),
            key: true,
        }
    }
}

/// A resolved position: byte range plus 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub offset: usize,
    pub len: usize,
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// Line 1, column 1.
    pub fn start() -> Location {
        Location {
            offset: 0,
            len: 0,
            line: 1,
            column: 1,
        }
    }
}

/// A byte range: (start, end).
type Range = (usize, usize);

/// Where a file's declaration ids are (value byte ranges by JSON pointer),
/// noted while parsing: findings point at ids, so most files with findings
/// need not be read again to locate them. Small: ids only.
#[derive(Debug, Default, Clone)]
pub struct KnownSpans(Vec<(Box<str>, u32, u32)>);

impl KnownSpans {
    pub fn insert(&mut self, pointer: String, start: usize, end: usize) {
        if let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(end)) {
            self.0.push((pointer.into_boxed_str(), start, end));
        }
    }

    /// Sorts by pointer, for `get`; call once all are inserted.
    pub fn seal(&mut self) {
        self.0.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    }

    /// The value range at `pointer` (after `seal`).
    pub fn get(&self, pointer: &str) -> Option<Range> {
        let i = self
            .0
            .binary_search_by(|(p, _, _)| (**p).cmp(pointer))
            .ok()?;
        let (_, start, end) = self.0[i];
        Some((start as usize, end as usize))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Every node of one document, by JSON pointer.
#[derive(Debug, Default)]
pub struct PointerIndex {
    /// pointer -> (key span if the node is a mapping value, value span)
    nodes: HashMap<String, (Option<Range>, Range)>,
    lines: LineIndex,
    text_len: usize,
}

enum Frame {
    Map {
        key: Option<(String, (usize, usize))>,
    },
    Seq {
        next: usize,
    },
}

impl PointerIndex {
    pub fn build(text: &str) -> PointerIndex {
        Self::build_to_depth(text, usize::MAX)
    }

    /// Indexes only nodes at most `max_depth` levels deep (findings point at
    /// `/purposes/3/id`, depth 3), which skips most pointer strings.
    pub fn build_to_depth(text: &str, max_depth: usize) -> PointerIndex {
        Self::build_until(text, max_depth, None)
    }

    /// `build_to_depth`, stopping once every pointer of `wanted` is indexed:
    /// a file is read no further than its last finding.
    pub fn build_until(
        text: &str,
        max_depth: usize,
        wanted: Option<&HashSet<&str>>,
    ) -> PointerIndex {
        let mut missing = wanted.map_or(usize::MAX, HashSet::len);
        let chars_to_bytes = CharMap::new(text);
        let mut index = PointerIndex {
            lines: LineIndex::new(text),
            text_len: text.len(),
            ..Default::default()
        };
        let mut stack: Vec<(String, Frame)> = Vec::new();
        let mut parser = Parser::new_from_str(text);
        while let Some(Ok((event, span))) = parser.next_event() {
            let range = chars_to_bytes.range(span);
            match event {
                _ if stack.len() > max_depth => match event {
                    Event::MappingStart(..) => stack.push((String::new(), Frame::Seq { next: 0 })),
                    Event::SequenceStart(..) => stack.push((String::new(), Frame::Seq { next: 0 })),
                    Event::MappingEnd | Event::SequenceEnd => {
                        stack.pop();
                    }
                    _ => {}
                },
                Event::Scalar(value, ..) => {
                    if let Some((_, Frame::Map { key })) = stack.last_mut() {
                        if key.is_none() {
                            *key = Some((value.into_owned(), range));
                            continue;
                        }
                    }
                    let pointer = index.record(&mut stack, range);
                    if found(wanted, &pointer, &mut missing) {
                        break;
                    }
                }
                Event::Alias(_) => {
                    let pointer = index.record(&mut stack, range);
                    if found(wanted, &pointer, &mut missing) {
                        break;
                    }
                }
                Event::MappingStart(..) => {
                    let pointer = index.record(&mut stack, range);
                    if found(wanted, &pointer, &mut missing) {
                        break;
                    }
                    stack.push((pointer, Frame::Map { key: None }));
                }
                Event::SequenceStart(..) => {
                    let pointer = index.record(&mut stack, range);
                    if found(wanted, &pointer, &mut missing) {
                        break;
                    }
                    stack.push((pointer, Frame::Seq { next: 0 }));
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                Event::StreamEnd => break,
                _ => {}
            }
        }
        index
    }

    /// Records a node at the current position and returns its pointer.
    fn record(&mut self, stack: &mut [(String, Frame)], range: (usize, usize)) -> String {
        let (pointer, key_span) = match stack.last_mut() {
            None => (String::new(), None),
            Some((parent, Frame::Seq { next })) => {
                let p = format!("{parent}/{next}");
                *next += 1;
                (p, None)
            }
            Some((parent, Frame::Map { key })) => match key.take() {
                Some((k, span)) => (format!("{parent}/{}", escape(&k)), Some(span)),
                None => (parent.clone(), None),
            },
        };
        self.nodes
            .entry(pointer.clone())
            .or_insert((key_span, range));
        pointer
    }

    /// Resolves a place; falls back to the nearest ancestor that exists, so a
    /// missing field points at the object that should hold it.
    pub fn locate(&self, text: &str, place: &Place) -> Location {
        let (offset, len) = match place {
            Place::File => (0, 0),
            Place::Bytes { offset, len } => ((*offset).min(self.text_len), *len),
            Place::Pointer { pointer, key } => self.find(pointer, *key),
            Place::FieldOr { field, or } => match self.nodes.get(field.as_str()) {
                Some((key, value)) => {
                    let (start, end) = key.unwrap_or(*value);
                    (start, end.saturating_sub(start))
                }
                None => self.find(or, false),
            },
            Place::LineCol { line, column } => token_at(text, &self.lines, *line, *column),
        };
        let (line, column) = self.lines.line_col_or_bytes(text, offset);
        Location {
            offset,
            len,
            line,
            column,
        }
    }

    fn find(&self, pointer: &str, want_key: bool) -> (usize, usize) {
        let mut p = pointer;
        loop {
            if let Some((key, value)) = self.nodes.get(p) {
                let (start, end) = match (want_key, key) {
                    (true, Some(k)) => *k,
                    // An object that is missing a field: point at its key, if any.
                    _ if p != pointer => key.unwrap_or(*value),
                    _ => *value,
                };
                return (start, end.saturating_sub(start));
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return (0, 0),
            }
        }
    }
}

/// Whether `pointer` was the last of `wanted` still missing. Pointers are
/// recorded once each, so counting down is exact.
fn found(wanted: Option<&HashSet<&str>>, pointer: &str, missing: &mut usize) -> bool {
    if wanted.is_some_and(|w| w.contains(pointer)) {
        *missing -= 1;
        return *missing == 0;
    }
    false
}

/// Byte offset of the first key that repeats a key of the same mapping.
pub fn duplicate_key(text: &str) -> Option<usize> {
    let chars_to_bytes = CharMap::new(text);
    // Per open collection: the keys seen so far (mappings only) and whether
    // the next scalar is a key.
    let mut stack: Vec<Option<(std::collections::HashSet<String>, bool)>> = Vec::new();
    let mut parser = Parser::new_from_str(text);
    while let Some(Ok((event, span))) = parser.next_event() {
        let is_key = matches!(stack.last(), Some(Some((_, true))));
        if let Some(Some((_, expect_key))) = stack.last_mut() {
            *expect_key = !*expect_key;
        }
        match event {
            Event::Scalar(value, ..) if is_key => {
                if let Some(Some((keys, _))) = stack.last_mut() {
                    if !keys.insert(value.into_owned()) {
                        return Some(chars_to_bytes.range(span).0);
                    }
                }
            }
            Event::MappingStart(..) => stack.push(Some((Default::default(), true))),
            Event::SequenceStart(..) => stack.push(None),
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                // The collection just closed was a value: the parent's next
                // scalar is a key again (already toggled when it opened).
            }
            Event::StreamEnd => break,
            _ => {}
        }
    }
    None
}

/// Byte offset of the start of every line.
fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    starts
}

/// Bytes per entry of `LineIndex::chars`: a column costs counting at most
/// this many bytes, however long its line.
const CHUNK: usize = 256;

/// Lines and characters of one text, so that locating k places in n bytes
/// costs O(n + k log n) rather than a scan from the start for each (which
/// made 30,000 findings in one file take minutes). Only valid for the text
/// it was built from. Lines end at `\n` only: a `\r` is a character.
#[derive(Debug, Default)]
pub struct LineIndex {
    /// Byte offset of the start of every line.
    starts: Vec<usize>,
    /// Characters before every CHUNK-th byte; none for ASCII text, where a
    /// byte is a character.
    chars: Option<Vec<usize>>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let chars = (!text.is_ascii()).then(|| {
            let mut before = vec![0];
            for chunk in text.as_bytes().chunks(CHUNK) {
                before.push(before[before.len() - 1] + char_starts(chunk));
            }
            before
        });
        LineIndex {
            starts: line_starts(text),
            chars,
        }
    }

    /// 1-based line of a byte offset, and the byte offset where it starts.
    fn line(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        (line, self.starts[line - 1])
    }

    /// Byte offset where a 1-based line starts; the end of the text past
    /// the last line.
    fn line_start(&self, text: &str, line: usize) -> usize {
        let i = line.saturating_sub(1);
        self.starts.get(i).copied().unwrap_or(text.len())
    }

    /// Characters in `text[..offset]`, counting a character cut by `offset`
    /// as one (as `String::from_utf8_lossy` does: one U+FFFD for it).
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        match &self.chars {
            None => offset,
            Some(before) => {
                let chunk = offset / CHUNK;
                before[chunk] + char_starts(&text.as_bytes()[chunk * CHUNK..offset])
            }
        }
    }

    /// Byte offset of the character numbered `n` (from 0), or the end of
    /// the text if it has fewer.
    fn char_offset(&self, text: &str, n: usize) -> usize {
        let Some(before) = &self.chars else {
            return n.min(text.len());
        };
        // The last chunk starting at or before it (every chunk holds a
        // character start: characters are at most 4 bytes).
        let chunk = before.partition_point(|&c| c <= n) - 1;
        let from = (chunk * CHUNK).min(text.len());
        let mut count = before[chunk];
        for (i, &b) in text.as_bytes()[from..].iter().enumerate() {
            if starts_char(b) {
                if count == n {
                    return from + i;
                }
                count += 1;
            }
        }
        text.len()
    }

    /// What `line_col` gives, without reading the text before the line.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let (line, start) = self.line(offset);
        let column = self.chars_before(text, offset) - self.chars_before(text, start) + 1;
        (line, column)
    }

    /// `line_col`, but an offset inside a character (or past the end) counts
    /// bytes from the line start: `PointerIndex::locate` always has.
    fn line_col_or_bytes(&self, text: &str, offset: usize) -> (usize, usize) {
        if text.is_char_boundary(offset) {
            return self.line_col(text, offset);
        }
        let (line, start) = self.line(offset);
        (line, offset - start + 1)
    }
}

/// How many characters start in `bytes`.
fn char_starts(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| starts_char(b)).count()
}

/// Whether a UTF-8 byte starts a character (is not a continuation byte,
/// 0b10xxxxxx).
fn starts_char(b: u8) -> bool {
    (b as i8) >= -0x40
}

/// Byte range of the token starting at a 1-based line and column (up to the
/// next `:`, `,`, `]`, `}` or end of line).
fn token_at(text: &str, lines: &LineIndex, line: usize, column: usize) -> (usize, usize) {
    let start = lines.line_start(text, line);
    // The column may run past the line's end, into the next lines (as
    // counting characters from the line start always has).
    let n = lines
        .chars_before(text, start)
        .saturating_add(column.saturating_sub(1));
    let offset = lines.char_offset(text, n);
    let len = text[offset..]
        .find([':', ',', ']', '}', '\n'])
        .unwrap_or(text.len() - offset);
    (offset, len)
}

/// JSON pointer escaping (RFC 6901).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Converts saphyr's character indices to byte offsets.
struct CharMap {
    /// Byte offset of every char, only when the text is not ASCII.
    offsets: Option<Vec<usize>>,
    len: usize,
}

impl CharMap {
    fn new(text: &str) -> CharMap {
        let offsets = (!text.is_ascii()).then(|| text.char_indices().map(|(i, _)| i).collect());
        CharMap {
            offsets,
            len: text.len(),
        }
    }
    fn byte(&self, char_index: usize) -> usize {
        match &self.offsets {
            None => char_index.min(self.len),
            Some(o) => o.get(char_index).copied().unwrap_or(self.len),
        }
    }
    fn range(&self, span: Span) -> (usize, usize) {
        (self.byte(span.start.index()), self.byte(span.end.index()))
    }
}

/// 1-based line and column of a byte offset (for parser errors that report
/// offsets). Reads the text up to the offset: for many offsets of one text,
/// `LineIndex::line_col`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Locates places in any file of a run, building each file's index on first
/// use only.
pub struct Locator<'a> {
    sources: &'a std::collections::BTreeMap<String, String>,
    /// Ids noted while parsing, when the caller has them.
    known: Option<&'a std::collections::BTreeMap<String, KnownSpans>>,
    /// The last file's index and the depth it covers. One file at a time:
    /// callers visit places file by file, and 10,000 cached indexes would
    /// cost more memory than rebuilding the rare revisited one.
    cache: Option<(String, usize, PointerIndex)>,
    /// Line indexes of the files located by offset or line. All kept: they
    /// are small, and diagnostics may alternate between files.
    lines: HashMap<&'a str, LineIndex>,
}

/// Depth of the first index built for a file: enough for declaration ids.
const SHALLOW: usize = 3;

impl<'a> Locator<'a> {
    pub fn new(sources: &'a std::collections::BTreeMap<String, String>) -> Self {
        Locator {
            sources,
            known: None,
            cache: None,
            lines: HashMap::new(),
        }
    }

    /// Also answers from the ids noted while parsing.
    pub fn with_known(mut self, known: &'a std::collections::BTreeMap<String, KnownSpans>) -> Self {
        self.known = Some(known);
        self
    }

    /// Every place from the noted ids, when all of them are ids or the file.
    fn locate_known(&self, file: &str, text: &str, places: &[Place]) -> Option<Vec<Location>> {
        let known = self.known?.get(file)?;
        let ranges = places
            .iter()
            .map(|place| match place {
                Place::File => Some((0, 0)),
                Place::Pointer {
                    pointer,
                    key: false,
                } => known.get(pointer).map(|(start, end)| (start, end - start)),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        // One index for all: a file may have tens of thousands of findings.
        let lines = LineIndex::new(text);
        let locations = ranges
            .into_iter()
            .map(|(offset, len)| {
                let (line, column) = lines.line_col(text, offset);
                Location {
                    offset,
                    len,
                    line,
                    column,
                }
            })
            .collect();
        Some(locations)
    }

    pub fn source(&self, file: &str) -> Option<&'a str> {
        self.sources.get(file).map(String::as_str)
    }

    /// Every place of one file, reading the file only as far as the last
    /// of them (findings: one call per file). Not cached.
    pub fn locate_all(&self, file: &str, places: &[Place]) -> Vec<Location> {
        let Some(text) = self.sources.get(file) else {
            return places.iter().map(|_| Location::start()).collect();
        };
        if let Some(found) = self.locate_known(file, text, places) {
            return found;
        }
        let pointers: HashSet<&str> = places
            .iter()
            .flat_map(|p| match p {
                Place::Pointer { pointer, .. } => vec![pointer.as_str()],
                Place::FieldOr { field, or } => vec![field.as_str(), or.as_str()],
                _ => Vec::new(),
            })
            .collect();
        let depth = pointers
            .iter()
            .map(|p| p.matches('/').count())
            .max()
            .unwrap_or(0);
        let max_depth = if depth > SHALLOW { usize::MAX } else { SHALLOW };
        let index = PointerIndex::build_until(text, max_depth, Some(&pointers));
        places.iter().map(|p| index.locate(text, p)).collect()
    }

    /// Line 1, column 1 when the file's text is not known.
    pub fn locate(&mut self, file: &str, place: &Place) -> Location {
        let Some((name, text)) = self.sources.get_key_value(file) else {
            return Location::start();
        };
        if let Place::File = place {
            // No index needed for the start of the file.
            return Location::start();
        }
        if let Place::Bytes { .. } | Place::LineCol { .. } = place {
            let lines = self
                .lines
                .entry(name.as_str())
                .or_insert_with(|| LineIndex::new(text));
            let (offset, len) = match place {
                Place::Bytes { offset, len } => ((*offset).min(text.len()), *len),
                Place::LineCol { line, column } => token_at(text, lines, *line, *column),
                _ => (0, 0),
            };
            let (line, column) = lines.line_col(text, offset);
            return Location {
                offset,
                len,
                line,
                column,
            };
        }
        let depth = match place {
            Place::Pointer { pointer, .. } => pointer.matches('/').count(),
            Place::FieldOr { field, or } => field.matches('/').count().max(or.matches('/').count()),
            _ => 0,
        };
        let stale = match &self.cache {
            Some((cached, covered, _)) => cached != file || depth > *covered,
            None => true,
        };
        if stale {
            let index = if depth > SHALLOW {
                (usize::MAX, PointerIndex::build(text))
            } else {
                (SHALLOW, PointerIndex::build_to_depth(text, SHALLOW))
            };
            self.cache = Some((file.to_string(), index.0, index.1));
        }
        match &self.cache {
            Some((_, _, index)) => index.locate(text, place),
            None => PointerIndex::build(text).locate(text, place),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_and_values() {
        let text = "version: 1\npurposes:\n  - id: a\n    lawfull_basis: x\n";
        let idx = PointerIndex::build(text);
        let loc = idx.locate(text, &Place::key("/purposes/0/lawfull_basis"));
        assert_eq!((loc.line, loc.column), (4, 5));
        let loc = idx.locate(text, &Place::value("/purposes/0/id"));
        assert_eq!((loc.line, loc.column), (3, 9));
        // Missing child falls back to its parent's key.
        let loc = idx.locate(text, &Place::value("/purposes/0/notice"));
        assert_eq!((loc.line, loc.column), (3, 5));
    }

    #[test]
    fn locating_many_places_at_once_matches_one_at_a_time() {
        let text = "version: 1\ndatasets:\n  - id: a\n    location: DE\n  - id: b\npurposes:\n  - id: p\n    risk: {large_scale: true}\n";
        let sources = std::collections::BTreeMap::from([("f.yaml".to_string(), text.to_string())]);
        let places = [
            Place::value("/datasets/1/id"),
            Place::value("/datasets/0/id"),
            Place::key("/purposes"),
            Place::value("/purposes/0/risk/large_scale"),
            Place::value("/purposes/0/missing"),
            Place::File,
        ];
        let all = Locator::new(&sources).locate_all("f.yaml", &places);
        let mut one = Locator::new(&sources);
        for (place, loc) in places.iter().zip(&all) {
            assert_eq!(*loc, one.locate("f.yaml", place), "{place:?}");
        }
        assert_eq!((all[0].line, all[0].column), (5, 9));
        // A file not read gives line 1.
        let unknown = Locator::new(&sources).locate_all("g.yaml", &places[..1]);
        assert_eq!(unknown, vec![Location::start()]);
    }

    /// Awkward texts for the line index; the long ones put multi-byte
    /// characters across CHUNK boundaries.
    fn awkward_texts() -> Vec<String> {
        let mut texts: Vec<String> = [
            "",
            "\n",
            "\n\n\n",
            "a",
            "a: 1\r\nb: 2\r\n",
            "a: 1\r\n\r\nb: 2",
            "lone\rcr\r\rx\n\r",
            "tab\there: \"é\"\n\t\tx: €𝄞\n",
            "no trailing newline: ü",
            "ends in two-byte é",
            "ends in four-byte 𝄞",
        ]
        .map(String::from)
        .to_vec();
        texts.push("é€𝄞x\r\n".repeat(100));
        texts.push(format!(
            "{}€ one long line {}",
            "a".repeat(CHUNK - 1),
            "𝄞".repeat(300)
        ));
        texts.push("x".repeat(3 * CHUNK));
        texts
    }

    /// How `PointerIndex::locate` found lines and columns before `LineIndex`.
    fn line_col_by_scan(text: &str, offset: usize) -> (usize, usize) {
        let starts = line_starts(text);
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let start = starts[line - 1];
        let column = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line, column)
    }

    /// How `token_at` found a token before `LineIndex`.
    fn token_at_by_scan(text: &str, line: usize, column: usize) -> (usize, usize) {
        let start: usize = text
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum();
        let start = start.min(text.len());
        let col: usize = text[start..]
            .chars()
            .take(column.saturating_sub(1))
            .map(char::len_utf8)
            .sum();
        let offset = (start + col).min(text.len());
        let len = text[offset..]
            .find([':', ',', ']', '}', '\n'])
            .unwrap_or(text.len() - offset);
        (offset, len)
    }

    #[test]
    fn line_index_matches_a_scan_at_every_offset() {
        for text in awkward_texts() {
            let lines = LineIndex::new(&text);
            // Every byte, inside characters too, and past the end.
            for offset in 0..=text.len() + 2 {
                assert_eq!(
                    lines.line_col(&text, offset),
                    line_col(&text, offset),
                    "{text:?} at {offset}"
                );
                assert_eq!(
                    lines.line_col_or_bytes(&text, offset),
                    line_col_by_scan(&text, offset),
                    "{text:?} at {offset}"
                );
            }
        }
    }

    #[test]
    fn line_index_finds_tokens_like_a_scan() {
        for text in awkward_texts() {
            let lines = LineIndex::new(&text);
            let last_line = text.matches('\n').count() + 3;
            // Columns up to past the end of the text.
            let last_column = text.chars().count() + 3;
            for line in 0..=last_line {
                for column in (0..=last_column).chain([usize::MAX]) {
                    assert_eq!(
                        token_at(&text, &lines, line, column),
                        token_at_by_scan(&text, line, column),
                        "{text:?} line {line} column {column}"
                    );
                }
            }
        }
    }

    #[test]
    fn locator_gives_the_same_place_for_offsets_lines_and_ids() {
        let text = "version: 1\r\npurposes:\r\n  - id: \"é€\"\r\n  - id: x\n";
        let sources = std::collections::BTreeMap::from([("f.yaml".to_string(), text.to_string())]);
        let offset = text.find('x').unwrap();
        let mut locator = Locator::new(&sources);
        let by_bytes = locator.locate("f.yaml", &Place::Bytes { offset, len: 1 });
        let by_line = locator.locate("f.yaml", &Place::LineCol { line: 4, column: 9 });
        let by_pointer = locator.locate("f.yaml", &Place::value("/purposes/1/id"));
        assert_eq!((by_bytes.line, by_bytes.column), (4, 9));
        assert_eq!(by_line, by_bytes);
        assert_eq!(by_pointer, by_bytes);
        let mut known = KnownSpans::default();
        known.insert("/purposes/1/id".to_string(), offset, offset + 1);
        known.seal();
        let known = std::collections::BTreeMap::from([("f.yaml".to_string(), known)]);
        let all = Locator::new(&sources)
            .with_known(&known)
            .locate_all("f.yaml", &[Place::value("/purposes/1/id"), Place::File]);
        assert_eq!(all, vec![by_bytes, Location::start()]);
    }

    #[test]
    fn non_ascii_offsets_are_bytes() {
        let text = "a: \"é\"\nb: x\n";
        let idx = PointerIndex::build(text);
        let loc = idx.locate(text, &Place::value("/b"));
        assert_eq!((loc.line, loc.column), (2, 4));
        assert_eq!(&text[loc.offset..loc.offset + loc.len], "x");
    }
}
