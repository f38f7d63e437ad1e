//! Scenario files (`docs/scenarios.md`): a card's story and what must hold along the
//! way. [`run`] plays one file and reports every failing step with the scenario
//! name, step index, field, expected and actual value. Pure: it takes the file's
//! text; reading files is the caller's business.

use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::card::{Card, NewCard};
use crate::error::{ErrorKind, MAX_LOG_JSON_BYTES, parse_json_limited};
use crate::event::Event;
use crate::policy::Policy;
use crate::time::{parse_instant, rfc3339};
use crate::{Error, Instant};

/// A parsed scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What the story shows.
    pub name: String,
    /// The rule ids it covers.
    #[serde(default)]
    pub rules: Vec<String>,
    /// The policy: fields changed from the default.
    #[serde(default)]
    pub policy: Policy,
    /// The new card.
    pub card: NewCard,
    /// The steps, in order.
    pub steps: Vec<StepSpec>,
}

/// One step: an event (that must succeed, or fail with `expect_error`), or an
/// expectation at an instant.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    /// The instant.
    #[serde(with = "rfc3339")]
    pub at: Instant,
    /// The event, as JSON (parsed when the step runs, so that a malformed event
    /// can be expected to fail with `invalid_input`).
    #[serde(default)]
    pub event: Option<Value>,
    /// The error code the event must fail with.
    #[serde(default)]
    pub expect_error: Option<String>,
    /// Assessment fields to compare.
    #[serde(default)]
    pub expect: Option<Map<String, Value>>,
}

/// One failing check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Step index (0-based).
    pub step: usize,
    /// The field compared (`status`, `holds`, `can.renew`, `error`, ...).
    pub field: String,
    /// Expected value (JSON).
    pub expected: String,
    /// Actual value (JSON, or the error).
    pub actual: String,
}

/// The outcome of one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The scenario's name.
    pub name: String,
    /// Number of steps run.
    pub steps: usize,
    /// Every failing check, in step order.
    pub failures: Vec<Failure>,
}

impl Report {
    /// Whether every step passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for x in &self.failures {
            writeln!(
                f,
                "{}: step {}: {}: expected {}, actual {}",
                self.name, x.step, x.field, x.expected, x.actual
            )?;
        }
        Ok(())
    }
}

/// The expect fields of `docs/scenarios.md`.
pub const EXPECT_FIELDS: [&str; 14] = [
    "status",
    "holds",
    "barred",
    "balance",
    "usage_bytes",
    "overage_bytes",
    "overage_charge",
    "keep_number_fees",
    "retention_ends",
    "next",
    "can",
    "remedies",
    "call_restriction",
    "refund",
];

