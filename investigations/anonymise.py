"""Anonymising text for publication: people become letters, bodies a generic name, identifiers go.

The LGSCO publishes its decisions without identifying anyone (domain.md 2.3). Each person becomes
a consistent letter with their title ("Mrs X", "Mr Y"); children and people without a title a bare
letter ("B", "C"). The body becomes "the Council", "the Care Provider" or "the Trust". Addresses,
postcodes, dates of birth, emails, phone numbers and reference numbers are removed.

This module is pure and deterministic: the same people and texts always give the same letters and
the same output. Besides the new texts it returns what it replaced (original -> replacement, how
many times) and what it deliberately kept, so a report writer can check both before publishing.

The rules, each tested in tests/investigations/test_anonymise.py:

* Letters: titled adults take X, Y, Z, W, V ...; people without a title (and children: under 18 on
  the ``as_of`` date) take B, C, D ...; A, I and O are never used; a letter is never a real initial
  of anyone named in the case, nor one the text already uses with a title ("Mrs X" written by hand).
  Only Mr, Mrs, Ms, Miss, Mx and Dr are kept as titles; rarer ones (Sir, Lady, Revd) would identify,
  so those people get a bare letter.
* Names are found however they are written: full ("Mrs Ada Lovelace", "Ada Lovelace", "LOVELACE,
  Ada", "A. Lovelace"), title and family name (any title: "Ms Lovelace" is still her), family or
  given name alone, possessives ("Lovelace's", "Jones'" -> "Mrs X's"), any capitalisation
  ("LOVELACE"), inside quotes, inside hyphenated words ("the Lovelace-run home"), each part of a
  double-barrelled name, a name broken by a line-end hyphen ("Love-\\nlace"), accents left off
  ("Zoe" for "Zoë"), curly or straight apostrophes ("O’Brien"), and across invisible characters
  (soft hyphens and zero-width spaces are removed first).
* A name that is also an ordinary word ("Brown", "Grace", "Ward") is replaced wherever it starts
  with a capital or is all capitals, but left alone in lower case ("a brown envelope", "a ward").
  Every such word left alone is listed as *kept*, so the writer sees it. A name that is a month
  ("May", "June") is left alone next to a number ("5 May 2024", "May 2024"), and listed as kept.
* Two people sharing a family name: "Mrs Lovelace" goes to the one whose title matches; the name
  alone goes to the first of them in case order (complainant, person affected, representative,
  others) and is flagged as ambiguous in the list.
* Bodies: the name and its aliases (a council's bare place name is not an alias worth replacing:
  "she lives in Essex" stays), with a leading "the" taken in and "The" at the start of a sentence.
* Removed everywhere, whoever they belong to: email addresses, UK phone numbers, UK postcodes,
  case-reference-like numbers ("25 900 001", "25-900-001a"), NHS and National Insurance numbers,
  and links that contain a name. Per person: their address (whole, by line, and the street alone),
  and their date of birth in any common spelling; any date after "date of birth", "DOB" or "born".

Matching is one pass per text: every rule proposes spans, the leftmost-longest wins, and nothing
is matched inside a replacement, so replacements never cascade.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

__all__ = [
    "Anonymised",
    "Anonymiser",
    "BodyDetails",
    "PersonDetails",
    "Replacement",
    "anonymise",
    "body_label",
    "person_from_name",
]

# ---------------------------------------------------------------------------------------------
# What the caller gives


@dataclass(frozen=True)
class PersonDetails:
    """A person named in the case; ``role`` is for the list shown to the writer ("complainant")."""

    family_name: str
    given_name: str = ""
    title: str = ""
    role: str = ""
    address: str = ""
    postcode: str = ""
    date_of_birth: date | None = None
    email: str = ""
    phone: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.title, self.given_name, self.family_name) if p)


@dataclass(frozen=True)
class BodyDetails:
    name: str
    body_type: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Replacement:
    """One line of the list a writer checks: ``kind`` is "name", "body", "address", ... or "kept"."""

    original: str
    replacement: str
    count: int
    kind: str
    note: str = ""


@dataclass(frozen=True)
class Anonymised:
    texts: tuple[str, ...]
    replacements: tuple[Replacement, ...]
    letters: tuple[tuple[str, str], ...]  # (who, as "Mrs Ada Lovelace (complainant)", label "Mrs X")
    warnings: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return self.texts[0] if self.texts else ""

    @property
    def replaced(self) -> tuple[Replacement, ...]:
        return tuple(r for r in self.replacements if r.kind != "kept")

    @property
    def kept(self) -> tuple[Replacement, ...]:
        return tuple(r for r in self.replacements if r.kind == "kept")


# ---------------------------------------------------------------------------------------------
# Vocabulary

TITLES = ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Doctor", "Prof", "Professor", "Sir", "Dame", "Lady",
          "Lord", "Rev", "Revd", "Reverend", "Master", "Mister", "Madam", "Mme", "Mlle")
KEPT_TITLES = {"mr": "Mr", "mrs": "Mrs", "ms": "Ms", "miss": "Miss", "mx": "Mx", "dr": "Dr", "doctor": "Dr",
               "mister": "Mr"}
TITLED_LETTERS = "XYZWVUTSRQPNMLKJHGFEDCB"
UNTITLED_LETTERS = "BCDEFGHJKLMNPQRSTUVWXYZ"
NEVER_LETTERS = frozenset("AIO")  # "A" and "I" read as words; "O" as a zero
ADULT_AGE = 18
PARTICLES = frozenset({"van", "von", "der", "den", "de", "la", "le", "du", "da", "di", "del", "della", "dos",
                       "al", "el", "bin", "ibn", "ap", "st"})

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")
MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec")

#: Names that are also ordinary English words: in lower case they are read as the word, not the name.
COMMON_WORDS = frozenset("""
    amber april archer arrow august autumn baker bank banks barber barn bay beach bean bell best bird
    bishop black bliss bloom bolt bond booth bow brave bright brook brooks brown budd bull bush butcher
    butler cash chambers chance chase child church clay cliff coates cook cooper cotton cross crow crystal
    dale dawn day daisy drake duke dyer earl east fair faith farmer field fields finch fish fisher ford
    forest fox frank free friend gardener gate gates gentle gill glass gold golden good goodwill grace
    grant gray green grey grove guard guy hall hand hands hardy hart hawk hay hazel head heath heather
    hill hills holly hood hook hope house hunt hunter ivy jack jade jolly joy judge july june key keys
    king knight lake lamb lane law lawless lee lock long lord love major march marsh mason may meadow
    mercy merry miller mills moody moor moss much nail newman noble north oak olive page palmer park
    parker parsons patience pearl penny person pike pine plant pool poole pope porter potter pound
    power price prince prudence rain ray read reed rich ridge rivers robin rock rose ross ruby rush
    sage salmon sandy savage sharp shaw shepherd short silver slater small smart smith south sparrow
    spear spring stable steel stone storm street strong summer summers sunny swan sweet taylor thorn
    tower turner vale victor violet wall ward warren waters weaver well wells west white wild will
    winter wise wolf wood woods wren young
