//! Generates a synthetic repository of N manifests for benchmarks:
//! `cargo run --release --example gen_corpus -- N DIR`.
//!
//! Each service declares a system, two datasets, two purposes, a consent,
//! two flows and an assessment; every tenth service also declares a vendor.
//! About one service in seven carries a deliberate gap (no retention, an
//! unsigned contract, a stale assessment) so the rules have work to do.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: gen_corpus N DIR");
        std::process::exit(2);
    }
    let n: usize = match args[1].parse() {
        Ok(n) => n,
        Err(_) => {
            eprintln!("N must be a number");
            std::process::exit(2);
        }
    };
    if let Err(e) = generate(n, Path::new(&args[2])) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn generate(n: usize, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("docs"))?;
    std::fs::write(dir.join("docs/dpia.md"), "# DPIA\n")?;
    std::fs::write(dir.join("docs/breach.md"), "# Breach response\n")?;
    std::fs::write(
        dir.join("privgate.yaml"),
        "version: 1\norganization: Bench Corp\ngate: { min_score: 50, fail_on: critical }\n",
    )?;
    let vendors = n.div_ceil(10).max(1);
    for i in 0..n {
        let svc = dir.join(format!("services/svc-{i:05}"));
        std::fs::create_dir_all(&svc)?;
        let text = if i == 0 {
            format!("{}{}", service(i, vendors), repository_wide())
        } else {
            service(i, vendors)
        };
        std::fs::write(svc.join("privacy.yaml"), text)?;
    }
    Ok(())
}

fn repository_wide() -> String {
    "rights:\n  access: { sla: P30D }\n  erasure: { sla: P30D }\n  rectification: { sla: P30D }\n  portability: { sla: P30D }\n  objection: { sla: P30D }\n  opt_out: { sla: P15D, gpc: true }\nbreach:\n  plan: docs/breach.md\n  notify_authority_within: PT72H\n".to_string()
}

fn service(i: usize, vendors: usize) -> String {
    let gap = i % 7 == 3;
    let vendor = format!("vendor-{:05}", i % vendors);
    let mut s = String::new();
    let retention = if gap {
        String::new()
    } else {
        "    retention: { period: P2Y, trigger: account closed, deletion: automated }\n".into()
    };
    let _ = write!(
        s,
        "version: 1\nsystem:\n  id: svc-{i}\n  name: Service {i}\n  owner: team-{i}@bench.example\n\
datasets:\n  - id: db-{i}\n    description: Customer records of service {i}\n    categories: [user.contact.email, user.name, user.financial]\n    subjects: [customer]\n    location: DE\n    encrypted_at_rest: true\n{retention}\
  - id: events-{i}\n    description: Usage events\n    categories: [user.device.ip_address, user.behavior]\n    subjects: [customer, visitor]\n    location: IE\n    encrypted_at_rest: true\n    retention: {{ period: P90D, trigger: collected, deletion: automated }}\n\
purposes:\n  - id: orders-{i}\n    description: Fulfil orders\n    lawful_basis: contract\n    categories: [user.contact.email, user.name, user.financial]\n    subjects: [customer]\n    datasets: [db-{i}]\n    assessments: [dpia-{i}]\n    notice: https://bench.example/privacy#orders\n\
  - id: news-{i}\n    description: Newsletter\n    lawful_basis: consent\n    consent: consent-{i}\n    categories: [user.contact.email]\n    subjects: [customer]\n    datasets: [db-{i}]\n    notice: https://bench.example/privacy#news\n\
consents:\n  - id: consent-{i}\n    purposes: [news-{i}]\n    mechanism: double_opt_in\n    withdrawable: true\n    recorded: true\n    minimum_age: 16\n\
flows:\n  - id: flow-{i}-a\n    from: db-{i}\n    to: events-{i}\n    purpose: orders-{i}\n    categories: [user.contact.email]\n    encrypted_in_transit: true\n\
  - id: flow-{i}-b\n    from: db-{i}\n    to: {vendor}\n    purpose: orders-{i}\n    categories: [user.financial]\n    destination_country: US\n    transfer_mechanism: dpf\n    encrypted_in_transit: true\n\
assessments:\n  - id: dpia-{i}\n    type: dpia\n    document: docs/dpia.md\n    date: 2026-06-01\n    status: approved\n    approver: dpo@bench.example\n    review: P1Y\n"
    );
    if i % 10 == 0 {
        let v = i / 10;
        let date = if gap { "2024-01-01" } else { "2026-05-01" };
        let signed = if gap { "" } else { "      signed: 2025-01-01\n" };
        let _ = write!(
            s,
            "vendors:\n  - id: vendor-{v:05}\n    name: Vendor {v}\n    role: processor\n    country: US\n    dpf_certified: true\n    contract:\n      type: dpa\n{signed}    assessment: {{ date: {date}, result: approved }}\n    deletion_propagation: true\n"
        );
    }
    s
}
