"""Emerging patterns: groups of similar cases across the caseload, found without comparing all pairs.

Comparing 100,000 cases pairwise with rapidfuzz would take hours. Instead: a TF-IDF matrix of
the cases in the period, multiplied with itself a block of rows at a time (sparse, with the very
common words dropped so the product stays sparse), keeps each case's nearest neighbours by
cosine; only those pairs are scored in full (``systemic.similarity.score``), on their distinctive
words (what nearly every case says, "fault" or "caused distress", is left out of both the cosine
and the rapidfuzz ratio). Pairs scoring at least ``threshold`` are edges; each connected group of
edges is then cut by average linkage, so a group's cases are alike on average over every pair
(``cohesion``) rather than chained through borderline edges. A group is reported when it is either

* **across bodies**: at least ``min_cases`` cases about at least ``min_bodies`` bodies, the fault
  found on at least ``min_fault`` of them, or
* **repeat at a body**: one body with fault found in at least ``min_repeat`` of the group's cases.

Pure: numpy, scipy and the scoring function; no database.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from systemic.index import SimilarityIndex
from systemic.similarity import CaseProfile, Weights, points, shared_terms

__all__ = ["Group", "PatternSettings", "find_groups", "signature"]


@dataclass(frozen=True)
class PatternSettings:
    threshold: int = 50  # score (0-100) for two cases to count as the same pattern: 9 in 10 pairs at 50+ share
    # a fault pattern in the labelled set (benchmarks/similarity.py)
    cohesion: int = 50  # the mean score over every pair of a group's cases (average linkage): no chains
    min_fault: int = 3  # a group across bodies needs the fault found on this many of its cases: a pattern of
    # complaints that no investigation has upheld is not yet a fault pattern
    min_cosine: float = 0.15  # candidates below this text similarity are not scored at all
    neighbours: int = 10  # per case, from the sparse product
    min_cases: int = 3
    min_bodies: int = 2
    min_repeat: int = 2
    max_group: int = 200  # a bigger component is split by subcategory, then cut to its best-linked cases
    common_term_share: float = 0.05  # terms in more than this share of cases are dropped from the product
    common_floor: int = 200  # ...but a term in this few cases is never too common (a small caseload's groups can grow)
    block: int = 2000


@dataclass(frozen=True)
class Group:
    kind: str  # "across_bodies" or "repeat_at_body"
    case_ids: tuple[int, ...]
    body_ids: tuple[int, ...]
    title: str
    reasons: tuple[str, ...]
    score: int  # the mean score of the group's edges

    @property
    def signature(self) -> str:
        return signature(self.case_ids)


def signature(case_ids: Sequence[int]) -> str:
    return hashlib.sha256(",".join(str(i) for i in sorted(case_ids)).encode()).hexdigest()


@dataclass(frozen=True)
class _Caseload:
    """The period's cases as the scan compares them: TF-IDF rows without the common terms (``reduced``),
    and profiles whose terms are only the distinctive ones (``distinctive``)."""

    reduced: sparse.csr_matrix
    distinctive: list[CaseProfile]


def _caseload(profiles: Sequence[CaseProfile], settings: PatternSettings) -> _Caseload:
    """Drop what nearly every case says ("fault", "caused distress", "took months"): two cases that
    share only that are not a pattern. The cosine leaves them out of the product; the rapidfuzz
    ratio (which forgives everything outside the words two texts share) must leave them out too."""
    index = SimilarityIndex((i, p.terms) for i, p in enumerate(profiles))
    matrix = index._base.tocsr()  # rows in profile order
    df = np.diff(matrix.tocsc().indptr)
    common_cols = df > max(settings.common_floor, settings.common_term_share * len(profiles))
    keep = np.flatnonzero(~common_cols)
    common = {term for term, col in index._vocab.items() if common_cols[col]}
    distinctive = [replace(p, terms=tuple(t for t in p.terms if t not in common)) if common else p for p in profiles]
    return _Caseload(matrix[:, keep].tocsr(), distinctive)


def _neighbour_pairs(reduced: sparse.csr_matrix,
                     settings: PatternSettings) -> Iterator[tuple[list[tuple[int, int, float]], int, int]]:
    """(i, j, cosine) for each case's nearest neighbours, by blocks of the sparse self-product:
    one list of pairs per block, with how many rows are done out of how many."""
    transposed = reduced.T.tocsc()
    n = reduced.shape[0]
    for start in range(0, n, settings.block):
        pairs: list[tuple[int, int, float]] = []
        block = (reduced[start:start + settings.block] @ transposed).tocsr()
        block.data[block.data < settings.min_cosine] = 0
        block.eliminate_zeros()
        for offset in range(block.shape[0]):
            row = start + offset
            lo, hi = block.indptr[offset], block.indptr[offset + 1]
            cols, vals = block.indices[lo:hi], block.data[lo:hi]
            mask = cols != row
            cols, vals = cols[mask], vals[mask]
            if len(cols) > settings.neighbours:
                best = np.argpartition(-vals, settings.neighbours - 1)[: settings.neighbours]
                cols, vals = cols[best], vals[best]
            pairs.extend((row, int(c), float(v)) for c, v in zip(cols, vals))
        yield pairs, min(start + settings.block, n), n


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def find_groups(profiles: Sequence[CaseProfile], settings: PatternSettings = PatternSettings(),
                weights: Weights = Weights(), progress: Callable[[int, int], None] | None = None) -> list[Group]:
    """Candidate groups among ``profiles`` (the cases of the chosen period), best first."""
    if len(profiles) < 2:
        return []
    caseload = _caseload(profiles, settings)
    profiles = caseload.distinctive
    edges: dict[tuple[int, int], int] = {}
    seen: set[tuple[int, int]] = set()
    for pairs, done, total in _neighbour_pairs(caseload.reduced, settings):
        for i, j, cosine in pairs:
            key = (min(i, j), max(i, j))
            if key in seen:
                continue
            seen.add(key)
            s = points(profiles[i], profiles[j], cosine, weights)
            if s >= settings.threshold:
                edges[key] = s
        if progress:  # after scoring the block's pairs: the scoring is most of the work
            progress(done, total)
    components = _components(len(profiles), edges)
    groups: list[Group] = []
    for members, inside in zip(components, _edges_by_component(components, edges)):
        for part in _split(members, profiles, inside, settings):
            for cluster in _coherent(part, caseload, inside, settings, weights):
                group = _describe(cluster, profiles, inside, settings)
                if group is not None:
                    groups.append(group)
    groups.sort(key=lambda g: (-len(g.case_ids), -g.score, g.case_ids))
    return groups


def _components(n: int, edges: dict[tuple[int, int], int]) -> list[list[int]]:
    finder = _UnionFind(n)
    for i, j in edges:
        finder.union(i, j)
    members: dict[int, list[int]] = defaultdict(list)
    for node in {x for edge in edges for x in edge}:
        members[finder.find(node)].append(node)
    return [sorted(m) for m in members.values() if len(m) >= 2]


def _edges_by_component(components: list[list[int]], edges: dict[tuple[int, int], int]) -> list[dict[tuple[int, int], int]]:
    """Each component's own edges, so describing a group never walks every edge of the caseload."""
    where = {node: k for k, members in enumerate(components) for node in members}
    inside: list[dict[tuple[int, int], int]] = [{} for _ in components]
    for (i, j), s in edges.items():
        inside[where[i]][(i, j)] = s
    return inside


