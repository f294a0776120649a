//! Prints the README's benchmark table from criterion's last results.
//!
//! ```text
//! cargo run --release -p corio-benches --bin bench-table -- [--criterion-dir DIR] [--asyncio FILE]
//! ```
//! `DIR` defaults to `$CARGO_TARGET_DIR/criterion` (or `target/criterion`); `FILE` is the JSON
//! that `benches/asyncio/workloads.py` prints. `benches/table.sh` runs everything in order.

use corio_benches::table::{read_criterion_dir, render_markdown};
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

fn run() -> Result<String, String> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let mut criterion_dir = target.join("criterion");
    let mut asyncio = BTreeMap::new();

    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--criterion-dir" => criterion_dir = PathBuf::from(value()?),
            "--asyncio" => {
                let path = value()?;
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read {path}: {e}"))?;
                asyncio = serde_json::from_str(&text)
                    .map_err(|e| format!("{path} is not workload JSON: {e}"))?;
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?} (expected --criterion-dir DIR or --asyncio FILE)"
                ))
            }
        }
    }
    let measurements = read_criterion_dir(&criterion_dir).map_err(|e| {
        format!(
            "cannot read criterion results in {}: {e} (run `cargo bench` first)",
            criterion_dir.display()
        )
    })?;
    if measurements.is_empty() {
        return Err(format!(
            "no criterion results in {} (run `cargo bench` first)",
            criterion_dir.display()
        ));
    }
    Ok(render_markdown(&measurements, &asyncio))
}
