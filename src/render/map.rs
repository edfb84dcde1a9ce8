//! The data map: systems, datasets and vendors as nodes grouped by country,
//! flows as edges labelled with their data categories. Edges whose
//! recipient is outside the EEA, and nodes and edges with open findings,
//! stand out. Three renderings of one `Graph`: Graphviz DOT, Mermaid, and
//! SVG laid out in-process by `layout-rs` (no Graphviz needed).
//!
//! Names come from users: DOT and Mermaid quote and escape every id and
//! label, and the SVG backend escapes text itself; no user text ever reaches
//! an attribute the renderers do not control.

use crate::manifest::{Dataset, Flow};
use crate::model::{Decl, Model};
use crate::report::Report;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// Largest graph `to_svg` lays out; beyond it the layout takes too long to
/// be worth waiting for and the picture is unreadable anyway.
pub const MAX_SVG_NODES: usize = 400;

/// A flow endpoint, as an index into the model's list of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Vendor(usize),
    Dataset(usize),
    System(usize),
}

/// Id lookups over a model (ids are unique per kind once resolved).
pub struct Lookup<'m> {
    pub model: &'m Model,
    vendors: HashMap<&'m str, usize>,
    datasets: HashMap<&'m str, usize>,
    systems: HashMap<&'m str, usize>,
    assessments: HashMap<&'m str, usize>,
    system_by_file: HashMap<&'m str, usize>,
}

impl<'m> Lookup<'m> {
    pub fn new(model: &'m Model) -> Lookup<'m> {
        fn index<T>(v: &[Decl<T>], id: fn(&T) -> &str) -> HashMap<&str, usize> {
            v.iter()
                .enumerate()
                .map(|(i, d)| (id(&d.item), i))
                .collect()
        }
        Lookup {
            model,
            vendors: index(&model.vendors, |x| &x.id),
            datasets: index(&model.datasets, |x| &x.id),
            systems: index(&model.systems, |x| &x.id),
            assessments: index(&model.assessments, |x| &x.id),
            system_by_file: model
                .systems
                .iter()
                .enumerate()
                .map(|(i, s)| (s.origin.file.as_str(), i))
                .collect(),
        }
    }

    /// What a flow's `to` names: a vendor first, then a dataset, then a
    /// system (the order the rules' facts use).
    pub fn recipient(&self, id: &str) -> Option<Endpoint> {
        self.vendors
            .get(id)
            .map(|&i| Endpoint::Vendor(i))
            .or_else(|| self.datasets.get(id).map(|&i| Endpoint::Dataset(i)))
            .or_else(|| self.systems.get(id).map(|&i| Endpoint::System(i)))
    }

    /// What a flow's `from` names: a dataset, else a system.
    pub fn source(&self, id: &str) -> Option<Endpoint> {
        self.datasets
            .get(id)
            .map(|&i| Endpoint::Dataset(i))
            .or_else(|| self.systems.get(id).map(|&i| Endpoint::System(i)))
    }

    /// Where the recipient processes the data: `destination_country`, else
    /// the vendor's country, else the dataset's location (as the rules read it).
    pub fn recipient_country(&self, flow: &Flow) -> Option<String> {
        if let Some(c) = &flow.destination_country {
            return Some(c.clone());
        }
        match self.recipient(&flow.to)? {
            Endpoint::Vendor(i) => self.model.vendors[i].item.country.clone(),
            Endpoint::Dataset(i) => self.model.datasets[i].item.location.clone(),
            Endpoint::System(_) => None,
        }
    }

    pub fn dataset(&self, id: &str) -> Option<&'m Decl<Dataset>> {
        self.datasets.get(id).map(|&i| &self.model.datasets[i])
    }

