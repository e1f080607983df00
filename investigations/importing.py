"""Import of historical cases from JSON Lines: one decided case per line.

Two halves, kept apart:

- **Pure**: ``parse_line`` turns one line of text into an ``ImportRecord`` or a ``Rejection``
  (the reason a person can act on). ``housing_ombudsman_record`` maps one line of the Housing
  Ombudsman's published findings onto the same record. No database, no web framework.
- **Database**: ``import_cases`` reads lines in batches (1,000 a write transaction), creates the
  bodies, categories and subcategories it does not know, inserts new cases, updates existing ones
  by reference (so a second run changes nothing), upserts findings per (case, body) and writes one
  audit event per run. A rejected line never stops the rest.

The format is documented in README.md, "Importing historical cases".
"""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable, Iterator

import anyio.to_thread

from investigations.lifecycle import Outcome, Stage
from investigations.reference_data import BODY_TYPES, COUNCIL_TYPES
from investigations.references import MAX_NUMBER, body_suffix, parse_reference

# Column limits (investigations/tables.py); checked here so a long value is a rejected line, not a
# database error (PostgreSQL enforces VARCHAR lengths; SQLite would silently keep them).
MAX_REFERENCE = 12
MAX_BODY_NAME = 200
MAX_CATEGORY_NAME = 100
MAX_BODIES = 26  # joint-case suffixes run a..z
EARLIEST_DATE = date(1974, 1, 1)  # the Local Government Act 1974 created the ombudsman

FORMATS = ("workbench", "housing-ombudsman")

# The complainant every imported case points at: historical records do not name one, and
# Case.complainant is required. One shared, plainly named row rather than thousands of blank ones.
HISTORICAL_COMPLAINANT = "Unknown complainant (historical import)"

# Category given to categories the workbench has never heard of (the taxonomy's catch-all area).
DEFAULT_SERVICE_AREA = "Corporate and other services"

OTHER_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/._-]*(?: [A-Za-z0-9/._-]+)*$")


# --------------------------------------------------------------------------- the record


@dataclass(frozen=True)
class BodyRef:
    name: str
    body_type: str  # one of reference_data.BODY_TYPES; used only if the body has to be created


@dataclass(frozen=True)
class FindingRecord:
    body: str  # the name as given in ``bodies``
    fault: bool
    injustice: bool
    description: str


@dataclass(frozen=True)
class ImportRecord:
    """One valid line, in the workbench's own terms."""

    reference: str
    bodies: tuple[BodyRef, ...]
    category: str
    subcategory: str  # "" means the category's "Other"
    received: date
    decided: date | None
    outcome: Outcome | None
    stage: Stage
    summary: str
    findings: tuple[FindingRecord, ...] = ()
    recommendations: int = 0
    notes: tuple[str, ...] = ()  # assumptions made, counted in the report
    counter: tuple[int, int] | None = None  # (two-digit year, number) for references in our form


@dataclass(frozen=True)
class Rejection:
    reason: str


class _Reject(Exception):
    pass


# --------------------------------------------------------------------------- vocabularies


