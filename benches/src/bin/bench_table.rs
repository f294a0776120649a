//! Prints the README's benchmark table from one or more runs of criterion's results.
//!
//! ```text
//! cargo run --release -p corio-benches --bin bench-table -- [--criterion-dir DIR]... [--cargo-criterion FILE]... [--asyncio FILE]...
//! ```
//! Each `--criterion-dir DIR` is one run: a criterion output directory, where `cargo bench`
//! left its results (`benches/table.sh` gives each of its repeats its own,
//! `target/bench-repeats/<i>/`). Each `--cargo-criterion FILE` is one run too: the messages
//! `cargo criterion --message-format=json` printed (cargo-criterion keeps its results in a
//! binary format). With neither, the one run in `$CARGO_TARGET_DIR/criterion` (or
//! `target/criterion`) is read. With several runs, each cell is the median of the runs'
//! medians and each ratio its median (min-max) over the runs. Each `--asyncio` file is the
//! JSON that `benches/asyncio/workloads.py` or `benches/asyncio/echo.py` prints (workload ->
//! seconds); their workloads are merged into the Python asyncio column. `benches/table.sh`
//! runs everything in order.

use corio_benches::table::{
    read_cargo_criterion_messages, read_criterion_dir, render_markdown, Measurement,
};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(table) => {
            print!("{table}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("bench-table: {message}");
            ExitCode::FAILURE
        }
    }
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
}

/// Where one run's results are.
enum Source {
    CriterionDir(PathBuf),
    CargoCriterion(String),
}

impl Source {
    fn read(&self) -> Result<Vec<Measurement>, String> {
        let (found, name) = match self {
            Source::CriterionDir(dir) => (
                read_criterion_dir(dir).map_err(|e| {
                    format!(
                        "cannot read criterion results in {}: {e} (run `cargo bench` first)",
                        dir.display()
                    )
                })?,
                dir.display().to_string(),
            ),
            Source::CargoCriterion(path) => {
                (read_cargo_criterion_messages(&read(path)?)?, path.clone())
            }
        };
        if found.is_empty() {
            return Err(format!(
                "no benchmark results in {name} (run `cargo bench` or `cargo criterion` first)"
            ));
        }
        Ok(found)
    }
}

fn run() -> Result<String, String> {
    let mut sources = Vec::new();
    let mut asyncio = BTreeMap::new();

    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--criterion-dir" => sources.push(Source::CriterionDir(PathBuf::from(value()?))),
            "--cargo-criterion" => sources.push(Source::CargoCriterion(value()?)),
            "--asyncio" => {
                let path = value()?;
                let workloads: BTreeMap<String, f64> = serde_json::from_str(&read(&path)?)
                    .map_err(|e| format!("{path} is not workload JSON: {e}"))?;
                asyncio.extend(workloads);
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?} (expected --criterion-dir DIR, \
                     --cargo-criterion FILE or --asyncio FILE)"
                ))
            }
        }
    }
    if sources.is_empty() {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
        sources.push(Source::CriterionDir(target.join("criterion")));
    }
    let runs = sources
        .iter()
        .map(Source::read)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(render_markdown(&runs, &asyncio))
}
