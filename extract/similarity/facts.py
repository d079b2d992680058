"""Fact checks: the parts of a statement that a paraphrase keeps and a wrong claim changes.

Similarity scores (token overlap, embeddings, even a judge) rate "12 people were
injured" and "21 people were injured" nearly the same. These checks do not score;
they veto. Two statements *conflict* when they disagree on

- ``number``: an amount or code ("12" vs "21", "$5m" vs "$5bn", "MH17" vs "MH16"),
- ``date``: a weekday, day, month, year or relative day ("Monday" vs "Tuesday"),
- ``polarity``: one is negated, the other not ("closed" vs "did not close", "ruled out" vs "agreed"),
- ``antonym``: opposite predicates ("rose" vs "fell", "closed" vs "reopened"),
- ``actor``: who or where ("the coast guard" vs "the police", "Russia" vs "Ukraine"), or
  who does what to whom ("Kyiv accused Moscow" vs "Moscow accused Kyiv"),
- ``frame``: one wraps the proposition in a reporting frame whose source the other does
  not name ("The source claimed that P" vs "P"; ``frames``),
- ``cause``: both name what caused something, and the causes share no word ("A bird
  strike caused the crash" vs "Russian air defences were the cause of the crash"),

and a conflicting pair never matches, whatever its score. Each check is one-sided on
purpose: a statement that says more than the other (an extra number, actor or date)
does not conflict; one that says something else does. ``Conflict`` says what differs,
so a report can show why a prediction did not match.

``denied``: a claim whose certainty is ``denied`` states the proposition its claimant
rejects (the gold guidelines' convention), so "X is seeking regime change" (denied)
and "X is not seeking regime change" (asserted) say the same thing: polarity is
checked only between claims whose certainty agrees on denial. Two claims with the same
statement and different certainty are left to the certainty field's own score.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from text_to_num import alpha2digit

from claims.extract.similarity.actors import Actor, actor_conflict, actors, role_conflict
from claims.extract.similarity.dates import MONTHS, WEEKDAYS, DatePart, date_conflict, date_parts
from claims.extract.similarity.frames import FRAME_WORDS, frame_source
from claims.extract.similarity.gazetteer import group_forms, group_words
from claims.extract.similarity.lexical import FUNCTION_WORDS, REPORTING_WORDS, stem
from claims.extract.similarity.polarity import NEGATORS, antonym_conflict, antonym_signs, has_axis, polarity_facts, split_contractions
from claims.extract.similarity.quantities import UNITS, VAGUE, Quantity, quantities

CHECKS = ("number", "date", "polarity", "antonym", "actor", "frame", "cause")
UNIT_FAMILIES = {
    "usd": "money", "eur": "money", "gbp": "money", "rub": "money", "jpy": "money", "cny": "money", "inr": "money",
    "km": "length", "mi": "length", "m": "length", "ft": "length", "kg": "mass", "t": "mass", "l": "volume",
    "bbl": "volume", "s": "time", "min": "time", "h": "time", "d": "time", "wk": "time", "mo": "time", "yr": "time",
    "%": "share", "pp": "share", "mph": "speed", "kn": "speed", "acre": "area", "ha": "area",
}
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": " - "})
_WORD = re.compile(r"n't|\w+(?:[-']\w+)*")
# Kept from text2num, which would turn "hundreds of" into "100 of" and "2.5 million" into "2.5 1000000".
_HOLD = re.compile(r"\b(?:" + "|".join(sorted(VAGUE, key=len, reverse=True)) + r")(?:\s+of)?\b|"
                   r"\d+(?:[.,]\d+)*\s?(?:thousand|million|billion|trillion)\b", re.I)
_NUMBER_WORD_HYPHEN = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)-(?=[a-z])",
    re.I)  # "seven-year" -> "seven year", which text2num reads; "twenty-one" still becomes 21
_PROTECT = ((re.compile(r"\bno one\b", re.I), "nobody"), (re.compile(r"\bone another\b", re.I), "each other"),
            (re.compile(r"\ba dozen\b", re.I), "12"))


@dataclass(frozen=True)
class Conflict:
    """Why two statements cannot be the same claim: the check and the words that differ."""

    check: str  # one of CHECKS
    left: str
    right: str

    def __str__(self) -> str:
        return f"{self.check}: {self.left!r} vs {self.right!r}"


@dataclass(frozen=True)
class Facts:
    numbers: tuple[Quantity, ...]
    dates: tuple[tuple[DatePart, str], ...]
    negations: tuple[tuple[str, frozenset[str]], ...]  # (negator, the stems it negates)
    denied: bool  # a denied claim: its polarity is compared only with other denied claims (module docstring)
    content: frozenset[str]  # stems of the content words, for the negation scope test
    antonyms: tuple[tuple[str, tuple[tuple[int, str], ...]], ...]
    actors: tuple[Actor, ...]
    simple: bool  # one clause, no reporting verb or comma: actor order means roles
    frame: tuple[str, frozenset[str]] | None = None  # a reporting frame's source and its content stems
    reporting: bool = False  # a reporting verb or "according" anywhere (a frame this reader may not parse)
    cause: tuple[str, frozenset[str]] | None = None  # what the statement says caused something, and its content stems


def _digits(text: str) -> str:
    """Number words -> digits ("twelve" -> "12"), by text2num; vague amounts, scaled numbers and "no one" kept."""

    for pattern, repl in _PROTECT:
        text = pattern.sub(repl, text)
    text = _NUMBER_WORD_HYPHEN.sub(r"\1 ", text)
    held: list[str] = []

    def hold(m: re.Match[str]) -> str:
        held.append(m.group(0))
        return f"zzheld{len(held) - 1}zz"

    text = _HOLD.sub(hold, text)
    text = alpha2digit(text, "en", threshold=0)
    return re.sub(r"zzheld(\d+)zz", lambda m: held[int(m.group(1))], text)


# Words that can start a number, a date or a negation: a statement with none of them skips
# that reader (most statements name no date and negate nothing; an eval prepares 400,000).
NUMBER_WORDS = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
    seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand
    thousands million millions billion billions trillion dozen dozens scores first second third fourth fifth sixth
    seventh eighth ninth tenth""".split())