def _words(text: str) -> str:
    """Lower case, every run of non-letters/digits a single space: "Upheld: fault, no injustice" -> "upheld fault no injustice"."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.casefold()).split())


_OUTCOME_WORDS: dict[str, tuple[Outcome, Stage]] = {}


def _outcome_words(words: Iterable[str], outcome: Outcome, stage: Stage = Stage.CLOSED) -> None:
    for word in words:
        _OUTCOME_WORDS[_words(word)] = (outcome, stage)


for _outcome in Outcome:  # the enum values and the labels the workbench itself shows
    _stage = {
        Outcome.PREMATURE: Stage.PREMATURE,
        Outcome.NOT_FOR_US: Stage.NOT_FOR_US,
        Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES: Stage.CLOSED_AFTER_INITIAL_ENQUIRIES,
    }.get(_outcome, Stage.CLOSED)
    _outcome_words([_outcome.value, _outcome.label], _outcome, _stage)
_outcome_words(
    ["upheld", "fault causing injustice", "upheld fault and injustice", "upheld maladministration and injustice",
     "maladministration and injustice", "maladministration causing injustice", "upheld injustice",
     "maladministration", "severe maladministration", "service failure", "fault"],
    Outcome.UPHELD_FAULT_INJUSTICE,
)
_outcome_words(
    ["upheld no injustice", "fault no injustice", "upheld fault but no injustice", "fault but no injustice",
     "maladministration no injustice", "upheld maladministration no injustice"],
    Outcome.UPHELD_FAULT_NO_INJUSTICE,
)
_outcome_words(
    ["not upheld", "not upheld no fault", "no fault", "no maladministration", "not upheld no maladministration",
     "no fault found", "not upheld no further action"],
    Outcome.NOT_UPHELD,
)
_outcome_words(
    ["upheld satisfactory remedy provided", "satisfactory remedy provided", "upheld remedy provided",
     "remedied by body", "remedied by the body", "remedy provided", "reasonable redress",
     "upheld reasonable redress", "fault remedied", "upheld remedied"],
    Outcome.REMEDIED_BY_BODY,
)
_outcome_words(["early resolution", "resolved early", "early settlement"], Outcome.REMEDIED_BY_BODY, Stage.EARLY_RESOLUTION)
_outcome_words(
    ["premature", "premature decision", "referred back for local resolution", "referred back to the body",
     "premature complaint", "premature referred back"],
    Outcome.PREMATURE, Stage.PREMATURE,
)
_outcome_words(
    ["not for us", "outside jurisdiction", "out of jurisdiction", "outside our jurisdiction", "no jurisdiction",
     "not in jurisdiction", "outside remit", "not within jurisdiction"],
    Outcome.NOT_FOR_US, Stage.NOT_FOR_US,
)
_outcome_words(
    ["closed after initial enquiries", "closed after initial enquiry", "closed after initial enquiries no further action",
     "cai", "caie", "closed initial enquiries", "closed after assessment", "assessment closed", "not investigated"],
    Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES, Stage.CLOSED_AFTER_INITIAL_ENQUIRIES,
)

# Longer phrasings: the first prefix that matches decides (so "not upheld ..." before "upheld ...").
_OUTCOME_PREFIXES: tuple[tuple[str, tuple[Outcome, Stage]], ...] = (
    ("closed after initial", (Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES, Stage.CLOSED_AFTER_INITIAL_ENQUIRIES)),
    ("not upheld", (Outcome.NOT_UPHELD, Stage.CLOSED)),
    ("no maladministration", (Outcome.NOT_UPHELD, Stage.CLOSED)),
    ("premature", (Outcome.PREMATURE, Stage.PREMATURE)),
    ("not for us", (Outcome.NOT_FOR_US, Stage.NOT_FOR_US)),
    ("outside jurisdiction", (Outcome.NOT_FOR_US, Stage.NOT_FOR_US)),
    ("out of jurisdiction", (Outcome.NOT_FOR_US, Stage.NOT_FOR_US)),
    ("early resolution", (Outcome.REMEDIED_BY_BODY, Stage.EARLY_RESOLUTION)),
)

ACCEPTED_OUTCOMES = (
    "upheld; upheld: fault causing injustice; upheld: fault, no injustice; "
    "upheld: satisfactory remedy provided (or 'remedied by body', 'reasonable redress'); not upheld; "
    "closed after initial enquiries; premature; not for us (or 'outside jurisdiction'); early resolution"
)


def _starts(words: str, prefix: str) -> bool:
    return words == prefix or words.startswith(prefix + " ")


def parse_outcome(text: str) -> tuple[Outcome, Stage]:
    """The outcome and the stage a decided case rests in, from the many ways people write it.

    >>> parse_outcome("Upheld - satisfactory remedy provided")
    (<Outcome.REMEDIED_BY_BODY: 'remedied_by_body'>, <Stage.CLOSED: 'closed'>)
    """
    words = _words(text)
    if words in _OUTCOME_WORDS:
        return _OUTCOME_WORDS[words]
    for prefix, result in _OUTCOME_PREFIXES:
        if _starts(words, prefix):
            return result
    if _starts(words, "upheld"):
        if any(w in words for w in ("remedy", "remedied", "redress", "put right")):
            return Outcome.REMEDIED_BY_BODY, Stage.CLOSED
        if "no injustice" in words or "without injustice" in words:
            return Outcome.UPHELD_FAULT_NO_INJUSTICE, Stage.CLOSED
        return Outcome.UPHELD_FAULT_INJUSTICE, Stage.CLOSED
    raise ValueError(f"unknown outcome {text!r}; accepted: {ACCEPTED_OUTCOMES}")


_BODY_TYPE_WORDS: tuple[tuple[str, str], ...] = (
    ("housing association", "housing_association"),
    ("registered provider", "housing_association"),
    ("registered social landlord", "housing_association"),
    ("housing trust", "housing_association"),
    ("county", "county_council"),
    ("district", "district_council"),
    ("unitary", "unitary_council"),
    ("metropolitan", "metropolitan_council"),
    ("london borough", "london_borough"),
    ("care provider", "independent_care_provider"),
    ("care home", "independent_care_provider"),
    ("home care", "independent_care_provider"),
    ("integrated care board", "icb"),
    ("clinical commissioning", "icb"),
    ("ccg", "icb"),
    ("icb", "icb"),
    ("nhs", "nhs_trust"),
)
_BODY_TYPE_PATTERNS = tuple((re.compile(rf"\b{phrase}\b"), slug) for phrase, slug in _BODY_TYPE_WORDS)
_COUNCIL_WORDS = re.compile(r"\b(?:local authority|council|almo|tmo|local)\b")
_BODY_TYPE_LABELS = {key: slug for slug, label in BODY_TYPES.items() for key in (slug.replace("_", " "), label.casefold())}


def body_type_from_name(name: str) -> str:
    """A council's type when its name says it ("London Borough of Ealing", "Kent County Council"), else "other"."""
    words = _words(name)
    if words.startswith("london borough of"):
        return "london_borough"
    if "metropolitan borough council" in words or words.endswith("metropolitan council"):
        return "metropolitan_council"
    if words.endswith("county council"):
        return "county_council"
    if words.endswith("district council"):
        return "district_council"
    return "other"


def parse_body_type(text: str, name: str = "") -> str:
    """Our body_type slug for words like "County Council", "Housing Association", "NHS trust"; unknown -> "other"."""
    raw = (text or "").strip()
    if raw in BODY_TYPES:
        return raw
    words = _words(raw)
    if words in _BODY_TYPE_LABELS:
        return _BODY_TYPE_LABELS[words]
    for pattern, slug in _BODY_TYPE_PATTERNS:
        if pattern.search(words):
            return slug
    if _COUNCIL_WORDS.search(words):
        return body_type_from_name(name)
    return "other"


def slugify(name: str) -> str:
    """The LGSCO URL form: "Children's care services" -> "children-s-care-services", "Damp & Mould" -> "damp-mould"."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


def _clean_name(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


# --------------------------------------------------------------------------- references and dates


def normalise_reference(text: Any) -> tuple[str, tuple[int, int] | None]:
    """A reference as stored: ours normalised to "22 001 239"; another scheme's kept as given.

    Returns the reference and, for ours, (two-digit year, number) so the reference counter can be
    moved past it. Body suffixes ("22 001 239a") are refused: one line is one case, its bodies listed.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str) or not text.strip():
        raise _Reject("reference is missing")
    text = " ".join(text.split())
    try:
        reference, suffix = parse_reference(text)
    except ValueError:
        if len(text) > MAX_REFERENCE:
            raise _Reject(f"reference {text!r} is longer than {MAX_REFERENCE} characters") from None
        if not OTHER_REFERENCE.match(text):
            raise _Reject(f"reference {text!r} may only contain letters, digits, spaces and / . _ -") from None
        return text, None
    if suffix:
        raise _Reject(f"reference {text!r} has a body letter; give the case reference ({reference}) and list the bodies")
    yy, number = int(reference[:2]), int(reference[3:].replace(" ", ""))
    if not 0 < number <= MAX_NUMBER:
        raise _Reject(f"reference {text!r} has number 000 000")
    return reference, (yy, number)


