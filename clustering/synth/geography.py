"""Zip-code prefixes of Brazil: where they are, who lives there, their geolocation rows.

The universe of 5-digit prefixes is a property of the country, not of the
business, so it does not depend on ``scale``. Each prefix belongs to a city
block of its state's CEP range, has a centre scattered around that city and a
weight (how many online buyers live there). A few "ghost" prefixes are real
places that the geolocation table lacks, as in the real data.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from clustering.synth import reference as ref
from clustering.synth.places import CITIES, REMOTE_STATES, STATE_RANGES
from clustering.synth.writer import quote_codes, quote_text

EARTH_RADIUS_KM = 6371.0
_GHOST_PREFIXES = 170  # distinct prefixes absent from the geolocation table
_PREFIX_WEIGHT_SIGMA = 1.2  # spread of buyers across the prefixes of a city
_POINT_SCATTER_DEG = 0.012  # geolocation points around a prefix centre (about 1 km)
_ACCENTED_SHARE = 0.3  # geolocation rows that spell the city with accents


def plain_name(name: str) -> str:
    """Lowercase without accents, as the customer and seller files write cities."""
    decomposed = unicodedata.normalize("NFKD", name.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def haversine_km(
    lat1: np.ndarray, lng1: np.ndarray, lat2: np.ndarray, lng2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in kilometres between two arrays of points (degrees)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lng2) - np.asarray(lng1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


class StateSampler:
    """Draw items of a given state with probability proportional to a weight."""

    def __init__(self, state_idx: np.ndarray, weights: np.ndarray, n_states: int) -> None:
        self._cum = np.cumsum(weights)
        ends = np.searchsorted(state_idx, np.arange(n_states), side="right")
        starts = np.searchsorted(state_idx, np.arange(n_states), side="left")
        padded = np.concatenate([[0.0], self._cum])
        self._base = padded[starts]
        self._top = padded[ends]
        positive = np.flatnonzero(weights > 0)
        # last positive-weight index of each state guards against rounding at the top
        self._last = positive[np.maximum(np.searchsorted(positive, ends, side="left") - 1, 0)]
        self.available = self._top > self._base

    def draw(self, rng: np.random.Generator, state: np.ndarray) -> np.ndarray:
        """Indices of items, one per requested state (states must be ``available``)."""
        x = self._base[state] + rng.random(len(state)) * (self._top[state] - self._base[state])
        idx = np.searchsorted(self._cum, x, side="right")
        return np.minimum(idx, self._last[state])


@dataclass(frozen=True)
class Geography:
    """All prefixes (in the geolocation table or not), sorted by state then prefix."""

    states: tuple[str, ...]
    prefix: np.ndarray  # int
    state_idx: np.ndarray  # int, index into ``states``
    city: np.ndarray  # str, plain lowercase
    city_accented: np.ndarray  # str, lowercase with accents
    lat: np.ndarray
    lng: np.ndarray
    weight: np.ndarray  # relative number of buyers
    in_geolocation: np.ndarray  # bool
    customer_sampler: StateSampler
    ghost_sampler: StateSampler
    seller_sampler: StateSampler
    seller_ghost_sampler: StateSampler

    @property
    def state_codes(self) -> np.ndarray:
        """Two-letter UF of each prefix."""
        return np.asarray(self.states)[self.state_idx]

    @property
    def remote_state(self) -> np.ndarray:
        """Per state index: is it a far-from-the-sellers state."""
        return np.array([s in REMOTE_STATES for s in self.states])

    def zip_text(self, idx: np.ndarray) -> np.ndarray:
        """5-character zero-padded prefixes as text."""
        return np.char.zfill(self.prefix[idx].astype("U5"), 5)

    @cached_property
    def zip_field(self) -> np.ndarray:
        """Per prefix: the zip field as written (quoted, it starts with a digit)."""
        return quote_codes(self.zip_text(np.arange(len(self.prefix))))

    @cached_property
    def city_field(self) -> np.ndarray:
        """Per prefix: the plain city name field as written."""
        return quote_text(self.city)

    @cached_property
    def city_accented_field(self) -> np.ndarray:
        """Per prefix: the accented city name field as written."""
        return quote_text(self.city_accented)


def build_geography(rng: np.random.Generator) -> Geography:
    """Lay out the prefixes of every state deterministically from ``rng``."""
    states = tuple(ref.CUSTOMER_STATE_PCT)
    share = np.array([ref.CUSTOMER_STATE_PCT[s] for s in states]) / 100.0
    universe = share**0.8
    universe = np.maximum(np.round(universe / universe.sum() * ref.REAL_GEO_PREFIXES * 1.008), 15)
    ghosts = np.maximum(np.round(share**0.5 / (share**0.5).sum() * _GHOST_PREFIXES), 1)

    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("prefix", "state", "city", "acc")}
    cols.update({k: [] for k in ("lat", "lng", "weight", "geo")})
    for s, state in enumerate(states):
        possible = np.concatenate([np.arange(lo, hi + 1) for lo, hi in STATE_RANGES[state]])
        cities = sorted(CITIES[state], key=lambda c: c[4])
        starts = np.array([c[4] for c in cities])
        block = np.maximum(np.searchsorted(starts, possible, side="right") - 1, 0)
        size = np.array([c[3] for c in cities])
        block_len = np.bincount(block, minlength=len(cities))
        n_real, n_ghost = int(universe[s]), int(ghosts[s])
        target = np.minimum(size**0.7 / (size**0.7).sum() * (n_real + n_ghost), 0.9 * block_len)
        target = np.maximum(np.round(target * (n_real + n_ghost) / target.sum()), 1)
        chosen: list[np.ndarray] = []
        for b in range(len(cities)):
            members = possible[block == b]
            k = int(min(target[b], len(members)))
            chosen.append(np.sort(rng.choice(members, size=k, replace=False)))
        pref = np.concatenate(chosen)
        blk = np.searchsorted(starts, pref, side="right") - 1
        blk = np.maximum(blk, 0)
        # trim or pad to the exact number of prefixes for the state
        total = n_real + n_ghost
        if len(pref) > total:
            keep = np.sort(rng.choice(len(pref), size=total, replace=False))
            pref, blk = pref[keep], blk[keep]
        is_geo = np.ones(len(pref), dtype=bool)
        is_geo[rng.choice(len(pref), size=min(n_ghost, len(pref) - 1), replace=False)] = False

        lat0 = np.array([c[1] for c in cities])[blk]
        lng0 = np.array([c[2] for c in cities])[blk]
        metro = size[blk] >= 4
        spread = np.where(metro, 0.08, 0.05 + 0.35 * np.minimum(block_len[blk] / 1000, 1.0))
        lat = lat0 + rng.normal(0, 1, len(pref)) * spread
        lng = lng0 + rng.normal(0, 1, len(pref)) * spread
        per_city = np.bincount(blk, minlength=len(cities))[blk]
        weight = (
            size[blk] / per_city * np.exp(_PREFIX_WEIGHT_SIGMA * rng.standard_normal(len(pref)))
        )
        names = np.array([c[0] for c in cities])[blk]
        cols["prefix"].append(pref)
        cols["state"].append(np.full(len(pref), s))
        cols["city"].append(np.array([plain_name(n) for n in names]))
        cols["acc"].append(np.char.lower(names))
        cols["lat"].append(lat)
        cols["lng"].append(lng)
        cols["weight"].append(weight)
        cols["geo"].append(is_geo)

    prefix = np.concatenate(cols["prefix"])
    state_idx = np.concatenate(cols["state"])
    lat = np.clip(np.concatenate(cols["lat"]), ref.BRAZIL_LAT[0] + 0.3, ref.BRAZIL_LAT[1] - 0.3)
    lng = np.clip(np.concatenate(cols["lng"]), ref.BRAZIL_LNG[0] + 0.3, ref.BRAZIL_LNG[1] - 0.1)
    weight = np.concatenate(cols["weight"])
    geo = np.concatenate(cols["geo"])
    n_states = len(states)
    # Sellers cluster in the big commercial centres more than buyers do.
    seller_weight = weight**1.3
    return Geography(
        states=states,
        prefix=prefix,
        state_idx=state_idx,
        city=np.concatenate(cols["city"]),
        city_accented=np.concatenate(cols["acc"]),
        lat=lat,
        lng=lng,
        weight=weight,
        in_geolocation=geo,
        customer_sampler=StateSampler(state_idx, np.where(geo, weight, 0.0), n_states),
        ghost_sampler=StateSampler(state_idx, np.where(geo, 0.0, 1.0), n_states),
        seller_sampler=StateSampler(state_idx, np.where(geo, seller_weight, 0.0), n_states),
        seller_ghost_sampler=StateSampler(state_idx, np.where(geo, 0.0, weight), n_states),
    )


@dataclass(frozen=True)
class GeolocationRows:
    """Columns of the geolocation file, in file order."""

    place: np.ndarray  # index into the Geography arrays
    lat: np.ndarray
    lng: np.ndarray
    accented: np.ndarray  # bool: spell the city with accents

    def __len__(self) -> int:
        return len(self.place)

    def slice(self, lo: int, hi: int) -> GeolocationRows:
        """Rows ``lo`` to ``hi`` (exclusive)."""
        return GeolocationRows(
            self.place[lo:hi], self.lat[lo:hi], self.lng[lo:hi], self.accented[lo:hi]
        )


def outside_brazil(lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
    """Points outside the box that contains Brazil."""
    return (
        (lat < ref.BRAZIL_LAT[0])
        | (lat > ref.BRAZIL_LAT[1])
        | (lng < ref.BRAZIL_LNG[0])
        | (lng > ref.BRAZIL_LNG[1])
    )


def foreign_points(
    rng: np.random.Generator, lat: np.ndarray, lng: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Move points out of Brazil the way real geocoding errors do.

    Half get the sign of the latitude flipped (a hemisphere mix-up), half land
    in Portugal (a homonymous street found by the geocoder).
    """
    n = len(lat)
    flip = rng.random(n) < 0.5
    new_lat = np.where(flip, np.abs(lat) + 6.0, rng.uniform(37.0, 42.0, n))
    new_lng = np.where(flip, lng, rng.uniform(-9.4, -7.0, n))
    return new_lat, new_lng


