//! Reconciliation: the library's assessment of a card beside what the operator
//! reports of it ([`OperatorView`]), each disagreement classified with the
//! action for the billing team (`docs/operators.md` "Reconciliation"). A pure
//! function: no clock, no I/O.

use serde::Serialize;

use crate::assess::Assessment;
use crate::event::Event;
use crate::fleet::{FleetEntry, Start};
use crate::hold::{Hold, Holds, named_enum};
use crate::ids::Iccid;
use crate::policy_book::PolicyBook;
use crate::report::OperatorView;
use crate::status::Status;
use crate::{Error, Instant};

named_enum!(
    /// What kind of disagreement between the library and the operator.
    Kind, "disagreement kind" {
        /// The operator stops (or restricts) a card the library thinks active.
        OperatorStops = "operator_stops",
        /// The library holds a card the operator runs.
        LibraryHolds = "library_holds",
        /// Both stop the card, for different causes.
        DifferentCauses = "different_causes",
        /// The operator has cancelled or replaced the card; the library has not.
        TerminalAtOperator = "terminal_at_operator",
        /// The library has cancelled or replaced the card; the operator has not.
        TerminalInLibrary = "terminal_in_library",
        /// One side has the card activated, the other in inventory.
        ActivationDiffers = "activation_differs",
        /// The operator's status has no mapping: the two cannot be compared.
        UnknownOperatorStatus = "unknown_operator_status",
    }
);

named_enum!(
    /// What the billing team should do about a disagreement.
    Action, "reconcile action" {
        /// Post the event the library never saw (named in `event`).
        PostMissingEvent = "post_missing_event",
        /// Ask the operator to stop the card (our stop was not applied there, or
        /// the operator lifted it).
        AskOperatorToStop = "ask_operator_to_stop",
        /// Ask the operator to release the card (its stop has no cause on our side).
        AskOperatorToRelease = "ask_operator_to_release",
        /// Contact the operator: the cause is the operator's own or unknown.
        ContactOperator = "contact_operator",
    }
);

/// One disagreement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    /// Its kind.
    pub kind: Kind,
    /// The hold in question (`null`: a stop of the operator's own, or none).
    pub hold: Option<Hold>,
    /// The event that would explain it, when one would.
    pub event: Option<&'static str>,
    /// What the billing team should do.
    pub action: Action,
    /// Why, in a sentence.
    pub why: &'static str,
    /// Whether the operator's side rests on an uncertain (C/D) row.
    pub uncertain: bool,
}

/// The library's side of a reconciliation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LibrarySide {
    /// The library's status at the report's instant.
    pub status: Status,
    /// Its holds.
    pub holds: Holds,
}

/// One card reconciled: both sides and every disagreement (none: they agree).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// The card.
    pub iccid: Iccid,
    /// The report's instant (the assessment's).
    #[serde(serialize_with = "crate::time::rfc3339::serialize")]
    pub at: Instant,
    /// The library's view.
    pub library: LibrarySide,
    /// The operator's view.
    pub operator: OperatorView,
    /// The disagreements, in a fixed order: terminal, activation, holds.
    pub disagreements: Vec<Disagreement>,
}

impl Reconciliation {
    /// Whether both sides agree.
    pub fn agrees(&self) -> bool {
        self.disagreements.is_empty()
    }

