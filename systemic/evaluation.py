"""How good the similar-cases ranking is, on cases labelled by fault pattern.

For each labelled case whose pattern has at least one other case, every other case is ranked and
we measure precision at 5 (how many of the top five share the pattern) and the reciprocal rank of
the first that does. The same measures for a simple baseline (TF-IDF over plain words, plus a
bonus for the same subcategory: what the issue says reaches about 0.6) show what our cleaning,
stemming, word pairs, rapidfuzz and structure add. Pure: no database.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from systemic.index import SimilarityIndex
from systemic.matching import CaseMatcher
from systemic.similarity import CaseProfile, Weights

__all__ = ["Result", "baseline_ranker", "evaluate", "matcher_ranker", "precision_at", "reciprocal_rank"]

NO_PATTERN = "none"


@dataclass(frozen=True)
class Result:
    name: str
    queries: int
    precision_at_5: float
    mean_reciprocal_rank: float

    def line(self) -> str:
        return f"{self.name:<28} P@5 {self.precision_at_5:.3f}   MRR {self.mean_reciprocal_rank:.3f}   ({self.queries} queries)"


def precision_at(ranked: Sequence[int], relevant: set[int], k: int = 5) -> float:
    return sum(1 for doc in ranked[:k] if doc in relevant) / k


def reciprocal_rank(ranked: Sequence[int], relevant: set[int]) -> float:
    for position, doc in enumerate(ranked, start=1):
        if doc in relevant:
            return 1 / position
    return 0.0


Ranker = Callable[[CaseProfile, int], list[int]]  # (query, k) -> case ids best first, query excluded


def evaluate(name: str, profiles: Sequence[CaseProfile], labels: dict[int, str], ranker: Ranker, k: int = 50) -> Result:
    """P@5 and MRR over every labelled case whose pattern has another case among ``profiles``."""
    counts = Counter(labels.values())
    by_pattern: dict[str, set[int]] = {}
    for case_id, label in labels.items():
        by_pattern.setdefault(label, set()).add(case_id)
    p5, rr, n = 0.0, 0.0, 0
    for profile in profiles:
        label = labels.get(profile.id)
        if label is None or label == NO_PATTERN or counts[label] < 2:
            continue
        relevant = by_pattern[label] - {profile.id}
        ranked = [doc for doc in ranker(profile, k) if doc != profile.id]
        p5 += precision_at(ranked, relevant)
        rr += reciprocal_rank(ranked, relevant)
        n += 1
    return Result(name, n, p5 / n if n else 0.0, rr / n if n else 0.0)


def matcher_ranker(profiles: Sequence[CaseProfile], weights: Weights = Weights()) -> Ranker:
    """The workbench's own ranking (``systemic.matching``), as the API answers."""
    matcher = CaseMatcher(profiles, weights)
    return lambda query, k: [s.case_id for s in matcher.similar(query.id, k)]


_PLAIN = re.compile(r"[a-z]+")


def baseline_ranker(profiles: Sequence[CaseProfile], subcategory_bonus: float = 0.1) -> Ranker:
    """TF-IDF over plain lower-case words of the original text (no cleaning, stemming or pairs),
    cosine plus ``subcategory_bonus`` for the same subcategory."""
    index = SimilarityIndex((p.id, _PLAIN.findall(p.text.lower())) for p in profiles)
    ids = [p.id for p in profiles]
    subs = np.array([p.subcategory for p in profiles], dtype=object)

    def rank(query: CaseProfile, k: int) -> list[int]:
        cosine = {c.doc_id: c.cosine for c in index.query(_PLAIN.findall(query.text.lower()), limit=len(ids))}
        scores = np.array([cosine.get(i, 0.0) for i in ids]) + subcategory_bonus * (subs == query.subcategory)
        order = np.argsort(-scores, kind="stable")
        return [ids[i] for i in order if ids[i] != query.id][:k]

    return rank
