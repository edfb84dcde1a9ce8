#!/usr/bin/env python3
"""privgate benchmarks: wall-clock medians and peak memory of the release
binary on generated corpora. Run from the repository root:

    python3 benches/bench.py            # 1,000 and 10,000 manifests
    python3 benches/bench.py 1000       # one size

Targets on a 2-core machine (issues 2-5): validate 10k < 0.5 s and < 200 MB;
check 10k < 1 s and < 300 MB; --changed-since 10k < 2x check; --staged on a
50-manifest repository < 50 ms; report 10k < 2 s and < 20 MB; trend --last 20
on 50 manifests < 1 s. Issue 17: check with dependency scanning (a
package.json per service) costs at most 10% more than with
`dependencies.scan: false`, medians of alternating runs.

    python3 benches/bench.py --scan 10000   # only the scan comparison
"""
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "privgate")
WORK = os.path.join(ROOT, "target", "bench")
ENV = dict(os.environ, NO_COLOR="1", PRIVGATE_TODAY="2026-11-23")


def run(args, cwd=None):
    subprocess.run(args, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(name, args, cwd=None, runs=7):
    """Median wall time (ms) of `runs` runs after a warm-up, and the peak RSS
    (MB) of the largest run, read by GNU time when it is installed."""
    run(args, cwd)
    times, peak = [], 0
    gnu_time = shutil.which("time") or (os.path.exists("/usr/bin/time") and "/usr/bin/time")
    for _ in range(runs):
        start = time.perf_counter()
        if gnu_time:
            out = subprocess.run([gnu_time, "-f", "%M", *args], cwd=cwd, env=ENV, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True).stderr.strip().splitlines()
            times.append((time.perf_counter() - start) * 1000)
            if out and out[-1].isdigit():
                peak = max(peak, int(out[-1]))
        else:
            run(args, cwd)
            times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    rss = f"{peak / 1024:6.1f} MB" if peak else "   n/a"
    print(f"{name:<48} median {median:8.1f} ms   min {min(times):8.1f} ms   peak RSS {rss}")
    return median


def scan_cost(path, n, runs=7):
    """check with dependency scanning against `dependencies.scan: false`,
    the two runs alternating so that a busy machine slows both alike; the
    same config otherwise, given with --config to both."""
    with open(os.path.join(path, "privgate.yaml")) as f:
        config = f.read()
    configs = {}
    for name, scan in (("on", "true"), ("off", "false")):
        configs[name] = os.path.join(WORK, f"scan-{name}-{n}.yaml")
        with open(configs[name], "w") as f:
            f.write(config + f"dependencies: {{ scan: {scan} }}\n")
    args = lambda name: [BIN, "check", path, "--config", configs[name], "--format", "json", "--fail-on", "none"]
    times = {"on": [], "off": []}
    for name in ("on", "off"):
        run(args(name))
    for _ in range(runs):
        for name in ("on", "off"):
            start = time.perf_counter()
            run(args(name))
            times[name].append((time.perf_counter() - start) * 1000)
    on, off = statistics.median(times["on"]), statistics.median(times["off"])
    print(f"{'check ' + str(n) + ', dependency scanning on':<48} median {on:8.1f} ms   min {min(times['on']):8.1f} ms")
    print(f"{'check ' + str(n) + ', dependencies.scan: false':<48} median {off:8.1f} ms   min {min(times['off']):8.1f} ms")
    print(f"{'':<48} scanning costs {100 * (on / off - 1):+.1f}% (target <= +10%)")


def git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=dict(ENV, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@b", GIT_COMMITTER_NAME="b",
                            GIT_COMMITTER_EMAIL="b@b"))


def corpus(n, with_git=False):
    path = os.path.join(WORK, f"corpus-{n}")
    if not os.path.isdir(path):
        subprocess.run(["cargo", "run", "--quiet", "--release", "--example", "gen_corpus", "--", str(n), path],
                       cwd=ROOT, check=True)
    if with_git and not os.path.isdir(os.path.join(path, ".git")):
        git("init", "-q", cwd=path)
        git("add", "-A", cwd=path)
        git("commit", "-qm", "corpus", cwd=path)
    return path


