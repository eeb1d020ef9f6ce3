"""Vectorised random helpers shared by the generator modules."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def hex_ids(rng: np.random.Generator, n: int, *, as_bytes: bool = False) -> np.ndarray:
    """Return ``n`` random 32-character lowercase hex ids (unicode, or ``S32`` bytes).

    Bytes take a quarter of the memory: the catalogue keeps its ids that way.
    """
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    chars = np.empty((n, 32), dtype=np.uint8)
    chars[:, 0::2] = _HEX[raw >> 4]
    chars[:, 1::2] = _HEX[raw & 15]
    ids = chars.view("S32").ravel()
    return ids if as_bytes else ids.astype("U32")


def draw_from_counts(rng: np.random.Generator, counts: Mapping[int, int], n: int) -> np.ndarray:
    """Draw ``n`` values from the empirical distribution given as ``{value: count}``."""
    values = np.fromiter(counts.keys(), dtype=np.int64)
    weights = np.fromiter(counts.values(), dtype=np.float64)
    return rng.choice(values, size=n, p=weights / weights.sum())


def exact_counts(counts: Mapping[object, float], total: int) -> dict[object, int]:
    """Scale ``counts`` to integers summing to ``total`` (largest-remainder rounding)."""
    keys = list(counts)
    raw = np.array([counts[k] for k in keys], dtype=np.float64)
    if total <= 0 or raw.sum() <= 0:
        return dict.fromkeys(keys, 0)
    share = raw / raw.sum() * total
    base = np.floor(share).astype(np.int64)
    rest = total - int(base.sum())
    order = np.argsort(-(share - base), kind="stable")
    base[order[:rest]] += 1
    return {k: int(v) for k, v in zip(keys, base, strict=True)}


def split_total(rng: np.random.Generator, total: int, sizes: np.ndarray) -> np.ndarray:
    """Split ``total`` events over groups proportionally to ``sizes`` (sums exactly)."""
    sizes = np.asarray(sizes, dtype=np.float64)
    if total <= 0 or sizes.sum() <= 0:
        return np.zeros(len(sizes), dtype=np.int64)
    return rng.multinomial(total, sizes / sizes.sum()).astype(np.int64)


def weighted_pick(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Pick ``k`` distinct indices with probability growing with ``weights``.

    Gumbel top-k: sampling without replacement in one vectorised pass.
    Indices with zero weight are never picked; fewer are returned if needed.
    """
    weights = np.asarray(weights, dtype=np.float64)
    eligible = np.flatnonzero(weights > 0)
    k = min(k, len(eligible))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    keys = np.log(weights[eligible]) + rng.gumbel(size=len(eligible))
    top = np.argpartition(-keys, k - 1)[:k]
    return np.sort(eligible[top])


def assign_by_rank(score: np.ndarray, values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Give the lowest scores the first value, and so on, in exact proportions.

    ``counts`` are relative frequencies of ``values``; the result reproduces
    them exactly (up to rounding) whatever the distribution of ``score``.
    This is how latent traits become calibrated categorical outcomes.
    """
    n = len(score)
    out = np.empty(n, dtype=np.asarray(values).dtype)
    if n == 0:
        return out
    freq = np.asarray(counts, dtype=np.float64)
    bounds = np.round(np.cumsum(freq) / freq.sum() * n).astype(np.int64)
    ranked = np.empty(n, dtype=np.int64)
    ranked[np.argsort(score, kind="stable")] = np.arange(n)
    out[:] = np.asarray(values)[np.searchsorted(bounds, ranked, side="right")]
    return out


def lognormal_by_median(
    rng: np.random.Generator, median: np.ndarray | float, sigma: float, size: int
) -> np.ndarray:
    """Lognormal draws parameterised by their median, which is easier to calibrate."""
    return np.asarray(median) * np.exp(sigma * rng.standard_normal(size))