    pub fn assessment(&self, id: &str) -> Option<&'m crate::manifest::Assessment> {
        self.assessments
            .get(id)
            .map(|&i| &self.model.assessments[i].item)
    }

    /// The system declared in `file`, if any.
    pub fn system_in(&self, file: &str) -> Option<&'m Decl<crate::manifest::System>> {
        self.system_by_file
            .get(file)
            .map(|&i| &self.model.systems[i])
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// `kind:id`, unique in the graph.
    pub key: String,
    pub kind: &'static str,
    pub id: String,
    pub name: Option<String>,
    pub country: Option<String>,
    /// Rule ids of open (unwaived) findings on this declaration.
    pub findings: Vec<String>,
}

impl Node {
    pub fn title(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub flow: String,
    /// Node keys.
    pub from: String,
    pub to: String,
    pub purpose: Option<String>,
    pub categories: Vec<String>,
    /// Recipient country, when known.
    pub country: Option<String>,
    pub mechanism: Option<String>,
    /// The recipient country is known and outside the EEA.
    pub leaves_eea: bool,
    pub findings: Vec<String>,
}

/// Nodes of one country (or of none declared).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub country: Option<String>,
    pub eea: Option<bool>,
    pub label: String,
    /// Indexes into `Graph::nodes`.
    pub nodes: Vec<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub groups: Vec<Group>,
}

/// Builds the graph; with a report, open findings mark their nodes and edges.
pub fn build(model: &Model, report: Option<&Report>) -> Graph {
    let lookup = Lookup::new(model);
    let mut findings: HashMap<&str, Vec<String>> = HashMap::new();
    if let Some(r) = report {
        for f in r.findings.iter().filter(|f| !f.waived) {
            let list = findings.entry(f.target.as_str()).or_default();
            if !list.contains(&f.rule) {
                list.push(f.rule.clone());
            }
        }
    }
    let found = |key: &str| findings.get(key).cloned().unwrap_or_default();
    let mut nodes = Vec::new();
    let mut push =
        |kind: &'static str, id: &str, name: &Option<String>, country: &Option<String>| {
            let key = format!("{kind}:{id}");
            nodes.push(Node {
                findings: found(&key),
                key,
                kind,
                id: id.to_string(),
                name: name.clone(),
                country: country.clone(),
            });
        };
    for s in &model.systems {
        push("system", &s.item.id, &s.item.name, &None);
    }
    for d in &model.datasets {
        push("dataset", &d.item.id, &d.item.name, &d.item.location);
    }
    for v in &model.vendors {
        push("vendor", &v.item.id, &v.item.name, &v.item.country);
    }
    let key = |e: Endpoint| match e {
        Endpoint::Vendor(i) => format!("vendor:{}", model.vendors[i].item.id),
        Endpoint::Dataset(i) => format!("dataset:{}", model.datasets[i].item.id),
        Endpoint::System(i) => format!("system:{}", model.systems[i].item.id),
    };
    let edges = model
        .flows
        .iter()
        .filter_map(|d| {
            let f = &d.item;
            let from = lookup.source(&f.from)?;
            let to = lookup.recipient(&f.to)?;
            let country = lookup.recipient_country(f);
            Some(Edge {
                flow: f.id.clone(),
                from: key(from),
                to: key(to),
                purpose: f.purpose.clone(),
                categories: f.categories.clone(),
                leaves_eea: country
                    .as_deref()
                    .is_some_and(|c| !model.taxonomy.in_eea(c)),
                country,
                mechanism: f.transfer_mechanism.clone(),
                findings: found(&format!("flow:{}", f.id)),
            })
        })
        .collect();
    let mut by_country: BTreeMap<Option<&str>, Vec<usize>> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        by_country.entry(n.country.as_deref()).or_default().push(i);
    }
    let mut groups: Vec<Group> = by_country
        .into_iter()
        .map(|(country, members)| {
            let eea = country.map(|c| model.taxonomy.in_eea(c));
            let label = match (country, eea) {
                (Some(c), Some(true)) => format!("{c} (EEA)"),
                (Some(c), _) => format!("{c} (outside the EEA)"),
                (None, _) => "no location declared".to_string(),
            };
            Group {
                country: country.map(str::to_string),
                eea,
                label,
                nodes: members,
            }
        })
        .collect();
    // EEA first, then the rest, then the undeclared; alphabetical within.
    groups.sort_by_key(|g| (g.country.is_none(), g.eea != Some(true), g.country.clone()));
    Graph {
        nodes,
        edges,
        groups,
    }
}

