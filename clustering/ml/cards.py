"""Segment cards: who they are, what they are worth, how they differ, what to do.

All text is generated from a segment's numbers by the rules below; nothing is
written per cluster id. The action rules are checked in order and the first
that applies wins, so a segment that is both unhappy and big-spending gets the
service-recovery action: fixing the experience comes before selling more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clustering.ml.features import feature
from clustering.ml.naming import LATE_SHARE, NOTABLE, STRONG, known
from clustering.ml.profiling import SegmentProfile


@dataclass(frozen=True)
class ActionRule:
    """When `applies` holds for a profile, recommend `action` because `reason`."""

    key: str
    applies: Callable[[SegmentProfile], bool]
    action: str
    reason: str


def _diff(profile: SegmentProfile, name: str) -> float:
    """The segment's difference on a feature; 0 (no evidence) when the model
    left the feature out or most members have no value for it."""
    return profile.differences[name] if known(profile, name) else 0.0


def _is_repeat(profile: SegmentProfile) -> bool:
    return profile.share_repeat_buyers >= 0.5


ACTION_RULES: tuple[ActionRule, ...] = (
    ActionRule(
        "service_recovery",
        lambda p: (
            _diff(p, "avg_review_score") <= -STRONG
            and known(p, "share_late_deliveries")
            and p.share_with_late_delivery >= LATE_SHARE
        ),
        "Service recovery: a personal apology and a free-shipping voucher for the next "
        "order; report their sellers' late shipments to seller operations.",
        "They rated us low after late deliveries. A discount campaign would not fix the "
        "cause; acknowledging the delay and removing the shipping risk next time does.",
    ),
    ActionRule(
        "quality_follow_up",
        lambda p: _diff(p, "avg_review_score") <= -STRONG,
        "Ask for feedback (short survey, customer-care call for big baskets) and hold "
        "promotional pushes for 30 days; route the complaints to seller quality.",
        "They are unhappy although deliveries were mostly on time, which points at the "
        "product or the seller; selling more before fixing that breeds churn.",
    ),
    ActionRule(
        "loyalty",
        lambda p: _is_repeat(p) and _diff(p, "days_since_last_order") < NOTABLE,
        "Loyalty treatment: early access to sales, member prices and category "
        "recommendations from their past orders.",
        "They already came back at least once and are not lapsing: keep them close; "
        "they are the few percent who carry repeat revenue.",
    ),
    ActionRule(
        "repeat_win_back",
        _is_repeat,
        "Win-back: personalised recommendations from their favourite categories with a "
        "time-limited coupon.",
        "Proven repeat buyers who have gone quiet are the cheapest customers to reactivate.",
    ),
    ActionRule(
        "big_spender_win_back",
        lambda p: (
            _diff(p, "total_spend_brl") >= NOTABLE and _diff(p, "days_since_last_order") >= NOTABLE
        ),
        "Win-back with a personal offer in their top category, by e-mail and retargeting.",
        "They spent well but long ago: worth a paid channel, unlike lapsed low-value customers.",
    ),
    ActionRule(
        "premium_cross_sell",
        lambda p: (
            _diff(p, "total_spend_brl") >= NOTABLE and _diff(p, "avg_review_score") > -NOTABLE
        ),
        "Cross-sell complementary, higher-priced products within 30 days of delivery; "
        "offer interest-free instalments.",
        "High basket value and no sign of dissatisfaction: the best moment to turn a "
        "first purchase into a second is shortly after a good one.",
    ),
    ActionRule(
        "free_shipping",
        lambda p: _diff(p, "freight_share") >= STRONG or _diff(p, "avg_distance_km") >= STRONG,
        "Free-shipping threshold campaign (free freight above a basket value) and "
        "recommendations from sellers in their region.",
        "Freight weighs on them: it is a large share of what they pay, or they live far "
        "from the sellers, where freight is dearest. Removing it changes their decision "
        "more than a price discount.",
    ),
    ActionRule(
        "low_cost_reactivation",
        lambda p: (
            _diff(p, "days_since_last_order") >= NOTABLE and _diff(p, "total_spend_brl") < NOTABLE
        ),
        "Low-cost reactivation by e-mail only (no paid media): a seasonal newsletter with "
        "best sellers in their last category.",
        "They bought long ago and spent little: contact them cheaply and keep paid "
        "channels for segments that pay back.",
    ),
    ActionRule(
        "second_purchase",
        lambda p: True,
        "Second-purchase nudge: a small welcome-back coupon two to four weeks after delivery.",
        "97 % of Olist customers never order twice; converting a first order into a "
        "second is the largest lever for an average customer.",
    ),
)


def action_for(profile: SegmentProfile) -> ActionRule:
    """The first action rule that applies (the last one always does)."""
    return next(rule for rule in ACTION_RULES if rule.applies(profile))


def _format_value(name: str, value: float) -> str:
    if name in {"share_late_deliveries", "freight_share"}:
        return f"{value:.0%}"
    if name in {"total_spend_brl"}:
        return f"R$ {value:,.0f}"
    if name in {"count_orders", "avg_review_score", "avg_installments"}:
        return f"{value:.1f}"
    return f"{value:,.0f}"


def differences_text(
    profile: SegmentProfile, population_means: dict[str, float], count: int = 3
) -> str:
    """The `count` model features that differ most from the average customer, in words."""
    ranked = sorted(
        (name for name in profile.features if known(profile, name)),
        key=lambda name: -abs(profile.differences[name]),
    )
    parts = []
    for name in ranked[:count]:
        difference = profile.differences[name]
        if abs(difference) < 0.1:
            continue
        spec = feature(name)
        strength = "much " if abs(difference) >= STRONG else ""
        direction = "higher" if difference > 0 else "lower"
        parts.append(
            f"{spec.label} {strength}{direction} than average "
            f"({_format_value(name, profile.means[name])} vs "
            f"{_format_value(name, population_means[name])})"
        )
    return "; ".join(parts) if parts else "close to the average customer on every feature"


def description_text(profile: SegmentProfile) -> str:
    """Who they are, how many, what they are worth (the experience figures only
    for the model's features that most members have a value for)."""
    medians = profile.medians
    means = profile.means
    facts = [
        f"{profile.count_customers:,} customers ({profile.share_customers:.1%} of all) "
        f"bringing {profile.revenue_share:.1%} of revenue, R$ {profile.avg_spend_brl:,.0f} "
        f"each on average; {profile.share_repeat_buyers:.0%} ordered more than once."
    ]
    experience = []
    if known(profile, "days_since_last_order"):
        experience.append(
            f"Median {medians['days_since_last_order']:.0f} days since the last order"
        )
    if known(profile, "avg_review_score"):
        experience.append(f"average review {means['avg_review_score']:.1f} of 5")
    if known(profile, "share_late_deliveries"):
        experience.append(f"{means['share_late_deliveries']:.0%} of deliveries late")
    if known(profile, "avg_distance_km"):
        experience.append(f"median {medians['avg_distance_km']:,.0f} km from the seller")
    if experience:
        text = ", ".join(experience)
        facts.append(text[0].upper() + text[1:] + ".")
    facts.append(f"Most common RFM group: {profile.dominant_rfm_group.replace('_', ' ')}.")
    return " ".join(facts)