DATE_WORDS = frozenset(MONTHS) | frozenset(WEEKDAYS) | frozenset(f"{d}s" for d in WEEKDAYS) | frozenset(
    "christmas new boxing valentine's halloween today tonight yesterday tomorrow week month year morning evening".split())
_DIGIT = re.compile(r"\d")
_VAGUE_WORDS = frozenset(w for v in VAGUE for w in v.split())
NEGATION_WORDS = NEGATORS | frozenset(
    """n't deny denies denied denying refuse refuses refused refusing ruled rules ruling rule failed fails fail
    failing failure failures declined declines yet longer lack lacked lacks""".split())


@lru_cache(maxsize=131072)
def facts_of(statement: str, denied: bool = False) -> Facts:
    """The checkable facts of one statement; cached, since a statement meets many candidates."""
    text = statement if statement.isascii() else unicodedata.normalize("NFKC", statement).translate(_QUOTES)
    tokens = _WORD.findall(split_contractions(text.casefold()))
    tokset = set(tokens)
    numeric = _digits(text) if (tokset & NUMBER_WORDS or _DIGIT.search(text)) else text
    dates, spans = date_parts(numeric) if tokset & DATE_WORDS else ({}, [])
    blanked = numeric
    for s, e in sorted(spans, reverse=True):
        blanked = blanked[:s] + " " * (e - s) + blanked[e:]
    nums, years = quantities(blanked) if (tokset & _VAGUE_WORDS or _DIGIT.search(blanked)) else ([], [])
    date_items = dict(dates)
    for y in years:
        date_items.setdefault(("year", y), y)
    reporting = bool(tokset & FRAME_WORDS)
    if tokset & NEGATION_WORDS:
        negs, signs = polarity_facts(text)
    else:
        negs, signs = [], antonym_signs(tokens)
    return Facts(
        numbers=tuple(nums),
        dates=tuple(sorted(date_items.items())),
        negations=tuple(negs),
        denied=denied,
        content=frozenset(stem(t) for t in tokens if t not in FUNCTION_WORDS),
        antonyms=tuple(sorted((axis, tuple(sorted(s.items()))) for axis, s in signs.items())),
        actors=tuple(actors(text)) if _may_name_actors(text, tokset) else (),
        simple="," not in text and ";" not in text and not (tokset & REPORTING_WORDS),
        frame=_frame(text) if reporting else None,
        reporting=reporting,
        cause=_cause(text) if tokset & CAUSE_WORDS else None,
    )


# What caused something, in the ways news states it; the first pattern that matches wins.
CAUSE_WORDS = frozenset({"cause", "caused", "causes", "causing"})
_CAUSE_PATTERNS = (
    re.compile(r"\bcaused\s+by\s+(?P<c>[^,;.]+)", re.I),  # "the crash was caused by X"
    re.compile(r"\bcause\s+of\s+[^,;.]+?\s+(?:was|is|were|are)\s+(?P<c>[^,;.]+)", re.I),  # "the cause of the crash was X"
    re.compile(r"^(?P<c>[^,;]+?)\s+(?:as|is|was|are|were|be|been|being)\s+(?:the\s+|a\s+)?(?:\w+\s+)?cause\s+of\b", re.I),  # "X was the cause of"
    re.compile(r"^(?P<c>[^,;]+?)(?<!\bthe)(?<!\ba)(?<!\bits)\s+(?:caused|causes|cause)\s+(?!by\b)", re.I),  # "X caused the crash", not "the cause"
)


