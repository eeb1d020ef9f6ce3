"""DuckDB access on small warehouse files made with plain SQL: reading the
features mart, errors that name the fix, one-transaction writes, history
tables and exports."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from clustering.errors import WarehouseError
from clustering.ml.features import FEATURE_NAMES, schema_fingerprint
from clustering.storage.connection import connect
from clustering.storage.exports import (
    AUDIENCE_COLUMNS,
    CAMPAIGN_COLUMNS,
    CUSTOMER_SEGMENTS_EXPORT_COLUMNS,
    export_tables,
)
from clustering.storage.readers import CONTEXT_COLUMNS, read_features
from clustering.storage.segment_tables import (
    MEMBERSHIP_TABLES,
    SEGMENT_TABLES,
    read_segment_table,
    write_segment_tables,
)

# The contracted types of marts.fct_customer_features (models/marts).
MART_COLUMNS: dict[str, str] = {
    "as_of_date": "date",
    "customer_unique_key": "uinteger",
    "customer_unique_id": "varchar",
    "customer_state": "varchar",
    "customer_region": "varchar",
    "days_since_last_order": "integer",
    "count_orders": "integer",
    "total_spend_brl": "decimal(18,2)",
    "rfm_group": "varchar",
    "is_repeat_buyer": "boolean",
    "freight_share": "double",
    "avg_days_to_deliver": "double",
    "share_late_deliveries": "double",
    "avg_review_score": "double",
    "avg_distance_km": "double",
    "avg_installments": "double",
}
MART_ROWS = [
    # key, id, state, days, orders, spend, group, repeat, freight, deliver, late, review, km
    (3, "c", "RJ", 40, 2, 250.10, "loyal", True, 0.1, 8.0, 0.5, None, 12.5),
    (1, "a", "SP", 300, 1, 89.90, "at_risk", False, 0.2, 12.0, 0.0, 5.0, 480.0),
    (2, "b", "MG", 12, 1, 1250.00, "new", False, 0.05, 20.0, 1.0, 1.0, None),
]


def make_features_warehouse(
    path: Path, *, types: dict[str, str] | None = None, drop: tuple[str, ...] = ()
) -> Path:
    """A warehouse file holding only marts.fct_customer_features."""
    columns = {**MART_COLUMNS, **(types or {})}
    for name in drop:
        del columns[name]
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_customer_features ("
            + ", ".join(f"{name} {kind}" for name, kind in columns.items())
            + ")"
        )
        for key, uid, state, days, orders, spend, group, repeat, *rest in MART_ROWS:
            freight, deliver, late, review, km = rest
            values = {
                "as_of_date": date(2018, 9, 1),
                "customer_unique_key": key,
                "customer_unique_id": uid,
                "customer_state": state,
                "customer_region": "Southeast",
                "days_since_last_order": days,
                "count_orders": orders,
                "total_spend_brl": spend,
                "rfm_group": group,
                "is_repeat_buyer": repeat,
                "freight_share": freight,
                "avg_days_to_deliver": deliver,
                "share_late_deliveries": late,
                "avg_review_score": review,
                "avg_distance_km": km,
                "avg_installments": 2.0,
            }
            names = list(columns)
            con.execute(
                f"insert into marts.fct_customer_features ({', '.join(names)}) "
                f"values ({', '.join('?' for _ in names)})",
                [values[name] for name in names],
            )
    return path


def test_read_features_reads_context_and_features_ordered_by_key(tmp_path: Path) -> None:
    table = read_features(make_features_warehouse(tmp_path / "w.duckdb"))
    assert list(table.frame.columns) == [*CONTEXT_COLUMNS, *FEATURE_NAMES]
    assert table.frame["customer_unique_key"].tolist() == [1, 2, 3]
    assert table.frame["customer_unique_id"].tolist() == ["a", "b", "c"]
    assert table.frame["total_spend_brl"].astype(float).tolist() == [89.90, 1250.00, 250.10]
    assert table.frame["avg_review_score"].isna().tolist() == [False, False, True]
    assert table.as_of_date == date(2018, 9, 1)
    assert table.count_customers == 3
    # DuckDB reports types in upper case, e.g. DECIMAL(18,2).
    expected = {name: MART_COLUMNS[name].upper() for name in FEATURE_NAMES}
    assert table.fingerprint == schema_fingerprint(expected)


def test_a_changed_feature_type_changes_the_fingerprint(tmp_path: Path) -> None:
    same = read_features(make_features_warehouse(tmp_path / "a.duckdb"))
    changed = read_features(
        make_features_warehouse(tmp_path / "b.duckdb", types={"count_orders": "bigint"})
    )
    context = read_features(
        make_features_warehouse(tmp_path / "c.duckdb", types={"customer_state": "varchar(2)"})
    )
    assert changed.fingerprint != same.fingerprint
    # Only the model features count: a context column's type does not.
    assert context.fingerprint == same.fingerprint


def test_a_missing_warehouse_file_names_the_file_and_dbt_build(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.duckdb"
    with pytest.raises(WarehouseError) as error:
        read_features(missing)
    assert str(missing) in str(error.value)
    assert "run `dbt build` first" in str(error.value)
    assert not missing.exists()  # reading never creates the file


def test_a_missing_table_names_the_table_and_dbt_build(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_orders (order_key integer)")
    with pytest.raises(WarehouseError) as error:
        read_features(path)
    assert str(error.value) == (
        f"table marts.fct_customer_features not found in {path}; run `dbt build` first"
    )


def test_a_missing_column_names_the_table_the_column_and_dbt_build(tmp_path: Path) -> None:
    path = make_features_warehouse(tmp_path / "w.duckdb", drop=("avg_distance_km", "rfm_group"))
    with pytest.raises(WarehouseError) as error:
        read_features(path)
    message = str(error.value)
    assert message.startswith(f"marts.fct_customer_features in {path} lacks column(s) ")
    assert "rfm_group, avg_distance_km" in message
    assert message.endswith("run `dbt build` first")


def test_an_empty_mart_or_several_as_of_dates_are_refused(tmp_path: Path) -> None:
    path = make_features_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute(
            "update marts.fct_customer_features set as_of_date = date '2018-10-01' "
            "where customer_unique_key = 1"
        )
    with pytest.raises(WarehouseError, match="holds 2 as-of dates; expected one"):
        read_features(path)
    with duckdb.connect(str(path)) as con:
        con.execute("delete from marts.fct_customer_features")
    with pytest.raises(WarehouseError, match="is empty"):
        read_features(path)


def test_reading_connections_are_read_only(tmp_path: Path) -> None:
    path = make_features_warehouse(tmp_path / "w.duckdb")
    with connect(path) as con, pytest.raises(duckdb.Error, match="read-only"):
        con.execute("create table marts.scratch (i integer)")


def segment_frame(table: str, rows: int, model_version: str, start: int = 0) -> pd.DataFrame:
    """`rows` rows of one segment table, with values made from the row number."""
    values: dict[str, list[object]] = {}
    for name, kind in SEGMENT_TABLES[table]:
        numbers = range(start, start + rows)
        if kind in {"uinteger", "integer", "bigint"}:
            values[name] = [i + 1 for i in numbers]
        elif kind == "double":
            values[name] = [i + 0.25 for i in numbers]
        elif kind == "varchar":
            values[name] = [f"{name} {i}" for i in numbers]
        elif kind == "date":
            values[name] = [date(2018, 9, 1)] * rows
        elif kind == "timestamp":
            values[name] = [datetime(2018, 9, 2, 3, 4, 5)] * rows
        elif kind == "boolean":
            values[name] = [i % 2 == 0 for i in numbers]
        else:
            raise AssertionError(f"no test values for type {kind}")
    values["model_version"] = [model_version] * rows
    return pd.DataFrame(values)


def stored(path: Path, table: str) -> pd.DataFrame:
    """A segment table's rows in a fixed order."""
    frame = read_segment_table(path, table)
    return frame.sort_values(list(frame.columns), ignore_index=True)


