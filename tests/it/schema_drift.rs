//! The JSON Schemas in `schemas/`, the Rust types in `privgate::manifest`
//! and the data in `policies/` must not drift apart:
//!
//! 1. every property the manifest and config schemas define (at every
//!    place, through `$ref`, lists and maps) is set in the full fixtures,
//!    `tests/fixtures/full/privacy.yaml` and `privgate.yaml`;
//! 2. the fixtures deserialize into `Manifest` / `Config` (which deny unknown
//!    fields), everything those types serialize is a schema property, and the
//!    fixtures pass `privgate validate`;
//! 3. every data category and subject of `examples/acme-shop` is in the
//!    taxonomy;
//! 4. the taxonomy lists the parent of every key.

use privgate::manifest::{Config, Manifest};
use privgate::taxonomy::{ancestors, Taxonomy};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn schema(name: &str) -> Value {
    serde_json::from_str(&read(&format!("schemas/{name}.schema.json"))).unwrap()
}

/// A YAML file as JSON, the way privgate reads it.
fn yaml(path: &str) -> Value {
    let v: serde_yaml::Value = serde_yaml::from_str(&read(path)).unwrap();
    serde_json::to_value(v).unwrap()
}

// ---------------------------------------------------------------------------
// Walking a schema
// ---------------------------------------------------------------------------

/// Follows local `$ref`s (`#/$defs/x`).
fn deref<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let pointer = r
                    .strip_prefix('#')
                    .unwrap_or_else(|| panic!("non-local $ref {r}"));
                node = root
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling $ref {r}"));
            }
            None => return node,
        }
    }
    panic!("$ref chain too long")
}

/// Sub-schemas that apply at the same place.
fn branches(node: &Value) -> impl Iterator<Item = &Value> {
    ["anyOf", "oneOf", "allOf"]
        .into_iter()
        .filter_map(|k| node.get(k).and_then(Value::as_array))
        .flatten()
        .chain(["then", "else"].into_iter().filter_map(|k| node.get(k)))
}

/// Every property path a schema defines: `/datasets/[]/retention/period`,
/// with `[]` for list items and `*` for the values of a map.
fn schema_paths(root: &Value, node: &Value, path: &str, out: &mut BTreeSet<String>, depth: usize) {
    assert!(depth < 32, "schema recursion at {path}");
    let node = deref(root, node);
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        for (key, sub) in props {
            let p = format!("{path}/{key}");
            out.insert(p.clone());
            schema_paths(root, sub, &p, out, depth + 1);
        }
    }
    if let Some(sub) = node.get("additionalProperties").filter(|v| v.is_object()) {
        schema_paths(root, sub, &format!("{path}/*"), out, depth + 1);
    }
    if let Some(sub) = node.get("patternProperties").and_then(Value::as_object) {
        for s in sub.values() {
            schema_paths(root, s, &format!("{path}/*"), out, depth + 1);
        }
    }
    if let Some(items) = node.get("items").filter(|v| v.is_object()) {
        schema_paths(root, items, &format!("{path}/[]"), out, depth + 1);
    }
    for b in branches(node) {
        schema_paths(root, b, path, out, depth + 1);
    }
}