/// Categories shortened for diagrams: `user.` is implied.
fn short_category(c: &str) -> &str {
    c.strip_prefix("user.").unwrap_or(c)
}

/// The categories on one line of about `max` characters; the rest counted
/// ("+2 more"). The SVG backend cannot wrap edge labels, and the full list
/// is in DOT, Mermaid and the report's flow table.
fn compact_label(categories: &[String], max: usize) -> String {
    let mut text = String::new();
    for (i, c) in categories.iter().enumerate() {
        let c = short_category(c);
        if !text.is_empty() && text.len() + c.len() + 2 > max {
            return format!("{text} +{} more", categories.len() - i);
        }
        if !text.is_empty() {
            text.push_str(", ");
        }
        text.push_str(c);
    }
    if text.is_empty() {
        text.push_str("(no categories)");
    }
    text
}

/// Edge label lines: the categories, a few per line.
fn edge_lines(e: &Edge) -> Vec<String> {
    let cats: Vec<&str> = e.categories.iter().map(|c| short_category(c)).collect();
    if cats.is_empty() {
        return vec!["(no categories)".into()];
    }
    cats.chunks(2).map(|c| c.join(", ")).collect()
}

fn node_kind_line(n: &Node) -> String {
    match &n.country {
        Some(c) => format!("{} · {c}", n.kind),
        None => n.kind.to_string(),
    }
}

// ---------------------------------------------------------------------------
// DOT

