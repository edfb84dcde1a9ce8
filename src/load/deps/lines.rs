//! `Gemfile` and Gradle build scripts (`build.gradle`, `build.gradle.kts`),
//! read line by line.
//!
//! Both are programs (Ruby; Groovy or Kotlin), not data: no parser crate
//! reads them, and only running them would say what they declare. In
//! practice dependencies are written in a few literal forms, one per line,
//! and those are what is read here:
//!
//! - Gemfile: `gem 'name'` / `gem "name", "~> 1.0"` / `gem("name")`, at any
//!   indentation (inside `group` blocks too).
//! - Gradle: a configuration (`implementation`, `api`, `compileOnly`,
//!   `runtimeOnly`, `testImplementation`, `debugImplementation`, `kapt`,
//!   `ksp`, `annotationProcessor`, ...) followed by a literal coordinate,
//!   `implementation 'g:a:v'`, `implementation("g:a:v")`,
//!   `implementation(platform("g:a:v"))`, or the map form
//!   `implementation group: 'g', name: 'a'` (Groovy) /
//!   `implementation(group = "g", name = "a")` (Kotlin).
//!
//! Not read: version catalogues (`libs.stripe`), coordinates built from
//! variables, `classpath` (build plugins, not the code's dependencies), and
//! declarations that span lines. A line-based reader cannot tell a malformed
//! file, so these never warn.

use super::{dep_at, Dependency, Ecosystem};

pub(super) fn gemfile(text: &str) -> Vec<Dependency> {
    let mut deps = Vec::new();
    for (start, line) in lines(text) {
        let body = line.trim_start();
        let Some(rest) = body.strip_prefix("gem") else {
            continue;
        };
        if !rest.starts_with([' ', '\t', '(']) {
            continue;
        }
        let after = rest.trim_start_matches([' ', '\t', '(']);
        if let Some((name, at)) = string_literal(after) {
            if !name.is_empty() && !name.contains(char::is_whitespace) {
                let offset = start + (line.len() - after.len()) + at;
                deps.push(dep_at(text, Ecosystem::Gem, name, offset));
            }
        }
    }
    deps
}

pub(super) fn gradle(text: &str) -> Vec<Dependency> {
    let mut deps = Vec::new();
    for (start, line) in lines(text) {
        let body = line.trim_start();
        let word_len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(body.len());
        if !is_configuration(&body[..word_len]) {
            continue;
        }
        let mut rest = &body[word_len..];
        if !rest.starts_with([' ', '\t', '(']) {
            continue;
        }
        rest = rest.trim_start_matches([' ', '\t', '(']);
        for wrapper in ["platform", "enforcedPlatform"] {
            if let Some(inner) = rest.strip_prefix(wrapper) {
                if inner.starts_with('(') {
                    rest = inner.trim_start_matches([' ', '\t', '(']);
                }
            }
        }
        let base = start + (line.len() - rest.len());
        if let Some((coordinate, at)) = string_literal(rest) {
            if let Some(dep) = coordinate_dep(text, coordinate, base + at) {
                deps.push(dep);
            }
        } else if let Some(dep) = map_form(text, rest, base) {
            deps.push(dep);
        }
    }
    deps
}

/// `group:artifact[:version[:classifier]]` as a Maven `group:artifact`.
fn coordinate_dep(text: &str, coordinate: &str, offset: usize) -> Option<Dependency> {
    let mut parts = coordinate.split(':');
    let (group, artifact) = (parts.next()?, parts.next()?);
    let well_formed = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    };
    (well_formed(group) && well_formed(artifact)).then(|| {
        dep_at(
            text,
            Ecosystem::Maven,
            &format!("{group}:{artifact}"),
            offset,
        )
    })
}

