"""Hidden buyer archetypes: the latent structure that segmentation should recover.

Each person gets one archetype, never written to the files. It drives how
many orders they place and when, what they buy and for how much, how they pay,
how their deliveries go and how they review. The mix is chosen so that the
population still reproduces the reference figures of the real dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from clustering.synth import reference as ref
from clustering.synth.places import REMOTE_STATES


class Archetype(IntEnum):
    """Kinds of buyer. Values index the per-archetype parameter arrays."""

    REGULAR = 0  # satisfied one-off buyer
    BARGAIN = 1  # cheap items, pays by boleto
    BIG_TICKET = 2  # expensive items, credit card in many installments
    UNHAPPY = 3  # one-off buyer whose delivery went wrong
    GIFT = 4  # Black Friday / Christmas / Mother's Day gifts
    REMOTE = 5  # North and Northeast: far from sellers, high freight, slow delivery
    LOYAL = 6  # repeat buyer of everyday goods


@dataclass(frozen=True)
class Behaviour:
    """How one archetype behaves; weights are relative to the population average."""

    tags: dict[str, float] = field(default_factory=dict)  # category tag -> appeal
    cheap: float = 0.0  # >0 prefers low prices (R$ pivot below)
    pricey: float = 0.0  # >0 prefers high prices (R$ pivot below)
    boleto: float = 1.0
    voucher: float = 1.0
    installments: float = 0.0  # shift of the installment score
    late: float = 1.0
    cancel: float = 1.0
    review: float = 0.0  # shift of the satisfaction score
    comment: float = 1.0
    repeat_gap_days: float = 60.0  # median gap between two orders


BEHAVIOUR: dict[Archetype, Behaviour] = {
    Archetype.REGULAR: Behaviour(review=0.25),
    Archetype.BARGAIN: Behaviour(
        tags={"bargain": 2.5}, cheap=1.3, boleto=4.0, voucher=1.2, installments=-0.9,
        review=-0.15, repeat_gap_days=45.0,
    ),
    Archetype.BIG_TICKET: Behaviour(
        tags={"big": 5.0}, pricey=1.4, boleto=0.35, voucher=0.5, installments=1.6,
        review=0.0, comment=1.1,
    ),
    Archetype.UNHAPPY: Behaviour(late=14.0, cancel=2.5, review=-1.1, comment=1.4),
    Archetype.GIFT: Behaviour(
        tags={"gift": 4.0}, boleto=0.8, voucher=2.0, installments=0.3, late=1.4, review=0.3,
        repeat_gap_days=20.0,
    ),
    Archetype.REMOTE: Behaviour(boleto=1.4, installments=0.3, late=2.5, review=-0.35),
    Archetype.LOYAL: Behaviour(
        tags={"consumable": 3.0, "home": 1.5}, voucher=4.0, review=0.7, comment=0.8,
        repeat_gap_days=55.0,
    ),
}  # fmt: skip

# Archetype mix of one-order people outside the remote states.
_SINGLE_MIX = {
    Archetype.REGULAR: 0.55,
    Archetype.BARGAIN: 0.20,
    Archetype.BIG_TICKET: 0.09,
    Archetype.UNHAPPY: 0.11,
    Archetype.GIFT: 0.05,
}
_REMOTE_SHARE_IN_REMOTE_STATES = 0.7
_MULTI_MIX = {Archetype.LOYAL: 0.85, Archetype.GIFT: 0.08, Archetype.BARGAIN: 0.07}
N_ARCHETYPES = len(Archetype)


def _mix_vector(mix: dict[Archetype, float]) -> np.ndarray:
    v = np.zeros(N_ARCHETYPES)
    for a, p in mix.items():
        v[a] = p
    return v / v.sum()


def assign_archetypes(
    rng: np.random.Generator, n_orders: np.ndarray, remote: np.ndarray
) -> np.ndarray:
    """Archetype per person from their order count and whether their state is remote."""
    single = _mix_vector(_SINGLE_MIX)
    remote_mix = (1 - _REMOTE_SHARE_IN_REMOTE_STATES) * single
    remote_mix[Archetype.REMOTE] += _REMOTE_SHARE_IN_REMOTE_STATES
    multi = _mix_vector(_MULTI_MIX)
    u = rng.random(len(n_orders))
    out = np.searchsorted(np.cumsum(single), u, side="right")
    out = np.where(remote, np.searchsorted(np.cumsum(remote_mix), u, side="right"), out)
    out = np.where(n_orders > 1, np.searchsorted(np.cumsum(multi), u, side="right"), out)
    return np.minimum(out, N_ARCHETYPES - 1).astype(np.int8)


def expected_gift_order_share() -> float:
    """Share of all orders placed by gift buyers (the calendar reserves room for them)."""
    people = np.array(list(ref.ORDERS_PER_PERSON.values()), dtype=float)
    orders = np.array(list(ref.ORDERS_PER_PERSON.keys()), dtype=float)
    single_people = people[orders == 1].sum()
    multi_orders = (people * orders)[orders > 1].sum()
    remote_pct = sum(p for s, p in ref.CUSTOMER_STATE_PCT.items() if s in REMOTE_STATES) / 100.0
    single_gift = _mix_vector(_SINGLE_MIX)[Archetype.GIFT] * (
        1 - remote_pct * _REMOTE_SHARE_IN_REMOTE_STATES
    )
    gift_orders = (
        single_people * single_gift + multi_orders * _mix_vector(_MULTI_MIX)[Archetype.GIFT]
    )
    return float(gift_orders / (people * orders).sum())


def table(attr: str) -> np.ndarray:
    """One behaviour attribute as an array indexed by archetype value."""
    return np.array([getattr(BEHAVIOUR[a], attr) for a in Archetype], dtype=np.float64)


def product_appeal(archetype: int, tags: list[frozenset[str]]) -> np.ndarray:
    """Per category: relative appeal to an archetype (max 1) from the category tags."""
    b = BEHAVIOUR[Archetype(archetype)]
    appeal = np.array([max([b.tags.get(t, 1.0) for t in ts] or [1.0]) for ts in tags])
    return appeal / appeal.max()


def price_acceptance(archetype: int, price: np.ndarray) -> np.ndarray:
    """Probability that an archetype accepts an item at ``price`` (R$), in (0, 1]."""
    b = BEHAVIOUR[Archetype(archetype)]
    acc = np.ones_like(price, dtype=np.float64)
    if b.cheap:
        acc = acc / (1.0 + (price / 45.0) ** b.cheap)
    if b.pricey:
        acc = acc / (1.0 + (180.0 / price) ** b.pricey)
    return acc
