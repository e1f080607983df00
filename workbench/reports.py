"""The Reports area's catalogue: every Word document the workbench produces, behind one interface.

A document kind says which parameters it takes (a case, a body, a financial year, a service area,
a systemic issue, a version), reads what it needs from the database (async, the only step that
reads), works its figures out from what it read (pure CPU work over thousands of cases, run in a
worker thread by ``gather`` so the event loop keeps answering), then, from that data alone, gives a
preview (the figures, and the problems a report writer should fix or know about before sending) and
builds the .docx bytes (CPU work: the caller runs it in a worker thread). The web area, the command
line (`workbench export`) and the API all go through here, so a document looks the same whichever
way it was asked for.

Document kinds live in the domain that owns their content (a decision statement in
investigations, the annual review letter in remedies, the national review in systemic); this
module only knows them through ``catalogue()``.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio.to_thread

from investigations.access import Viewer

__all__ = ["DocumentKind", "Parameter", "ParameterError", "Preview", "Problem", "catalogue", "kind_for"]

ParameterKind = Literal["case", "body", "year", "service_area", "issue", "version", "text"]


class ParameterError(ValueError):
    """A parameter a person can fix: ``field`` names it, the message says how."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Parameter:
    name: str  # the form field and CLI option (``--body``)
    label: str
    kind: ParameterKind
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()  # (value, label), for fixed lists such as version
    hint: str = ""


@dataclass(frozen=True)
class Problem:
    """Something the report writer should see before sending: missing data, too few cases."""

    message: str
    severity: Literal["warning", "error"] = "warning"  # an error means the document cannot be built


@dataclass(frozen=True)
class Preview:
    title: str
    summary: Sequence[tuple[str, str]] = ()  # (label, value) pairs: the headline figures
    tables: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]]]] = ()  # (caption, header, rows)
    problems: Sequence[Problem] = ()
    filename: str = "document.docx"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def can_build(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


class DocumentKind(ABC):
    """One kind of document. Subclasses set the class attributes and implement the three steps."""

    key: str  # "decision-statement", used in URLs and on the command line
    label: str
    description: str
    parameters: tuple[Parameter, ...] = ()

    @abstractmethod
    async def read(self, params: Mapping[str, str], viewer: Viewer) -> Any:
        """Read everything the document needs, and no more than reading; raise ParameterError for a bad
        or unknown parameter (and for anything the viewer may not see: say it does not exist)."""

    def work_out(self, read: Any) -> Any:
        """The document's data from what ``read`` returned (pure; ``gather`` runs it in a worker thread).
        Kinds that add up many rows do it here; by default what was read is the data."""
        return read

    async def gather(self, params: Mapping[str, str], viewer: Viewer) -> Any:
        """Read on the event loop, then work the figures out in a worker thread: the one way every
        caller (the Reports area, its jobs, the API, ``workbench export``) gets a document's data."""
        return await anyio.to_thread.run_sync(self.work_out, await self.read(params, viewer))

    @abstractmethod
    def preview(self, data: Any) -> Preview:
        """The figures and problems, from the gathered data alone (pure)."""

    @abstractmethod
    def build(self, data: Any) -> bytes:
        """The .docx, from the gathered data alone (pure, CPU-bound: run it in a worker thread)."""


def catalogue() -> list[DocumentKind]:
    """Every document kind, in the order the Reports area lists them.

    Imported here, not at module load, so the shell does not depend on the domains at import time.
    A kind that cannot be imported fails loudly (ImportError, AttributeError): every one is shipped.
    """
    return [getattr(importlib.import_module(module), name)() for module, name in _KINDS]


# (module, class) of each document kind.
_KINDS: tuple[tuple[str, str], ...] = (
    ("investigations.statement", "DecisionStatement"),
    ("remedies.annual_letter", "AnnualReviewLetter"),
    ("systemic.national_review", "NationalReview"),
    ("remedies.compliance_report", "ComplianceReport"),
    ("systemic.issue_report", "SystemicIssueReport"),
)


def kind_for(key: str) -> DocumentKind:
    for kind in catalogue():
        if kind.key == key:
            return kind
    raise ParameterError(f"No document called {key!r}; choose one of: " + ", ".join(k.key for k in catalogue()), "kind")
