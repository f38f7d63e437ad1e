//! The repository's documents agree with the code.
//!
//! - The workspace README's Rust examples are the crate README's: every ```rust
//!   block of `README.md` (the repository's front page) appears verbatim in
//!   `crates/iotcard/README.md`, whose examples run as doc tests (`lib.rs`,
//!   `ReadmeDoctests`).
//! - `docs/` names every name the code writes or reads: rule ids, error codes,
//!   policy fields, event types, assessment fields and their values, expect fields.
//!
//! These files are outside the packaged crate, so this test is left out of the
//! package (`exclude` in Cargo.toml).

use std::path::Path;

use iotcard::{
    Action, CallCause, ChangeKind, Condition, ErrorKind, Hold, Period, Policy, Remedy, Rule,
    Service, Status, parse_instant,
};

/// The fenced blocks whose info string is `rust` (or starts with `rust,`).
fn rust_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match current.as_mut() {
            None => {
                if let Some(info) = line.trim_start().strip_prefix("```") {
                    let lang = info.split(',').next().unwrap_or("").trim();
                    if lang == "rust" {
                        current = Some(String::new());
                    }
                }
            }
            Some(block) => {
                if line.trim_start().starts_with("```") {
                    blocks.push(std::mem::take(block));
                    current = None;
                } else {
                    block.push_str(line);
                    block.push('\n');
                }
            }
        }
    }
    assert!(current.is_none(), "an unclosed ```rust block");
    blocks
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The repository root.
fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Every name in `names` that `doc` (a file under `docs/`) does not mention as
/// `` `name` ``.
fn unmentioned<'a>(doc: &str, names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let text = read(&root().join("docs").join(doc));
    names
        .into_iter()
        .filter(|n| !text.contains(&format!("`{n}`")))
        .collect()
}

#[test]
fn workspace_readme_examples_are_the_crate_readmes() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = rust_blocks(&read(&here.join("../../README.md")));
    let crate_readme = rust_blocks(&read(&here.join("README.md")));
    assert!(
        !workspace.is_empty(),
        "README.md has no ```rust example to keep in sync"
    );
    for (i, block) in workspace.iter().enumerate() {
        assert!(
            crate_readme.contains(block),
            "README.md's Rust example {i} is not in crates/iotcard/README.md \
             (the crate README's examples run as doc tests; copy it there):\n{block}"
        );
    }
}

#[test]
fn rust_blocks_finds_only_rust_fences() {
    let md = "text\n```rust\nlet a = 1;\n```\n```sh\nls\n```\n```rust,no_run\nlet b = 2;\n```\n";
    assert_eq!(rust_blocks(md), ["let a = 1;\n", "let b = 2;\n"]);
}

#[test]
fn rules_md_has_every_rule_id() {
    let text = read(&root().join("docs/rules.md"));
    let missing: Vec<&str> = Rule::ALL
        .iter()
        .map(|r| r.name())
        .filter(|id| !text.contains(&format!("**{id}**")) && !text.contains(&format!("## {id} ")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/rules.md does not define {missing:?}"
    );
    for section in ["## Lifecycle", "## Time", "## R12 "] {
        assert!(
            text.contains(section),
            "docs/rules.md has no section {section:?}"
        );
    }
    // Every rule the library implements is written as implemented.
    for doc in ["rules.md", "json.md", "scenarios.md"] {
        let text = read(&root().join("docs").join(doc));
        for phrase in ["not implemented", "Not implemented"] {
            assert!(
                !text.contains(phrase),
                "docs/{doc} says {phrase:?}, but every rule is implemented"
            );
        }
    }
}

#[test]
fn json_md_names_every_code_field_and_value() {
    let mut names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
    names.extend(Hold::ALL.iter().map(|x| x.name()));
    names.extend(Service::ALL.iter().map(|x| x.name()));
    names.extend(Status::ALL.iter().map(|x| x.name()));
    names.extend(Remedy::ALL.iter().map(|x| x.name()));
    names.extend(ChangeKind::ALL.iter().map(|x| x.name()));
    names.extend(Action::ALL.iter().map(|x| x.name()));
    names.extend(Condition::ALL.iter().map(|x| x.name()));
    names.extend(CallCause::ALL.iter().map(|x| x.name()));
    names.extend(Period::ALL.iter().map(|x| x.name()));
    let missing = unmentioned("json.md", names);
    assert!(missing.is_empty(), "docs/json.md does not name {missing:?}");
}

#[test]
fn json_md_names_every_policy_and_assessment_field() {
    let policy: serde_json::Value =
        serde_json::from_str(&Policy::default().to_json()).expect("policy JSON");
    let card = iotcard::Card::new(
        &iotcard::NewCard::from_json(
            r#"{"iccid": "89860012345678901238", "msisdn": "1440012345678",
                "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
                         "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}}"#,
        )
        .expect("card"),
    )
    .expect("card");
    let at = parse_instant("at", "2026-01-02T00:00:00+08:00").expect("instant");
    let assessment = card
        .assess(&Policy::default(), at)
        .expect("assessment")
        .to_json_value();
    let mut keys: Vec<String> = Vec::new();
    for object in [&policy, &assessment, &assessment["refund"]] {
        keys.extend(object.as_object().expect("an object").keys().cloned());
    }
    let missing = unmentioned("json.md", keys.iter().map(String::as_str));
    assert!(missing.is_empty(), "docs/json.md does not name {missing:?}");
}

#[test]
fn json_md_names_every_event_type() {
    let kinds = iotcard::EventKind::ALL.iter().map(|k| k.name());
    let missing = unmentioned("json.md", kinds);
    assert!(missing.is_empty(), "docs/json.md does not name {missing:?}");
}

#[test]
fn scenarios_md_names_every_expect_field() {
    let missing = unmentioned("scenarios.md", iotcard::scenario::EXPECT_FIELDS);
    assert!(
        missing.is_empty(),
        "docs/scenarios.md does not name {missing:?}"
    );
}

#[test]
fn unmentioned_finds_what_is_missing() {
    assert_eq!(
        unmentioned("json.md", ["invalid_input", "no_such_name_here"]),
        ["no_such_name_here"]
    );
}
