"""Similar cases across the whole caseload: retrieve candidates from the index, then score them.

One ``CaseMatcher`` per process holds every case's profile and the TF-IDF index. It is built on
first use (in a worker thread: tokenising 200,000 cases takes seconds, and the event loop must
not wait), then kept current before each query by loading only the cases changed since the last
look, so a case saved by another web worker is found within a second or two.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone

import anyio.to_thread

from systemic.index import SimilarityIndex
from systemic.profiles import changed_since, load_profiles
from systemic.similarity import CaseProfile, Similarity, Weights, rank

__all__ = ["CANDIDATES", "CaseMatcher", "current_matcher", "forget_matcher", "warm_up"]

log = logging.getLogger("systemic.matching")

CANDIDATES = 300  # retrieved by cosine, then scored with rapidfuzz and structure
REFRESH_EVERY = 1.0  # seconds between looks for cases changed elsewhere


class CaseMatcher:
    """Profiles and their index; ``similar`` answers one query, ``upsert`` keeps it current."""

    def __init__(self, profiles: Iterable[CaseProfile], weights: Weights = Weights()) -> None:
        self.weights = weights
        self.profiles: dict[int, CaseProfile] = {p.id: p for p in profiles}
        self.by_reference: dict[str, int] = {p.reference: p.id for p in self.profiles.values()}
        self.index = SimilarityIndex((p.id, p.terms) for p in self.profiles.values())

    def upsert(self, profiles: Iterable[CaseProfile]) -> None:
        for profile in profiles:
            self.profiles[profile.id] = profile
            self.by_reference[profile.reference] = profile.id
            self.index.upsert(profile.id, profile.terms)

    def similar_to(self, query: CaseProfile, limit: int = 10, exclude: Sequence[int] = ()) -> list[Similarity]:
        """The best ``limit`` matches for a profile (a saved case, or a complaint still at intake)."""
        skip = {query.id, *exclude}
        found = self.index.query(query.terms, limit=CANDIDATES + len(skip))
        candidates = [(self.profiles[c.doc_id], c.cosine) for c in found if c.doc_id not in skip and c.doc_id in self.profiles]
        if len(candidates) < limit:  # text too thin to retrieve by: fall back on the same subcategory
            seen = {p.id for p, _ in candidates} | skip
            candidates += [(p, 0.0) for p in self.profiles.values()
                           if p.subcategory == query.subcategory and p.id not in seen][: CANDIDATES]
        return rank(query, candidates, limit, self.weights)

    def similar(self, case_id: int, limit: int = 10, exclude: Sequence[int] = ()) -> list[Similarity]:
        return self.similar_to(self.profiles[case_id], limit, exclude)


_matcher: CaseMatcher | None = None
_watermark: datetime | None = None
_last_refresh = 0.0
_locks: dict[int, asyncio.Lock] = {}


def _lock() -> asyncio.Lock:
    """One lock per event loop (tests run several loops; a lock is bound to the first it meets)."""
    loop = asyncio.get_running_loop()
    return _locks.setdefault(id(loop), asyncio.Lock())


async def current_matcher() -> CaseMatcher:
    """This process's matcher, built on first use and refreshed with cases changed since."""
    global _matcher, _watermark, _last_refresh
    async with _lock():
        if _matcher is None:
            started = datetime.now(timezone.utc) - timedelta(seconds=1)  # overlap: never miss a save
            clock = time.perf_counter()
            profiles = await load_profiles(keep_text=False)
            _matcher = await anyio.to_thread.run_sync(CaseMatcher, profiles)
            _watermark, _last_refresh = started, time.monotonic()
            # benchmarks/load.py waits for this line from every worker before it times anything
            log.info("similar-cases index built: %d cases in %.1f s", len(profiles), time.perf_counter() - clock)
        elif time.monotonic() - _last_refresh >= REFRESH_EVERY:
            started = datetime.now(timezone.utc) - timedelta(seconds=1)
            changed = await changed_since(_watermark)
            if changed:
                _matcher.upsert(await load_profiles(changed, keep_text=False))
            _watermark, _last_refresh = started, time.monotonic()
        return _matcher


def warm_up() -> asyncio.Task:
    """Build this process's matcher in the background (called at start-up); failures are logged,
    and the first query simply builds it again."""

    async def build() -> None:
        try:
            await current_matcher()
        except Exception:  # noqa: BLE001 - a warm-up must never take the process down
            log.exception("could not build the similar-cases index at start-up")

    return asyncio.get_running_loop().create_task(build())


def forget_matcher() -> None:
    """Drop the process's matcher (tests, and after a bulk import or restore)."""
    global _matcher, _watermark
    _matcher, _watermark = None, None
