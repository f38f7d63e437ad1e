//! Reading columns of a record batch another tool may have written: found by
//! name, cast to the type this crate writes where Arrow casts losslessly, and
//! every problem an [`Error::InvalidInput`] naming `table.column`.

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, BooleanArray, Int64Array, MapArray, RecordBatch, StringArray};
use arrow_schema::{DataType, TimeUnit};
use iotcard::{Error, Instant};

use crate::time;

/// The `iotcard.table` key of a schema's metadata: which table it is.
pub const TABLE_KEY: &str = "iotcard.table";
/// The `iotcard.schema_version` key of a schema's metadata.
pub const VERSION_KEY: &str = "iotcard.schema_version";

/// An [`Error::InvalidInput`].
pub(crate) fn invalid(
    field: impl Into<String>,
    value: impl std::fmt::Display,
    reason: impl Into<String>,
) -> Error {
    Error::InvalidInput {
        field: field.into(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

/// Checks a batch's schema version (when it carries one: query engines that
/// rewrite a table often drop the metadata; a table without it is read as the
/// current version).
pub(crate) fn check_version(batch: &RecordBatch, table: &str, version: u32) -> Result<(), Error> {
    let meta = batch.schema_ref().metadata();
    if let Some(t) = meta.get(TABLE_KEY)
        && t != table
    {
        return Err(invalid(
            format!("{table}.schema.metadata.{TABLE_KEY}"),
            format!("{t:?}"),
            format!("this is not a {table} table"),
        ));
    }
    match meta.get(VERSION_KEY) {
        Some(v) if v.parse::<u32>().ok() != Some(version) => Err(invalid(
            format!("{table}.schema.metadata.{VERSION_KEY}"),
            format!("{v:?}"),
            format!("this library reads {table} schema version {version} only"),
        )),
        _ => Ok(()),
    }
}

/// The columns of one batch of one table.
pub(crate) struct Columns<'a> {
    pub(crate) batch: &'a RecordBatch,
    pub(crate) table: &'static str,
}

/// A timestamp column: its raw values and their unit.
pub(crate) struct Times {
    pub(crate) name: String,
    values: Int64Array,
    unit: TimeUnit,
}

impl Times {
    /// The instant of row `i`, `None` for null.
    pub(crate) fn get(&self, i: usize) -> Result<Option<Instant>, Error> {
        if self.values.is_null(i) {
            return Ok(None);
        }
        time::from_unit(&self.name, self.values.value(i), self.unit).map(Some)
    }

    /// The instant of row `i`, which must not be null.
    pub(crate) fn required(&self, i: usize) -> Result<Instant, Error> {
        self.get(i)?.ok_or_else(|| null(&self.name))
    }
}

/// A null where a value is required.
pub(crate) fn null(field: &str) -> Error {
    invalid(field, "null", "required (not null)")
}

impl<'a> Columns<'a> {
    pub(crate) fn name(&self, column: &str) -> String {
        format!("{}.{column}", self.table)
    }

    fn column(&self, column: &str) -> Result<&'a ArrayRef, Error> {
        self.batch
            .column_by_name(column)
            .ok_or_else(|| invalid(self.name(column), "(missing)", "no such column"))
    }

    fn cast(&self, column: &str, to: &DataType) -> Result<ArrayRef, Error> {
        let a = self.column(column)?;
        if a.data_type() == to {
            return Ok(a.clone());
        }
        arrow_cast::cast(a, to).map_err(|e| {
            invalid(
                self.name(column),
                a.data_type(),
                format!("expected {to}: {e}"),
            )
        })
    }

    /// A string column (Utf8, or any type Arrow casts to it: large and view
    /// strings, dictionaries).
    pub(crate) fn strings(&self, column: &str) -> Result<StringArray, Error> {
        Ok(self
            .cast(column, &DataType::Utf8)?
            .as_string::<i32>()
            .clone())
    }

    /// An integer column as Int64 (any integer type that fits: a value that does
    /// not is an error, never a null).
    pub(crate) fn i64s(&self, column: &str) -> Result<Int64Array, Error> {
        let a = self.column(column)?;
        if !a.data_type().is_integer() {
            return Err(invalid(
                self.name(column),
                a.data_type(),
                "expected an integer column (int64)",
            ));
        }
        let cast = arrow_cast::cast_with_options(
            a,
            &DataType::Int64,
            &arrow_cast::CastOptions {
                safe: false,
                ..Default::default()
            },
        )
        .map_err(|e| invalid(self.name(column), a.data_type(), e.to_string()))?;
        Ok(cast.as_primitive::<Int64Type>().clone())
    }

    /// A boolean column.
    pub(crate) fn bools(&self, column: &str) -> Result<BooleanArray, Error> {
        Ok(self.cast(column, &DataType::Boolean)?.as_boolean().clone())
    }

    /// A timestamp column of any unit (with a time zone or none: Arrow stores
    /// both as time since the Unix epoch in UTC).
    pub(crate) fn times(&self, column: &str) -> Result<Times, Error> {
        let a = self.column(column)?;
        let DataType::Timestamp(unit, _) = a.data_type() else {
            return Err(invalid(
                self.name(column),
                a.data_type(),
                "expected a timestamp column (Timestamp(Millisecond, \"UTC\"))",
            ));
        };
        let values = arrow_cast::cast(a, &DataType::Int64)
            .map_err(|e| invalid(self.name(column), a.data_type(), e.to_string()))?;
        Ok(Times {
            name: self.name(column),
            values: values.as_primitive::<Int64Type>().clone(),
            unit: *unit,
        })
    }

    /// A map column.
    pub(crate) fn map(&self, column: &str) -> Result<MapArray, Error> {
        let a = self.column(column)?;
        a.as_map_opt().cloned().ok_or_else(|| {
            invalid(
                self.name(column),
                a.data_type(),
                "expected a map column (map<string, timestamp>)",
            )
        })
    }
}

/// Row `i` of a string column, `None` for null.
pub(crate) fn str_at(a: &StringArray, i: usize) -> Option<&str> {
    (!a.is_null(i)).then(|| a.value(i))
}

/// Row `i` of an integer column, `None` for null.
pub(crate) fn i64_at(a: &Int64Array, i: usize) -> Option<i64> {
    (!a.is_null(i)).then(|| a.value(i))
}
