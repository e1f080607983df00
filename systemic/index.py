"""Candidate retrieval for similar cases: a TF-IDF index kept in memory and up to date.

Scoring every case with rapidfuzz costs about a second a query at 100,000 cases; a sparse
TF-IDF product finds the few hundred cases worth scoring in milliseconds. The index is built once
from all cases, then kept current: an added or edited case goes into a small "recent" matrix
(and its old row is masked), and the whole index is rebuilt when the recent part grows past a
share of the total, so the weights never drift far. Pure: numpy and scipy, no database.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

__all__ = ["Candidate", "SimilarityIndex"]

REBUILD_SHARE = 0.05  # rebuild when recent rows exceed 5% of the index (and at least MIN_RECENT)
MIN_RECENT = 2000


@dataclass(frozen=True)
class Candidate:
    doc_id: int
    cosine: float  # 0..1


class SimilarityIndex:
    """Documents are (id, terms) pairs; ``query`` returns the nearest ids by TF-IDF cosine."""

    def __init__(self, documents: Iterable[tuple[int, Sequence[str]]] = ()) -> None:
        self._lock = threading.RLock()
        self._build(list(documents))

    # -- building --------------------------------------------------------------------------

    def _build(self, documents: list[tuple[int, Sequence[str]]]) -> None:
        vocab: dict[str, int] = {}
        df: list[int] = []
        counted: list[Counter] = []
        for _, doc_terms in documents:
            counts = Counter(doc_terms)
            counted.append(counts)
            for term in counts:
                col = vocab.get(term)
                if col is None:
                    vocab[term] = len(df)
                    df.append(1)
                else:
                    df[col] += 1
        n = len(documents)
        self._vocab = vocab
        self._idf = np.array([math.log((1 + n) / (1 + d)) + 1.0 for d in df], dtype=np.float32)
        self._n_built = n
        self._ids: list[int] = [doc_id for doc_id, _ in documents]
        self._row_of: dict[int, int] = {doc_id: row for row, doc_id in enumerate(self._ids)}
        self._alive = np.ones(n, dtype=bool)
        self._base = self._matrix(counted).tocsc()
        self._recent_ids: list[int] = []
        self._recent_rows: list[sparse.csr_matrix] = []
        self._recent: sparse.csr_matrix | None = None
        self._terms_by_id: dict[int, Sequence[str]] = dict(documents)

    def _vector_parts(self, counts: Counter) -> tuple[list[int], list[float]]:
        cols, vals = [], []
        for term, tf in counts.items():
            col = self._vocab.get(term)
            if col is None:
                continue  # a word no indexed case has: it cannot make anything similar
            cols.append(col)
            vals.append((1.0 + math.log(tf)) * float(self._idf[col]))
        norm = math.sqrt(sum(v * v for v in vals)) or 1.0
        return cols, [v / norm for v in vals]

    def _matrix(self, counted: list[Counter]) -> sparse.csr_matrix:
        indptr, indices, data = [0], [], []
        for counts in counted:
            cols, vals = self._vector_parts(counts)
            indices.extend(cols)
            data.extend(vals)
            indptr.append(len(indices))
        return sparse.csr_matrix(
            (np.array(data, dtype=np.float32), np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int64)),
            shape=(len(counted), len(self._vocab)),
        )

    # -- keeping current -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._terms_by_id)

    def __contains__(self, doc_id: int) -> bool:
        return doc_id in self._terms_by_id

    def upsert(self, doc_id: int, doc_terms: Sequence[str]) -> None:
        """Add a case, or replace its text after an edit."""
        with self._lock:
            self._forget(doc_id)
            self._terms_by_id[doc_id] = doc_terms
            self._recent_ids.append(doc_id)
            self._recent_rows.append(self._matrix([Counter(doc_terms)]))
            self._recent = None
            if len(self._recent_ids) > max(MIN_RECENT, REBUILD_SHARE * self._n_built):
                self._build(list(self._terms_by_id.items()))

    def remove(self, doc_id: int) -> None:
        with self._lock:
            self._forget(doc_id)
            self._terms_by_id.pop(doc_id, None)

    def _forget(self, doc_id: int) -> None:
        row = self._row_of.pop(doc_id, None)
        if row is not None:
            self._alive[row] = False
        if doc_id in self._recent_ids:
            i = self._recent_ids.index(doc_id)
            del self._recent_ids[i]
            del self._recent_rows[i]
            self._recent = None

    # -- querying --------------------------------------------------------------------------

    def vector(self, doc_terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        cols, vals = self._vector_parts(Counter(doc_terms))
        return np.array(cols, dtype=np.int32), np.array(vals, dtype=np.float32)

    def query(self, doc_terms: Sequence[str], limit: int = 200, exclude: int | None = None,
              min_cosine: float = 0.0) -> list[Candidate]:
        """The ``limit`` nearest documents, best first, leaving out ``exclude`` (the case itself)."""
        cols, vals = self.vector(doc_terms)
        if not len(cols):
            return []
        with self._lock:
            base_scores = np.asarray(self._base[:, cols] @ vals).ravel() if self._base.shape[0] else np.zeros(0)
            base_scores = np.where(self._alive, base_scores, 0.0)
            found = _top(base_scores, limit, min_cosine, self._ids)
            if self._recent_rows:
                if self._recent is None:
                    self._recent = sparse.vstack(self._recent_rows).tocsc()
                recent = self._recent
                if recent.shape[1] < self._base.shape[1]:
                    recent.resize((recent.shape[0], self._base.shape[1]))
                found += _top(np.asarray(recent[:, cols] @ vals).ravel(), limit, min_cosine, self._recent_ids)
        found = [c for c in found if c.doc_id != exclude]
        found.sort(key=lambda c: -c.cosine)
        return found[:limit]

    def terms_of(self, doc_id: int) -> Sequence[str] | None:
        return self._terms_by_id.get(doc_id)


def _top(scores: np.ndarray, limit: int, min_cosine: float, ids: Sequence[int]) -> list[Candidate]:
    if not len(scores):
        return []
    k = min(limit + 1, len(scores))
    best = np.argpartition(-scores, k - 1)[:k]
    return [Candidate(ids[i], float(scores[i])) for i in best if scores[i] > min_cosine]
