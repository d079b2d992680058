"""The actors a statement names, and whether two statements name different ones.

An actor is one of four kinds: ``country`` (Russia, Moscow, Russian: one ISO code),
``group`` (an actor noun: the police, the coast guard, troops), ``org`` (a known
organisation or a capitalised name ending in an organisation noun: NATO, the Defence
Ministry) and ``name`` (any other capitalised name: Dmitry Peskov, Patriot, Iskander).
Two statements disagree on actors when each names an actor of one kind that the other
does not, for instance "the coast guard said" vs "the police said": one statement
naming more actors than the other is not a disagreement.

A capitalised word that opens the statement is taken for a name only when the
gazetteer knows it or a second capitalised word follows ("Joe Biden said"): without a
dictionary, "Photos" and "Peskov" at the start of a sentence look the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from claims.extract.similarity.gazetteer import ORG_HEADS, ORGANISATIONS, TITLES, actor_groups, countries, country_codes, demonyms, group_words
from claims.extract.similarity.lexical import STOPWORDS, stem

_TOKEN = re.compile(r"[A-Z](?:\.[A-Z])+\.?|\w+(?:[-'’]\w+)*|[^\w\s]", re.UNICODE)
_CONNECTORS = frozenset({"of", "for", "and", "de", "al", "the"})
_NOT_NAMES = frozenset(
    """january february march april may june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday christmas easter eid ramadan day eve i""".split()
)
_PREPOSITIONS = frozenset("in on at from to into onto near of for with over across through inside outside off".split())
_SPELLING = {"defense": "defence", "organisation": "organization", "center": "centre"}


@dataclass(frozen=True)
class Actor:
    kind: str  # country, group, org, name
    key: str  # what is compared: an ISO code, a group key, a normalised name
    text: str  # as written, for the reason shown in reports
    rank: tuple[int, int] = (1, 0)  # (0 for an agent after "by", else 1; first token): who acts first
    role: bool = False  # can be a subject or object: not a demonym, not after a preposition (but "by")
    toks: tuple[str, ...] = field(default=(), repr=False, compare=False)  # the statement's tokens
    spans: tuple[tuple[int, int], ...] = field(default=(), compare=False)  # where it is named, in toks

    @cached_property
    def context(self) -> frozenset[str]:
        """Stems of the content words next to each mention (see ``actor_conflict``); read only when compared."""
        out: frozenset[str] = frozenset()
        for a, b in self.spans:
            out |= _context(self.toks, a, b)
        return out


def _normalise(words: list[str]) -> str:
    low = [_SPELLING.get(w.casefold(), w.casefold()) for w in words]
    if len(low) >= 3 and low[0] in ("ministry", "department") and low[1] == "of":
        low = low[2:] + [low[0]]  # "Ministry of Defence" -> "defence ministry"
    return " ".join(low)


def _possessive(tok: str) -> str:
    return re.sub(r"['’]s?$", "", tok)


def _capitalised(tok: str) -> bool:
    return tok[:1].isupper() and tok[:1].isalpha() and not any(ch.isdigit() for ch in tok)


def _runs(toks: list[str], headline: bool) -> list[tuple[int, int]]:
    """[start, end) token ranges of capitalised names (connectors allowed inside)."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        if not _capitalised(toks[i]):
            i += 1
            continue
        start = i
        i += 1
        while not headline and i < len(toks) and not toks[i - 1].endswith(("'s", "’s")):
            # "Russia's Defence Ministry": the possessor is its own run
            if _capitalised(toks[i]):
                i += 1
            elif toks[i].casefold() in _CONNECTORS and i + 1 < len(toks) and _capitalised(toks[i + 1]):
                i += 2
            else:
                break
        runs.append((start, i))
    return runs


