#!/usr/bin/env python3
"""Long fuzzing campaigns: the property tests of tests/it/fuzz.rs with a large
budget, seed after seed, against the release binary, until a time limit.

    python3 benches/fuzz.py --minutes 30            # build, then fuzz 30 min
    python3 benches/fuzz.py --minutes 5 --no-build  # reuse the last build

The test harness is built once (debug; it only generates cases) and copied
aside, so editing the tests or the sources during a campaign changes
nothing in it; the binary under test is target/release/privgate (also
copied). Each round runs every property with PRIVGATE_FUZZ_CASES cases and
the next seed. A failing case (shrunk by proptest) is saved as a regression
fixture under tests/fuzz/regressions/<property>-seed<N>/ with `command`
(what failed), `output.txt` (what it printed) and a `PENDING` file: the
replay under `cargo test` skips it until the bug is fixed and PENDING is
removed. Prints the number of executions (runs of privgate) at the end.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGRESSIONS = ROOT / "tests" / "fuzz" / "regressions"
STATS = re.compile(r"FUZZ-STATS test=(\S+) seed=(\d+) cases=(\d+) executions=(\d+)")


def build(tmp: Path) -> tuple[Path, Path]:
    subprocess.run(["cargo", "build", "--release", "--bin", "privgate"], cwd=ROOT, check=True)
    out = subprocess.run(
        ["cargo", "test", "--test", "it", "--no-run", "--message-format=json"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    harness = None
    for line in out.splitlines():
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("target", {}).get("name") == "it":
            harness = msg.get("executable") or harness
    if not harness:
        sys.exit("fuzz.py: cargo did not name the fuzz test executable")
    binary = tmp / "privgate"
    shutil.copy2(ROOT / "target" / "release" / "privgate", binary)
    copy = tmp / "fuzz-harness"
    shutil.copy2(harness, copy)
    return copy, binary


def keep(saved: Path) -> list[Path]:
    """Moves each saved failing case into tests/fuzz/regressions, PENDING."""
    kept = []
    if not saved.is_dir():
        return kept
    REGRESSIONS.mkdir(parents=True, exist_ok=True)
    for case in sorted(p for p in saved.iterdir() if p.is_dir()):
        dest = REGRESSIONS / case.name
        n = 2
        while dest.exists():
            dest = REGRESSIONS / f"{case.name}-{n}"
            n += 1
        shutil.move(str(case), dest)
        (dest / "PENDING").write_text(
            f"Found by benches/fuzz.py on {time.strftime('%Y-%m-%d')}; not fixed yet.\n"
            "Remove this file when the command in `command` keeps the contract.\n"
        )
        kept.append(dest)
    return kept


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30, help="time limit (default 30)")
    ap.add_argument("--cases", type=int, default=200, help="cases per property per seed (default 200)")
    ap.add_argument("--seed", type=int, default=1000, help="first seed (default 1000)")
    ap.add_argument("--threads", type=int, default=2, help="properties run at once (default 2)")
    ap.add_argument("--timeout", type=int, default=10, help="seconds per privgate run (default 10)")
    ap.add_argument("--no-build", action="store_true", help="use the last builds as they are")
    ap.add_argument("--no-big", action="store_true", help="no huge scalars near the 10 MiB limit")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="privgate-fuzz-"))
    if args.no_build:
        harness = ROOT / "target" / "debug" / "deps"
        found = sorted(harness.glob("fuzz-*"), key=lambda p: p.stat().st_mtime)
        found = [p for p in found if os.access(p, os.X_OK) and p.suffix == ""]
        if not found:
            sys.exit("fuzz.py: no built fuzz harness; run without --no-build")
        shutil.copy2(found[-1], tmp / "fuzz-harness")
        shutil.copy2(ROOT / "target" / "release" / "privgate", tmp / "privgate")
        harness, binary = tmp / "fuzz-harness", tmp / "privgate"
    else:
        harness, binary = build(tmp)

    start = time.time()
    deadline = start + args.minutes * 60
    executions = cases = rounds = 0
    failures: list[tuple[Path, str]] = []
    seed = args.seed
    while time.time() < deadline:
        saved = tmp / f"saved-{seed}"
        env = dict(os.environ)
        env.update(
            PRIVGATE_FUZZ_SEED=str(seed),
            PRIVGATE_FUZZ_CASES=str(args.cases),
            PRIVGATE_FUZZ_BIN=str(binary),
            PRIVGATE_FUZZ_SAVE=str(saved),
            PRIVGATE_FUZZ_DEADLINE=str(int(deadline)),
            PRIVGATE_FUZZ_TIMEOUT=str(args.timeout),
        )
        if not args.no_big:
            env["PRIVGATE_FUZZ_BIG"] = "1"
        cmd = [str(harness), "fuzz::", "--nocapture", "--test-threads", str(args.threads), "--skip", "every_saved_regression", "--skip", "located_recognises"]
        try:
            # Past the deadline no new case starts; shrinking a failure may
            # take a few minutes more.
            run = subprocess.run(
                cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                errors="replace", timeout=max(60, deadline - time.time()) + 600,
            )
            output, code = run.stdout, run.returncode
        except subprocess.TimeoutExpired as e:
            output = (e.stdout or b"").decode("utf-8", "replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            code = -1
        round_execs = 0
        for m in STATS.finditer(output):
            round_execs += int(m.group(4))
            cases += int(m.group(3))
        executions += round_execs
        rounds += 1
        kept = keep(saved)
        for k in kept:
            failures.append((k, (k / "output.txt").read_text(errors="replace")[:2000]))
            print(f"seed {seed}: FAILURE saved in {k.relative_to(ROOT)}", flush=True)
        if code != 0 and not kept:
            log = tmp / f"seed-{seed}.log"
            log.write_text(output)
            print(f"seed {seed}: the harness failed without a saved case (exit {code}); log in {log}", flush=True)
            failures.append((log, output[-2000:]))
        elapsed = time.time() - start
        print(
            f"seed {seed}: {round_execs} executions; total {executions} executions, "
            f"{cases} cases in {elapsed / 60:.1f} min",
            flush=True,
        )
        seed += 1

    print(
        f"\ncampaign: {executions} executions of privgate, {cases} cases, {rounds} seeds "
        f"({args.seed}..{seed - 1}) in {(time.time() - start) / 60:.1f} min; {len(failures)} failure(s)"
    )
    for where, text in failures:
        print(f"\n--- {where}\n{text}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
