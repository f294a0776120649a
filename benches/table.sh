#!/usr/bin/env bash
# Runs every benchmark (corio beside its peers) N times, the same workloads once on Python's
# asyncio, and prints the README's markdown table: each cell the median of the N runs'
# criterion medians, each ratio as median (min-max) over the N runs.
#   bash benches/table.sh [--repeats N] [--bench NAME]... [criterion arguments, e.g. --measurement-time 3]
# N defaults to 3; `--bench` (repeatable) runs only the named criterion benches (executor, sync,
# taskgroup, echo), all four by default. Run i keeps its criterion results (and HTML report) in
# target/bench-repeats/<i>/, so a run does not overwrite the one before it.
set -euo pipefail
cd "$(dirname "$0")/.."

repeats=3
criterion_args=()
benches=()
while (($#)); do
  case "$1" in
    --repeats) repeats="${2:?--repeats needs a number}"; shift 2 ;;
    --repeats=*) repeats="${1#--repeats=}"; shift ;;
    --bench) benches+=(--bench "${2:?--bench needs a name}"); shift 2 ;;
    --bench=*) benches+=(--bench "${1#--bench=}"); shift ;;
    *) criterion_args+=("$1"); shift ;;
  esac
done
if ! [[ "$repeats" =~ ^[1-9][0-9]*$ ]]; then
  echo "table.sh: --repeats wants a whole number of runs, at least 1 (got '$repeats')" >&2
  exit 2
fi

# The criterion benches by name: echo_rounds is not criterion's and prints its own table.
if ((${#benches[@]} == 0)); then
  benches=(--bench executor --bench sync --bench taskgroup --bench echo)
fi

target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target"
target="$(cd "$target" && pwd)" # criterion runs in benches/: hand it absolute paths
rm -rf "$target/bench-repeats"
started=$SECONDS
elapsed() { echo "$(((SECONDS - started) / 60)) min $(((SECONDS - started) % 60)) s"; }

# Build first, so the runs time only the benchmarks.
cargo bench -p corio-benches --benches --no-run >&2
runs=()
for ((i = 1; i <= repeats; i++)); do
  echo "table.sh: run $i of $repeats ($(elapsed) so far)" >&2
  CRITERION_HOME="$target/bench-repeats/$i" \
    cargo bench -p corio-benches "${benches[@]}" -- ${criterion_args[@]+"${criterion_args[@]}"} >&2
  runs+=(--criterion-dir "$target/bench-repeats/$i")
done
if command -v python3 >/dev/null; then
  echo "table.sh: Python's asyncio workloads ($(elapsed) so far)" >&2
  python3 benches/asyncio/workloads.py > "$target/asyncio.json"
  asyncio=(--asyncio "$target/asyncio.json")
  echo "table.sh: Python's asyncio echo server ($(elapsed) so far)" >&2
  if python3 benches/asyncio/echo.py > "$target/asyncio-echo.json"; then
    asyncio+=(--asyncio "$target/asyncio-echo.json")
  else
    echo "table.sh: the asyncio echo run failed: the network rows have no asyncio cell" >&2
  fi
else
  echo "python3 not found: the table has no asyncio column" >&2
  asyncio=()
fi
cargo run --quiet --release -p corio-benches --bin bench-table -- "${runs[@]}" ${asyncio[@]+"${asyncio[@]}"}
echo "table.sh: $repeats run(s) and the table took $(elapsed)" >&2