def _split(members: list[int], profiles: Sequence[CaseProfile], edges: dict[tuple[int, int], int],
           settings: PatternSettings) -> list[list[int]]:
    """Keep groups reviewable: split an oversized component by subcategory, then keep the
    best-connected ``max_group`` cases of each part."""
    if len(members) <= settings.max_group:
        return [members]
    by_sub: dict[str, list[int]] = defaultdict(list)
    for m in members:
        by_sub[profiles[m].subcategory].append(m)
    parts = []
    for part in by_sub.values():
        if len(part) > settings.max_group:
            inside = set(part)
            degree = Counter(x for (i, j) in edges if i in inside and j in inside for x in (i, j))
            part = sorted(sorted(part, key=lambda m: (-degree[m], m))[: settings.max_group])
        parts.append(part)
    return parts


def _coherent(members: list[int], caseload: _Caseload, edges: dict[tuple[int, int], int], settings: PatternSettings,
              weights: Weights) -> list[list[int]]:
    """The component cut into groups whose cases are alike on average (average linkage over every
    pair's score), not merely chained: A like B and B like C, each just at the threshold, does not
    make A like C. Pairs the neighbour search did not score are scored here."""
    if len(members) <= 2:
        return [members]
    profiles = caseload.distinctive
    rows = caseload.reduced[members]
    cosines = (rows @ rows.T).toarray()
    n = len(members)
    distance = np.zeros((n, n))
    for a in range(n):
        for b in range(a + 1, n):
            i, j = members[a], members[b]
            s = edges.get((i, j))
            if s is None:
                s = points(profiles[i], profiles[j], float(cosines[a, b]), weights)
            distance[a, b] = distance[b, a] = 100 - s
    tree = linkage(squareform(distance, checks=False), method="average")
    labels = fcluster(tree, t=100 - settings.cohesion, criterion="distance")
    clusters: dict[int, list[int]] = defaultdict(list)
    for member, label in zip(members, labels):
        clusters[label].append(member)
    return [sorted(c) for c in clusters.values() if len(c) >= 2]


def _describe(members: list[int], profiles: Sequence[CaseProfile], edges: dict[tuple[int, int], int],
              settings: PatternSettings) -> Group | None:
    cases = [profiles[m] for m in members]
    bodies = sorted({b for c in cases for b in c.body_ids})
    fault_at: Counter = Counter(b for c in cases if c.fault for b in c.body_ids)
    repeat = [b for b, n in fault_at.items() if n >= settings.min_repeat]
    faults = sum(c.fault for c in cases)
    if len(cases) >= settings.min_cases and len(bodies) >= settings.min_bodies and faults >= settings.min_fault:
        kind = "across_bodies"
    elif repeat:
        kind = "repeat_at_body"
    else:
        return None
    inside = set(members)
    scores = [s for (i, j), s in edges.items() if i in inside and j in inside]
    subcategory = Counter(c.subcategory_name or c.subcategory for c in cases).most_common(1)[0][0]
    sample = cases[:20]  # the wording a group shares shows in any few of its pairs
    phrases = Counter(" ".join(t.split()[:5]) for a, b in zip(sample, sample[1:]) for t in shared_terms(a, b, limit=3))
    words = [t for t, _ in phrases.most_common(2)]
    title = f"{subcategory}: {', '.join(words)}" if words else subcategory
    reasons = [f"{len(cases)} cases about {len(bodies)} bod{'y' if len(bodies) == 1 else 'ies'}",
               f"Mostly {subcategory}"]
    if words:
        reasons.append("Shared wording: " + "; ".join(words))
    for b in repeat:
        names = next((c.body_names for c in cases if b in c.body_ids and c.body_names), ())
        reasons.append(f"Fault found {fault_at[b]} times at {names[0] if names else 'one body'}")
    return Group(kind, tuple(c.id for c in cases), tuple(bodies), title[:200], tuple(reasons),
                 round(sum(scores) / len(scores)) if scores else 0)
