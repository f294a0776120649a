//! The side-by-side benchmark table: reads criterion's results and prints markdown.
//!
//! Criterion leaves, for every benchmark it ran, a directory
//! `<target>/criterion/<group>/<function>/new/` holding `benchmark.json` (the group and
//! function ids) and `estimates.json` (the statistics). Every workload is a criterion group
//! and every runtime a function in it, so one group becomes one row.
//!
//! One run of the suite is noisy (a ratio can move by 2x between two runs on a busy machine),
//! so the table is made from several runs: each cell is the median over the runs of each
//! run's criterion median, and each ratio (corio / fastest peer, corio / tokio) is computed
//! within each run and shown as `median (min-max)` over the runs, so the reader sees how far
//! to trust it.

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

/// True for a bound rather than a peer: a program with no runtime at all (`mio_no_runtime`
/// in the echo bench), shown in its own column but never the "fastest peer", since no
/// runtime can beat it.
fn is_limit(runtime: &str) -> bool {
    runtime.ends_with("_no_runtime")
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
    (
        "The network (benches/benches/echo.rs)",
        &["echo_ping_pong", "echo_stream", "hyper_hello"],
    ),
];

/// A value seen once per run, summarized: its median over the runs and its range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The median of the values (the mean of the middle two for an even count).
    pub median: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
    /// How many runs the values came from.
    pub runs: usize,
}

impl Spread {
    /// The spread of `values`, or `None` if there are none.
    ///
    /// ```
    /// use corio_benches::table::Spread;
    /// let s = Spread::of(&[3.0, 1.0, 2.0, 10.0]).unwrap();
    /// assert_eq!((s.median, s.min, s.max, s.runs), (2.5, 1.0, 10.0, 4));
    /// assert!(Spread::of(&[]).is_none());
    /// ```
    pub fn of(values: &[f64]) -> Option<Spread> {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = match n {
            0 => return None,
            _ if n % 2 == 1 => sorted[n / 2],
            _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        Some(Spread {
            median,
            min: sorted[0],
            max: sorted[n - 1],
            runs: n,
        })
    }

    /// A ratio as the table shows it: `0.62x (0.58-0.70)`, the median then the range over
    /// the runs; only `0.62x` when there was one run, which has no range to show.
    ///
    /// ```
    /// use corio_benches::table::Spread;
    /// assert_eq!(Spread::of(&[0.7, 0.58, 0.62]).unwrap().ratio(), "0.62x (0.58-0.70)");
    /// assert_eq!(Spread::of(&[0.5]).unwrap().ratio(), "0.50x");
    /// ```
    pub fn ratio(&self) -> String {
        if self.runs == 1 {
            format!("{:.2}x", self.median)
        } else {
            format!("{:.2}x ({:.2}-{:.2})", self.median, self.min, self.max)
        }
    }
}

/// Every run's median for one workload: `medians[runtime][run]`, `None` where that run has
/// no result for the runtime.
struct Workload<'a> {
    name: &'a str,
    medians: BTreeMap<&'a str, Vec<Option<f64>>>,
}

impl Workload<'_> {
    /// The runtime's medians over the runs that have one.
    fn present(&self, runtime: &str) -> Vec<f64> {
        self.medians
            .get(runtime)
            .map(|runs| runs.iter().flatten().copied().collect())
            .unwrap_or_default()
    }

    /// The runtime's median in run `run`.
    fn in_run(&self, runtime: &str, run: usize) -> Option<f64> {
        self.medians.get(runtime).and_then(|runs| runs[run])
    }

    /// `corio` / the fastest peer's median, per run that has both.
    fn ratios_to_fastest_peer(&self, corio: &str, runs: usize) -> Vec<f64> {
        (0..runs)
            .filter_map(|run| {
                let fastest = self
                    .medians
                    .keys()
                    .filter(|runtime| !is_corio(runtime) && !is_limit(runtime))
                    .filter_map(|peer| self.in_run(peer, run))
                    .reduce(f64::min)?;
                Some(self.in_run(corio, run)? / fastest)
            })
            .collect()
    }

    /// `corio` / `peer`, per run that has both.
    fn ratios_to(&self, corio: &str, peer: &str, runs: usize) -> Vec<f64> {
        (0..runs)
            .filter_map(|run| Some(self.in_run(corio, run)? / self.in_run(peer, run)?))
            .collect()
    }
}

