//! Assessments → a record batch: the expect fields of `scenarios.md`, decoded
//! for people and query engines (names, not bit sets), one row per card, and
//! a card that could not be assessed a row with its error.

use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Int8Builder, Int64Builder, ListBuilder, MapBuilder,
    StringBuilder, TimestampMillisecondBuilder,
};
use arrow_array::types::Int8Type;
use arrow_array::{Array, ArrayRef, DictionaryArray, Int8Array, RecordBatch, StringArray};
use arrow_schema::{Field, Schema, SchemaRef};
use iotcard::{Action, Assessment, CallCause, Error, Hold, Service, Status};

use crate::states::metadata;
use crate::time::to_ms;

/// The version of the assessments table's schema.
pub const ASSESSMENTS_SCHEMA_VERSION: u32 = 1;

const TABLE: &str = "assessments";

/// The column names, in order (the `can_*` ones are `can_` and the action's name).
pub const ASSESSMENT_COLUMNS: [&str; 24] = [
    "iccid",
    "msisdn",
    "status",
    "holds",
    "barred",
    "call_restriction",
    "balance",
    "usage_bytes",
    "overage_bytes",
    "overage_charge",
    "keep_number_fees",
    "retention_ends",
    "next_at",
    "next_change",
    "can_manual_suspend",
    "can_manual_resume",
    "can_renew",
    "refund_eligible_to_request",
    "refund_unused_months",
    "refund_estimate",
    "remedies",
    "needs_action",
    "error_code",
    "error_message",
];

/// The actions of the `can_*` columns, in column order.
const CAN: [Action; 3] = [Action::ManualSuspend, Action::ManualResume, Action::Renew];

fn names() -> ListBuilder<StringBuilder> {
    ListBuilder::new(StringBuilder::new()).with_field(Field::new(
        "item",
        arrow_schema::DataType::Utf8,
        false,
    ))
}

fn ts() -> TimestampMillisecondBuilder {
    TimestampMillisecondBuilder::new().with_timezone("UTC")
}

/// Builds an assessments batch card by card.
///
/// ```
/// # use iotcard::{parse_instant, Card, NewCard, Policy};
/// # let card = Card::new(&NewCard::from_json(r#"{
/// #   "iccid": "89860012345678901238", "msisdn": "1440012345678",
/// #   "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
/// #            "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}
/// # }"#)?)?;
/// let a = card.assess(&Policy::default(), parse_instant("at", "2026-01-02T00:00:00+08:00")?)?;
/// let mut b = iotcard_arrow::AssessmentsBuilder::default();
/// b.push(card.iccid().as_str(), card.msisdn().as_str(), Ok(&a));
/// let batch = b.finish();
/// assert_eq!(batch.num_columns(), iotcard_arrow::ASSESSMENT_COLUMNS.len());
/// assert!(batch.column_by_name("error_code").unwrap().is_null(0));
/// # Ok::<(), iotcard::Error>(())
/// ```
pub struct AssessmentsBuilder {
    iccid: StringBuilder,
    msisdn: StringBuilder,
    /// The status as its position in `Status::ALL`: the keys of a dictionary
    /// of every status name.
    status: Int8Builder,
    holds: ListBuilder<StringBuilder>,
    barred: ListBuilder<StringBuilder>,
    call_restriction: ListBuilder<StringBuilder>,
    money: [Int64Builder; 5],
    retention_ends: TimestampMillisecondBuilder,
    next_at: TimestampMillisecondBuilder,
    next_change: StringBuilder,
    can: [BooleanBuilder; 3],
    refund_eligible: BooleanBuilder,
    refund_unused_months: Int64Builder,
    refund_estimate: Int64Builder,
    remedies: MapBuilder<StringBuilder, StringBuilder>,
    needs_action: BooleanBuilder,
    error_code: StringBuilder,
    error_message: StringBuilder,
}

