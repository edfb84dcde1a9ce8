//! Maps places (JSON pointers into a YAML document) to byte ranges, lines and
//! columns. Built lazily, with a span-preserving parse (saphyr-parser), only
//! for files that have something to report; the fast path (serde_yaml) keeps
//! no positions.

use crate::diagnostic::Place;
use saphyr_parser::{Event, Parser, Span};
use std::collections::{HashMap, HashSet};

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
    /// char index -> byte offset conversion table (saphyr counts chars).
    line_starts: Vec<usize>,
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
            line_starts: line_starts(text),
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
            Place::LineCol { line, column } => token_at(text, *line, *column),
        };
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
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

/// Byte range of the token starting at a 1-based line and column (up to the
/// next `:`, `,`, `]`, `}` or end of line).
fn token_at(text: &str, line: usize, column: usize) -> (usize, usize) {
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
/// offsets).
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
}

/// Depth of the first index built for a file: enough for declaration ids.
const SHALLOW: usize = 3;

impl<'a> Locator<'a> {
    pub fn new(sources: &'a std::collections::BTreeMap<String, String>) -> Self {
        Locator {
            sources,
            known: None,
            cache: None,
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
        places
            .iter()
            .map(|place| {
                let (offset, len) = match place {
                    Place::File => (0, 0),
                    Place::Pointer {
                        pointer,
                        key: false,
                    } => known
                        .get(pointer)
                        .map(|(start, end)| (start, end - start))?,
                    _ => return None,
                };
                let (line, column) = line_col(text, offset);
                Some(Location {
                    offset,
                    len,
                    line,
                    column,
                })
            })
            .collect()
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
            .filter_map(|p| match p {
                Place::Pointer { pointer, .. } => Some(pointer.as_str()),
                _ => None,
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
        let Some(text) = self.sources.get(file) else {
            return Location::start();
        };
        if let Place::Bytes { .. } | Place::File | Place::LineCol { .. } = place {
            let (offset, len) = match place {
                Place::Bytes { offset, len } => ((*offset).min(text.len()), *len),
                Place::LineCol { line, column } => token_at(text, *line, *column),
                _ => (0, 0),
            };
            let (line, column) = line_col(text, offset);
            return Location {
                offset,
                len,
                line,
                column,
            };
        }
        let depth = match place {
            Place::Pointer { pointer, .. } => pointer.matches('/').count(),
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

    #[test]
    fn non_ascii_offsets_are_bytes() {
        let text = "a: \"é\"\nb: x\n";
        let idx = PointerIndex::build(text);
        let loc = idx.locate(text, &Place::value("/b"));
        assert_eq!((loc.line, loc.column), (2, 4));
        assert_eq!(&text[loc.offset..loc.offset + loc.len], "x");
    }
}