def test_written_tables_have_the_declared_types(tmp_path: Path) -> None:
    path = make_features_warehouse(tmp_path / "w.duckdb")
    # Every table but the membership history, which scoring keeps (and every
    # write creates, empty, with its declared types).
    tables = {
        table: segment_frame(table, 2, "v1")
        for table in SEGMENT_TABLES
        if table not in MEMBERSHIP_TABLES
    }
    write_segment_tables(path, tables, model_version="v1")
    with duckdb.connect(str(path), read_only=True) as con:
        for table, columns in SEGMENT_TABLES.items():
            types = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'segments' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            assert types == [(name, kind.upper()) for name, kind in columns]
            count = con.execute(f"select count(*) from segments.{table}").fetchone()
            assert count == ((0,) if table in MEMBERSHIP_TABLES else (2,))


@pytest.mark.parametrize("stem", ["segments", "marts"])
def test_a_warehouse_file_named_like_a_schema_still_works(tmp_path: Path, stem: str) -> None:
    # DuckDB names a database after its file: opened directly, segments.duckdb
    # makes `segments.customer_segments` ambiguous between catalog and schema.
    path = make_features_warehouse(tmp_path / "w.duckdb").rename(tmp_path / f"{stem}.duckdb")
    assert len(read_features(path).frame) == len(MART_ROWS)
    tables = {"customer_segments": segment_frame("customer_segments", 3, "v1")}
    write_segment_tables(path, tables, model_version="v1")
    assert len(read_segment_table(path, "customer_segments")) == 3


