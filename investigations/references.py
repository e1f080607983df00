"""Case references in the ombudsman's form: two-digit year and six digits, "22 001 239".

Joint cases give each body a letter suffix ("22 001 239a"). Numbers come from a counter per
year, incremented atomically inside the write transaction, so two intakes at once never share a
reference and a rolled-back intake gives its number back.
"""

from __future__ import annotations

import re
from datetime import date

from investigations.tables import ReferenceCounter

REFERENCE_PATTERN = re.compile(r"^\s*(\d{2})[\s-]?(\d{3})[\s-]?(\d{3})([a-z]?)\s*$", re.IGNORECASE)
MAX_NUMBER = 999_999


def format_reference(year: int, number: int, suffix: str = "") -> str:
    if not 0 < number <= MAX_NUMBER:
        raise ValueError(f"reference number {number} is out of range 1..{MAX_NUMBER}")
    digits = f"{number:06d}"
    return f"{year % 100:02d} {digits[:3]} {digits[3:]}{suffix}"


def parse_reference(text: str) -> tuple[str, str]:
    """Normalise "22-001-239", "22001239b" or " 22 001 239 " to ("22 001 239", "b")."""
    match = REFERENCE_PATTERN.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a case reference like 22 001 239")
    yy, first, second, suffix = match.groups()
    return f"{yy} {first} {second}", suffix.lower()


def body_suffix(position: int) -> str:
    """The letter for the n-th body (0-based) on a joint case: a, b, ... z."""
    if not 0 <= position < 26:
        raise ValueError("a joint case can name at most 26 bodies")
    return "abcdefghijklmnopqrstuvwxyz"[position]


async def next_reference(received_on: date) -> str:
    """Issue the next reference for the year of receipt; call inside a write transaction.

    One atomic statement (an upsert that increments and returns the number): with a read and then a
    write, two intakes at once on PostgreSQL read the same number, or both insert the year's first
    row, and one of them fails.
    """
    year = received_on.year % 100
    [row] = await ReferenceCounter.raw(
        "INSERT INTO investigations_reference_counter (year, last_number) VALUES ({}, 1) "
        "ON CONFLICT (year) DO UPDATE SET last_number = investigations_reference_counter.last_number + 1 "
        "RETURNING last_number",
        year,
    )
    return format_reference(year, row["last_number"])
