#!/usr/bin/env python3
"""Hostile input at full size: wall time and peak memory per class of the
fuzzing campaign (issue "Never crash, never hang"), with the release binary.
The exit codes and messages are pinned by tests/it/hostile.rs; the bounds are
checked here, where a slow machine cannot make a test flaky.

    python3 benches/hostile.py [BINARY] [--seconds 10] [--megabytes 1024]

BINARY defaults to target/release/privgate. Exits 1 when a class crashes,
exits other than 0/1/2, passes the time bound or the memory bound.
"""
import argparse
import os
import shutil
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, NO_COLOR="1", PRIVGATE_TODAY="2026-11-23")

DATASET = """version: 1
datasets:
  - id: d
    categories: [user.contact.email]
    subjects: [customer]
    location: DE
    retention: { period: P1Y, deletion: automated }
"""
CONFIG = 'version: 1\norganization: X GmbH\ncontroller: { contact: "X GmbH, Berlin" }\n'


def pack(violation):
    return f"""version: 1
pack: acme
regulation: acme
title: Acme policy
citation_prefix: Acme
rules:
  - id: acme.r
    citation: '1'
    severity: high
    title: A rule
    rationale: Because.
    remediation: Fix it.
    example: x
    checks:
      - target: dataset
        violation: '{violation}'
        message: m
"""


def with_pack(violation):
    return {"privacy.yaml": DATASET, "privgate.yaml": CONFIG + "rulepacks: [acme.yaml]\n",
            "acme.yaml": pack(violation)}


def many_datasets(n, start=0):
    return "version: 1\ndatasets:\n" + "".join(
        f"  - {{id: d{i}, categories: [user.contact.email], subjects: [customer]}}\n"
        for i in range(start, start + n))


def waivers(n):
    return CONFIG + "waivers:\n" + "".join(
        f"  - rule: gdpr.retention-defined\n    target: dataset:gone{i}\n    reason: r\n"
        f"    approved_by: dpo@x.example\n    expires: 2027-01-01\n" for i in range(n))


LIST = "[" + ",".join(str(i) for i in range(1000)) + "]"

# (class, files, command)
CASES = [
    ("condition of 7,000 terms", with_pack(" + ".join(["1"] * 7000) + " > 0"), ["check"]),
    ("member-call chain", with_pack("dataset.id" + ".size()" * 5000 + " > 0"), ["check"]),
    ("huge || condition", with_pack(" || ".join(['dataset.id == "x"'] * 200000)), ["check"]),
    ("3-deep comprehension, 300-element lists",
     with_pack(f"{LIST[:1200]}0].exists(a, {LIST[:1200]}0].exists(b, {LIST[:1200]}0].exists(c, a+b+c < 0)))"),
     ["check"]),
    ("rulepacks glob of 400,000 chars",
     {"privacy.yaml": DATASET, "privgate.yaml": CONFIG + "rulepacks: ['" + "*a" * 200000 + "']\n"}, ["check"]),
    ("exclude pattern of 100,000 chars",
     {"privacy.yaml": DATASET, "privgate.yaml": CONFIG + "exclude: ['" + "a" * 100000 + "']\n"}, ["check"]),
    ("5,000 waivers matching nothing", {"privacy.yaml": DATASET, "privgate.yaml": waivers(5000)}, ["check"]),
    ("5 MB unknown category",
     {"privacy.yaml": DATASET.replace("user.contact.email", "user." + "x" * 5_000_000),
      "privgate.yaml": CONFIG}, ["check"]),
    ("8 MB location (country-name guess)",
     {"privacy.yaml": DATASET.replace("location: DE", "location: " + "\U0001F600" * 2_000_000),
      "privgate.yaml": CONFIG}, ["check"]),
    ("140,000 datasets in one file (10 MiB)",
     {"privacy.yaml": many_datasets(140000), "privgate.yaml": CONFIG}, ["check", "--format", "sarif"]),
    ("20,000 datasets, SARIF", {"privacy.yaml": many_datasets(20000), "privgate.yaml": CONFIG},
     ["check", "--format", "sarif"]),
    ("YAML nested 100,000 deep",
     {"privacy.yaml": "version: 1\ndatasets:\n  - id: d\n    categories: " + "[" * 100000 + "]" * 100000 + "\n",
      "privgate.yaml": CONFIG}, ["check"]),
]


def run(binary, files, args, seconds):
    d = tempfile.mkdtemp(prefix="privgate-hostile-")
    try:
        for path, text in files.items():
            with open(os.path.join(d, path), "w") as f:
                f.write(text)
        gnu_time = shutil.which("time") or "/usr/bin/time"
        start = time.perf_counter()
        try:
            p = subprocess.run([gnu_time, "-f", "%M", binary, *args], cwd=d, env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               errors="replace", timeout=seconds * 3)
        except subprocess.TimeoutExpired:
            return None, seconds * 3, 0, "timed out"
        wall = time.perf_counter() - start
        lines = p.stderr.strip().splitlines()
        rss = int(lines[-1]) if lines and lines[-1].isdigit() else 0
        code = p.returncode
        if "panicked" in p.stderr or "overflow" in p.stderr:
            return code, wall, rss, "panic"
        return code, wall, rss, ""
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    a = argparse.ArgumentParser()
    a.add_argument("binary", nargs="?", default=os.path.join(ROOT, "target", "release", "privgate"))
    a.add_argument("--seconds", type=float, default=10.0)
    a.add_argument("--megabytes", type=float, default=1024.0)
    o = a.parse_args()
    bad = 0
    print(f"{'class':<45} {'exit':>4} {'wall':>8} {'peak RSS':>10}")
    for name, files, args in CASES:
        code, wall, rss, why = run(o.binary, files, args, o.seconds)
        ok = code in (0, 1, 2) and not why and wall <= o.seconds and rss / 1024 <= o.megabytes
        bad += not ok
        print(f"{name:<45} {str(code):>4} {wall:7.2f}s {rss / 1024:8.1f}MB  {'ok' if ok else 'FAIL ' + why}")
    raise SystemExit(1 if bad else 0)


if __name__ == "__main__":
    main()