/// A DOT double-quoted string: backslashes and quotes escaped, line breaks
/// as DOT's `\n`.
fn dq(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('"');
    for c in text.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            '\r' => {}
            c if crate::diagnostic::is_hazard(c) => s.push_str(&c.escape_unicode().to_string()),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

const RED: &str = "#b91c1c";
const AMBER: &str = "#c2410c";

/// Graphviz DOT: every id quoted, one `cluster_` subgraph per country.
pub fn to_dot(g: &Graph) -> String {
    let mut out = String::new();
    out.push_str("// privgate data map: nodes grouped by country; amber edges leave the EEA,\n");
    out.push_str("// red edges and nodes have open findings. Render with `dot -Tsvg`.\n");
    out.push_str("digraph \"privgate\" {\n");
    out.push_str("  graph [rankdir=\"LR\", fontname=\"Helvetica\", compound=\"true\"];\n");
    out.push_str("  node [fontname=\"Helvetica\", fontsize=\"11\", shape=\"box\", style=\"rounded,filled\", fillcolor=\"#ffffff\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=\"9\"];\n");
    for (gi, group) in g.groups.iter().enumerate() {
        let fill = match group.eea {
            Some(true) => "#eef4fb",
            Some(false) => "#fdf1e7",
            None => "#f3f4f6",
        };
        let _ = writeln!(out, "  subgraph {} {{", dq(&format!("cluster_{gi}")));
        let _ = writeln!(
            out,
            "    label={}; style=\"filled\"; color=\"#9ca3af\"; fillcolor={};",
            dq(&group.label),
            dq(fill)
        );
        for &i in &group.nodes {
            let n = &g.nodes[i];
            let shape = match n.kind {
                "dataset" => "cylinder",
                "vendor" => "box",
                _ => "component",
            };
            let mut attrs = vec![
                format!(
                    "label={}",
                    dq(&format!("{}\n{}", n.title(), node_kind_line(n)))
                ),
                format!("shape={}", dq(shape)),
                format!("tooltip={}", dq(&n.key)),
            ];
            if !n.findings.is_empty() {
                attrs.push(format!("color={}", dq(RED)));
                attrs.push("penwidth=\"2.5\"".into());
                attrs.push(format!("xlabel={}", dq(&n.findings.join("\n"))));
                attrs.push(format!("fontcolor={}", dq(RED)));
            }
            let _ = writeln!(out, "    {} [{}];", dq(&n.key), attrs.join(", "));
        }
        out.push_str("  }\n");
    }
    for e in &g.edges {
        let mut label = edge_lines(e).join("\n");
        if e.leaves_eea {
            let to = e.country.as_deref().unwrap_or("?");
            let via = e.mechanism.as_deref().unwrap_or("no mechanism");
            label = format!("{label}\nto {to} ({via})");
        }
        if !e.findings.is_empty() {
            label = format!("{label}\n{}", e.findings.join("\n"));
        }
        let mut attrs = vec![
            format!("label={}", dq(&label)),
            format!("tooltip={}", dq(&format!("flow:{}", e.flow))),
        ];
        if !e.findings.is_empty() {
            attrs.push(format!("color={}", dq(RED)));
            attrs.push(format!("fontcolor={}", dq(RED)));
            attrs.push("penwidth=\"2.5\"".into());
        } else if e.leaves_eea {
            attrs.push(format!("color={}", dq(AMBER)));
            attrs.push(format!("fontcolor={}", dq(AMBER)));
            attrs.push("penwidth=\"2\"".into());
        }
        if e.leaves_eea {
            attrs.push("style=\"dashed\"".into());
        }
        let _ = writeln!(
            out,
            "  {} -> {} [{}];",
            dq(&e.from),
            dq(&e.to),
            attrs.join(", ")
        );
    }
    out.push_str("}\n");
    out
}

// ---------------------------------------------------------------------------
// Mermaid

/// Text inside a Mermaid `"..."` label: quotes, angle brackets and the
/// entity marker `#` as Mermaid entity codes, so nothing is read as markup.
fn mermaid_text(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => s.push_str("#35;"),
            '"' => s.push_str("#quot;"),
            '<' => s.push_str("#lt;"),
            '>' => s.push_str("#gt;"),
            '&' => s.push_str("#amp;"),
            '|' => s.push_str("#124;"),
            '`' => s.push_str("#96;"),
            '\n' | '\r' => s.push(' '),
            // An escape sequence in a name must not reach a terminal or a
            // renderer as one.
            c if crate::diagnostic::is_hazard(c) => s.push_str(&c.escape_unicode().to_string()),
            c => s.push(c),
        }
    }
    s
}

/// Mermaid flowchart: nodes are `n0`, `n1`... (Mermaid ids are restricted),
/// labels quoted; one subgraph per country.
pub fn to_mermaid(g: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    let ids: HashMap<&str, usize> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.key.as_str(), i))
        .collect();
    for (gi, group) in g.groups.iter().enumerate() {
        let _ = writeln!(out, "  subgraph g{gi}[\"{}\"]", mermaid_text(&group.label));
        for &i in &group.nodes {
            let n = &g.nodes[i];
            let label = format!(
                "{}<br/>{}",
                mermaid_text(n.title()),
                mermaid_text(&node_kind_line(n))
            );
            let (open, close) = match n.kind {
                "dataset" => ("[(", ")]"),
                "vendor" => ("[", "]"),
                _ => ("[[", "]]"),
            };
            let _ = writeln!(out, "    n{i}{open}\"{label}\"{close}");
        }
        out.push_str("  end\n");
    }
    let mut red = Vec::new();
    let mut amber = Vec::new();
    let mut k = 0;
    for e in &g.edges {
        let (Some(a), Some(b)) = (ids.get(e.from.as_str()), ids.get(e.to.as_str())) else {
            continue;
        };
        let mut lines: Vec<String> = edge_lines(e).iter().map(|l| mermaid_text(l)).collect();
        if e.leaves_eea {
            let to = e.country.as_deref().unwrap_or("?");
            let via = e.mechanism.as_deref().unwrap_or("no mechanism");
            lines.push(mermaid_text(&format!("to {to} ({via})")));
        }
        lines.extend(e.findings.iter().map(|f| mermaid_text(f)));
        let arrow = if e.leaves_eea { "-.->" } else { "-->" };
        let _ = writeln!(out, "  n{a} {arrow}|\"{}\"| n{b}", lines.join("<br/>"));
        if !e.findings.is_empty() {
            red.push(k.to_string());
        } else if e.leaves_eea {
            amber.push(k.to_string());
        }
        k += 1;
    }
    out.push_str(&format!(
        "  classDef finding stroke:{RED},stroke-width:3px,color:{RED}\n"
    ));
    let flagged: Vec<String> = g
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.findings.is_empty())
        .map(|(i, _)| format!("n{i}"))
        .collect();
    if !flagged.is_empty() {
        let _ = writeln!(out, "  class {} finding", flagged.join(","));
    }
    if !red.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:{RED},stroke-width:3px",
            red.join(",")
        );
    }
    if !amber.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:{AMBER},stroke-width:2px",
            amber.join(",")
        );
    }
    out
}