def reference_year(reference: str, counter: tuple[int, int] | None, today: date) -> int | None:
    """The year a reference was issued in, if it says: ours "22 ..." -> 2022; "201905768" -> 2019."""
    if counter is not None:
        year = 2000 + counter[0]
        return year if year <= today.year else year - 100
    match = re.match(r"^((?:19|20)\d\d)", reference)
    if match and EARLIEST_DATE.year <= int(match.group(1)) <= today.year:
        return int(match.group(1))
    return None


def parse_date(value: Any, name: str, today: date) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise _Reject(f"{name} must be a date like 2023-04-30, not {value!r}")
    text = value.strip()
    try:
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):  # UK order
            day, month, year = (int(p) for p in text.split("/"))
            parsed = date(year, month, day)
        else:
            if len(text) > 10 and text[10] in "T ":
                text = text[:10]
            parsed = date.fromisoformat(text)
    except ValueError:
        raise _Reject(f"{name} {value!r} is not a date (use YYYY-MM-DD)") from None
    if parsed > today:
        raise _Reject(f"{name} {parsed.isoformat()} is in the future")
    if parsed < EARLIEST_DATE:
        raise _Reject(f"{name} {parsed.isoformat()} is before {EARLIEST_DATE.year}")
    return parsed


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().casefold() in ("yes", "y", "true", "1"):
        return True
    if isinstance(value, str) and value.strip().casefold() in ("no", "n", "false", "0", ""):
        return False
    raise _Reject(f"{name} must be true or false, not {value!r}")


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Reject(f"{name} must be text")
    return value.strip()


# --------------------------------------------------------------------------- one line


def parse_line(line: str, today: date | None = None) -> ImportRecord | Rejection:
    """One line of the workbench format -> a record, or the reason it cannot be imported."""
    try:
        return parse_record(_load_json(line), today or date.today())
    except _Reject as exc:
        return Rejection(str(exc))


_SURROGATE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (read with surrogateescape)


