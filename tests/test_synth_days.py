"""The dataset as it stood at the end of a day (clustering.synth.days): only
what was known by then, consistent from one day to the next, byte-identical
to the source after the last event. (The real build loads thirty such days
without a reject: tests/test_replay.py.)"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from clustering.synth import tables as t
from clustering.synth.days import cut_to_day
from tests.warehouse_support import read_records


def _rows(folder, name):
    header, records = read_records(folder / name)
    return [dict(zip(header, record, strict=True)) for record in records]


def _at(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


@pytest.fixture(scope="module")
def day(tiny_dataset) -> date:
    """The eve of the busiest purchase day, so the next day surely has orders."""
    purchases = Counter(
        _at(o["order_purchase_timestamp"]).date() for o in _rows(tiny_dataset, t.ORDERS)
    )
    return purchases.most_common(1)[0][0] - timedelta(days=1)


@pytest.fixture(scope="module")
def days(tiny_dataset, day, tmp_path_factory):
    root = tmp_path_factory.mktemp("days")
    cut_to_day(tiny_dataset, root / "d0", day)
    cut_to_day(tiny_dataset, root / "d1", day + timedelta(days=1))
    return root / "d0", root / "d1"


def test_after_the_last_event_the_cut_is_the_source(tiny_dataset, tmp_path):
    cut_to_day(tiny_dataset, tmp_path, date(2030, 1, 1))
    for name in t.FILES:
        assert (tmp_path / name).read_bytes() == (tiny_dataset / name).read_bytes(), name


def test_a_day_holds_only_what_was_known_by_its_end(days, day):
    d0, _ = days
    cutoff = datetime.combine(day + timedelta(days=1), datetime.min.time())
    orders = _rows(d0, t.ORDERS)
    assert orders
    times = ("order_purchase_timestamp", "order_approved_at", "order_delivered_carrier_date")
    for order in orders:
        for column in (*times, "order_delivered_customer_date"):
            assert not order[column] or _at(order[column]) < cutoff, (order["order_id"], column)
        if order["order_status"] == "delivered":
            assert order["order_delivered_customer_date"]
        if order["order_status"] == "shipped":
            assert order["order_delivered_carrier_date"]
    # Some orders were still on their way that night.
    assert {o["order_status"] for o in orders} >= {"delivered", "shipped"}
    ids = {o["order_id"] for o in orders}
    for name in (t.ITEMS, t.PAYMENTS, t.REVIEWS):
        assert {row["order_id"] for row in _rows(d0, name)} <= ids, name
    for review in _rows(d0, t.REVIEWS):
        assert _at(review["review_answer_timestamp"]) < cutoff
    assert {c["customer_id"] for c in _rows(d0, t.CUSTOMERS)} == {o["customer_id"] for o in orders}
    items = _rows(d0, t.ITEMS)
    assert {p["product_id"] for p in _rows(d0, t.PRODUCTS)} == {i["product_id"] for i in items}
    assert {s["seller_id"] for s in _rows(d0, t.SELLERS)} == {i["seller_id"] for i in items}


def test_the_next_day_is_this_day_plus_what_happened_that_day(days, day):
    d0, d1 = days
    before = {o["order_id"]: o for o in _rows(d0, t.ORDERS)}
    after = {o["order_id"]: o for o in _rows(d1, t.ORDERS)}
    assert before.keys() <= after.keys()
    new = after.keys() - before.keys()
    assert new, "no order on the next day"
    for order_id in new:
        assert _at(after[order_id]["order_purchase_timestamp"]).date() == day + timedelta(days=1)
    for order_id, order in before.items():
        later = after[order_id]
        assert later["order_purchase_timestamp"] == order["order_purchase_timestamp"]
        for column in ("order_approved_at", "order_delivered_carrier_date"):
            # A time once known stays; a new one may appear.
            assert not order[column] or later[column] == order[column]
    for name in (t.ITEMS, t.PAYMENTS, t.REVIEWS, t.CUSTOMERS):
        _, first = read_records(d0 / name)
        _, second = read_records(d1 / name)
        assert {tuple(r) for r in first} <= {tuple(r) for r in second}, name


def test_the_command_writes_a_day_and_refuses_a_hostile_date(tiny_dataset, day, tmp_path):
    from typer.testing import CliRunner

    from clustering.cli.commands import app

    runner = CliRunner()
    # tiny_dataset is scale 0.003 with seed 5 (tests/conftest.py).
    common = ["generate", "--scale", "0.003", "--seed", "5"]
    written = runner.invoke(app, [*common, "--out", str(tmp_path / "cli"), "--as-of-day", str(day)])
    assert written.exit_code == 0, written.output
    cut_to_day(tiny_dataset, tmp_path / "direct", day)
    for name in t.FILES:
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "direct" / name).read_bytes()
    hostile = "2017-01-01'; drop table orders; --"
    refused = runner.invoke(app, [*common, "--out", str(tmp_path / "x"), "--as-of-day", hostile])
    assert refused.exit_code == 2
    assert "--as-of-day must be a date as YYYY-MM-DD" in refused.output
    assert not (tmp_path / "x").exists()
