"""How alike two cases are, as a score from 0 to 100 with the reasons a person can check.

The text decides most of it: TF-IDF cosine over cleaned, stemmed words and word pairs (what the
index retrieves by), blended with rapidfuzz's token-set ratio over the same words, which forgives
word order and one text being a fuller telling of the other. Structure adds the rest: the same
subcategory (or category), the same body (or the same kind of body), the same kind of remedy,
and closeness in time. Every part that contributes is named in the reasons, best first.

Pure: no database, no web framework. The weights are tuned on labelled sets by
``benchmarks/similarity.py`` (precision at 5 and mean reciprocal rank against a TF-IDF baseline).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from rapidfuzz import fuzz

from systemic.text import surface_words

__all__ = ["CaseProfile", "Similarity", "Weights", "points", "rank", "score", "shared_terms"]


@dataclass(frozen=True)
class CaseProfile:
    """What matching knows of a case (built from the database by ``systemic.profiles``)."""

    id: int
    reference: str
    terms: tuple[str, ...]  # systemic.text.terms of summary + findings
    category: str = ""
    subcategory: str = ""  # "category/subcategory" slug, unique across categories
    subcategory_name: str = ""
    body_ids: frozenset[int] = frozenset()
    body_names: tuple[str, ...] = ()
    body_types: frozenset[str] = frozenset()
    remedy_types: frozenset[str] = frozenset()
    when: date | None = None  # decision date, else received
    fault: bool = False
    text: str = field(default="", compare=False, repr=False)  # the text as written, for showing shared words

    @cached_property
    def word_text(self) -> str:  # (cached: the query's is compared with every candidate)
        return " ".join(t for t in self.terms if " " not in t and not t.startswith("~"))


@dataclass(frozen=True)
class Weights:
    """Points for each kind of likeness; a score is the points won out of the most two cases can win,
    so two identical cases score 100.

    Tuned on the labelled set (``benchmarks/similarity.py``): the text decides most; the same
    subcategory and the same body help; the same kind of body and closeness in time barely
    predict the same fault, so they weigh little (they still show as reasons).
    """

    text: float = 70.0
    cosine_share: float = 0.7  # of the text points: TF-IDF cosine, the rest rapidfuzz token-set ratio
    same_subcategory: float = 10.0
    same_category: float = 3.0
    same_body: float = 6.0
    same_body_type: float = 0.5
    similar_remedies: float = 3.0
    close_in_time: float = 0.5
    close_days: int = 365

    @property
    def maximum(self) -> float:
        return self.text + self.same_subcategory + self.same_body + self.similar_remedies + self.close_in_time


@dataclass(frozen=True)
class Similarity:
    reference: str
    score: int  # 0..100
    reasons: tuple[str, ...]
    case_id: int = 0


def shared_terms(a: CaseProfile, b: CaseProfile, limit: int = 4) -> list[str]:
    """The phrases (runs of shared word pairs), then words, both texts use, longest first, as ``a``
    wrote them: the visible evidence of similarity."""
    common = {t for t in set(a.terms) & set(b.terms) if not t.startswith("~")}  # concepts are not words
    words = [t for t in a.terms if " " not in t and not t.startswith("~")]
    phrases: list[list[str]] = []
    run: list[str] = []
    for left, right in zip(words, words[1:]):
        if f"{left} {right}" in common:
            run = run + [right] if run and run[-1] == left else [left, right]
            if len(run) == 2:
                phrases.append(run)
            else:
                phrases[-1] = run
        else:
            run = []
    in_phrases = {w for p in phrases for w in p}
    singles = sorted({w for w in words if w in common and w not in in_phrases}, key=lambda w: (-len(w), w))
    seen: list[tuple[str, ...]] = []
    for phrase in sorted((tuple(p) for p in phrases), key=lambda p: -len(p)):
        if phrase not in seen:
            seen.append(phrase)
    surface = surface_words(a.text) if a.text else {}
    shown = [" ".join(surface.get(w, w) for w in p) for p in seen] + [surface.get(w, w) for w in singles]
    return shown[:limit]


def _parts(query: CaseProfile, other: CaseProfile, cosine: float, weights: Weights,
           explain: bool) -> list[tuple[float, str]]:
    ratio = fuzz.token_set_ratio(query.word_text, other.word_text) / 100 if query.terms and other.terms else 0.0
    text = weights.text * (weights.cosine_share * math.sqrt(max(0.0, min(cosine, 1.0))) + (1 - weights.cosine_share) * ratio)
    parts: list[tuple[float, str]] = []
    if text >= 1:
        reason = ""
        if explain:
            common = shared_terms(query, other)
            shared = f": both mention {', '.join(common)}" if common else ""
            reason = f"Similar account of the fault ({round(100 * text / weights.text)}% text match){shared}"
        parts.append((text, reason))
    if query.subcategory and query.subcategory == other.subcategory:
        parts.append((weights.same_subcategory, f"Same subcategory: {other.subcategory_name or other.subcategory}"))
    elif query.category and query.category == other.category:
        parts.append((weights.same_category, f"Same category: {other.category}"))
    if query.body_ids & other.body_ids:
        names = list(other.body_names) or ["the same body"]
        parts.append((weights.same_body, f"Same body: {', '.join(names[:2])}"))
    elif query.body_types & other.body_types:
        kind = sorted(query.body_types & other.body_types)[0]
        parts.append((weights.same_body_type, f"Same kind of body: {kind.replace('_', ' ')}"))
    remedies = query.remedy_types & other.remedy_types
    if remedies:
        parts.append((weights.similar_remedies, "Similar remedies: " + ", ".join(sorted(r.replace("_", " ") for r in remedies))))
    if query.when and other.when:
        apart = abs((query.when - other.when).days)
        if apart <= weights.close_days:
            months = round(apart / 30.4)
            when = "within a month" if months < 1 else f"{months} month{'s' if months != 1 else ''} apart"
            parts.append((weights.close_in_time * (1 - apart / (weights.close_days + 1)), f"Close in time: {when}"))
    return parts


def points(query: CaseProfile, other: CaseProfile, cosine: float, weights: Weights = Weights()) -> int:
    """The score alone, without building reasons (the scan scores many pairs, and shows groups)."""
    return _percent(sum(p for p, _ in _parts(query, other, cosine, weights, explain=False)), weights)


def score(query: CaseProfile, other: CaseProfile, cosine: float, weights: Weights = Weights()) -> Similarity:
    """Score ``other`` against ``query`` given their TF-IDF cosine (0..1) from the index, with reasons."""
    parts = _parts(query, other, cosine, weights, explain=True)
    total = sum(p for p, _ in parts)
    parts.sort(key=lambda p: -p[0])
    return Similarity(other.reference, _percent(total, weights), tuple(r for _, r in parts), other.id)


def _percent(points_won: float, weights: Weights) -> int:
    return max(0, min(100, round(100 * points_won / weights.maximum)))


def rank(query: CaseProfile, candidates: Sequence[tuple[CaseProfile, float]], limit: int,
         weights: Weights = Weights()) -> list[Similarity]:
    """Score every candidate (profile, cosine) and keep the best ``limit``; ties by reference.

    Reasons are worded only for the ones kept: finding the shared phrases cost ten times the score,
    and a query retrieves hundreds of candidates to show ten."""
    scored = [(points(query, other, cosine, weights), other, cosine) for other, cosine in candidates if other.id != query.id]
    scored.sort(key=lambda s: (-s[0], s[1].reference))
    return [score(query, other, cosine, weights) for _, other, cosine in scored[:limit]]
