"""Audiences: each segment split by where its members are in their life as
customers, with the action that fits that part.

A segment's card action (clustering.ml.cards) reads the segment as a whole;
but most of a segment bought months ago and a "within 30 days of delivery"
action fits only its recent buyers. Every customer gets a lifecycle stage
from recency and the value model's P(alive):

- recent: bought in the last RECENT_DAYS days (delivery and the weeks after);
- likely_active: older, but P(alive) >= LIKELY_ACTIVE;
- lapsed: older and P(alive) below that.

The rules below choose each (segment, stage) audience's action, first match
wins, each with its reason in numbers. Fixing a bad experience comes first
whatever the stage; otherwise the segment's own action is kept where its
moment fits the stage (a cross-sell for recent buyers, a win-back for lapsed
ones) and replaced where it does not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.ml.value import LIKELY_ACTIVE

RECENT_DAYS = 45
STAGES: tuple[str, ...] = ("recent", "likely_active", "lapsed")

# Card actions (clustering.ml.cards.ACTION_RULES keys) by what they are for.
EXPERIENCE_ACTIONS = frozenset({"service_recovery", "quality_follow_up"})
WIN_BACK_ACTIONS = frozenset({"repeat_win_back", "big_spender_win_back", "low_cost_reactivation"})

# A lapsed audience worth at least this multiple of the average customer's
# expected 6-month value is worth paid media.
PAID_WIN_BACK_MULTIPLE = 2.0


def lifecycle_stage(days_since_last_purchase: np.ndarray, p_alive: np.ndarray) -> pd.Categorical:
    """recent, likely_active or lapsed, per customer (a categorical: a million
    customers' stages without a million strings)."""
    codes = np.where(
        days_since_last_purchase <= RECENT_DAYS, 0, np.where(p_alive >= LIKELY_ACTIVE, 1, 2)
    )
    return pd.Categorical.from_codes(codes, categories=STAGES)


@dataclass(frozen=True)
class Audience:
    """One (segment, stage) part, as the rules read it."""

    stage: str
    segment_action_key: str
    segment_action: str
    segment_reason: str
    count_customers: int
    share_of_segment: float
    avg_p_alive: float
    avg_days_since_last_purchase: float
    avg_expected_value_6m_brl: float
    population_avg_expected_value_6m_brl: float

    @property
    def value_multiple(self) -> float:
        base = self.population_avg_expected_value_6m_brl
        return self.avg_expected_value_6m_brl / base if base > 0 else float("nan")


@dataclass(frozen=True)
class AudienceRule:
    """When `applies` holds, recommend `action` (None: the segment's own)
    because of `reason`, a text built from the audience's numbers."""

    key: str
    applies: Callable[[Audience], bool]
    action: str | None
    reason: Callable[[Audience], str]


def _facts(a: Audience) -> str:
    return (
        f"{a.share_of_segment:.0%} of the segment ({a.count_customers:,} customers), "
        f"last purchase {a.avg_days_since_last_purchase:.0f} days ago on average, "
        f"P(alive) {a.avg_p_alive:.2f}, R$ {a.avg_expected_value_6m_brl:,.2f} expected "
        f"over 6 months each ({a.value_multiple:.1f}x the average customer)"
    )


AUDIENCE_RULES: tuple[AudienceRule, ...] = (
    AudienceRule(
        "fix_experience",
        lambda a: a.segment_action_key in EXPERIENCE_ACTIONS,
        None,
        lambda a: (
            f"{a.segment_reason} Whatever their recency, fixing the experience "
            f"comes first: {_facts(a)}."
        ),
    ),
    AudienceRule(
        "segment_action_now",
        lambda a: a.stage == "recent" and a.segment_action_key not in WIN_BACK_ACTIONS,
        None,
        lambda a: (
            f"{a.segment_reason} They bought in the last {RECENT_DAYS} days, the "
            f"moment this action is made for: {_facts(a)}."
        ),
    ),
    AudienceRule(
        "cross_sell",
        lambda a: a.stage == "recent",
        "Cross-sell within 30 days of delivery: complementary products from their last "
        "category, by e-mail and on site.",
        lambda a: (
            f"They bought in the last {RECENT_DAYS} days, so a win-back is premature; "
            f"the best moment for a second purchase is shortly after the first: {_facts(a)}."
        ),
    ),
    AudienceRule(
        "reminder",
        lambda a: a.stage == "likely_active",
        "Reminder with personalised recommendations by e-mail and push, without a discount.",
        lambda a: (
            f"Quiet for more than {RECENT_DAYS} days but likely still customers "
            f"(P(alive) >= {LIKELY_ACTIVE}): a nudge before they lapse; a discount would pay "
            f"them for what they would buy anyway: {_facts(a)}."
        ),
    ),
    AudienceRule(
        "segment_win_back",
        lambda a: a.stage == "lapsed" and a.segment_action_key in WIN_BACK_ACTIONS,
        None,
        lambda a: f"{a.segment_reason} The model agrees they have probably lapsed: {_facts(a)}.",
    ),
    AudienceRule(
        "paid_win_back",
        lambda a: a.stage == "lapsed" and a.value_multiple >= PAID_WIN_BACK_MULTIPLE,
        "Win-back with a time-limited coupon by e-mail and retargeting (paid media).",
        lambda a: (
            f"Probably lapsed, but worth at least {PAID_WIN_BACK_MULTIPLE:.0f}x the "
            f"average customer: worth paying to reach: {_facts(a)}."
        ),
    ),
    AudienceRule(
        "low_cost_win_back",
        lambda a: True,
        "Low-cost win-back by e-mail only (a seasonal newsletter of best sellers); keep "
        "them out of paid media.",
        lambda a: (
            f"Probably lapsed (P(alive) < {LIKELY_ACTIVE}) and worth little over the "
            f"next 6 months: contact them cheaply: {_facts(a)}."
        ),
    ),
)


def audience_action(audience: Audience) -> tuple[str, str, str]:
    """(rule key, action, reason) of the first rule that applies (the last always does)."""
    rule = next(rule for rule in AUDIENCE_RULES if rule.applies(audience))
    return rule.key, rule.action or audience.segment_action, rule.reason(audience)
