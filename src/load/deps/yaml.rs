//! `pubspec.yaml` (pub), read from saphyr-parser's events, whose markers
//! give each key's line and column. `dependencies` and `dev_dependencies`
//! are read; an entry whose value names an `sdk` (`flutter: {sdk: flutter}`)
//! is part of the SDK, not a package.

use super::{Dependency, Ecosystem, Malformed};
use saphyr_parser::{Event, Parser, ScalarStyle};

const SECTIONS: [&str; 2] = ["dependencies", "dev_dependencies"];

#[derive(Default)]
struct Frame {
    map: bool,
    awaiting_key: bool,
    /// The last key read in this mapping, with its 1-based line and column.
    key: Option<(String, usize, usize)>,
    /// This mapping is a `dependencies` section.
    section: bool,
    /// This mapping is the value of a section's entry: the entry, and
    /// whether an `sdk` key was seen.
    entry: Option<((String, usize, usize), bool)>,
}

pub(super) fn pubspec(text: &str) -> Result<Vec<Dependency>, Malformed> {
    let mut deps = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut documents = 0;
    let push = |deps: &mut Vec<Dependency>, (name, line, column): (String, usize, usize)| {
        deps.push(Dependency {
            ecosystem: Ecosystem::Pub,
            name,
            line,
            column,
        });
    };
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| Malformed {
            line: e.marker().line().max(1),
            column: e.marker().col() + 1,
            message: e.info().to_string(),
        })?;
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    break;
                }
            }
            Event::Scalar(value, style, _, _) => {
                let Some(top) = stack.last_mut() else {
                    continue;
                };
                if top.map && top.awaiting_key {
                    let quoted =
                        matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted);
                    let column = span.start.col() + 1 + usize::from(quoted);
                    if let Some((_, sdk)) = top.entry.as_mut() {
                        *sdk |= value == "sdk";
                    }
                    top.key = Some((value.into_owned(), span.start.line(), column));
                    top.awaiting_key = false;
                } else {
                    if top.section {
                        push(&mut deps, top.key.take().unwrap_or_default());
                    }
                    top.awaiting_key = true;
                }
            }
            Event::Alias(_) => {
                if let Some(top) = stack.last_mut() {
                    if top.section && !top.awaiting_key {
                        push(&mut deps, top.key.take().unwrap_or_default());
                    }
                    top.awaiting_key = true;
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let map = matches!(event, Event::MappingStart(..));
                let mut frame = Frame {
                    map,
                    awaiting_key: true,
                    ..Frame::default()
                };
                let depth = stack.len();
                if let Some(parent) = stack.last_mut() {
                    if depth == 1 {
                        frame.section = map
                            && parent
                                .key
                                .as_ref()
                                .is_some_and(|(k, _, _)| SECTIONS.contains(&k.as_str()));
                    } else if parent.section && map {
                        frame.entry = parent.key.take().map(|k| (k, false));
                    }
                    parent.awaiting_key = true;
                }
                stack.push(frame);
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(Frame {
                    entry: Some((entry, sdk)),
                    ..
                }) = stack.pop()
                {
                    if !sdk {
                        push(&mut deps, entry);
                    }
                }
            }
            Event::StreamEnd => break,
            _ => {}
        }
    }
    deps.retain(|d| !d.name.is_empty());
    Ok(deps)
}

#[cfg(test)]
mod tests {
    use crate::load::deps::tests::located;
    use crate::load::deps::{parse, WarningKind};

    #[test]
    fn pubspec_reads_both_sections_and_skips_sdk_entries() {
        let text = "\
name: shop
environment:
  sdk: '>=3.0.0 <4.0.0'
dependencies:
  flutter:
    sdk: flutter
  flutter_stripe: ^10.1.0
  'sentry_flutter': ^7.0.0
  firebase_core:
    version: ^2.24.0
  local_pkg:
    path: ../local_pkg
  bare:
dev_dependencies:
  flutter_test:
    sdk: flutter
  mockito: ^5.4.0
flutter:
  uses-material-design: true
";
        let deps = parse("app/pubspec.yaml", text.as_bytes()).unwrap();
        assert_eq!(
            located(&deps),
            [
                ("flutter_stripe", 7, 3),
                ("sentry_flutter", 8, 4),
                ("firebase_core", 9, 3),
                ("local_pkg", 11, 3),
                ("bare", 13, 3),
                ("mockito", 17, 3),
            ]
        );
    }

    #[test]
    fn yaml_that_does_not_parse_is_malformed_at_its_place() {
        let warning = parse("pubspec.yaml", b"dependencies:\n  a: [1,\n").unwrap_err();
        assert_eq!(warning.kind, WarningKind::Malformed);
        assert!(warning.line >= 2, "{warning}");
    }
}