/// The property paths a document sets, as `schema_paths` names them, and the
/// keys it sets that the schema has no property for.
fn document_paths(
    root: &Value,
    node: &Value,
    doc: &Value,
    path: &str,
    covered: &mut BTreeSet<String>,
    unknown: &mut BTreeSet<String>,
) {
    let node = deref(root, node);
    match doc {
        Value::Object(map) => {
            let props = node.get("properties").and_then(Value::as_object);
            let extra = node
                .get("additionalProperties")
                .filter(|v| v.is_object())
                .or_else(|| {
                    node.get("patternProperties")
                        .and_then(|p| p.as_object()?.values().next())
                });
            let in_branch = |key: &str| {
                branches(node).any(|b| {
                    deref(root, b)
                        .get("properties")
                        .and_then(Value::as_object)
                        .is_some_and(|p| p.contains_key(key))
                })
            };
            for (key, value) in map {
                if let Some(sub) = props.and_then(|p| p.get(key)) {
                    let p = format!("{path}/{key}");
                    covered.insert(p.clone());
                    document_paths(root, sub, value, &p, covered, unknown);
                } else if let Some(sub) = extra {
                    document_paths(root, sub, value, &format!("{path}/*"), covered, unknown);
                } else if !in_branch(key) {
                    unknown.insert(format!("{path}/{key}"));
                }
            }
        }
        Value::Array(items) => {
            if let Some(sub) = node.get("items").filter(|v| v.is_object()) {
                for item in items {
                    document_paths(root, sub, item, &format!("{path}/[]"), covered, unknown);
                }
            }
        }
        _ => {}
    }
    for b in branches(node) {
        if matches!(doc, Value::Object(_) | Value::Array(_)) {
            let mut ignored = BTreeSet::new();
            document_paths(root, b, doc, path, covered, &mut ignored);
        }
    }
}

/// Schema properties the document never sets.
fn missing(schema: &Value, doc: &Value) -> Vec<String> {
    let mut all = BTreeSet::new();
    schema_paths(schema, schema, "", &mut all, 0);
    assert!(all.len() > 10, "walked too little of the schema: {all:?}");
    let (mut covered, mut unknown) = (BTreeSet::new(), BTreeSet::new());
    document_paths(schema, schema, doc, "", &mut covered, &mut unknown);
    assert!(
        unknown.is_empty(),
        "keys the schema does not define: {unknown:?}"
    );
    all.difference(&covered).cloned().collect()
}

/// Keys a document sets that the schema does not define (nulls included:
/// they are fields the Rust type has).
fn undefined(schema: &Value, doc: &Value) -> Vec<String> {
    let (mut covered, mut unknown) = (BTreeSet::new(), BTreeSet::new());
    document_paths(schema, schema, doc, "", &mut covered, &mut unknown);
    unknown.into_iter().collect()
}

/// Every key name under `properties` anywhere in a schema.
fn property_names(node: &Value, out: &mut BTreeSet<String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().cloned());
            }
            map.values().for_each(|v| property_names(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| property_names(v, out)),
        _ => {}
    }
}

