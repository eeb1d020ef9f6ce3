"""Faulty records for testing the loader, injected on request (``faults=N``).

Each injected record is an *extra* record appended after the clean ones, with
its own fresh key (except duplicates, which copy a key), pointing only to
valid parents, and referenced by nothing: so each one should give exactly one
reject in the loader and no cascade. N records of every kind are spread
round-robin (starting at a different file for each kind) over the files
where the kind applies; the exact count per (file, reason) is kept for the
summary.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np

from clustering.synth import tables as t
from clustering.synth import writer as w
from clustering.synth.catalog import Catalog
from clustering.synth.geography import Geography, GeolocationRows, foreign_points
from clustering.synth.orders import DELIVERED, Chunk
from clustering.synth.sampling import hex_ids

KEYED = (t.CUSTOMERS, t.ORDERS, t.ITEMS, t.PAYMENTS, t.REVIEWS, t.PRODUCTS, t.SELLERS)
# reason -> files it applies to (the order is the round-robin order)
APPLIES: dict[str, tuple[str, ...]] = {
    "malformed_hex_id": KEYED,
    "unparsable_timestamp": (t.ORDERS, t.ITEMS, t.REVIEWS),
    "timestamp_out_of_range": (t.ORDERS, t.ITEMS, t.REVIEWS),
    "non_numeric_amount": (t.ITEMS, t.PAYMENTS),
    "negative_amount": (t.ITEMS, t.PAYMENTS),
    "review_score_out_of_range": (t.REVIEWS,),
    "unknown_order_status": (t.ORDERS,),
    "invalid_zip_prefix": (t.CUSTOMERS, t.SELLERS, t.GEOLOCATION),
    "duplicate_primary_key": KEYED,
    "orphan_foreign_key": (t.ITEMS, t.ORDERS, t.PAYMENTS, t.REVIEWS),
    "blank_row": tuple(f for f in t.FILES if f != t.TRANSLATION),
}
REASONS = tuple(APPLIES)

BAD_TIMESTAMPS = ("2017-13-45 25:61:00", "2017-02-30 10:00:00", "not a date")
FAR_TIMESTAMPS = ("1970-01-01 00:00:00", "2099-06-01 12:00:00")
BAD_AMOUNTS = ("abc", '"12,50"')
BAD_SCORES = ("0", "6", "five")
BAD_STATUSES = ("lost", "returned")
BAD_ZIPS = ('"123456"', '"12a45"')

# Column positions used below.
_ORDER_TIMESTAMPS = (3, 4, 5, 6, 7)
_REVIEW_TIMESTAMPS = (5, 6)


def malformed_id(rng: np.random.Generator, variant: int) -> str:
    """An id that is not 32 lowercase hex characters, quoted as the writer would."""
    good = str(hex_ids(rng, 1)[0])
    if variant % 3 == 0:
        bad = good[:31]
    elif variant % 3 == 1:
        bad = good[:7] + "g" + good[8:]
    else:
        bad = ("A" + good[1:]).upper()
    return w.quote_text([bad])[0]


class FaultInjector:
    """Collects parents from the first chunk, then appends faulty records to the files."""

    def __init__(self, rng: np.random.Generator, n: int) -> None:
        self.rng = rng
        self.n = n
        self.injected: dict[str, dict[str, int]] = {}
        self.spreadsheet_count = 0
        self.outside_brazil_rows = 0
        self._chunk: Chunk | None = None

    def spreadsheet_rows(self, chunk: Chunk) -> np.ndarray | None:
        """Which order records (in file order) get spreadsheet-style dates."""
        if self.n == 0:
            return None
        mask = np.zeros(len(chunk.order_rows), dtype=bool)
        picked = self.rng.choice(len(mask), size=min(self.n, len(mask)), replace=False)
        mask[picked] = True
        self.spreadsheet_count = int(mask.sum())
        return mask

    def remember(self, chunk: Chunk) -> None:
        """Keep the first chunk: its rows are the valid parents of injected records."""
        if self.n:
            self._chunk = chunk

    def inject(
        self,
        files: dict[str, w.CsvFile],
        *,
        catalog: Catalog,
        geo: Geography,
        products: np.ndarray,
        sellers: np.ndarray,
        geoloc: GeolocationRows,
    ) -> None:
        """Append N faulty records of every kind (and N foreign geolocation points)."""
        if self.n == 0 or self._chunk is None:
            return
        c, rng = self._chunk, self.rng
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        records: dict[str, list[str]] = defaultdict(list)

        # Valid parents: delivered orders of the first chunk that have items and payments.
        n_orders = len(c.order_id)
        items_per_order = np.bincount(c.item_order, minlength=n_orders)
        pays_per_order = np.bincount(c.pay_order, minlength=n_orders)
        reviews_per_order = np.bincount(c.review_order, minlength=n_orders)
        good = (c.status == DELIVERED) & (items_per_order > 0) & (pays_per_order > 0)
        good &= reviews_per_order > 0
        parents = rng.permutation(np.flatnonzero(good))
        first_item = np.full(n_orders, -1)
        first_item[c.item_order[::-1]] = np.arange(len(c.item_order))[::-1]
        first_pay = np.full(n_orders, -1)
        first_pay[c.pay_order[::-1]] = np.arange(len(c.pay_order))[::-1]
        first_review = np.full(n_orders, -1)
        first_review[c.review_order[::-1]] = np.arange(len(c.review_order))[::-1]
        next_item = items_per_order.copy()
        next_pay = pays_per_order.copy()
        cursor = iter(np.resize(parents, 64 * self.n * len(REASONS)))

        def fresh() -> str:
            return str(w.quote_ids(hex_ids(rng, 1))[0])

        def one(columns: list[np.ndarray]) -> list[str]:
            return [str(col[0]) for col in columns]

        def customer_row() -> list[str]:
            row = one(t.customer_columns(c, geo, np.array([next(cursor)])))
            row[0] = fresh()
            return row

        def order_row() -> list[str]:
            row = one(t.order_columns(c, np.array([next(cursor)])))
            row[0] = fresh()
            return row

        def item_row() -> list[str]:
            o = next(cursor)
            row = one(t.item_columns(c, catalog, np.array([first_item[o]])))
            next_item[o] += 1
            row[1] = str(next_item[o])
            return row

        def payment_row() -> list[str]:
            o = next(cursor)
            row = one(t.payment_columns(c, np.array([first_pay[o]])))
            next_pay[o] += 1
            row[1] = str(next_pay[o])
            return row

        def review_row() -> list[str]:
            row = one(t.review_columns(c, np.array([first_review[next(cursor)]])))
            row[0] = fresh()
            return row

        def product_row() -> list[str]:
            row = one(t.product_columns(catalog, products[rng.integers(len(products), size=1)]))
            row[0] = fresh()
            return row

        def seller_row() -> list[str]:
            row = one(t.seller_columns(catalog, geo, sellers[rng.integers(len(sellers), size=1)]))
            row[0] = fresh()
            return row

        def geolocation_row() -> list[str]:
            j = int(rng.integers(len(geoloc)))
            return one(t.geolocation_columns(geoloc.slice(j, j + 1), geo))

        def existing(file: str, i: int) -> list[str]:
            """A copy of a record already written, with a non-key value changed every other time."""
            o = next(cursor)
            if file == t.CUSTOMERS:
                row, col, alt = one(t.customer_columns(c, geo, np.array([o]))), 3, "sao paulo"
            elif file == t.ORDERS:
                row, col, alt = one(t.order_columns(c, np.array([o]))), 2, "shipped"
            elif file == t.ITEMS:
                row, col, alt = (
                    one(t.item_columns(c, catalog, np.array([first_item[o]]))),
                    5,
                    "1.00",
                )
            elif file == t.PAYMENTS:
                row, col, alt = one(t.payment_columns(c, np.array([first_pay[o]]))), 4, "1.00"
            elif file == t.REVIEWS:
                row, col, alt = one(t.review_columns(c, np.array([first_review[o]]))), 2, "3"
            elif file == t.PRODUCTS:
                row, col, alt = (
                    one(
                        t.product_columns(
                            catalog, products[i % len(products) : i % len(products) + 1]
                        )
                    ),
                    4,
                    "9",
                )
            else:
                row, col, alt = (
                    one(
                        t.seller_columns(
                            catalog, geo, sellers[i % len(sellers) : i % len(sellers) + 1]
                        )
                    ),
                    2,
                    "sao paulo",
                )
            if i % 2:
                row[col] = alt
            return row

        base: dict[str, Callable[[], list[str]]] = {
            t.CUSTOMERS: customer_row,
            t.ORDERS: order_row,
            t.ITEMS: item_row,
            t.PAYMENTS: payment_row,
            t.REVIEWS: review_row,
            t.PRODUCTS: product_row,
            t.SELLERS: seller_row,
            t.GEOLOCATION: geolocation_row,
        }
        key_col = {
            t.CUSTOMERS: 0,
            t.ORDERS: 0,
            t.ITEMS: 0,
            t.PAYMENTS: 0,
            t.REVIEWS: 0,
            t.PRODUCTS: 0,
            t.SELLERS: 0,
        }

        def build(reason: str, file: str, i: int) -> list[str]:
            if reason == "blank_row":
                return [""] * len(t.HEADERS[file])
            if reason == "duplicate_primary_key":
                return existing(file, i)
            row = base[file]()
            if reason == "malformed_hex_id":
                col = key_col[file] if file != t.ITEMS else (0, 2, 3)[i % 3]
                row[col] = malformed_id(rng, i)
            elif reason in ("unparsable_timestamp", "timestamp_out_of_range"):
                values = BAD_TIMESTAMPS if reason == "unparsable_timestamp" else FAR_TIMESTAMPS
                cols = {t.ORDERS: _ORDER_TIMESTAMPS, t.ITEMS: (4,), t.REVIEWS: _REVIEW_TIMESTAMPS}[
                    file
                ]
                row[cols[i % len(cols)]] = values[i % len(values)]
            elif reason in ("non_numeric_amount", "negative_amount"):
                cols = {t.ITEMS: (5, 6), t.PAYMENTS: (4,)}[file]
                row[cols[i % len(cols)]] = (
                    BAD_AMOUNTS[i % 2] if reason == "non_numeric_amount" else "-10.00"
                )
            elif reason == "review_score_out_of_range":
                row[2] = BAD_SCORES[i % len(BAD_SCORES)]
            elif reason == "unknown_order_status":
                row[2] = BAD_STATUSES[i % len(BAD_STATUSES)]
            elif reason == "invalid_zip_prefix":
                row[{t.CUSTOMERS: 2, t.SELLERS: 1, t.GEOLOCATION: 0}[file]] = BAD_ZIPS[i % 2]
            elif reason == "orphan_foreign_key":
                col = {t.ITEMS: (0, 2, 3)[i % 3], t.ORDERS: 1, t.PAYMENTS: 0, t.REVIEWS: 1}[file]
                row[col] = fresh()
            return row

        blanks: dict[str, list[str]] = defaultdict(list)
        for r, (reason, applicable) in enumerate(APPLIES.items()):
            for i in range(self.n):
                # rotate the starting file per reason so small N still reaches every file
                file = applicable[(i + r) % len(applicable)]
                row = ",".join(build(reason, file, i))
                (blanks if reason == "blank_row" else records)[file].append(row)
                counts[file][reason] += 1

        # Points geocoded outside Brazil: valid rows that a robust centre must ignore.
        for _ in range(self.n):
            row = geolocation_row()
            lat, lng = foreign_points(rng, np.array([float(row[1])]), np.array([float(row[2])]))
            row[1], row[2] = str(lat[0]), str(lng[0])
            records[t.GEOLOCATION].append(",".join(row))
        self.outside_brazil_rows = self.n

        for file in t.FILES:
            rows = records.get(file, [])
            order = rng.permutation(len(rows))
            if file in files:
                files[file].write_records([rows[j] for j in order] + blanks.get(file, []))
        self.injected = {f: dict(sorted(r.items())) for f, r in sorted(counts.items())}
