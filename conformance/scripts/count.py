#!/usr/bin/env python3
"""Counts the conformance suite from its files, for docs/CONFORMANCE.md.

Run from the workspace root: `python3 conformance/scripts/count.py`. It asks the test
harness for the real list of tests (`cargo test -p corio-conformance -- --list`, and
`--ignored --list`), reads each ignore reason, and reads the `// Not applicable:`,
`// Deliberate differences:` and `// Needs API:` blocks at the top of each test file.
"""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "conformance" / "tests"
FILES = ["test_locks", "test_queues", "test_taskgroups", "test_timeouts", "test_waitfor", "test_tasks",
         "test_streams"]


def listed(target, ignored):
    args = ["cargo", "test", "-q", "-p", "corio-conformance", "--test", target, "--", "--list"]
    if ignored:
        args.insert(-1, "--ignored")
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [line.split(": test")[0] for line in out.splitlines() if line.endswith(": test")]


def block(text, title):
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith(f"// {title}:"):
            inside = True
            continue
        if inside:
            if line.startswith("// - "):
                lines.append(line[5:])
            else:
                break
    return lines


def ignore_reasons(text):
    return re.findall(r'#\[ignore = "([^"]*)"\]', text)


def main():
    rows, totals = [], [0] * 9
    for name in FILES:
        text = (TESTS / f"{name}.rs").read_text()
        tests = listed(name, False)
        ignored = listed(name, True)
        reasons = ignore_reasons(text)
        pending = sum(1 for r in reasons if "fixed on branch" in r)
        other = sum(1 for r in reasons if "fixed on branch" not in r)
        if pending + other != len(ignored):
            # Ignores inside a macro count once per expansion; none are used today.
            sys.exit(f"{name}: {len(ignored)} ignored tests but {len(reasons)} ignore reasons")
        na = block(text, "Not applicable")
        deliberate = block(text, "Deliberate differences")
        deliberate_tested = sum(1 for d in deliberate if "test asserts" in d)
        needs = block(text, "Needs API")
        methods = len(tests) + len(na) + len(needs) + (len(deliberate) - deliberate_tested)
        passing_as_asyncio = len(tests) - len(ignored) - deliberate_tested
        row = [methods, len(tests), passing_as_asyncio, len(na), len(deliberate),
               deliberate_tested, pending, other, len(needs)]
        totals = [a + b for a, b in zip(totals, row)]
        rows.append((name + ".py", row))
    rows.append(("**total**", totals))
    print("| CPython file | methods | ported (Rust tests) | pass as asyncio | not applicable "
          "| deliberate differences (with a test) | pending fix | other divergences | needs API |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, r in rows:
        print(f"| {name} | {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} ({r[5]}) | {r[6]} | {r[7]} | {r[8]} |")


if __name__ == "__main__":
    main()
