//! Events: what happens to a card (the event table of `docs/json.md`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::parse_json;
use crate::hold::{Hold, named_enum};
use crate::ids::{Iccid, Imei, Region};
use crate::plan::Plan;
use crate::time::rfc3339;
use crate::window::EventId;
use crate::{Error, Instant};

/// One event, as `{"type": ..., fields}`.
///
/// ```
/// use iotcard::Event;
/// let e = Event::from_json(r#"{"type": "charge", "amount": 1500}"#).unwrap();
/// assert_eq!(e, Event::Charge { amount: 1500 });
/// assert_eq!(Event::from_json(r#"{"type": "charge", "amount": 0}"#).unwrap_err().code(), "invalid_input");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// R5.1: first activation; `imei` is required when the policy binds devices.
    Activate {
        /// The activating device.
        imei: Option<Imei>,
    },
    /// R2, R5.2, R7.2: traffic reported by the operator.
    Usage {
        /// Bytes used.
        bytes: u64,
        /// The device it came from.
        imei: Option<Imei>,
        /// The province it came from.
        region: Option<Region>,
    },
    /// R3.1: a charge posted to the account (minor units, > 0).
    Charge {
        /// Amount, minor units.
        amount: i64,
    },
    /// R3.2, R3.3: a payment (minor units, > 0).
    Payment {
        /// Amount, minor units.
        amount: i64,
    },
    /// R2.4: a data package: extra quota for the current quota period.
    TopUp {
        /// Extra bytes (> 0).
        bytes: u64,
    },
    /// R1: the customer suspends the card.
    ManualSuspend,
    /// R1.2, R3.2: manual resume (人工复机).
    ManualResume,
    /// R4.3: renewal with a new plan (replaces the current one).
    Renew {
        /// The new plan.
        plan: Plan,
    },
    /// R5.3: bind a new device.
    Rebind {
        /// The new device.
        imei: Imei,
    },
    /// R7.3: the operator lifts a hold only it can lift.
    OperatorRelease {
        /// The hold to lift (`restricted_region`).
        hold: Hold,
    },
    /// R8.1: an operator maintenance window from the event's instant until `until`.
    Maintenance {
        /// End of the window.
        until: Instant,
    },
    /// R9.2: the card is reported lost.
    ReportLost,
    /// R9.2: the lost card is swapped for a new one with ICCID `iccid`.
    Replace {
        /// The new card's ICCID.
        iccid: Iccid,
    },
    /// R6.1: the customer cancels the card.
    Cancel,
}

/// The written form of [`Event`], serialized externally tagged
/// (`{"charge": {"amount": 5}}`) and then flattened to `{"type": "charge",
/// "amount": 5}` by [`Event`]'s `Serialize`.
#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
enum EventJson {
    Activate {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        imei: Option<Imei>,
    },
    Usage {
        bytes: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        imei: Option<Imei>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        region: Option<Region>,
    },
    Charge {
        amount: i64,
    },
    Payment {
        amount: i64,
    },
    TopUp {
        bytes: u64,
    },
    ManualSuspend {},
    ManualResume {},
    Renew {
        plan: Plan,
    },
    Rebind {
        imei: Imei,
    },
    OperatorRelease {
        hold: Hold,
    },
    Maintenance {
        #[serde(with = "rfc3339")]
        until: Instant,
    },
    ReportLost {},
    Replace {
        iccid: Iccid,
    },
    Cancel {},
}

/// Every field any event has, for reading an event in one pass: serde's
/// internally tagged enums buffer the whole object (slow) and lose the path of
/// the failing field, and their unit variants accept unknown fields. Which
/// fields belong to which `type` is checked after, naming the field.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventFields {
    #[serde(rename = "type")]
    kind: EventKind,
    imei: Option<Imei>,
    bytes: Option<u64>,
    region: Option<Region>,
    amount: Option<i64>,
    plan: Option<Plan>,
    hold: Option<Hold>,
    #[serde(default, with = "rfc3339::option")]
    until: Option<Instant>,
    iccid: Option<Iccid>,
    /// R12.5: read by [`Event::from_json_with_id`] only.
    id: Option<EventId>,
}