/// Renders the markdown from every run's measurements (`runs[i]` holds run `i`'s): a caption
/// saying how many runs, then one table per suite that has results (titled when there are
/// several), each with the columns of its own peers.
///
/// A row per workload and corio variant: the row is named after the workload, with the corio
/// variant in parentheses when it is not plain `corio` (`taskgroup_10k (corio_by_hand)`).
/// Then corio's and each peer's median of the runs' medians, an optional `Python asyncio`
/// column (the same workloads on Python's asyncio, one median, not counted as a peer), then
/// `corio / fastest peer` and `corio / tokio`, each computed within every run and shown as
/// `median (min-max)` over the runs.
///
/// ```
/// use corio_benches::table::{render_markdown, Measurement};
/// let m = |r: &str, ns| Measurement { workload: "spawn_many".into(), runtime: r.into(), median_ns: ns };
/// let runs = [
///     vec![m("corio", 50.0), m("tokio", 100.0)],
///     vec![m("corio", 60.0), m("tokio", 100.0)],
/// ];
/// let table = render_markdown(&runs, &Default::default());
/// assert!(table.contains("| spawn_many | 55.0 ns | 100.0 ns | 0.55x (0.50-0.60) | 0.55x (0.50-0.60) |"));
/// ```
pub fn render_markdown(
    runs: &[Vec<Measurement>],
    asyncio_seconds: &BTreeMap<String, f64>,
) -> String {
    let mut workloads: Vec<Workload<'_>> = Vec::new();
    for (run, measurements) in runs.iter().enumerate() {
        for m in measurements {
            let index = match workloads.iter().position(|w| w.name == m.workload) {
                Some(index) => index,
                None => {
                    workloads.push(Workload {
                        name: &m.workload,
                        medians: BTreeMap::new(),
                    });
                    workloads.len() - 1
                }
            };
            workloads[index]
                .medians
                .entry(&m.runtime)
                .or_insert_with(|| vec![None; runs.len()])[run] = Some(m.median_ns);
        }
    }

    let listed = |workload: &str| SUITES.iter().any(|(_, w)| w.contains(&workload));
    let mut tables: Vec<(&str, Vec<&Workload<'_>>)> = SUITES
        .iter()
        .map(|(title, names)| {
            let mut rows: Vec<&Workload<'_>> = workloads
                .iter()
                .filter(|w| names.contains(&w.name))
                .collect();
            rows.sort_by_key(|w| names.iter().position(|name| *name == w.name));
            (*title, rows)
        })
        .collect();
    let mut others: Vec<&Workload<'_>> = workloads.iter().filter(|w| !listed(w.name)).collect();
    others.sort_by_key(|w| w.name);
    tables.push(("Other workloads", others));
    tables.retain(|(_, rows)| !rows.is_empty());

    let mut out = match runs.len() {
        0 => return String::new(),
        1 => "One run: each cell is criterion's median; ratios divide corio's median by the peer's.\n\n".to_owned(),
        n => format!(
            "{n} runs: each cell is the median of the runs' criterion medians; each ratio is \
             computed within every run and shown as median (min-max) over the {n} runs.\n\n"
        ),
    };
    let titled = tables.len() > 1;
    for (index, (title, rows)) in tables.iter().enumerate() {
        if titled {
            let _ = write!(out, "{}**{title}**\n\n", if index == 0 { "" } else { "\n" });
        }
        out.push_str(&render_table(rows, runs.len(), asyncio_seconds));
    }
    out
}

/// One table: `workloads` in the order to show them, from `runs` runs.
fn render_table(
    workloads: &[&Workload<'_>],
    runs: usize,
    asyncio_seconds: &BTreeMap<String, f64>,
) -> String {
    let mut peers: Vec<&str> = workloads
        .iter()
        .flat_map(|w| w.medians.keys().copied())
        .filter(|runtime| !is_corio(runtime))
        .collect();
    peers.sort_unstable();
    peers.dedup();
    let with_asyncio = workloads
        .iter()
        .any(|w| asyncio_seconds.contains_key(w.name));

    let mut out = String::from("| workload | corio |");
    for peer in &peers {
        let _ = write!(out, " {peer} |");
    }
    if with_asyncio {
        out.push_str(" Python asyncio |");
    }
    out.push_str(" corio / fastest peer | corio / tokio |\n|---|---|");
    out.push_str(&"---|".repeat(peers.len() + usize::from(with_asyncio) + 2));
    out.push('\n');

    let median_cell = |w: &Workload<'_>, runtime: &str| {
        Spread::of(&w.present(runtime))
            .map(|s| human_time(s.median))
            .unwrap_or_default()
    };
    for w in workloads {
        for corio in w.medians.keys().filter(|runtime| is_corio(runtime)) {
            let label = if *corio == "corio" {
                w.name.to_owned()
            } else {
                format!("{} ({corio})", w.name)
            };
            let _ = write!(out, "| {label} | {} |", median_cell(w, corio));
            for peer in &peers {
                let _ = write!(out, " {} |", median_cell(w, peer));
            }
            if with_asyncio {
                let cell = asyncio_seconds
                    .get(w.name)
                    .map(|s| human_time(s * 1e9))
                    .unwrap_or_default();
                let _ = write!(out, " {cell} |");
            }
            let ratio =
                |ratios: Vec<f64>| Spread::of(&ratios).map(|s| s.ratio()).unwrap_or_default();
            let _ = writeln!(
                out,
                " {} | {} |",
                ratio(w.ratios_to_fastest_peer(corio, runs)),
                ratio(w.ratios_to(corio, "tokio", runs))
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

    /// The table's lines from the header of the first table on, without the caption.
    fn table_lines(table: &str) -> Vec<&str> {
        table
            .lines()
            .skip_while(|l| !l.starts_with('|') && !l.starts_with("**"))
            .collect()
    }

    #[test]
    fn ratio_is_against_the_fastest_peer_and_tokio() {
        let table = render_markdown(
            &[vec![
                m("yield", "corio", 30.0),
                m("yield", "tokio", 120.0),
                m("yield", "futures", 60.0),
            ]],
            &BTreeMap::new(),
        );
        let lines = table_lines(&table);
        assert_eq!(
            lines[0],
            "| workload | corio | futures | tokio | corio / fastest peer | corio / tokio |"
        );
        assert_eq!(lines[1], "|---|---|---|---|---|---|");
        assert_eq!(
            lines[2],
            "| yield | 30.0 ns | 60.0 ns | 120.0 ns | 0.50x | 0.25x |"
        );
        assert!(table.starts_with("One run: "), "{table}");
    }

    #[test]
    fn a_program_with_no_runtime_is_a_limit_not_the_fastest_peer() {
        let table = render_markdown(
            &[vec![
                m("echo", "corio", 30.0),
                m("echo", "tokio", 60.0),
                m("echo", "mio_no_runtime", 25.0),
            ]],
            &BTreeMap::new(),
        );
        let lines = table_lines(&table);
        assert_eq!(
            lines[2],
            "| echo | 30.0 ns | 25.0 ns | 60.0 ns | 0.50x | 0.50x |"
        );
    }

    #[test]
    fn medians_of_medians_and_ratio_spread_over_runs() {
        // The fastest peer changes between runs: each run's ratio uses that run's fastest.
        let runs = [
            vec![
                m("w", "corio", 10.0),
                m("w", "tokio", 20.0),
                m("w", "futures", 40.0),
            ],
            vec![
                m("w", "corio", 30.0),
                m("w", "tokio", 20.0),
                m("w", "futures", 15.0),
            ],
            vec![
                m("w", "corio", 12.0),
                m("w", "tokio", 16.0),
                m("w", "futures", 30.0),
            ],
        ];
        let table = render_markdown(&runs, &BTreeMap::new());
        assert!(table.starts_with("3 runs: "), "{table}");
        let lines = table_lines(&table);
        // corio: median of 10, 30, 12 = 12; futures: 30; tokio: 20.
        // fastest peer per run: 20, 15, 16 -> 0.50, 2.00, 0.75; tokio: 0.50, 1.50, 0.75.
        assert_eq!(
            lines[2],
            "| w | 12.0 ns | 30.0 ns | 20.0 ns | 0.75x (0.50-2.00) | 0.75x (0.50-1.50) |"
        );
    }

    #[test]
    fn even_run_count_takes_the_middle_two_and_missing_runs_are_skipped() {
        let runs = [
            vec![m("w", "corio", 10.0), m("w", "tokio", 10.0)],
            vec![m("w", "corio", 20.0), m("w", "tokio", 10.0)],
            // A run where tokio's result is missing: no ratio from it.
            vec![m("w", "corio", 90.0)],
            vec![m("w", "corio", 30.0), m("w", "tokio", 10.0)],
        ];
        let table = render_markdown(&runs, &BTreeMap::new());
        let lines = table_lines(&table);
        // corio: 10, 20, 30, 90 -> 25; ratios over runs 0, 1, 3: 1, 2, 3 -> 2.
        assert_eq!(
            lines[2],
            "| w | 25.0 ns | 10.0 ns | 2.00x (1.00-3.00) | 2.00x (1.00-3.00) |"
        );
    }

    #[test]
    fn asyncio_column_and_missing_cells() {
        let asyncio = BTreeMap::from([("a".to_string(), 0.002)]);
        let table = render_markdown(
            &[vec![
                m("a", "corio", 1e6),
                m("b", "corio", 2e3),
                m("b", "tokio", 4e3),
            ]],
            &asyncio,
        );
        assert!(
            table.contains("| a | 1.00 ms |  | 2.00 ms |  |  |"),
            "{table}"
        );
        assert!(
            table.contains("| b | 2.00 µs | 4.00 µs |  | 0.50x | 0.50x |"),
            "{table}"
        );
    }

    #[test]
    fn one_row_per_corio_variant_named_in_the_label() {
        let runs = [
            vec![
                m("group", "corio_taskgroup", 12.0),
                m("group", "corio_by_hand", 10.0),
                m("group", "tokio", 20.0),
            ],
            vec![
                m("group", "corio_taskgroup", 14.0),
                m("group", "corio_by_hand", 10.0),
                m("group", "tokio", 20.0),
            ],
        ];
        let table = render_markdown(&runs, &BTreeMap::new());
        let lines = table_lines(&table);
        assert_eq!(
            lines[0],
            "| workload | corio | tokio | corio / fastest peer | corio / tokio |"
        );
        assert_eq!(
            lines[2],
            "| group (corio_by_hand) | 10.0 ns | 20.0 ns | 0.50x (0.50-0.50) | 0.50x (0.50-0.50) |"
        );
        assert_eq!(
            lines[3],
            "| group (corio_taskgroup) | 13.0 ns | 20.0 ns | 0.65x (0.60-0.70) | 0.65x (0.60-0.70) |"
        );
    }

    #[test]
    fn one_titled_table_per_suite_with_its_own_peers_in_suite_order() {
        let table = render_markdown(
            &[vec![
                m("yield_many", "corio", 1.0),
                m("yield_many", "futures", 2.0),
                m("spawn_many", "corio", 1.0),
                m("spawn_many", "futures", 4.0),
                m("semaphore", "corio", 3.0),
                m("semaphore", "async-lock", 2.0),
            ]],
            &BTreeMap::new(),
        );
        let lines = table_lines(&table);
        assert_eq!(lines[0], "**The event loop (benches/benches/executor.rs)**");
        assert_eq!(
            lines[2],
            "| workload | corio | futures | corio / fastest peer | corio / tokio |"
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
        assert_eq!(lines[11], "| semaphore | 3.0 ns | 2.0 ns | 1.50x |  |");
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
