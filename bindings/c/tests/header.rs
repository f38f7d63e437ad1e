//! The committed header `include/iotcard.h` is what cbindgen makes of the crate
//! today: regenerated in memory and compared byte for byte. Set `IOTCARD_BLESS=1`
//! to rewrite it after a deliberate change of the API.

use std::path::Path;

use iotcard::{Action, CallCause, ChangeKind, Condition, Hold, Remedy, Service, Status};

const BLESS: &str = "IOTCARD_BLESS";

/// The version macros, from Cargo.toml (the test is built with this package's
/// `CARGO_PKG_VERSION*`).
fn version_macros() -> String {
    format!(
        "\n/** The version of the library this header was generated for (Cargo.toml). */\n\
         #define IOTCARD_VERSION \"{}\"\n\
         /** Major version. */\n#define IOTCARD_VERSION_MAJOR {}\n\
         /** Minor version. */\n#define IOTCARD_VERSION_MINOR {}\n\
         /** Patch version. */\n#define IOTCARD_VERSION_PATCH {}",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
    )
}

fn generate() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut config =
        cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("read cbindgen.toml");
    let mut after_includes = config.after_includes.take().unwrap_or_default();
    after_includes.push_str(&version_macros());
    config.after_includes = Some(after_includes);
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn header_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/iotcard.h");
    let fresh = generate();
    if std::env::var_os(BLESS).is_some_and(|v| v == "1") {
        std::fs::write(&path, &fresh).expect("write include/iotcard.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != fresh {
        let line = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(fresh.lines().count()));
        panic!(
            "include/iotcard.h is out of date (first difference at line {}):\n  committed: {:?}\n  generated: {:?}\n\
             Regenerate it with: {BLESS}=1 cargo test -p iotcard-ffi --test header",
            line + 1,
            committed.lines().nth(line).unwrap_or("<end of file>"),
            fresh.lines().nth(line).unwrap_or("<end of file>"),
        );
    }
}

/// The `#define` value of `name` in `header`, if defined once.
fn define<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    let prefix = format!("#define {name} ");
    let mut found = header
        .lines()
        .filter_map(|l| l.strip_prefix(prefix.as_str()));
    let value = found.next()?;
    found.next().is_none().then_some(value.trim())
}

/// Every value of each core enum has a constant named after its JSON name, with
/// the core's value (`i`) or bit (`1 << i`).
#[test]
fn constants_match_the_core_enums() {
    let header = generate();
    let check = |prefix: &str, names: Vec<&str>, bits: bool| {
        for (i, name) in names.iter().enumerate() {
            let constant = format!("IOTCARD_{prefix}_{}", name.to_uppercase());
            let want = if bits {
                format!("(1 << {i})")
            } else {
                i.to_string()
            };
            assert_eq!(
                define(&header, &constant),
                Some(want.as_str()),
                "{constant}"
            );
        }
    };
    check(
        "STATUS",
        Status::ALL.iter().map(|x| x.name()).collect(),
        false,
    );
    check("HOLD", Hold::ALL.iter().map(|x| x.name()).collect(), true);
    check(
        "SERVICE",
        Service::ALL.iter().map(|x| x.name()).collect(),
        true,
    );
    check(
        "ACTION",
        Action::ALL.iter().map(|x| x.name()).collect(),
        true,
    );
    check(
        "CHANGE",
        ChangeKind::ALL.iter().map(|x| x.name()).collect(),
        false,
    );
    check(
        "REMEDY",
        Remedy::ALL.iter().map(|x| x.name()).collect(),
        false,
    );
    check(
        "CALL_CAUSE",
        CallCause::ALL.iter().map(|x| x.name()).collect(),
        true,
    );
    check(
        "CONDITION",
        Condition::ALL.iter().map(|x| x.name()).collect(),
        true,
    );
    assert_eq!(
        define(&header, "IOTCARD_HOLD_COUNT"),
        Some(Hold::ALL.len().to_string().as_str())
    );
}

/// Every core error code has its result, `IOTCARD_RESULT_<CODE>`, numbered from 1
/// in the order of `docs/json.md`.
#[test]
fn results_match_the_core_error_codes() {
    let header = generate();
    for kind in iotcard::ErrorKind::ALL {
        let line = format!(
            "IOTCARD_RESULT_{} = {},",
            kind.code().to_uppercase(),
            kind.number()
        );
        assert!(header.contains(&line), "missing `{line}`");
    }
    assert!(header.contains("IOTCARD_RESULT_OK = 0,"));
}

#[test]
fn the_version_macro_is_the_package_version() {
    let header = generate();
    let want = format!("\"{}\"", env!("CARGO_PKG_VERSION"));
    assert_eq!(define(&header, "IOTCARD_VERSION"), Some(want.as_str()));
}
