//! The workspace README's Rust examples are the crate README's: every ```rust
//! block of `README.md` (the repository's front page) appears verbatim in
//! `crates/iotcard/README.md`, whose examples run as doc tests (`lib.rs`,
//! `ReadmeDoctests`). The workspace README is outside the packaged crate, so this
//! test is left out of the package (`exclude` in Cargo.toml).

use std::path::Path;

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