// ---------------------------------------------------------------------------
// SVG (layout-rs)

/// Lays the graph out with layout-rs and returns a standalone SVG document.
/// Errors when the graph is larger than `MAX_SVG_NODES` or the layout fails.
pub fn to_svg(g: &Graph) -> Result<String, String> {
    use layout::backends::svg::SVGWriter;
    use layout::core::base::Orientation;
    use layout::core::color::Color;
    use layout::core::style::{LineStyleKind, StyleAttr};
    use layout::std_shapes::render::get_shape_size;
    use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
    use layout::topo::layout::VisualGraph;

    // Every declared node is drawn, those no flow touches too: a dataset
    // of children's health data must not vanish from the map because no
    // flow names it yet.
    if g.nodes.len() > MAX_SVG_NODES {
        return Err(format!(
            "The map has {} nodes, more than the {MAX_SVG_NODES} the built-in layout draws: \
             export it with privgate map --format dot and draw it with Graphviz (dot -Tsvg).",
            g.nodes.len()
        ));
    }
    if g.nodes.is_empty() {
        return Ok(EMPTY_SVG.to_string());
    }
    let result = quietly_catching(|| {
        let dir = Orientation::LeftToRight;
        let mut vg = VisualGraph::new(dir);
        let mut handles = HashMap::new();
        for n in &g.nodes {
            let (fill, line, width) = if !n.findings.is_empty() {
                ("#fde8e8", RED, 3)
            } else {
                match (n.kind, n.country.as_deref()) {
                    (_, Some(c)) if !group_is_eea(g, c) => ("#fdf1e7", "#6b7280", 1),
                    ("vendor", _) => ("#eef4fb", "#6b7280", 1),
                    ("dataset", _) => ("#f0fdf4", "#6b7280", 1),
                    _ => ("#f9fafb", "#6b7280", 1),
                }
            };
            let label = format!("{}\n{}", n.title(), node_kind_line(n));
            let shape = ShapeKind::new_box(&label);
            let look = StyleAttr::new(Color::fast(line), width, Some(Color::fast(fill)), 6, 14);
            // layout-rs sizes text as one font size per character, twice
            // what Helvetica takes: boxes that wide spread the map until
            // the page must shrink it past reading. Sized by a closer
            // average instead (0.6 em).
            let size = get_shape_size(dir.flip(), &shape, 14, false);
            let longest = label.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            let size = layout::core::geometry::Point::new(
                (longest as f64 * 14.0 * 0.6 + 28.0).min(size.x),
                size.y,
            );
            let h = vg.add_node(Element::create(shape, look, dir.flip(), size));
            handles.insert(n.key.as_str(), h);
        }
        for e in &g.edges {
            let (Some(&a), Some(&b)) = (handles.get(e.from.as_str()), handles.get(e.to.as_str()))
            else {
                continue;
            };
            let (color, width) = if !e.findings.is_empty() {
                (RED, 2)
            } else if e.leaves_eea {
                (AMBER, 2)
            } else {
                ("#374151", 1)
            };
            let style = if e.leaves_eea {
                LineStyleKind::Dashed
            } else {
                LineStyleKind::Normal
            };
            let mut text = compact_label(&e.categories, 30);
            if e.leaves_eea {
                text = format!("{text} → {}", e.country.as_deref().unwrap_or("?"));
            }
            let look = StyleAttr::new(Color::fast(color), width, None, 0, 12);
            let arrow = Arrow::new(
                LineEndKind::None,
                LineEndKind::Arrow,
                style,
                &text,
                &look,
                &None,
                &None,
            );
            vg.add_edge(arrow, a, b);
        }
        let mut svg = SVGWriter::new();
        vg.do_it(false, false, false, &mut svg);
        // layout-rs grows the canvas by each label's length in both
        // directions; the nodes tell the real extent.
        let (mut width, mut height) = (0f64, 0f64);
        for h in vg.iter_nodes() {
            let (_, bottom_right) = vg.pos(h).bbox(false);
            width = width.max(bottom_right.x);
            height = height.max(bottom_right.y);
        }
        (svg.finalize(), width + 24.0, height + 24.0)
    });
    match result {
        Ok((svg, width, height)) => {
            let svg = svg.replace("font-family: Times, serif", "font-family: Helvetica, Arial, sans-serif");
            Ok(resize(&sorted_styles(&svg), width.ceil(), height.ceil()))
        }
        Err(_) => Err("The built-in layout of the data map failed: export it with privgate map --format dot and draw it with Graphviz (dot -Tsvg).".into()),
    }
}

