//! The side-by-side benchmark table: reads criterion's results and prints markdown.
//!
//! Criterion leaves, for every benchmark it ran, a directory
//! `<target>/criterion/<group>/<function>/new/` holding `benchmark.json` (the group and
//! function ids) and `estimates.json` (the statistics). Every workload is a criterion group
//! and every runtime a function in it, so one group becomes one row: corio's median, each
//! peer's median, and the ratio corio / fastest peer that the issues set targets on.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::{fs, io};

/// One benchmark's result: which workload and runtime, and its median time.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// The criterion group: the workload, e.g. `spawn_many`.
    pub workload: String,
    /// The criterion function: the runtime, e.g. `corio` or `tokio`.
    pub runtime: String,
    /// The median of the samples, in nanoseconds.
    pub median_ns: f64,
}

/// Reads every `new/` result under `criterion_dir` (criterion's output directory).
///
/// Directories without both JSON files (criterion's HTML report, say) are skipped.
pub fn read_criterion_dir(criterion_dir: &Path) -> io::Result<Vec<Measurement>> {
    let mut found = Vec::new();
    collect(criterion_dir, &mut found)?;
    found.sort_by(|a, b| (&a.workload, &a.runtime).cmp(&(&b.workload, &b.runtime)));
    Ok(found)
}

fn collect(dir: &Path, found: &mut Vec<Measurement>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|name| name == "new") {
            if let Some(measurement) = read_result(&path)? {
                found.push(measurement);
            }
        } else {
            collect(&path, found)?;
        }
    }
    Ok(())
}

