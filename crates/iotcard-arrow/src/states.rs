//! Stored card states ⇄ record batches: one column per field of the state
//! ([`iotcard::CardState`]), nested objects flattened (`plan_start`,
//! `period_usage_bytes`), the holds a map hold → since.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Int64Builder, MapBuilder, StringBuilder,
    TimestampMillisecondBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, Int64Array, MapArray, RecordBatch, StringArray};
use arrow_schema::{Field, Schema, SchemaRef};
use iotcard::{
    Card, CardState, Error, Hold, HoldSince, Holds, Iccid, Imei, Instant, Msisdn, Operator, Period,
    Plan, QuotaPeriod, Retention, Status, Terminal,
};

use crate::columns::{
    Columns, TABLE_KEY, Times, VERSION_KEY, check_version, i64_at, invalid, null, str_at,
};
use crate::time::to_ms;

/// The version of the states table's schema (the schema metadata's
/// `iotcard.schema_version`); see the crate README.
pub const STATES_SCHEMA_VERSION: u32 = 1;

/// The table name, as the schema metadata's `iotcard.table` and the prefix of
/// field names in errors.
const TABLE: &str = "states";

/// Whether each column may be null, in column order.
const NULLABLE: [(&str, bool); 25] = [
    ("iccid", false),
    ("msisdn", false),
    ("auto_suspend", false),
    ("balance", false),
    ("plan_start", false),
    ("plan_end", false),
    ("plan_period", false),
    ("plan_quota_bytes", false),
    ("plan_monthly_fee", false),
    ("imei", true),
    ("activated_at", true),
    ("terminal", true),
    ("clock", true),
    ("holds", false),
    ("period_start", true),
    ("period_end", true),
    ("period_usage_bytes", true),
    ("period_top_up_bytes", true),
    ("last_traffic", true),
    ("maintenance_until", true),
    ("retention_expired_at", true),
    ("retention_fees_due", true),
    ("retention_fees_amount", true),
    ("replaced_by", true),
    ("operator", true),
];

/// The timestamp builder of every instant column: milliseconds, UTC.
fn ts() -> TimestampMillisecondBuilder {
    TimestampMillisecondBuilder::new().with_timezone("UTC")
}

/// Builds a states batch card by card ([`StatesBuilder::push`]), then
/// [`StatesBuilder::finish`].
///
/// ```
/// # use iotcard::{Card, NewCard};
/// # let card = Card::new(&NewCard::from_json(r#"{
/// #   "iccid": "89860012345678901238", "msisdn": "1440012345678",
/// #   "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
/// #            "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}
/// # }"#)?)?;
/// let mut b = iotcard_arrow::StatesBuilder::default();
/// b.push(&card)?;
/// let batch = b.finish();
/// assert_eq!(batch.num_rows(), 1);
/// let back = iotcard_arrow::StatesReader::new(&batch)?.card(0)?;
/// assert_eq!(back, card);
/// # Ok::<(), iotcard::Error>(())
/// ```
#[derive(Debug)]
pub struct StatesBuilder {
    iccid: StringBuilder,
    msisdn: StringBuilder,
    auto_suspend: BooleanBuilder,
    balance: Int64Builder,
    plan_start: TimestampMillisecondBuilder,
    plan_end: TimestampMillisecondBuilder,
    plan_period: StringBuilder,
    plan_quota_bytes: Int64Builder,
    plan_monthly_fee: Int64Builder,
    imei: StringBuilder,
    activated_at: TimestampMillisecondBuilder,
    terminal: StringBuilder,
    clock: TimestampMillisecondBuilder,
    holds: MapBuilder<StringBuilder, TimestampMillisecondBuilder>,
    period_start: TimestampMillisecondBuilder,
    period_end: TimestampMillisecondBuilder,
    period_usage_bytes: Int64Builder,
    period_top_up_bytes: Int64Builder,
    last_traffic: TimestampMillisecondBuilder,
    maintenance_until: TimestampMillisecondBuilder,
    retention_expired_at: TimestampMillisecondBuilder,
    retention_fees_due: Int64Builder,
    retention_fees_amount: Int64Builder,
    replaced_by: StringBuilder,
    operator: StringBuilder,
}

