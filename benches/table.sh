#!/usr/bin/env bash
# Runs every benchmark (corio beside its peers, in one run), the same workloads on Python's
# asyncio, and prints the README's markdown table of medians and ratios.
#   bash benches/table.sh [criterion arguments, e.g. --measurement-time 3]
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"

cargo bench -p corio-benches --benches -- "$@" >&2
if command -v python3 >/dev/null; then
  python3 benches/asyncio/workloads.py > "$target/asyncio.json"
  asyncio=(--asyncio "$target/asyncio.json")
else
  echo "python3 not found: the table has no asyncio column" >&2
  asyncio=()
fi
cargo run --quiet --release -p corio-benches --bin bench-table -- "${asyncio[@]}"