/// Every mapping key anywhere in a document.
fn key_names(doc: &Value, out: &mut BTreeSet<String>) {
    match doc {
        Value::Object(map) => {
            for (k, v) in map {
                out.insert(k.clone());
                key_names(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| key_names(v, out)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// 1. Every schema property is in the full fixtures
// ---------------------------------------------------------------------------

#[test]
fn full_manifest_fixture_sets_every_manifest_property() {
    let missing = missing(
        &schema("manifest"),
        &yaml("tests/fixtures/full/privacy.yaml"),
    );
    assert!(
        missing.is_empty(),
        "schemas/manifest.schema.json properties not set in tests/fixtures/full/privacy.yaml: {missing:#?}"
    );
}

#[test]
fn full_config_fixture_sets_every_config_property() {
    let missing = missing(
        &schema("config"),
        &yaml("tests/fixtures/full/privgate.yaml"),
    );
    assert!(
        missing.is_empty(),
        "schemas/config.schema.json properties not set in tests/fixtures/full/privgate.yaml: {missing:#?}"
    );
}

/// The plain form of the check: every name under any `properties` is a key
/// somewhere in the fixture.
#[test]
fn every_property_name_appears_in_the_fixtures() {
    for (name, fixture) in [("manifest", "privacy.yaml"), ("config", "privgate.yaml")] {
        let mut names = BTreeSet::new();
        property_names(&schema(name), &mut names);
        let mut keys = BTreeSet::new();
        key_names(&yaml(&format!("tests/fixtures/full/{fixture}")), &mut keys);
        let absent: Vec<_> = names.difference(&keys).collect();
        assert!(
            absent.is_empty(),
            "{name} schema properties absent from {fixture}: {absent:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// 2. The fixtures fit the Rust types, and validate
// ---------------------------------------------------------------------------

#[test]
fn full_fixtures_deserialize_into_the_rust_types() {
    let manifest: Manifest = serde_yaml::from_str(&read("tests/fixtures/full/privacy.yaml"))
        .unwrap_or_else(|e| panic!("privacy.yaml does not fit privgate::manifest::Manifest: {e}"));
    let config: Config = serde_yaml::from_str(&read("tests/fixtures/full/privgate.yaml"))
        .unwrap_or_else(|e| panic!("privgate.yaml does not fit privgate::manifest::Config: {e}"));
    // The way privgate reads them (YAML -> JSON -> type) gives the same.
    let via_json: Manifest =
        serde_json::from_value(yaml("tests/fixtures/full/privacy.yaml")).unwrap();
    assert_eq!(manifest, via_json);
    let via_json: Config =
        serde_json::from_value(yaml("tests/fixtures/full/privgate.yaml")).unwrap();
    assert_eq!(config, via_json);
}

#[test]
fn rust_types_have_no_field_the_schemas_lack() {
    let manifest: Manifest =
        serde_yaml::from_str(&read("tests/fixtures/full/privacy.yaml")).unwrap();
    let config: Config = serde_yaml::from_str(&read("tests/fixtures/full/privgate.yaml")).unwrap();
    let m = undefined(
        &schema("manifest"),
        &serde_json::to_value(&manifest).unwrap(),
    );
    assert!(
        m.is_empty(),
        "Manifest serializes fields schemas/manifest.schema.json lacks: {m:?}"
    );
    let c = undefined(&schema("config"), &serde_json::to_value(&config).unwrap());
    assert!(
        c.is_empty(),
        "Config serializes fields schemas/config.schema.json lacks: {c:?}"
    );
}

#[test]
fn rust_types_refuse_unknown_fields() {
    let err = serde_yaml::from_str::<Manifest>(
        "version: 1\npurposes:\n  - id: a\n    lawfull_basis: contract\n",
    );
    assert!(err.is_err(), "Manifest accepts an unknown field");
    let err = serde_yaml::from_str::<Config>("version: 1\ngate: {min_scor: 1}\n");
    assert!(err.is_err(), "Config accepts an unknown field");
}

#[test]
fn full_fixtures_validate() {
    let out = crate::common::privgate()
        .env("NO_COLOR", "1")
        .arg("validate")
        .arg(repo().join("tests/fixtures/full"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("ok: 1 manifest,"), "{stderr}");
}

/// The schemas accept the fixtures through the library too (the embedded
/// copies are the files).
#[test]
fn embedded_schemas_are_the_files_and_accept_the_fixtures() {
    use privgate::load::schema::{self, Schema};
    for name in schema::NAMES {
        assert_eq!(
            schema::by_name(name).unwrap(),
            read(&format!("schemas/{name}.schema.json")),
            "{name}"
        );
    }
    let problems =
        Schema::manifest().check("privacy.yaml", &yaml("tests/fixtures/full/privacy.yaml"));
    assert!(problems.is_empty(), "{problems:#?}");
    let problems =
        Schema::config().check("privgate.yaml", &yaml("tests/fixtures/full/privgate.yaml"));
    assert!(problems.is_empty(), "{problems:#?}");
}

// ---------------------------------------------------------------------------
// 3. acme-shop's categories and subjects are in the taxonomy
// ---------------------------------------------------------------------------

fn acme_manifests() -> Vec<(String, Manifest)> {
    let root = repo().join("examples/acme-shop");
    let mut out = Vec::new();
    for entry in walkdir_sorted(&root) {
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        let is_manifest = ["privacy.yaml", "privacy.yml"].contains(&name.as_str())
            || name.ends_with(".privacy.yaml")
            || name.ends_with(".privacy.yml");
        if is_manifest {
            let text = std::fs::read_to_string(&entry).unwrap();
            let m: Manifest =
                serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", entry.display()));
            out.push((entry.strip_prefix(&root).unwrap().display().to_string(), m));
        }
    }
    assert!(out.len() >= 3, "acme-shop manifests not found");
    out
}

fn walkdir_sorted(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(walkdir_sorted(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn acme_shop_categories_and_subjects_are_in_the_taxonomy() {
    let mut tax = Taxonomy::builtin();
    let config: Config = serde_yaml::from_str(&read("examples/acme-shop/privgate.yaml")).unwrap();
    for t in &config.taxonomy {
        tax.add_category(&t.key, t.description.as_deref());
    }
    for s in &config.subjects {
        tax.add_subject(s);
    }
    let mut problems = Vec::new();
    let mut categories = 0;
    for (file, m) in acme_manifests() {
        let cats = m
            .datasets
            .iter()
            .flat_map(|d| &d.categories)
            .chain(m.purposes.iter().flat_map(|p| &p.categories))
            .chain(m.flows.iter().flat_map(|f| &f.categories));
        for c in cats {
            categories += 1;
            if tax.canonical(c).is_none() {
                problems.push(format!("{file}: category `{c}`"));
            }
        }
        let subjects = m
            .datasets
            .iter()
            .flat_map(|d| &d.subjects)
            .chain(m.purposes.iter().flat_map(|p| &p.subjects));
        for s in subjects {
            if !tax.subjects.contains(s.as_str()) {
                problems.push(format!("{file}: subject `{s}`"));
            }
        }
    }
    assert!(
        categories > 10,
        "acme-shop declares too few categories to mean anything"
    );
    assert!(problems.is_empty(), "not in the taxonomy: {problems:#?}");
}

// ---------------------------------------------------------------------------
// 4. The taxonomy is closed under parents
// ---------------------------------------------------------------------------

#[test]
fn taxonomy_lists_every_parent() {
    let tax = Taxonomy::builtin();
    let mut missing = Vec::new();
    for key in tax.categories.keys() {
        for parent in ancestors(key).skip(1) {
            if !tax.categories.contains_key(parent) {
                missing.push(format!("{parent} (parent of {key})"));
            }
        }
    }
    missing.dedup();
    assert!(
        missing.is_empty(),
        "policies/taxonomy.yaml lacks: {missing:#?}"
    );
}

#[test]
fn taxonomy_aliases_are_sound() {
    let tax = Taxonomy::builtin();
    for (alias, target) in &tax.aliases {
        assert!(
            tax.categories.contains_key(target),
            "alias {alias} -> {target}: no such category"
        );
        assert!(
            !tax.categories.contains_key(alias),
            "{alias} is both an alias and a category"
        );
        for parent in ancestors(alias).skip(1) {
            assert!(
                tax.categories.contains_key(parent) || tax.aliases.contains_key(parent),
                "alias {alias}: parent {parent} is neither a category nor an alias"
            );
        }
    }
}

#[test]
fn taxonomy_keys_are_listed_once_and_well_formed() {
    let raw: serde_yaml::Value = serde_yaml::from_str(&read("policies/taxonomy.yaml")).unwrap();
    let keys: Vec<&str> = raw["categories"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    let mut seen = BTreeSet::new();
    for k in &keys {
        assert!(seen.insert(*k), "category {k} listed twice");
        // The manifest schema's pattern for a category key.
        let ok = k.split('.').enumerate().all(|(i, seg)| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && (i > 0 || seg.starts_with(|c: char| c.is_ascii_lowercase()))
        });
        assert!(ok, "category key {k} does not match the schema's pattern");
    }
    let subjects: Vec<&str> = raw["subjects"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    let mut seen = BTreeSet::new();
    for s in &subjects {
        assert!(seen.insert(*s), "subject {s} listed twice");
    }
    // The subjects manifest.md names.
    for s in [
        "customer",
        "employee",
        "prospect",
        "child",
        "patient",
        "job_applicant",
        "visitor",
        "student",
        "citizen",
        "supplier",
    ] {
        assert!(seen.contains(s), "built-in subject {s} missing");
    }
}

/// The checks above would notice drift: a property nobody sets, a key the
/// schema lacks.
#[test]
fn the_drift_checks_notice_drift() {
    let schema = schema("manifest");
    let mut doc = yaml("tests/fixtures/full/privacy.yaml");
    for d in doc["datasets"].as_array_mut().unwrap() {
        if let Some(r) = d.get_mut("retention").and_then(Value::as_object_mut) {
            r.remove("justification");
        }
    }
    assert!(missing(&schema, &doc).contains(&"/datasets/[]/retention/justification".to_string()));
    doc["vendors"][0]["contract"]["notarised"] = Value::Null;
    assert_eq!(
        undefined(&schema, &doc),
        vec!["/vendors/[]/contract/notarised".to_string()]
    );
    let config_schema = self::schema("config");
    let mut config = yaml("tests/fixtures/full/privgate.yaml");
    config["rules"]["gdpr.vendor-assessment"]["note"] = Value::from("x");
    assert_eq!(
        undefined(&config_schema, &config),
        vec!["/rules/*/note".to_string()]
    );
}

// ---------------------------------------------------------------------------
// 5. What editors read from the schemas
// ---------------------------------------------------------------------------

/// Editors complete categories and subjects from the manifest schema, so it
/// lists the built-in taxonomy, each key with its description.
/// `PRIVGATE_UPDATE_SCHEMAS=1 cargo test --test it schema_drift` rewrites the
/// lists after `policies/taxonomy.yaml` changed.
#[test]
fn manifest_schema_lists_every_builtin_category_and_subject() {
    let mut doc = schema("manifest");
    let (categories, subjects) = privgate::load::schema::taxonomy_branches(&Taxonomy::builtin());
    let fresh = doc["$defs"]["category"]["anyOf"] == categories
        && doc["$defs"]["subject"]["anyOf"] == subjects
        && doc["$defs"]["category"].get("pattern").is_none()
        && doc["$defs"]["subject"].get("pattern").is_none();
    if !fresh && std::env::var_os("PRIVGATE_UPDATE_SCHEMAS").is_some() {
        for (def, list) in [("category", categories), ("subject", subjects)] {
            let node = doc["$defs"][def].as_object_mut().unwrap();
            node.remove("pattern");
            node.insert("anyOf".into(), list);
        }
        let text = serde_json::to_string_pretty(&doc).unwrap() + "\n";
        // The copy `privgate init` writes, kept in examples/init.
        for path in [
            "schemas/manifest.schema.json",
            "examples/init/.privgate/schemas/manifest.schema.json",
        ] {
            std::fs::write(repo().join(path), &text).unwrap();
        }
        return;
    }
    assert!(
        fresh,
        "schemas/manifest.schema.json does not list the taxonomy of policies/taxonomy.yaml; \
         run `PRIVGATE_UPDATE_SCHEMAS=1 cargo test --test it schema_drift`"
    );
    let keys: Vec<&str> = doc["$defs"]["category"]["anyOf"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["const"].as_str())
        .collect();
    assert!(keys.contains(&"user.contact.email"), "{keys:?}");
}

/// `check` tells a written schema's age by its `x-privgate-version`: every
/// schema carries this build's version.
#[test]
fn every_schema_names_the_privgate_version_that_wrote_it() {
    for name in privgate::load::schema::NAMES {
        assert_eq!(
            schema(name)["x-privgate-version"],
            env!("CARGO_PKG_VERSION"),
            "schemas/{name}.schema.json: x-privgate-version"
        );
    }
}
