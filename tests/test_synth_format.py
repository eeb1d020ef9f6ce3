"""Byte layout, determinism, integrity and fault accounting of the synthetic Olist files.

Fast: everything here runs on scale 0.01-0.02 data.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import duckdb
import pytest

from clustering.synth import generate
from clustering.synth import tables as t
from clustering.synth.faults import REASONS
from clustering.synth.orders import STATUSES
from clustering.synth.summary import GenerationSummary

SCALE = 0.02
N_FAULTS = 5
HEX = re.compile(r"^[0-9a-f]{32}$")
TS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MONEY = re.compile(r"^\d+\.\d{2}$")
SHEET_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}$")

# Column kinds of each file, in header order.
KINDS: dict[str, tuple[str, ...]] = {
    t.CUSTOMERS: ("id", "id", "zip", "text", "state"),
    t.ORDERS: ("id", "id", "word", "ts", "ts?", "ts?", "ts?", "date"),
    t.ITEMS: ("id", "int", "id", "id", "ts", "money", "money"),
    t.PAYMENTS: ("id", "int", "word", "int", "money"),
    t.REVIEWS: ("id", "id", "int", "text?", "text?", "date", "ts"),
    t.PRODUCTS: ("id", "word?", "int?", "int?", "int?", "int?", "int?", "int?", "int?"),
    t.SELLERS: ("id", "zip", "text", "state"),
    t.GEOLOCATION: ("zip", "float", "float", "text", "state"),
}
HEADER_LINES = {
    t.CUSTOMERS: '"customer_id","customer_unique_id","customer_zip_code_prefix","customer_city",'
    '"customer_state"',
    t.ORDERS: '"order_id","customer_id","order_status","order_purchase_timestamp",'
    '"order_approved_at","order_delivered_carrier_date","order_delivered_customer_date","order_estimated_delivery_date"',
    t.ITEMS: '"order_id","order_item_id","product_id","seller_id","shipping_limit_date","price",'
    '"freight_value"',
    t.PAYMENTS: '"order_id","payment_sequential","payment_type","payment_installments",'
    '"payment_value"',
    t.REVIEWS: '"review_id","order_id","review_score","review_comment_title",'
    '"review_comment_message","review_creation_date","review_answer_timestamp"',
    t.PRODUCTS: '"product_id","product_category_name","product_name_lenght",'
    '"product_description_lenght","product_photos_qty","product_weight_g","product_length_cm",'
    '"product_height_cm","product_width_cm"',
    t.SELLERS: '"seller_id","seller_zip_code_prefix","seller_city","seller_state"',
    t.GEOLOCATION: '"geolocation_zip_code_prefix","geolocation_lat","geolocation_lng",'
    '"geolocation_city","geolocation_state"',
    t.TRANSLATION: "product_category_name,product_category_name_english",
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, GenerationSummary]]:
    base = tmp_path_factory.mktemp("synth")
    out = {}
    for name, kwargs in {
        "clean": {"scale": SCALE, "seed": 42},
        "again": {"scale": SCALE, "seed": 42},
        "other_seed": {"scale": SCALE, "seed": 43},
        "faulty": {"scale": SCALE, "seed": 42, "faults": N_FAULTS},
    }.items():
        out[name] = (base / name, generate(base / name, **kwargs))
    return out


def _records(path: Path) -> list[list[str]]:
    """Data records with their raw field text (quotes kept), parsed honouring quotes."""
    text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    fields: list[list[str]] = []
    row: list[str] = []
    field, quoted, i = "", False, 0
    while i < len(text):
        ch = text[i]
        if quoted:
            field += ch
            if ch == '"':
                if i + 1 < len(text) and text[i + 1] == '"':
                    field += '"'
                    i += 1
                else:
                    quoted = False
        elif ch == '"':
            quoted = True
            field += ch
        elif ch == ",":
            row.append(field)
            field = ""
        elif ch in "\r\n":
            if ch == "\r" and text[i + 1 : i + 2] == "\n":
                i += 1
            row.append(field)
            fields.append(row)
            row, field = [], ""
        else:
            field += ch
        i += 1
    if field or row:
        row.append(field)
        fields.append(row)
    return fields[1:]


def _unquote(v: str) -> str:
    return v[1:-1].replace('""', '"') if v.startswith('"') else v


def _check_field(kind: str, raw: str) -> str | None:
    """None when ``raw`` is written as the real files write a value of this kind."""
    optional = kind.endswith("?")
    kind = kind.rstrip("?")
    if raw == "":
        return None if optional or kind == "text" else "empty"
    value = _unquote(raw)
    quoted = raw.startswith('"')
    if kind in ("id", "zip", "text", "word", "state"):
        must_quote = value[:1].isdigit() or any(c in value for c in ',"\r\n')
        if quoted != must_quote:
            return f"quoting of {raw!r}"
        if kind == "id" and not HEX.match(value):
            return f"not a hex id: {raw!r}"
        if kind == "zip" and not re.fullmatch(r"\d{5}", value):
            return f"not a 5-digit zip: {raw!r}"
        if kind == "state" and not re.fullmatch(r"[A-Z]{2}", value):
            return f"not a UF: {raw!r}"
        return None
    if quoted:
        return f"quoted {kind}: {raw!r}"
    patterns = {
        "int": r"-?\d+",
        "money": MONEY.pattern,
        "ts": TS.pattern,
        "date": r"\d{4}-\d{2}-\d{2} 00:00:00",
        "float": r"-?\d+\.\d+(e-?\d+)?",
    }
    return None if re.fullmatch(patterns[kind], value) else f"bad {kind}: {raw!r}"


def test_files_and_headers(runs: dict) -> None:
    out, _ = runs["clean"]
    assert sorted(p.name for p in out.iterdir()) == sorted(t.FILES)
    for name, header in HEADER_LINES.items():
        first = (out / name).read_bytes().split(b"\n", 1)[0].decode("utf-8")
        assert first.removeprefix("\ufeff").rstrip("\r") == header, name


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_field_is_written_like_the_real_files(runs: dict, name: str) -> None:
    out, summary = runs["clean"]
    records = _records(out / name)
    assert len(records) == summary.rows[name] > 0
    problems = []
    for rec in records:
        assert len(rec) == len(KINDS[name]), rec
        for kind, raw in zip(KINDS[name], rec, strict=True):
            problem = _check_field(kind, raw)
            if problem:
                problems.append(problem)
    assert problems == []


def test_line_endings_and_translation_file(runs: dict) -> None:
    out, _ = runs["clean"]
    for name in KINDS:
        data = (out / name).read_bytes()
        assert data.endswith(b"\n") and not data.startswith(b"\xef\xbb\xbf"), name
        if name != t.REVIEWS:  # review messages may hold quoted CRLF breaks
            assert b"\r" not in data, name
    data = (out / t.TRANSLATION).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert not data.endswith(b"\n")
    lines = data[3:].split(b"\r\n")
    assert b"\n" not in b"".join(lines)
    assert len(lines) == 72
    names = {line.split(b",")[0] for line in lines[1:]}
    assert b"pc_gamer" not in names
    assert b"portateis_cozinha_e_preparadores_de_alimentos" not in names
    assert (b"beleza_saude", b"health_beauty") in {tuple(line.split(b",")) for line in lines}


def test_quoting_of_review_text_with_commas_and_line_breaks(runs: dict) -> None:
    out, _ = runs["clean"]
    messages = [_unquote(r[4]) for r in _records(out / t.REVIEWS) if r[4]]
    assert any("," in m for m in messages)
    assert any("\r\n" in m for m in messages)
    with (out / t.REVIEWS).open(encoding="utf-8", newline="") as fh:
        parsed = list(csv.reader(fh))
    assert [_unquote(r[4]) for r in _records(out / t.REVIEWS)] == [r[4] for r in parsed[1:]]


def _digests(path: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.iterdir())}


def test_same_arguments_give_byte_identical_files(runs: dict) -> None:
    (a, sa), (b, sb) = runs["clean"], runs["again"]
    assert _digests(a) == _digests(b)
    assert sa.to_json() == sb.to_json()


def test_another_seed_gives_other_data(runs: dict) -> None:
    a = _digests(runs["clean"][0])
    b = _digests(runs["other_seed"][0])
    assert all(a[n] != b[n] for n in a if n != t.TRANSLATION)
    assert a[t.TRANSLATION] == b[t.TRANSLATION]


def _connect(out: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name in KINDS:
        view = name.removeprefix("olist_").removesuffix("_dataset.csv").removeprefix("order_")
        con.execute(
            f"create view {view} as select * from read_csv('{out / name}', header = true, "
            "all_varchar = true, quote = '\"', escape = '\"', delim = ',')"
        )
    return con


def test_clean_data_is_referentially_consistent(runs: dict) -> None:
    out, summary = runs["clean"]
    con = _connect(out)

    def one(sql: str) -> int:
        return con.execute(sql).fetchone()[0]

    assert summary.injected == {} and summary.crlf_bom_files == []
    assert one("select count(*) from orders anti join customers using (customer_id)") == 0
    assert one("select count(*) from customers anti join orders using (customer_id)") == 0
    assert one("select count(*) - count(distinct customer_id) from orders") == 0
    for child in ("items", "payments", "reviews"):
        assert one(f"select count(*) from {child} anti join orders using (order_id)") == 0
    assert one("select count(*) from items anti join products using (product_id)") == 0
    assert one("select count(*) from items anti join sellers using (seller_id)") == 0
    # as in the real files, every product and seller listed has sold something
    assert one("select count(*) from products anti join items using (product_id)") == 0
    assert one("select count(*) from sellers anti join items using (seller_id)") == 0
    for table, key in (
        ("orders", "order_id"),
        ("customers", "customer_id"),
        ("products", "product_id"),
        ("sellers", "seller_id"),
        ("items", "order_id, order_item_id"),
        ("payments", "order_id, payment_sequential"),
        ("reviews", "review_id, order_id"),
    ):
        assert one(f"select count(*) - count(distinct ({key})) from {table}") == 0, table
    # seller zips are covered by geolocation except a few, like the real data
    missing = one(
        "select count(*) from customers where customer_zip_code_prefix not in "
        "(select geolocation_zip_code_prefix from geolocation)"
    )
    assert 0 <= missing <= 0.01 * summary.rows[t.CUSTOMERS]
    # payments reconcile with items for most orders, to the cent
    exact, total = con.execute(
        """
        with i as (select order_id, sum(price::decimal(12,2) + freight_value::decimal(12,2)) v
                   from items group by 1),
             p as (select order_id, sum(payment_value::decimal(12,2)) v from payments group by 1)
        select count(*) filter (where i.v = p.v), count(*) from i join p using (order_id)
        """
    ).fetchone()
    assert exact / total > 0.9


def test_estimated_and_review_creation_dates_are_midnight(runs: dict) -> None:
    con = _connect(runs["clean"][0])
    assert (
        con.execute(
            "select count(*) from orders where order_estimated_delivery_date not like '% 00:00:00'"
        ).fetchone()[0]
        == 0
    )
    assert (
        con.execute(
            "select count(*) from reviews where review_creation_date not like '% 00:00:00'"
        ).fetchone()[0]
        == 0
    )


def _count_faults(out: Path) -> dict[str, dict[str, int]]:
    """Count each kind of fault in the files independently of the generator."""
    con = _connect(out)
    hexok = "regexp_full_match({c}, '[0-9a-f]{{32}}')"
    ts_ok = (
        "(try_cast({c} as timestamp) is not null "
        "or try_strptime({c}, '%m/%d/%Y %H:%M') is not null)"
    )
    ts_of = "coalesce(try_cast({c} as timestamp), try_strptime({c}, '%m/%d/%Y %H:%M'))"
    far = "(year(" + ts_of + ") not between 2016 and 2018)"
    checks: dict[str, dict[str, str]] = {
        t.CUSTOMERS: {"id": "customer_id", "zip": "customer_zip_code_prefix"},
        t.ORDERS: {
            "id": "order_id",
            "ts": "order_purchase_timestamp,order_approved_at,order_delivered_carrier_date,"
            "order_delivered_customer_date,order_estimated_delivery_date",
        },
        t.ITEMS: {
            "id": "order_id,product_id,seller_id",
            "ts": "shipping_limit_date",
            "amount": "price,freight_value",
        },
        t.PAYMENTS: {"id": "order_id", "amount": "payment_value"},
        t.REVIEWS: {"id": "review_id", "ts": "review_creation_date,review_answer_timestamp"},
        t.PRODUCTS: {"id": "product_id"},
        t.SELLERS: {"id": "seller_id", "zip": "seller_zip_code_prefix"},
        t.GEOLOCATION: {"zip": "geolocation_zip_code_prefix"},
    }
    views = {
        t.CUSTOMERS: "customers",
        t.ORDERS: "orders",
        t.ITEMS: "items",
        t.PAYMENTS: "payments",
        t.REVIEWS: "reviews",
        t.PRODUCTS: "products",
        t.SELLERS: "sellers",
        t.GEOLOCATION: "geolocation",
    }
    keys = {
        t.CUSTOMERS: "customer_id",
        t.ORDERS: "order_id",
        t.ITEMS: "order_id, order_item_id",
        t.PAYMENTS: "order_id, payment_sequential",
        t.REVIEWS: "review_id, order_id",
        t.PRODUCTS: "product_id",
        t.SELLERS: "seller_id",
    }
    found: dict[str, dict[str, int]] = {}

    def count(view: str, cond: str) -> int:
        return con.execute(f"select count(*) from {view} where {cond}").fetchone()[0]

    for file, spec in checks.items():
        v = views[file]
        cols = [d[0] for d in con.execute(f"select * from {v} limit 0").description]
        blank = " and ".join(f"{c} is null" for c in cols)
        res = {"blank_row": count(v, blank)}
        if "id" in spec:
            ids = spec["id"].split(",")
            res["malformed_hex_id"] = count(v, " or ".join(f"not {hexok.format(c=c)}" for c in ids))
        if "zip" in spec:
            res["invalid_zip_prefix"] = count(
                v, f"not regexp_full_match({spec['zip']}, '\\d{{5}}')"
            )
        if "ts" in spec:
            tcs = spec["ts"].split(",")
            res["unparsable_timestamp"] = count(
                v, " or ".join(f"({c} is not null and not {ts_ok.format(c=c)})" for c in tcs)
            )
            res["timestamp_out_of_range"] = count(v, " or ".join(far.format(c=c) for c in tcs))
        if "amount" in spec:
            acs = spec["amount"].split(",")
            res["non_numeric_amount"] = count(
                v,
                " or ".join(f"({c} is not null and try_cast({c} as double) is null)" for c in acs),
            )
            res["negative_amount"] = count(
                v, " or ".join(f"try_cast({c} as double) < 0" for c in acs)
            )
        if file in keys:
            res["duplicate_primary_key"] = con.execute(
                f"select count(*) - count(distinct ({keys[file]})) from {v} where not ({blank})"
            ).fetchone()[0]
        found[file] = res
    found[t.REVIEWS]["review_score_out_of_range"] = count(
        "reviews",
        "review_score is not null "
        "and coalesce(try_cast(review_score as int), 0) not between 1 and 5",
    )
    statuses = str(tuple(STATUSES))
    found[t.ORDERS]["unknown_order_status"] = count("orders", f"order_status not in {statuses}")

    def unknown(col: str, parent: str) -> str:
        """Well-formed id that its parent table lacks (NULLs of blank rows left out)."""
        return (
            f"({hexok.format(c=col)} and {col} not in "
            f"(select {col} from {parent} where {col} is not null))"
        )

    found[t.ITEMS]["orphan_foreign_key"] = count(
        "items",
        " or ".join(
            (
                unknown("order_id", "orders"),
                unknown("product_id", "products"),
                unknown("seller_id", "sellers"),
            )
        ),
    )
    found[t.ORDERS]["orphan_foreign_key"] = count(
        "orders",
        "customer_id not in (select customer_id from customers where customer_id is not null)",
    )
    for child, file in (("payments", t.PAYMENTS), ("reviews", t.REVIEWS)):
        found[file]["orphan_foreign_key"] = count(child, unknown("order_id", "orders"))
    return {f: {r: n for r, n in sorted(res.items()) if n} for f, res in sorted(found.items())}


def test_clean_data_has_no_faults(runs: dict) -> None:
    assert _count_faults(runs["clean"][0]) == {f: {} for f in KINDS}


def test_fault_summary_matches_the_files(runs: dict) -> None:
    out, summary = runs["faulty"]
    found = _count_faults(out)
    expected = {f: summary.injected.get(f, {}) for f in KINDS}
    assert found == expected
    for reason in REASONS:
        assert summary.injected_total(reason) == N_FAULTS, reason


def test_faulty_files_still_read_correctly(runs: dict) -> None:
    out, summary = runs["faulty"]
    assert sorted(summary.crlf_bom_files) == sorted([t.ORDERS, t.ITEMS])
    for name in summary.crlf_bom_files:
        data = (out / name).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        assert data.count(b"\n") == data.count(b"\r\n")
    con = _connect(out)
    for name in KINDS:
        n = con.execute(
            f"select count(*) from read_csv('{out / name}', all_varchar = true)"
        ).fetchone()[0]
        assert n == summary.rows[name], name
    sheet = [r for r in _records(out / t.ORDERS) if SHEET_DATE.match(r[3])]
    assert len(sheet) == summary.spreadsheet_date_rows[t.ORDERS] == N_FAULTS
    outside = con.execute(
        "select count(*) from geolocation "
        "where try_cast(geolocation_lat as double) not between -33.75 and 5.27 "
        "or try_cast(geolocation_lng as double) not between -73.99 and -34.79"
    ).fetchone()[0]
    assert outside == summary.geolocation_outside_brazil > N_FAULTS


def test_faults_only_add_records(runs: dict) -> None:
    clean, faulty = runs["clean"][0], runs["faulty"][0]
    for name in (t.CUSTOMERS, t.PAYMENTS, t.REVIEWS, t.PRODUCTS, t.SELLERS, t.GEOLOCATION):
        before = (clean / name).read_bytes()
        after = (faulty / name).read_bytes()
        assert after.startswith(before), name
        assert len(after) > len(before), name


def test_summary_json_round_trips(runs: dict) -> None:
    import json

    summary = runs["faulty"][1]
    data = json.loads(summary.to_json())
    assert data["faults"] == N_FAULTS and data["seed"] == 42 and data["scale"] == SCALE
    assert data["rows"][t.TRANSLATION] == 71
    assert set(data) == {
        "scale",
        "seed",
        "faults",
        "rows",
        "injected",
        "spreadsheet_date_rows",
        "crlf_bom_files",
        "geolocation_outside_brazil",
    }


def test_geolocation_covers_used_zips_at_small_scale(tmp_path: Path) -> None:
    summary = generate(tmp_path, scale=0.01, seed=3)
    assert summary.rows[t.GEOLOCATION] == round(1_000_163 * 0.01)
    con = _connect(tmp_path)
    missing_sellers = con.execute(
        "select count(*) from sellers where seller_zip_code_prefix not in "
        "(select geolocation_zip_code_prefix from geolocation)"
    ).fetchone()[0]
    assert missing_sellers <= 2
    last = con.execute(
        "select order_status, order_purchase_timestamp from orders "
        "order by order_purchase_timestamp desc limit 1"
    ).fetchone()
    assert last == ("canceled", "2018-10-17 17:30:18")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale": 0}, "scale"),
        ({"scale": -1.0}, "scale"),
        ({"seed": -1}, "seed"),
        ({"faults": -2}, "faults"),
    ],
)
def test_bad_arguments_are_refused(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate(tmp_path, **kwargs)


def test_rows_are_not_sorted_by_time(runs: dict) -> None:
    out, _ = runs["clean"]
    with (out / t.ORDERS).open(encoding="utf-8", newline="") as fh:
        stamps = [r[3] for r in list(csv.reader(io.StringIO(fh.read())))[1:]]
    assert stamps != sorted(stamps) and stamps != sorted(stamps, reverse=True)
