//! What an editor makes of privgate's files: the real yaml-language-server
//! (npm `yaml-language-server`, the server behind the VS Code YAML
//! extension, coc-yaml, nvim-lspconfig's `yamlls` and JetBrains' LSP
//! plugins), driven over stdio as an editor drives it, on a repository
//! fresh from `privgate init`. The `$schema` comments `init` writes must
//! load (no network), a misspelt field gets a diagnostic, and completion
//! in `categories:` offers the taxonomy.
//!
//! The server is found through PRIVGATE_YAML_LS (its `bin/yaml-language-server`
//! script; `.ci/run` installs it with npm under `target/ci-node`), else at
//! `target/ci-node/node_modules/.bin/yaml-language-server`; with no `node`
//! or no server the tests print why they skip.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Long enough for a cold start on a loaded 2-core machine.
const PATIENCE: Duration = Duration::from_secs(60);

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The cargo target directory (`target/debug/privgate` -> `target`).
fn target_dir() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_privgate"));
    bin.parent().and_then(Path::parent).unwrap().to_path_buf()
}

/// `node` and the server script, or why they are not there.
fn server_command() -> Result<(PathBuf, PathBuf), String> {
    let node = on_path("node").ok_or("node is not installed")?;
    let script = match std::env::var_os("PRIVGATE_YAML_LS") {
        Some(p) => PathBuf::from(p),
        None => target_dir().join("ci-node/node_modules/.bin/yaml-language-server"),
    };
    if !script.is_file() {
        return Err(format!(
            "no yaml-language-server at {} (set PRIVGATE_YAML_LS, or run `npm install --prefix target/ci-node yaml-language-server`)",
            script.display()
        ));
    }
    Ok((node, script))
}

/// A language-server process and the messages it sent, read on a thread.
struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Messages read while waiting for another (notifications, requests).
    seen: Vec<Value>,
    /// The `yaml` settings the editor gives the server.
    settings: Value,
}

fn frame(message: &Value) -> Vec<u8> {
    let body = message.to_string();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// Reads LSP frames (`Content-Length` headers, a blank line, the JSON).
fn read_frames(stdout: impl Read, sink: mpsc::Sender<Value>) {
    let mut reader = BufReader::new(stdout);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length:") {
                length = v.trim().parse::<usize>().ok();
            }
        }
        let Some(length) = length else { return };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        match serde_json::from_slice(&body) {
            Ok(v) => {
                if sink.send(v).is_err() {
                    return;
                }
            }
            Err(_) => return,
        }
    }
}