named_enum!(
    /// An event's type: the `type` of its JSON ([`Event::kind`]). The one list of
    /// event type names; every other list is derived from [`EventKind::ALL`].
    ///
    /// ```
    /// use iotcard::{Event, EventKind};
    /// assert_eq!(Event::Charge { amount: 5 }.kind(), EventKind::Charge);
    /// assert_eq!(EventKind::TopUp.name(), "top_up");
    /// assert_eq!(EventKind::from_name("report_lost")?, EventKind::ReportLost);
    /// # Ok::<(), iotcard::Error>(())
    /// ```
    #[non_exhaustive]
    EventKind, "event type" {
        /// `activate` (R5.1).
        Activate = "activate",
        /// `usage` (R2, R5.2, R7.2).
        Usage = "usage",
        /// `charge` (R3.1).
        Charge = "charge",
        /// `payment` (R3.2, R3.3).
        Payment = "payment",
        /// `top_up` (R2.4).
        TopUp = "top_up",
        /// `manual_suspend` (R1).
        ManualSuspend = "manual_suspend",
        /// `manual_resume` (R1.2, R3.2).
        ManualResume = "manual_resume",
        /// `renew` (R4.3).
        Renew = "renew",
        /// `rebind` (R5.3).
        Rebind = "rebind",
        /// `operator_release` (R7.3).
        OperatorRelease = "operator_release",
        /// `maintenance` (R8.1).
        Maintenance = "maintenance",
        /// `report_lost` (R9.2).
        ReportLost = "report_lost",
        /// `replace` (R9.2).
        Replace = "replace",
        /// `cancel` (R6.1).
        Cancel = "cancel",
    }
);

impl EventFields {
    /// Which fields were given.
    fn present(&self) -> [(&'static str, bool); 8] {
        [
            ("imei", self.imei.is_some()),
            ("bytes", self.bytes.is_some()),
            ("region", self.region.is_some()),
            ("amount", self.amount.is_some()),
            ("plan", self.plan.is_some()),
            ("hold", self.hold.is_some()),
            ("until", self.until.is_some()),
            ("iccid", self.iccid.is_some()),
        ]
    }

    /// The event, or the name of the first field that is missing or does not
    /// belong to the type.
    fn into_event(self) -> Result<Event, String> {
        fn need<T>(v: Option<T>, name: &str) -> Result<T, String> {
            v.ok_or_else(|| format!("missing field `{name}`"))
        }
        let present = self.present();
        let EventFields {
            kind,
            imei,
            bytes,
            region,
            amount,
            plan,
            hold,
            until,
            iccid,
            id: _,
        } = self;
        let (event, allowed): (Event, &[&str]) = match kind {
            EventKind::Activate => (Event::Activate { imei }, &["imei"]),
            EventKind::Usage => (
                Event::Usage {
                    bytes: need(bytes, "bytes")?,
                    imei,
                    region,
                },
                &["bytes", "imei", "region"],
            ),
            EventKind::Charge => (
                Event::Charge {
                    amount: need(amount, "amount")?,
                },
                &["amount"],
            ),
            EventKind::Payment => (
                Event::Payment {
                    amount: need(amount, "amount")?,
                },
                &["amount"],
            ),
            EventKind::TopUp => (
                Event::TopUp {
                    bytes: need(bytes, "bytes")?,
                },
                &["bytes"],
            ),
            EventKind::ManualSuspend => (Event::ManualSuspend, &[]),
            EventKind::ManualResume => (Event::ManualResume, &[]),
            EventKind::Renew => (
                Event::Renew {
                    plan: need(plan, "plan")?,
                },
                &["plan"],
            ),
            EventKind::Rebind => (
                Event::Rebind {
                    imei: need(imei, "imei")?,
                },
                &["imei"],
            ),
            EventKind::OperatorRelease => (
                Event::OperatorRelease {
                    hold: need(hold, "hold")?,
                },
                &["hold"],
            ),
            EventKind::Maintenance => (
                Event::Maintenance {
                    until: need(until, "until")?,
                },
                &["until"],
            ),
            EventKind::ReportLost => (Event::ReportLost, &[]),
            EventKind::Replace => (
                Event::Replace {
                    iccid: need(iccid, "iccid")?,
                },
                &["iccid"],
            ),
            EventKind::Cancel => (Event::Cancel, &[]),
        };
        if let Some((name, _)) = present
            .iter()
            .find(|(name, here)| *here && !allowed.contains(name))
        {
            return Err(format!(
                "invalid value at `{name}`: unknown field `{name}` for `{}`, expected {}",
                event.kind(),
                if allowed.is_empty() {
                    "no fields".to_owned()
                } else {
                    allowed.join(", ")
                }
            ));
        }
        Ok(event)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let fields = EventFields::deserialize(d)?;
        if fields.id.is_some() {
            // Dropping it would let a re-delivered event count twice (R12.5).
            return Err(D::Error::custom(
                "invalid value at `id`: an event id is not read here; \
                 use Event::from_json_with_id (or a scenario step, or the bindings' apply)",
            ));
        }
        fields.into_event().map_err(D::Error::custom)
    }
}

/// An event with its optional `id`, as [`Event::from_json_with_id`] reads it.
struct WithId(Event, Option<EventId>);

impl<'de> Deserialize<'de> for WithId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let mut fields = EventFields::deserialize(d)?;
        let id = fields.id.take();
        let event = fields.into_event().map_err(D::Error::custom)?;
        Ok(WithId(event, id))
    }
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeMap as _};
        // `{"charge": {"amount": 5}}` → `{"type": "charge", "amount": 5}`
        let Value::Object(outer) =
            serde_json::to_value(EventJson::from(*self)).map_err(S::Error::custom)?
        else {
            return Err(S::Error::custom("an event serializes as an object"));
        };
        let mut map = s.serialize_map(None)?;
        for (ty, fields) in outer {
            map.serialize_entry("type", &ty)?;
            if let Value::Object(fields) = fields {
                for (k, v) in fields {
                    map.serialize_entry(&k, &v)?;
                }
            }
        }
        map.end()
    }
}

