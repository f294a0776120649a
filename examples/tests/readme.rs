//! The README shows what the examples print; these tests check that it shows exactly that.
//!
//! Under each lesson's section, the README has an HTML comment `<!-- output of: NAME -->`
//! followed by a ```text block: the lines `cargo run --release --example NAME` prints. The
//! tests run the lesson on the paused clock and compare. The tour's block (`tour`) is the
//! beginning of the tour's output, ending in a line `...`. One number is measured, not
//! planned, so it is compared as "some number": how long debug mode says a slow poll held
//! the loop (a real blocking call, which no clock can make exact).

use std::path::Path;

use corio_examples::lessons::{tour, Clock, Lesson, LESSONS};
use corio_examples::timeline::Sink;

fn readme() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Every `<!-- output of: NAME -->` block of the README: (NAME, its lines).
fn output_blocks(readme: &str) -> Vec<(String, Vec<String>)> {
    let mut blocks = Vec::new();
    let mut rest = readme;
    while let Some(start) = rest.find("<!-- output of: ") {
        rest = &rest[start + "<!-- output of: ".len()..];
        let (name, after) = rest.split_once(" -->").expect("the marker ends with -->");
        let after = after.trim_start();
        let body = after.strip_prefix("```text\n").unwrap_or_else(|| {
            panic!("the output-of {name} marker must be followed by a ```text block")
        });
        let (body, after) = body.split_once("\n```").expect("the text block is closed");
        blocks.push((name.to_string(), body.lines().map(str::to_string).collect()));
        rest = after;
    }
    blocks
}

fn paused_output(lesson: &Lesson) -> Vec<String> {
    let sink = Sink::buffer();
    lesson.run(Clock::Paused, sink.clone());
    comparable(sink.lines())
}

/// `lines` with the measured length of a slow poll replaced by `N`.
fn comparable(lines: Vec<String>) -> Vec<String> {
    const MEASURED: &str = "held the loop for ";
    lines
        .into_iter()
        .map(|line| match line.split_once(MEASURED) {
            Some((before, after)) => {
                let unit = after.find(" ms").expect("a duration in ms");
                format!("{before}{MEASURED}N{}", &after[unit..])
            }
            None => line,
        })
        .collect()
}

#[test]
fn every_lesson_output_shown_in_the_readme_is_what_the_lesson_prints() {
    let readme = readme();
    let blocks = output_blocks(&readme);
    for (name, shown) in &blocks {
        if name == "tour" {
            continue;
        }
        let lesson = Lesson::named(name)
            .unwrap_or_else(|| panic!("README shows output of unknown lesson {name}"));
        assert_eq!(
            paused_output(lesson),
            comparable(shown.clone()),
            "README's output of {name}"
        );
    }
    for lesson in LESSONS {
        assert!(
            blocks.iter().any(|(name, _)| name == lesson.name),
            "the README shows no output of lesson {}",
            lesson.name
        );
        let command = format!("cargo run --release --example {}", lesson.name);
        assert!(
            readme.contains(&command),
            "the README never says `{command}`"
        );
    }
}

#[test]
fn every_lesson_section_says_where_its_code_is() {
    let readme = readme();
    for lesson in LESSONS {
        // The section's text before its output block names the lesson's source file.
        let marker = format!("<!-- output of: {} -->", lesson.name);
        let at = readme
            .find(&marker)
            .unwrap_or_else(|| panic!("no output block for {}", lesson.name));
        let section_start = readme[..at].rfind("\n## ").unwrap_or(0);
        let path = format!("examples/src/{}.rs", lesson.name);
        assert!(
            readme[section_start..at].contains(&path),
            "the README's section of lesson {} does not say where its code is ({path})",
            lesson.name
        );
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("src/{}.rs", lesson.name))
                .is_file(),
            "{path} does not exist"
        );
    }
}

#[test]
fn the_tour_shown_in_the_readme_is_how_the_tour_begins() {
    let readme = readme();
    let (_, shown) = output_blocks(&readme)
        .into_iter()
        .find(|(name, _)| name == "tour")
        .expect("the README shows the tour's output");
    let (last, shown) = shown.split_last().expect("a non-empty block");
    assert_eq!(
        last, "...",
        "the tour block is the tour's beginning, ending in `...`"
    );
    let sink = Sink::buffer();
    tour(Clock::Paused, &sink);
    let printed = comparable(sink.lines());
    assert_eq!(printed[..shown.len()], comparable(shown.to_vec()));
}

#[test]
fn the_tour_is_every_lesson_in_order_under_its_heading() {
    let sink = Sink::buffer();
    tour(Clock::Paused, &sink);
    let mut expected = Vec::new();
    for lesson in LESSONS {
        expected.push(lesson.heading());
        expected.extend(paused_output(lesson));
        expected.push(String::new());
    }
    assert_eq!(comparable(sink.lines()), expected);
}

#[test]
fn every_lesson_has_its_example_program() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for name in LESSONS.iter().map(|lesson| lesson.name).chain(["tour"]) {
        let program = examples.join(format!("{name}.rs"));
        assert!(program.is_file(), "missing {}", program.display());
    }
}