    /// The reconciliation as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The ICCIDs a fleet entry's cards have: the first card's, then each
/// replacement's (`replace` events), in order.
pub fn entry_iccids(entry: &FleetEntry) -> Vec<Iccid> {
    let first = match &entry.start {
        Start::New(new) => new.iccid,
        Start::Stored(card) => card.iccid(),
    };
    std::iter::once(first)
        .chain(entry.events.iter().filter_map(|t| match t.event {
            Event::Replace { iccid } => Some(iccid),
            _ => None,
        }))
        .collect()
}

/// Reconciles the card of `entry` that `view` reports on: replays the entry to
/// the report's instant under its operator's policy from `book` (the card's
/// operator, else the report's), assesses the card with the report's ICCID
/// there, and [`reconcile`]s.
///
/// # Errors
/// [`Error::InvalidInput`] naming `report.operator` when the card names or
/// implies another operator; `card.operator` when the operator has no policy;
/// `report.iccid` when no card of the entry has the report's ICCID at its
/// instant; the first event the card refuses, or an assessment error.
pub fn reconcile_entry(
    book: &PolicyBook,
    entry: &FleetEntry,
    view: &OperatorView,
) -> Result<Reconciliation, Error> {
    let op = entry.operator();
    if let Some(op) = op.filter(|&o| o != view.operator) {
        return Err(Error::invalid(
            "report.operator",
            view.operator,
            format!("the card's operator is {op}"),
        ));
    }
    let policy = book.policy_for(op.or(Some(view.operator)))?;
    let replayed = entry.replay(policy, view.at).map_err(|(i, e)| match e {
        Error::InvalidInput { .. } => e.within(&format!("entry.events[{i}]")),
        other => other,
    })?;
    let card = std::iter::once(&replayed.card)
        .chain(replayed.replaced.iter())
        .find(|c| c.iccid() == view.iccid)
        .ok_or_else(|| {
            Error::invalid(
                "report.iccid",
                format!("{:?}", view.iccid.as_str()),
                "no card of this fleet line has this ICCID at the report's instant",
            )
        })?;
    reconcile(&card.assess(policy, view.at)?, card.iccid(), view)
}

/// The event whose absence would explain the operator holding `hold`.
const fn missing_event(hold: Hold) -> (&'static str, &'static str) {
    match hold {
        Hold::Manual => (
            "manual_suspend",
            "a manual suspension the billing system never saw",
        ),
        Hold::OverQuota => (
            "usage",
            "usage the billing system never saw (or operator usage lag, or a pool limit)",
        ),
        Hold::Arrears => (
            "charge",
            "a charge the billing system never saw (or credit control at the group account)",
        ),
        Hold::LowBalance => (
            "charge",
            "a charge the billing system never saw (balance below the threshold at the operator)",
        ),
        Hold::Expired => (
            "renew",
            "a different plan end: a renewal the operator never saw (ask it to release), or a plan end the billing system never saw",
        ),
        Hold::DeviceMismatch => (
            "usage",
            "a device change: traffic from another IMEI the billing system never saw",
        ),
        Hold::RestrictedRegion => (
            "usage",
            "traffic from a restricted region the billing system never saw",
        ),
        Hold::Maintenance => (
            "maintenance",
            "a maintenance window the billing system never saw",
        ),
        Hold::Lost => ("report_lost", "a loss report the billing system never saw"),
    }
}

const fn is_terminal(s: Status) -> bool {
    matches!(s, Status::Cancelled | Status::Replaced)
}

/// Reconciles one card: `assessment` is the library's assessment of the card
/// `iccid` at the report's instant, `view` the operator's report of it.
///
/// ```
/// use iotcard::{parse_instant, decode_report, Card, NewCard, Event, Policy, Hold};
/// use iotcard::reconcile::{reconcile, Kind, Action};
/// let policy = Policy::default();
/// let card = Card::new(&NewCard::from_json(r#"{"iccid": "89860012345678901238",
///   "msisdn": "1440012345678", "plan": {"start": "2026-01-01T00:00:00+08:00",
///   "end": "2027-01-01T00:00:00+08:00", "period": "month", "quota_bytes": 1048576,
///   "monthly_fee": 0}}"#)?)?;
/// let card = card.apply(&policy, parse_instant("at", "2026-01-02T00:00:00+08:00")?,
///     &Event::Activate { imei: Some(iotcard::Imei::parse("490154203237518")?) })?.card;
/// let view = decode_report(r#"{"iccid": "89860012345678901238", "at": "2026-06-01T08:00:00+08:00",
///   "operator": "china_mobile", "cardStatus": "4", "stopReason": "000020000000"}"#)?;
/// let r = reconcile(&card.assess(&policy, view.at)?, card.iccid(), &view)?;
/// assert_eq!(r.disagreements[0].kind, Kind::OperatorStops);
/// assert_eq!(r.disagreements[0].hold, Some(Hold::Arrears));
/// assert_eq!(r.disagreements[0].event, Some("charge"));
/// # Ok::<(), iotcard::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidInput`] naming `report.iccid` when the report is of another
/// card, `report.at` when the assessment is not at the report's instant.
pub fn reconcile(
    assessment: &Assessment,
    iccid: Iccid,
    view: &OperatorView,
) -> Result<Reconciliation, Error> {
    if view.iccid != iccid {
        return Err(Error::invalid(
            "report.iccid",
            format!("{:?}", view.iccid.as_str()),
            format!("the report is not of card {}", iccid.as_str()),
        ));
    }
    if view.at != assessment.at {
        return Err(Error::invalid(
            "report.at",
            view.at,
            "the assessment must be at the report's instant",
        ));
    }
    let library = LibrarySide {
        status: assessment.status,
        holds: assessment.holds,
    };
    Ok(Reconciliation {
        iccid,
        at: view.at,
        library,
        operator: view.clone(),
        disagreements: disagreements(library, view),
    })
}

const fn dis(
    kind: Kind,
    hold: Option<Hold>,
    event: Option<&'static str>,
    action: Action,
    why: &'static str,
    uncertain: bool,
) -> Disagreement {
    Disagreement {
        kind,
        hold,
        event,
        action,
        why,
        uncertain,
    }
}

/// The disagreement of status class (terminal, activation), if any: it makes
/// comparing holds meaningless.
fn status_disagreement(lib: Status, op: Status, view: &OperatorView) -> Option<Disagreement> {
    let status_uncertain = view.uncertain && view.holds.is_empty();
    match (is_terminal(lib), is_terminal(op)) {
        (false, true) => {
            return Some(dis(
                Kind::TerminalAtOperator,
                None,
                None,
                Action::ContactOperator,
                "the operator cancelled or replaced a card the billing system still runs (it accepts no events once cancelled)",
                view.uncertain,
            ));
        }
        (true, false) => {
            return Some(dis(
                Kind::TerminalInLibrary,
                None,
                Some("cancel"),
                Action::AskOperatorToStop,
                "the billing system cancelled or replaced a card the operator still runs: ask the operator to cancel it",
                view.uncertain,
            ));
        }
        (true, true) => return None,
        (false, false) => {}
    }
    match (lib == Status::Inventory, op == Status::Inventory) {
        (true, false) => Some(dis(
            Kind::ActivationDiffers,
            None,
            Some("activate"),
            Action::PostMissingEvent,
            "the operator has the card activated; the billing system never saw the activation",
            status_uncertain,
        )),
        (false, true) => Some(dis(
            Kind::ActivationDiffers,
            None,
            None,
            Action::ContactOperator,
            "the operator has the card in inventory or test (billing not started) while the billing system charges it",
            status_uncertain,
        )),
        _ => None,
    }
}

fn disagreements(lib: LibrarySide, view: &OperatorView) -> Vec<Disagreement> {
    let Some(op_status) = view.status else {
        return vec![dis(
            Kind::UnknownOperatorStatus,
            None,
            None,
            Action::ContactOperator,
            "the operator's status code has no mapping (see `unmapped`)",
            true,
        )];
    };
    if let Some(d) = status_disagreement(lib.status, op_status, view) {
        return vec![d];
    }
    if is_terminal(lib.status) {
        return Vec::new(); // terminal on both sides
    }
    hold_disagreements(lib.holds, op_status, view)
}

/// Holds: the operator's, as library holds, plus stops of its own, beside ours.
fn hold_disagreements(ours: Holds, op_status: Status, view: &OperatorView) -> Vec<Disagreement> {
    let mut out = Vec::new();
    let theirs = view.library_holds();
    let op_stopped = !theirs.is_empty()
        || view.operator_only()
        || matches!(op_status, Status::Suspended | Status::Restricted);
    let uncertain_of = |hold: Hold| {
        view.holds
            .iter()
            .any(|h| h.hold == Some(hold) && h.uncertain)
    };
    if !op_stopped {
        for hold in ours.iter() {
            out.push(dis(
                Kind::LibraryHolds,
                Some(hold),
                None,
                Action::AskOperatorToStop,
                "the library holds the card but the operator runs it: the stop was not applied at the operator, or the operator lifted it",
                view.uncertain,
            ));
        }
        return out;
    }
    let kind = if ours.is_empty() {
        Kind::OperatorStops
    } else {
        Kind::DifferentCauses
    };
    for hold in theirs.iter().filter(|h| !ours.contains(*h)) {
        let (event, why) = missing_event(hold);
        // A plan end on one side only: our renewal never reached the operator.
        let action = if hold == Hold::Expired {
            Action::AskOperatorToRelease
        } else {
            Action::PostMissingEvent
        };
        out.push(dis(
            kind,
            Some(hold),
            Some(event),
            action,
            why,
            uncertain_of(hold),
        ));
    }
    if let Some(h) = view.holds.iter().find(|h| h.operator_only) {
        out.push(dis(
            kind,
            None,
            None,
            Action::ContactOperator,
            "the operator stops the card for a reason of its own (no hold of the library matches)",
            h.uncertain,
        ));
    }
    let causes_given = !theirs.is_empty() || view.operator_only();
    if !causes_given && ours.is_empty() {
        out.push(dis(
            kind,
            None,
            None,
            Action::ContactOperator,
            "the operator stops the card without giving a cause (see `unmapped`)",
            true,
        ));
    }
    if causes_given {
        for hold in ours.iter().filter(|h| !theirs.contains(*h)) {
            out.push(dis(
                Kind::DifferentCauses,
                Some(hold),
                None,
                Action::AskOperatorToStop,
                "the library holds the card for a cause the operator does not report",
                view.uncertain,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Action, Kind, LibrarySide, disagreements};
    use crate::report::decode_report;
    use crate::{Hold, Holds, Status};

    fn view(fields: &str) -> crate::OperatorView {
        decode_report(&format!(
            r#"{{"iccid": "89860012345678901238", "at": "2026-06-01T08:00:00+08:00",
                "operator": "china_mobile", {fields}}}"#
        ))
        .expect("decodes")
    }

    fn lib(status: Status, holds: &[Hold]) -> LibrarySide {
        LibrarySide {
            status,
            holds: holds.iter().copied().collect::<Holds>(),
        }
    }

    fn kinds(l: LibrarySide, fields: &str) -> Vec<(Kind, Option<Hold>, Action)> {
        disagreements(l, &view(fields))
            .into_iter()
            .map(|d| (d.kind, d.hold, d.action))
            .collect()
    }

    #[test]
    fn every_kind_of_disagreement() {
        let active = lib(Status::Active, &[]);
        assert_eq!(kinds(active, r#""cardStatus": "2""#), []);
        assert_eq!(
            kinds(active, r#""cardStatus": "4", "stopReason": "000020000000""#),
            [(
                Kind::OperatorStops,
                Some(Hold::Arrears),
                Action::PostMissingEvent
            )]
        );
        assert_eq!(
            kinds(active, r#""cardStatus": "4", "stopReason": "000000000020""#),
            [(Kind::OperatorStops, None, Action::ContactOperator)]
        );
        assert_eq!(
            kinds(active, r#""cardStatus": "4""#),
            [(Kind::OperatorStops, None, Action::ContactOperator)]
        );
        let manual = lib(Status::Suspended, &[Hold::Manual]);
        assert_eq!(
            kinds(manual, r#""cardStatus": "2""#),
            [(
                Kind::LibraryHolds,
                Some(Hold::Manual),
                Action::AskOperatorToStop
            )]
        );
        assert_eq!(
            kinds(manual, r#""cardStatus": "4", "stopReason": "000000002000""#),
            []
        );
        assert_eq!(
            kinds(manual, r#""cardStatus": "4", "stopReason": "000020000000""#),
            [
                (
                    Kind::DifferentCauses,
                    Some(Hold::Arrears),
                    Action::PostMissingEvent
                ),
                (
                    Kind::DifferentCauses,
                    Some(Hold::Manual),
                    Action::AskOperatorToStop
                ),
            ]
        );
        assert_eq!(
            kinds(active, r#""cardStatus": "9""#),
            [(Kind::TerminalAtOperator, None, Action::ContactOperator)]
        );
        assert_eq!(
            kinds(lib(Status::Cancelled, &[]), r#""cardStatus": "2""#),
            [(Kind::TerminalInLibrary, None, Action::AskOperatorToStop)]
        );
        assert_eq!(
            kinds(lib(Status::Cancelled, &[]), r#""cardStatus": "9""#),
            []
        );
        assert_eq!(
            kinds(lib(Status::Inventory, &[]), r#""cardStatus": "2""#),
            [(Kind::ActivationDiffers, None, Action::PostMissingEvent)]
        );
        let low = lib(Status::Restricted, &[Hold::LowBalance]);
        assert_eq!(
            kinds(low, r#""cardStatus": "01""#),
            [],
            "one-way stop, cause not given"
        );
        assert_eq!(
            kinds(active, r#""cardStatus": "01""#),
            [(Kind::OperatorStops, None, Action::ContactOperator)]
        );
        assert_eq!(
            kinds(active, r#""cardStatus": "5""#),
            [(Kind::UnknownOperatorStatus, None, Action::ContactOperator)]
        );
    }
}