def _load_json(line: str) -> dict[str, Any]:
    if _SURROGATE.search(line):
        raise _Reject("line is not valid UTF-8")
    try:
        data = json.loads(line.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise _Reject(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise _Reject("a line must be one JSON object")
    return data


def parse_record(data: dict[str, Any], today: date, extra_notes: Iterable[str] = ()) -> ImportRecord:
    """Validate one decoded object (workbench format); raises _Reject."""
    reference, counter = normalise_reference(data.get("reference"))
    bodies = _bodies(data.get("bodies"))
    category = _clean_name(data.get("category"))
    if not category:
        raise _Reject("category is missing")
    if len(category) > MAX_CATEGORY_NAME:
        raise _Reject(f"category is longer than {MAX_CATEGORY_NAME} characters")
    if not slugify(category):
        raise _Reject(f"category {category!r} has no letters or digits")
    subcategory = _clean_name(data.get("subcategory"))
    if len(subcategory) > MAX_CATEGORY_NAME:
        raise _Reject(f"subcategory is longer than {MAX_CATEGORY_NAME} characters")
    if subcategory and not slugify(subcategory):
        raise _Reject(f"subcategory {subcategory!r} has no letters or digits")

    received = parse_date(data.get("received"), "received", today)
    decided = parse_date(data.get("decided"), "decided", today)
    notes: list[str] = []
    if received and decided and decided < received:
        raise _Reject(f"decided {decided.isoformat()} is before received {received.isoformat()}")
    if received is None:
        if decided is not None:
            received = decided
            notes.append("received date not given: decision date used")
        else:
            year = reference_year(reference, counter, today)
            if year is None:
                raise _Reject("no received or decided date, and the reference does not give the year")
            received = date(year, 1, 1)
            notes.append("no dates: received set to 1 January of the reference's year")

    outcome_text = data.get("outcome")
    if outcome_text is None or (isinstance(outcome_text, str) and not outcome_text.strip()):
        outcome, stage = None, Stage.CLOSED
        notes.append("no outcome given: closed without an outcome")
    elif not isinstance(outcome_text, str):
        raise _Reject("outcome must be text")
    else:
        try:
            outcome, stage = parse_outcome(outcome_text)
        except ValueError as exc:
            raise _Reject(str(exc)) from None

    notes.extend(extra_notes)  # assumptions a format mapping made
    summary = _text(data.get("summary"), "summary")
    complaint = _text(data.get("complaint"), "complaint")
    if complaint and complaint != summary:
        summary = f"{summary}\n\n{complaint}" if summary else complaint

    findings = _findings(data.get("findings"), bodies)
    recommendations = data.get("recommendations")
    if recommendations is None:
        count = 0
    elif isinstance(recommendations, list):
        count = len(recommendations)
    else:
        raise _Reject("recommendations must be a list")

    return ImportRecord(
        reference=reference, bodies=bodies, category=category, subcategory=subcategory, received=received,
        decided=decided, outcome=outcome, stage=stage, summary=summary, findings=findings,
        recommendations=count, notes=tuple(notes), counter=counter,
    )


def _bodies(value: Any) -> tuple[BodyRef, ...]:
    if not value or not isinstance(value, list):
        raise _Reject("bodies is missing (a list of {name, type})")
    seen: dict[str, BodyRef] = {}
    for item in value:
        if isinstance(item, str):
            name, kind = _clean_name(item), ""
        elif isinstance(item, dict):
            name, kind = _clean_name(item.get("name")), item.get("type") or ""
            if not isinstance(kind, str):
                raise _Reject(f"body type must be text, not {kind!r}")
        else:
            raise _Reject("each body must be {name, type}")
        if not name:
            raise _Reject("a body has no name")
        if len(name) > MAX_BODY_NAME:
            raise _Reject(f"body name is longer than {MAX_BODY_NAME} characters")
        seen.setdefault(name.casefold(), BodyRef(name, parse_body_type(kind, name)))
    if len(seen) > MAX_BODIES:
        raise _Reject(f"a case can name at most {MAX_BODIES} bodies")
    return tuple(seen.values())


def _findings(value: Any, bodies: tuple[BodyRef, ...]) -> tuple[FindingRecord, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _Reject("findings must be a list")
    names = {b.name.casefold(): b.name for b in bodies}
    out: dict[str, FindingRecord] = {}
    for item in value:
        if not isinstance(item, dict):
            raise _Reject("each finding must be {body, fault, injustice, description}")
        name = _clean_name(item.get("body"))
        if not name:
            if len(bodies) != 1:
                raise _Reject("a finding names no body, and the case has more than one")
            name = bodies[0].name
        if name.casefold() not in names:
            raise _Reject(f"finding for {name!r}, which is not one of the case's bodies")
        key = name.casefold()
        if key in out:
            raise _Reject(f"two findings for {name!r}; give one per body")
        out[key] = FindingRecord(
            body=names[key],
            fault=_flag(item.get("fault"), "fault"),
            injustice=_flag(item.get("injustice"), "injustice"),
            description=_text(item.get("description"), "finding description"),
        )
    return tuple(out.values())


# --------------------------------------------------------------------------- Housing Ombudsman


HO_CATEGORY = "Housing"
HO_UNKNOWN_LANDLORD = "Unknown Landlord"  # the Housing Ombudsman's own label when it does not name one
HO_FAULT = {"maladministration", "severe maladministration", "service failure"}
HO_REMEDIED = {"reasonable redress"}
HO_NO_FAULT = {"no maladministration"}
HO_OUTSIDE = {"outside jurisdiction"}
HO_OUTCOMES = HO_FAULT | HO_REMEDIED | HO_NO_FAULT | HO_OUTSIDE
# The case's subcategory is its first substantive finding's category; complaint handling and
# "Other" are usually the secondary findings.
HO_SECONDARY = ("Other", "Complaint Handling")

# Words the broken-spacing repair may rejoin to (a word split by a stray space, "H andling",
# "th e", "wa s"). A pair is joined only when the join is one of these and one half is not.
COMMON_WORDS = frozenset(
    """
    the of in with scheme accordance paragraph was to there handling ombudsman landlord landlords and its
    complaint complaints by service services reports report reported failure failures failings failed failing
    redress respect response responses responded responding for no property repairs repair about has
    resident residents reasonable it this which damp that mould offer offered offers made relation her
    request requests requested opinion concerns concerning associated compensation not resolves resolved
    resolve satisfactorily on is asb leak leaks leaking determination determined been as at from
    investigation severe regarding prior his communal decision repaired water be finding findings issues
    issue works had following door doors behaviour have noise kitchen bathroom heating record keeping roof
    handled into did we caused or finds line including he therefore when communication communications
    damage damaged any identified appropriate appropriately windows window garden right guidance impact how
    put account way charge charges level amount amounts our boiler inconvenience above time reasons remedies
    remedy management things where found delay delays delayed hot rent information neighbour neighbours
    condition provided system infestation nuisance within front antisocial anti social whether subsequent
    would conduct staff replacement consider considered considering considers policy out evidence these
    were distress however being maintenance case tenancy transfer acknowledged given overall while provide
    proportionate complainant related outstanding due paid may will safety if building stage fire but
    based pest formal pay taken areas parking financial outside basis cleaning dispute move should are
    resolution order ordered process lack matter required so ingress fair all gas result find room fence
    she home queries application such external ceiling regard poor loss principles decant their recognised
    flooring toilet bedroom work further during address new also relating section jurisdiction apology area
    taking already part some apologised steps asbestos period learn payment after sufficient make replace
    outcomes consideration raised standard back because costs under shower over significant lift between
    member acknowledge flat temporary experienced internal installation belongings wall remedial balcony
    drainage administration trouble resulting actions take needed does grounds states own additional up
    various adaptations took access causing view faulty done around affected action through neighbouring
    block guttering health whilst having rehousing defects intervention install arrears exchange do effect
    what other award they support mutual pipe here living remove personal recognition floor permanent moved
    insulation can amounted satisfied reimbursement him items removal accommodation use rear recommendations
    recommendation complaint's an in on one its
    """.split()
)
_BOILERPLATE = re.compile(
    r"^\s*(?:(?:\(?determination|\(?(?:the\s+)?decision\s*\)?|therefore|(?:so\s+)?i\s+can\s+confirm|"
    r"having\s+carefully\s+considered\s+(?:all\s+)?the\s+evidence|after\s+carefully\s+considering\s+(?:all\s+)?the\s+evidence|"
    r"it\s+is\s+(?:also\s+)?determined\s+that)[\s()\-–:,.]*)*in\s+accordance\s+with\s*:?\s*paragraphs?\s+[^,]{0,40}?\s+of\s+the\s+"
    r"(?:housing\s+ombudsman(?:[’']s)?\s+)?(?:scheme|service)(?:\s+scheme)?(?:\s*\([^)]{0,20}\))?"
    r"\s*[,:;.]?\s*(?:there\s+(?:was|were|has\s+been|is)\s*[:,]?\s*)?",
    re.IGNORECASE,
)
_APOSTROPHE_S = re.compile(r"(\w)\s*([’'])\s*s\b")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"([\w)])\s+([.,;:])(?=\s|$)")
_PUNCTUATION = "\"'‘’“”()[],.;:!?-–"


def _rejoin_split_words(text: str) -> str:
    out: list[str] = []
    for token in text.split(" "):
        if out and token:
            left, right = out[-1].lstrip(_PUNCTUATION), token.rstrip(_PUNCTUATION)
            joined = (left + right).casefold()
            if (
                joined in COMMON_WORDS and out[-1][-1] not in _PUNCTUATION and token[0] not in _PUNCTUATION
                and left.isalpha() and right.isalpha()
                and (left.casefold() not in COMMON_WORDS or right.casefold() not in COMMON_WORDS)
            ):
                out[-1] += token
                continue
        out.append(token)
    return " ".join(out)


def clean_ho_text(text: str | None) -> str:
    """Light repair of finding text: stray spaces inside words, the "In accordance with paragraph 52
    of the Housing Ombudsman Scheme" preamble, runs of white space. Never rewrites the substance."""
    if not text:
        return ""
    cleaned = " ".join(text.split())
    cleaned = _APOSTROPHE_S.sub(r"\1\2s", cleaned)
    cleaned = _SPACE_BEFORE_PUNCTUATION.sub(r"\1\2", cleaned)
    cleaned = _rejoin_split_words(cleaned)
    stripped = _BOILERPLATE.sub("", cleaned, count=1).strip()
    if stripped and stripped != cleaned:
        cleaned = stripped[0].upper() + stripped[1:]
    return cleaned


_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_HO_DATE = re.compile(rf"\s*\b\d{{1,2}}\s+(?:{_MONTHS})\s+\d{{4}}$", re.IGNORECASE)


def ho_landlord(value: Any) -> tuple[str, list[str]]:
    """The landlord's name, with the extraction's few slips tidied: a date or "Complaint 2021..." where
    the name should be becomes Unknown Landlord; a trailing date or case number is dropped."""
    name = _clean_name(value)
    if not name:
        return HO_UNKNOWN_LANDLORD, ["landlord not named: recorded as Unknown Landlord"]
    if _HO_DATE.fullmatch(" " + name) or re.fullmatch(r"complaint\s+\d+", name, re.IGNORECASE):
        return HO_UNKNOWN_LANDLORD, ["landlord name was a date or case number: recorded as Unknown Landlord"]
    tidied = re.sub(r"\s+\d$", "", _HO_DATE.sub("", name)).strip()
    if tidied != name:
        return tidied, ["landlord name had a trailing date or number: dropped"]
    return name, []


def ho_outcome(outcomes: Iterable[str]) -> Outcome:
    """A case's outcome from its findings' outcomes: unremedied fault decides, then a remedy, then no fault."""
    found = {o.strip().casefold() for o in outcomes}
    if found & HO_FAULT:
        return Outcome.UPHELD_FAULT_INJUSTICE
    if found & HO_REMEDIED:
        return Outcome.REMEDIED_BY_BODY
    if found & HO_NO_FAULT:
        return Outcome.NOT_UPHELD
    return Outcome.NOT_FOR_US


def housing_ombudsman_record(data: dict[str, Any]) -> dict[str, Any]:
    """One Housing Ombudsman case (see /work/shared/data/README.md) as a workbench-format object.

    The landlord is the body; each HO finding becomes one line of the body's finding (fault if any
    finding was maladministration, severe maladministration, service failure or reasonable redress);
    category "Housing" with the HO category as subcategory. HO publishes no received date.
    """
    findings = data.get("findings")
    if not isinstance(findings, list) or not findings:
        raise _Reject("Housing Ombudsman case has no findings")
    body, notes = ho_landlord(data.get("body"))
    outcomes, lines, texts, categories = [], [], [], []
    fault = False
    for item in findings:
        if not isinstance(item, dict):
            raise _Reject("each Housing Ombudsman finding must be an object")
        outcome = _clean_name(item.get("outcome"))
        if outcome.casefold() not in HO_OUTCOMES:
            raise _Reject(f"unknown Housing Ombudsman finding outcome {outcome!r}")
        category = _clean_name(item.get("category")) or "Other"
        text = clean_ho_text(item.get("complaint"))
        outcomes.append(outcome)
        categories.append(category)
        if outcome.casefold() in HO_OUTSIDE:
            lines.append(f"{category} (outside jurisdiction): {text}" if text else f"{category}: outside jurisdiction")
            continue
        fault = fault or outcome.casefold() not in HO_NO_FAULT
        lines.append(f"{category}: {outcome}. {text}" if text else f"{category}: {outcome}.")
        if text:
            texts.append(text)
    case_outcome = ho_outcome(outcomes)
    substantive = [c for c in categories if c not in HO_SECONDARY]
    subcategory = (substantive or [c for c in categories if c == "Other"] or categories)[0]
    description = "\n".join(lines)
    if data.get("amended_at_review"):
        description += "\n(Decision amended at review.)"
    record_findings = []
    if case_outcome is not Outcome.NOT_FOR_US:
        record_findings.append({"body": body, "fault": fault, "injustice": fault, "description": description})
    return {
        "reference": data.get("reference"),
        "bodies": [{"name": body, "type": data.get("body_type") or ""}],
        "category": HO_CATEGORY,
        "subcategory": subcategory,
        "received": None,
        "decided": data.get("decision_date"),
        "outcome": case_outcome.value,
        "summary": "\n".join(dict.fromkeys(texts)) or description,
        "findings": record_findings,
        "_notes": notes,
    }


def parse_ho_line(line: str, today: date | None = None) -> ImportRecord | Rejection:
    """One line of the Housing Ombudsman's findings file -> a record, or the reason it cannot be imported."""
    try:
        record = housing_ombudsman_record(_load_json(line))
        notes = record.pop("_notes", ())
        return parse_record(record, today or date.today(), notes)
    except _Reject as exc:
        return Rejection(str(exc))


PARSERS: dict[str, Callable[[str, date | None], ImportRecord | Rejection]] = {
    "workbench": parse_line,
    "housing-ombudsman": parse_ho_line,
}


# --------------------------------------------------------------------------- the report


@dataclass
class ImportReport:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    created_bodies: list[str] = field(default_factory=list)
    created_categories: list[str] = field(default_factory=list)
    created_subcategories: list[str] = field(default_factory=list)  # "Category: Subcategory"
    recommendations_not_imported: int = 0
    notes: dict[str, int] = field(default_factory=dict)  # assumption -> number of cases
    seconds: float = 0.0
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rejected"] = [{"line": n, "reason": r} for n, r in self.rejected]
        data["seconds"] = round(self.seconds, 2)
        return data

    def counts(self) -> dict[str, int]:
        return {
            "read": self.read, "inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
            "rejected": len(self.rejected), "created_bodies": len(self.created_bodies),
            "created_categories": len(self.created_categories),
            "created_subcategories": len(self.created_subcategories),
            "recommendations_not_imported": self.recommendations_not_imported,
        }

    def progress_line(self) -> str:
        return (
            f"{self.read:,} lines read: {self.inserted:,} inserted, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged, {len(self.rejected):,} rejected ({self.seconds:.1f} s)"
        )


def format_report(report: ImportReport) -> str:
    """The report as a person reads it at the end of ``workbench import``."""
    out = [
        "Import " + ("checked (dry run: nothing was saved)" if report.dry_run else "finished") + f" in {report.seconds:.1f} s.",
        f"  lines read        {report.read:,}",
        f"  inserted          {report.inserted:,}",
        f"  updated           {report.updated:,}",
        f"  unchanged         {report.unchanged:,}",
        f"  rejected          {len(report.rejected):,}",
    ]
    if report.recommendations_not_imported:
        out.append(f"  recommendations   {report.recommendations_not_imported:,} not yet imported (remedies not built)")
    for note, count in sorted(report.notes.items()):
        out.append(f"  note: {note}: {count:,} cases")
    for title, names in (
        ("Bodies created", report.created_bodies),
        ("Categories created", report.created_categories),
        ("Subcategories created", report.created_subcategories),
    ):
        if names:
            out.append(f"{title} ({len(names):,}):")
            out.extend(f"  {name}" for name in names)
    if report.rejected:
        out.append(f"Rejected lines ({len(report.rejected):,}):")
        out.extend(f"  line {n}: {reason}" for n, reason in report.rejected)
    return "\n".join(out)


# --------------------------------------------------------------------------- the database


class _DryRun(Exception):
    pass


@dataclass
class _Lookups:
    """Ids of what the database already holds, keyed the ways a line may name them."""

    bodies: dict[str, tuple[int, str]]  # casefolded name -> (id, body type)
    aliases: dict[str, tuple[int, str]]  # casefolded alias -> (id, body type)
    categories: dict[str, tuple[int, str]]  # casefolded name, slug or slugified name -> (id, slug)
    subcategories: dict[str, int]  # slug ("cat/sub") -> id; also "cat-id|casefolded name"
    complainant: int | None
    category_names: dict[int, str] = field(default_factory=dict)


async def _load_lookups() -> _Lookups:
    from investigations.tables import Body, Category, Person, Subcategory

    bodies: dict[str, tuple[int, str]] = {}
    aliases: dict[str, tuple[int, str]] = {}
    for row in await Body.select(Body.id, Body.name, Body.aliases, Body.body_type).order_by(Body.id):
        bodies.setdefault(row["name"].casefold(), (row["id"], row["body_type"]))
        names = row["aliases"]
        if isinstance(names, str):
            names = json.loads(names or "[]")
        for alias in names or ():
            aliases.setdefault(str(alias).casefold(), (row["id"], row["body_type"]))
    categories: dict[str, tuple[int, str]] = {}
    category_names: dict[int, str] = {}
    for row in await Category.select(Category.id, Category.name, Category.slug):
        category_names[row["id"]] = row["name"]
        for key in (row["slug"], row["name"].casefold(), slugify(row["name"])):
            categories.setdefault(key, (row["id"], row["slug"]))
    subcategories: dict[str, int] = {}
    for row in await Subcategory.select(Subcategory.id, Subcategory.name, Subcategory.slug, Subcategory.category):
        subcategories[row["slug"]] = row["id"]
        subcategories.setdefault(f"{row['category']}|{row['name'].casefold()}", row["id"])
    person = await Person.select(Person.id).where(
        (Person.family_name == HISTORICAL_COMPLAINANT) & (Person.given_name == "")
    ).order_by(Person.id).first()
    return _Lookups(bodies, aliases, categories, subcategories, person["id"] if person else None, category_names)


@dataclass
class _BatchResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    created_bodies: list[str] = field(default_factory=list)
    created_categories: list[str] = field(default_factory=list)
    created_subcategories: list[str] = field(default_factory=list)


CASE_FIELDS = ("received_on", "decided_on", "category", "subcategory", "stage", "outcome", "summary", "stage_entered_on")


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


async def _resolve_taxonomy(records: list[ImportRecord], lookups: _Lookups, result: _BatchResult) -> list[tuple[int, int]]:
    """(category id, subcategory id) per record, creating what is missing."""
    from investigations.tables import Category, Subcategory

    out = []
    for record in records:
        key = record.category.casefold()
        found = lookups.categories.get(key) or lookups.categories.get(slugify(record.category))
        if found is None:
            row = Category(name=record.category, slug=slugify(record.category), service_area=DEFAULT_SERVICE_AREA)
            await row.save()
            found = (row.id, row.slug)
            for k in (key, row.slug):
                lookups.categories[k] = found
            lookups.category_names[row.id] = row.name
            result.created_categories.append(record.category)
        category_id, category_slug = found
        sub_name = record.subcategory or "Other"
        sub_slug = f"{category_slug}/{slugify(sub_name)}"
        sub_id = lookups.subcategories.get(f"{category_id}|{sub_name.casefold()}") or lookups.subcategories.get(sub_slug)
        if sub_id is None:
            row = Subcategory(category=category_id, name=sub_name, slug=sub_slug)
            await row.save()
            sub_id = row.id
            lookups.subcategories[sub_slug] = sub_id
            lookups.subcategories[f"{category_id}|{sub_name.casefold()}"] = sub_id
            result.created_subcategories.append(f"{lookups.category_names.get(category_id, record.category)}: {sub_name}")
        out.append((category_id, sub_id))
    return out


def _same_kind(stated: str, known: str) -> bool:
    return stated in ("other", known) or (stated in COUNCIL_TYPES and known in COUNCIL_TYPES)


def _find_body(body: BodyRef, lookups: _Lookups) -> int | None:
    """Exact name first; then an alias ("Kent", "Westminster"), unless the line says the body is of
    another kind (a housing association called "Nottingham" is not Nottingham City Council)."""
    key = body.name.casefold()
    if key in lookups.bodies:
        return lookups.bodies[key][0]
    alias = lookups.aliases.get(key)
    if alias and _same_kind(body.body_type, alias[1]):
        return alias[0]
    return None


async def _resolve_bodies(records: list[ImportRecord], lookups: _Lookups, result: _BatchResult) -> dict[BodyRef, int]:
    """Each body the batch names -> its id, creating those the workbench does not know (inactive)."""
    from investigations.tables import Body
    from workbench.db import bulk_insert

    ids: dict[BodyRef, int] = {}
    new: dict[str, BodyRef] = {}
    for record in records:
        for body in record.bodies:
            found = _find_body(body, lookups)
            if found is None:
                new.setdefault(body.name.casefold(), body)
            else:
                ids[body] = found
    if new:
        await bulk_insert(Body, [
            {"name": b.name, "aliases": "[]", "body_type": b.body_type, "region": "", "population": None, "active": False}
            for b in new.values()
        ])
        names = [b.name for b in new.values()]
        for row in await Body.select(Body.id, Body.name, Body.body_type).where(Body.name.is_in(names)):
            lookups.bodies[row["name"].casefold()] = (row["id"], row["body_type"])
        result.created_bodies.extend(names)
        for record in records:
            for body in record.bodies:
                if body not in ids:
                    ids[body] = lookups.bodies[body.name.casefold()][0]
    return ids


async def _ensure_complainant(lookups: _Lookups) -> int:
    from investigations.tables import Person

    if lookups.complainant is None:
        person = Person(family_name=HISTORICAL_COMPLAINANT, given_name="", title="")
        await person.save()
        lookups.complainant = person.id
    return lookups.complainant


async def _write_batch(
    records: list[ImportRecord], lookups: _Lookups, user, source: str, now: datetime
) -> _BatchResult:
    """Everything for one batch of valid records, inside the caller's write transaction."""
    from investigations.tables import Case, CaseBody, CaseEvent, Finding, ReferenceCounter
    from workbench.db import bulk_insert, bulk_update

    result = _BatchResult()
    body_ids_by_ref = await _resolve_bodies(records, lookups, result)
    taxonomy = await _resolve_taxonomy(records, lookups, result)

    references = [r.reference for r in records]
    existing = {
        row["reference"]: row
        for row in await Case.select(Case.id, Case.reference, Case.version, *(getattr(Case, f) for f in CASE_FIELDS))
        .where(Case.reference.is_in(references))
    }
    case_ids = [row["id"] for row in existing.values()]
    links: dict[tuple[int, int], dict] = {}
    linked: dict[int, list[int]] = {}  # case id -> body ids already linked, in letter order
    findings: dict[tuple[int, int], dict] = {}
    if case_ids:
        for row in await CaseBody.select(CaseBody.id, CaseBody.case, CaseBody.body, CaseBody.suffix).where(
            CaseBody.case.is_in(case_ids)
        ).order_by(CaseBody.suffix).order_by(CaseBody.id):
            links[(row["case"], row["body"])] = row
            linked.setdefault(row["case"], []).append(row["body"])
        for row in await Finding.select(
            Finding.id, Finding.case, Finding.body, Finding.fault, Finding.injustice, Finding.description, Finding.version
        ).where(Finding.case.is_in(case_ids)):
            findings[(row["case"], row["body"])] = row

    new_cases: list[dict] = []
    case_updates: list[dict] = []
    changed: set[str] = set()
    for record, (category_id, sub_id) in zip(records, taxonomy):
        values = {
            "received_on": record.received,
            "decided_on": record.decided,
            "category": category_id,
            "subcategory": sub_id,
            "stage": record.stage.value,
            "outcome": record.outcome.value if record.outcome else "",
            "summary": record.summary,
            "stage_entered_on": record.decided or record.received,
        }
        row = existing.get(record.reference)
        if row is None:
            new_cases.append({
                "reference": record.reference, **values, "investigator": None, "restricted": False,
                "care_funding": "", "outcome_wanted": "", "complainant": await _ensure_complainant(lookups),
                "person_affected": None, "representative": None, "representative_consent_on": None,
                "representative_consent_note": "", "first_aware_on": None, "local_procedure": "",
                "agreed_response_by": None, "urgent": False, "joint_with_phso": False, "closure_reason": "",
                "draft_issued_on": None, "comments_due_on": None, "created_at": now, "updated_at": now, "version": 1,
            })
            continue
        current = {f: _as_date(row[f]) if f.endswith("_on") else row[f] for f in CASE_FIELDS}
        if current != values:
            case_updates.append({"id": row["id"], **values, "updated_at": now, "version": row["version"] + 1})
            changed.add(record.reference)

    if new_cases:
        await bulk_insert(Case, new_cases)
        for row in await Case.select(Case.id, Case.reference).where(Case.reference.is_in([c["reference"] for c in new_cases])):
            existing[row["reference"]] = {"id": row["id"]}
    if case_updates:
        await bulk_update(Case, case_updates)

    new_links, link_updates, new_findings, finding_updates, events = [], [], [], [], []
    for record in records:
        case_id = existing[record.reference]["id"]
        by_name = {b.name.casefold(): body_ids_by_ref[b] for b in record.bodies}
        # The line's bodies in its order (two names may be one body), then any the case already had
        # that the line leaves out (links are never removed); letters follow that order.
        body_ids = list(dict.fromkeys([body_ids_by_ref[b] for b in record.bodies] + linked.get(case_id, [])))
        for position, body_id in enumerate(body_ids):
            suffix = body_suffix(position) if len(body_ids) > 1 else ""
            link = links.get((case_id, body_id))
            if link is None:
                new_links.append({"case": case_id, "body": body_id, "suffix": suffix})
                changed.add(record.reference)
            elif link["suffix"] != suffix:
                link_updates.append({"id": link["id"], "suffix": suffix})
                changed.add(record.reference)
        for finding in record.findings:
            body_id = by_name[finding.body.casefold()]
            old = findings.get((case_id, body_id))
            values = {"fault": finding.fault, "injustice": finding.injustice, "description": finding.description}
            if old is None:
                new_findings.append({
                    "case": case_id, "body": body_id, **values, "standards": "[]", "updated_at": now,
                    "by": user.id if user else None, "version": 1,
                })
                findings[(case_id, body_id)] = {"id": None, **values}
                changed.add(record.reference)
            elif {k: bool(old[k]) if k != "description" else old[k] for k in values} != values:
                if old["id"] is None:
                    continue  # the same body twice under two names: the first finding stands
                finding_updates.append({
                    "id": old["id"], **values, "updated_at": now, "by": user.id if user else None, "version": old["version"] + 1,
                })
                changed.add(record.reference)
    new_refs = {c["reference"] for c in new_cases}
    for record in records:
        if record.reference in new_refs:
            result.inserted += 1
            title = "Imported from historical records"
        elif record.reference in changed:
            result.updated += 1
            title = "Updated from historical records"
        else:
            result.unchanged += 1
            continue
        events.append({
            "case": existing[record.reference]["id"], "at": now, "by": user.id if user else None,
            "actor_name": (user.full_name or user.username) if user else "System", "kind": "import",
            "title": title, "detail": source,
        })

    await bulk_insert(CaseBody, new_links)
    if link_updates:
        await bulk_update(CaseBody, link_updates)
    await bulk_insert(Finding, new_findings)
    if finding_updates:
        await bulk_update(Finding, finding_updates)
    await bulk_insert(CaseEvent, events)

    # References in our own form: move each year's counter past the highest imported number, so
    # intake never issues a reference an imported case already has.
    highest: dict[int, int] = {}
    for record in records:
        if record.counter:
            yy, number = record.counter
            highest[yy] = max(highest.get(yy, 0), number)
    if highest:
        counters = {
            row["year"]: row for row in await ReferenceCounter.select().where(ReferenceCounter.year.is_in(list(highest)))
        }
        for yy, number in highest.items():
            if yy not in counters:
                await ReferenceCounter(year=yy, last_number=number).save()
            elif counters[yy]["last_number"] < number:
                await ReferenceCounter.update({ReferenceCounter.last_number: number}).where(ReferenceCounter.year == yy)
    return result


def _merge(report: ImportReport, result: _BatchResult) -> None:
    report.inserted += result.inserted
    report.updated += result.updated
    report.unchanged += result.unchanged
    report.created_bodies.extend(result.created_bodies)
    report.created_categories.extend(result.created_categories)
    report.created_subcategories.extend(result.created_subcategories)


async def _parsed_in_threads(numbered: Iterator[tuple[int, str]], parse, today: date, size: int):
    """Parse lines a chunk at a time in a worker thread, so a big import never holds the event loop
    (the web server goes on answering while the API imports a 20 MB file)."""
    while chunk := list(itertools.islice(numbered, size)):
        for item in await anyio.to_thread.run_sync(lambda: [(n, parse(line, today)) for n, line in chunk]):
            yield item


def _numbered(lines: Iterable[str | bytes]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(lines, start=1):
        if isinstance(line, bytes):
            line = line.decode("utf-8", errors="surrogateescape")
        if line.strip():
            yield number, line


async def import_cases(
    lines: Iterable[str | bytes],
    user=None,
    progress: Callable[[ImportReport], None] | None = None,
    *,
    format: str = "workbench",
    dry_run: bool = False,
    batch_size: int = 1000,
    source: str = "",
    today: date | None = None,
) -> ImportReport:
    """Import historical cases, one JSON object per line; see the module docstring.

    ``lines`` may be any iterable (a file is read as it goes). Blank lines are skipped; line numbers
    in the report count every line, blank or not. ``progress`` is called with the report after each
    batch. With ``dry_run`` everything is checked and counted inside one transaction that is then
    rolled back.
    """
    from workbench.audit import record_event
    from workbench.db import write_transaction

    if format not in PARSERS:
        raise ValueError(f"unknown format {format!r}; choose {' or '.join(FORMATS)}")
    parse = PARSERS[format]
    today = today or date.today()
    started = time.perf_counter()
    report = ImportReport(dry_run=dry_run)
    seen: dict[str, int] = {}
    now = datetime.now(timezone.utc)
    detail = f"From {source}" if source else "From an import file"

    async def run() -> None:
        lookups = await _load_lookups()
        batch: list[tuple[int, ImportRecord]] = []

        reported = 0

        async def flush() -> None:
            nonlocal lookups, reported
            if not batch:
                if progress and report.read != reported:  # the end of the file: lines rejected since the last batch
                    report.seconds = time.perf_counter() - started
                    progress(report)
                return
            records = [r for _, r in batch]
            failed: set[int] = set()
            try:
                async with write_transaction():
                    result = await _write_batch(records, lookups, user, detail, now)
                _merge(report, result)
            except Exception:
                if dry_run:
                    raise  # one transaction for the whole run: it cannot continue after an error
                # Find the culprit: retry one line at a time; the rest still go in.
                lookups = await _load_lookups()
                for number, record in batch:
                    try:
                        async with write_transaction():
                            result = await _write_batch([record], lookups, user, f"{detail}, line {number}", now)
                        _merge(report, result)
                    except Exception as exc:  # noqa: BLE001 - reported against the line
                        lookups = await _load_lookups()
                        seen.pop(record.reference, None)
                        failed.add(number)
                        report.rejected.append((number, f"could not be saved: {exc}"))
            for number, record in batch:
                if number in failed:
                    continue
                report.recommendations_not_imported += record.recommendations
                for note in record.notes:
                    report.notes[note] = report.notes.get(note, 0) + 1
            batch.clear()
            report.rejected.sort()
            report.seconds = time.perf_counter() - started
            reported = report.read
            if progress:
                progress(report)

        async for number, parsed in _parsed_in_threads(_numbered(lines), parse, today, batch_size):
            report.read += 1
            if isinstance(parsed, Rejection):
                report.rejected.append((number, parsed.reason))
                continue
            if parsed.reference in seen:
                report.rejected.append((number, f"reference {parsed.reference} is already on line {seen[parsed.reference]}"))
                continue
            seen[parsed.reference] = number
            batch.append((number, parsed))
            if len(batch) >= batch_size:
                await flush()
        if batch:
            await flush()
        await flush()  # an empty batch: only reports the final count

    if dry_run:
        try:
            async with write_transaction():
                await run()
                raise _DryRun
        except _DryRun:
            pass
    else:
        finished = False
        try:
            await run()
            finished = True
        finally:
            # Batches already committed stay committed; the log says so even if reading failed part-way.
            if finished or report.inserted or report.updated:
                stopped = "" if finished else " (stopped part-way: the file could not be read to the end)"
                await record_event(
                    user, "cases.imported", "case", "*",
                    summary=(
                        f"Imported historical cases{' from ' + source if source else ''}: {report.inserted:,} inserted, "
                        f"{report.updated:,} updated, {report.unchanged:,} unchanged, {len(report.rejected):,} rejected"
                        f"{stopped}"
                    ),
                    changes={"after": {**report.counts(), "format": format, "source": source, "finished": finished}},
                )
    report.seconds = time.perf_counter() - started
    return report