""".split())

INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
APOSTROPHES = "'\u2019\u2018`"
HYPHENS = "-\u2010\u2011\u2012\u2013"

#: Generic labels for bodies by type (domain.md 2.3), and a more specific one for when two clash.
BODY_LABELS = {
    "county_council": ("the Council", "the County Council"),
    "district_council": ("the Council", "the District Council"),
    "unitary_council": ("the Council", "the Unitary Council"),
    "metropolitan_council": ("the Council", "the Metropolitan Council"),
    "london_borough": ("the Council", "the London Borough Council"),
    "independent_care_provider": ("the Care Provider", "the Care Provider"),
    "nhs_trust": ("the Trust", "the Trust"),
    "icb": ("the ICB", "the Integrated Care Board"),
    "housing_association": ("the Housing Association", "the Housing Association"),
    "other": ("the Organisation", "the Organisation"),
}
COUNCIL_TYPES = frozenset(k for k, (label, _) in BODY_LABELS.items() if label == "the Council")
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")

REMOVED = {
    "address": "[address removed]",
    "postcode": "[postcode removed]",
    "date of birth": "[date of birth removed]",
    "email": "[email removed]",
    "phone": "[phone number removed]",
    "reference": "[reference removed]",
    "NHS number": "[NHS number removed]",
    "National Insurance number": "[National Insurance number removed]",
    "link": "[link removed]",
}

# Word edges: a letter or digit may not touch a name (an underscore or hyphen may).
LEFT = r"(?<![^\W_])"
RIGHT = r"(?![^\W_])"
# A title starts with a capital ("Mrs", "MRS"), so "did not miss Lovelace" keeps its "miss".
_TITLE = r"(?P<title>(?-i:" + "|".join(sorted({f for t in TITLES for f in (t, t.upper())}, key=lambda t: (-len(t), t))) + r"))\.?"
_INITIAL = r"(?-i:[A-Z])(?![^\W_])\.?"  # a lone capital: never the last letter of "DRE." or "NHS"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])"
_MONTH_NAME = r"(?:" + "|".join(MONTHS + MONTH_ABBREVIATIONS) + r")\.?"
_ANY_DATE = (
    rf"(?:{_DAY}[/.\-]{_DAY}[/.\-](?:\d{{4}}|\d{{2}})"
    rf"|\d{{4}}-\d{{1,2}}-\d{{1,2}}"
    rf"|{_DAY}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_NAME},?\s+\d{{4}}"
    rf"|{_MONTH_NAME}\s+{_DAY}(?:st|nd|rd|th)?,?\s+\d{{4}})"
)

EMAIL = re.compile(r"[\w.+'\-]+@[\w\-]+(?:\.[\w\-]+)+", re.IGNORECASE)
URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
POSTCODE = re.compile(LEFT + r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}" + RIGHT, re.IGNORECASE)
PHONE = re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d{2,4}\)?[\s\-.]?\d{3,4}[\s\-.]?\d{3,4}(?![\w])")
REFERENCE = re.compile(LEFT + r"\d{2}[ \-]?\d{3}[ \-]?\d{3}[a-z]?" + RIGHT, re.IGNORECASE)
NHS_NUMBER = re.compile(LEFT + r"\d{3}[ \-]\d{3}[ \-]\d{4}" + RIGHT)
NI_NUMBER = re.compile(LEFT + r"[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]" + RIGHT)  # any prefix: QQ is HMRC's example
DOB_CUE = re.compile(rf"(?:date\s+of\s+birth|d\.?o\.?b\.?|born(?:\s+on)?)\s*(?:is|was)?\s*[:\-]?\s*(?P<date>{_ANY_DATE})",
                     re.IGNORECASE)
EXISTING_LETTER = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+([A-Z])(?!\w|['’][A-Za-z]{2})")  # "Mrs X's", not "Mr O'Brien"


# ---------------------------------------------------------------------------------------------
# Small pure helpers


def normalise(text: str) -> str:
    """NFC, without invisible characters that could hide a name from matching (soft hyphen, ZWSP)."""
    return unicodedata.normalize("NFC", text or "").translate(INVISIBLE)


def _base(text: str) -> str:
    """Without accents: "Zoë" -> "Zoe"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _fold(text: str) -> str:
    return _base(text).casefold()


