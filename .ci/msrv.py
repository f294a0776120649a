#!/usr/bin/env python3
"""Checks each library crate's declared `rust-version` against its runtime dependency tree.

A crate may not declare a minimum Rust lower than what any of its normal (non-dev, non-build)
dependencies declares, or cargo's resolver refuses the older toolchain. Dev-dependencies
(tokio, criterion, ...) are left out: they build tests, not the crate users depend on.
Exits 1, naming the crate and the dependency, when a declaration is false.
"""
import json
import subprocess
import sys

LIBRARIES = {"corio-executor", "corio-sync", "corio-taskgroup", "corio-io", "corio", "corio-macros"}


def version(text):
    return tuple(int(part) for part in text.split(".")) + (0,) * (3 - len(text.split(".")))


meta = json.loads(subprocess.check_output(
    ["cargo", "metadata", "--format-version", "1", "--locked",
     "--filter-platform", "x86_64-unknown-linux-gnu"]))
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}

failed = False
for member in meta["workspace_members"]:
    crate = packages[member]
    if crate["name"] not in LIBRARIES:
        continue
    declared = crate.get("rust_version")
    if declared is None:
        print(f"{crate['name']}: no rust-version declared")
        failed = True
        continue
    seen, stack = set(), [member]
    while stack:
        for dep in nodes[stack.pop()]["deps"]:
            normal = any(kind["kind"] is None for kind in dep["dep_kinds"])
            if normal and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                stack.append(dep["pkg"])
    needs = [(version(packages[d]["rust_version"]), packages[d]) for d in seen
             if packages[d].get("rust_version")]
    worst = max(needs, key=lambda pair: pair[0], default=None)
    if worst and worst[0] > version(declared):
        dep = worst[1]
        print(f"{crate['name']}: declares rust-version {declared}, but {dep['name']} "
              f"{dep['version']} needs {dep['rust_version']}")
        failed = True
    else:
        need = f"{worst[1]['name']} needs {worst[1]['rust_version']}" if worst else "no dependency declares one"
        print(f"{crate['name']}: rust-version {declared} ok ({need})")
sys.exit(1 if failed else 0)