def _phrase_words(phrase: str) -> list[str]:
    """A phrase's words as ``facts_of`` reads a statement's: casefolded, contractions split."""
    return _WORD.findall(split_contractions(phrase.casefold()))


def _cause(text: str) -> tuple[str, frozenset[str]] | None:
    for pattern in _CAUSE_PATTERNS:
        m = pattern.search(text)
        if m:
            stems = frozenset(stem(w) for w in _phrase_words(m.group("c")) if w not in FUNCTION_WORDS)
            return (m.group("c").strip(), stems) if stems else None
    return None


def _frame(text: str) -> tuple[str, frozenset[str]] | None:
    source = frame_source(text)
    if source is None:
        return None
    return source, frozenset(stem(w.removesuffix("'s")) for w in _phrase_words(source) if w not in FUNCTION_WORDS)


# Words a fact check reads besides digits, symbols and capitalised words: bounds ("more
# than", "up to"), units, relative dates, the agent's "by".
_SIGNAL_WORDS = frozenset(
    """more than over least above exceeding upwards excess fewer less under most below up nearly almost
    by last next""".split()) | frozenset(w for u in UNITS for w in u.split())
_SIG_TOKEN = re.compile(r"[A-Z](?:\.[A-Z])+\.?|\w+(?:[-'’]\w+)*|[^\w\s]")  # the actor reader's tokens
_CONNECTOR_WORDS = frozenset({"of", "for", "and", "de", "al", "the"})  # inside names: "Ministry of Defence"
_SYMBOLS = frozenset("$£€¥₽₹%")


_GAP, _KEEP, _NEGATION, _WORD_GAP, _WORD_KEEP, _CAPITAL = range(6)  # token kinds; >= _WORD_GAP are words
_GAPS = ("", "_1", "_2", "_3")
_TOKEN_KINDS: dict[str, int] = {}  # token -> kind, filled as statements are read


def _token_kind(tok: str) -> int:
    low = tok.casefold()
    if low in NEGATION_WORDS or low in CAUSE_WORDS or low.endswith(("n't", "n’t")):  # their reach is in ordinary words
        return _NEGATION
    first = tok[0]
    if first.isalpha():
        if first.isupper():
            return _CAPITAL
        if (low in NUMBER_WORDS or low in DATE_WORDS or low in _VAGUE_WORDS or low in _SIGNAL_WORDS or low in FRAME_WORDS
                or low in group_words() or low in _CONNECTOR_WORDS or has_axis(low) or _DIGIT.search(tok)):
            return _WORD_KEEP
        return _WORD_GAP
    return _KEEP if (first.isdigit() or first in _SYMBOLS) else _GAP


@lru_cache(maxsize=131072)
def fact_signature(statement: str) -> tuple[str, ...] | None:
    """The words the fact checks read, in order, with the gaps between them; None when the
    statement negates anything or names a cause.

    Two statements with the same signature cannot conflict: every check reads only these
    words (digits, codes, currency signs, units and bounds; date words; capitalised names,
    their connectors, actor nouns and the agent's "by"; antonym words) and how close they
    stand (a gap records up to three other words between two of them), so their facts are
    the same. Negation and causes are left out (None: always checked) because their reach
    is in ordinary words. The matcher uses this to skip reading the facts of most pairs.
    """
    out: list[str] = []
    gap = words = capitals = 0
    kinds = _TOKEN_KINDS
    for tok in _SIG_TOKEN.findall(statement):
        kind = kinds.get(tok)
        if kind is None:
            kind = _token_kind(tok)
            if len(kinds) < 500_000:  # bounded: a corpus's vocabulary, not every token ever seen
                kinds[tok] = kind
        if kind == _NEGATION:
            return None
        if kind >= _WORD_GAP:
            words += 1
            capitals += kind == _CAPITAL
        if kind == _GAP or kind == _WORD_GAP:
            gap += 1
            continue
        if gap:
            out.append(_GAPS[min(gap, 3)])
            gap = 0
        out.append(tok if kind == _CAPITAL or kind == _KEEP else tok.casefold())
    if gap:
        out.append(_GAPS[min(gap, 3)])
    out.append("headline" if words >= 4 and capitals >= 0.7 * words else "")
    return tuple(out)


@dataclass(frozen=True)
class Outline:
    """What a statement's signature says it has to check: enough to rule most pairs out
    without reading their facts (a conflict needs the same kind of fact on both sides)."""

    numbers: bool
    dates: bool
    antonyms: bool
    names: bool  # a capitalised word: a possible name, country or organisation
    groups: frozenset[str]  # actor-noun group keys
    frames: bool  # a reporting verb or "according": a possible frame