def _classify(words: list[str], sentence_start: bool) -> list[tuple[Actor, int, int]]:
    """Actors in one capitalised run, each with its [start, end) word range inside the run."""
    words = [_possessive(w) for w in words]
    lo, hi = 0, len(words)
    while lo < hi and (words[lo].casefold() in STOPWORDS or words[lo].casefold() in _NOT_NAMES):
        lo, sentence_start = lo + 1, False
    while hi > lo and words[hi - 1].casefold() in _CONNECTORS:
        hi -= 1
    if lo == hi or all(w.casefold() in _NOT_NAMES for w in words[lo:hi]):
        return []
    gaz, groups = countries(), actor_groups()

    def one(a: int, b: int) -> Actor | None:
        ws = words[a:b]
        low = _normalise(ws)
        text = " ".join(ws)
        if low in gaz:
            return Actor("country", gaz[low], text)
        if b - a == 1 and ws[0].isupper() and ws[0].replace(".", "") in country_codes():
            return Actor("country", country_codes()[ws[0].replace(".", "")], text)
        if low in ORGANISATIONS and (len(low) > 3 or ws[0].isupper()):
            return Actor("org", ORGANISATIONS[low], text)
        if low in groups:
            return Actor("group", groups[low], text)
        return None

    whole = one(lo, hi)
    if whole is not None:
        return [(whole, lo, hi)]
    out: list[tuple[Actor, int, int]] = []
    # a leading country or demonym ("Russian Defence Ministry"), then a title or office ("President Joe Biden")
    for n in (2, 1):
        head = one(lo, lo + n) if hi - lo > n else None
        if head is not None and head.kind == "country":
            out.append((head, lo, lo + n))
            lo, sentence_start = lo + n, False
            break
    for n in (2, 1):
        head = one(lo, lo + n) if hi - lo >= n else None
        if head is not None and head.kind == "group":
            out.append((head, lo, lo + n))
            lo, sentence_start = lo + n, False
            break
    while lo < hi and (words[lo].casefold().rstrip(".") in TITLES or words[lo].casefold() in _CONNECTORS):
        lo += 1
    if lo == hi or all(w.casefold() in _NOT_NAMES or w.casefold() in _CONNECTORS for w in words[lo:hi]):
        return out
    if sentence_start and hi - lo == 1 and not words[lo].isupper():
        return out  # a capitalised first word: a name or just the first word (see the module docstring)
    rest = one(lo, hi)
    low = _normalise(words[lo:hi])
    if rest is None:
        kind = "org" if low.split()[-1] in ORG_HEADS else "name"
        rest = Actor(kind, low, " ".join(words[lo:hi]))
    out.append((rest, lo, hi))
    return out


_GROUP_FORMS: dict[tuple[str, ...], str] | None = None


def _group_forms() -> dict[tuple[str, ...], str]:
    global _GROUP_FORMS
    if _GROUP_FORMS is None:
        _GROUP_FORMS = {tuple(form.split()): key for form, key in actor_groups().items()}
    return _GROUP_FORMS


def _context(toks: tuple[str, ...] | list[str], start: int, end: int, width: int = 3) -> frozenset[str]:
    """Stems of the nearest content words left and right of tokens [start, end)."""
    out: list[str] = []
    for rng in (range(start - 1, -1, -1), range(end, len(toks))):
        n = 0
        for k in rng:
            t = toks[k].casefold()
            if not t[:1].isalnum():
                break
            if t in STOPWORDS:
                continue
            out.append(("<" if k < start else ">") + stem(_possessive(t)))
            n += 1
            if n == width:
                break
    return frozenset(out)


