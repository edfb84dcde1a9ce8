//! Mutations of a file's bytes: byte flips, truncation, duplicated and
//! deleted lines, deep nesting, huge scalars, random unicode, invalid
//! UTF-8, YAML anchors and aliases ("billion laughs" too), tabs and CRLF.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};

#[derive(Clone, Debug)]
pub enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    Truncate(Index),
    DuplicateLine(Index, u8),
    DeleteLine(Index),
    SwapLines(Index, Index),
    Insert(Index, String),
    InvalidUtf8(Index),
    /// Replaces a line's value with `depth` nested flow lists or maps, or
    /// block mappings.
    DeepNest(Index, usize, u8),
    /// Replaces a line's value with a scalar of `len` bytes.
    HugeScalar(Index, usize, char),
    /// Anchors one line's value and aliases it from another.
    AnchorAlias(Index, Index),
    /// Adds a merge key `<<: *a` under a line, or an alias no anchor defines.
    MergeKey(Index, bool),
    /// Puts a "billion laughs" document in front (`levels` of ten aliases).
    BillionLaughs(u8),
    /// Tabs for the indentation of one line (or of every line).
    Tabs(Option<Index>),
    Crlf,
    Bom,
}

/// Text YAML, CEL and privgate treat specially.
const SNIPPETS: &[&str] = &[
    "\u{0}",
    "\u{feff}",
    "\u{202e}",
    "\u{85}",
    "\u{2028}",
    "\r",
    "\t",
    "\u{1F600}",
    "e\u{301}",
    "\u{10FFFF}",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "%TAG ! tag:x,2000:\n",
    "!!binary ",
    "!!python/object:os.system ",
    "!custom ",
    "? ",
    ": ",
    "- ",
    "&a ",
    "*a",
    "<<: *a\n",
    "|\n",
    ">-\n",
    "'",
    "\"",
    "\\",
    "#",
    "{",
    "}",
    "[",
    "]",
    ",",
    "~",
    "0x7fffffffffffffffff",
    "-.inf",
    ".nan",
    "1e99999",
    "2026-02-30",
    "P99999999999999Y",
    "version: 1\n",
    "version: 2\n",
    "  ",
];

fn unicode() -> impl Strategy<Value = String> {
    prop_oneof![
        select(SNIPPETS).prop_map(String::from),
        vec(any::<char>(), 1..8).prop_map(|c| c.into_iter().collect()),
        "\\PC{1,8}".prop_map(String::from),
    ]
}

/// Huge-scalar sizes: up to 2 MB by default; with PRIVGATE_FUZZ_BIG
/// (release campaigns) also just under and over the 10 MiB file limit.
fn huge_len() -> BoxedStrategy<usize> {
    let big = std::env::var_os("PRIVGATE_FUZZ_BIG").is_some();
    if big {
        prop_oneof![
            4 => 1usize..100_000,
            2 => Just(1_000_000usize),
            1 => Just(10 * 1024 * 1024 - 4096),
            1 => Just(10 * 1024 * 1024 + 1),
        ]
        .boxed()
    } else {
        prop_oneof![
            6 => 1usize..100_000,
            1 => Just(1_000_000usize),
            1 => Just(2_000_000usize),
        ]
        .boxed()
    }
}

pub fn mutation() -> BoxedStrategy<Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::SetByte(i, b)),
        2 => any::<Index>().prop_map(Mutation::Truncate),
        2 => (any::<Index>(), 1u8..4).prop_map(|(i, n)| Mutation::DuplicateLine(i, n)),
        2 => any::<Index>().prop_map(Mutation::DeleteLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        3 => (any::<Index>(), unicode()).prop_map(|(i, s)| Mutation::Insert(i, s)),
        1 => any::<Index>().prop_map(Mutation::InvalidUtf8),
        2 => (any::<Index>(), prop_oneof![1usize..200, 100usize..5000], 0u8..3)
            .prop_map(|(i, d, s)| Mutation::DeepNest(i, d, s)),
        1 => (any::<Index>(), huge_len(), select(&['x', 'é', ' ', '\'', '{', '\n', '\u{1F600}'][..]))
            .prop_map(|(i, n, c)| Mutation::HugeScalar(i, n, c)),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::AnchorAlias(a, b)),
        1 => (any::<Index>(), any::<bool>()).prop_map(|(i, b)| Mutation::MergeKey(i, b)),
        1 => (1u8..10).prop_map(Mutation::BillionLaughs),
        1 => proptest::option::of(any::<Index>()).prop_map(Mutation::Tabs),
        1 => Just(Mutation::Crlf),
        1 => Just(Mutation::Bom),
    ]
    .boxed()
}

fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// The byte offset where a line's value starts (after `key: ` or `- `),
/// else the line's end.
fn value_start(line: &[u8]) -> usize {
    let text = String::from_utf8_lossy(line);
    if let Some(i) = text.find(": ") {
        return i + 2;
    }
    let trimmed = text.len() - text.trim_start().len();
    if text[trimmed..].starts_with("- ") {
        return trimmed + 2;
    }
    line.len() - usize::from(line.ends_with(b"\n"))
}

fn replace_value(line: &mut Vec<u8>, value: &[u8]) {
    let start = value_start(line).min(line.len());
    line.truncate(start);
    line.extend_from_slice(value);
    line.push(b'\n');
}

pub fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len();
    match m {
        Mutation::FlipBit(i, bit) if len > 0 => bytes[i.index(len)] ^= 1 << bit,
        Mutation::SetByte(i, b) if len > 0 => bytes[i.index(len)] = *b,
        Mutation::Truncate(i) if len > 0 => bytes.truncate(i.index(len)),
        Mutation::Insert(i, s) => {
            let at = i.index(len + 1);
            bytes.splice(at..at, s.bytes());
        }
        Mutation::InvalidUtf8(i) => {
            let at = i.index(len + 1);
            bytes.splice(at..at, [0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]);
        }
        Mutation::BillionLaughs(levels) => {
            let mut doc =
                String::from("lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
            for l in 1..=*levels {
                let prev = l - 1;
                doc.push_str(&format!(
                    "lol{l}: &l{l} [{}]\n",
                    vec![format!("*l{prev}"); 10].join(", ")
                ));
            }
            bytes.splice(0..0, doc.into_bytes());
        }
        Mutation::Crlf => {
            *bytes = String::from_utf8_lossy(bytes)
                .replace('\n', "\r\n")
                .into_bytes();
        }
        Mutation::Bom => {
            bytes.splice(0..0, "\u{feff}".bytes());
        }
        Mutation::Tabs(None) => {
            let mut out = Vec::with_capacity(len);
            for line in lines(bytes) {
                let indent = line.iter().take_while(|&&b| b == b' ').count();
                out.extend(std::iter::repeat_n(b'\t', indent / 2));
                out.extend_from_slice(&line[indent..]);
            }
            *bytes = out;
        }
        _ => {
            let mut ls = lines(bytes);
            if ls.is_empty() {
                return;
            }
            let n = ls.len();
            match m {
                Mutation::DuplicateLine(i, times) => {
                    let at = i.index(n);
                    for _ in 0..*times {
                        let line = ls[at].clone();
                        ls.insert(at, line);
                    }
                }
                Mutation::DeleteLine(i) => {
                    ls.remove(i.index(n));
                }
                Mutation::SwapLines(a, b) => ls.swap(a.index(n), b.index(n)),
                Mutation::DeepNest(i, depth, style) => {
                    let at = i.index(n);
                    let value = match style {
                        0 => format!("{}{}", "[".repeat(*depth), "]".repeat(*depth)),
                        1 => format!("{}1{}", "{a: ".repeat(*depth), "}".repeat(*depth)),
                        _ => {
                            let mut s = String::from("\n");
                            for d in 1..=*depth.min(&1000) {
                                s.push_str(&" ".repeat(d));
                                s.push_str("k:\n");
                            }
                            s.pop();
                            s
                        }
                    };
                    replace_value(&mut ls[at], value.as_bytes());
                }
                Mutation::HugeScalar(i, size, c) => {
                    let at = i.index(n);
                    let mut value = String::with_capacity(*size + 4);
                    let quoted = matches!(c, '\'' | '{' | '\n');
                    if quoted {
                        value.push('"');
                    }
                    while value.len() < *size {
                        value.push(*c);
                    }
                    if quoted {
                        value.push('"');
                    }
                    replace_value(&mut ls[at], value.as_bytes());
                }
                Mutation::AnchorAlias(a, b) => {
                    let (a, b) = (a.index(n), b.index(n));
                    let start = value_start(&ls[a]).min(ls[a].len());
                    ls[a].splice(start..start, b"&fz ".iter().copied());
                    replace_value(&mut ls[b], b"*fz");
                }
                Mutation::MergeKey(i, defined) => {
                    let at = i.index(n);
                    let indent = ls[at].iter().take_while(|&&b| b == b' ').count() + 2;
                    let alias = if *defined { "*fz" } else { "*undefined_anchor" };
                    let line = format!("{}<<: {alias}\n", " ".repeat(indent));
                    ls.insert(at + 1, line.into_bytes());
                }
                Mutation::Tabs(Some(i)) => {
                    let at = i.index(n);
                    let indent = ls[at].iter().take_while(|&&b| b == b' ').count();
                    let rest = ls[at][indent..].to_vec();
                    ls[at] = std::iter::repeat_n(b'\t', indent.max(1))
                        .chain(rest)
                        .collect();
                }
                _ => {}
            }
            *bytes = ls.concat();
        }
    }
}
