//! The policy book: several policies in one file — a default and one per
//! operator — so that a reseller running cards of several operators assesses
//! each card under its own operator's rules (`docs/operators.md` "Policy book").

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::assess::Assessor;
use crate::card::Card;
use crate::error::parse_json;
use crate::fleet::{FleetEntry, Replayed, Start};
use crate::operator::Operator;
use crate::policy::Policy;
use crate::{Error, Instant};

/// A default policy and one policy per operator, each in the policy JSON of
/// `docs/json.md` "Policy" (the fields to change from the built-in default).
///
/// ```
/// use iotcard::{Operator, PolicyBook};
/// let book = PolicyBook::from_json(r#"{
///   "default": {"retention_months": 3},
///   "operators": {"china_telecom": {"retention_months": 6, "low_balance": 300}}
/// }"#)?;
/// assert_eq!(book.policy_for(Some(Operator::ChinaTelecom))?.retention_months, 6);
/// assert_eq!(book.policy_for(Some(Operator::ChinaMobile))?.retention_months, 3);
///
/// let e = PolicyBook::from_json(r#"{"operators": {"china_mobile": {"retention_months": 5000}}}"#)
///     .unwrap_err();
/// assert!(e.to_string().contains("policy_book.operators.china_mobile.retention_months"), "{e}");
/// # Ok::<(), iotcard::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PolicyBook {
    /// The policy of a card whose operator has none of its own (or is unknown).
    pub default: Option<Policy>,
    /// The policy of each operator that has one.
    pub operators: BTreeMap<Operator, Policy>,
}

/// The book as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BookJson {
    #[serde(default)]
    default: Option<serde_json::Value>,
    #[serde(default)]
    operators: BTreeMap<String, serde_json::Value>,
}

/// One policy of the book, its errors named under `field`
/// (`policy_book.operators.china_mobile.retention_months`).
fn policy_at(field: &str, json: &serde_json::Value) -> Result<Policy, Error> {
    Policy::from_json(&json.to_string()).map_err(|e| match e {
        Error::InvalidInput {
            field: f,
            value,
            reason,
        } => Error::InvalidInput {
            field: match f.strip_prefix("policy") {
                Some(rest) => format!("{field}{rest}"),
                None => format!("{field}.{f}"),
            },
            value,
            reason,
        },
        other => other,
    })
}

/// The error for a card whose operator has no policy in a book without default.
fn no_policy(op: Option<Operator>) -> Error {
    Error::invalid(
        "card.operator",
        op.map_or("(unknown operator)", Operator::name),
        "the policy book has no policy for this operator and no default",
    )
}

impl PolicyBook {
    /// A book of one policy, the default for every card.
    pub fn single(policy: Policy) -> PolicyBook {
        PolicyBook {
            default: Some(policy),
            operators: BTreeMap::new(),
        }
    }

    /// Parses and validates a whole book: every policy in it, each error naming
    /// the policy and the field (`policy_book.default.credit_limit`,
    /// `policy_book.operators.china_unicom.retention_months`,
    /// `policy_book.operators.cmcc` for an unknown operator).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field: malformed JSON, an unknown
    /// field or operator, a policy out of range, a book with no policy at all;
    /// JSON longer than [`crate::MAX_JSON_BYTES`].
    pub fn from_json(json: &str) -> Result<PolicyBook, Error> {
        let raw: BookJson = parse_json("policy_book", json)?;
        let default = raw
            .default
            .as_ref()
            .map(|p| policy_at("policy_book.default", p))
            .transpose()?;
        let mut operators = BTreeMap::new();
        for (name, p) in &raw.operators {
            let field = format!("policy_book.operators.{name}");
            let op = Operator::from_name(name).map_err(|e| e.renamed(&field))?;
            operators.insert(op, policy_at(&field, p)?);
        }
        if default.is_none() && operators.is_empty() {
            return Err(Error::invalid(
                "policy_book",
                "{}",
                "names no policy: give a \"default\" or \"operators\"",
            ));
        }
        Ok(PolicyBook { default, operators })
    }

    /// The policy for a card of operator `op` (`None`: unknown operator): the
    /// operator's own, else the default.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `card.operator` when the operator has no
    /// policy and the book no default: an error for that card, not the run.
    pub fn policy_for(&self, op: Option<Operator>) -> Result<&Policy, Error> {
        op.and_then(|o| self.operators.get(&o))
            .or(self.default.as_ref())
            .ok_or_else(|| no_policy(op))
    }

    /// The time zone of the book's messages: the default policy's, else the first
    /// operator policy's, else China's.
    pub fn zone(&self) -> crate::TimeZone {
        self.default
            .as_ref()
            .or_else(|| self.operators.values().next())
            .map_or(crate::TimeZone::CHINA, |p| p.timezone)
    }

