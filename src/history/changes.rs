//! Pull-request mode: what a change made better or worse. Findings are
//! matched by rule and target, never by line, so moving or renaming a
//! manifest is not a new finding.

use crate::evaluate::{gate, resolve_gate, Checked, GateFlags};
use crate::load::git::GitTree;
use crate::load::tree::Tree;
use crate::load::LoadOptions;
use crate::model::Model;
use crate::report::{round1, Changes, Finding, Report};
use jiff::civil::Date;
use rayon::prelude::*;
use std::collections::BTreeSet;

/// Adds `changes` to the head report and re-applies the gate so that only
/// new findings count toward `fail_on` (`min_score` still applies to head).
pub fn compare(
    head: &mut Report,
    head_model: &Model,
    base: &Report,
    base_label: &str,
    flags: &GateFlags,
) {
    let ids = |fs: &[Finding]| -> BTreeSet<(String, String)> {
        fs.iter()
            .map(|f| (f.rule.clone(), f.target.clone()))
            .collect()
    };
    let (head_ids, base_ids) = (ids(&head.findings), ids(&base.findings));
    // A finding the base had only under a waiver counts again once the
    // waiver is gone: new for the gate, so dropping a waiver cannot slip
    // an accepted critical finding back in unnoticed.
    let base_unwaived = ids(&base
        .findings
        .iter()
        .filter(|f| !f.waived)
        .cloned()
        .collect::<Vec<_>>());
    let new: Vec<Finding> = head
        .findings
        .iter()
        .filter(|f| {
            let id = (f.rule.clone(), f.target.clone());
            !base_ids.contains(&id) || (!f.waived && !base_unwaived.contains(&id))
        })
        .cloned()
        .collect();
    let fixed: Vec<Finding> = base
        .findings
        .iter()
        .filter(|f| !head_ids.contains(&(f.rule.clone(), f.target.clone())))
        .cloned()
        .collect();
    head.gate = gate(
        &resolve_gate(head_model, flags),
        head.score.overall,
        &new,
        true,
    );
    head.changes = Some(Changes {
        base: base_label.to_string(),
        base_commit: None,
        base_checked: true,
        base_score: base.score.overall,
        score_delta: round1(head.score.overall - base.score.overall),
        new,
        fixed,
    });
}

/// Manifests the base checked that the head still holds but no longer
/// checks (a new `exclude:`, a narrower `manifests:`): their findings went
/// away without being fixed.
pub fn no_longer_checked(
    head: &Model,
    base: &Model,
    head_tree: &dyn crate::load::tree::Tree,
) -> Vec<String> {
    let checked: BTreeSet<&str> = head.manifests.iter().map(String::as_str).collect();
    base.manifests
        .iter()
        .filter(|p| !checked.contains(p.as_str()) && head_tree.is_file(p))
        .cloned()
        .collect()
}

/// Takes the findings of `unchecked` manifests out of `fixed` and says
/// why in a warning, so that excluding a manifest does not read as a fix.
pub fn set_aside_unchecked(head: &mut Report, unchecked: &[String], base_label: &str) {
    let Some(changes) = &mut head.changes else {
        return;
    };
    if unchecked.is_empty() {
        return;
    }
    changes.fixed.retain(|f| !unchecked.contains(&f.file));
    head.warnings.push(format!(
        "{} checked on the base `{base_label}` {} still here but no longer checked (excluded, or outside `manifests:`): {}; {} findings are not counted as fixed",
        if unchecked.len() == 1 { "a manifest" } else { "manifests" },
        if unchecked.len() == 1 { "is" } else { "are" },
        unchecked.join(", "),
        if unchecked.len() == 1 { "its" } else { "their" },
    ));
}