fn read_json(path: &Path) -> io::Result<Option<Value>> {
    match fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads one criterion `new/` directory; `None` if it is not a complete result.
fn read_result(new_dir: &Path) -> io::Result<Option<Measurement>> {
    let (Some(benchmark), Some(estimates)) = (
        read_json(&new_dir.join("benchmark.json"))?,
        read_json(&new_dir.join("estimates.json"))?,
    ) else {
        return Ok(None);
    };
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let workload = text(&benchmark["group_id"]);
    let runtime = text(&benchmark["function_id"]);
    let median_ns = estimates["median"]["point_estimate"].as_f64();
    Ok(match (workload, runtime, median_ns) {
        (Some(workload), Some(runtime), Some(median_ns)) => Some(Measurement {
            workload,
            runtime,
            median_ns,
        }),
        _ => None,
    })
}

/// Reads the JSON messages `cargo criterion --message-format=json` prints, one per line:
/// each `benchmark-complete` message with an id `group/function` and a median in ns.
///
/// ```
/// let line = r#"{"reason":"benchmark-complete","id":"spawn_many/corio","median":{"estimate":1500.0,"unit":"ns"}}"#;
/// let found = corio_benches::table::read_cargo_criterion_messages(line).unwrap();
/// assert_eq!(found[0].workload, "spawn_many");
/// assert_eq!(found[0].runtime, "corio");
/// assert_eq!(found[0].median_ns, 1500.0);
/// ```
pub fn read_cargo_criterion_messages(text: &str) -> Result<Vec<Measurement>, String> {
    let mut found = Vec::new();
    for (number, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let message: Value = serde_json::from_str(line)
            .map_err(|e| format!("line {}: not a cargo-criterion message: {e}", number + 1))?;
        if message["reason"] != "benchmark-complete" {
            continue;
        }
        let id = message["id"].as_str().unwrap_or_default();
        let median = &message["median"];
        let (Some((workload, runtime)), Some(estimate), Some("ns")) = (
            id.split_once('/'),
            median["estimate"].as_f64(),
            median["unit"].as_str(),
        ) else {
            return Err(format!(
                "line {}: a benchmark-complete message without a group/function id and a median in ns",
                number + 1
            ));
        };
        found.push(Measurement {
            workload: workload.to_owned(),
            runtime: runtime.to_owned(),
            median_ns: estimate,
        });
    }
    found.sort_by(|a, b| (&a.workload, &a.runtime).cmp(&(&b.workload, &b.runtime)));
    Ok(found)
}

/// Formats nanoseconds with a unit a reader takes in at a glance.
pub fn human_time(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

/// True for corio's own entries: the runtime ids that start with `corio`.
fn is_corio(runtime: &str) -> bool {
    runtime.starts_with("corio")
}

/// The benchmark suites, in the README's order: a title and its workloads (criterion
/// groups), in the order they are shown. Workloads not listed go into a last table.
const SUITES: &[(&str, &[&str])] = &[
    (
        "The event loop (benches/benches/executor.rs)",
        &[
            "spawn_many",
            "yield_many",
            "ping_pong",
            "chained_spawn",
            "timer_cancel",
            "timer_fire",
        ],
    ),
    (
        "Synchronization primitives (benches/benches/sync.rs)",
        &[
            "mutex_uncontended",
            "mutex_contended",
            "semaphore",
            "event_broadcast",
            "queue_ping",
        ],
    ),
    (
        "TaskGroup (benches/benches/taskgroup.rs)",
        &["taskgroup_10k"],
    ),
];

/// Renders the markdown: one table per suite that has results (titled when there are
/// several), each with the columns of its own peers.
///
/// A row per workload and corio variant; a column per peer runtime (medians), an optional
/// `asyncio` column (medians of the same workloads on Python's asyncio, in seconds), then
/// `corio / fastest peer` and `corio / tokio`. Python is not counted as a peer.
///
/// ```
/// use corio_benches::table::{render_markdown, Measurement};
/// let m = |w: &str, r: &str, ns| Measurement { workload: w.into(), runtime: r.into(), median_ns: ns };
/// let table = render_markdown(&[m("spawn_many", "corio", 50.0), m("spawn_many", "tokio", 100.0)], &Default::default());
/// assert!(table.contains("| spawn_many | corio | 50.0 ns | 100.0 ns | 0.50x | 0.50x |"));
/// ```
pub fn render_markdown(
    measurements: &[Measurement],
    asyncio_seconds: &BTreeMap<String, f64>,
) -> String {
    let listed = |workload: &str| SUITES.iter().any(|(_, w)| w.contains(&workload));
    let mut tables: Vec<(&str, Vec<&Measurement>)> = SUITES
        .iter()
        .map(|(title, workloads)| {
            let mut rows: Vec<&Measurement> = measurements
                .iter()
                .filter(|m| workloads.contains(&m.workload.as_str()))
                .collect();
            let position = |m: &Measurement| workloads.iter().position(|w| *w == m.workload);
            rows.sort_by_key(|m| position(m));
            (*title, rows)
        })
        .collect();
    tables.push((
        "Other workloads",
        measurements
            .iter()
            .filter(|m| !listed(&m.workload))
            .collect(),
    ));
    tables.retain(|(_, rows)| !rows.is_empty());
    let titled = tables.len() > 1;
    let mut out = String::new();
    for (title, rows) in tables {
        if titled {
            let _ = write!(
                out,
                "{}**{title}**\n\n",
                if out.is_empty() { "" } else { "\n" }
            );
        }
        out.push_str(&render_table(&rows, asyncio_seconds));
    }
    out
}

/// One table: `rows` holds every measurement of its workloads, in the order to show them.
fn render_table(rows: &[&Measurement], asyncio_seconds: &BTreeMap<String, f64>) -> String {
    let mut workloads: Vec<(&str, Vec<&Measurement>)> = Vec::new();
    let mut peers: Vec<&str> = Vec::new();
    for m in rows {
        match workloads.iter_mut().find(|(w, _)| *w == m.workload) {
            Some((_, results)) => results.push(m),
            None => workloads.push((&m.workload, vec![m])),
        }
        if !is_corio(&m.runtime) && !peers.contains(&m.runtime.as_str()) {
            peers.push(&m.runtime);
        }
    }
    peers.sort();
    let with_asyncio = workloads
        .iter()
        .any(|(w, _)| asyncio_seconds.contains_key(*w));

    let mut out = String::from("| workload | corio | corio median |");
    for peer in &peers {
        let _ = write!(out, " {peer} |");
    }
    if with_asyncio {
        out.push_str(" Python asyncio |");
    }
    out.push_str(" corio / fastest peer | corio / tokio |\n|---|---|---|");
    out.push_str(&"---|".repeat(peers.len() + usize::from(with_asyncio) + 2));
    out.push('\n');

    for (workload, results) in &workloads {
        let median_of = |runtime: &str| {
            results
                .iter()
                .find(|m| m.runtime == runtime)
                .map(|m| m.median_ns)
        };
        let fastest_peer = results
            .iter()
            .filter(|m| !is_corio(&m.runtime))
            .map(|m| m.median_ns)
            .fold(None, |best: Option<f64>, ns| {
                Some(best.map_or(ns, |b| b.min(ns)))
            });
        for corio in results.iter().filter(|m| is_corio(&m.runtime)) {
            let _ = write!(
                out,
                "| {workload} | {} | {} |",
                corio.runtime,
                human_time(corio.median_ns)
            );
            for peer in &peers {
                let cell = median_of(peer).map(human_time).unwrap_or_default();
                let _ = write!(out, " {cell} |");
            }
            if with_asyncio {
                let cell = asyncio_seconds
                    .get(*workload)
                    .map(|s| human_time(s * 1e9))
                    .unwrap_or_default();
                let _ = write!(out, " {cell} |");
            }
            let ratio = |peer: Option<f64>| {
                peer.map(|p| format!("{:.2}x", corio.median_ns / p))
                    .unwrap_or_default()
            };
            let _ = writeln!(
                out,
                " {} | {} |",
                ratio(fastest_peer),
                ratio(median_of("tokio"))
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(workload: &str, runtime: &str, median_ns: f64) -> Measurement {
        Measurement {
            workload: workload.into(),
            runtime: runtime.into(),
            median_ns,
        }
    }

    #[test]
    fn ratio_is_against_the_fastest_peer_and_tokio() {
        let table = render_markdown(
            &[
                m("yield", "corio", 30.0),
                m("yield", "tokio", 120.0),
                m("yield", "futures", 60.0),
            ],
            &BTreeMap::new(),
        );
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "| workload | corio | corio median | futures | tokio | corio / fastest peer | corio / tokio |");
        assert_eq!(
            lines[2],
            "| yield | corio | 30.0 ns | 60.0 ns | 120.0 ns | 0.50x | 0.25x |"
        );
    }

    #[test]
    fn asyncio_column_and_missing_cells() {
        let asyncio = BTreeMap::from([("a".to_string(), 0.002)]);
        let table = render_markdown(
            &[
                m("a", "corio", 1e6),
                m("b", "corio", 2e3),
                m("b", "tokio", 4e3),
            ],
            &asyncio,
        );
        assert!(
            table.contains("| a | corio | 1.00 ms |  | 2.00 ms |  |  |"),
            "{table}"
        );
        assert!(
            table.contains("| b | corio | 2.00 µs | 4.00 µs |  | 0.50x | 0.50x |"),
            "{table}"
        );
    }

    #[test]
    fn one_row_per_corio_variant() {
        let table = render_markdown(
            &[
                m("group", "corio_taskgroup", 12.0),
                m("group", "corio_by_hand", 10.0),
                m("group", "tokio", 20.0),
            ],
            &BTreeMap::new(),
        );
        assert!(table.contains("| group | corio_taskgroup | 12.0 ns | 20.0 ns | 0.60x | 0.60x |"));
        assert!(table.contains("| group | corio_by_hand | 10.0 ns | 20.0 ns | 0.50x | 0.50x |"));
    }

    #[test]
    fn one_titled_table_per_suite_with_its_own_peers_in_suite_order() {
        let table = render_markdown(
            &[
                m("yield_many", "corio", 1.0),
                m("yield_many", "futures", 2.0),
                m("spawn_many", "corio", 1.0),
                m("spawn_many", "futures", 4.0),
                m("semaphore", "corio", 3.0),
                m("semaphore", "async-lock", 2.0),
            ],
            &BTreeMap::new(),
        );
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "**The event loop (benches/benches/executor.rs)**");
        assert_eq!(
            lines[2],
            "| workload | corio | corio median | futures | corio / fastest peer | corio / tokio |"
        );
        assert!(
            lines[4].starts_with("| spawn_many |"),
            "suite order: {table}"
        );
        assert!(
            lines[5].starts_with("| yield_many |"),
            "suite order: {table}"
        );
        assert_eq!(
            lines[7],
            "**Synchronization primitives (benches/benches/sync.rs)**"
        );
        assert_eq!(
            lines[11],
            "| semaphore | corio | 3.0 ns | 2.0 ns | 1.50x |  |"
        );
    }

    #[test]
    fn reads_criterion_layout() {
        let dir = std::env::temp_dir().join(format!("corio-table-test-{}", std::process::id()));
        let new = dir.join("spawn_many").join("corio").join("new");
        fs::create_dir_all(&new).unwrap();
        fs::create_dir_all(dir.join("report")).unwrap();
        fs::write(
            new.join("benchmark.json"),
            r#"{"group_id":"spawn_many","function_id":"corio"}"#,
        )
        .unwrap();
        fs::write(
            new.join("estimates.json"),
            r#"{"median":{"point_estimate":1234.5}}"#,
        )
        .unwrap();
        let found = read_criterion_dir(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found, vec![m("spawn_many", "corio", 1234.5)]);
    }
}
