"""One chunk of people with all their orders, items, payments and reviews.

Everything is vectorised over the chunk. Reference figures are met by quotas
(from the plan) or by rank assignment of latent scores, so the marginals are
exact while the hidden archetypes decide *who* gets which outcome: that is
the structure the segmentation should find.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clustering.synth import reference as ref
from clustering.synth.calendar import MAIN_END, SECONDS_PER_DAY, Calendar
from clustering.synth.catalog import Catalog
from clustering.synth.geography import Geography, haversine_km
from clustering.synth.people import Archetype, assign_archetypes, table
from clustering.synth.plan import MULTI_PAYMENT_CARD_SHARE, ChunkPlan
from clustering.synth.sampling import assign_by_rank, draw_from_counts, hex_ids, weighted_pick
from clustering.synth.texts import review_messages, review_titles

STATUSES = tuple(ref.ORDER_STATUS)  # code -> name; 0 is delivered
DELIVERED, SHIPPED, CANCELED, UNAVAILABLE = 0, 1, 2, 3
_IN_PROGRESS = ("shipped", "invoiced", "processing", "created", "approved")
PAYMENT_TYPES = ("credit_card", "boleto", "voucher", "debit_card", "not_defined")
CARD, BOLETO, VOUCHER, DEBIT, NOT_DEFINED = range(5)

# Calibration constants (tuned at scale 1 against the reference figures).
SAME_DAY_REPEAT = 0.30  # repeat orders placed minutes after the previous one
FREIGHT_BASE = 9.5  # R$
FREIGHT_PER_KG = 2.6  # R$ per kg^0.75
FREIGHT_PER_KM = 0.0085  # R$ per km
ESTIMATE_BASE_DAYS = 20.0
ESTIMATE_KM_PER_DAY = 160.0
HANDLING_DAYS = 2.2
TRANSIT_BASE_DAYS = 4.0
TRANSIT_KM_PER_DAY = 230.0
LATE_REVIEW_PENALTY = 1.0  # satisfaction lost by a late delivery (score sd 1)
INTEREST_SHARE = 0.07  # card payments in installments that carry interest
NO_ITEMS_ORDER_MEDIAN = 110.0  # R$, what an order without items was going to cost
SAO_PAULO = (-23.55, -46.63)
# Repeat buyers' histories start once the marketplace runs steadily.
REPEAT_START = np.datetime64("2017-01-05T00:00:00", "s")


@dataclass(frozen=True)
class Context:
    """Everything a chunk needs that is shared by all chunks."""

    geo: Geography
    catalog: Catalog
    calendar: Calendar
    state_p: np.ndarray
    remote_state: np.ndarray


@dataclass
class Chunk:
    """Raw columns of one chunk; rows are in generation order (by person)."""

    # orders and their customers (one customer row per order)
    order_id: np.ndarray
    customer_id: np.ndarray
    person_uid: np.ndarray
    place: np.ndarray
    status: np.ndarray
    purchase: np.ndarray
    approved: np.ndarray
    carrier: np.ndarray
    delivered: np.ndarray
    estimated: np.ndarray
    # items
    item_order: np.ndarray
    item_seq: np.ndarray
    item_product: np.ndarray
    item_seller: np.ndarray
    item_limit: np.ndarray
    item_price: np.ndarray
    item_freight: np.ndarray
    # payments
    pay_order: np.ndarray
    pay_seq: np.ndarray
    pay_type: np.ndarray
    pay_installments: np.ndarray
    pay_value: np.ndarray
    # reviews
    review_id: np.ndarray
    review_order: np.ndarray
    review_score: np.ndarray
    review_title: np.ndarray
    review_message: np.ndarray
    review_created: np.ndarray
    review_answered: np.ndarray
    # file order of each table
    order_rows: np.ndarray
    customer_rows: np.ndarray
    item_rows: np.ndarray
    payment_rows: np.ndarray
    review_rows: np.ndarray


def _days(x: np.ndarray) -> np.ndarray:
    return (np.asarray(x) * SECONDS_PER_DAY).astype("timedelta64[s]")


def _season_factor(purchase: np.ndarray) -> np.ndarray:
    """Carrier slowdowns: Black Friday backlog, Carnival rains, the May 2018 truckers' strike."""
    f = np.ones(len(purchase))
    for start, end, k in (
        ("2017-11-20", "2018-01-10", 1.3),
        ("2018-02-10", "2018-03-31", 1.35),
        ("2018-05-20", "2018-06-10", 1.45),
    ):
        f[(purchase >= np.datetime64(start)) & (purchase < np.datetime64(end))] = k
    return f


