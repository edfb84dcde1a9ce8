#!/usr/bin/env python3
"""Import circles between privgate's modules.

Every file is a module (src/a/b.rs and src/a/b/mod.rs are `a::b`). An edge
A -> B is any path `crate::B...` (in `use` lines, braces expanded, and inline
paths) or `super::...` written in A's file, resolved to the longest module
that exists. The binary (main.rs, cli.rs, commands/) is its own crate; its
`privgate::` paths go to the library and cannot close a circle.
Reports strongly connected components of size > 1, at two levels: file
modules, and top-level modules (stages). Exit 1 when there is any.
"""
import os, re, sys

root = sys.argv[1] if len(sys.argv) > 1 else "src"
BIN_TOP = {"main", "cli", "commands"}

def modpath(rel):
    parts = rel[:-3].split("/")
    if parts[-1] == "mod":
        parts = parts[:-1]
    if parts in (["lib"], ["main"]):
        return ()
    return tuple(parts)

files = {}
for d, _, fs in os.walk(root):
    for f in fs:
        if f.endswith(".rs"):
            rel = os.path.relpath(os.path.join(d, f), root)
            files[modpath(rel)] = os.path.join(d, f)

def crate_of(m, path):
    if path.endswith("main.rs"):
        return "bin"
    return "bin" if m and m[0] in BIN_TOP else "lib"

def expand(prefix, body):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e]."""
    body = body.strip()
    if not body.startswith("{"):
        return [prefix + body]
    inner = body[1:-1]
    out, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            out.append(cur); cur = ""; continue
        depth += ch == "{"; depth -= ch == "}"
        cur += ch
    out.append(cur)
    res = []
    for part in out:
        part = part.strip()
        if not part:
            continue
        m = re.match(r"^([\w:]*?)(::)?(\{.*\})$", part, re.S)
        if m and m.group(3):
            res += expand(prefix + (m.group(1) + "::" if m.group(1) else ""), m.group(3))
        else:
            res.append(prefix + part)
    return res

def resolve(segs, crate):
    for n in range(len(segs), 0, -1):
        cand = tuple(segs[:n])
        if cand in files and crate_of(cand, files[cand]) == crate:
            return cand
    return None

edges = {}
for m, path in files.items():
    crate = crate_of(m, path)
    text = open(path).read()
    text = re.sub(r"//[^\n]*", "", text)
    targets = set()
    paths = []
    # An inline `mod x {` (tests): `super::` after it names this file's module.
    inline = re.search(r"\bmod\s+\w+\s*\{", text)
    cut = inline.start() if inline else len(text)
    for um in re.finditer(r"\buse\s+((?:crate|super)::[^;]*);", text, re.S):
        stmt = re.sub(r"\s+", " ", um.group(1))
        head, _, rest = stmt.partition("::")
        paths += [(um.start(), head + "::" + p) for p in expand("", rest)]
    paths += [(x.start(), x.group(0)) for x in re.finditer(r"\b(?:crate|super)(?:::\w+)+", text)]
    for pos, p in paths:
        segs = [s.strip().split(" as ")[0].strip() for s in p.split("::")]
        if segs[0] == "crate":
            segs = segs[1:]
        else:
            base = list(m) if pos >= cut else list(m[:-1])
            segs = segs[1:]
            while segs and segs[0] == "super":
                segs, base = segs[1:], base[:-1]
            segs = base + segs
        t = resolve(segs, crate)
        if t is not None and t != () and m[:len(t)] != t:
            targets.add(t)
    edges[m] = targets

def sccs(nodes, adj):
    index, low, stack, on, out, i = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)
    def visit(v):
        index[v] = low[v] = i[0]; i[0] += 1; stack.append(v); on.add(v)
        for w in adj.get(v, ()):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            out.append(comp)
    for v in nodes:
        if v not in index: visit(v)
    return [c for c in out if len(c) > 1]

def name(m): return "::".join(m) or "crate"

found = False
mods = sorted(m for m in files if m)
for label, adj, nodes in [
    ("file modules", edges, mods),
    ("top-level modules", {}, None),
]:
    if nodes is None:
        adj = {}
        for a, ts in edges.items():
            if not a: continue
            for b in ts:
                if a[0] != b[0]:
                    adj.setdefault((a[0],), set()).add((b[0],))
        nodes = sorted({(m[0],) for m in mods})
    comps = sccs(nodes, adj)
    print(f"{label}: {len(nodes)} modules, {sum(len(v) for v in adj.values())} edges, {len(comps)} circle(s)")
    for c in comps:
        found = True
        cs = set(c)
        print("  circle:", ", ".join(sorted(name(x) for x in c)))
        for a in sorted(c):
            for b in sorted(adj.get(a, ())):
                if b in cs:
                    print(f"    {name(a)} -> {name(b)}")
sys.exit(1 if found else 0)