impl Default for StatesBuilder {
    fn default() -> Self {
        StatesBuilder {
            iccid: StringBuilder::new(),
            msisdn: StringBuilder::new(),
            auto_suspend: BooleanBuilder::new(),
            balance: Int64Builder::new(),
            plan_start: ts(),
            plan_end: ts(),
            plan_period: StringBuilder::new(),
            plan_quota_bytes: Int64Builder::new(),
            plan_monthly_fee: Int64Builder::new(),
            imei: StringBuilder::new(),
            activated_at: ts(),
            terminal: StringBuilder::new(),
            clock: ts(),
            holds: MapBuilder::new(None, StringBuilder::new(), ts()).with_values_field(Field::new(
                "values",
                ts().finish().data_type().clone(),
                false,
            )),
            period_start: ts(),
            period_end: ts(),
            period_usage_bytes: Int64Builder::new(),
            period_top_up_bytes: Int64Builder::new(),
            last_traffic: ts(),
            maintenance_until: ts(),
            retention_expired_at: ts(),
            retention_fees_due: Int64Builder::new(),
            retention_fees_amount: Int64Builder::new(),
            replaced_by: StringBuilder::new(),
            operator: StringBuilder::new(),
        }
    }
}

/// A u64 as int64, or an error naming the field.
fn u64_col(field: &str, v: u64) -> Result<i64, Error> {
    i64::try_from(v).map_err(|_| invalid(field, v, "beyond int64, the column's type"))
}

/// An optional instant in milliseconds.
fn opt_ms(field: &str, t: Option<Instant>) -> Result<Option<i64>, Error> {
    t.map(|t| to_ms(field, t)).transpose()
}

/// The name of a terminal state: the name of the status it gives (the core's
/// one table of names).
pub(crate) fn terminal_name(t: Terminal) -> &'static str {
    Status::derive(true, Some(t), Holds::EMPTY).name()
}

