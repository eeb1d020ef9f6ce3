"""The dataset as it stood at the end of one day, cut from a complete one.

``cut_to_day(source, out, day)`` reads a complete Olist dataset in the Kaggle
layout and writes what its files would have held at midnight after ``day``,
so tests and demos can replay days in order:

- orders purchased by then, with the approval, carrier and delivery times
  that were known by then (later ones blank) and the status they imply
  (a delivered order not yet delivered is ``shipped``, or ``approved`` /
  ``created`` before it reached the carrier); canceled and unavailable orders
  keep their final status, since the files do not say when that happened;
- their items and payments (known at purchase) and their customers;
- reviews answered by then; the products and sellers of the kept items;
- geolocation and the category translation unchanged.

Every unchanged record is copied byte for byte, so the cut of a day after the
last event is the source itself, and day D+1 holds day D's orders plus what
happened on D+1.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np

from clustering.errors import InputError
from clustering.synth import tables as t
from clustering.synth import writer as w

_TIMESTAMP = "%Y-%m-%d %H:%M:%S"
# Order of the steps an order goes through; canceled and unavailable are not
# on it. invoiced and processing share approval's step: the files do not date
# them, so an approved order may already show them.
_STEP = {"created": 0, "approved": 1, "invoiced": 1, "processing": 1, "shipped": 2, "delivered": 3}
_STATUS_AT_STEP = ("created", "approved", "shipped", "delivered")


def records(path: Path) -> Iterator[tuple[list[str], str]]:
    """Each record of a CSV file with its exact text (header first), streamed:
    the reader pulls lines through `remember`, so the lines it consumed for a
    record are that record's text, line breaks inside quoted fields included."""
    consumed: list[str] = []

    def remember(lines: Iterator[str]) -> Iterator[str]:
        for line in lines:
            consumed.append(line)
            yield line

    with path.open(encoding="utf-8", newline="") as handle:
        for fields in csv.reader(remember(handle)):
            yield fields, "".join(consumed)
            consumed.clear()


def _known(value: str, cutoff: datetime) -> bool:
    return bool(value) and datetime.strptime(value, _TIMESTAMP) < cutoff


def _order_then(fields: list[str], header: list[str], cutoff: datetime) -> list[str]:
    """An order's fields as known at the cutoff."""
    row = dict(zip(header, fields, strict=True))
    for column in (
        "order_approved_at",
        "order_delivered_carrier_date",
        "order_delivered_customer_date",
    ):
        if not _known(row[column], cutoff):
            row[column] = ""
    status = row["order_status"]
    if status in _STEP:
        # The furthest step the known times prove; the final status stands
        # unless it is further than that.
        reached = (
            3
            if row["order_delivered_customer_date"]
            else 2
            if row["order_delivered_carrier_date"]
            else 1
            if row["order_approved_at"]
            else 0
        )
        if _STEP[status] > reached:
            status = _STATUS_AT_STEP[reached]
    row["order_status"] = status
    return [row[column] for column in header]


def _order_text(fields: list[str], newline: str) -> str:
    order_id, customer_id, status, *times = fields
    ids = w.quote_ids(np.asarray([order_id, customer_id]))
    return ",".join([*ids, status, *times]) + newline


def cut_to_day(source: Path, out: Path, day: date) -> dict[str, int]:
    """Write the dataset of ``source`` as it stood at the end of ``day`` into
    ``out``; returns the records written per file (headers not counted)."""
    source, out = Path(source), Path(out)
    missing = [name for name in t.FILES if not (source / name).is_file()]
    if missing:
        raise InputError(f"{source} lacks {', '.join(missing)}; expected the nine Kaggle files")
    out.mkdir(parents=True, exist_ok=True)
    cutoff = datetime.combine(day + timedelta(days=1), time())
    written: dict[str, int] = {}

    def write(name: str, keep) -> None:
        count = 0
        with (out / name).open("w", encoding="utf-8", newline="") as handle:
            for index, (fields, text) in enumerate(records(source / name)):
                if index == 0:
                    header = fields
                    handle.write(text)
                    continue
                kept = keep(header, fields, text)
                if kept is not None:
                    handle.write(kept)
                    count += 1
        written[name] = count

    orders: set[str] = set()
    customers: set[str] = set()

    def keep_order(header, fields, text):
        row = dict(zip(header, fields, strict=True))
        if not _known(row["order_purchase_timestamp"], cutoff):
            return None
        orders.add(row["order_id"])
        customers.add(row["customer_id"])
        then = _order_then(fields, header, cutoff)
        if then == fields:
            return text
        return _order_text(then, "\r\n" if text.endswith("\r\n") else "\n")

    write(t.ORDERS, keep_order)
    products: set[str] = set()
    sellers: set[str] = set()

    def keep_item(header, fields, text):
        row = dict(zip(header, fields, strict=True))
        if row["order_id"] not in orders:
            return None
        products.add(row["product_id"])
        sellers.add(row["seller_id"])
        return text

    write(t.ITEMS, keep_item)
    write(t.PAYMENTS, lambda h, f, text: text if f[h.index("order_id")] in orders else None)
    write(
        t.REVIEWS,
        lambda h, f, text: (
            text
            if f[h.index("order_id")] in orders
            and _known(f[h.index("review_answer_timestamp")], cutoff)
            else None
        ),
    )
    write(t.CUSTOMERS, lambda h, f, text: text if f[0] in customers else None)
    write(t.PRODUCTS, lambda h, f, text: text if f[0] in products else None)
    write(t.SELLERS, lambda h, f, text: text if f[0] in sellers else None)
    for name in (t.GEOLOCATION, t.TRANSLATION):
        write(name, lambda h, f, text: text)
    return written
