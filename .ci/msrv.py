#!/usr/bin/env python3
"""Checks each library crate's declared `rust-version` against its runtime dependency tree.

A crate may not declare a minimum Rust lower than what any of its normal (non-dev, non-build)
dependencies declares, or cargo's resolver refuses the older toolchain. The tree is the one
`cargo build -p <crate>` builds: the crate's default features only (the optional `hyper` and
`tokio-io` integrations need what hyper and tokio need; the line printed for each says
what that is today). Dev-dependencies are left out: they build tests, not what users
depend on. Exits 1, naming the crate and the dependency, when a declaration is false.
"""
import json
import subprocess
import sys

LIBRARIES = ["corio-executor", "corio-sync", "corio-taskgroup", "corio-io", "corio-macros", "corio"]
OPTIONAL = {"corio-io": "hyper,tokio-io", "corio": "hyper,tokio-io",
            "corio-taskgroup": "tokio,async-executor"}


def version(text):
    parts = [int(part) for part in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


meta = json.loads(subprocess.check_output(
    ["cargo", "metadata", "--format-version", "1", "--locked",
     "--filter-platform", "x86_64-unknown-linux-gnu"]))
declared_by = {(p["name"], p["version"]): p.get("rust_version") for p in meta["packages"]}


def needs(crate, features=None):
    """The dependency in `crate`'s normal tree that needs the newest Rust."""
    command = ["cargo", "tree", "--locked", "-p", crate, "-e", "normal", "--prefix", "none",
               "-f", "{p}", "--target", "x86_64-unknown-linux-gnu"]
    if features:
        command += ["--features", features]
    worst = None
    for line in set(subprocess.check_output(command, text=True).splitlines()):
        fields = line.split()
        if len(fields) < 2 or fields[0] == crate:
            continue
        name, ver = fields[0], fields[1].lstrip("v")
        rust = declared_by.get((name, ver))
        if rust and (worst is None or version(rust) > version(worst[0])):
            worst = (rust, f"{name} {ver}")
    return worst


failed = False
for crate in LIBRARIES:
    package = next(p for p in meta["packages"] if p["name"] == crate
                   and p["id"] in meta["workspace_members"])
    declared = package.get("rust_version")
    worst = needs(crate)
    if declared is None:
        print(f"{crate}: no rust-version declared")
        failed = True
    elif worst and version(worst[0]) > version(declared):
        print(f"{crate}: declares rust-version {declared}, but {worst[1]} needs {worst[0]}")
        failed = True
    else:
        why = f"{worst[1]} needs {worst[0]}" if worst else "no dependency declares one"
        print(f"{crate}: rust-version {declared} ok with default features ({why})")
    if crate in OPTIONAL:
        extra = needs(crate, OPTIONAL[crate])
        if extra and version(extra[0]) > version(declared or "0"):
            print(f"  with features {OPTIONAL[crate]}: {extra[1]} needs Rust {extra[0]}")
sys.exit(1 if failed else 0)
