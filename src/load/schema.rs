//! The JSON Schemas in `schemas/`, embedded in the binary. They are the single
//! source of truth for what a manifest or config may contain; this module
//! validates documents against them and words each violation for a person:
//! which field, what was expected, what was found, and a near miss.

use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::span::Place;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;
use std::sync::OnceLock;

pub const MANIFEST: &str = include_str!("../../schemas/manifest.schema.json");
pub const CONFIG: &str = include_str!("../../schemas/config.schema.json");
pub const RULEPACK: &str = include_str!("../../schemas/rulepack.schema.json");
pub const REPORT: &str = include_str!("../../schemas/report.schema.json");

/// Schemas `privgate schema NAME` prints, by name.
pub fn by_name(name: &str) -> Option<&'static str> {
    match name {
        "manifest" => Some(MANIFEST),
        "config" => Some(CONFIG),
        "rulepack" => Some(RULEPACK),
        "report" => Some(REPORT),
        _ => None,
    }
}

pub const NAMES: [&str; 4] = ["manifest", "config", "rulepack", "report"];

/// Where `privgate init` writes the schemas, relative to the root, and
/// where `privgate schema --write` is told to refresh them.
pub const WRITTEN_DIR: &str = ".privgate/schemas";

/// The version of privgate whose schemas these are (`x-privgate-version`
/// in each): a written copy with an older one is stale.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `manifest.schema.json` for `manifest`.
pub fn file_name(name: &str) -> String {
    format!("{name}.schema.json")
}

/// Which schema a document is, by its `$id`
/// (`https://privgate.dev/schemas/manifest.schema.json` -> `manifest`).
pub fn name_of(document: &Value) -> Option<&'static str> {
    let id = document.get("$id")?.as_str()?;
    let file = id.rsplit('/').next()?;
    NAMES
        .into_iter()
        .find(|n| file.strip_suffix(".schema.json") == Some(*n))
}

/// Whether `bytes` are a JSON Schema privgate wrote (any version).
pub fn is_privgate_schema(bytes: &[u8]) -> bool {
    serde_json::from_slice::<Value>(bytes).is_ok_and(|d| {
        name_of(&d).is_some()
            && d["$id"]
                .as_str()
                .is_some_and(|id| id.starts_with("https://privgate.dev/"))
    })
}

/// A compiled schema and its source (for looking up allowed names).
pub struct Schema {
    document: Value,
    validator: Validator,
}

impl Schema {
    fn compile(text: &str) -> Schema {
        // The embedded schemas are tested; failing here is a build defect,
        // not bad user input.
        let document: Value = serde_json::from_str(text).expect("embedded schema is JSON");
        let validator = jsonschema::validator_for(&document).expect("embedded schema compiles");
        Schema {
            document,
            validator,
        }
    }