impl Server {
    fn start(root: &Path, settings: Value) -> Result<Server, String> {
        let (node, script) = server_command()?;
        let mut child = Command::new(node)
            .arg(script)
            .arg("--stdio")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start yaml-language-server: {e}"))?;
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || read_frames(stdout, tx));
        let mut server = Server {
            child,
            stdin,
            messages: rx,
            next_id: 1,
            seen: Vec::new(),
            settings,
        };
        let root_uri = uri(root);
        server.request(
            "initialize",
            json!({
                "processId": std::process::id(),
                "rootUri": root_uri,
                "workspaceFolders": [{ "uri": root_uri, "name": "repo" }],
                "capabilities": {
                    "workspace": { "configuration": true },
                    "textDocument": {
                        "completion": { "completionItem": { "snippetSupport": false } },
                        "publishDiagnostics": {}
                    }
                }
            }),
        )?;
        server.notify("initialized", json!({}));
        let yaml = server.settings.clone();
        server.notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": { "yaml": yaml } }),
        );
        Ok(server)
    }

    fn send(&mut self, message: &Value) {
        let _ = self.stdin.write_all(&frame(message));
        let _ = self.stdin.flush();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and waits for its response's `result`.
    fn request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let response = self.wait_for(&format!("the response to {method}"), |m| {
            m.get("method").is_none() && m["id"] == id
        })?;
        match response.get("error") {
            Some(e) => Err(format!("{method} failed: {e}")),
            None => Ok(response["result"].clone()),
        }
    }

    /// Reads messages until one satisfies `wanted`, answering the server's
    /// own requests (configuration, capability registration) on the way.
    fn wait_for(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Result<Value, String> {
        if let Some(i) = self.seen.iter().position(&wanted) {
            return Ok(self.seen.remove(i));
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = match self.messages.recv_timeout(left) {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!("no {what} within {PATIENCE:?}"))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(format!("the server exited before {what}"))
                }
            };
            if let (Some(method), Some(id)) = (message["method"].as_str(), message.get("id")) {
                let result = match method {
                    "workspace/configuration" => {
                        let items = message["params"]["items"].as_array().map_or(0, Vec::len);
                        Value::Array(
                            (0..items)
                                .map(|i| {
                                    let section = message["params"]["items"][i]["section"].as_str();
                                    match section {
                                        Some("yaml") => self.settings.clone(),
                                        _ => Value::Null,
                                    }
                                })
                                .collect(),
                        )
                    }
                    _ => Value::Null,
                };
                let reply = json!({ "jsonrpc": "2.0", "id": id.clone(), "result": result });
                self.send(&reply);
                continue;
            }
            if wanted(&message) {
                return Ok(message);
            }
            self.seen.push(message);
        }
    }

    fn open(&mut self, path: &Path, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": {
                "uri": uri(path), "languageId": "yaml", "version": 1, "text": text
            } }),
        );
    }

    /// The first non-empty diagnostics published for `path`.
    fn diagnostics(&mut self, path: &Path) -> Result<Vec<Value>, String> {
        let uri = uri(path);
        let m = self.wait_for(&format!("diagnostics for {uri}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str()
                && m["params"]["diagnostics"]
                    .as_array()
                    .is_some_and(|d| !d.is_empty())
        })?;
        Ok(m["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    /// Completion labels at a 0-based line and character.
    fn complete(
        &mut self,
        path: &Path,
        line: usize,
        character: usize,
    ) -> Result<Vec<Value>, String> {
        let result = self.request(
            "textDocument/completion",
            json!({
                "textDocument": { "uri": uri(path) },
                "position": { "line": line, "character": character }
            }),
        )?;
        let items = match &result {
            Value::Array(items) => items.clone(),
            other => other["items"].as_array().cloned().unwrap_or_default(),
        };
        Ok(items)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The settings an editor with the YAML extension sends: validation and
/// completion on, no schema store (no network), and `schemas`, the glob
/// mapping (empty: the `$schema` comment alone must do).
fn settings(schemas: Value) -> Value {
    json!({
        "validate": true,
        "completion": true,
        "hover": true,
        "format": { "enable": false },
        "schemaStore": { "enable": false },
        "schemas": schemas
    })
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A repository fresh from `privgate init`, and a server started in it;
/// `None` (with the reason printed) when the server is not available.
fn initialised() -> Option<(tempfile::TempDir, Server)> {
    initialised_with(json!({}))
}

fn initialised_with(schemas: Value) -> Option<(tempfile::TempDir, Server)> {
    if let Err(why) = server_command() {
        println!("skipped: {why}; .ci/run installs it");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let init = Command::new(env!("CARGO_BIN_EXE_privgate"))
        .arg("init")
        .arg(&root)
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let server = Server::start(&root, settings(schemas)).unwrap_or_else(|e| panic!("{e}"));
    Some((dir, server))
}

/// The `$schema` comment line `init` wrote into the starter manifest,
/// made relative to a manifest one directory below the root.
fn comment_one_level_down(root: &Path) -> String {
    let starter = std::fs::read_to_string(root.join("privacy.yaml")).unwrap();
    let first = starter.lines().next().unwrap();
    let path = first
        .split_once("$schema=")
        .map(|(_, p)| p.trim())
        .expect("init writes a $schema comment");
    assert!(
        !path.contains("://"),
        "init points the comment at a relative path, not {path}"
    );
    format!("# yaml-language-server: $schema=../{path}")
}

#[test]
fn a_misspelt_field_in_a_manifest_gets_a_diagnostic_from_the_schema_init_wrote() {
    let Some((dir, mut server)) = initialised() else {
        return;
    };
    let root = dir.path().canonicalize().unwrap();
    let path = root.join("checkout/privacy.yaml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text = format!(
        "{}\nversion: 1\npurposes:\n  - id: orders\n    lawfull_basis: contract\n",
        comment_one_level_down(&root)
    );
    std::fs::write(&path, &text).unwrap();
    server.open(&path, &text);
    let diagnostics = server.diagnostics(&path).unwrap_or_else(|e| panic!("{e}"));
    let messages: Vec<&str> = diagnostics
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(
        !messages.iter().any(|m| m.contains("Unable to load schema")),
        "the schema did not load: {messages:?}"
    );
    let typo = diagnostics
        .iter()
        .find(|d| {
            d["message"]
                .as_str()
                .is_some_and(|m| m.contains("lawfull_basis"))
        })
        .unwrap_or_else(|| panic!("no diagnostic about the misspelt field: {messages:?}"));
    assert_eq!(typo["range"]["start"]["line"], 4, "{typo}");
}

#[test]
fn completion_in_categories_offers_the_taxonomy_keys_with_their_descriptions() {
    let Some((dir, mut server)) = initialised() else {
        return;
    };
    let root = dir.path().canonicalize().unwrap();
    // The starter manifest itself, as `init` wrote it, with a new list item
    // under the first `categories:`.
    let path = root.join("privacy.yaml");
    let starter = std::fs::read_to_string(&path).unwrap();
    let text = "# yaml-language-server: $schema=.privgate/schemas/manifest.schema.json\nversion: 1\ndatasets:\n  - id: users-db\n    categories:\n      - \n";
    assert!(
        starter.starts_with(text.lines().next().unwrap()),
        "{starter}"
    );
    let started = Instant::now();
    server.open(&path, text);
    let items = server
        .complete(&path, 5, 8)
        .unwrap_or_else(|e| panic!("{e}"));
    let labels: Vec<&str> = items.iter().filter_map(|i| i["label"].as_str()).collect();
    let email = items
        .iter()
        .find(|i| i["label"] == "user.contact.email")
        .unwrap_or_else(|| panic!("no user.contact.email among {labels:?}"));
    let documentation = email["documentation"].to_string();
    assert!(
        documentation.to_lowercase().contains("e-mail") || documentation.contains("email"),
        "{email}"
    );
    assert!(labels.contains(&"user.health"), "{labels:?}");
    println!(
        "completion offered {} categories {:?} after the manifest was opened",
        labels.len(),
        started.elapsed()
    );
    assert!(
        started.elapsed() < PATIENCE,
        "completion took {:?}",
        started.elapsed()
    );

    // Subjects complete the same way.
    let text = "# yaml-language-server: $schema=.privgate/schemas/manifest.schema.json\nversion: 1\ndatasets:\n  - id: users-db\n    subjects:\n      - \n";
    server.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri(&path), "version": 2 },
            "contentChanges": [{ "text": text }]
        }),
    );
    let items = server
        .complete(&path, 5, 8)
        .unwrap_or_else(|e| panic!("{e}"));
    let labels: Vec<&str> = items.iter().filter_map(|i| i["label"].as_str()).collect();
    assert!(labels.contains(&"job_applicant"), "{labels:?}");
}

/// The README's alternative to the comment: `yaml.schemas` maps the
/// written schema to the manifests by glob, relative to the workspace.
#[test]
fn the_readmes_glob_mapping_checks_and_completes_a_manifest_without_the_comment() {
    let Some((dir, mut server)) = initialised_with(json!({
        "./.privgate/schemas/manifest.schema.json": ["**/privacy.yaml", "**/*.privacy.yaml"]
    })) else {
        return;
    };
    let root = dir.path().canonicalize().unwrap();
    let path = root.join("services/mail/outbox.privacy.yaml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text =
        "version: 1\ndatasets:\n  - id: outbox\n    retenton: {}\n    categories:\n      - \n";
    std::fs::write(&path, text).unwrap();
    server.open(&path, text);
    let diagnostics = server.diagnostics(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        diagnostics.iter().any(|d| d["message"]
            .as_str()
            .is_some_and(|m| m.contains("retenton"))),
        "{diagnostics:?}"
    );
    let items = server
        .complete(&path, 5, 8)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        items.iter().any(|i| i["label"] == "user.contact.email"),
        "{items:?}"
    );
}