def main():
    only_scan = "--scan" in sys.argv[1:]
    sizes = [int(a) for a in sys.argv[1:] if a != "--scan"] or [1000, 10000]
    subprocess.run(["cargo", "build", "--quiet", "--release", "--examples", "--bins"], cwd=ROOT, check=True)
    os.makedirs(WORK, exist_ok=True)
    print(f"privgate benchmarks ({os.cpu_count()} cores)")
    if only_scan:
        for n in sizes:
            scan_cost(corpus(n), n)
        return
    for n in sizes:
        path = corpus(n, with_git=True)
        scan_cost(path, n)
        measure(f"validate {n} manifests", [BIN, "validate", path])
        check = measure(f"check {n} manifests", [BIN, "check", path, "--format", "json", "--fail-on", "none"])
        # Every report format from one run: a renderer that scales badly
        # (per outcome, per finding) shows here, not in the JSON figure.
        outs = {fmt: os.path.join(WORK, f"all-{n}.{fmt}") for fmt in ("sarif", "junit", "markdown")}
        every = measure(f"check {n}, json + sarif + junit + markdown",
                        [BIN, "check", path, "--format", "json", "-o", os.devnull, "--fail-on", "none",
                         "--sarif-output", outs["sarif"], "--junit-output", outs["junit"],
                         "--markdown-output", outs["markdown"]], runs=3)
        print(f"{'':<48} every format / check = {every / check:.2f}x")
        pr = measure(f"check --changed-since HEAD {n} manifests",
                     [BIN, "check", path, "--changed-since", "HEAD", "--format", "json", "--fail-on", "none"])
        print(f"{'':<48} changed-since / check = {pr / check:.2f}x (nothing changed)")
        # One manifest changed in the work tree: head and base both evaluated.
        touched = os.path.join(path, "services", "svc-00001", "privacy.yaml")
        with open(touched) as f:
            original = f.read()
        with open(touched, "a") as f:
            f.write("# touched\n")
        try:
            pr1 = measure(f"check --changed-since HEAD {n}, 1 changed",
                          [BIN, "check", path, "--changed-since", "HEAD", "--format", "json", "--fail-on", "none"])
        finally:
            with open(touched, "w") as f:
                f.write(original)
        print(f"{'':<48} changed-since / check = {pr1 / check:.2f}x (1 manifest changed)")
        out = os.path.join(WORK, f"report-{n}.html")
        if subprocess.run([BIN, "report", "--help"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0:
            measure(f"report {n} manifests", [BIN, "report", path, "-o", out], runs=3)
            print(f"{'':<48} report size {os.path.getsize(out) / 1e6:.1f} MB")
    # Pre-commit: 50 manifests, one changed and staged.
    small = corpus(50, with_git=True)
    target = os.path.join(small, "services", "svc-00001", "privacy.yaml")
    with open(target, "a") as f:
        f.write("# touched\n")
    git("add", target, cwd=small)
    measure("check --staged, 50 manifests (1 changed)", [BIN, "check", "--staged", "--fail-on", "none"], cwd=small,
            runs=21)
    git("checkout", "-q", "--", ".", cwd=small)
    git("reset", "-q", "--hard", cwd=small)
    if subprocess.run([BIN, "trend", "--help"], stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode == 0:
        for i in range(20):
            path = os.path.join(small, f"services/svc-{i:05}/privacy.yaml")
            with open(path, "a") as f:
                f.write(f"# change {i}\n")
            git("commit", "-qam", f"change {i}", cwd=small)
        measure("trend --last 20, 50 manifests", [BIN, "trend", small, "--last", "20"], runs=5)
        shutil.rmtree(small)


if __name__ == "__main__":
    main()
