"""Segment names from profiles, and carrying names over a refit.

Names are made by rules from each segment's numbers, never typed per
cluster id. A name reads "<recency> <value> <buyer type>, <up to two
qualifiers>", e.g. "Recent big-spending one-time buyers, unhappy".

The rules (differences are in robust spreads from the average customer, see
profiles.SegmentProfile.differences):

| part       | rule                                             | words                   |
|------------|--------------------------------------------------|-------------------------|
| buyer type | share of repeat buyers >= 50 %                   | repeat buyers           |
|            | otherwise                                        | one-time buyers         |
| recency    | days since last order <= -NOTABLE / >= +NOTABLE  | recent / lapsed         |
| value      | total spend <= -NOTABLE / >= +NOTABLE            | low-spending / big-spending |
| qualifiers, strongest difference first, at most two:                               |
|            | review score <= -STRONG                          | unhappy                 |
|            | review score >= +NOTABLE / 4.5 and above mean    | satisfied               |
|            | share of late deliveries >= LATE_SHARE           | hit by late deliveries  |
|            | days to deliver >= +STRONG / <= -STRONG          | slow / fast deliveries  |
|            | distance >= +STRONG / <= -STRONG                 | far from / near sellers |
|            | freight share >= +STRONG / <= -STRONG            | freight-heavy / freight-light |
|            | instalments >= +STRONG / <= -STRONG              | instalment payers / pay upfront |

When two segments would get the same name, the next qualifier is added, and
as a last resort the segment id.

On a refit, `match_segments` pairs new segments with the previous model's by
their members (Hungarian assignment maximising the Jaccard index of the two
member sets); a pair at or above the carry-over threshold keeps the old id
and name, anything else is a new segment with a new id and a fresh name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from clustering.profiles import SegmentProfile

NOTABLE = 0.4  # robust spreads: a difference a marketer would notice
STRONG = 0.6  # a difference that defines the segment
LATE_SHARE = 0.3  # share of late deliveries that makes lateness the story
SATISFIED_MEAN = 4.5  # average review score (of 5) that reads as "satisfied"

# (feature, direction, threshold on the difference, words). Order breaks ties.
QUALIFIER_RULES: tuple[tuple[str, int, float, str], ...] = (
    ("avg_review_score", -1, STRONG, "unhappy"),
    ("avg_days_to_deliver", +1, STRONG, "slow deliveries"),
    ("avg_days_to_deliver", -1, STRONG, "fast deliveries"),
    ("avg_distance_km", +1, STRONG, "far from sellers"),
    ("avg_distance_km", -1, STRONG, "near their sellers"),
    ("freight_share", +1, STRONG, "freight-heavy"),
    ("freight_share", -1, STRONG, "freight-light"),
    ("avg_installments", +1, STRONG, "instalment payers"),
    ("avg_installments", -1, STRONG, "pay upfront"),
)


def qualifiers(profile: SegmentProfile) -> list[str]:
    """Qualifier words that apply, strongest first."""
    found: list[tuple[float, int, str]] = []
    for order, (name, direction, threshold, words) in enumerate(QUALIFIER_RULES):
        difference = direction * profile.differences[name]
        if difference >= threshold:
            found.append((difference, order, words))
    late = profile.means["share_late_deliveries"]
    if late >= LATE_SHARE:
        # Lateness is a share, not a spread: rank it by how far past the bar it is.
        found.append((STRONG + late, -1, "hit by late deliveries"))
    review = profile.differences["avg_review_score"]
    if review >= NOTABLE or (profile.means["avg_review_score"] >= SATISFIED_MEAN and review > 0):
        found.append((max(review, NOTABLE), len(QUALIFIER_RULES), "satisfied"))
    return [words for _, _, words in sorted(found, key=lambda item: (-item[0], item[1]))]


def base_name(profile: SegmentProfile) -> str:
    """Recency, value and buyer type: the first half of a name."""
    buyer = "repeat buyers" if profile.share_repeat_buyers >= 0.5 else "one-time buyers"
    words = []
    recency = profile.differences["days_since_last_order"]
    if recency <= -NOTABLE:
        words.append("recent")
    elif recency >= NOTABLE:
        words.append("lapsed")
    spend = profile.differences["total_spend_brl"]
    if spend >= NOTABLE:
        words.append("big-spending")
    elif spend <= -NOTABLE:
        words.append("low-spending")
    words.append(buyer)
    return " ".join(words)


def _compose(base: str, extra: list[str]) -> str:
    text = base + (", " + ", ".join(extra) if extra else "")
    return text[0].upper() + text[1:]


def name_segments(
    profiles: list[SegmentProfile], taken: dict[int, str] | None = None
) -> dict[int, str]:
    """A unique name for every profile's segment id.

    `taken` maps ids whose names are already fixed (carried over from the
    previous model); those are kept and the other names avoid them."""
    names = dict(taken or {})
    pending = [profile for profile in profiles if profile.segment_id not in names]
    options = {profile.segment_id: qualifiers(profile) for profile in pending}
    depth = {profile.segment_id: min(2, len(options[profile.segment_id])) for profile in pending}
    while True:
        proposed = {
            profile.segment_id: _compose(
                base_name(profile), options[profile.segment_id][: depth[profile.segment_id]]
            )
            for profile in pending
        }
        used = list(names.values()) + list(proposed.values())
        clashes = {sid for sid, name in proposed.items() if used.count(name) > 1}
        growable = {sid for sid in clashes if depth[sid] < len(options[sid])}
        if not growable:
            break
        for sid in growable:
            depth[sid] += 1
    for sid in sorted(proposed):
        name = proposed[sid]
        if name in names.values() or list(proposed.values()).count(name) > 1:
            name = f"{name} (segment {sid})"
        names[sid] = name
    return names


@dataclass(frozen=True)
class SegmentMatch:
    """How one new segment relates to the previous model's segments."""

    label: int  # the new model's cluster label
    previous_segment_id: int | None
    jaccard: float
    is_carried_over: bool


def match_segments(
    new_labels: np.ndarray, previous_ids: np.ndarray, threshold: float
) -> list[SegmentMatch]:
    """Pair the new model's labels with the previous model's segment ids.

    Both arrays label the same customers (the current data, scored by each
    model). The Hungarian algorithm picks the one-to-one pairing with the
    largest total Jaccard index; pairs below `threshold` are not carried over.
    """
    new_values = np.unique(new_labels)
    old_values = np.unique(previous_ids)
    new_index = np.searchsorted(new_values, new_labels)
    old_index = np.searchsorted(old_values, previous_ids)
    overlap = np.zeros((len(new_values), len(old_values)))
    np.add.at(overlap, (new_index, old_index), 1)
    sizes_new = overlap.sum(axis=1, keepdims=True)
    sizes_old = overlap.sum(axis=0, keepdims=True)
    jaccard = overlap / (sizes_new + sizes_old - overlap)
    rows, columns = linear_sum_assignment(-jaccard)
    paired = dict(zip(rows.tolist(), columns.tolist(), strict=True))
    matches = []
    for row, label in enumerate(new_values.tolist()):
        if row in paired:
            score = float(jaccard[row, paired[row]])
            previous = int(old_values[paired[row]])
            matches.append(SegmentMatch(label, previous, score, score >= threshold))
        else:
            matches.append(SegmentMatch(label, None, 0.0, False))
    return matches
