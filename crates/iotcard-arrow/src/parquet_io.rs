//! Parquet files of the tables: the writer properties this crate uses and
//! readers that hand out record batches.

use std::fs::File;
use std::path::Path;

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{ArrowError, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;

/// Rows per record batch when reading, and per row group when writing.
pub const BATCH_ROWS: usize = 64 * 1024;

/// A Parquet writer for a table of `schema`: Snappy-compressed (what Spark
/// writes by default), one row group per [`BATCH_ROWS`]-row batch or so.
///
/// # Errors
/// The writer's error.
pub fn writer<W: std::io::Write + Send>(
    out: W,
    schema: SchemaRef,
) -> Result<ArrowWriter<W>, ParquetError> {
    let mut props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(BATCH_ROWS * 4));
    // Columns of one value per card (ids, messages) gain nothing from a
    // dictionary, and building one costs.
    for unique in [
        "iccid",
        "msisdn",
        "imei",
        "replaced_by",
        "error_message",
        "event",
    ] {
        if schema.column_with_name(unique).is_some() {
            props = props.set_column_dictionary_enabled(unique.into(), false);
        }
    }
    let props = props.build();
    ArrowWriter::try_new(out, schema, Some(props))
}

/// The record batches of a Parquet file, each with the file's schema
/// metadata (where the table's name and schema version are).
#[derive(Debug)]
pub struct Reader {
    inner: ParquetRecordBatchReader,
    metadata: HashMap<String, String>,
}

impl Iterator for Reader {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let batch = self.inner.next()?;
        Some(batch.and_then(|b| {
            let schema = b
                .schema()
                .as_ref()
                .clone()
                .with_metadata(self.metadata.clone());
            b.with_schema(Arc::new(schema))
        }))
    }
}

/// A reader of the record batches of a Parquet file, [`BATCH_ROWS`] rows at
/// a time.
///
/// # Errors
/// The file cannot be opened, or is not Parquet.
pub fn reader(path: &Path) -> Result<Reader, ParquetError> {
    let f = File::open(path).map_err(|e| ParquetError::External(Box::new(e)))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(f)?.with_batch_size(BATCH_ROWS);
    let metadata = builder.schema().metadata().clone();
    Ok(Reader {
        inner: builder.build()?,
        metadata,
    })
}

/// Writes `batches` to a new Parquet file at `path`.
///
/// # Errors
/// The file cannot be created or written.
pub fn write_file(
    path: &Path,
    schema: SchemaRef,
    batches: &[RecordBatch],
) -> Result<(), ParquetError> {
    let f = File::create(path).map_err(|e| ParquetError::External(Box::new(e)))?;
    let mut w = writer(f, schema)?;
    for b in batches {
        w.write(b)?;
    }
    w.close()?;
    Ok(())
}