impl Default for AssessmentsBuilder {
    fn default() -> Self {
        AssessmentsBuilder {
            iccid: StringBuilder::new(),
            msisdn: StringBuilder::new(),
            status: Int8Builder::new(),
            holds: names(),
            barred: names(),
            call_restriction: names(),
            money: Default::default(),
            retention_ends: ts(),
            next_at: ts(),
            next_change: StringBuilder::new(),
            can: Default::default(),
            refund_eligible: BooleanBuilder::new(),
            refund_unused_months: Int64Builder::new(),
            refund_estimate: Int64Builder::new(),
            remedies: MapBuilder::new(None, StringBuilder::new(), StringBuilder::new())
                .with_values_field(Field::new("values", arrow_schema::DataType::Utf8, false)),
            needs_action: BooleanBuilder::new(),
            error_code: StringBuilder::new(),
            error_message: StringBuilder::new(),
        }
    }
}

impl std::fmt::Debug for AssessmentsBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssessmentsBuilder")
            .field("rows", &self.len())
            .finish_non_exhaustive()
    }
}

/// An assessment's values that can fail to convert, converted first.
struct Times {
    retention_ends: Option<i64>,
    next_at: Option<i64>,
    usage_bytes: i64,
    overage_bytes: i64,
}

/// A byte count as int64, or an error naming the column.
fn bytes(column: &str, v: u64) -> Result<i64, Error> {
    i64::try_from(v).map_err(|_| Error::InvalidInput {
        field: format!("{TABLE}.{column}"),
        value: v.to_string(),
        reason: "beyond int64, the column's type".to_owned(),
    })
}

impl AssessmentsBuilder {
    /// Appends one card's row: its assessment, or why it could not be assessed
    /// (`error_code`, `error_message`; every assessment column null). An
    /// assessment whose instants do not fit the columns (a fraction finer than
    /// a millisecond) is appended as that error.
    pub fn push(&mut self, iccid: &str, msisdn: &str, result: Result<&Assessment, &Error>) {
        self.push_row(Some(iccid), Some(msisdn), result);
    }

    /// [`AssessmentsBuilder::push`] for a row whose ICCID or MSISDN could not
    /// even be read (a bad stored state): those columns are null then.
    pub fn push_row(
        &mut self,
        iccid: Option<&str>,
        msisdn: Option<&str>,
        result: Result<&Assessment, &Error>,
    ) {
        let converted = result.map(|a| {
            Ok::<_, Error>((
                a,
                Times {
                    retention_ends: a
                        .retention_ends
                        .map(|t| to_ms("assessments.retention_ends", t))
                        .transpose()?,
                    next_at: a
                        .next
                        .map(|n| to_ms("assessments.next_at", n.at))
                        .transpose()?,
                    usage_bytes: bytes("usage_bytes", a.usage_bytes)?,
                    overage_bytes: bytes("overage_bytes", a.overage_bytes)?,
                },
            ))
        });
        self.iccid.append_option(iccid);
        self.msisdn.append_option(msisdn);
        match converted {
            Ok(Ok((a, t))) => self.append_assessment(a, &t),
            Ok(Err(e)) => self.append_error(&e),
            Err(e) => self.append_error(e),
        }
    }

    fn append_assessment(&mut self, a: &Assessment, t: &Times) {
        self.status.append_value(a.status as i8);
        for h in a.holds.iter() {
            self.holds.values().append_value(Hold::name(h));
        }
        self.holds.append(true);
        for s in a.barred.iter() {
            self.barred.values().append_value(Service::name(s));
        }
        self.barred.append(true);
        for c in a.call_restriction.iter() {
            self.call_restriction
                .values()
                .append_value(CallCause::name(c));
        }
        self.call_restriction.append(true);
        let money = [
            a.balance,
            t.usage_bytes,
            t.overage_bytes,
            a.overage_charge,
            a.keep_number_fees,
        ];
        for (b, v) in self.money.iter_mut().zip(money) {
            b.append_value(v);
        }
        self.retention_ends.append_option(t.retention_ends);
        self.next_at.append_option(t.next_at);
        self.next_change
            .append_option(a.next.map(|n| n.change.name()));
        for (b, action) in self.can.iter_mut().zip(CAN) {
            b.append_value(a.can.contains(action));
        }
        self.refund_eligible
            .append_value(a.refund.eligible_to_request);
        self.refund_unused_months
            .append_value(i64::from(a.refund.unused_months));
        self.refund_estimate.append_value(a.refund.estimate);
        for h in a.holds.iter() {
            if let Some(r) = a.remedy(h) {
                self.remedies.keys().append_value(h.name());
                self.remedies.values().append_value(r.name());
            }
        }
        // Cannot fail: keys and values were appended in pairs.
        let _ = self.remedies.append(true);
        self.needs_action.append_value(a.needs_action());
        self.error_code.append_null();
        self.error_message.append_null();
    }