def _flexible(name: str) -> str:
    """A regex for a name written any reasonable way (case is left to re.IGNORECASE).

    Accented letters also match their plain form, apostrophes match any apostrophe, a hyphen in the
    name matches any dash with optional spaces, and a long word may be broken by a line-end hyphen.
    """
    words = re.split(r"\s+", name.strip())
    return r"\s+".join(_flexible_word(w) for w in words if w)


def _flexible_word(word: str) -> str:
    parts = re.split(f"[{HYPHENS}]", word)
    return rf"\s*[{HYPHENS}]\s*".join(_flexible_part(p) for p in parts if p)


def _flexible_part(part: str) -> str:
    pieces = []
    letters = [c for c in part]
    breakable = sum(c.isalpha() for c in letters) >= 4
    for i, char in enumerate(letters):
        if char in APOSTROPHES:
            pieces.append(f"[{APOSTROPHES}]")
            continue
        base = _base(char)
        pieces.append(f"[{re.escape(char)}{re.escape(base)}]" if base and base != char else re.escape(char))
        if breakable and i < len(letters) - 1 and char.isalpha() and letters[i + 1].isalpha():
            pieces.append(rf"(?:[{HYPHENS}]\s*)?")
    return "".join(pieces)


def _sentence_start(text: str, at: int) -> bool:
    before = text[:at].rstrip(" \t\"'“‘(")
    return not before or before[-1] in ".!?:\n"


