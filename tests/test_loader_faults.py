"""Bad input is counted exactly: every injected fault lands in the rejects
table with its reason, file, record number and raw value; nothing else is lost."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.warehouse_support import OLIST_FILES, query, read_records

pytestmark = pytest.mark.slow


def test_build_passes_with_faulty_input(faulty_build):
    assert faulty_build.result.ok
    assert "ERROR=0" in faulty_build.result.output


def test_rejects_match_the_injected_faults_exactly(faulty_build):
    expected = Counter(
        {
            (file, reason): count
            for file, reasons in faulty_build.summary.injected.items()
            for reason, count in reasons.items()
            if count
        }
    )
    actual = Counter(
        dict(
            ((file, reason), count)
            for file, reason, count in query(
                faulty_build.warehouse,
                "select source_file, reject_reason, count(*) "
                "from audit.audit_rejected_rows group by all",
            )
        )
    )
    assert actual == expected
    # Every fault kind the loader must handle was injected and caught.
    assert {reason for _, reason in actual} >= {
        "malformed_hex_id",
        "unparsable_timestamp",
        "timestamp_out_of_range",
        "non_numeric_amount",
        "negative_amount",
        "review_score_out_of_range",
        "duplicate_primary_key",
        "orphan_foreign_key",
        "unknown_order_status",
        "invalid_zip_prefix",
        "blank_row",
    }


def test_raw_rows_equal_staged_plus_rejected_per_file(faulty_build):
    rows = query(
        faulty_build.warehouse,
        "select source_file, raw_rows, staged_rows, rejected_rows from audit.audit_load_summary",
    )
    assert len(rows) == len(OLIST_FILES)
    for file, raw, staged, rejected in rows:
        assert raw == faulty_build.summary.rows[file]
        assert raw == staged + rejected


def test_points_outside_brazil_are_staged_flagged_and_counted(faulty_build):
    ((outside,),) = query(
        faulty_build.warehouse,
        "select staged_rows_outside_brazil from audit.audit_load_summary "
        "where source_file = 'olist_geolocation_dataset.csv'",
    )
    assert outside == faulty_build.summary.geolocation_outside_brazil > 0


def test_each_reject_points_at_its_record(faulty_build):
    rejects = query(
        faulty_build.warehouse,
        "select source_file, source_row_number, reject_column, reject_value, reject_reason "
        "from audit.audit_rejected_rows",
    )
    records = {name: read_records(faulty_build.data / name) for name in OLIST_FILES}
    for file, row_number, column, value, reason in rejects:
        header, rows = records[file]
        record = rows[row_number - 1]
        if reason == "blank_row":
            assert all(field == "" for field in record)
            continue
        columns = column.split(",")
        assert set(columns) <= set(header) | {"order_item_id"}, (file, column)
        if reason != "duplicate_primary_key":
            assert record[header.index(column)].strip() == value, (file, row_number, column)


def test_spreadsheet_dates_and_crlf_files_are_read(faulty_build):
    # Spreadsheet-style dates were parsed (not rejected) and the CRLF/BOM
    # files have the right first column, so every row was staged.
    assert sum(faulty_build.summary.spreadsheet_date_rows.values()) > 0
    assert faulty_build.summary.crlf_bom_files
    for name in faulty_build.summary.crlf_bom_files:
        assert (faulty_build.data / name).read_bytes().startswith(b"\xef\xbb\xbf")
    staged_orders = query(faulty_build.warehouse, "select count(*) from staging.stg_olist__orders")[
        0
    ][0]
    injected_orders = sum(faulty_build.summary.injected["olist_orders_dataset.csv"].values())
    assert staged_orders == faulty_build.summary.rows["olist_orders_dataset.csv"] - injected_orders
