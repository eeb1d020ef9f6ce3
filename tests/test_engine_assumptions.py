"""Engine behaviour the warehouse relies on, checked on this DuckDB version."""

from __future__ import annotations

import duckdb


def test_with_ordinality_numbers_csv_rows_in_file_order_when_read_in_parallel(tmp_path):
    # Large enough (about 150 MB) that DuckDB splits the file between threads;
    # the same read options as the olist source; insertion order not kept, as
    # in profiles.yml. The id column is the 1-based record number.
    path = tmp_path / "numbered.csv"
    con = duckdb.connect()
    con.execute(
        "copy (select i + 1 as id, md5(i::varchar) as payload, "
        "'x, \"quoted\"' as text_field from range(3000000) as t(i)) to ? (header)",
        [str(path)],
    )
    con.execute("set preserve_insertion_order = false")
    con.execute("set threads = 4")
    mismatches, rows = con.execute(
        "select count(*) filter (where ordinality != id::bigint), count(*) "
        "from read_csv(?, header = true, all_varchar = true, delim = ',', quote = '\"', "
        "escape = '\"', strict_mode = true) with ordinality",
        [str(path)],
    ).fetchall()[0]
    assert rows == 3_000_000
    assert mismatches == 0