def person_from_name(text: str, role: str = "named in the text") -> PersonDetails | None:
    """'Dr Priya Shah' -> title Dr, given Priya, family Shah; a single word is a family name."""
    words = [w for w in re.split(r"\s+", text.strip()) if w]
    title = ""
    if len(words) > 1 and words[0].rstrip(".").casefold() in {t.casefold() for t in TITLES}:
        title = words.pop(0).rstrip(".")
    if not words:
        return None
    return PersonDetails(family_name=words[-1], given_name=" ".join(words[:-1]), title=title, role=role)


def body_label(body_type: str) -> str:
    return BODY_LABELS.get(body_type, BODY_LABELS["other"])[0]


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# ---------------------------------------------------------------------------------------------
# Matching


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    replacement: str
    kind: str
    rank: int = 0  # breaks ties between the same span: the more specific rule wins
    order: int = 0  # then the earlier person in case order
    note: str = ""


@dataclass
class _Rule:
    pattern: re.Pattern
    kind: str
    replacement: str
    rank: int = 0
    order: int = 0
    single_word: str = ""  # the name word, when the rule matches one word alone (lower-case rule)
    group: str = ""  # replace this named group only
    title_of: str = ""  # the person's own title: a match with it outranks one with another title
    sentence_case: bool = False  # "The Council" at the start of a sentence
    possessive: bool = False


@dataclass
class _Person:
    details: PersonDetails
    label: str
    order: int