/// A card's state, checked and converted to column values before anything is
/// appended (so a refused card appends nothing).
struct Row {
    s: CardState,
    plan: [i64; 4],
    activated_at: Option<i64>,
    clock: Option<i64>,
    holds: Vec<(&'static str, i64)>,
    period: Option<[i64; 4]>,
    last_traffic: Option<i64>,
    maintenance_until: Option<i64>,
    retention: Option<[i64; 3]>,
}

impl Row {
    fn of(card: &Card) -> Result<Row, Error> {
        let s = card.state();
        let f = |c: &str| format!("{TABLE}.{c}");
        let plan = [
            to_ms(&f("plan_start"), s.plan.start)?,
            to_ms(&f("plan_end"), s.plan.end)?,
            u64_col(&f("plan_quota_bytes"), s.plan.quota_bytes)?,
            s.plan.monthly_fee,
        ];
        let holds = s
            .holds
            .iter()
            .map(|h| Ok((h.hold.name(), to_ms(&f("holds"), h.since)?)))
            .collect::<Result<_, Error>>()?;
        let period = s
            .period
            .map(|p| {
                Ok::<_, Error>([
                    to_ms(&f("period_start"), p.start)?,
                    to_ms(&f("period_end"), p.end)?,
                    u64_col(&f("period_usage_bytes"), p.usage_bytes)?,
                    u64_col(&f("period_top_up_bytes"), p.top_up_bytes)?,
                ])
            })
            .transpose()?;
        let retention = s
            .retention
            .map(|r| {
                Ok::<_, Error>([
                    to_ms(&f("retention_expired_at"), r.expired_at)?,
                    i64::from(r.fees_due),
                    r.fees_amount,
                ])
            })
            .transpose()?;
        Ok(Row {
            plan,
            activated_at: opt_ms(&f("activated_at"), s.activated_at)?,
            clock: opt_ms(&f("clock"), s.clock)?,
            holds,
            period,
            last_traffic: opt_ms(&f("last_traffic"), s.last_traffic)?,
            maintenance_until: opt_ms(&f("maintenance_until"), s.maintenance_until)?,
            retention,
            s,
        })
    }
}

impl StatesBuilder {
    /// Appends a card's state.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the column when a value does not fit it:
    /// an instant with a fraction finer than a millisecond, a byte count
    /// beyond int64; `states.window` for a card with a late-event window (R12),
    /// not in this schema version yet. Nothing is appended then.
    pub fn push(&mut self, card: &Card) -> Result<(), Error> {
        // Schema version 1 has no columns for the late-event window (R12):
        // a card that has one is refused, never stored without it.
        if card.without_window() != *card {
            return Err(invalid(
                format!("{TABLE}.window"),
                format!("{} events", card.window_len()),
                "the card has a late-event window (R12), which states schema version 1 \
                 does not store yet; keep this card's state as JSON",
            ));
        }
        let r = Row::of(card)?;
        let s = &r.s;
        self.iccid.append_value(s.iccid.as_str());
        self.msisdn.append_value(s.msisdn.as_str());
        self.auto_suspend.append_value(s.auto_suspend);
        self.balance.append_value(s.balance);
        self.plan_start.append_value(r.plan[0]);
        self.plan_end.append_value(r.plan[1]);
        self.plan_period.append_value(s.plan.period.name());
        self.plan_quota_bytes.append_value(r.plan[2]);
        self.plan_monthly_fee.append_value(r.plan[3]);
        self.imei.append_option(s.imei.as_ref().map(Imei::as_str));
        self.activated_at.append_option(r.activated_at);
        self.terminal.append_option(s.terminal.map(terminal_name));
        self.clock.append_option(r.clock);
        for (hold, since) in &r.holds {
            self.holds.keys().append_value(hold);
            self.holds.values().append_value(*since);
        }
        // Cannot fail: keys and values were appended in pairs.
        let _ = self.holds.append(true);
        let p = r.period.map_or([None; 4], |p| p.map(Some));
        self.period_start.append_option(p[0]);
        self.period_end.append_option(p[1]);
        self.period_usage_bytes.append_option(p[2]);
        self.period_top_up_bytes.append_option(p[3]);
        self.last_traffic.append_option(r.last_traffic);
        self.maintenance_until.append_option(r.maintenance_until);
        let t = r.retention.map_or([None; 3], |t| t.map(Some));
        self.retention_expired_at.append_option(t[0]);
        self.retention_fees_due.append_option(t[1]);
        self.retention_fees_amount.append_option(t[2]);
        self.replaced_by
            .append_option(s.replaced_by.as_ref().map(Iccid::as_str));
        self.operator.append_option(s.operator.map(Operator::name));
        Ok(())
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
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.iccid.finish()),
            Arc::new(self.msisdn.finish()),
            Arc::new(self.auto_suspend.finish()),
            Arc::new(self.balance.finish()),
            Arc::new(self.plan_start.finish()),
            Arc::new(self.plan_end.finish()),
            Arc::new(self.plan_period.finish()),
            Arc::new(self.plan_quota_bytes.finish()),
            Arc::new(self.plan_monthly_fee.finish()),
            Arc::new(self.imei.finish()),
            Arc::new(self.activated_at.finish()),
            Arc::new(self.terminal.finish()),
            Arc::new(self.clock.finish()),
            Arc::new(self.holds.finish()),
            Arc::new(self.period_start.finish()),
            Arc::new(self.period_end.finish()),
            Arc::new(self.period_usage_bytes.finish()),
            Arc::new(self.period_top_up_bytes.finish()),
            Arc::new(self.last_traffic.finish()),
            Arc::new(self.maintenance_until.finish()),
            Arc::new(self.retention_expired_at.finish()),
            Arc::new(self.retention_fees_due.finish()),
            Arc::new(self.retention_fees_amount.finish()),
            Arc::new(self.replaced_by.finish()),
            Arc::new(self.operator.finish()),
        ];
        let fields: Vec<Field> = NULLABLE
            .iter()
            .zip(&columns)
            .map(|((name, nullable), c)| Field::new(*name, c.data_type().clone(), *nullable))
            .collect();
        let schema = Schema::new(fields).with_metadata(metadata(TABLE, STATES_SCHEMA_VERSION));
        // Cannot fail: the columns have the schema's types and one length.
        RecordBatch::try_new(Arc::new(schema), columns)
            .unwrap_or_else(|e| unreachable!("states batch: {e}"))
    }
}