/// `f`, with a panic inside it caught and not printed: layout-rs asserts
/// on some graphs, and its "panicked at" on stderr would read as a crash
/// beside the clear error the caller gives instead.
fn quietly_catching<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> std::thread::Result<T> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(f);
    std::panic::set_hook(previous);
    result
}

/// layout-rs writes its font classes from a `HashMap`, in a different
/// order every run; sorting them keeps the output deterministic.
fn sorted_styles(svg: &str) -> String {
    let (Some(start), Some(end)) = (svg.find("<style>\n"), svg.find("</style>")) else {
        return svg.to_string();
    };
    let body = start + "<style>\n".len();
    if end < body {
        return svg.to_string();
    }
    let mut lines: Vec<&str> = svg[body..end].lines().collect();
    lines.sort_unstable();
    let mut out = String::with_capacity(svg.len());
    out.push_str(&svg[..body]);
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(&svg[end..]);
    out
}

/// Replaces the size of the root `<svg>` element.
fn resize(svg: &str, width: f64, height: f64) -> String {
    let Some(start) = svg.find("<svg ") else {
        return svg.to_string();
    };
    let Some(len) = svg[start..].find('>') else {
        return svg.to_string();
    };
    format!(
        "{}<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">{}",
        &svg[..start],
        &svg[start + len + 1..]
    )
}

fn group_is_eea(g: &Graph, country: &str) -> bool {
    g.groups
        .iter()
        .find(|x| x.country.as_deref() == Some(country))
        .and_then(|x| x.eea)
        .unwrap_or(true)
}

const EMPTY_SVG: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<svg width=\"320\" height=\"40\" viewBox=\"0 0 320 40\" xmlns=\"http://www.w3.org/2000/svg\"><text x=\"10\" y=\"24\" font-family=\"sans-serif\" font-size=\"13\">No systems, datasets or vendors declared.</text></svg>\n";

/// The SVG without its XML declaration, for embedding in HTML.
pub fn svg_fragment(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}