impl From<Event> for EventJson {
    fn from(e: Event) -> EventJson {
        match e {
            Event::Activate { imei } => EventJson::Activate { imei },
            Event::Usage {
                bytes,
                imei,
                region,
            } => EventJson::Usage {
                bytes,
                imei,
                region,
            },
            Event::Charge { amount } => EventJson::Charge { amount },
            Event::Payment { amount } => EventJson::Payment { amount },
            Event::TopUp { bytes } => EventJson::TopUp { bytes },
            Event::ManualSuspend => EventJson::ManualSuspend {},
            Event::ManualResume => EventJson::ManualResume {},
            Event::Renew { plan } => EventJson::Renew { plan },
            Event::Rebind { imei } => EventJson::Rebind { imei },
            Event::OperatorRelease { hold } => EventJson::OperatorRelease { hold },
            Event::Maintenance { until } => EventJson::Maintenance { until },
            Event::ReportLost => EventJson::ReportLost {},
            Event::Replace { iccid } => EventJson::Replace { iccid },
            Event::Cancel => EventJson::Cancel {},
        }
    }
}

impl Event {
    /// The event's type (its `type` name is `kind().name()`).
    pub const fn kind(&self) -> EventKind {
        match self {
            Event::Activate { .. } => EventKind::Activate,
            Event::Usage { .. } => EventKind::Usage,
            Event::Charge { .. } => EventKind::Charge,
            Event::Payment { .. } => EventKind::Payment,
            Event::TopUp { .. } => EventKind::TopUp,
            Event::ManualSuspend => EventKind::ManualSuspend,
            Event::ManualResume => EventKind::ManualResume,
            Event::Renew { .. } => EventKind::Renew,
            Event::Rebind { .. } => EventKind::Rebind,
            Event::OperatorRelease { .. } => EventKind::OperatorRelease,
            Event::Maintenance { .. } => EventKind::Maintenance,
            Event::ReportLost => EventKind::ReportLost,
            Event::Replace { .. } => EventKind::Replace,
            Event::Cancel => EventKind::Cancel,
        }
    }

    /// Parses and validates an event.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field: malformed JSON, an unknown type or
    /// field, a bad identifier, or a value out of range (see [`Event::validate`]);
    /// JSON longer than [`crate::MAX_JSON_BYTES`].
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let e: Event = parse_json("event", json)?;
        e.validate()?;
        Ok(e)
    }

    /// Parses and validates an event that may carry an `id` (R12.5): 1 to 128
    /// printable ASCII characters. [`Event::from_json`] refuses an `id`.
    ///
    /// ```
    /// use iotcard::Event;
    /// let (e, id) = Event::from_json_with_id(r#"{"type": "payment", "amount": 500, "id": "pay-1"}"#)?;
    /// assert_eq!(e, Event::Payment { amount: 500 });
    /// assert_eq!(id.as_ref().map(|id| id.as_str()), Some("pay-1"));
    /// assert!(Event::from_json(r#"{"type": "payment", "amount": 500, "id": "pay-1"}"#).is_err());
    /// # Ok::<(), iotcard::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Event::from_json`]; an `id` that is empty, longer than 128 characters
    /// or not printable ASCII is [`Error::InvalidInput`] naming `event.id`.
    pub fn from_json_with_id(json: &str) -> Result<(Self, Option<EventId>), Error> {
        let WithId(e, id) = parse_json("event", json)?;
        e.validate()?;
        Ok((e, id))
    }

    /// The event as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Checks what the types alone do not: amounts > 0, top-up bytes > 0, a
    /// renewal plan that ends after it starts, instants within the supported
    /// range ([`Instant::MIN`] ..= [`Instant::MAX`]).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `event.amount`, `event.bytes`, `event.until`
    /// or `event.plan.*`.
    pub fn validate(&self) -> Result<(), Error> {
        match *self {
            Event::Charge { amount } | Event::Payment { amount } if amount <= 0 => Err(
                Error::invalid("event.amount", amount, "must be greater than zero"),
            ),
            Event::TopUp { bytes: 0 } => Err(Error::invalid(
                "event.bytes",
                0,
                "must be greater than zero",
            )),
            Event::Renew { plan } => plan.validate("event.plan"),
            Event::Maintenance { until } => crate::time::check_range("event.until", until),
            _ => Ok(()),
        }
    }
}

