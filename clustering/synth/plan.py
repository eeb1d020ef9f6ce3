"""How the population is cut into chunks, with exact quotas per chunk.

Counts that the reference fixes (people per number of orders, order statuses,
timestamp quirks, payment mixes, review quirks) are scaled once for the whole
run and split over chunks so the totals are exact at every scale, while each
chunk stays small enough to stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clustering.synth import reference as ref
from clustering.synth.sampling import exact_counts, split_total

CHUNK_PEOPLE = 40_000

# Orders with several payments: one card row (at sequence 1 mostly) and vouchers.
_MULTI_PAYMENT_ORDERS = sum(v for k, v in ref.PAYMENT_ROWS_PER_ORDER.items() if k > 1)
_MULTI_PAYMENT_CARD_SHARE = 0.95
_MULTI_ROWS = sum(k * v for k, v in ref.PAYMENT_ROWS_PER_ORDER.items() if k > 1)
_MULTI_VOUCHER_ROWS = _MULTI_ROWS - _MULTI_PAYMENT_CARD_SHARE * _MULTI_PAYMENT_ORDERS

# Quirks and mixes per order, as counts at scale 1.
QUIRKS_AT_SCALE_1: dict[str, float] = {
    "no_approval_canceled": 141,
    "no_approval_delivered": 14,
    "delivered_no_date": ref.DELIVERED_WITHOUT_DELIVERY_DATE,
    "canceled_delivered": ref.CANCELED_WITH_DELIVERY_DATE,
    "canceled_shipped": 69,
    "carrier_before_purchase": ref.CARRIER_BEFORE_PURCHASE,
    "delivery_before_carrier": ref.DELIVERY_BEFORE_CARRIER,
    "no_payment": ref.ORDERS_WITHOUT_PAYMENT,
    "not_defined": ref.PAYMENT_ROWS_BY_TYPE["not_defined"],
    "several_reviews": ref.ORDERS_WITH_SEVERAL_REVIEWS,
    "no_review": ref.ORDERS_WITHOUT_REVIEW,
    "shared_review": ref.REAL_REVIEWS - ref.REAL_REVIEW_IDS,
    "multi_payment": _MULTI_PAYMENT_ORDERS,
    "boleto": ref.PAYMENT_ROWS_BY_TYPE["boleto"],
    "debit_card": ref.PAYMENT_ROWS_BY_TYPE["debit_card"],
    "single_voucher": round(ref.PAYMENT_ROWS_BY_TYPE["voucher"] - _MULTI_VOUCHER_ROWS),
    "late": 7_826,
    # people (not orders) living in a prefix that geolocation lacks
    "ghost_customers": ref.CUSTOMER_ROWS_WITHOUT_GEOLOCATION * ref.REAL_PEOPLE / ref.REAL_ORDERS,
}
MULTI_PAYMENT_CARD_SHARE = _MULTI_PAYMENT_CARD_SHARE


@dataclass(frozen=True)
class ChunkPlan:
    """What one chunk must contain."""

    index: int
    people_by_orders: dict[int, int]  # orders per person -> people
    statuses: dict[str, int]
    quirks: dict[str, int]

    @property
    def n_people(self) -> int:
        return sum(self.people_by_orders.values())

    @property
    def n_orders(self) -> int:
        return sum(k * v for k, v in self.people_by_orders.items())


def make_plan(rng: np.random.Generator, scale: float) -> list[ChunkPlan]:
    """Chunks of at most ``CHUNK_PEOPLE`` people whose quotas add up to the scaled reference."""
    n_people = max(round(ref.REAL_PEOPLE * scale), 1)
    classes = exact_counts(ref.ORDERS_PER_PERSON, n_people)
    # Keep the most loyal customer (17 orders) even at small scales: the tail is a figure too.
    if classes[max(classes)] == 0 and n_people >= 20_000:
        classes[max(classes)] = 1
        classes[1] -= 1
    n_chunks = -(-n_people // CHUNK_PEOPLE)
    sizes = [min(CHUNK_PEOPLE, n_people - i * CHUNK_PEOPLE) for i in range(n_chunks)]

    keys = list(classes)
    remaining = np.array([classes[k] for k in keys], dtype=np.int64)
    per_chunk_people: list[dict[int, int]] = []
    for size in sizes:
        draw = rng.multivariate_hypergeometric(remaining, size)
        remaining -= draw
        per_chunk_people.append({k: int(v) for k, v in zip(keys, draw, strict=True) if v})
    chunk_orders = np.array([sum(k * v for k, v in d.items()) for d in per_chunk_people])
    n_orders = int(chunk_orders.sum())

    statuses = exact_counts(ref.ORDER_STATUS, n_orders)
    s_keys = list(statuses)
    s_remaining = np.array([statuses[k] for k in s_keys], dtype=np.int64)
    per_chunk_status: list[dict[str, int]] = []
    for orders in chunk_orders:
        draw = rng.multivariate_hypergeometric(s_remaining, int(orders))
        s_remaining -= draw
        per_chunk_status.append({k: int(v) for k, v in zip(s_keys, draw, strict=True)})

    factor = n_orders / ref.REAL_ORDERS
    quirk_split = {
        name: split_total(rng, round(count * factor), chunk_orders)
        for name, count in QUIRKS_AT_SCALE_1.items()
    }
    return [
        ChunkPlan(
            index=i,
            people_by_orders=per_chunk_people[i],
            statuses=per_chunk_status[i],
            quirks={name: int(split[i]) for name, split in quirk_split.items()},
        )
        for i in range(n_chunks)
    ]
