"""Segment names from profiles, and carrying names over a refit.

Names are made by rules from each segment's numbers, never typed per
cluster id. A name reads "<recency> <value> <buyer type>, <up to two
qualifiers>", e.g. "Recent big-spending one-time buyers, unhappy".

The rules (differences are in robust spreads from the average customer, see
profiles.SegmentProfile.differences). A word is claimed only when the segment
differs enough on average AND the trait holds for most of its members
(more than half of those with a value), and only from the model's own
features known for at least half of the segment's members:

| part       | rule (segment difference; and most members ...)  | words                   |
|------------|--------------------------------------------------|-------------------------|
| buyer type | share of repeat buyers >= 50 %                   | repeat buyers           |
|            | otherwise                                        | one-time buyers         |
| recency    | days since last order <= -NOTABLE / >= +NOTABLE; | recent / lapsed         |
|            | below / above the population median              |                         |
| value      | total spend >= +NOTABLE / <= -NOTABLE; above /   | big-spending / low-spending |
|            | below the population median                      |                         |
| qualifiers, strongest difference first, at most two:                               |
|            | review score <= -STRONG; average <= 2 of 5       | unhappy                 |
|            | review score >= +NOTABLE, or a 4.5 mean above    | satisfied               |
|            | average; average >= 4 of 5                       |                         |
|            | most members had a late delivery                 | hit by late deliveries  |
|            | days to deliver >= +STRONG / <= -STRONG          | slow / fast deliveries  |
|            | distance >= +STRONG / <= -STRONG                 | far from / near sellers |
|            | freight share >= +STRONG / <= -STRONG            | freight-heavy / freight-light |
|            | instalments >= +STRONG / <= -STRONG              | instalment payers / pay upfront |
|            | (these four: above / below the population median)|                         |

When two segments would get the same name, the next qualifier is added; if
they still clash, the feature on which they differ most tells them apart in
comparative words ("higher spend" / "lower spend"), which hold between the
two by construction. Only segments identical on every feature (which a
fitted model does not produce) fall back to the segment id.

On a refit, `match_segments` pairs new segments with the previous model's by
their members (Hungarian assignment maximising the Jaccard index of the two
member sets); a pair at or above the carry-over threshold keeps the old id
and name, anything else is a new segment with a new id and a fresh name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from clustering.ml.profiling import SegmentProfile

NOTABLE = 0.4  # robust spreads: a difference a marketer would notice
STRONG = 0.6  # a difference that defines the segment
LATE_SHARE = 0.3  # share of late deliveries that makes lateness the story
SATISFIED_MEAN = 4.5  # average review score (of 5) that reads as "satisfied"
MOST = 0.5  # a trait is claimed when it holds for more than this share of members
# A feature known for fewer than this share of a segment's members makes no claim.
MIN_SEGMENT_COVERAGE = 0.5

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


def known(profile: SegmentProfile, name: str) -> bool:
    """Whether the model has this feature and most members have a value for it."""
    if name not in profile.differences:
        return False
    count = profile.count_with_value.get(name, profile.count_customers)
    return count >= MIN_SEGMENT_COVERAGE * profile.count_customers and count > 0


def _most(share: float) -> bool:
    # NaN (no member with a value) is never "most".
    return share > MOST


def _holds(profile: SegmentProfile, name: str, direction: int) -> bool:
    """Most members are on this side of the population median."""
    shares = profile.share_above if direction > 0 else profile.share_below
    return _most(shares.get(name, float("nan")))


def qualifiers(profile: SegmentProfile) -> list[str]:
    """Qualifier words that apply, strongest first."""
    found: list[tuple[float, int, str]] = []
    for order, (name, direction, threshold, words) in enumerate(QUALIFIER_RULES):
        if not known(profile, name):
            continue
        difference = direction * profile.differences[name]
        if name == "avg_review_score":
            holds = _most(profile.share_unhappy)
        else:
            holds = _holds(profile, name, direction)
        if difference >= threshold and holds:
            found.append((difference, order, words))
    if known(profile, "share_late_deliveries") and _most(profile.share_with_late_delivery):
        # Lateness is a share of members, not a spread: rank it by how far past
        # half of the segment it is.
        found.append((STRONG + profile.share_with_late_delivery, -1, "hit by late deliveries"))
    if known(profile, "avg_review_score") and _most(profile.share_satisfied):
        review = profile.differences["avg_review_score"]
        high_mean = profile.means["avg_review_score"] >= SATISFIED_MEAN
        if review >= NOTABLE or (high_mean and review > 0):
            found.append((max(review, NOTABLE), len(QUALIFIER_RULES), "satisfied"))
    return [words for _, _, words in sorted(found, key=lambda item: (-item[0], item[1]))]


def base_name(profile: SegmentProfile) -> str:
    """Recency, value and buyer type: the first half of a name."""
    buyer = "repeat buyers" if profile.share_repeat_buyers >= 0.5 else "one-time buyers"
    words = []
    if known(profile, "days_since_last_order"):
        recency = profile.differences["days_since_last_order"]
        if recency <= -NOTABLE and _holds(profile, "days_since_last_order", -1):
            words.append("recent")
        elif recency >= NOTABLE and _holds(profile, "days_since_last_order", +1):
            words.append("lapsed")
    if known(profile, "total_spend_brl"):
        spend = profile.differences["total_spend_brl"]
        if spend >= NOTABLE and _holds(profile, "total_spend_brl", +1):
            words.append("big-spending")
        elif spend <= -NOTABLE and _holds(profile, "total_spend_brl", -1):
            words.append("low-spending")
    words.append(buyer)
    return " ".join(words)


# Comparative words that tell two otherwise equally named segments apart:
# (for the segment higher on the feature, for the one lower on it).
COMPARATIVES: dict[str, tuple[str, str]] = {
    "days_since_last_order": ("less recent", "more recent"),
    "count_orders": ("more orders", "fewer orders"),
    "total_spend_brl": ("higher spend", "lower spend"),
    "avg_review_score": ("better reviews", "worse reviews"),
    "share_late_deliveries": ("more late deliveries", "fewer late deliveries"),
    "avg_days_to_deliver": ("slower deliveries", "faster deliveries"),
    "avg_distance_km": ("farther from sellers", "nearer their sellers"),
    "freight_share": ("higher freight share", "lower freight share"),
    "avg_installments": ("more instalments", "fewer instalments"),
}


def _separate(group: list[SegmentProfile], used: frozenset[str]) -> dict[int, list[str]]:
    """Comparative words that make the names of `group` (same name so far) distinct.

    The feature on which the group's segments differ most names the highest
    and the lowest; the ones between keep trying with the next feature."""
    if len(group) < 2:
        return {}
    candidates = [
        name
        for name in group[0].features
        if name in COMPARATIVES
        and name not in used
        and all(known(profile, name) for profile in group)
    ]
    if not candidates:
        return {}
    spread = {
        name: max(p.differences[name] for p in group) - min(p.differences[name] for p in group)
        for name in candidates
    }
    best = max(candidates, key=lambda name: (spread[name], -candidates.index(name)))
    if not spread[best] > 0:
        return {}
    ranked = sorted(group, key=lambda p: (p.differences[best], p.segment_id))
    higher, lower = COMPARATIVES[best]
    words = {ranked[-1].segment_id: [higher], ranked[0].segment_id: [lower]}
    middle = ranked[1:-1]
    if len(middle) > 1:
        for segment_id, extra in _separate(middle, used | {best}).items():
            words.setdefault(segment_id, []).extend(extra)
    return words


def _compose(base: str, extra: list[str]) -> str:
    text = base + (", " + ", ".join(extra) if extra else "")
    return text[0].upper() + text[1:]


def _vocabulary() -> tuple[str, ...]:
    """Every word a generated name can claim, longest first (so "low-spending"
    is found before a shorter word inside it)."""
    words = {"recent", "lapsed", "big-spending", "low-spending", "repeat buyers"}
    words |= {"one-time buyers", "hit by late deliveries", "satisfied"}
    words |= {rule[3] for rule in QUALIFIER_RULES}
    return tuple(sorted(words, key=lambda word: (-len(word), word)))


VOCABULARY = _vocabulary()


def claimed_words(name: str) -> set[str]:
    """The generated words a name claims (comparative words, which compare two
    segments, and words typed by a person are not claims of this kind)."""
    text = name.lower()
    found = set()
    for word in VOCABULARY:
        if word in text:
            found.add(word)
            text = text.replace(word, " ")
    return found


def still_true(name: str, profile: SegmentProfile) -> bool:
    """Whether every word `name` claims still holds for the segment's numbers
    (a carried-over name is kept only then)."""
    supported = set(qualifiers(profile))
    base = base_name(profile)
    for word in ("recent", "lapsed", "big-spending", "low-spending"):
        if word in base.split():
            supported.add(word)
    supported.add("repeat buyers" if "repeat buyers" in base else "one-time buyers")
    return claimed_words(name) <= supported


def name_segments(
    profiles: list[SegmentProfile], taken: dict[int, str] | None = None
) -> dict[int, str]:
    """A unique name for every profile's segment id.

    `taken` maps ids whose names were fixed before (carried over from the
    previous model); a name whose words still hold for the segment is kept and
    the other names avoid it, one that no longer holds is made anew."""
    by_id = {profile.segment_id: profile for profile in profiles}
    names = {
        sid: name
        for sid, name in (taken or {}).items()
        if sid not in by_id or still_true(name, by_id[sid])
    }
    pending = [profile for profile in profiles if profile.segment_id not in names]
    options = {profile.segment_id: qualifiers(profile) for profile in pending}
    depth = {profile.segment_id: min(2, len(options[profile.segment_id])) for profile in pending}

    def propose() -> dict[int, str]:
        return {
            profile.segment_id: _compose(
                base_name(profile), options[profile.segment_id][: depth[profile.segment_id]]
            )
            for profile in pending
        }

    def clashing(proposed: dict[int, str]) -> set[int]:
        used = list(names.values()) + list(proposed.values())
        return {sid for sid, name in proposed.items() if used.count(name) > 1}

    while True:
        proposed = propose()
        growable = {sid for sid in clashing(proposed) if depth[sid] < len(options[sid])}
        if not growable:
            break
        for sid in growable:
            depth[sid] += 1
    # Still clashing: comparative words from the feature on which the clashing
    # segments differ most, first among the new ones, then against a kept name
    # (whose segment joins the comparison but keeps its name).
    for _ in range(len(pending)):
        groups: dict[str, list[SegmentProfile]] = {}
        for sid in sorted(clashing(proposed)):
            groups.setdefault(proposed[sid], []).append(by_id[sid])
        if not groups:
            break
        progress = False
        for name, group in groups.items():
            fixed = [by_id[sid] for sid, kept in names.items() if kept == name and sid in by_id]
            compared = group if len(group) > 1 else group + fixed
            for sid, extra in _separate(compared, frozenset()).items():
                if sid in options:
                    options[sid] = options[sid][: depth[sid]] + extra
                    depth[sid] = len(options[sid])
                    progress = True
        proposed = propose()
        if not progress:
            break
    for sid in sorted(proposed):
        name = proposed[sid]
        if name in names.values() or list(proposed.values()).count(name) > 1:
            # Identical on every feature to another segment.
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
