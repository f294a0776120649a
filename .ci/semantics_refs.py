#!/usr/bin/env python3
"""Checks that every test docs/SEMANTICS.md names exists.

A rule cites its test as `crate/tests/file.rs::test_name` (or a whole file,
`crate/tests/file.rs`). Exits 1, listing each citation whose file or test is missing, so
the promises page cannot drift away from the tests that check it.
"""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
text = (root / "docs" / "SEMANTICS.md").read_text()
missing = []
cited = re.findall(r"`([\w/.-]+\.rs)(?:::(\w+))?`", text)
for path, test in cited:
    file = root / path
    if not file.is_file():
        missing.append(f"{path}: no such file")
    elif test and not re.search(rf"\b{test}\b", file.read_text()):
        missing.append(f"{path}::{test}: no such test")
for line in missing:
    print(line)
print(f"{len(cited)} citations, {len(missing)} missing")
sys.exit(1 if missing else 0)