def generate_chunk(
    rng: np.random.Generator, plan: ChunkPlan, ctx: Context, *, first: bool
) -> Chunk:
    """Generate one chunk; ``first`` places the dataset's very last (canceled) order in it."""
    geo, cat = ctx.geo, ctx.catalog

    # ---- people
    k = np.repeat(list(plan.people_by_orders), list(plan.people_by_orders.values()))
    k = rng.permutation(k)
    n_people = len(k)
    state = rng.choice(len(geo.states), size=n_people, p=ctx.state_p)
    arch = assign_archetypes(rng, k, ctx.remote_state[state])
    ghost = np.zeros(n_people, dtype=bool)
    ghost[weighted_pick(rng, 1.0 / k, plan.quirks["ghost_customers"])] = True
    home = np.where(
        ghost, geo.ghost_sampler.draw(rng, state), geo.customer_sampler.draw(rng, state)
    )
    person_uid = hex_ids(rng, n_people)

    # ---- orders and their timeline
    n = int(k.sum())
    person = np.repeat(np.arange(n_people), k)
    first_of = np.cumsum(k) - k
    seq = np.arange(n) - first_of[person]
    oarch = arch[person]
    start = ctx.calendar.sample(rng, arch == Archetype.GIFT)
    same_day = rng.random(n) < SAME_DAY_REPEAT
    gap = np.where(
        same_day,
        (2 + rng.exponential(40, n)) / 1440,
        table("repeat_gap_days")[oarch] * np.exp(1.0 * rng.standard_normal(n)),
    )
    gap[seq == 0] = 0.0
    cum = np.cumsum(gap)
    offset = cum - cum[first_of[person]]
    # The calendar draw is one of the person's orders picked at random, so repeat
    # orders spread around it and do not drift the timeline later.
    anchor = first_of + (rng.random(n_people) * k).astype(np.int64)
    span = offset[first_of + k - 1]
    room = (MAIN_END - REPEAT_START).astype(np.int64) / SECONDS_PER_DAY
    squeeze_to = np.where(
        span > room, room * rng.uniform(0.5, 0.95, n_people) / np.maximum(span, 1e-9), 1.0
    )
    offset *= squeeze_to[person]
    offset -= offset[anchor][person]
    purchase = start[person] + _days(offset)
    last = first_of + k - 1
    overflow = (purchase[last] - MAIN_END).astype(np.int64) / SECONDS_PER_DAY
    underflow = (REPEAT_START - purchase[first_of]).astype(np.int64) / SECONDS_PER_DAY
    shift = np.where((k > 1) & (overflow > 0), overflow + rng.uniform(0, 30, n_people), 0.0)
    shift = np.where((k > 1) & (underflow > 0), -underflow - rng.uniform(0, 30, n_people), shift)
    purchase = (purchase - _days(shift[person])).astype("datetime64[s]")
    last_order = -1
    singles = np.flatnonzero(k == 1)
    if first and len(singles):
        last_order = int(first_of[singles[0]])
        purchase[last_order] = np.datetime64(ref.LAST_PURCHASE, "s")
    place = home[person].copy()
    moved = (seq > 0) & (rng.random(n) < 0.08)
    place[moved] = geo.customer_sampler.draw(rng, state[person[moved]])

    # ---- statuses (exact quotas; the trailing tail after the extract date is canceled)
    status = np.zeros(n, dtype=np.int8)
    tail = purchase > MAIN_END
    status[tail] = CANCELED
    free = ~tail
    recent = purchase > np.datetime64("2018-08-10")
    cancel_w = table("cancel")[oarch]
    for code, name in enumerate(STATUSES):
        if code == DELIVERED:
            continue
        quota = plan.statuses.get(name, 0) - (int(tail.sum()) if code == CANCELED else 0)
        w = free.astype(float)
        if code in (CANCELED, UNAVAILABLE):
            w *= cancel_w
        if name in _IN_PROGRESS:
            w *= np.where(recent, 6.0, 1.0)
        picked = weighted_pick(rng, w, quota)
        status[picked] = code
        free[picked] = False

    # ---- items
    p_none = np.array([ref.NO_ITEMS_BY_STATUS.get(s, 0) / ref.ORDER_STATUS[s] for s in STATUSES])
    no_items = rng.random(n) < p_none[status]
    no_items |= tail & (rng.random(n) < 0.5)
    if last_order >= 0:
        no_items[last_order] = True
    n_items = np.where(no_items, 0, draw_from_counts(rng, ref.ITEMS_PER_ORDER, n))
    item_order = np.repeat(np.arange(n), n_items)
    m = len(item_order)
    first_line = np.cumsum(n_items) - n_items
    item_seq = np.arange(m) - first_line[item_order] + 1
    product = np.zeros(m, dtype=np.int64)
    is_first = item_seq == 1
    product[is_first] = cat.sample(rng, oarch[item_order[is_first]])
    base = product[first_line[item_order]]
    u = rng.random(m)
    same = ~is_first & (u < 0.6)
    shop = ~is_first & (u >= 0.6) & (u < 0.9)
    fresh = ~is_first & (u >= 0.9)
    product[same] = base[same]
    product[shop] = cat.same_seller(rng, base[shop])
    product[fresh] = cat.sample(rng, oarch[item_order[fresh]])
    cat.sold[product] = True
    seller = cat.seller[product]
    price = cat.price_cents[product].copy()
    drift = rng.random(m) < 0.08  # prices change over the two years
    price[drift] = np.maximum(np.round(price[drift] * rng.uniform(0.85, 1.1, drift.sum())), 85)

    cust_lat, cust_lng = geo.lat[place], geo.lng[place]
    sp = cat.seller_place[seller]
    dist = haversine_km(cust_lat[item_order], cust_lng[item_order], geo.lat[sp], geo.lng[sp])
    wkg = np.where(cat.weight_g[product] >= 0, cat.weight_g[product], 1000) / 1000.0
    freight = (FREIGHT_BASE + FREIGHT_PER_KG * wkg**0.75 + FREIGHT_PER_KM * dist) * np.exp(
        0.3 * rng.standard_normal(m)
    )
    freight_cents = np.round(freight * 100).astype(np.int64)
    freight_cents[same] = freight_cents[first_line[item_order[same]]]
    freight_cents[rng.random(m) < 0.0035] = 0  # free shipping promotions

    order_dist = np.zeros(n)
    np.maximum.at(order_dist, item_order, dist)
    far = haversine_km(cust_lat, cust_lng, np.full(n, SAO_PAULO[0]), np.full(n, SAO_PAULO[1]))
    order_dist = np.where(n_items > 0, order_dist, far)

    # ---- how each order is paid (exact quotas, archetype-weighted)
    q = plan.quirks
    kind = np.full(n, CARD, dtype=np.int8)  # single-row kinds; MULTI = 9
    pays = np.ones(n, dtype=bool)
    delivered_with_items = (status == DELIVERED) & (n_items > 0)
    nopay = weighted_pick(rng, delivered_with_items.astype(float), q["no_payment"])
    pays[nopay] = False
    open_ = pays.copy()
    nd = weighted_pick(
        rng, ((status == CANCELED) & (n_items == 0) & open_).astype(float), q["not_defined"]
    )
    kind[nd] = NOT_DEFINED
    open_[nd] = False
    multi_w = open_ * table("voucher")[oarch] * np.where(k[person] > 1, 2.0, 1.0)
    multi = weighted_pick(rng, multi_w, q["multi_payment"])
    kind[multi] = 9
    open_[multi] = False
    for code, quota, weights in (
        (BOLETO, q["boleto"], table("boleto")[oarch]),
        (DEBIT, q["debit_card"], table("boleto")[oarch]),
        (VOUCHER, q["single_voucher"], table("voucher")[oarch]),
    ):
        picked = weighted_pick(rng, open_ * weights, quota)
        kind[picked] = code
        open_[picked] = False

    # ---- delivery timeline (days after purchase)
    approval = np.where(
        kind == BOLETO,
        26 / 24 * np.exp(0.6 * rng.standard_normal(n)),
        0.25 / 24 * np.exp(1.6 * rng.standard_normal(n)),
    )
    approval = np.minimum(approval, 20.0)
    est_days = np.clip(
        np.round(ESTIMATE_BASE_DAYS + order_dist / ESTIMATE_KM_PER_DAY + rng.normal(0, 4.0, n)),
        3,
        60,
    )
    estimated = (purchase.astype("datetime64[D]") + est_days.astype("timedelta64[D]")).astype(
        "datetime64[s]"
    )
    est_rel = (estimated - purchase).astype(np.int64) / SECONDS_PER_DAY
    handling = HANDLING_DAYS * np.exp(0.75 * rng.standard_normal(n))
    transit = (
        (TRANSIT_BASE_DAYS + order_dist / TRANSIT_KM_PER_DAY)
        * np.exp(0.55 * rng.standard_normal(n))
        * _season_factor(purchase)
    )
    carrier_rel = approval + handling
    deliv_rel = carrier_rel + transit

    delivered_status = status == DELIVERED
    late_w = (
        delivered_status
        * table("late")[oarch]
        * _season_factor(purchase) ** 3
        * (1 + order_dist / 1500)
    )
    late = np.zeros(n, dtype=bool)
    late[weighted_pick(rng, late_w, q["late"])] = True
    lateness = 4.5 * np.exp(0.9 * rng.standard_normal(n)) + 0.05
    deliv_rel = np.where(late, np.maximum(deliv_rel, est_rel + lateness), deliv_rel)
    early = ~late & (deliv_rel >= est_rel)
    deliv_rel[early] = est_rel[early] * rng.uniform(0.45, 0.97, int(early.sum()))
    squeeze = carrier_rel > 0.85 * deliv_rel
    carrier_rel[squeeze] = deliv_rel[squeeze] * rng.uniform(0.2, 0.7, int(squeeze.sum()))
    approval = np.minimum(approval, 0.9 * carrier_rel)

    approved = purchase + _days(approval)
    carrier = purchase + _days(carrier_rel)
    delivered = purchase + _days(deliv_rel)
    nat = np.datetime64("NaT", "s")
    has_carrier = np.isin(status, (DELIVERED, SHIPPED))
    canceled = status == CANCELED
    taken = np.zeros(n, dtype=bool)

    def pick(mask: np.ndarray, quota: int) -> np.ndarray:
        idx = weighted_pick(rng, (mask & ~taken).astype(float), quota)
        taken[idx] = True
        return idx

    canceled_shipped = pick(canceled & ~tail, q["canceled_shipped"] + q["canceled_delivered"])
    has_carrier[canceled_shipped] = True
    has_delivery = delivered_status.copy()
    has_delivery[canceled_shipped[: q["canceled_delivered"]]] = True
    carrier[~has_carrier] = nat
    delivered[~has_delivery] = nat
    approved[status == ref_code("created")] = nat
    approved[pick(canceled & ~has_carrier, q["no_approval_canceled"])] = nat
    on_time = delivered_status & ~late
    approved[pick(on_time, q["no_approval_delivered"])] = nat
    delivered[pick(on_time, q["delivered_no_date"])] = nat
    before = pick(on_time, q["carrier_before_purchase"])
    carrier[before] = purchase[before] - _days(rng.uniform(0.02, 2.0, len(before)))
    swap = pick(on_time, q["delivery_before_carrier"])
    carrier[swap] = delivered[swap] + _days(rng.uniform(0.05, 3.0, len(swap)))

    limit_from = np.where(np.isnat(approved), purchase, approved)
    item_limit = limit_from[item_order] + _days(6.0 + rng.uniform(-0.3, 1.2, m))

    # ---- payments
    total = np.zeros(n, dtype=np.int64)
    np.add.at(total, item_order, price + freight_cents)
    ghost_total = np.round(NO_ITEMS_ORDER_MEDIAN * 100 * np.exp(0.85 * rng.standard_normal(n)))
    total = np.where(n_items > 0, total, ghost_total.astype(np.int64))
    total[kind == NOT_DEFINED] = 0
    rows = np.where(pays, 1, 0)
    multi_rows = {r: c for r, c in ref.PAYMENT_ROWS_PER_ORDER.items() if r > 1}
    rows[multi] = draw_from_counts(rng, multi_rows, len(multi))
    pay_order = np.repeat(np.arange(n), rows)
    p = len(pay_order)
    pay_first = np.cumsum(rows) - rows
    pay_seq = np.arange(p) - pay_first[pay_order] + 1
    pay_type = kind[pay_order].astype(np.int8)
    is_multi = kind[pay_order] == 9
    with_card = rng.random(n) < MULTI_PAYMENT_CARD_SHARE
    card_at = np.where(rng.random(n) < 0.9, 1, 2)
    pay_type[is_multi] = np.where(
        with_card[pay_order[is_multi]] & (pay_seq[is_multi] == card_at[pay_order[is_multi]]),
        CARD,
        VOUCHER,
    )
    share = rng.gamma(np.where(pay_type == CARD, 2.0, 1.4))
    share_sum = np.bincount(pay_order, weights=share, minlength=n)
    value = np.floor(total[pay_order] * share / share_sum[pay_order]).astype(np.int64)
    paid = np.bincount(pay_order, weights=value, minlength=n).astype(np.int64)
    first_rows = pay_first[rows > 0]
    value[first_rows] += (total - paid)[rows > 0]
    card = np.flatnonzero(pay_type == CARD)
    score = (
        np.log1p(value[card] / 100.0)
        + table("installments")[oarch[pay_order[card]]]
        + rng.normal(0, 0.7, len(card))
    )
    installments = np.ones(p, dtype=np.int64)
    inst_values = np.array(list(ref.CARD_INSTALLMENTS))
    inst_counts = np.array(list(ref.CARD_INSTALLMENTS.values()))
    order_by_inst = np.argsort(inst_values)
    installments[card] = assign_by_rank(
        score, inst_values[order_by_inst], inst_counts[order_by_inst]
    )
    interest = (
        (pay_type == CARD) & (installments >= 2) & ~is_multi & (rng.random(p) < INTEREST_SHARE)
    )
    value[interest] = np.round(value[interest] * rng.uniform(1.02, 1.12, int(interest.sum())))

    # ---- reviews
    w_shared = (seq > 0) * np.where(same_day, 25.0, 1.0)
    shared = weighted_pick(rng, w_shared, q["shared_review"])
    is_shared = np.zeros(n, dtype=bool)
    is_shared[shared] = True
    referenced = np.zeros(n, dtype=bool)
    referenced[shared - 1] = True
    none = weighted_pick(rng, (~is_shared & ~referenced).astype(float), q["no_review"])
    own = ~is_shared
    own[none] = False
    several = weighted_pick(rng, own.astype(float), q["several_reviews"])
    extra_n = np.where(rng.random(len(several)) < 0.01, 2, 1)
    base_orders = np.flatnonzero(own)
    extra_orders = np.repeat(several, extra_n)
    rev_order = np.concatenate([base_orders, extra_orders])
    r = len(rev_order)
    o_arch = oarch[rev_order]
    days_late = np.where(late, (deliv_rel - est_rel), 0.0)[rev_order]
    st = status[rev_order]
    latent = (
        rng.standard_normal(r)
        + table("review")[o_arch]
        - LATE_REVIEW_PENALTY * late[rev_order]
        - 0.03 * np.minimum(days_late, 30)
        - 2.2 * np.isin(st, (CANCELED, UNAVAILABLE))
        - 1.6 * ((st != DELIVERED) & ~np.isin(st, (CANCELED, UNAVAILABLE)))
        - 0.35 * (n_items[rev_order] > 1)
    )
    score_ = assign_by_rank(
        latent, np.array([1, 2, 3, 4, 5]), np.array([ref.REVIEW_SCORES[s] for s in (1, 2, 3, 4, 5)])
    )

    deliv_day = np.where(np.isnat(delivered), estimated, delivered).astype("datetime64[D]")
    after = rng.choice([0, 1, 2, 3, 5, 7], size=r, p=[0.2, 0.55, 0.1, 0.07, 0.05, 0.03])
    created = (deliv_day[rev_order] + after.astype("timedelta64[D]")).astype("datetime64[s]")
    early_review = np.isin(st, (CANCELED, UNAVAILABLE)) & (rng.random(r) < 0.5)
    soon = purchase[rev_order].astype("datetime64[D]") + rng.integers(2, 20, r).astype(
        "timedelta64[D]"
    )
    created = np.where(early_review, soon.astype("datetime64[s]"), created)
    is_extra = np.arange(r) >= len(base_orders)
    created[is_extra] += rng.integers(1, 20, int(is_extra.sum())).astype("timedelta64[D]")
    answered = created + _days(
        np.minimum(8 / 24 + 0.9 * np.exp(1.3 * rng.standard_normal(r)), 60.0)
    )
    comment_p = np.array([0.0, 0.75, 0.70, 0.55, 0.34, 0.335])[score_] * table("comment")[o_arch]
    has_message = rng.random(r) < np.minimum(comment_p, 0.95)
    title_p = np.where(created >= np.datetime64("2018-01-01"), 0.205, 0.015)
    has_title = rng.random(r) < title_p
    message = np.full(r, "", dtype=object)
    message[has_message] = review_messages(rng, score_[has_message])
    title = np.full(r, "", dtype=object)
    title[has_title] = review_titles(rng, score_[has_title])
    review_id = hex_ids(rng, r)

    # shared reviews copy the review of the person's previous order (following chains)
    src = np.arange(n)
    src[shared] = shared - 1
    while True:
        nxt = src[src]
        if np.array_equal(nxt, src):
            break
        src = nxt
    own_row = np.full(n, -1, dtype=np.int64)
    own_row[base_orders] = np.arange(len(base_orders))
    from_row = own_row[src[shared]]
    ok = from_row >= 0  # the root may itself lack a review: then no shared row
    shared, from_row = shared[ok], from_row[ok]
    all_rows = np.concatenate([np.arange(r), from_row])

    def rv(a: np.ndarray) -> np.ndarray:
        return a[all_rows]

    review_order = np.concatenate([rev_order, shared])

    # ---- file order: nothing is sorted by time in the real files
    order_rows = rng.permutation(n)
    rank = np.empty(n, dtype=np.int64)
    rank[order_rows] = np.arange(n)
    item_rows = np.lexsort((item_seq, rank[item_order]))
    return Chunk(
        order_id=hex_ids(rng, n),
        customer_id=hex_ids(rng, n),
        person_uid=person_uid[person],
        place=place,
        status=status,
        purchase=purchase,
        approved=approved,
        carrier=carrier,
        delivered=delivered,
        estimated=estimated,
        item_order=item_order,
        item_seq=item_seq,
        item_product=product,
        item_seller=seller,
        item_limit=item_limit,
        item_price=price,
        item_freight=freight_cents,
        pay_order=pay_order,
        pay_seq=pay_seq,
        pay_type=pay_type,
        pay_installments=installments,
        pay_value=value,
        review_id=rv(review_id),
        review_order=review_order,
        review_score=rv(score_),
        review_title=rv(title),
        review_message=rv(message),
        review_created=rv(created),
        review_answered=rv(answered),
        order_rows=order_rows,
        customer_rows=rng.permutation(n),
        item_rows=item_rows,
        payment_rows=rng.permutation(p),
        review_rows=rng.permutation(len(review_order)),
    )


def ref_code(name: str) -> int:
    """Status code of a status name."""
    return STATUSES.index(name)
