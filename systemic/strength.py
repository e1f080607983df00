"""How strong a candidate group's case for a systemic fault is, so a manager meets the real patterns first.

The scan's score says only how alike a group's cases are. A big group of complaints alike in their
wording, few of them upheld, is weaker evidence of a fault pattern than four cases alike in the same
way with the fault found on every one, at four bodies. So the strength multiplies:

* the cases with fault found (the evidence itself),
* the share of the group's cases with fault found (complaints nobody upheld dilute it),
* how alike the cases are (the scan's mean score, 0 to 100), and
* a little for each further body the fault was found at (up to half again, at six bodies): the same
  fault at many bodies is what makes it systemic, though one body's repeated fault counts too.

Pure: numbers in, a number and its reasons out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["Strength", "group_strength", "strongest_first"]

BODY_BONUS = 0.1  # per body with fault found beyond the first
MAX_BODIES = 6  # bodies past this add nothing more

T = TypeVar("T")


@dataclass(frozen=True)
class Strength:
    value: int
    reasons: tuple[str, ...]


def group_strength(size: int, faults: int, fault_bodies: int, cohesion: int) -> Strength:
    """The strength of a group of ``size`` cases, ``faults`` of them with fault found at ``fault_bodies``
    bodies, alike on average at ``cohesion`` (0-100); with the reasons, in a manager's words."""
    size = max(size, faults, 1)
    share = faults / size
    spread = 1 + BODY_BONUS * (min(max(fault_bodies, 1), MAX_BODIES) - 1)
    value = round(cohesion * faults * share * spread / 10)
    reasons = (
        f"Fault found on {faults} of {size} case{'s' if size != 1 else ''}",
        f"Fault found at {fault_bodies} bod{'y' if fault_bodies == 1 else 'ies'}",
        f"Cases alike at {cohesion} out of 100 on average",
    )
    return Strength(value, reasons)


def strongest_first(items: Iterable[T], strength: Callable[[T], Strength],
                    tie: Callable[[T], tuple] = lambda item: ()) -> list[T]:
    """``items`` strongest first; equal strengths in ``tie`` order."""
    return sorted(items, key=lambda item: (-strength(item).value, *tie(item)))