/// `group: 'g', name: 'a'` or `group = "g", name = "a"`, pointing at the group.
fn map_form(text: &str, rest: &str, base: usize) -> Option<Dependency> {
    let value_of = |key: &str| -> Option<(&str, usize)> {
        let mut from = 0;
        while let Some(i) = rest[from..].find(key) {
            let at = from + i;
            from = at + key.len();
            let boundary = at == 0 || !rest.as_bytes()[at - 1].is_ascii_alphanumeric();
            let after = rest[from..].trim_start();
            let Some(after) = after.strip_prefix([':', '=']) else {
                continue;
            };
            if !boundary {
                continue;
            }
            let after_trim = after.trim_start();
            let (value, at_value) = string_literal(after_trim)?;
            return Some((value, rest.len() - after_trim.len() + at_value));
        }
        None
    };
    let (group, group_at) = value_of("group")?;
    let (name, _) = value_of("name")?;
    coordinate_dep(text, &format!("{group}:{name}"), base + group_at)
}

/// A configuration that adds dependencies to the code (not `classpath`).
fn is_configuration(word: &str) -> bool {
    const EXACT: [&str; 12] = [
        "implementation",
        "api",
        "compileOnly",
        "compileOnlyApi",
        "runtimeOnly",
        "annotationProcessor",
        "kapt",
        "ksp",
        "compile",
        "runtime",
        "testCompile",
        "testRuntime",
    ];
    const SUFFIXES: [&str; 5] = [
        "Implementation",
        "Api",
        "CompileOnly",
        "RuntimeOnly",
        "AnnotationProcessor",
    ];
    EXACT.contains(&word)
        || SUFFIXES.iter().any(|s| {
            word.strip_suffix(s)
                .is_some_and(|p| p.starts_with(|c: char| c.is_ascii_lowercase()))
        })
}

/// The text of a `'...'` or `"..."` literal at the start of `s` and the
/// byte offset, within `s`, where that text starts. Interpolated strings
/// (`"$group:x"`, `"#{v}"`) give none: their value is not in the file.
fn string_literal(s: &str) -> Option<(&str, usize)> {
    let quote = s.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    let end = s[1..].find(quote)? + 1;
    let value = &s[1..end];
    (!value.contains(['$', '\\']) && !value.contains("#{")).then_some((value, 1))
}

/// Each line without its ending and comments aside, with its byte offset.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').filter_map(move |raw| {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let body = line.trim_start();
        (!body.starts_with('#') && !body.starts_with("//")).then_some((start, line))
    })
}

#[cfg(test)]
mod tests {
    use crate::load::deps::tests::located;
    use crate::load::deps::{parse, Ecosystem};

    #[test]
    fn gemfile_gem_lines_give_names_with_their_place() {
        let text = "\
source 'https://rubygems.org'
# gem 'commented'
gem 'rails', '~> 7.1'
gem \"stripe\"
group :development, :test do
  gem('sentry-ruby', require: false)
end
gemspec
gems 'not-a-gem-line'
";
        let deps = parse("Gemfile", text.as_bytes()).unwrap();
        assert_eq!(
            located(&deps),
            [("rails", 3, 6), ("stripe", 4, 6), ("sentry-ruby", 6, 8)]
        );
        assert!(deps.iter().all(|d| d.ecosystem == Ecosystem::Gem));
    }

    #[test]
    fn gradle_literal_coordinates_give_group_and_artifact() {
        let text = "\
plugins { id 'java' }
buildscript {
    dependencies { classpath 'com.android.tools.build:gradle:8.2.0' }
}
dependencies {
    implementation 'com.stripe:stripe-java:24.0.0'
    implementation(\"io.sentry:sentry:7.0.0\")
    implementation(platform(\"com.google.firebase:firebase-bom:32.7.0\"))
    testImplementation group: 'junit', name: 'junit', version: '4.13.2'
    debugImplementation(group = \"com.squareup.leakcanary\", name = \"leakcanary-android\")
    implementation libs.okhttp
    implementation \"com.example:${name}:1\"
    // implementation 'com.commented:out:1'
}
";
        let deps = parse("app/build.gradle.kts", text.as_bytes()).unwrap();
        assert_eq!(
            located(&deps),
            [
                ("com.stripe:stripe-java", 6, 21),
                ("io.sentry:sentry", 7, 21),
                ("com.google.firebase:firebase-bom", 8, 30),
                ("junit:junit", 9, 32),
                ("com.squareup.leakcanary:leakcanary-android", 10, 34),
            ]
        );
        assert!(deps.iter().all(|d| d.ecosystem == Ecosystem::Maven));
    }
}