def build_geolocation(
    rng: np.random.Generator,
    geo: Geography,
    used: np.ndarray,
    n_rows: int,
    n_prefixes: int,
    n_outside: int,
) -> GeolocationRows:
    """Geolocation points: every used prefix, then others, around each prefix centre.

    ``used`` flags prefixes that customers or sellers live in; they are always
    covered (ghost prefixes never are). About 26 % of rows are exact copies of
    an earlier row of the same prefix, and ``n_outside`` points are moved out
    of the country.
    """
    candidates = geo.in_geolocation
    must = used & candidates
    n_incl = max(int(must.sum()), min(n_prefixes, int(candidates.sum())))
    extra_pool = np.flatnonzero(candidates & ~must)
    n_extra = n_incl - int(must.sum())
    w = geo.weight[extra_pool] ** 0.5
    extra = extra_pool[np.argsort(-(np.log(w) + rng.gumbel(size=len(extra_pool))))[:n_extra]]
    places = np.sort(np.concatenate([np.flatnonzero(must), extra]))
    n_rows = max(n_rows, len(places))
    gw = geo.weight[places] ** 0.7
    per_place = 1 + rng.multinomial(n_rows - len(places), gw / gw.sum())

    place = np.repeat(places, per_place)
    starts = np.repeat(np.cumsum(per_place) - per_place, per_place)
    pos = np.arange(n_rows) - starts
    lat = geo.lat[place] + rng.normal(0, _POINT_SCATTER_DEG, n_rows)
    lng = geo.lng[place] + rng.normal(0, _POINT_SCATTER_DEG, n_rows)
    lat = np.clip(lat, ref.BRAZIL_LAT[0] + 0.01, ref.BRAZIL_LAT[1] - 0.01)
    lng = np.clip(lng, ref.BRAZIL_LNG[0] + 0.01, ref.BRAZIL_LNG[1] - 0.01)
    accented = rng.random(n_rows) < _ACCENTED_SHARE

    # Exact duplicates: copy an earlier row of the same prefix (chains resolved to the root).
    share = ref.REAL_GEO_DUPLICATES / ref.REAL_GEOLOCATION
    non_first = np.flatnonzero(pos > 0)
    n_dup = min(round(share * n_rows), len(non_first))
    dup = np.sort(rng.choice(non_first, size=n_dup, replace=False))
    src = np.arange(n_rows)
    src[dup] = starts[dup] + (rng.random(n_dup) * pos[dup]).astype(np.int64)
    root = src.copy()
    while True:
        nxt = src[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    lat, lng, accented = lat[root], lng[root], accented[root]

    # Points outside Brazil, chosen among rows that nothing copies.
    if n_outside > 0:
        copied = np.zeros(n_rows, dtype=bool)
        copied[root[dup]] = True
        pool = np.flatnonzero(~copied & (root == np.arange(n_rows)))
        moved = rng.choice(pool, size=min(n_outside, len(pool)), replace=False)
        lat[moved], lng[moved] = foreign_points(rng, lat[moved], lng[moved])

    # File order: roughly by prefix block, shuffled inside a block, like the real file.
    order = np.lexsort((rng.random(n_rows), geo.prefix[place] // 100))
    return GeolocationRows(
        place=place[order], lat=lat[order], lng=lng[order], accented=accented[order]
    )