class Anonymiser:
    """Letters decided once for a case, then applied to any number of texts consistently."""

    def __init__(self, people: Sequence[PersonDetails], bodies: Sequence[BodyDetails] = (), reference: str = "",
                 other_names: Iterable[str] = (), *, as_of: date | None = None, texts: Iterable[str] = ()) -> None:
        others = [p for p in (person_from_name(n) for n in other_names if n and n.strip()) if p]
        self.people = _unique_people([*people, *others])
        self.bodies = tuple(bodies)
        self.reference = reference
        self.as_of = as_of
        self.warnings: list[str] = []
        existing = sorted({m.group(1) for t in texts for m in EXISTING_LETTER.finditer(normalise(t))})
        if existing:
            self.warnings.append(
                "The text already uses " + ", ".join(f"“… {letter}”" for letter in existing)
                + " with a title; the people in the case were given other letters, so check who those are.")
        self._people = self._assign_letters(set(existing))
        self._body_labels = self._assign_body_labels()
        self._rules = self._build_rules()
        self._ambiguous_warned: set[str] = set()

    # -- letters ---------------------------------------------------------------------------------

    def _is_child(self, person: PersonDetails) -> bool:
        return bool(person.date_of_birth and self.as_of and _age_on(person.date_of_birth, self.as_of) < ADULT_AGE)

    def _title_for(self, person: PersonDetails) -> str:
        if self._is_child(person):
            return ""
        return KEPT_TITLES.get(person.title.strip().rstrip(".").casefold(), "")

    def _assign_letters(self, existing: set[str]) -> list[_Person]:
        initials = {_base(w[0]).upper() for p in self.people for w in re.split(r"[\s\-]+", f"{p.given_name} {p.family_name}")
                    if w and w[0].isalpha()}
        used: set[str] = set()
        assigned = []
        for order, person in enumerate(self.people):
            title = self._title_for(person)
            pool = TITLED_LETTERS if title else UNTITLED_LETTERS
            letter = next((c for c in pool if c not in used | initials | existing | NEVER_LETTERS), None)
            if letter is None:  # more people than letters once initials are avoided: allow initials
                letter = next((c for c in pool if c not in used | existing | NEVER_LETTERS), None)
                self.warnings.append("Some people's letters are also real initials: there were too many people to avoid them.")
            if letter is None:
                letter = next(c for c in pool if c not in used | NEVER_LETTERS)
            used.add(letter)
            assigned.append(_Person(person, f"{title} {letter}" if title else letter, order))
        return assigned

    @property
    def letters(self) -> tuple[tuple[str, str], ...]:
        return tuple((_describe(p.details), p.label) for p in self._people)

    def label_for(self, person: PersonDetails) -> str:
        for p in self._people:
            if _same_person(p.details, person):
                return p.label
        raise KeyError(person.full_name)

    def _assign_body_labels(self) -> list[str]:
        plain = [body_label(b.body_type) for b in self.bodies]
        labels = []
        for body, label in zip(self.bodies, plain):
            if plain.count(label) > 1:
                label = BODY_LABELS.get(body.body_type, BODY_LABELS["other"])[1]
            labels.append(label)
        numbered = list(labels)
        for i, label in enumerate(labels):
            nth = labels[:i].count(label)  # the first keeps the plain label; later ones are "the second ..."
            if nth:
                numbered[i] = label.replace("the ", f"the {ORDINALS[min(nth, len(ORDINALS) - 1)]} ", 1)
        return numbered

    def body_label_for(self, name: str) -> str:
        for body, label in zip(self.bodies, self._body_labels):
            if body.name == name:
                return label
        raise KeyError(name)

    # -- rules -----------------------------------------------------------------------------------

    def _build_rules(self) -> list[_Rule]:
        rules: list[_Rule] = []
        for person in self._people:
            rules += _person_rules(person)
        for body, label in zip(self.bodies, self._body_labels):
            rules += _body_rules(body, label)
        flags = re.IGNORECASE
        rules += [
            _Rule(EMAIL, "email", REMOVED["email"], rank=9),
            _Rule(PHONE, "phone", REMOVED["phone"], rank=8),
            _Rule(POSTCODE, "postcode", REMOVED["postcode"], rank=8),
            _Rule(NI_NUMBER, "National Insurance number", REMOVED["National Insurance number"], rank=8),
            _Rule(NHS_NUMBER, "NHS number", REMOVED["NHS number"], rank=7),
            _Rule(REFERENCE, "reference", REMOVED["reference"], rank=7),
            _Rule(DOB_CUE, "date of birth", REMOVED["date of birth"], rank=9, group="date"),
        ]
        if self.reference.strip():
            digits = re.findall(r"[0-9A-Za-z]", self.reference)
            rules.append(_Rule(re.compile(LEFT + r"[\s\-/]?".join(map(re.escape, digits)) + r"[a-z]?" + RIGHT, flags),
                               "reference", REMOVED["reference"], rank=9))
        for person in self._people:
            rules += _identifier_rules(person.details)
        return rules

    # -- applying --------------------------------------------------------------------------------

    def _hits(self, text: str) -> tuple[list[_Hit], list[tuple[int, str, str]]]:
        hits, kept = [], []
        for rule in self._rules:
            for match in rule.pattern.finditer(text):
                start, end = match.span(rule.group or 0)
                if start == end:
                    continue
                found = text[start:end]
                if rule.kind == "link" and not self._link_names_someone(found):
                    continue
                if rule.single_word:
                    reason = _leave_alone(found, rule.single_word, text, start, end)
                    if reason:
                        kept.append((start, found, reason))
                        continue
                rank = rule.rank
                if rule.title_of and match.groupdict().get("title"):
                    matched_title = match.group("title").rstrip(".").casefold()
                    if KEPT_TITLES.get(matched_title, matched_title) == KEPT_TITLES.get(rule.title_of.casefold(), rule.title_of.casefold()):
                        rank += 1
                replacement = rule.replacement
                if rule.sentence_case and _sentence_start(text, start):
                    replacement = replacement[0].upper() + replacement[1:]
                if rule.possessive:
                    end, replacement = _take_possessive(text, end, replacement)
                hits.append(_Hit(start, end, replacement, rule.kind, rank, rule.order))
        return hits, kept

    def _link_names_someone(self, url: str) -> bool:
        folded = _fold(url)
        return any(len(w) >= 3 and _fold(w) in folded for p in self.people
                   for w in re.split(r"[\s\-]+", f"{p.given_name} {p.family_name}"))

    def apply(self, text: str) -> tuple[str, list[tuple[str, str, str, str]], list[tuple[str, str]]]:
        """One text: (new text, [(original, replacement, kind, note)], [(kept word, why)])."""
        text = normalise(text)
        hits, kept = self._hits(text)
        chosen = _choose(hits)
        out, done, position = [], [], 0
        for hit, note in chosen:
            out.append(text[position:hit.start])
            out.append(hit.replacement)
            done.append((text[hit.start:hit.end], hit.replacement, hit.kind, note))
            position = hit.end
        out.append(text[position:])
        # A word left alone by one rule but inside a span replaced by another is not "kept".
        spans = [(h.start, h.end) for h, _ in chosen]
        left = {start: (word, why) for start, word, why in kept if not any(s <= start < e for s, e in spans)}
        return "".join(out), done, [left[start] for start in sorted(left)]

    def anonymise_all(self, texts: Sequence[str]) -> Anonymised:
        results, tally, first_seen = [], {}, []
        for text in texts:
            new, done, kept = self.apply(text)
            results.append(new)
            for original, replacement, kind, note in done:
                key = (original, replacement, kind, note)
                if key not in tally:
                    first_seen.append(key)
                    tally[key] = 0
                tally[key] += 1
            for word, why in kept:
                key = (word, word, "kept", why)
                if key not in tally:
                    first_seen.append(key)
                    tally[key] = 0
                tally[key] += 1
        replacements = tuple(Replacement(o, r, tally[(o, r, k, n)], k, n) for (o, r, k, n) in first_seen)
        warnings = list(self.warnings)
        ambiguous = sorted({r.original for r in replacements if r.note.startswith("ambiguous")})
        if ambiguous:
            warnings.append("Shared names were given to the first person who has them: "
                            + ", ".join(f"“{a}”" for a in ambiguous) + ". Check each one.")
        return Anonymised(tuple(results), replacements, self.letters, tuple(warnings))


