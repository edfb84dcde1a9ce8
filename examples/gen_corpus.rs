//! Generates a synthetic repository of N manifests for benchmarks:
//! `cargo run --release --example gen_corpus -- N DIR`.
//!
//! Each service declares a system, two datasets, two purposes, a consent,
//! two flows and an assessment; every tenth service also declares a vendor.
//! About one service in seven carries a deliberate gap (no retention, an
//! unsigned contract, a stale assessment) so the rules have work to do.
//!
//! Each service also has a `package.json` (dependency scanning, rules.md
//! "Declared vs. used") with a few ordinary packages and the Sentry SDK,
//! every tenth the Stripe SDK too; the first service declares both vendors
//! and each service a flow to Sentry, so the scan has lines to match and
//! rules to check without flooding the report.

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
    std::fs::create_dir_all(dir.join("privacy"))?;
    std::fs::write(dir.join("privacy/vendors.privacy.yaml"), sdk_vendors())?;
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
        std::fs::write(svc.join("package.json"), package_json(i))?;
    }
    Ok(())
}

/// A service's direct dependencies.
fn package_json(i: usize) -> String {
    let stripe = if i % 10 == 0 {
        "    \"stripe\": \"^14.21.0\",\n"
    } else {
        ""
    };
    format!(
        "{{\n  \"name\": \"@bench/svc-{i}\",\n  \"version\": \"1.0.{i}\",\n  \"dependencies\": {{\n    \"express\": \"^4.19.2\",\n    \"lodash\": \"^4.17.21\",\n    \"pino\": \"^9.0.0\",\n{stripe}    \"@sentry/node\": \"^8.9.2\"\n  }},\n  \"devDependencies\": {{\n    \"jest\": \"^29.7.0\",\n    \"typescript\": \"^5.4.5\"\n  }}\n}}\n"
    )
}

/// The vendors whose SDKs every `package.json` names.
fn sdk_vendors() -> String {
    let vendor = |id: &str| {
        format!("  - id: {id}\n    role: processor\n    country: US\n    dpf_certified: true\n    contract: {{ type: dpa, signed: 2025-01-01 }}\n    assessment: {{ date: 2026-05-01, result: approved }}\n    deletion_propagation: true\n")
    };
    format!(
        "version: 1\nvendors:\n{}{}",
        vendor("sentry"),
        vendor("stripe")
    )
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
    let stripe_flow = if i % 10 == 0 {
        format!("  - id: flow-{i}-payments\n    from: svc-{i}\n    to: stripe\n    purpose: orders-{i}\n    categories: [user.financial]\n    destination_country: US\n    transfer_mechanism: dpf\n    encrypted_in_transit: true\n")
    } else {
        String::new()
    };
    let _ = write!(
        s,
        r#"version: 1
system:
  id: svc-{i}
  name: Service {i}
  owner: team-{i}@bench.example
datasets:
  - id: db-{i}
    description: Customer records of service {i}
    categories: [user.contact.email, user.name, user.financial]
    subjects: [customer]
    location: DE
    encrypted_at_rest: true
{retention}  - id: events-{i}
    description: Usage events
    categories: [user.device.ip_address, user.behavior]
    subjects: [customer, visitor]
    location: IE
    encrypted_at_rest: true
    retention: {{ period: P90D, trigger: collected, deletion: automated }}
purposes:
  - id: orders-{i}
    description: Fulfil orders
    lawful_basis: contract
    categories: [user.contact.email, user.name, user.financial]
    subjects: [customer]
    datasets: [db-{i}]
    assessments: [dpia-{i}]
    notice: https://bench.example/privacy#orders
  - id: news-{i}
    description: Newsletter
    lawful_basis: consent
    consent: consent-{i}
    categories: [user.contact.email]
    subjects: [customer]
    datasets: [db-{i}]
    notice: https://bench.example/privacy#news
consents:
  - id: consent-{i}
    purposes: [news-{i}]
    mechanism: double_opt_in
    withdrawable: true
    recorded: true
    minimum_age: 16
flows:
  - id: flow-{i}-a
    from: db-{i}
    to: events-{i}
    purpose: orders-{i}
    categories: [user.contact.email]
    encrypted_in_transit: true
  - id: flow-{i}-b
    from: db-{i}
    to: {vendor}
    purpose: orders-{i}
    categories: [user.financial]
    destination_country: US
    transfer_mechanism: dpf
    encrypted_in_transit: true
  - id: flow-{i}-errors
    from: svc-{i}
    to: sentry
    purpose: orders-{i}
    categories: [user.contact.email]
    destination_country: US
    transfer_mechanism: dpf
    encrypted_in_transit: true
{stripe_flow}assessments:
  - id: dpia-{i}
    type: dpia
    document: docs/dpia.md
    date: 2026-06-01
    status: approved
    approver: dpo@bench.example
    review: P1Y
"#
    );
    if i % 10 == 0 {
        let v = i / 10;
        let date = if gap { "2024-01-01" } else { "2026-05-01" };
        let signed = if gap {
            ""
        } else {
            "      signed: 2025-01-01\n"
        };
        let _ = write!(
            s,
            r#"vendors:
  - id: vendor-{v:05}
    name: Vendor {v}
    role: processor
    country: US
    dpf_certified: true
    contract:
      type: dpa
{signed}    assessment: {{ date: {date}, result: approved }}
    deletion_propagation: true
"#
        );
    }
    s
}
