"""``generate``: write the nine Olist CSV files for a given scale, seed and fault count."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from clustering.errors import SettingsError
from clustering.progress import Progress
from clustering.synth import reference as ref
from clustering.synth import tables as t
from clustering.synth.calendar import Calendar
from clustering.synth.catalog import build_catalog
from clustering.synth.faults import FaultInjector
from clustering.synth.geography import build_geography, build_geolocation, outside_brazil
from clustering.synth.orders import Context, generate_chunk
from clustering.synth.people import expected_gift_order_share
from clustering.synth.plan import make_plan
from clustering.synth.summary import GenerationSummary
from clustering.synth.writer import CsvFile

# Big files re-saved by a spreadsheet tool when faults are requested.
CRLF_BOM_FILES = (t.ORDERS, t.ITEMS)
_SLICE = 100_000


def _rng(ss: np.random.SeedSequence) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(ss))


def _check(scale: float, seed: int, faults: int) -> None:
    if not (isinstance(scale, int | float) and np.isfinite(scale) and scale > 0):
        raise SettingsError(
            f"scale must be a positive number, got {scale!r}; use 1 for the real size"
        )
    if scale > 1000:
        raise SettingsError(f"scale {scale} is too large; at most 1000 is supported")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SettingsError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(faults, bool) or not isinstance(faults, int) or faults < 0:
        raise SettingsError(
            f"faults must be a non-negative integer, got {faults!r}; 0 gives clean data"
        )


def generate(
    out_dir: Path,
    *,
    scale: float = 1.0,
    seed: int = 42,
    faults: int = 0,
    progress: Progress | None = None,
) -> GenerationSummary:
    """Write the nine Olist CSV files into ``out_dir`` and return what was written.

    ``scale`` 1 reproduces the real row counts (business tables scale
    linearly, geolocation with ``min(scale, 1)``, the translation is fixed);
    the same ``(scale, seed, faults)`` always gives byte-identical files.
    ``faults`` > 0 adds that many faulty records of each kind, listed in the
    summary; 0 gives clean data. ``progress`` hears of every chunk of orders
    written.
    """
    _check(scale, seed, faults)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    geo_ss, cat_ss, plan_ss, chunk_ss, tail_ss, fault_ss = np.random.SeedSequence(seed).spawn(6)

    geo = build_geography(_rng(geo_ss))
    catalog = build_catalog(_rng(cat_ss), scale, geo)
    plan = make_plan(_rng(plan_ss), scale)
    share = np.array([ref.CUSTOMER_STATE_PCT[s] for s in geo.states])
    ctx = Context(
        geo=geo,
        catalog=catalog,
        calendar=Calendar.build(expected_gift_order_share()),
        state_p=share / share.sum(),
        remote_state=geo.remote_state,
    )
    crlf = CRLF_BOM_FILES if faults else ()
    files = {
        name: CsvFile(out_dir / name, header, crlf=name in crlf, bom=name in crlf)
        for name, header in t.HEADERS.items()
        if name != t.TRANSLATION
    }
    injector = FaultInjector(_rng(fault_ss), faults)
    used = np.zeros(len(geo.prefix), dtype=bool)
    try:
        for chunk_plan, ss in zip(plan, chunk_ss.spawn(len(plan)), strict=True):
            chunk = generate_chunk(_rng(ss), chunk_plan, ctx, first=chunk_plan.index == 0)
            used[chunk.place] = True
            spreadsheet = injector.spreadsheet_rows(chunk) if chunk_plan.index == 0 else None
            files[t.CUSTOMERS].write_columns(t.customer_columns(chunk, geo, chunk.customer_rows))
            files[t.ORDERS].write_columns(t.order_columns(chunk, chunk.order_rows, spreadsheet))
            files[t.ITEMS].write_columns(t.item_columns(chunk, catalog, chunk.item_rows))
            files[t.PAYMENTS].write_columns(t.payment_columns(chunk, chunk.payment_rows))
            files[t.REVIEWS].write_columns(t.review_columns(chunk, chunk.review_rows))
            if chunk_plan.index == 0:
                injector.remember(chunk)
            if progress:
                progress(f"orders chunk {chunk_plan.index + 1}", chunk_plan.index + 1, len(plan))

        tail = _rng(tail_ss)
        products = np.flatnonzero(catalog.sold)
        products = products[tail.permutation(len(products))]
        for lo in range(0, len(products), _SLICE):  # slices keep formatting memory flat
            files[t.PRODUCTS].write_columns(t.product_columns(catalog, products[lo : lo + _SLICE]))
        sellers = np.unique(catalog.seller[catalog.sold])
        sellers = sellers[tail.permutation(len(sellers))]
        files[t.SELLERS].write_columns(t.seller_columns(catalog, geo, sellers))
        used[catalog.seller_place[sellers]] = True

        small = min(scale, 1.0)
        geoloc = build_geolocation(
            tail,
            geo,
            used,
            n_rows=round(ref.REAL_GEOLOCATION * small),
            n_prefixes=round(ref.REAL_GEO_PREFIXES * small),
            n_outside=max(1, round(ref.GEO_POINTS_OUTSIDE_BRAZIL * small)),
        )
        for lo in range(0, len(geoloc), _SLICE):
            files[t.GEOLOCATION].write_columns(
                t.geolocation_columns(geoloc.slice(lo, lo + _SLICE), geo)
            )

        injector.inject(
            files, catalog=catalog, geo=geo, products=products, sellers=sellers, geoloc=geoloc
        )
    finally:
        for f in files.values():
            f.close()

    with CsvFile(
        out_dir / t.TRANSLATION,
        t.HEADERS[t.TRANSLATION],
        crlf=True,
        bom=True,
        quote_header=False,
        final_newline=False,
    ) as f:
        f.write_records(t.translation_records())

    return GenerationSummary(
        scale=float(scale),
        seed=seed,
        faults=faults,
        rows={name: f.records for name, f in files.items()} | {t.TRANSLATION: f.records},
        injected=injector.injected,
        spreadsheet_date_rows={t.ORDERS: injector.spreadsheet_count} if faults else {},
        crlf_bom_files=list(crlf),
        geolocation_outside_brazil=int(outside_brazil(geoloc.lat, geoloc.lng).sum())
        + injector.outside_brazil_rows,
    )
