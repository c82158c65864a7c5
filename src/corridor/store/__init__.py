"""The warehouse: DuckDB file, schema, idempotent ingest, journal and raw archive."""
