//! `pom.xml` (Maven) and `*.csproj` (NuGet `PackageReference`s), read by
//! quick-xml's pull parser. Names and their places come from the events'
//! borrowed bytes, which point into the text itself.

use super::{dep_at, Dependency, Ecosystem, Malformed};
use quick_xml::events::Event;
use quick_xml::Reader;
use std::borrow::Cow;

pub(super) fn pom(text: &str) -> Result<Vec<Dependency>, Malformed> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let mut deps = Vec::new();
    let mut current: Option<PomDependency> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                stack.push(name);
                if is_direct_dependency(&stack) {
                    current = Some(PomDependency::default());
                }
            }
            Ok(Event::End(_)) => {
                if is_direct_dependency(&stack) {
                    if let Some(PomDependency {
                        group: Some((group, at)),
                        artifact: Some(artifact),
                    }) = current.take()
                    {
                        deps.push(dep_at(
                            text,
                            Ecosystem::Maven,
                            &format!("{group}:{artifact}"),
                            at,
                        ));
                    }
                }
                stack.pop();
            }
            Ok(Event::Text(e)) => {
                let Some(PomDependency { group, artifact }) = current.as_mut() else {
                    continue;
                };
                let in_dependency =
                    stack.len() >= 2 && is_direct_dependency(&stack[..stack.len() - 1]);
                if !in_dependency {
                    continue;
                }
                let raw: &[u8] = &e;
                let value = e.unescape().unwrap_or(Cow::Borrowed(""));
                let value = value.trim();
                if value.is_empty() {
                    continue;
                }
                match stack.last().map(String::as_str) {
                    Some("groupId") => {
                        let leading = raw.iter().take_while(|b| b.is_ascii_whitespace()).count();
                        let at = offset_in(text, raw).map_or(0, |o| o + leading);
                        *group = Some((value.to_string(), at));
                    }
                    Some("artifactId") => *artifact = Some(value.to_string()),
                    _ => {}
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(Malformed::at(
                    text,
                    reader.error_position() as usize,
                    e.to_string(),
                ));
            }
        }
    }
    all_closed(text, &stack)?;
    Ok(deps)
}

/// An error at the end of `text` when an element of `open` was never closed.
fn all_closed(text: &str, open: &[String]) -> Result<(), Malformed> {
    match open.last() {
        Some(open) => Err(Malformed::at(
            text,
            text.len(),
            format!("element <{open}> is not closed"),
        )),
        None => Ok(()),
    }
}

/// The `<dependency>` being read.
#[derive(Default)]
struct PomDependency {
    /// The groupId and the byte offset where it starts.
    group: Option<(String, usize)>,
    artifact: Option<String>,
}

/// `project/dependencies/dependency`, also inside a profile. Not
/// `dependencyManagement` (versions only) nor plugin dependencies (build
/// tools, not the code's).
fn is_direct_dependency(stack: &[String]) -> bool {
    let path: Vec<&str> = stack.iter().map(String::as_str).collect();
    matches!(
        path.as_slice(),
        ["project", "dependencies", "dependency"]
            | [
                "project",
                "profiles",
                "profile",
                "dependencies",
                "dependency"
            ]
    )
}