    pub fn manifest() -> &'static Schema {
        static S: OnceLock<Schema> = OnceLock::new();
        S.get_or_init(|| Schema::compile(MANIFEST))
    }

    pub fn rulepack() -> &'static Schema {
        static S: OnceLock<Schema> = OnceLock::new();
        S.get_or_init(|| Schema::compile(RULEPACK))
    }

    pub fn config() -> &'static Schema {
        static S: OnceLock<Schema> = OnceLock::new();
        S.get_or_init(|| Schema::compile(CONFIG))
    }

    /// Every violation in `instance`, as diagnostics for `path`.
    pub fn check(&self, path: &str, instance: &Value) -> Vec<Diagnostic> {
        if self.validator.is_valid(instance) {
            return Vec::new();
        }
        let mut out: Vec<Diagnostic> = self
            .validator
            .iter_errors(instance)
            .flat_map(|e| self.describe(path, &e))
            .collect();
        out.sort_by(|a, b| a.place.cmp(&b.place).then(a.message.cmp(&b.message)));
        out.dedup_by(|a, b| a.place == b.place && a.message == b.message);
        out
    }

    /// The schema node a keyword sits in (the parent of the failing keyword).
    fn node_of(&self, error: &ValidationError) -> Option<&Value> {
        let uri = error.absolute_keyword_location()?;
        let fragment = uri.fragment()?.as_str();
        let decoded = fragment.replace("%24", "$").replace("%25", "%");
        let parent = decoded.rsplit_once('/').map_or("", |(p, _)| p);
        self.document.pointer(parent)
    }

    fn describe(&self, path: &str, error: &ValidationError) -> Vec<Diagnostic> {
        let pointer = error.instance_path().as_str().to_string();
        let field = field_name(&pointer);
        let node = self.node_of(error);
        let expected = node
            .and_then(|n| n.get("x-expected"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let found = error.instance();
        let at = |d: Diagnostic, place: Place| d.at(path, place);

        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let allowed: Vec<&str> = node
                    .and_then(|n| n.get("properties"))
                    .and_then(Value::as_object)
                    .map(|m| m.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                unexpected
                    .iter()
                    .map(|key| {
                        let help = if key == "<<" {
                            // YAML 1.1's merge key; the YAML 1.2 parsers
                            // privgate uses read it as a plain key.
                            Some("merge keys (`<<: *anchor`) are not supported: write the fields out, or use an alias for a whole value".to_string())
                        } else {
                            did_you_mean(key, allowed.iter().copied()).or_else(|| {
                                (!allowed.is_empty())
                                    .then(|| format!("allowed here: {}", allowed.join(", ")))
                            })
                        };
                        at(
                            Diagnostic::error(
                                Code::UnknownField,
                                format!("unknown field `{key}` in {field}"),
                            ),
                            Place::key(format!("{pointer}/{}", crate::span::escape(key))),
                        )
                        .label("unknown field")
                        .help_opt(help)
                    })
                    .collect()
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                if pointer.is_empty() && name == "version" {
                    return vec![at(
                        Diagnostic::error(
                            Code::MissingVersion,
                            "`version` is missing: every privgate file starts with `version: 1`",
                        ),
                        Place::File,
                    )
                    .label("no version")
                    .help("add `version: 1` as the first line")];
                }
                vec![at(
                    Diagnostic::error(
                        Code::MissingField,
                        format!("{field} is missing the required field `{name}`"),
                    ),
                    Place::key(pointer.clone()),
                )
                .label(format!("`{name}` needed here"))]
            }
            // `version: "1"`: the type error alone says what is wrong.
            ValidationErrorKind::Constant { .. }
                if pointer == "/version" && !error.instance().is_number() =>
            {
                Vec::new()
            }
            ValidationErrorKind::Constant { expected_value } if pointer == "/version" => {
                vec![at(
                    Diagnostic::error(
                        Code::UnsupportedVersion,
                        format!("unsupported version {found}: this privgate reads version {expected_value}"),
                    ),
                    Place::value(pointer.clone()),
                )
                .label("unsupported")
                .help(format!("set `version: {expected_value}`"))]
            }
            ValidationErrorKind::Enum { options } => {
                let names: Vec<&str> = options
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let found_text = scalar_text(found);
                vec![at(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!(
                            "{field} must be one of {}; found `{found_text}`",
                            names.join(", ")
                        ),
                    ),
                    Place::value(pointer.clone()),
                )
                .label("not an allowed value")
                .help_opt(did_you_mean(&found_text, names.iter().copied()))]
            }
            ValidationErrorKind::Type { kind } => {
                let wanted = expected.unwrap_or_else(|| type_names(kind));
                let wants_bool = matches!(kind, TypeKind::Single(t) if t.to_string() == "boolean");
                vec![at(
                    Diagnostic::error(
                        Code::WrongType,
                        format!("{field} must be {wanted}; found {}", describe_value(found)),
                    ),
                    Place::value(pointer.clone()),
                )
                .label(format!("expected {wanted}"))
                .help_opt(wants_bool.then(|| boolean_suggestion(found)).flatten())]
            }
            ValidationErrorKind::Maximum { limit } | ValidationErrorKind::Minimum { limit } => {
                let bound = if matches!(error.kind(), ValidationErrorKind::Maximum { .. }) {
                    "at most"
                } else {
                    "at least"
                };
                vec![at(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!(
                            "{field} must be {bound} {limit}; found {}",
                            describe_value(found)
                        ),
                    ),
                    Place::value(pointer.clone()),
                )
                .label(format!("{bound} {limit}"))]
            }
            // Pointed at the key: an empty list has nothing to point at.
            ValidationErrorKind::MinItems { limit } => {
                vec![at(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!(
                            "{field} must list at least {}; found {}",
                            how_many(*limit, node),
                            describe_value(found)
                        ),
                    ),
                    Place::key(pointer.clone()),
                )
                .label("too few entries")
                .help_opt(default_hint(node, &field).map(|h| format!("add one, or {h}")))]
            }
            // "value is shorter than 1 character" says less than this.
            ValidationErrorKind::MinLength { limit: 1 } => {
                vec![at(
                    Diagnostic::error(Code::InvalidValue, format!("{field} must not be empty")),
                    Place::value(pointer.clone()),
                )
                .label("empty")]
            }
            ValidationErrorKind::UniqueItems => {
                vec![at(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("{field} lists the same value more than once"),
                    ),
                    Place::value(pointer.clone()),
                )
                .label("duplicate entries")
                .help("list each value once")]
            }
            _ => {
                let message = match &expected {
                    Some(exp) => format!("{field} must be {exp}; found {}", describe_value(found)),
                    None => format!("{field}: {}", error.masked()),
                };
                // `"x-suggest": "country"`: a country written as a name.
                let suggestion = match (node.and_then(|n| n.get("x-suggest")), found.as_str()) {
                    (Some(Value::String(s)), Some(text)) if s == "country" => {
                        crate::taxonomy::country_suggestion(text)
                    }
                    // `2025-13-01` is written YYYY-MM-DD: say what is wrong.
                    (Some(Value::String(s)), Some(text)) if s == "date" => {
                        match crate::time::parse_date(text) {
                            Err(why) if !why.starts_with("expected") => {
                                Some(format!("not a real date: {why}"))
                            }
                            _ => crate::time::date_suggestion(text),
                        }
                    }
                    (Some(Value::String(s)), Some(text)) if s == "duration" => {
                        crate::time::duration_suggestion(text, pointer.ends_with("/period"))
                    }
                    _ => None,
                };
                vec![at(
                    Diagnostic::error(Code::InvalidValue, message),
                    Place::value(pointer.clone()),
                )
                .label("invalid value")
                .help_opt(suggestion)]
            }
        }
    }
}

