"""``workbench export KIND [options] -o FILE.docx``: any document of the Reports area, from the command line.

The same catalogue, parameters, preview and build as the browser, as an administrator (the command
line is run by whoever runs the server, who can read every case anyway). Each kind's parameters
become options: a case is ``--case``, a body ``--body``, a financial year ``--year``, a service area
``--service-area``, a systemic issue ``--issue``, a version ``--version``, and free text takes its own
name (``--case-studies``). The preview's problems go to standard error; a bad parameter or a problem
that stops the document exits 1 with the reason, and nothing is written.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from investigations.access import Viewer
from workbench.report_parameters import read_parameters
from workbench.reports import DocumentKind, Parameter, ParameterError, Preview, catalogue, kind_for
from workbench.roles import Role

ADMINISTRATOR = Viewer(user_id=0, role=Role.ADMINISTRATOR)

#: The option each kind of parameter answers to, whatever the kind calls it (``reference`` is ``--case``).
OPTION_FOR_KIND = {"case": "case", "body": "body", "year": "year", "service_area": "service-area",
                   "issue": "issue", "version": "version"}
METAVAR_FOR_KIND = {"case": "REF", "body": "NAME_OR_ID", "year": "2025|2025-26", "service_area": "NAME",
                    "issue": "ID", "text": "TEXT"}


class ExportFailed(Exception):
    """The document was not written; the message says why and what to do."""


def options_of(parameter: Parameter) -> list[str]:
    names = [OPTION_FOR_KIND.get(parameter.kind, ""), parameter.name.replace("_", "-")]
    return [f"--{name}" for name in dict.fromkeys(n for n in names if n)]


def metavar_of(parameter: Parameter) -> str:
    """``public|parties`` for a short fixed list, else what the value is (``NAME_OR_ID``)."""
    values = "|".join(v for v, _ in parameter.choices)
    if values and len(values) <= 30 and " " not in values:
        return values
    return METAVAR_FOR_KIND.get(parameter.kind, "VALUE")


def kind_parser(kind: DocumentKind) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"workbench export {kind.key}", description=kind.description,
                                     allow_abbrev=False)
    for parameter in kind.parameters:
        help_text = f"{parameter.label} ({'required' if parameter.required else 'optional'})"
        if parameter.choices:
            help_text += ": " + ", ".join(value if value == label else f"{value} ({label})"
                                          for value, label in parameter.choices)
        if parameter.hint:
            help_text += f". {parameter.hint}"
        parser.add_argument(*options_of(parameter), dest=parameter.name, default="", help=help_text,
                            metavar=metavar_of(parameter))
    parser.add_argument("-o", "--output", required=True, metavar="FILE.docx", help="where to write the document")
    return parser


def describe_catalogue() -> str:
    """Every document and its options, for ``workbench export`` with no document named."""
    lines = ["usage: workbench export KIND [options] -o FILE.docx", "", "Documents:"]
    for kind in catalogue():
        options = " ".join(f"{options_of(p)[0]} {metavar_of(p)}" if p.required else f"[{options_of(p)[0]} {metavar_of(p)}]"
                           for p in kind.parameters)
        lines += [f"  {kind.key:<24} {kind.label}", f"  {'':<24} {options}".rstrip()]
    lines += ["", "workbench export KIND --help lists a document's options."]
    return "\n".join(lines)


def report_problems(preview: Preview, stream=None) -> None:
    for problem in preview.problems:
        print(f"{problem.severity}: {problem.message}", file=stream or sys.stderr)


async def export(kind: DocumentKind, raw: dict[str, str], output: Path, viewer: Viewer = ADMINISTRATOR) -> Preview:
    """Check the parameters, gather, preview (problems to stderr), build, write ``output`` and audit it."""
    params, errors = read_parameters(kind, raw)
    if errors:
        names = {p.name: options_of(p)[0] for p in kind.parameters}
        raise ExportFailed("; ".join(f"{names.get(field, field)}: {message}" for field, message in errors.items()))
    try:
        data = await kind.gather(params, viewer)
    except ParameterError as exc:
        option = next((options_of(p)[0] for p in kind.parameters if p.name == exc.field), "")
        raise ExportFailed(f"{option}: {exc.message}" if option else exc.message) from None
    preview = kind.preview(data)
    report_problems(preview)
    if not preview.can_build:
        raise ExportFailed(f"the {kind.label.lower()} cannot be generated until the errors above are put right")
    content = kind.build(data)
    _write(output, content)
    await _audit(kind, params, preview, output, len(content))
    return preview


def _write(output: Path, content: bytes) -> None:
    """Whole or not at all: a half-written file never replaces a good one."""
    if not output.parent.is_dir():
        raise ExportFailed(f"cannot write {output}: there is no directory {output.parent}")
    temporary = output.with_name(f".{output.name}.partial")
    try:
        temporary.write_bytes(content)
        os.replace(temporary, output)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ExportFailed(f"cannot write {output}: {exc.strerror or exc}") from None


async def _audit(kind: DocumentKind, params, preview: Preview, output: Path, size: int) -> None:
    from workbench.audit import record_event

    await record_event(None, "document.generated", "document", kind.key,
                       f"Generated {kind.label}: {preview.filename} (command line, written to {output.name})",
                       {"parameters": dict(params), "filename": preview.filename, "bytes": size})


def main(key: str | None, rest: Sequence[str], output: str | None = None,
         check_settings: Callable[[], object] = lambda: None) -> None:
    """The command: exit 1 with ``workbench: ...`` when nothing was written. Listing the documents and
    their options needs no settings; exporting does (``check_settings`` exits with the reason)."""
    if key in (None, "-h", "--help", "list"):
        print(describe_catalogue())
        return
    try:
        kind = kind_for(key)
    except ParameterError as exc:
        sys.exit(f"workbench: {exc.message}")
    args = kind_parser(kind).parse_args([*rest, *(["-o", output] if output and "-o" not in rest else [])])
    raw = {p.name: getattr(args, p.name) for p in kind.parameters}
    check_settings()
    try:
        preview = asyncio.run(_with_database(lambda: export(kind, raw, Path(args.output))))
    except ExportFailed as exc:
        sys.exit(f"workbench: {exc}")
    print(f"Wrote {args.output}: {preview.title}")


async def _with_database(work: Callable[[], Awaitable[Preview]]) -> Preview:
    """As the app does: WAL on SQLite, a pool on PostgreSQL, closed afterwards."""
    from workbench.db import close_database, open_database
    from workbench.settings import get_settings

    await open_database(use_pool=get_settings().db_pool)
    try:
        return await work()
    finally:
        await close_database()