    /// The policy for `card` ([`Card::operator`]).
    ///
    /// # Errors
    /// As [`PolicyBook::policy_for`].
    pub fn policy_for_card(&self, card: &Card) -> Result<&Policy, Error> {
        self.policy_for(card.operator())
    }

    /// Replays a fleet entry under its card's operator's policy
    /// ([`FleetEntry::replay`]), giving the policy used too.
    ///
    /// # Errors
    /// `(0, error)` when the card's operator has no policy; otherwise as
    /// [`FleetEntry::replay`].
    pub fn replay(
        &self,
        entry: &FleetEntry,
        at: Instant,
    ) -> Result<(&Policy, Replayed), (usize, Error)> {
        let policy = self.policy_for(entry.operator()).map_err(|e| (0, e))?;
        Ok((policy, entry.replay(policy, at)?))
    }

    /// An [`Assessor`] per policy of the book, at `at`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when a policy is out of range.
    pub fn assessors(&self, at: Instant) -> Result<BookAssessor<'_>, Error> {
        Ok(BookAssessor {
            book: self,
            default: self
                .default
                .as_ref()
                .map(|p| Assessor::new(p, at))
                .transpose()?,
            operators: self
                .operators
                .iter()
                .map(|(o, p)| Ok((*o, Assessor::new(p, at)?)))
                .collect::<Result<_, Error>>()?,
            at,
        })
    }
}

/// [`Assessor`]s for every policy of a [`PolicyBook`] at one instant.
#[derive(Debug, Clone)]
pub struct BookAssessor<'b> {
    book: &'b PolicyBook,
    default: Option<Assessor<'b>>,
    operators: Vec<(Operator, Assessor<'b>)>,
    at: Instant,
}

impl<'b> BookAssessor<'b> {
    /// The instant assessed.
    pub fn at(&self) -> Instant {
        self.at
    }

    /// The book.
    pub fn book(&self) -> &'b PolicyBook {
        self.book
    }

    /// The assessor for a card of operator `op`.
    ///
    /// # Errors
    /// As [`PolicyBook::policy_for`].
    pub fn for_operator(&self, op: Option<Operator>) -> Result<&Assessor<'b>, Error> {
        match op.and_then(|o| self.operators.iter().find(|(k, _)| *k == o)) {
            Some((_, a)) => Ok(a),
            None => self.default.as_ref().ok_or_else(|| no_policy(op)),
        }
    }
}

impl FleetEntry {
    /// The operator of the entry's card: the one it names, else its ICCID's
    /// ([`Card::operator`]).
    pub fn operator(&self) -> Option<Operator> {
        match &self.start {
            Start::New(new) => new.operator.or_else(|| Operator::of_iccid(new.iccid)),
            Start::Stored(card) => card.operator(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PolicyBook;
    use crate::{Error, Operator};

    fn field_of(json: &str) -> String {
        match PolicyBook::from_json(json) {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    /// Every policy of the book is validated; errors name the policy and field.
    #[test]
    fn errors_name_the_policy_and_the_field() {
        assert_eq!(
            field_of(r#"{"operators": {"china_mobile": {"retention_months": 5000}}}"#),
            "policy_book.operators.china_mobile.retention_months"
        );
        assert_eq!(
            field_of(r#"{"default": {"credit_limit": -1}}"#),
            "policy_book.default.credit_limit"
        );
        assert_eq!(
            field_of(r#"{"operators": {"china_unicom": {"retention_month": 3}}}"#),
            "policy_book.operators.china_unicom.retention_month"
        );
        assert_eq!(
            field_of(r#"{"operators": {"cmcc": {}}}"#),
            "policy_book.operators.cmcc"
        );
        assert_eq!(field_of(r#"{"defaults": {}}"#), "policy_book.defaults");
        assert_eq!(field_of("{}"), "policy_book");
    }

    /// A card whose operator has no policy, in a book without a default, is an
    /// error naming `card.operator`; with a default it takes the default.
    #[test]
    fn an_operator_without_a_policy_is_an_error_for_that_card() {
        let book = PolicyBook::from_json(r#"{"operators": {"china_mobile": {}}}"#).expect("ok");
        assert!(book.policy_for(Some(Operator::ChinaMobile)).is_ok());
        for op in [Some(Operator::ChinaTelecom), None] {
            match book.policy_for(op) {
                Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "card.operator"),
                other => panic!("{other:?}"),
            }
        }
        let at = crate::parse_instant("at", "2026-01-01T00:00:00Z").expect("ok");
        let assessors = book.assessors(at).expect("valid");
        assert!(assessors.for_operator(Some(Operator::ChinaMobile)).is_ok());
        assert!(assessors.for_operator(None).is_err());
    }
}
