#!/usr/bin/env python3
"""Before/after: the same command with two privgate binaries, alternated in
one run on one machine, so the two figures are comparable (issue targets:
"within 10% of today's time"). Medians of N runs, peak RSS by GNU time.

    python3 benches/compare.py BASELINE_BIN [CANDIDATE_BIN] [--size 10000] [--runs 5]

CANDIDATE_BIN defaults to target/release/privgate; the corpus is the one
bench.py generates (target/bench/corpus-N).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, NO_COLOR="1", PRIVGATE_TODAY="2026-11-23")


def once(args):
    gnu_time = shutil.which("time") or (os.path.exists("/usr/bin/time") and "/usr/bin/time")
    start = time.perf_counter()
    if gnu_time:
        err = subprocess.run([gnu_time, "-f", "%M", *args], env=ENV, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True).stderr.strip().splitlines()
        rss = int(err[-1]) if err and err[-1].isdigit() else 0
    else:
        subprocess.run(args, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rss = 0
    return (time.perf_counter() - start) * 1000, rss


def main():
    p = argparse.ArgumentParser()
    p.add_argument("baseline")
    p.add_argument("candidate", nargs="?", default=os.path.join(ROOT, "target", "release", "privgate"))
    p.add_argument("--size", type=int, default=10000)
    p.add_argument("--runs", type=int, default=5)
    a = p.parse_args()
    corpus = os.path.join(ROOT, "target", "bench", f"corpus-{a.size}")
    if not os.path.isdir(corpus):
        subprocess.run(["cargo", "run", "--quiet", "--release", "--example", "gen_corpus", "--", str(a.size),
                        corpus], cwd=ROOT, check=True)
    bins = {"baseline": a.baseline, "candidate": a.candidate}
    results = {name: ([], 0) for name in bins}
    cmd = ["check", corpus, "--format", "json", "--fail-on", "none"]
    for name, b in bins.items():  # warm-up
        once([b, *cmd])
    for _ in range(a.runs):
        for name, b in bins.items():
            ms, rss = once([b, *cmd])
            times, peak = results[name]
            times.append(ms)
            results[name] = (times, max(peak, rss))
    base = statistics.median(results["baseline"][0])
    print(f"check {a.size} manifests, median of {a.runs} (alternated)")
    for name in bins:
        times, peak = results[name]
        med = statistics.median(times)
        print(f"  {name:<10} median {med:8.1f} ms  min {min(times):8.1f} ms  peak RSS {peak / 1024:6.1f} MB"
              f"  ({med / base:.2f}x)")


if __name__ == "__main__":
    main()
