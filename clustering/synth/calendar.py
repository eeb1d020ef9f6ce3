"""The purchase timeline: daily order volumes from September 2016 to October 2018.

Monthly totals come from the real data; inside a month, days follow a
weekday pattern and the trend towards the next month, with the launch burst of
October 2016, the Black Friday peak of 24 November 2017 and the thin tail of
September-October 2018 (the real extract stops at the end of August 2018).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clustering.synth import reference as ref

# Monday .. Sunday: marketplaces sell more early in the week.
_WEEKDAY = np.array([1.14, 1.12, 1.07, 1.04, 0.98, 0.80, 0.85])
SECONDS_PER_DAY = 86_400

# Days of a few special months that hold the orders (others use every day).
_ACTIVE_DAYS: dict[str, tuple[int, int]] = {
    "2016-09": (4, 15),
    "2016-12": (23, 23),
    "2018-08": (1, 29),
    "2018-10": (1, 16),
}
# Gift buyers: Black Friday week, the run-up to Christmas and Mother's Day 2018.
_GIFT_WINDOWS: tuple[tuple[str, str, float], ...] = (
    ("2017-11-20", "2017-11-28", 4.0),
    ("2017-11-29", "2017-12-22", 1.0),
    ("2018-04-30", "2018-05-12", 0.5),
)
# Last day of regular trading: later orders are the canceled tail.
MAIN_END = np.datetime64("2018-08-29T23:59:59", "s")
FIRST_DAY = np.datetime64("2016-09-01", "D")


def _month_days(month: str) -> np.ndarray:
    start = np.datetime64(month, "M")
    return np.arange(start.astype("datetime64[D]"), (start + 1).astype("datetime64[D]"))


def _daily_counts() -> tuple[np.ndarray, np.ndarray]:
    """Expected orders per day at scale 1, summing to the monthly reference."""
    days_all: list[np.ndarray] = []
    counts_all: list[np.ndarray] = []
    months = list(ref.ORDERS_PER_MONTH)
    for i, month in enumerate(months):
        total = ref.ORDERS_PER_MONTH[month]
        days = _month_days(month)
        w = _WEEKDAY[(days.astype("int64") - 4) % 7].copy()  # 1970-01-05 was a Monday
        lo, hi = _ACTIVE_DAYS.get(month, (1, len(days)))
        dom = np.arange(1, len(days) + 1)
        w[(dom < lo) | (dom > hi)] = 0.0
        # Trend towards the next month so month boundaries are not steps.
        nxt = ref.ORDERS_PER_MONTH[months[i + 1]] if i + 1 < len(months) else total
        if total > 100 and nxt > 100:
            w *= 1.0 + 0.5 * (nxt / total - 1.0) * (dom - 0.5) / len(days)
        if month == "2016-10":
            w[(dom >= 3) & (dom <= 10)] *= 12.0  # launch burst
        counts = np.zeros(len(days))
        if total > 0:
            if month == "2017-11":
                # Black Friday and the weekend after it are set explicitly.
                peak = {24: ref.BLACK_FRIDAY_ORDERS, 25: 499, 26: 391, 27: 403}
                fixed = np.isin(dom, list(peak))
                w[fixed] = 0.0
                w[(dom >= 20) & (dom <= 23)] *= 1.25
                counts = w / w.sum() * (total - sum(peak.values()))
                for d, c in peak.items():
                    counts[d - 1] = c
            else:
                counts = w / w.sum() * total
        days_all.append(days)
        counts_all.append(counts)
    return np.concatenate(days_all), np.concatenate(counts_all)


@dataclass(frozen=True)
class Calendar:
    """Daily purchase densities for regular buyers and for gift buyers."""

    days: np.ndarray  # datetime64[D]
    expected: np.ndarray  # expected orders per day at scale 1
    regular_cdf: np.ndarray
    gift_cdf: np.ndarray

    @classmethod
    def build(cls, gift_order_share: float) -> Calendar:
        """Split the reference timeline between gift buyers and everyone else.

        Gift buyers take ``gift_order_share`` of all orders inside their
        seasonal windows; regular buyers get what is left, so the sum of the
        two still follows the reference timeline.
        """
        days, expected = _daily_counts()
        gift = np.zeros_like(expected)
        for start, end, boost in _GIFT_WINDOWS:
            mask = (days >= np.datetime64(start)) & (days <= np.datetime64(end))
            gift[mask] += expected[mask] * boost
        gift_total = gift_order_share * expected.sum()
        gift *= gift_total / gift.sum()
        regular = np.maximum(expected - gift, 0.05 * expected)
        return cls(
            days=days,
            expected=expected,
            regular_cdf=np.cumsum(regular) / regular.sum(),
            gift_cdf=np.cumsum(gift) / gift.sum(),
        )

    def sample(self, rng: np.random.Generator, is_gift: np.ndarray) -> np.ndarray:
        """Purchase timestamps (datetime64[s]) for people, gift buyers from their windows."""
        n = len(is_gift)
        u = rng.random(n)
        idx = np.where(
            is_gift,
            np.searchsorted(self.gift_cdf, u, side="right"),
            np.searchsorted(self.regular_cdf, u, side="right"),
        )
        idx = np.minimum(idx, len(self.days) - 1)
        day = self.days[idx].astype("datetime64[s]")
        return day + time_of_day(rng, n)


def time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds after midnight following the hourly purchase pattern."""
    hw = np.asarray(ref.HOUR_WEIGHTS)
    hour = rng.choice(24, size=n, p=hw / hw.sum())
    return (hour * 3600 + rng.integers(0, 3600, size=n)).astype("timedelta64[s]")