def anonymise(texts: str | Sequence[str], people: Sequence[PersonDetails], bodies: Sequence[BodyDetails] = (),
              reference: str = "", other_names: Iterable[str] = (), *, as_of: date | None = None) -> Anonymised:
    """Anonymise one text or several (consistently: the same person is the same letter in all)."""
    many = [texts] if isinstance(texts, str) else list(texts)
    anonymiser = Anonymiser(people, bodies, reference, other_names, as_of=as_of, texts=many)
    return anonymiser.anonymise_all(many)


# ---------------------------------------------------------------------------------------------
# Building the rules


def _same_person(a: PersonDetails, b: PersonDetails) -> bool:
    return (_fold(a.family_name), _fold(a.given_name)) == (_fold(b.family_name), _fold(b.given_name))


def _unique_people(people: Sequence[PersonDetails]) -> list[PersonDetails]:
    """One entry per person (the complainant may also be the person affected)."""
    unique: list[PersonDetails] = []
    for person in people:
        if not person.family_name.strip() and not person.given_name.strip():
            continue
        if not any(_same_person(person, seen) for seen in unique):
            unique.append(person)
    return unique


def _describe(person: PersonDetails) -> str:
    return f"{person.full_name} ({person.role})" if person.role else person.full_name


def _name_words(name: str) -> list[str]:
    """The words of a name that identify on their own: "Lovelace-Byron" -> both parts; not "van"."""
    words = []
    for word in re.split(r"\s+", name.strip()):
        if not word:
            continue
        parts = [p for p in re.split(f"[{HYPHENS}]", word) if p]
        for part in ([word] if len(parts) > 1 else []) + parts:
            if len(part.strip(APOSTROPHES)) >= 2 and part.casefold() not in PARTICLES and part not in words:
                words.append(part)
    return words