pub(super) fn csproj(text: &str) -> Result<Vec<Dependency>, Malformed> {
    let mut reader = Reader::from_str(text);
    let mut open: Vec<String> = Vec::new();
    let mut deps = Vec::new();
    loop {
        let event = reader.read_event();
        let element = match &event {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => Some(e.clone()),
            _ => None,
        };
        match event {
            Ok(Event::Start(ref e)) => {
                open.push(String::from_utf8_lossy(e.local_name().as_ref()).into_owned());
            }
            Ok(Event::End(_)) => {
                open.pop();
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(Malformed::at(
                    text,
                    reader.error_position() as usize,
                    e.to_string(),
                ));
            }
        }
        let Some(e) = element else { continue };
        if e.local_name().as_ref() != b"PackageReference" {
            continue;
        }
        // MSBuild attribute names are case-insensitive.
        for attr in e.attributes().flatten() {
            if !attr.key.as_ref().eq_ignore_ascii_case(b"Include") {
                continue;
            }
            let name = attr
                .unescape_value()
                .map(|v| v.trim().to_string())
                .unwrap_or_default();
            if name.is_empty() {
                continue;
            }
            let at = match &attr.value {
                Cow::Borrowed(raw) => offset_in(text, raw).map_or(0, |o| {
                    o + raw.iter().take_while(|b| b.is_ascii_whitespace()).count()
                }),
                Cow::Owned(_) => 0,
            };
            deps.push(dep_at(text, Ecosystem::Nuget, &name, at));
        }
    }
    all_closed(text, &open)?;
    Ok(deps)
}

/// Byte offset of `part` in `text`, when `part` is a slice of it.
fn offset_in(text: &str, part: &[u8]) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    (start + part.len() <= text.len()).then_some(start)
}

#[cfg(test)]
mod tests {
    use crate::load::deps::tests::located;
    use crate::load::deps::{parse, WarningKind};

    #[test]
    fn pom_reads_direct_dependencies_and_profiles_but_not_managed_or_plugin_ones() {
        let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <dependencyManagement>
    <dependencies>
      <dependency><groupId>com.managed</groupId><artifactId>bom</artifactId></dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>com.stripe</groupId>
      <artifactId>stripe-java</artifactId>
      <version>24.0.0</version>
    </dependency>
    <dependency>
      <artifactId>sentry</artifactId>
      <groupId>
        io.sentry
      </groupId>
    </dependency>
  </dependencies>
  <build><plugins><plugin>
    <dependencies>
      <dependency><groupId>com.plugin</groupId><artifactId>dep</artifactId></dependency>
    </dependencies>
  </plugin></plugins></build>
  <profiles><profile><dependencies>
    <dependency><groupId>com.twilio.sdk</groupId><artifactId>twilio</artifactId></dependency>
  </dependencies></profile></profiles>
</project>
"#;
        let deps = parse("pom.xml", text.as_bytes()).unwrap();
        assert_eq!(
            located(&deps),
            [
                ("com.stripe:stripe-java", 10, 16),
                ("io.sentry:sentry", 17, 9),
                ("com.twilio.sdk:twilio", 27, 26),
            ]
        );
    }

    #[test]
    fn csproj_reads_package_references() {
        let text = r#"<Project Sdk="Microsoft.NET.Sdk">
  <ItemGroup>
    <PackageReference Include="Stripe.net" Version="43.0.0" />
    <PackageReference include="Sentry.AspNetCore">
      <Version>4.0.0</Version>
    </PackageReference>
    <ProjectReference Include="..\Lib\Lib.csproj" />
  </ItemGroup>
</Project>
"#;
        let deps = parse("src/Api/Api.csproj", text.as_bytes()).unwrap();
        assert_eq!(
            located(&deps),
            [("Stripe.net", 3, 32), ("Sentry.AspNetCore", 4, 32)]
        );
    }

    #[test]
    fn xml_with_mismatched_or_unclosed_tags_is_malformed_with_a_line() {
        let warning = parse(
            "pom.xml",
            b"<project>\n  <dependencies>\n  </dependency>\n</project>\n",
        )
        .unwrap_err();
        assert_eq!(warning.kind, WarningKind::Malformed);
        assert_eq!(warning.line, 3);

        let warning = parse("a.csproj", b"<Project>\n  <ItemGroup>\n").unwrap_err();
        assert_eq!(warning.kind, WarningKind::Malformed);
        assert!(
            warning.message.contains("<ItemGroup> is not closed"),
            "{}",
            warning.message
        );

        let warning = parse("pom.xml", b"<project>\n  <dependencies>\n").unwrap_err();
        assert!(
            warning.message.contains("<dependencies> is not closed"),
            "{}",
            warning.message
        );
    }
}
