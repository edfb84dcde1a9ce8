//! `package.json` (npm) and `composer.json` (Packagist), read by
//! jsonc-parser with every JSON5/JSONC leniency turned off: strict JSON, as
//! npm and Composer read it, and an AST whose nodes keep their byte ranges
//! (serde_json keeps none).

use super::{dep_at, Dependency, Ecosystem, Malformed};
use jsonc_parser::ast::{Object, ObjectPropName, Value};
use jsonc_parser::{CollectOptions, ParseOptions};

/// npm's direct dependency sections (`bundleDependencies` only repeats names).
const NPM_SECTIONS: [&str; 4] = [
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

const COMPOSER_SECTIONS: [&str; 2] = ["require", "require-dev"];

pub(super) fn package_json(text: &str) -> Result<Vec<Dependency>, Malformed> {
    let root = parse_object(text)?;
    let mut deps = Vec::new();
    let Some(root) = root.as_ref() else {
        return Ok(deps);
    };
    for section in NPM_SECTIONS {
        collect(text, root, section, Ecosystem::Npm, &mut deps, |_| true);
    }
    Ok(deps)
}

pub(super) fn composer_json(text: &str) -> Result<Vec<Dependency>, Malformed> {
    let root = parse_object(text)?;
    let mut deps = Vec::new();
    let Some(root) = root.as_ref() else {
        return Ok(deps);
    };
    for section in COMPOSER_SECTIONS {
        // Platform requirements (`php`, `ext-json`, `lib-curl`,
        // `composer-plugin-api`) have no vendor part; every package has one.
        collect(
            text,
            root,
            section,
            Ecosystem::Composer,
            &mut deps,
            |name| name.contains('/'),
        );
    }
    Ok(deps)
}

/// The top-level object; `None` for an empty file's lack of one.
fn parse_object(text: &str) -> Result<Option<Object<'_>>, Malformed> {
    let strict = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let parsed = jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &strict)
        .map_err(|e| Malformed::at(text, e.range().start, e.kind().to_string()))?;
    match parsed.value {
        Some(Value::Object(object)) => Ok(Some(object)),
        Some(_) => Err(Malformed::at(text, 0, "the top level is not an object")),
        None => Err(Malformed::at(text, 0, "the file holds no JSON value")),
    }
}

fn collect(
    text: &str,
    root: &Object<'_>,
    section: &str,
    ecosystem: Ecosystem,
    deps: &mut Vec<Dependency>,
    keep: impl Fn(&str) -> bool,
) {
    let Some(Value::Object(object)) = root.get(section).map(|p| &p.value) else {
        return;
    };
    for prop in &object.properties {
        let (name, start) = match &prop.name {
            ObjectPropName::String(lit) => (lit.value.as_ref(), lit.range.start),
            ObjectPropName::Word(lit) => (lit.value, lit.range.start),
        };
        if !keep(name) {
            continue;
        }
        // The range includes the opening quote; the name starts after it.
        let start = if text[start..].starts_with('"') {
            start + 1
        } else {
            start
        };
        deps.push(dep_at(text, ecosystem, name, start));
    }
}

#[cfg(test)]
mod tests {
    use crate::load::deps::tests::located;
    use crate::load::deps::{parse, WarningKind};

    #[test]
    fn package_json_reads_the_four_direct_sections_with_their_lines() {
        let text = r#"{
  "name": "shop",
  "dependencies": {
    "stripe": "^14.0.0",
    "@sentry/node": "^8"
  },
  "devDependencies": { "jest": "29" },
  "optionalDependencies": { "fsevents": "*" },
  "peerDependencies": { "react": ">=18" },
  "bundleDependencies": ["stripe"],
  "scripts": { "stripe": "not a dependency" }
}"#;
        let deps = parse("web/package.json", text.as_bytes()).unwrap();
        assert_eq!(
            located(&deps),
            [
                ("stripe", 4, 6),
                ("@sentry/node", 5, 6),
                ("jest", 7, 25),
                ("fsevents", 8, 30),
                ("react", 9, 26),
            ]
        );
        assert!(deps
            .iter()
            .all(|d| d.ecosystem == crate::load::deps::Ecosystem::Npm));
    }

    #[test]
    fn composer_json_skips_platform_requirements() {
        let text = r#"{
    "require": {
        "php": ">=8.1",
        "ext-json": "*",
        "stripe/stripe-php": "^13"
    },
    "require-dev": {
        "composer-plugin-api": "^2",
        "phpunit/phpunit": "^10"
    }
}"#;
        let deps = parse("composer.json", text.as_bytes()).unwrap();
        assert_eq!(
            located(&deps),
            [("stripe/stripe-php", 5, 10), ("phpunit/phpunit", 9, 10)]
        );
    }

    #[test]
    fn json_with_comments_or_trailing_commas_is_malformed_at_its_place() {
        let warning = parse(
            "package.json",
            b"{\n  \"dependencies\": {\n    \"a\": \"1\",\n  }\n}",
        )
        .unwrap_err();
        assert_eq!(warning.kind, WarningKind::Malformed);
        assert_eq!(warning.line, 3);

        let warning = parse("package.json", b"{\n  // no\n}").unwrap_err();
        assert_eq!((warning.line, warning.column), (2, 3));
    }

    #[test]
    fn a_top_level_that_is_not_an_object_is_malformed() {
        assert!(parse("package.json", b"[1]").is_err());
        assert!(parse("package.json", b"").is_err());
    }

    #[test]
    fn a_section_that_is_not_an_object_is_ignored() {
        let deps = parse("package.json", br#"{"dependencies": ["stripe"]}"#).unwrap();
        assert!(deps.is_empty());
    }
}