def _person_rules(person: _Person) -> list[_Rule]:
    p, label, order = person.details, person.label, person.order
    flags = re.IGNORECASE
    family, given = p.family_name.strip(), p.given_name.strip()
    F, G = _flexible(family) if family else "", _flexible(given) if given else ""

    def rule(pattern: str, rank: int, single_word: str = "", title_of: str = "") -> _Rule:
        return _Rule(re.compile(LEFT + pattern + RIGHT, flags), "name", label, rank, order, single_word,
                     title_of=title_of, possessive=True)

    rules = []
    middle = r"(?:\s+" + _INITIAL + r"){0,2}"
    if F and G:
        rules.append(rule(rf"(?:{_TITLE}\s+)?{G}{middle}\s+{F}", 7))
        rules.append(rule(rf"{F},\s*(?:{_TITLE}\s+)?{G}", 7))
        rules.append(rule(rf"{_TITLE}\s+{G}", 4))
    if F:
        rules.append(rule(rf"{_TITLE}\s+{F}", 5, title_of=p.title.strip() or "-"))
        rules.append(rule(rf"(?:{_TITLE}\s+)?{_initials(given)}\s*{F}", 5, title_of=p.title.strip() or "-"))
        for word in _name_words(family):
            rules.append(rule(_flexible(word), 3, single_word=word))
    if G:
        for word in _name_words(given):
            rules.append(rule(_flexible(word), 2, single_word=word))
    return rules


def _initials(given: str) -> str:
    """Up to three initials before the family name ("A. Lovelace", "A.B. Lovelace", "Mrs A Lovelace").

    Each is a lone capital, and the first is one of the given names' initials when they are known:
    otherwise "Plan B. Lovelace said" or "at 9 A.M. Lovelace" would take the sentence's last word
    with the name. Run together without full stops ("MA Lovelace") only as exactly the given names'
    initials, so an abbreviation ("NHS Lovelace") is left alone.
    """
    firsts = sorted({c for w in given.split() for c in (w[0].upper(), _base(w[0]).upper())})
    first = rf"(?-i:[{''.join(map(re.escape, firsts))}])(?![^\W_])\.?" if firsts else _INITIAL
    dotted = rf"{first}(?:\s*{_INITIAL}){{0,2}}"
    run_together = "".join(c for c in (_base(w[0]).upper() for w in given.split()) if c.isalpha())
    if len(run_together) in (2, 3):
        dotted = rf"(?:{dotted}|(?-i:{run_together})(?![^\W_]))"
    return rf"(?<!\d\s)(?<!\d){dotted}"


def _body_rules(body: BodyDetails, label: str) -> list[_Rule]:
    names = [body.name, *_useful_aliases(body)]
    rules = []
    for name in sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True):
        pattern = re.compile(LEFT + r"(?:the\s+)?" + _flexible(name) + RIGHT, re.IGNORECASE)
        rules.append(_Rule(pattern, "body", label, rank=6, sentence_case=True, possessive=True))
    return rules


def _useful_aliases(body: BodyDetails) -> list[str]:
    """Aliases worth replacing: not a council's bare place name ("Essex"), and no tiny fragments."""
    aliases = []
    for alias in body.aliases:
        alias = alias.strip()
        if len(alias) < 2:
            continue
        one_word = len(alias.split()) == 1
        if one_word and body.body_type in COUNCIL_TYPES and not alias.isupper():
            continue
        aliases.append(alias)
    return aliases


def _identifier_rules(p: PersonDetails) -> list[_Rule]:
    rules = []
    flags = re.IGNORECASE
    if p.address.strip():
        lines = [line.strip() for line in re.split(r"[\n,]+", p.address) if line.strip()]
        if lines:
            whole = r"[\s,]+".join(_flexible(line) for line in lines)
            tail = r"(?:[\s,]+[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})?"
            rules.append(_Rule(re.compile(LEFT + whole + tail + RIGHT, flags), "address", REMOVED["address"], rank=9))
        for i, line in enumerate(lines):
            if i == 0 or re.search(r"\d", line):
                rules.append(_Rule(re.compile(LEFT + _flexible(line) + RIGHT, flags), "address", REMOVED["address"], rank=8))
                street = re.sub(r"^(?:flat|apartment|unit)?\s*\d+[a-z]?\s*,?\s*", "", line, flags=re.IGNORECASE)
                if street != line and len(street) >= 4:
                    rules.append(_Rule(re.compile(LEFT + _flexible(street) + RIGHT, flags), "address",
                                       REMOVED["address"], rank=8))
    if p.postcode.strip():
        compact = re.sub(r"\s+", "", p.postcode)
        pattern = r"\s*".join(map(re.escape, compact))
        rules.append(_Rule(re.compile(LEFT + pattern + RIGHT, flags), "postcode", REMOVED["postcode"], rank=9))
    if p.date_of_birth:
        rules.append(_Rule(re.compile(LEFT + _date_pattern(p.date_of_birth) + RIGHT, flags), "date of birth",
                           REMOVED["date of birth"], rank=9))
    if p.email.strip():
        rules.append(_Rule(re.compile(re.escape(p.email.strip()), flags), "email", REMOVED["email"], rank=9))
    if p.phone.strip():
        digits = re.sub(r"\D", "", p.phone)
        if digits.startswith("44"):
            digits = "0" + digits[2:]
        if len(digits) >= 6:
            rest = r"[\s().\-]*".join(digits[1:]) if digits.startswith("0") else r"[\s().\-]*".join(digits)
            lead = r"(?:\+44[\s().\-]*(?:\(0\)[\s\-]*)?|\(?0[\s().\-]*)" if digits.startswith("0") else ""
            rules.append(_Rule(re.compile(r"(?<![\w+])" + lead + rest + r"(?!\w)"), "phone", REMOVED["phone"], rank=9))
    rules.append(_Rule(URL, "link", REMOVED["link"], rank=10))
    return rules


