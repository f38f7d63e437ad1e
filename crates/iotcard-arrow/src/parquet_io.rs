//! Parquet files of the tables: the writer properties this crate uses and
//! readers that hand out record batches.

use std::fs::File;
use std::path::Path;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
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
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(BATCH_ROWS * 4))
        .build();
    ArrowWriter::try_new(out, schema, Some(props))
}

/// A reader of the record batches of a Parquet file.
///
/// # Errors
/// The file cannot be opened, or is not Parquet.
pub fn reader(path: &Path) -> Result<ParquetRecordBatchReader, ParquetError> {
    let f = File::open(path).map_err(|e| ParquetError::External(Box::new(e)))?;
    ParquetRecordBatchReaderBuilder::try_new(f)?
        .with_batch_size(BATCH_ROWS)
        .build()
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
