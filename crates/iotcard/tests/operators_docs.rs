//! `docs/operators.md` names every operator, scope, platform, disagreement kind,
//! action and issuer number the code has (outside the packaged crate, like
//! `tests/docs.rs`).

use std::path::Path;

use iotcard::reconcile::{Action, Kind};
use iotcard::report::{Platform, Scope};
use iotcard::{ISSUERS, Operator};

#[test]
fn operators_md_names_every_value_the_code_has() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/operators.md"
    ));
    let text = std::fs::read_to_string(path).expect("docs/operators.md");
    let names = Operator::ALL
        .iter()
        .map(|o| o.name())
        .chain(Scope::ALL.iter().map(|s| s.name()))
        .chain(Platform::ALL.iter().map(|p| p.name()))
        .chain(Kind::ALL.iter().map(|k| k.name()))
        .chain(Action::ALL.iter().map(|a| a.name()))
        .chain(ISSUERS.iter().map(|i| i.digits));
    let missing: Vec<&str> = names
        .filter(|n| !text.contains(&format!("`{n}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/operators.md leaves out {missing:?}"
    );
}