def _date_pattern(d: date) -> str:
    """A date of birth in the spellings people use: 12/03/1950, 12.3.50, 1950-03-12, 12th March 1950."""
    day, month, year, short = str(d.day), str(d.month), str(d.year), f"{d.year % 100:02d}"
    dd, mm = f"0?{day}", f"0?{month}"
    name = MONTHS[d.month - 1]
    month_word = rf"(?:{name}|{name[:3]}|{name[:4]})\.?"
    suffix = r"(?:st|nd|rd|th)?"
    return ("(?:"
            rf"{dd}[/.\-]{mm}[/.\-](?:{year}|{short})"
            rf"|{year}[/.\-]{mm}[/.\-]{dd}"
            rf"|{dd}{suffix}\s+(?:of\s+)?{month_word},?\s+{year}"
            rf"|{month_word}\s+{dd}{suffix},?\s+{year}"
            ")")


# ---------------------------------------------------------------------------------------------
# Choosing among the hits


def _leave_alone(found: str, word: str, text: str, start: int, end: int) -> str:
    """Why a one-word name match is the ordinary word, or "" to replace it."""
    folded = _fold(word)
    if folded in MONTHS or folded in MONTH_ABBREVIATIONS:
        before, after = text[max(0, start - 10):start], text[end:end + 6]
        if re.search(r"(?<!\d)(?:[12]?\d|3[01])(?:st|nd|rd|th)?\s+(?:of\s+)?$", before) or re.match(r"\s*\d", after):
            return "a date (the month), not the name"
    if folded in COMMON_WORDS and found == found.lower():
        return "an ordinary word in lower case, not the name"
    return ""


def _take_possessive(text: str, end: int, replacement: str) -> tuple[int, str]:
    """Swallow "'s" or a bare "'" after a name ending in s, and write "'s" after the replacement."""
    rest = text[end:end + 3]
    if len(rest) >= 2 and rest[0] in APOSTROPHES and rest[1] in "sS" and not (len(rest) > 2 and rest[2].isalnum()):
        return end + 2, replacement + rest[0] + "s"
    if rest[:1] and rest[0] in APOSTROPHES and text[end - 1:end] in ("s", "S") and not (len(rest) > 1 and rest[1].isalnum()):
        return end + 1, replacement + rest[0] + "s"
    return end, replacement


def _choose(hits: list[_Hit]) -> list[tuple[_Hit, str]]:
    """Leftmost-longest, then the most specific rule, then case order; each with any ambiguity note."""
    hits.sort(key=lambda h: (h.start, -(h.end - h.start), -h.rank, h.order))
    chosen: list[tuple[_Hit, str]] = []
    position = 0
    for i, hit in enumerate(hits):
        if hit.start < position:
            continue
        rivals = {h.replacement for h in hits[i + 1:]
                  if (h.start, h.end, h.rank) == (hit.start, hit.end, hit.rank) and h.kind == hit.kind}
        rivals.discard(hit.replacement)
        note = ("ambiguous: also " + ", ".join(sorted(rivals))) if rivals and hit.kind == "name" else ""
        chosen.append((hit, note))
        position = hit.end
    return chosen