@lru_cache(maxsize=131072)
def outline_of(statement: str) -> Outline | None:
    """The ``Outline`` of a statement without negation or cause (None: read its facts)."""
    sig = fact_signature(statement)
    if sig is None:
        return None
    words = [t for t in sig if t and not t.startswith("_")]
    forms = group_forms()
    groups: set[str] = set()
    i = 0
    while i < len(sig):  # contiguous in the signature = contiguous in the text (gaps are marked)
        for n in (3, 2, 1):
            key = forms.get(tuple(sig[i : i + n]))
            if key is not None:
                groups.add(key)
                i += n - 1
                break
        i += 1
    low = {w.casefold() for w in words}
    return Outline(
        numbers=any(w in _SYMBOLS or _DIGIT.search(w) for w in words) or bool(low & (NUMBER_WORDS | _VAGUE_WORDS)),
        dates=bool(low & DATE_WORDS),
        antonyms=any(has_axis(w) for w in low),
        names=any(w[0].isupper() for w in words if w != "headline"),
        groups=frozenset(groups),
        frames=bool(low & FRAME_WORDS),
    )


def may_conflict(a: str, b: str) -> bool:
    """False when the two statements cannot conflict, decided from their outlines alone."""
    oa, ob = outline_of(a), outline_of(b)
    if oa is None or ob is None:
        return True  # negation or a cause: read the facts
    if (oa.numbers and ob.numbers) or (oa.dates and ob.dates) or (oa.antonyms and ob.antonyms) or oa.frames != ob.frames:
        return True
    if (oa.names and (ob.names or ob.groups)) or (ob.names and oa.groups):
        return True  # capitalised words may be any kind of actor: read the facts
    # actor nouns alone: a conflict needs a group on each side that the other lacks
    return bool(oa.groups - ob.groups) and bool(ob.groups - oa.groups)


def _may_name_actors(text: str, tokset: set[str]) -> bool:
    """A capitalised word, or an actor noun: otherwise there is no actor to find."""
    return bool(tokset & group_words()) or text != text.lower()


def _family(q: Quantity) -> str:
    if q.unit == "code":
        return "code"
    return ("ordinal" if q.ordinal else "") + UNIT_FAMILIES.get(q.unit or "", "count")


def number_conflict(a: tuple[Quantity, ...], b: tuple[Quantity, ...]) -> tuple[str, str] | None:
    """(amount in a, amount in b) of one kind that each statement states and the other does not."""
    if not a or not b:
        return None
    only_a = [x for x in a if not any(x.agrees(y) for y in b)]
    if not only_a:
        return None
    only_b = [y for y in b if not any(x.agrees(y) for x in a)]
    for x in only_a:
        for y in only_b:
            if _family(x) == _family(y):
                return x.text, y.text
    return None


def negation_against(a: Facts, other: Facts) -> str:
    """The word that negates ``a`` as far as ``other`` is concerned ("" when none does).

    A negator counts when what it negates is in the other statement too (or it negates
    nothing nameable): a longer statement's negated aside does not make it the
    opposite of a shorter one that leaves the aside out.
    """
    return next((w for w, scope in a.negations if not scope or scope & other.content), "")


def find_conflict(a: Facts, b: Facts, checks: tuple[str, ...] = CHECKS) -> Conflict | None:
    """The first check on which the two statements disagree, or None when the facts agree."""
    for check in checks:
        hit: tuple[str, str] | None = None
        if check == "number":
            hit = number_conflict(a.numbers, b.numbers)
        elif check == "date" and a.dates and b.dates:
            hit = date_conflict(dict(a.dates), dict(b.dates))
        elif check == "polarity" and (a.negations or b.negations) and a.denied == b.denied:
            wa, wb = negation_against(a, b), negation_against(b, a)
            if bool(wa) != bool(wb):
                hit = (wa or "affirmative", wb or "affirmative")
        elif check == "antonym" and a.antonyms and b.antonyms:
            hit = antonym_conflict({k: dict(v) for k, v in a.antonyms}, {k: dict(v) for k, v in b.antonyms})
        elif check == "actor" and a.actors and b.actors:
            hit = actor_conflict(list(a.actors), list(b.actors))
            if hit is None and a.simple and b.simple:
                hit = role_conflict(list(a.actors), list(b.actors))
        elif check == "frame" and (a.frame is None) != (b.frame is None):
            source, stems = a.frame or b.frame  # type: ignore[misc]
            other = b if a.frame else a
            # only against a bare statement: "X said P" (no "that") is a frame this reader does not parse
            if not other.reporting and not stems & (other.content | {stem(c.split("'")[0]) for c in other.content}):
                hit = (f"{source} ...", "(no source)") if a.frame else ("(no source)", f"{source} ...")
        elif check == "cause" and a.cause and b.cause and not a.cause[1] & b.cause[1]:
            hit = (a.cause[0], b.cause[0])
        if hit is not None:
            return Conflict(check, *hit)
    return None
