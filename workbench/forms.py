"""Reading form posts and JSON bodies into typed values, collecting every error by field.

A form re-renders with all its errors at once (the GOV.UK error summary), so readers never raise
on the first problem: they record it in ``Errors`` and return None.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable, Mapping

MAX_TEXT = 20_000


class Errors(dict):
    """field name -> message; the first message for a field wins."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, message)


def form_dict(items: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Form fields as a dict; a repeated field (several body_id, standards) becomes a list."""
    result: dict[str, Any] = {}
    for key, item in items:
        if key in result:
            result[key] = (result[key] if isinstance(result[key], list) else [result[key]]) + [item]
        else:
            result[key] = item
    return result


def value(data: Mapping[str, Any], name: str) -> str:
    raw = data.get(name, "")
    if isinstance(raw, list):
        raw = raw[0] if raw else ""
    return str(raw if raw is not None else "").strip()


def values(data: Mapping[str, Any], name: str) -> list[str]:
    raw = data.get(name, [])
    if not isinstance(raw, list):
        raw = [raw]
    return [str(v).strip() for v in raw if v is not None and str(v).strip()]


def text(data: Mapping[str, Any], name: str, errors: Errors, label: str, required: bool = False,
         max_length: int = MAX_TEXT) -> str:
    result = value(data, name)
    if required and not result:
        errors.add(name, f"Enter {label}")
    elif len(result) > max_length:
        errors.add(name, f"{label[0].upper() + label[1:]} must be {max_length:,} characters or fewer")
    return result


def flag(data: Mapping[str, Any], name: str) -> bool:
    raw = data.get(name)
    if isinstance(raw, bool):
        return raw
    return value(data, name).lower() in {"on", "true", "yes", "1"}


def parse_date(data: Mapping[str, Any], name: str, errors: Errors, label: str, today: date,
               required: bool = False, allow_future: bool = False) -> date | None:
    raw = data.get(name)
    if isinstance(raw, date):
        result = raw
    else:
        text_value = value(data, name)
        if not text_value:
            if required:
                errors.add(name, f"Enter {label}")
            return None
        try:
            result = date.fromisoformat(text_value)
        except ValueError:
            errors.add(name, f"{label[0].upper() + label[1:]} must be a real date, like 2026-03-27")
            return None
    if not allow_future and result > today:
        errors.add(name, f"{label[0].upper() + label[1:]} must be today or in the past")
        return None
    return result


def integer(data: Mapping[str, Any], name: str, errors: Errors, label: str, required: bool = False,
            minimum: int | None = None, maximum: int | None = None) -> int | None:
    raw = data.get(name)
    if isinstance(raw, int) and not isinstance(raw, bool):
        result = raw
    else:
        text_value = value(data, name)
        if not text_value:
            if required:
                errors.add(name, f"Enter {label}")
            return None
        if not re.fullmatch(r"-?\d{1,9}", text_value):
            errors.add(name, f"{label[0].upper() + label[1:]} must be a whole number")
            return None
        result = int(text_value)
    if minimum is not None and result < minimum or maximum is not None and result > maximum:
        errors.add(name, f"{label[0].upper() + label[1:]} must be between {minimum} and {maximum}")
        return None
    return result


WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def whole_number(raw: str) -> int | None:
    """An id or count typed as ASCII digits (at most nine), or None.

    Not ``str.isdigit()``: it accepts '³' and '①', which ``int()`` then refuses (a 500), and a longer
    number would overflow the database's integer columns.
    """
    raw = raw.strip()
    return int(raw) if WHOLE_NUMBER.fullmatch(raw) else None


POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def postcode(data: Mapping[str, Any], name: str, errors: Errors) -> str:
    raw = value(data, name).upper()
    if raw and not POSTCODE.match(raw):
        errors.add(name, "Enter a real postcode, like SW1A 1AA")
        return raw
    if raw and " " not in raw:
        raw = f"{raw[:-3]} {raw[-3:]}"
    return raw


def email(data: Mapping[str, Any], name: str, errors: Errors) -> str:
    raw = value(data, name)
    if raw and not EMAIL.match(raw):
        errors.add(name, "Enter an email address in the correct format, like name@example.com")
    return raw
