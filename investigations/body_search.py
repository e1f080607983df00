"""Finding a body by what people type: names, aliases and misspellings ("Hants CC").

Pure functions over a list of candidates; at a few thousand bodies a query costs milliseconds
(rapidfuzz), so it runs per keystroke without an index.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

MIN_SCORE = 60


@dataclass(frozen=True)
class BodyCandidate:
    id: int
    name: str
    aliases: tuple[str, ...]
    body_type: str


@dataclass(frozen=True)
class BodyMatch:
    body: BodyCandidate
    score: float
    matched: str  # the name or alias that matched


def rank_bodies(query: str, candidates: list[BodyCandidate], limit: int = 10) -> list[BodyMatch]:
    """Best matches first; an exact alias or name (ignoring case) always ranks top."""
    query = query.strip()
    if not query:
        return []
    labels: list[str] = []
    owners: list[BodyCandidate] = []
    for candidate in candidates:
        for label in (candidate.name, *candidate.aliases):
            labels.append(label)
            owners.append(candidate)
    processed_query = utils.default_process(query)
    best: dict[int, BodyMatch] = {}
    for label, score, index in process.extract(
        query, labels, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit * 4, score_cutoff=MIN_SCORE
    ):
        if utils.default_process(label) == processed_query:
            score = 100.0 + (1 if label == owners[index].name else 0)
        elif utils.default_process(label).startswith(processed_query):
            score = max(score, 95.0)
        owner = owners[index]
        if owner.id not in best or best[owner.id].score < score:
            best[owner.id] = BodyMatch(owner, min(score, 100.0), label)
    ranked = sorted(best.values(), key=lambda m: (-m.score, m.body.name))
    return ranked[:limit]
