"""Parquet copies of Kaggle-layout CSV files, as another system would export
them: one <table>.parquet per file, same column names, types as DuckDB's CSV
sniffer reads them (numbers, timestamps; text where a faulty value is). The
warehouse reads them with OLIST_INPUT_FORMAT=parquet."""

from __future__ import annotations

from pathlib import Path

import duckdb


def write_parquet_copy(csv_dir: Path, out_dir: Path) -> Path:
    """Every <name>.csv of csv_dir as out_dir/<name>.parquet, rows in file order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        for path in sorted(Path(csv_dir).glob("*.csv")):
            source = path.as_posix().replace("'", "''")
            target = (out_dir / f"{path.stem}.parquet").as_posix().replace("'", "''")
            # One thread keeps the rows in file order in the Parquet file.
            con.execute("set threads = 1")
            con.execute(
                f"copy (select * from read_csv('{source}', header = true, quote = '\"', "
                f"escape = '\"')) to '{target}' (format parquet)"
            )
    return out_dir