def test_a_failed_write_changes_nothing(tmp_path: Path) -> None:
    path = make_features_warehouse(tmp_path / "w.duckdb")
    write_segment_tables(
        path,
        {
            "customer_segments": segment_frame("customer_segments", 3, "v1"),
            "segment_models": segment_frame("segment_models", 1, "v1"),
        },
        model_version="v1",
    )
    before = {table: stored(path, table) for table in ("customer_segments", "segment_models")}
    broken = segment_frame("segment_profiles", 2, "v2").drop(columns=["description"])
    with pytest.raises(ValueError, match=r"segment_profiles frame lacks column\(s\) description"):
        write_segment_tables(
            path,
            {
                # Written first, then undone when the next table fails.
                "customer_segments": segment_frame("customer_segments", 5, "v2", start=10),
                "segment_models": segment_frame("segment_models", 1, "v2"),
                "segment_profiles": broken,
            },
            model_version="v2",
        )
    for table, frame in before.items():
        pd.testing.assert_frame_equal(stored(path, table), frame)
    with pytest.raises(WarehouseError, match=r"segments\.segment_profiles not found"):
        read_segment_table(path, "segment_profiles")


def test_an_unknown_table_is_refused_before_writing(tmp_path: Path) -> None:
    path = make_features_warehouse(tmp_path / "w.duckdb")
    with pytest.raises(ValueError, match="unknown segment table"):
        write_segment_tables(
            path,
            {
                "customer_segments": segment_frame("customer_segments", 3, "v1"),
                "customer_notes": pd.DataFrame({"note": ["x"]}),
            },
            model_version="v1",
        )
    with pytest.raises(WarehouseError, match="not found"):
        read_segment_table(path, "customer_segments")


def test_history_tables_keep_other_versions_and_replace_this_one(tmp_path: Path) -> None:
    path = make_features_warehouse(tmp_path / "w.duckdb")
    for version, start in (("v1", 0), ("v2", 10)):
        write_segment_tables(
            path,
            {
                "segment_models": segment_frame("segment_models", 1, version, start),
                "segment_matches": segment_frame("segment_matches", 3, version, start),
            },
            model_version=version,
        )
    # v1 written again with other rows: its old rows go, v2's stay.
    write_segment_tables(
        path,
        {
            "segment_models": segment_frame("segment_models", 1, "v1", start=20),
            "segment_matches": segment_frame("segment_matches", 2, "v1", start=20),
        },
        model_version="v1",
    )
    matches = read_segment_table(path, "segment_matches")
    assert sorted(zip(matches["model_version"], matches["segment_id"], strict=True)) == [
        ("v1", 21),
        ("v1", 22),
        ("v2", 11),
        ("v2", 12),
        ("v2", 13),
    ]
    models = read_segment_table(path, "segment_models")
    assert sorted(zip(models["model_version"], models["n_segments"], strict=True)) == [
        ("v1", 21),
        ("v2", 11),
    ]