/// The schema metadata of a table.
pub(crate) fn metadata(table: &str, version: u32) -> HashMap<String, String> {
    HashMap::from([
        (TABLE_KEY.to_owned(), table.to_owned()),
        (VERSION_KEY.to_owned(), version.to_string()),
    ])
}

/// The schema of the states table (version [`STATES_SCHEMA_VERSION`]).
pub fn states_schema() -> SchemaRef {
    StatesBuilder::default().finish().schema()
}

/// Reads card states from a states batch, row by row: a bad row is that row's
/// error, never the batch's.
#[derive(Debug)]
pub struct StatesReader {
    iccid: StringArray,
    msisdn: StringArray,
    auto_suspend: BooleanArray,
    balance: Int64Array,
    plan_start: Times,
    plan_end: Times,
    plan_period: StringArray,
    plan_quota_bytes: Int64Array,
    plan_monthly_fee: Int64Array,
    imei: StringArray,
    activated_at: Times,
    terminal: StringArray,
    clock: Times,
    holds: MapArray,
    hold_names: StringArray,
    hold_since: Times,
    period_start: Times,
    period_end: Times,
    period_usage_bytes: Int64Array,
    period_top_up_bytes: Int64Array,
    last_traffic: Times,
    maintenance_until: Times,
    retention_expired_at: Times,
    retention_fees_due: Int64Array,
    retention_fees_amount: Int64Array,
    replaced_by: StringArray,
    /// `None` for a table written before the column (it is optional).
    operator: Option<StringArray>,
}

