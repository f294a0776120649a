//! Prints the README's benchmark table from criterion's last results.
//!
//! ```text
//! cargo run --release -p corio-benches --bin bench-table -- [--criterion-dir DIR | --cargo-criterion FILE] [--asyncio FILE]
//! ```
//! `DIR` defaults to `$CARGO_TARGET_DIR/criterion` (or `target/criterion`), where `cargo bench`
//! leaves its results; `--cargo-criterion` reads instead the messages that
//! `cargo criterion --message-format=json` printed (cargo-criterion keeps its results in a
//! binary format). The `--asyncio` file is the JSON that `benches/asyncio/workloads.py`
//! prints. `benches/table.sh` runs everything in order.

use corio_benches::table::{read_cargo_criterion_messages, read_criterion_dir, render_markdown};
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

fn run() -> Result<String, String> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let mut criterion_dir = target.join("criterion");
    let mut cargo_criterion_messages = None;
    let mut asyncio = BTreeMap::new();

    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--criterion-dir" => criterion_dir = PathBuf::from(value()?),
            "--cargo-criterion" => cargo_criterion_messages = Some(value()?),
            "--asyncio" => {
                let path = value()?;
                asyncio = serde_json::from_str(&read(&path)?)
                    .map_err(|e| format!("{path} is not workload JSON: {e}"))?;
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?} (expected --criterion-dir DIR, \
                     --cargo-criterion FILE or --asyncio FILE)"
                ))
            }
        }
    }
    let (measurements, source) = match cargo_criterion_messages {
        Some(path) => (read_cargo_criterion_messages(&read(&path)?)?, path),
        None => {
            let found = read_criterion_dir(&criterion_dir).map_err(|e| {
                format!(
                    "cannot read criterion results in {}: {e} (run `cargo bench` first)",
                    criterion_dir.display()
                )
            })?;
            (found, criterion_dir.display().to_string())
        }
    };
    if measurements.is_empty() {
        return Err(format!(
            "no benchmark results in {source} (run `cargo bench` or `cargo criterion` first)"
        ));
    }
    Ok(render_markdown(&measurements, &asyncio))
}