    fn append_error(&mut self, e: &Error) {
        self.status.append_null();
        self.holds.append(false);
        self.barred.append(false);
        self.call_restriction.append(false);
        for b in &mut self.money {
            b.append_null();
        }
        self.retention_ends.append_null();
        self.next_at.append_null();
        self.next_change.append_null();
        for b in &mut self.can {
            b.append_null();
        }
        self.refund_eligible.append_null();
        self.refund_unused_months.append_null();
        self.refund_estimate.append_null();
        let _ = self.remedies.append(false);
        self.needs_action.append_null();
        self.error_code.append_value(e.code());
        self.error_message.append_value(e.to_string());
    }

    /// The rows pushed so far.
    pub fn len(&self) -> usize {
        self.iccid.len()
    }

    /// Whether no row was pushed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The batch of the rows pushed so far (the builder is empty again).
    pub fn finish(&mut self) -> RecordBatch {
        let [balance, usage, overage, charge, fees] = &mut self.money;
        let [suspend, resume, renew] = &mut self.can;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.iccid.finish()),
            Arc::new(self.msisdn.finish()),
            Arc::new(status(self.status.finish())),
            Arc::new(self.holds.finish()),
            Arc::new(self.barred.finish()),
            Arc::new(self.call_restriction.finish()),
            Arc::new(balance.finish()),
            Arc::new(usage.finish()),
            Arc::new(overage.finish()),
            Arc::new(charge.finish()),
            Arc::new(fees.finish()),
            Arc::new(self.retention_ends.finish()),
            Arc::new(self.next_at.finish()),
            Arc::new(self.next_change.finish()),
            Arc::new(suspend.finish()),
            Arc::new(resume.finish()),
            Arc::new(renew.finish()),
            Arc::new(self.refund_eligible.finish()),
            Arc::new(self.refund_unused_months.finish()),
            Arc::new(self.refund_estimate.finish()),
            Arc::new(self.remedies.finish()),
            Arc::new(self.needs_action.finish()),
            Arc::new(self.error_code.finish()),
            Arc::new(self.error_message.finish()),
        ];
        let fields: Vec<Field> = ASSESSMENT_COLUMNS
            .iter()
            .zip(&columns)
            .map(|(name, c)| Field::new(*name, c.data_type().clone(), true))
            .collect();
        let schema = Schema::new(fields).with_metadata(metadata(TABLE, ASSESSMENTS_SCHEMA_VERSION));
        // Cannot fail: the columns have the schema's types and one length.
        RecordBatch::try_new(Arc::new(schema), columns)
            .unwrap_or_else(|e| unreachable!("assessments batch: {e}"))
    }
}

/// The status column: keys into a dictionary of every status name, in the
/// core's order (the same dictionary in every batch).
fn status(keys: Int8Array) -> DictionaryArray<Int8Type> {
    let names = StringArray::from_iter_values(Status::ALL.iter().map(|s| s.name()));
    // Cannot fail: every key is a position in `Status::ALL`.
    DictionaryArray::try_new(keys, Arc::new(names))
        .unwrap_or_else(|e| unreachable!("status keys: {e}"))
}

/// The schema of the assessments table.
pub fn assessments_schema() -> SchemaRef {
    AssessmentsBuilder::default().finish().schema()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_can_columns_are_named_after_the_actions() {
        for (i, a) in CAN.iter().enumerate() {
            assert_eq!(ASSESSMENT_COLUMNS[14 + i], format!("can_{}", a.name()));
        }
    }

    #[test]
    fn an_error_row_has_only_the_error() {
        let mut b = AssessmentsBuilder::default();
        let e = Error::ArrearsOutstanding { balance: -1 };
        b.push_row(None, Some("1440012345678"), Err(&e));
        let batch = b.finish();
        for (i, name) in ASSESSMENT_COLUMNS.iter().enumerate() {
            let null = batch.column(i).is_null(0);
            assert_eq!(
                null,
                !matches!(*name, "msisdn" | "error_code" | "error_message"),
                "{name}"
            );
        }
    }
}