/// Parses a scenario file.
///
/// # Errors
/// [`Error::InvalidInput`] naming the field for malformed JSON, unknown fields,
/// a bad policy or card, or a step that is neither an event nor an expectation;
/// a file longer than [`crate::MAX_LOG_JSON_BYTES`].
pub fn parse(json: &str) -> Result<Scenario, Error> {
    let s: Scenario =
        parse_json_limited("scenario", json, MAX_LOG_JSON_BYTES, "MAX_LOG_JSON_BYTES")?;
    s.card.plan.validate("scenario.card.plan")?;
    for (i, st) in s.steps.iter().enumerate() {
        let field = format!("scenario.steps[{i}]");
        match (&st.event, &st.expect) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(field, "…", "has both `event` and `expect`"));
            }
            (None, None) => {
                return Err(Error::invalid(
                    field,
                    "…",
                    "has neither `event` nor `expect`",
                ));
            }
            (None, Some(_)) if st.expect_error.is_some() => {
                return Err(Error::invalid(
                    field,
                    "…",
                    "`expect_error` needs an `event`",
                ));
            }
            _ => {}
        }
        if let Some(code) = &st.expect_error
            && ErrorKind::from_code(code).is_none()
        {
            return Err(Error::invalid(
                format!("{field}.expect_error"),
                format!("{code:?}"),
                format!(
                    "unknown error code; expected one of: {}",
                    ErrorKind::ALL
                        .iter()
                        .map(|k| k.code())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if let Some(exp) = &st.expect
            && let Some(k) = exp.keys().find(|k| !EXPECT_FIELDS.contains(&k.as_str()))
        {
            return Err(Error::invalid(
                format!("{field}.expect"),
                format!("{k:?}"),
                format!(
                    "unknown expect field; expected one of: {}",
                    EXPECT_FIELDS.join(", ")
                ),
            ));
        }
    }
    Ok(s)
}

/// Parses and plays a scenario file.
///
/// # Errors
/// As [`parse`]: a malformed file is an error; failing steps are in the report.
///
/// ```
/// let report = iotcard::scenario::run(r#"{
///   "name": "activation", "rules": ["R5.1"],
///   "card": {"iccid": "89860012345678901238", "msisdn": "1440012345678",
///            "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
///                     "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}},
///   "steps": [
///     {"at": "2026-01-05T10:00:00+08:00", "event": {"type": "activate", "imei": "490154203237518"}},
///     {"at": "2026-01-05T10:00:00+08:00", "expect": {"status": "active", "holds": []}},
///     {"at": "2026-01-05T10:00:00+08:00", "expect": {"status": "suspended"}}
///   ]
/// }"#)?;
/// assert_eq!(report.failures.len(), 1);
/// assert_eq!(report.failures[0].step, 2);
/// assert_eq!(report.failures[0].actual, "\"active\"");
/// # Ok::<(), iotcard::Error>(())
/// ```
pub fn run(json: &str) -> Result<Report, Error> {
    Ok(play(&parse(json)?))
}

/// Plays a parsed scenario.
pub fn play(s: &Scenario) -> Report {
    let mut failures = Vec::new();
    let mut fail = |step: usize, field: &str, expected: String, actual: String| {
        failures.push(Failure {
            step,
            field: field.to_owned(),
            expected,
            actual,
        });
    };
    let mut card = match Card::new(&s.card) {
        Ok(c) => c,
        Err(e) => {
            fail(0, "card", "a valid card".into(), e.to_string());
            return Report {
                name: s.name.clone(),
                steps: 0,
                failures,
            };
        }
    };
    let mut changes = Vec::new();
    let mut withdrawn = Vec::new();
    for (i, st) in s.steps.iter().enumerate() {
        if let Some(ev) = &st.event {
            let before = card.clone();
            let result = Event::from_json_with_id(&ev.to_string()).and_then(|(e, id)| {
                card.apply_identified_in_place(
                    &s.policy,
                    st.at,
                    &e,
                    id.as_ref(),
                    &mut changes,
                    &mut withdrawn,
                )
            });
            changes.clear();
            withdrawn.clear();
            match (result, &st.expect_error) {
                (Ok(done), None) => {
                    if done.duplicate && card != before {
                        fail(
                            i,
                            "card",
                            "unchanged by a duplicate".into(),
                            "changed".into(),
                        );
                    }
                    if let Some(new) = done.replacement {
                        card = new;
                    }
                }
                (Ok(_), Some(code)) => {
                    fail(i, "error", format!("{code:?}"), "success".into());
                }
                (Err(e), None) => {
                    fail(i, "error", "success".into(), format!("{:?}: {e}", e.code()));
                }
                (Err(e), Some(code)) => {
                    if e.code() != code {
                        fail(
                            i,
                            "error",
                            format!("{code:?}"),
                            format!("{:?}: {e}", e.code()),
                        );
                    }
                    if card != before {
                        fail(
                            i,
                            "card",
                            "unchanged".into(),
                            "changed by a refused event".into(),
                        );
                    }
                }
            }
        } else if let Some(expect) = &st.expect {
            if let Err(e) = card.advance_in_place(&s.policy, st.at, &mut changes) {
                fail(
                    i,
                    "at",
                    "an instant not before the previous step".into(),
                    e.to_string(),
                );
                continue;
            }
            changes.clear();
            match card.assess(&s.policy, st.at) {
                Ok(a) => compare(i, expect, &a.to_json_value(), &mut fail),
                Err(e) => fail(i, "assess", "an assessment".into(), e.to_string()),
            }
        }
    }
    Report {
        name: s.name.clone(),
        steps: s.steps.len(),
        failures,
    }
}

/// Compares the expected fields with the actual assessment JSON.
fn compare(
    step: usize,
    expect: &Map<String, Value>,
    actual: &Value,
    fail: &mut impl FnMut(usize, &str, String, String),
) {
    for (field, want) in expect {
        let got = actual.get(field).unwrap_or(&Value::Null);
        match field.as_str() {
            "can" | "remedies" | "refund" => {
                let Some(want) = want.as_object() else {
                    fail(
                        step,
                        field,
                        want.to_string(),
                        "(expect must be an object)".into(),
                    );
                    continue;
                };
                for (k, w) in want {
                    let g = got.get(k).unwrap_or(&Value::Null);
                    if w != g {
                        fail(step, &format!("{field}.{k}"), w.to_string(), g.to_string());
                    }
                }
            }
            "holds" | "barred" => {
                if !same_set(want, got) {
                    fail(step, field, want.to_string(), got.to_string());
                }
            }
            "retention_ends" => {
                if !same_instant(want, got) {
                    fail(step, field, want.to_string(), got.to_string());
                }
            }
            "next" => {
                let ok = match (want, got) {
                    (Value::Null, Value::Null) => true,
                    (Value::Object(w), Value::Object(g)) => {
                        w.keys().all(|k| k == "at" || k == "change")
                            && w.get("at").is_none_or(|a| same_instant(a, &g["at"]))
                            && w.get("change").is_none_or(|c| c == &g["change"])
                    }
                    _ => false,
                };
                if !ok {
                    fail(step, field, want.to_string(), got.to_string());
                }
            }
            _ => {
                if want != got {
                    fail(step, field, want.to_string(), got.to_string());
                }
            }
        }
    }
}

fn same_set(want: &Value, got: &Value) -> bool {
    match (want.as_array(), got.as_array()) {
        (Some(w), Some(g)) => {
            w.len() == g.len() && w.iter().all(|x| g.contains(x)) && g.iter().all(|x| w.contains(x))
        }
        _ => false,
    }
}

fn same_instant(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Null, Value::Null) => true,
        (Value::String(w), Value::String(g)) => {
            matches!((parse_instant("expect", w), parse_instant("actual", g)), (Ok(a), Ok(b)) if a == b)
        }
        _ => false,
    }
}