def test_an_empty_history_frame_clears_only_this_version(tmp_path: Path) -> None:
    path = make_features_warehouse(tmp_path / "w.duckdb")
    for version in ("v1", "v2"):
        write_segment_tables(
            path,
            {"segment_matches": segment_frame("segment_matches", 2, version)},
            model_version=version,
        )
    # A refit from scratch has no matches: its version's old rows must go.
    empty = pd.DataFrame(columns=[name for name, _ in SEGMENT_TABLES["segment_matches"]])
    write_segment_tables(path, {"segment_matches": empty}, model_version="v1")
    assert read_segment_table(path, "segment_matches")["model_version"].tolist() == ["v2", "v2"]


def test_current_state_tables_are_replaced_whole(tmp_path: Path) -> None:
    path = make_features_warehouse(tmp_path / "w.duckdb")
    write_segment_tables(
        path,
        {"customer_segments": segment_frame("customer_segments", 4, "v1")},
        model_version="v1",
    )
    write_segment_tables(
        path,
        {"customer_segments": segment_frame("customer_segments", 2, "v2", start=10)},
        model_version="v2",
    )
    segments = read_segment_table(path, "customer_segments")
    assert segments["model_version"].tolist() == ["v2", "v2"]
    assert sorted(segments["customer_unique_key"].tolist()) == [11, 12]


def test_reading_a_segment_table_before_scoring_names_the_fix(tmp_path: Path) -> None:
    path = make_features_warehouse(tmp_path / "w.duckdb")
    with pytest.raises(WarehouseError) as error:
        read_segment_table(path, "customer_segments")
    assert "run `clustering fit` and `clustering score` first" in str(error.value)
    with pytest.raises(ValueError, match="unknown segment table 'orders'"):
        read_segment_table(path, "orders")