/// "`lawful_basis`" for `/purposes/0/lawful_basis`, "`purposes[0]`" for an
/// array item, "the file" for the root.
fn field_name(pointer: &str) -> String {
    let mut segments = pointer.rsplit('/');
    match segments.next() {
        None | Some("") => "the file".to_string(),
        Some(last) if last.chars().all(|c| c.is_ascii_digit()) => {
            let parent = segments.next().unwrap_or("item");
            format!("`{parent}[{last}]`")
        }
        Some(last) => format!("`{}`", last.replace("~1", "/").replace("~0", "~")),
    }
}

/// "one of gdpr, ccpa" when a list's items are an enum, else "one entry"
/// ("2 entries").
fn how_many(limit: u64, list_node: Option<&Value>) -> String {
    let names: Vec<&str> = list_node
        .and_then(|n| n.pointer("/items/enum"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let count = if limit == 1 {
        "one".to_string()
    } else {
        limit.to_string()
    };
    match (names.is_empty(), limit) {
        (false, _) => format!("{count} of {}", names.join(", ")),
        (true, 1) => "one entry".to_string(),
        (true, _) => format!("{count} entries"),
    }
}

/// "leave `regulations` out for the default, [gdpr, ccpa]" for a field
/// that has one: leaving a field out is often what emptying it meant.
fn default_hint(node: Option<&Value>, field: &str) -> Option<String> {
    let default = node?.get("default")?;
    let shown = match default {
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(scalar_text).collect();
            format!("[{}]", items.join(", "))
        }
        other => scalar_text(other),
    };
    Some(format!("leave {field} out for the default, {shown}"))
}

/// `yes`, `no`, `on`, `off` (YAML 1.1 booleans, text in YAML 1.2, which
/// privgate reads) and quoted `"true"`: the `true` or `false` meant.
fn boolean_suggestion(found: &Value) -> Option<String> {
    let text = found.as_str()?.trim();
    let meant = match text.to_ascii_lowercase().as_str() {
        "yes" | "y" | "on" | "true" => true,
        "no" | "n" | "off" | "false" => false,
        _ => return None,
    };
    Some(if text.eq_ignore_ascii_case(&meant.to_string()) {
        format!("write `{meant}` without quotes: quoted, it is text")
    } else {
        format!("write `{meant}`: privgate reads YAML 1.2, where `{text}` is text, not a boolean")
    })
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn describe_value(v: &Value) -> String {
    match v {
        Value::Null => "nothing (null)".into(),
        Value::Bool(b) => format!("a boolean (`{b}`)"),
        Value::Number(n) => format!("a number (`{n}`)"),
        Value::String(s) => format!("the text `{s}`"),
        Value::Array(items) if items.is_empty() => "an empty list".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

fn type_names(kind: &TypeKind) -> String {
    let name = |t: &jsonschema::types::JsonType| {
        let t = t.to_string();
        match t.as_str() {
            "boolean" => "`true` or `false`".to_string(),
            "object" => "a mapping".to_string(),
            "array" => "a list".to_string(),
            "integer" => "a whole number".to_string(),
            other => format!("a {other}"),
        }
    };
    match kind {
        TypeKind::Single(t) => name(t),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| name(&t))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// The built-in taxonomy as the manifest schema lists it for editors: the
/// `anyOf` of `$defs/category` and of `$defs/subject`. The first branch is
/// the key pattern, so the keys a config adds stay valid (and a valid key
/// is accepted at the first branch; `patternErrorMessage` is what
/// yaml-language-server shows for a key that breaks it); each built-in key
/// follows as a `const` with its description, which editors offer as
/// completions.
/// `schemas/manifest.schema.json` holds exactly this (a drift test).
pub fn taxonomy_branches(tax: &crate::taxonomy::Taxonomy) -> (Value, Value) {
    use serde_json::json;
    let categories = std::iter::once(json!({
        "pattern": "^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*$",
        "patternErrorMessage": "a dotted data-category key such as user.contact.email (lower case, digits, _ between the dots)",
        "description": "A key from the built-in taxonomy (below) or one the config adds under `taxonomy`."
    }))
    .chain(tax.categories.iter().map(|(key, c)| {
        let marks: Vec<&str> = tax.marks(key).into_iter().map(|m| m.meaning()).collect();
        let description = if marks.is_empty() {
            c.description.clone()
        } else {
            format!("{} Marked: {}.", c.description, marks.join("; "))
        };
        json!({ "const": key, "description": description })
    }))
    .collect();
    let subjects = std::iter::once(json!({
        "pattern": "^[a-z][a-z0-9_]*$",
        "patternErrorMessage": "a lower-case data-subject name such as customer",
        "description": "A built-in subject (below) or one the config adds under `subjects`."
    }))
    .chain(
        tax.subject_descriptions
            .iter()
            .map(|(key, d)| json!({ "const": key, "description": d })),
    )
    .collect();
    (Value::Array(categories), Value::Array(subjects))
}