impl std::fmt::Debug for Times {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Times")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Reads an id column's value with its parser, naming the column.
fn id<T>(
    field: &str,
    v: Option<&str>,
    parse: impl Fn(&str) -> Result<T, Error>,
) -> Result<Option<T>, Error> {
    v.map(|s| parse(s).map_err(|e| e.renamed(field)))
        .transpose()
}

impl StatesReader {
    /// Finds and checks the columns of a states batch.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `states.COLUMN` for a missing column or
    /// one of a type that does not convert, or the schema metadata's version
    /// when it is not [`STATES_SCHEMA_VERSION`].
    pub fn new(batch: &RecordBatch) -> Result<StatesReader, Error> {
        check_version(batch, TABLE, STATES_SCHEMA_VERSION)?;
        let c = Columns {
            batch,
            table: TABLE,
        };
        let holds = c.map("holds")?;
        let entries = RecordBatch::from(holds.entries().clone());
        let e = Columns {
            batch: &entries,
            table: "states.holds",
        };
        let hold_names = {
            let keys = holds.keys();
            let cast = arrow_cast::cast(keys, &arrow_schema::DataType::Utf8)
                .map_err(|err| invalid("states.holds", keys.data_type(), err.to_string()))?;
            cast.as_string::<i32>().clone()
        };
        let values_name = holds.entries().column_names()[1].to_owned();
        let mut hold_since = e.times(&values_name)?;
        "states.holds".clone_into(&mut hold_since.name);
        Ok(StatesReader {
            iccid: c.strings("iccid")?,
            msisdn: c.strings("msisdn")?,
            auto_suspend: c.bools("auto_suspend")?,
            balance: c.i64s("balance")?,
            plan_start: c.times("plan_start")?,
            plan_end: c.times("plan_end")?,
            plan_period: c.strings("plan_period")?,
            plan_quota_bytes: c.i64s("plan_quota_bytes")?,
            plan_monthly_fee: c.i64s("plan_monthly_fee")?,
            imei: c.strings("imei")?,
            activated_at: c.times("activated_at")?,
            terminal: c.strings("terminal")?,
            clock: c.times("clock")?,
            holds,
            hold_names,
            hold_since,
            period_start: c.times("period_start")?,
            period_end: c.times("period_end")?,
            period_usage_bytes: c.i64s("period_usage_bytes")?,
            period_top_up_bytes: c.i64s("period_top_up_bytes")?,
            last_traffic: c.times("last_traffic")?,
            maintenance_until: c.times("maintenance_until")?,
            retention_expired_at: c.times("retention_expired_at")?,
            retention_fees_due: c.i64s("retention_fees_due")?,
            retention_fees_amount: c.i64s("retention_fees_amount")?,
            replaced_by: c.strings("replaced_by")?,
            operator: match batch.column_by_name("operator") {
                Some(_) => Some(c.strings("operator")?),
                None => None,
            },
        })
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.iccid.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`'s ICCID as written (for naming a row whose state is bad).
    pub fn iccid(&self, i: usize) -> Option<&str> {
        str_at(&self.iccid, i)
    }

    /// Row `i`'s MSISDN as written.
    pub fn msisdn(&self, i: usize) -> Option<&str> {
        str_at(&self.msisdn, i)
    }

    /// The card of row `i`, checked as [`Card::from_json`] checks a state.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `states.COLUMN` for a null where a value
    /// is required, a bad value, or a state that is not self-consistent.
    ///
    /// # Panics
    /// Never for `i < self.len()`.
    pub fn card(&self, i: usize) -> Result<Card, Error> {
        let f = |c: &str| format!("{TABLE}.{c}");
        let req_i64 = |a: &Int64Array, c: &str| i64_at(a, i).ok_or_else(|| null(&f(c)));
        let iccid = id("iccid", self.iccid(i), Iccid::parse)?.ok_or_else(|| null(&f("iccid")))?;
        let msisdn =
            id("msisdn", self.msisdn(i), Msisdn::parse)?.ok_or_else(|| null(&f("msisdn")))?;
        let auto_suspend = (!self.auto_suspend.is_null(i))
            .then(|| self.auto_suspend.value(i))
            .ok_or_else(|| null(&f("auto_suspend")))?;
        let period_name = str_at(&self.plan_period, i).ok_or_else(|| null(&f("plan_period")))?;
        let plan = Plan {
            start: self.plan_start.required(i)?,
            end: self.plan_end.required(i)?,
            period: Period::from_name(period_name).map_err(|e| e.renamed(&f("plan_period")))?,
            quota_bytes: Self::u64_of(&self.plan_quota_bytes, "plan_quota_bytes", i)?
                .ok_or_else(|| null(&f("plan_quota_bytes")))?,
            monthly_fee: req_i64(&self.plan_monthly_fee, "plan_monthly_fee")?,
        };
        let terminal = match str_at(&self.terminal, i) {
            None => None,
            Some(name) => Some(
                [Terminal::Cancelled, Terminal::Replaced]
                    .into_iter()
                    .find(|t| terminal_name(*t) == name)
                    .ok_or_else(|| {
                        invalid(
                            f("terminal"),
                            format!("{name:?}"),
                            "expected cancelled, replaced or null",
                        )
                    })?,
            ),
        };
        let mut holds = Vec::new();
        if !self.holds.is_null(i) {
            let offsets = self.holds.value_offsets();
            for j in offsets[i] as usize..offsets[i + 1] as usize {
                let name = str_at(&self.hold_names, j).ok_or_else(|| null("states.holds"))?;
                let hold = Hold::from_name(name).map_err(|e| e.renamed("states.holds"))?;
                let since = self.hold_since.required(j)?;
                holds.push(HoldSince { hold, since });
            }
        }
        let (period, retention) = (self.period(i)?, self.retention(i)?);
        Card::from_state(CardState {
            iccid,
            msisdn,
            auto_suspend,
            balance: req_i64(&self.balance, "balance")?,
            plan,
            imei: id("imei", str_at(&self.imei, i), Imei::parse)?,
            activated_at: self.activated_at.get(i)?,
            terminal,
            clock: self.clock.get(i)?,
            holds,
            period,
            last_traffic: self.last_traffic.get(i)?,
            maintenance_until: self.maintenance_until.get(i)?,
            retention,
            replaced_by: id("replaced_by", str_at(&self.replaced_by, i), Iccid::parse)?,
            operator: id(
                "operator",
                self.operator.as_ref().and_then(|o| str_at(o, i)),
                Operator::from_name,
            )?,
        })
        .map_err(rename_state_field)
    }

    fn u64_of(a: &Int64Array, column: &str, i: usize) -> Result<Option<u64>, Error> {
        i64_at(a, i)
            .map(|v| {
                u64::try_from(v)
                    .map_err(|_| invalid(format!("{TABLE}.{column}"), v, "must not be negative"))
            })
            .transpose()
    }

    /// Row `i`'s quota period.
    fn period(&self, i: usize) -> Result<Option<QuotaPeriod>, Error> {
        let f = |c: &str| format!("{TABLE}.{c}");
        Ok(
            match (
                self.period_start.get(i)?,
                self.period_end.get(i)?,
                Self::u64_of(&self.period_usage_bytes, "period_usage_bytes", i)?,
                Self::u64_of(&self.period_top_up_bytes, "period_top_up_bytes", i)?,
            ) {
                (None, None, None, None) => None,
                (Some(start), Some(end), Some(usage_bytes), Some(top_up_bytes)) => {
                    Some(QuotaPeriod {
                        start,
                        end,
                        usage_bytes,
                        top_up_bytes,
                    })
                }
                _ => {
                    return Err(invalid(
                        f("period_start"),
                        "…",
                        "period_start, period_end, period_usage_bytes and period_top_up_bytes are all null or all set",
                    ));
                }
            },
        )
    }

    /// Row `i`'s retention.
    fn retention(&self, i: usize) -> Result<Option<Retention>, Error> {
        let f = |c: &str| format!("{TABLE}.{c}");
        Ok(
            match (
                self.retention_expired_at.get(i)?,
                i64_at(&self.retention_fees_due, i),
                i64_at(&self.retention_fees_amount, i),
            ) {
                (None, None, None) => None,
                (Some(expired_at), Some(due), Some(fees_amount)) => Some(Retention {
                    expired_at,
                    fees_due: u32::try_from(due).map_err(|_| {
                        invalid(f("retention_fees_due"), due, "out of range (0 to 2^32-1)")
                    })?,
                    fees_amount,
                }),
                _ => {
                    return Err(invalid(
                        f("retention_expired_at"),
                        "…",
                        "retention_expired_at, retention_fees_due and retention_fees_amount are all null or all set",
                    ));
                }
            },
        )
    }
}

/// The core names a state's fields `state.period.end`; the table's column is
/// `states.period_end`.
fn rename_state_field(e: Error) -> Error {
    match e {
        Error::InvalidInput {
            field,
            value,
            reason,
        } => {
            let column = field.strip_prefix("state.").map_or(field.clone(), |rest| {
                let rest = rest.split_once(".since").map_or(rest, |(h, _)| h);
                let rest = if rest.starts_with("holds.") {
                    "holds"
                } else {
                    rest
                };
                format!("{TABLE}.{}", rest.replace('.', "_"))
            });
            Error::InvalidInput {
                field: column,
                value,
                reason,
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_names_every_column_once_with_its_version() {
        let s = states_schema();
        assert_eq!(s.fields().len(), NULLABLE.len());
        for (f, (name, nullable)) in s.fields().iter().zip(NULLABLE) {
            assert_eq!((f.name().as_str(), f.is_nullable()), (name, nullable));
        }
        assert_eq!(s.metadata()[VERSION_KEY], "1");
        assert_eq!(s.metadata()[TABLE_KEY], "states");
    }

    #[test]
    fn another_version_or_table_is_refused_naming_the_metadata() {
        let batch = StatesBuilder::default().finish();
        let with = |k: &str, v: &str| {
            let mut m = batch.schema().metadata().clone();
            m.insert(k.to_owned(), v.to_owned());
            let schema = batch.schema().as_ref().clone().with_metadata(m);
            RecordBatch::try_new(Arc::new(schema), batch.columns().to_vec()).unwrap()
        };
        for (k, v) in [(VERSION_KEY, "2"), (TABLE_KEY, "events")] {
            match StatesReader::new(&with(k, v)) {
                Err(Error::InvalidInput { field, .. }) => {
                    assert_eq!(field, format!("states.schema.metadata.{k}"));
                }
                other => panic!("{other:?}"),
            }
        }
        // Without the metadata (a query engine rewrote the table): version 1.
        let bare = batch
            .schema()
            .as_ref()
            .clone()
            .with_metadata(HashMap::new());
        let bare = RecordBatch::try_new(Arc::new(bare), batch.columns().to_vec()).unwrap();
        assert!(StatesReader::new(&bare).is_ok());
    }
}
