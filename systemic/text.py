"""Text prepared for matching: boilerplate, names, numbers and stop words out; words stemmed lightly.

Two complaints about the same fault rarely share wording, but they share the words that name the
fault ("disability-related expenditure", "financial assessment", "annual review"). What they share
that says nothing is removed here: the phrasing every decision uses ("the Council", "I have
investigated"), the people's names and titles, dates, sums and references. A light suffix stemmer
lets "charged", "charges" and "charging" meet. Pure: no database, no web framework.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["STOP_WORDS", "clean", "stem", "surface_words", "terms", "tokens"]

# Ordinary English words that carry no fault, and the vocabulary every complaint and decision uses.
STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are aren as at be because been before being
    below between both but by can cannot could did didn do does doesn doing don down during each few for
    from further had hadn has hasn have haven having he her here hers herself him himself his how i if in
    into is isn it its itself just let me might more most must my myself no nor not now of off on once only
    or other others our ours ourselves out over own same shall she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up upon very was
    wasn we were weren what when where which while who whom why will with won would you your yours
    yourself yourselves one two three four five six seven eight nine ten first second third
    per via etc however therefore although though whether within without onto across since
    mr mrs miss ms mx dr sir madam x y z b c d e f g h j k l m n p q r s t u v w
    council councils councillor landlord landlords provider providers authority authorities body bodies
    complaint complaints complain complained complaining complainant complainants ombudsman ombudsmen
    investigation investigate investigated investigating investigator decision decisions decided
    resident residents tenant tenants person people said says say told tell asked ask wrote write
    letter letters email emails phone call called case cases matter matters issue issues raised raise
    mother father son daughter wife husband partner family
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    also still now later earlier recently previously
    """.split()
)

# Abbreviations caseworkers and bodies use, spelt out so "DRE" meets "disability-related expenditure".
ABBREVIATIONS = {
    "dre": "disability related expenditure",
    "ehc": "education health care",
    "ehcp": "education health care plan",
    "ehcps": "education health care plans",
    "sen": "special educational needs",
    "dfg": "disabled facilities grant",
    "dfgs": "disabled facilities grants",
    "pcn": "penalty charge notice",
    "pcns": "penalty charge notices",
    "asb": "anti social behaviour",
    "dpa": "deferred payment agreement",
    "ctr": "council tax reduction",
    "ctrs": "council tax reduction",
    "ot": "occupational therapist",
    "b&b": "bed breakfast",
    "bnb": "bed breakfast",
    "hmo": "house multiple occupation",
    "dols": "deprivation liberty safeguards",
    "chc": "continuing healthcare",
}

# Words that name the same thing in a complaint, grouped under one concept ("~delay"), so "took ten
# months", "waited" and "late" meet. Added beside the words themselves, never instead of them.
CONCEPTS = {
    "delay": "late delay delayed delays wait waited waiting slow timescale timescales deadline deadlines overdue "
             "lengthy prolonged",
    "refuse": "refuse refused refusal refusing decline declined turned reject rejected deny denied",
    "charge": "charge charges charged charging fee fees contribution contributions invoice invoices bill billed "
              "overcharged overpaid arrears",
    "transport": "transport travel bus taxi escort journey journeys minibus",
    "visit": "visit visits visited carer carers homecare domiciliary",
    "notify": "notify notified notification consult consulted consultation neighbour neighbours publicise publicised",
    "temporary": "temporary hostel emergency interim",
    "capital": "capital savings assets property",
    "review": "review reviews reviewed annual",
    "assess": "assess assessed assessment assessments reassess reassessment",
}
_CONCEPT_OF = {word: f"~{concept}" for concept, words in CONCEPTS.items() for word in words.split()}

# Phrases from templates and decisions that say nothing about what went wrong.
_BOILERPLATE = [
    r"in accordance with paragraph \d+ of the (?:housing )?ombudsman scheme",
    r"the ombudsman'?s (?:role|powers|view)",
    r"(?:i|we) have (?:investigated|considered|decided|found)",
    r"final decision",
    r"draft decision",
    r"local government and social care ombudsman",
    r"housing ombudsman",
    r"summary of (?:the )?complaint",
    r"the complaint is (?:about|that)",
    r"complains? that",
    r"what happened",
]
_BOILERPLATE_RE = re.compile("|".join(_BOILERPLATE), re.IGNORECASE)
# A title followed by a name or a letter: "Mrs Smith", "Mr X", "Dr. O'Neill-Jones".
_TITLED_NAME = re.compile(r"\b(?:Mr|Mrs|Miss|Ms|Mx|Dr|Sir|Dame|Lady|Lord)\.?\s+(?:[A-Z][\w'’-]*\s*){1,3}")
_REFERENCE = re.compile(r"\b\d{2}\s?\d{3}\s?\d{3}\b|\b\d{6,}\b")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_MONEY_OR_NUMBER = re.compile(r"£?\d[\d,.]*")
_WORD = re.compile(r"[a-z]+(?:['’][a-z]+)?")

# Longest first; each suffix removed only when at least 3 letters remain ("charging" -> "charg").
_SUFFIXES = ("ational", "ations", "ation", "ments", "ment", "ingly", "ings", "ing", "edly", "ies", "ied",
             "ed", "es", "ly", "s")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """A deliberately light stemmer: enough for plurals and tenses, never so much that words collide."""
    if len(word) <= 4 or word.endswith(("ss", "us", "is")):
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            base = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                base += "y"
            return base
    return word


def clean(text: str, names: Iterable[str] = ()) -> str:
    """The text with boilerplate, titled names, the given ``names``, references, postcodes and numbers
    removed, lower-cased. ``names`` are the case's own people (complainant, person affected)."""
    if not text:
        return ""
    out = _TITLED_NAME.sub(" ", text)
    out = _REFERENCE.sub(" ", out)
    out = _POSTCODE.sub(" ", out)
    out = _BOILERPLATE_RE.sub(" ", out)
    for name in names:
        name = name.strip()
        if len(name) >= 2:
            out = re.sub(rf"\b{re.escape(name)}(?:['’]s)?\b", " ", out, flags=re.IGNORECASE)
    out = _MONEY_OR_NUMBER.sub(" ", out)
    return out.lower()


def tokens(text: str, names: Iterable[str] = ()) -> list[str]:
    """Stemmed content words, in order (for n-grams and for rapidfuzz's token comparison)."""
    out: list[str] = []
    for word in _WORD.findall(clean(text, names)):
        word = word.replace("’", "'").split("'")[0]
        for part in ABBREVIATIONS.get(word, word).split():
            if part not in STOP_WORDS and len(part) > 1:
                out.append(stem(part))
    return out


@lru_cache(maxsize=256)
def surface_words(text: str) -> dict[str, str]:
    """Each stem of a text mapped to the first word it came from, to show people words, not stems.

    Cached (read it, never change it): a query's reasons ask for its own text's words once per match."""
    out: dict[str, str] = {}
    for word in _WORD.findall(clean(text)):
        out.setdefault(stem(word.replace("’", "'").split("'")[0]), word)
    return out


def terms(text: str, names: Iterable[str] = ()) -> list[str]:
    """The matching vocabulary of a text: its stemmed words, adjacent pairs ("financial assess") and
    the concepts its words name ("~delay")."""
    words = tokens(text, names)
    concepts = [_CONCEPT_OF[w] for w in _WORD.findall(clean(text, names)) if w in _CONCEPT_OF]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])] + concepts