/// An event with its instant and optional `id` (R12.5): one entry of a card's
/// event log. In JSON, `{"at": ..., "event": {"type": ..., "id": ...}}`: the id
/// sits in the event object, as in every door of the contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedEvent {
    /// When it happened.
    pub at: Instant,
    /// What happened.
    pub event: Event,
    /// R12.5: the feed's id of the event, when it has one; a re-delivery of an
    /// accepted id is a duplicate, not a second event.
    pub id: Option<EventId>,
}

impl TimedEvent {
    /// An event at `at` without an id.
    pub const fn new(at: Instant, event: Event) -> TimedEvent {
        TimedEvent {
            at,
            event,
            id: None,
        }
    }
}

/// [`TimedEvent`] as JSON.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimedEventJson {
    #[serde(with = "rfc3339")]
    at: Instant,
    event: WithId,
}

impl<'de> Deserialize<'de> for TimedEvent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let TimedEventJson {
            at,
            event: WithId(event, id),
        } = TimedEventJson::deserialize(d)?;
        Ok(TimedEvent { at, event, id })
    }
}

impl TimedEvent {
    /// The event object's JSON, with its `id` when it has one: what
    /// [`Event::from_json_with_id`] reads back.
    pub fn event_json(&self) -> String {
        serde_json::to_string(&WithIdRef(self)).unwrap_or_default()
    }
}

/// The event object of a [`TimedEvent`], with its `id`.
struct WithIdRef<'a>(&'a TimedEvent);

impl Serialize for WithIdRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        let Some(id) = &self.0.id else {
            return self.0.event.serialize(s);
        };
        let Value::Object(mut fields) =
            serde_json::to_value(self.0.event).map_err(S::Error::custom)?
        else {
            return Err(S::Error::custom("an event serializes as an object"));
        };
        fields.insert("id".to_owned(), Value::String(id.as_str().to_owned()));
        fields.serialize(s)
    }
}

impl Serialize for TimedEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut st = s.serialize_struct("TimedEvent", 2)?;
        st.serialize_field("at", &self.at)?;
        st.serialize_field("event", &WithIdRef(self))?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_refuses_unknown_fields() {
        for json in [
            r#"{"type": "cancel", "typo": 1}"#,
            r#"{"type": "manual_suspend", "reason": "x"}"#,
            r#"{"type": "report_lost", "x": null}"#,
            r#"{"type": "charge", "amount": 100, "currency": "CNY"}"#,
        ] {
            let e = Event::from_json(json).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{json}");
            assert!(e.to_string().contains("unknown field"), "{json}: {e}");
        }
        let e = Event::from_json(r#"{"type": "refund"}"#).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid input: event.type = \"refund\""),
            "{e}"
        );
        let e = Event::from_json(r#"{"type": "charge", "amount": "5"}"#).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid input: event.amount = \"5\""),
            "{e}"
        );
    }

    #[test]
    fn every_kind_is_the_type_of_its_json() {
        let events = [
            Event::Activate { imei: None },
            Event::Usage {
                bytes: 1,
                imei: None,
                region: None,
            },
            Event::Charge { amount: 1 },
            Event::Payment { amount: 1 },
            Event::TopUp { bytes: 1 },
            Event::ManualSuspend,
            Event::ManualResume,
            Event::Rebind {
                imei: Imei::parse("490154203237518").unwrap(),
            },
            Event::OperatorRelease {
                hold: Hold::RestrictedRegion,
            },
            Event::Maintenance {
                until: crate::parse_instant("t", "2026-01-01T00:00:00Z").unwrap(),
            },
            Event::ReportLost,
            Event::Replace {
                iccid: Iccid::parse("89860012345678901238").unwrap(),
            },
            Event::Cancel,
        ];
        let mut kinds: Vec<EventKind> = events.iter().map(Event::kind).collect();
        for e in events {
            let v: Value = serde_json::from_str(&e.to_json()).unwrap();
            assert_eq!(v["type"], e.kind().name());
            assert_eq!(EventKind::from_name(e.kind().name()), Ok(e.kind()));
        }
        kinds.push(EventKind::Renew);
        kinds.sort();
        assert_eq!(kinds, EventKind::ALL, "one event of each kind");
    }

    #[test]
    fn events_round_trip_through_json() {
        for json in [
            r#"{"type":"cancel"}"#,
            r#"{"type":"usage","bytes":5,"imei":"490154203237518","region":"65"}"#,
            r#"{"type":"maintenance","until":"2026-01-01T00:00:00Z"}"#,
        ] {
            let e = Event::from_json(json).unwrap();
            assert_eq!(e.to_json(), json);
        }
    }
}