/// Whether `base` holds exactly the inputs the head was checked from: the
/// same config, the same manifest and dependency files with the same bytes,
/// and the same documents present. Then the base's report is the head's, and the second
/// evaluation is skipped (most pull requests touch no privacy file).
/// Conservative: a `--config` from outside the tree always gets a full base
/// check.
pub fn same_inputs(
    head: &crate::evaluate::Checked,
    base: &dyn crate::load::tree::Tree,
    external_config: bool,
) -> bool {
    let model = &head.model;
    if external_config {
        return false;
    }
    let same_bytes = |path: &str| {
        head.workspace
            .sources
            .get(path)
            .is_some_and(|h| base.holds(path, h.as_bytes()))
    };
    let config_same = match &model.config_file {
        Some(path) => same_bytes(path),
        None => !crate::manifest::CONFIG_NAMES
            .iter()
            .any(|n| base.is_file(n)),
    };
    if !config_same {
        return false;
    }
    let globs = crate::load::discover::Globs::new(
        model.config.manifests.as_deref(),
        &model.config.exclude,
        None,
    );
    let Ok(globs) = globs else { return false };
    let scan = model.config.dependencies.scan();
    match crate::load::discover::discover_with_dependencies(base, &globs, scan) {
        (paths, deps, errors)
            if errors.is_empty() && paths == model.manifests && deps == model.dependency_files => {}
        _ => return false,
    }
    // The same config names the same packs; the base must hold the same
    // files with the same bytes.
    match crate::evaluate::org_pack_paths(model, base) {
        Some(paths) if paths == head.org_pack_files => {}
        _ => return false,
    }
    head.org_pack_files.iter().all(|p| same_bytes(p))
        && model.manifests.par_iter().all(|p| same_bytes(p))
        && model.dependency_files.par_iter().all(|p| same_bytes(p))
        && model
            .documents
            .iter()
            .all(|(path, exists)| base.is_file(path) == *exists)
}

/// Adds what changed since `base_tree` (the repository at `rev`) to the
/// head's report, with the base's commit id.
pub fn compare_with_base(
    head: &mut Checked,
    head_tree: &dyn Tree,
    rev: &str,
    base_tree: &GitTree,
    options: &LoadOptions,
    today: Date,
    gate: &GateFlags,
) {
    compare_with(head, head_tree, rev, base_tree, options, today, gate);
    if let Some(c) = &mut head.report.changes {
        c.base_commit = base_tree.commit_id();
    }
}

fn compare_with(
    head: &mut Checked,
    head_tree: &dyn Tree,
    rev: &str,
    base_tree: &GitTree,
    options: &LoadOptions,
    today: Date,
    gate: &GateFlags,
) {
    if same_inputs(head, base_tree, options.config_path.is_some()) {
        let base = head.report.clone();
        compare(&mut head.report, &head.model, &base, rev, gate);
        return;
    }
    // The base is judged by its own config, so a PR that changes the
    // config is compared fairly; the files it shares with the head are
    // not parsed twice.
    let base_options = LoadOptions {
        config_path: None,
        keep_parsed: false,
        reuse: Some(std::sync::Arc::new(crate::load::Reuse::from_workspace(
            &mut head.workspace,
        ))),
        ..options.clone()
    };
    match crate::evaluate::check_tree(base_tree, &base_options, today, gate.clone()) {
        Ok(base) => {
            let unchecked = no_longer_checked(&head.model, &base.model, head_tree);
            compare(&mut head.report, &head.model, &base.report, rev, gate);
            set_aside_unchecked(&mut head.report, &unchecked, rev);
        }
        Err((_, diags)) => {
            let n = diags.iter().filter(|d| d.is_error()).count();
            head.report.warnings.push(format!(
                "the base `{rev}` does not validate ({n} error{}); every finding counts as new",
                crate::text::plural(n)
            ));
            let empty = crate::report::Report {
                findings: Vec::new(),
                score: crate::report::Score {
                    overall: 0.0,
                    grade: "F".into(),
                    grade_cap: None,
                    by_regulation: Default::default(),
                },
                ..head.report.clone()
            };
            compare(&mut head.report, &head.model, &empty, rev, gate);
            if let Some(c) = &mut head.report.changes {
                c.base_checked = false;
            }
        }
    }
}