def actors(text: str) -> list[Actor]:
    """Every actor ``text`` names (see the module docstring), each with its context."""
    toks = _TOKEN.findall(text)
    cased = text != text.lower()  # without a capital there are no names, only actor nouns
    found: list[tuple[Actor, int, int]] = []
    if cased:
        words = [t for t in toks if t[:1].isalpha()]
        headline = len(words) >= 4 and sum(_capitalised(w) for w in words) >= 0.7 * len(words)
        for start, end in _runs(toks, headline):
            for actor, a, b in _classify(toks[start:end], sentence_start=start == 0):
                if not (headline and actor.kind == "name"):  # Title Case Headline: every word looks like a name
                    found.append((actor, start + a, start + b))
    forms = _group_forms()
    starts = group_words()
    low = [t.casefold() for t in toks] if cased else toks
    i = 0
    while i < len(low):
        if low[i] not in starts:
            i += 1
            continue
        for n in (3, 2, 1):
            key = forms.get(tuple(low[i : i + n]))
            if key is not None:
                found.append((Actor("group", key, " ".join(toks[i : i + n])), i, i + n))
                i += n - 1
                break
        i += 1
    first: dict[tuple[str, str], tuple[Actor, int]] = {}
    spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for actor, a, b in sorted(found, key=lambda f: f[1]):
        first.setdefault((actor.kind, actor.key), (actor, a))
        spans.setdefault((actor.kind, actor.key), []).append((a, b))
    shared = tuple(toks)
    out = []
    for key, (actor, a) in first.items():
        before = [t.casefold() for t in toks[max(0, a - 2) : a]]
        agent = "by" in before  # "shelled by Russia"
        role = (actor.kind != "group" and not (before and before[-1] in _PREPOSITIONS)  # not "the embassy in Kyiv"
                and actor.text.casefold() not in demonyms())
        out.append(Actor(actor.kind, actor.key, actor.text, (0 if agent else 1, a), role, shared, tuple(spans[key])))
    return out


def _acronym_of(short: str, long: str) -> bool:
    """"AZAL" / "azerbaijan airlines", "NATO" / "north atlantic treaty organization": the letters in order, the first one first."""
    letters = short.replace(".", "").casefold()
    words = long.split()
    if not (2 <= len(letters) <= 6) or len(words) < 2 or " " in short or letters[0] != words[0][0]:
        return False
    it = iter(long.replace(" ", ""))
    return all(ch in it for ch in letters)


def same_actor(a: Actor, b: Actor) -> bool:
    if a.kind != b.kind:
        return False
    if a.key == b.key:
        return True
    if a.kind == "country":
        return False
    wa, wb = set(map(stem, a.key.split())), set(map(stem, b.key.split()))
    if wa <= wb or wb <= wa:  # "Peskov" / "Dmitry Peskov"
        return True
    return _acronym_of(a.text, b.key) or _acronym_of(b.text, a.key)


def role_conflict(a: list[Actor], b: list[Actor]) -> tuple[str, str] | None:
    """("X ... Y", "Y ... X") when the same two actors swap roles: "Kyiv accused Moscow" / "Moscow accused Kyiv".

    Only for simple clauses naming exactly the same two actors that can be subject or
    object (not a demonym such as "Ukrainian social media", not a place after a
    preposition such as "the embassy in Kyiv"); the caller leaves out statements with a
    reporting verb or a comma, whose clauses move freely. An agent after "by" counts as
    first, so a passive paraphrase keeps its roles.
    """
    named = [x for x in a if x.role]
    other = [y for y in b if y.role]
    if len(named) != 2 or len(other) != 2:
        return None
    pairs = [(x, next((y for y in other if same_actor(x, y)), None)) for x in named]
    if any(y is None for _, y in pairs) or pairs[0][1] is pairs[1][1]:
        return None
    (x1, y1), (x2, y2) = pairs
    if (x1.rank < x2.rank) != (y1.rank < y2.rank):  # type: ignore[union-attr]
        first, second = sorted((x1, x2), key=lambda x: x.rank)
        return f"{first.text} ... {second.text}", f"{second.text} ... {first.text}"
    return None


def actor_conflict(a: list[Actor], b: list[Actor]) -> tuple[str, str] | None:
    """(actor in a, actor in b) where one stands in the other's place; None if there is none.

    Standing in its place: the two are of one kind, each is named by one statement and
    not the other, and they share a neighbouring content word on the same side ("the
    coast guard *said*" / "the police *said*"; "struck by a *Buk*" / "struck by a
    *Pantsir*"). Two statements that each add a different detail ("... crossing the
    Caspian Sea", "Flight J2-8243 ...") do not conflict.
    """
    only_a = [x for x in a if not any(same_actor(x, y) for y in b)]
    if not only_a:
        return None
    only_b = [y for y in b if not any(same_actor(x, y) for x in a)]
    for x in only_a:
        for y in only_b:
            if x.kind == y.kind and x.context & y.context:
                return x.text, y.text
    return None