def add_customer_marts(path: Path) -> Path:
    """marts.dim_customers and marts.fct_customer_rfm beside the features mart,
    with the columns the customer_segments export reads, for MART_ROWS' people."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table marts.dim_customers (customer_unique_key uinteger, "
            "latest_customer_id varchar, customer_zip_code_prefix varchar, "
            "customer_city varchar, customer_state varchar, as_of_date date)"
        )
        con.execute(
            "create table marts.fct_customer_rfm (customer_unique_key uinteger, "
            "last_order_at timestamp, as_of_date date)"
        )
        for key, uid, state, days, *_ in MART_ROWS:
            con.execute(
                "insert into marts.dim_customers values (?, ?, ?, ?, ?, ?)",
                [key, f"latest {uid}", f"0{key}310", f"city {uid}", state, date(2018, 9, 1)],
            )
            con.execute(
                "insert into marts.fct_customer_rfm values (?, ?, ?)",
                [key, datetime(2018, 9, 1) - pd.Timedelta(days=days), date(2018, 9, 1)],
            )
    return path


def test_exports_read_back_equal_in_parquet_and_csv(tmp_path: Path) -> None:
    path = add_customer_marts(make_features_warehouse(tmp_path / "w.duckdb"))
    matches = segment_frame("segment_matches", 4, "v1")
    matches["previous_segment_id"] = [7, None, 9, None]
    write_segment_tables(
        path,
        {
            "customer_segments": segment_frame("customer_segments", 3, "v1"),
            "segment_profiles": segment_frame("segment_profiles", 3, "v1"),
            "segment_matches": matches,
        },
        model_version="v1",
    )
    out = tmp_path / "o'brien exports"  # a quote in the path must survive COPY
    written = export_tables(path, ("customer_segments", "segment_matches"), out)
    assert written == [
        out / "customer_segments.parquet",
        out / "customer_segments.csv",
        out / "segment_matches.parquet",
        out / "segment_matches.csv",
    ]
    for table in ("customer_segments", "segment_matches"):
        expected = stored(path, table)
        with duckdb.connect() as con:
            parquet = con.execute(
                "select * from read_parquet(?)", [str(out / f"{table}.parquet")]
            ).df()
        csv = pd.read_csv(out / f"{table}.csv")
        if table == "customer_segments":
            # The campaign columns first, under the view's names; the value
            # columns null before any value model has scored
            # (tests/test_value_end_to_end.py fills them and compares the view).
            assert list(parquet.columns) == list(CUSTOMER_SEGMENTS_EXPORT_COLUMNS)
            assert list(csv.columns) == list(CUSTOMER_SEGMENTS_EXPORT_COLUMNS)
            extra = [*CAMPAIGN_COLUMNS, "audience_marketing_action"]
            assert parquet[extra].isna().all().all() and csv[extra].isna().all().all()
            assert parquet["customer_state"].tolist() == ["SP", "MG", "RJ"]
            assert parquet["latest_customer_id"].tolist() == ["latest a", "latest b", "latest c"]
            assert parquet["days_since_last_order"].tolist() == [300, 12, 40]
            assert parquet["segment_marketing_action"].tolist() == [
                f"marketing_action {i}" for i in range(3)
            ]
            # The zip prefix is text: its leading zero is kept in both files.
            assert parquet["customer_zip_code_prefix"].tolist() == ["01310", "02310", "03310"]
            assert ",01310," in (out / "customer_segments.csv").read_text()
            parquet, csv = (
                frame.rename(columns={"segment_confidence": "confidence"})[expected.columns]
                for frame in (parquet, csv)
            )
        pd.testing.assert_frame_equal(parquet, expected)  # types kept too
        for name, kind in SEGMENT_TABLES[table]:
            if kind in {"date", "timestamp"}:
                csv[name] = pd.to_datetime(csv[name])
        pd.testing.assert_frame_equal(csv, expected, check_dtype=False)
    assert np.isnan(pd.read_csv(out / "segment_matches.csv")["previous_segment_id"]).sum() == 2


def test_a_person_the_marts_lack_keeps_a_row_in_the_campaign_export(tmp_path: Path) -> None:
    # Key 4 is scored but in no mart (the view leaves such a person out): the
    # export keeps them, once, with the marts' columns null.
    path = add_customer_marts(make_features_warehouse(tmp_path / "w.duckdb"))
    write_segment_tables(
        path,
        {
            "customer_segments": segment_frame("customer_segments", 4, "v1"),
            "segment_profiles": segment_frame("segment_profiles", 4, "v1"),
        },
        model_version="v1",
    )
    export_tables(path, ("customer_segments",), tmp_path / "out")
    exported = pd.read_parquet(tmp_path / "out" / "customer_segments.parquet")
    assert exported["customer_unique_key"].tolist() == [1, 2, 3, 4]
    missing = exported.set_index("customer_unique_key").loc[4]
    assert missing[["latest_customer_id", "customer_state", "days_since_last_order"]].isna().all()
    assert missing["segment_name"] == "segment_name 3"


def test_the_analysts_view_declares_every_audience_column() -> None:
    document = yaml.safe_load(
        (Path(__file__).parents[1] / "models/segments/_segments__models.yml").read_text()
    )
    (view,) = (model for model in document["models"] if model["name"] == "dim_customer_segments")
    declared = [column["name"] for column in view["columns"]]
    assert [name for name in AUDIENCE_COLUMNS if name not in declared] == []
    # The export's other columns are the view's too, under the same names.
    assert set(CUSTOMER_SEGMENTS_EXPORT_COLUMNS) <= set(declared)


def test_export_of_an_unknown_table_is_refused(tmp_path: Path) -> None:
    path = make_features_warehouse(tmp_path / "w.duckdb")
    with pytest.raises(ValueError, match="unknown segment table 'orders'"):
        export_tables(path, ("orders",), tmp_path / "out")
