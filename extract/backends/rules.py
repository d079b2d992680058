"""The offline rules backend: the default extractor and the baseline every prompt must beat.

Pure Python + ``re``, deterministic, no network, no model. The article's language is
detected first (``extract_article_claims``): German, French and Spanish go to
``rules_intl``, other languages get one claim per sentence with nothing claimed about
it (and the manifest says so, ``coverage_notes``); English goes through this module.
It was first written on the five bundled articles and then developed on PolNeAR train
(real US news: benchmarks/attribution.py), which taught it the source shapes ("the
mayor", "a Treasury spokesman", "Clinton spokesman Jesse Ferguson", "X, a former aide,",
"X and Y", "Mr. Rubio"), the cues (tweeted, found that, seemed to, promised to, called
X Y, "Name: claim" headlines), quotation marks of every kind (straight, curly,
two-apostrophe), the adjuncts between a cue and its content ("said Tuesday that", "told
reporters"), and the noun readings of cue words ("the jobs report"). Per sentence it
finds reporting frames and turns each into a claim whose quote, claimant and cue spans
are exact str offsets into the article text:

- reporting verbs with a subject claimant ("The source claimed that ...", "X told Y
  that ...", "with Peskov insisting that ...", ", adding that ..."), inverted frames
  ("“...,” said the source", "..., Sources Claim") and parenthetical ones ("This
  conclusion, the source added, was based ...");
- "according to X" at the start, middle or end of a sentence, and "with reference to X";
- quoted speech ("X said: “...”", "“...,” X said"): attribution ``direct``; a quotation of
  several sentences is one claim per sentence, and a quotation right after an
  attributed one continues it (same speaker and cue);
- agentless hedges ("it is claimed", "reportedly", "allegedly", "are said to", "there is
  a belief that").

What it emits (following gold/GUIDELINES.md §1, §5, S2/S6, H6): every *attributed*
claim; one author claim per sentence that carries an agentless hedge marker (claimant
type ``author``, attribution ``unattributed``, certainty ``hedged``, no cue); and one
author claim (``asserted`` unless hedge words say otherwise) per remaining sentence
with no reporting frame, except labels (< 5 words), questions, sentences that are
mostly quotation, the article's own speculation (may/might/could/would) and bare
expressions of feeling ("X expressed concern over ..."). A trailing ", which ..."
clause or result participle (", killing 38 people", "and sparking ...") becomes its own
claim with the same claimant and cue. Known misses: no
check-worthiness model (narrative about footage, atmosphere, normative quotes such as
"We need to do more" are still emitted), no anaphoric content (H5), denials stated
negatively ("was not seeking") stay ``asserted`` with the negative statement (H13),
and statements are not made stand-alone (pronouns inside content are kept).

Claimants that are pronouns ("he", "they") or definite descriptions ("the source", "the
expert", "the report") keep their text and span but take the name, type and role of the
nearest earlier claimant that fits. Certainty: denial verbs -> ``denied``; hedging cue
or hedge words in the content -> ``hedged``; else ``asserted``. Page boilerplate
("Share", "Read: ...", "Leave a Reply", emoji lines) and verbatim-repeated blocks
(captions, repeated headlines) yield nothing.

Speed (benchmarks/rules_throughput.py): the article is lower-cased once and cheap
substring prefilters skip the re.I alternations on text that cannot match; cue words
are found by intersecting each sentence's words with the cue lexicon.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from claims.extract.backends import rules_lexicon as L
from claims.extract.backends.base import SyncBackend
from claims.extract.backends.rules_intl import extract_claims_intl
from claims.extract.language import detect, plainly_english
from claims.kernel.articles import Article
from claims.kernel.schema import ArticleClaims, Attribution, Certainty, Claim, Claimant, ClaimantType, Cue, Span
from claims.kernel.segment import paragraphs, sentences

# --- compiled once at import -------------------------------------------------------

# A word; honorifics and initials keep their period ("Mr.", "James B. Comey").
_WORD = re.compile(
    r"(?:Mr|Mrs|Ms|Dr|Sen|Sens|Rep|Reps|Gov|Gen|Lt|Col|Sgt|Capt|Adm|Prof|Rev|Jr|Sr|St|Corp|Inc|Co|Ltd|Bros|Dept|Assn)\.|[A-Z]\.(?=\s+[A-Z])"
    r"|(?:[A-Z]\.){2,}|[^\W_]+(?:[’'\-.][^\W_]+)*"
)
_WORD_ONLY = re.compile(r"[A-Za-z]+")
_TO_AFTER = re.compile(r"\s+to\b")


def _cues(text: str, lo: int, hi: int, lower: _Lower | None = None) -> list[tuple[int, int, str]]:
    """Reporting-verb forms in text[lo:hi] as (start, end, form).

    A dict lookup per word is far faster than one big alternation; faster still, when
    the lower-cased article is usable, is to list the sentence's words in C (findall),
    intersect them with the cue words and find only those: most words are not cues.
    Both paths give the same tokens: maximal ASCII-letter runs inside [lo, hi).
    """
    if lower is None or not lower.exact:
        return _cues_by_word(text, lo, hi)
    low = lower.low
    present = _CUE_WORDS.intersection(_LOW_WORD.findall(low, lo, hi))
    if not present:
        return []
    hits: list[tuple[int, str]] = []
    for w in present:
        n = len(w)
        i = low.find(w, lo, hi)
        while i >= 0:
            e = i + n
            if (i == lo or text[i - 1] not in _ASCII_LETTERS) and (e == hi or text[e] not in _ASCII_LETTERS):
                hits.append((i, w))
            i = low.find(w, e, hi)
    hits.sort()
    out = []
    for s, w in hits:
        e = s + len(w)
        if w in _PREP_VERBS:
            mt = _TO_AFTER.match(text, e, hi)
            if mt:
                out.append((s, mt.end(), w + " to"))
        else:
            out.append((s, e, w))
    return out


def _cues_by_word(text: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    out = []
    for m in _WORD_ONLY.finditer(text, lo, hi):
        w = m.group().lower()
        if w in _PREP_VERBS:
            mt = _TO_AFTER.match(text, m.end(), hi)
            if mt:
                out.append((m.start(), mt.end(), w + " to"))
        elif w in L.FORM_TO_LEMMA:
            out.append((m.start(), m.end(), w))
    return out


_PREP_VERBS = frozenset(f.split()[0] for f in L.FORM_TO_LEMMA if " " in f)
_CUE_WORDS = frozenset(f for f in L.FORM_TO_LEMMA if " " not in f) | _PREP_VERBS
_LOW_WORD = re.compile(r"[a-z]+")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ACCORDING = re.compile(r"\baccording\s+to\b", re.I)
_MARKER = re.compile(
    r"\b(?:it\s+(?:is|was|has\s+been)\s+(?:claimed|suggested|reported|alleged|believed|understood|thought|rumou?red)"
    r"|there\s+is\s+a\s+(?:belief|suspicion)"
    r"|(?:is|are|was|were)\s+(?:said|believed|thought|reported|alleged|rumou?red)\s+to"
    r"|allegedly|reportedly|purportedly|supposedly|alleged)\b",
    re.I,
)
_MARKER_THAT = re.compile(
    r"\b(?:it\s+(?:is|was|has\s+been)\s+(?:claimed|suggested|reported|alleged|believed|understood|thought|rumou?red)"
    r"|there\s+is\s+a\s+(?:belief|suspicion))\s+that\b",
    re.I,
)
HEDGE_RE = re.compile(
    # "may" only in lower case: "May" is the month ("in May", "May 5")
    r"\b(?:(?-i:may)|might|could|possibly|possible|potentially|likely|allegedly|alleged|reportedly|apparently|"
    r"appears?|appeared|seem(?:s|ed)?|suggest(?:s|ed|ing)?|believed?|believes|perhaps|unconfirmed|"
    r"purportedly|purported|supposedly|early\s+signs|early\s+indications|probably|suspected|"
    r"(?:is|are)\s+said\s+to|it\s+is\s+claimed)\b",
    re.I,
)
_DENY_CONTENT = re.compile(r"\bnot\b[^,.;]{0,40}\bresponsible\b|\bno\b[^,.;]{0,30}\brole\b|\bunfounded\b|\bbaseless\b", re.I)
_BRIDGE = re.compile(
    r"(?:^|\s)(?:has|have|had|also|already|then|now|later|earlier|previously|since|further|again|publicly|"
    r"repeatedly|quickly|initially|separately|once|first|reportedly|allegedly|"
    r"(?:was|were|is|are)\s+quick\s+to|took\s+to\s+[\w’' ]{1,30}?\s+to|went\s+on\s+to|"
    r"(?:appeared|sought|rushed|moved|continued|hastened)\s+to|"
    r"(?-i:[a-z]+ly)|never|not|also|still|often|long|recently|just|even|barely|"
    r"(?:do|does|did|can|could|will|would|may|might|must|should)(?:\s+not|n[’']t)?|(?:don|doesn|didn|can|couldn|won|wouldn|isn|wasn)[’']t|cannot|"
    # time and occasion between a subject and its cue ("Trump on Tuesday said")
    r"on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"(?:last|this|next|earlier\s+this|late\s+last|early\s+this)\s+(?:week|month|year|night|weekend|spring|summer|fall|autumn|winter)|"
    r"(?:on\s+|in\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today)(?:\s+(?:night|morning|evening|afternoon))?|"
    r"in\s+(?:a|an|his|her|its|their|the)\s+(?:\w+\s+)?(?:statement|interview|speech|letter|tweet|post|email|op-ed|memo|release|appearance|rally)"
    r"(?:\s+(?:on|with|to)\s+[\w’'.]+(?:\s+[A-Z][\w’'.]*)*)?)\s*$",
    re.I,
)
_PROGRESSIVE = re.compile(r"\b(?:is|are|was|were|am|been)\s+(?:(?-i:[a-z]+ly)\s+)?$", re.I)
_PASSIVE_AUX = re.compile(r"\b(?:is|are|was|were|been|be|being)\s+$", re.I)
# What may stand between a cue and its that-clause or quotation: a time or occasion
# ("said Tuesday", "said in a statement on Monday", "said of the plan").
_ADJUNCT_BODY = (
    r"(?:\s+(?:on|in|at|during|after|before|last|this|earlier|late|early|of|about|while)\s+(?:(?!\bthat\b)[^,.;:“”\"]){1,45}?"
    r"|\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today)(?:\s+(?:night|morning|evening|afternoon))?)"
)
_ADJUNCT = _ADJUNCT_BODY + "?"
_THAT = re.compile(
    r"(?:\s*\([^)]*\))?" + _ADJUNCT +
    r"(?:\s+(with\s+reference\s+to|citing)\s+([^,.;]{1,80}?))?\s*,?\s+that\s+",
    re.I,
)
_TOLD_THAT = re.compile(r"\s+[^,.;:“”\"]{1,40}?\s+that\s+", re.I)
_COLON_QUOTE = re.compile(r"\s*(?:\([^)]*\)\s*)?(?:" + _ADJUNCT_BODY + r"\s*[:,]|[:,])?\s*(?=[“\"])", re.I)
# "told reporters", "told CNN on Sunday", "told the crowd": the addressee before the content.
_ADDRESSEE = re.compile(
    r"\s+(?:him|her|them|us|me|you|reporters|journalists|supporters|voters|the\s+\w+|an?\s+\w+(?:\s+\w+)?|"
    r"(?:The\s+)?[A-Z][\w’'.&-]*(?:\s+(?:of\s+)?[A-Z][\w’'.&-]*)*)" + _ADJUNCT + r"(?=\s*[,:]?\s)",
)
# A cue followed by a preposition reports nothing ("report to a judge", "talked about").
_ACCUSED_OF = re.compile(r"\s+((?:[\w’'.-]+\s+){1,6}?)of\s+\w")
_TO_VERB = re.compile(r"\s+to\s+([a-z]+)\b")
_OBJ_TO_VERB = re.compile(r"\s+(?:him|her|them|us|me|you|it|[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*)\s+to\s+([a-z]+)\b")
_PREP_AFTER = re.compile(
    r"\s+(?:(?:to|toward|towards)\s+(?:the|a|an|his|her|their|its|my|our|your|him|them|me|us|this|that|[A-Z])|"
    r"(?:on|about|for|with|from|in|at|into|by|of|over|against|after|before|during|through|under|up|out|off|back|down|away|around)\b)",
)
_POST = re.compile(r"\s+(?:close\s+to|familiar\s+with|with\s+knowledge\s+of|briefed\s+on|involved\s+in)\s+", re.I)
_QUOTED = re.compile(r"“[^“”]*”|\"[^\"\n]*\"")
_DEFINITE = re.compile(
    r"the\s+(?:same\s+|said\s+|latter\s+|former\s+)?(source|sources|expert|experts|official|officials|analyst|"
    r"diplomat|insider|insiders|report|outlet)",
    re.I,
)
_MOD = re.compile(
    r"(?:the\s+)?(?:(Russia[’']s|Russian)\s+)?(?:MoD|Ministry\s+of\s+Defen[cs]e|Defen[cs]e\s+Ministry)(?:\s+\(MoD\))?",
    re.I,
)
# Possessive quantifiers: no backtracking into a chain of capitalised words (the
# chain can only end before whitespace, so giving characters back never helps).
_ACRONYM_DEF = re.compile(r"((?:[A-Z][\w’'.-]*+)(?:\s+(?:of|for|and|on|[A-Z][\w’'.-]*+))*+)\s+\(([A-Z][A-Za-z]{1,7})\)")
_BOILERPLATE = re.compile(
    r"(?:share(?:\s+this\s+(?:post|article|story))?\s*:?|comments?(?:\s+on\s+this\s+article)?\s*:?|"
    r"leave\s+a\s+(?:reply|comment)|photos?|videos?|gallery|advertisement|world\s+news|military|"
    r"(?:read|read\s+more|related|see\s+also|also\s+read)\s*:.*|don[’']t\s+miss.*|we\s+don[’']t\s+spam.*|"
    r"please\s+enable\s+javascript.*|(?:additional\s+)?reporting\s+by\b.*|editing\s+by\b.*|"
    r"no\s+comments\s+(?:available|yet).*|your\s+email\s+address\s+will\s+not\s+be\s+published.*|"
    r"required\s+fields\s+are\s+marked.*|subscribe\b.*|sign\s+up\b.*|follow\s+us\b.*|click\s+here\b.*)",
    re.I,
)
_CAPTION_CREDIT = re.compile(r"\s*\((@[\w.\-]+)(?:/[^)]*)?\)\s*$")
_LEADING_SKIP = frozenset({"and", "but", "then", "however", "meanwhile", "also", "so", "yet", "now"})
_TRAIL = re.compile(r"(?:[\s,;:—–-]+|\b(?:with|and|but|while|as|who|which|whereas)\b)+$", re.I)
_STRIP_PUNCT = ".,;: \t\n"
_STMT_HEDGE = re.compile(r",?\s*\b(?:allegedly|reportedly|purportedly|supposedly)\b,?", re.I)
_DENIED_OBJECT = re.compile(r"(?:the\s+)?(?:suggestion|claim|claims|allegation|allegations|reports?|idea)\s+that\s+", re.I)
# Prefilters: every match of the pattern, lower-cased, contains one of these strings.
# A C-level substring test per key is much cheaper than running an re.I alternation
# over text that cannot match (most sentences, most quotes). Only valid where
# lower-casing keeps offsets and no character outside ASCII folds onto an ASCII
# letter under re.I (İ ı ſ K): see _Lower.
_MARKER_KEYS = (
    "said", "reported", "claimed", "believed", "alleged", "suggested", "thought", "understood",
    "rumo", "belief", "suspicion", "purportedly", "supposedly",
)
_HEDGE_KEYS = (
    "may", "might", "could", "possib", "potential", "likely", "alleged", "reported", "apparent",
    "appear", "seem", "suggest", "believ", "perhaps", "unconfirmed", "purport", "suppos", "early",
    "probabl", "suspected", "said", "claimed",
)
_DENY_KEYS = ("responsible", "role", "unfounded", "baseless")
_STMT_HEDGE_KEYS = ("allegedly", "reportedly", "purportedly", "supposedly")
_FOLDS_TO_ASCII = "\u0130\u0131\u017f\u212a"


class _Lower:
    """The article lower-cased once, for substring prefilters on (start, end) ranges."""

    def __init__(self, text: str) -> None:
        low = text.lower()
        self.low = low
        self.exact = len(low) == len(text) and not any(c in text for c in _FOLDS_TO_ASCII)

    def has_any(self, keys: tuple[str, ...], a: int, b: int) -> bool:
        """False only when no key occurs in text[a:b] (so the pattern cannot match)."""
        if not self.exact:
            return True
        find = self.low.find
        for k in keys:
            if find(k, a, b) >= 0:
                return True
        return False


def _str_has_any(s: str, keys: tuple[str, ...]) -> bool:
    low = s.lower()
    if any(c in s for c in _FOLDS_TO_ASCII):
        return True
    return any(k in low for k in keys)


# Author sentences: shorter than this is a label, not a proposition; modal verbs with no
# source mark the article's own speculation or prediction (not claims, GUIDELINES §1).
_PLAIN_MIN_CHARS = 20
_PLAIN_MIN_WORDS = 5
_SPECULATION = re.compile(r"\b(?:(?-i:may)|might|could|would)\b", re.I)
# "X expressed concern over the incident." (and nothing else): feelings are not claims (§1).
_FEELING = re.compile(
    r"[^,;]{1,80}?\s(?:expressed|voiced|offered|conveyed|extended)\s+(?:its\s+|their\s+|his\s+|her\s+)?(?:deep\s+|deepest\s+|sincere\s+)?"
    r"(?:concern|condolences|sympathy|sympathies|sorrow|regret|shock|solidarity)\b[^,;]*?(?<!\band)$",
    re.I,
)

# Where a claim's content holds a second proposition (S2): ", which ..." and result
# participles. The part before must be a clause of its own (not "The incident, which ...").
_SPLIT = re.compile(
    r"(?:,\s+which\s+|(?:,|\s+and)\s+(?=(?:killing|causing|resulting\s+in|injuring|wounding|sparking|prompting|forcing)\b))"
)
_SPLIT_MIN_HEAD_WORDS = 4

# Small patterns used inside the per-cue code (compiled here, not per call).
_WITH = re.compile(r"\bwith\s+")
_COLON_SOURCE = re.compile(r"(?:(?:From|Here’s|Here's)\s+)?((?:[\w’'.-]+\s+){0,4}[\w’'.-]+)\s*(:)\s+(?=[“‘\w])")
_INTERJECTION = re.compile(
    r",\s*(?:however|meanwhile|though|too|in\s+turn|for\s+(?:his|her|their|its)\s+part|for\s+example|in\s+fact|"
    r"instead|of\s+course|in\s+(?:an?|his|her|their|its)\s+(?:\w+\s+)?(?:interview|statement|speech|letter|email|post|tweet|appearance)"
    r"(?:\s+(?:on|with)\s+[^,]{1,30})?|(?:on\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\s*,\s*$",
    re.I,
)
_AND_END = re.compile(r"(?:^|[\s,])and$")
_PAREN_END = re.compile(r"\s*\([^()]{1,30}\)$")
_WHO_END = re.compile(r",\s*who\s*$")
_CITED_BY_END = re.compile(r"\s(?:cited|quoted)\s+by\s+$")
_CLAUSE_BREAK = re.compile(r";\s|,\s+while\s")
_ACCORDING_NP = re.compile(r"\s+([^,.;:“”\"]{1,120}?)\s*(?=[,.;:“”\"]|$)")
_BY_FROM = re.compile(r"\s(?:by|from)\s+")
_BY_OF = re.compile(r"\s+(?:by|of)\b")
_SPACE_COMMA = re.compile(r"[\s,]*")
_CLAUSE_START = re.compile(r"\s+[\w“\"‘]")
_THAT_ONLY = re.compile(r"\s+that\s+")
_AS_QUOTED = re.compile(r"\s+as\s+[“\"].*$")
_HE_SHE = re.compile(r"^(?:he|she)\b", re.I)


@dataclass
class _Party:
    span: tuple[int, int] | None
    text: str | None
    name: str | None
    type: ClaimantType
    role: str | None = None

    def claimant(self, text: str) -> Claimant:
        span = Span(start=self.span[0], end=self.span[1]) if self.span else None
        shown = text[self.span[0] : self.span[1]] if self.span else self.text
        return Claimant(text=shown, span=span, name=self.name, type=self.type, role=self.role)


@dataclass
class _Frame:
    cue: tuple[int, int] | None
    lemma: str
    party: _Party | None
    content: tuple[int, int]
    kind: str  # forward (bounded by later frames), fixed, whole
    frame_start: int
    that: bool = False
    quoted: bool = False  # content is a quotation interior
    cut: tuple[int, int] | None = None  # interruption removed from the statement
    bound: int = 0  # where forward content may run to at most
    author: bool = False
    plain: bool = False  # an author claim with no hedge marker (certainty from its words)


# --- small helpers -------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def _kind(w: str) -> str | None:
    """A word's part in a source noun phrase (cached: news repeats its words)."""
    lw = w.lower()
    if len(w) > 2 and lw.endswith(("’s", "'s")):
        return "poss"
    if lw == "of":
        return "of"
    if lw in L.DETERMINERS:
        return "det"
    if lw in L.PRONOUNS:
        return "pron"
    if len(w) >= 2 and w.isupper() and w.isalpha():
        return "cap"  # acronyms: "US", "NATO", "MoD" is handled as cap below
    if lw in L.FUNCTION_WORDS:
        return None
    if lw in L.SOURCE_NOUNS or lw in L.GOV_NOUNS or lw in L.UNKNOWN_NOUNS:
        return "head"
    if w[0].isupper():
        return "cap"
    if lw in L.ROLE_WORDS or lw in L.MODIFIERS:
        return "mod"
    if _is_noun(lw):
        return "noun"
    return None


def _is_noun(lw: str) -> bool:
    """A lower-case word that can head or modify a source noun phrase ("the campaign",
    "some protest leaders", "those surveyed"): no function word, reporting verb, -ly
    adverb, number-free junk or verb-like -ed/-ing form (unless listed as a modifier)."""
    if not lw.isalpha() and not (lw.replace("-", "").isalpha() and "-" in lw):
        return False
    if lw in L.FUNCTION_WORDS or lw in L.FORM_TO_LEMMA or lw in L.NOT_NOUNS or lw in L.TIME_NOUNS or lw in L.EVIDENCE_NOUNS:
        return False
    return not lw.endswith(("ly", "ed", "ing")) or lw in L.NOUNS_LIKE_VERBS


def _tokens(text: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text, lo, hi)]


def _np_before(text: str, lo: int, pos: int, strict: bool = False) -> tuple[int, int] | None:
    """The claimant noun phrase ending at ``pos`` (trailing spaces ignored), or None.

    Walks left from the head over what a news source phrase is made of (measured on
    PolNeAR train): names and titles ("Clinton spokesman Jesse Ferguson"), common nouns
    and their modifiers ("some protest leaders", "the company’s chief executive"),
    possessives, "of" ("the U.S. Court of Appeals", "most of the candidates"), up to a
    determiner. A lower-case word may stand before a name only as a title ("pollster
    Frank Luntz"), not as the end of an adverbial ("In a speech Trump said"). ``strict``:
    the head must be a name or a listed source noun (for participles: "early signs
    suggesting ..." has no source).
    """
    end = pos
    while end > lo and text[end - 1].isspace():
        end -= 1
    toks = _tokens(text, max(lo, end - 200), end)
    if not toks or toks[-1][1] != end:
        return None
    last = len(toks) - 1
    if _kind(toks[last][2]) == "pron":
        return toks[last][0], end
    k_last = _kind(toks[last][2])
    if k_last == "mod" and toks[last][2].lower() not in L.ADJECTIVAL_ROLES:
        k_last = "head"  # "a Treasury spokesman", "the Clinton campaign"
    if k_last not in (("cap", "head") if strict else ("cap", "head", "noun")):
        return None
    start = None
    j = last
    name_from: int | None = None  # leftmost token of the capitalised chain ending at the head
    while j >= 0:
        s, e, w = toks[j]
        nxt = toks[j + 1][0] if j < last else end
        if text[e:nxt].strip():
            break
        k = _kind(w)
        right = _kind(toks[j + 1][2]) if j < last else None
        if k == "cap":
            if name_from is None or name_from == j + 1:
                name_from = j
            start = j
        elif k in ("head", "mod", "poss", "noun"):
            if right == "cap" and k == "noun" and w.lower() not in L.ROLE_WORDS and w.lower() not in L.TITLE_WORDS:
                break  # "In a speech Trump said": a common noun before a name is a title only when listed
            start = j
        elif k == "of" and 0 < j < last and _kind(toks[j - 1][2]) in ("cap", "head", "noun", "det") and right in ("cap", "det", "head", "noun", "poss", "mod"):
            start = j
        elif k is None and w.lower() in L.POSSESSIVE_DETERMINERS and j < last and right in ("noun", "head", "mod", "cap"):
            start = j  # "his father", "their campaign"
            break
        elif k is None and w[0].isdigit() and j < last and right in ("noun", "head") and toks[j + 1][2].lower() in ("percent", "%"):
            start = j  # "74 percent said"
            break
        elif w == "and" and 0 < j < last and _kind(toks[j - 1][2]) in ("cap", "head") and right in ("cap", "head", "noun", "det", "mod"):
            start = j  # "experts and U.S. officials", "Trump and Clinton"
        elif k == "det":
            start = j
            # "most of the candidates", "one of those advisers"
            if j >= 2 and toks[j - 1][2].lower() == "of" and toks[j - 2][2].lower() in L.QUANTIFIERS:
                start = j - 2
            break
        else:
            break
        j -= 1
    if start is None:
        return None
    if toks[start][2].lower() in ("of", "and"):
        start += 1
    return toks[start][0], end


_PP_WORDS = frozenset({"of", "in", "for", "at", "from", "on", "and", "with", "across", "to"})


_DET_BEFORE = re.compile(r"\b(?:the|a|an|his|her|their|its|our|my|your|this|these|those|every|each|no)\s+$", re.I)
_WH_BEFORE = re.compile(r"\b(?:what|whatever|whenever|when|how|why|where|whom|whose|wherever|whoever)\s+$", re.I)
def _quote_parts(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """The sentences (and "; " clauses) of a quotation's interior."""
    out = []
    for ss, se in sentences(text, a, b):
        pos = ss
        for m in _SEMI.finditer(text, ss, se):
            out.append((pos, m.start()))
            pos = m.end()
        out.append((pos, se))
    return out


_SEMI = re.compile(r";\s+")


def _may_bridge(text: str, ss: int, e: int) -> bool:
    """Cheap test before _BRIDGE (a long alternation searched backwards): every bridge ends
    in a word from BRIDGE_ENDS, an -ly adverb, a negation, or the name closing
    "in a statement on Fox News"."""
    stop = e
    while stop > ss and text[stop - 1].isspace():
        stop -= 1
    start = stop
    while start > ss and (text[start - 1].isalnum() or text[start - 1] in "’'-."):
        start -= 1
    w = text[start:stop].lower()
    return w in L.BRIDGE_ENDS or w.endswith(("ly", "n’t", "n't")) or (w[:1].isalpha() and text[start : start + 1].isupper() and " in " in text[max(ss, e - 60) : e])


def _names_a_body(word: str) -> bool:
    """ "Department", "Ministry", "Corp.": an institution word; a name made only of them
    keeps the word before it ("Justice Department"), which is then no title."""
    lw = word.lower().rstrip(".")
    return lw in L.GOV_NOUNS or lw in L.ORG_SUFFIXES or lw in L.MEDIA_SUFFIXES or lw in L.GOV_WORDS


def participle_form(form: str) -> bool:
    return form.endswith("ing")


# After an inverted source: the end of the sentence, an apposition, or a time or place.
_TAIL_AFTER_SOURCE = re.compile(r"\s*(?:[.!?]|,|$|\s(?:on|in|at|during|after|before|last|this|earlier|told)\b|\s(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b)", re.I)
# "..., X said after the attacks." / "..., X said on Tuesday."
_TRAILING_ADJUNCT = re.compile(r"(?:\s+(?:on|in|at|during|after|before|last|this|earlier|of|about|while|to)\b[^,;:“”]{0,80}|\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today)\b[^,;:“”]{0,40})\s*[.!?]?\s*", re.I)


def _segment_np(text: str, a: int, b: int) -> tuple[int, int] | None:
    """text[a:b] when all of it is one noun phrase, prepositional phrases included
    ("Darran Whiting of Liberty Baptist Church in Marion", "Rep. Elijah Cummings (D-Md.)"):
    the comma-delimited subject before an apposition."""
    while b > a and text[b - 1].isspace():
        b -= 1
    seg = text[a:b]
    if not seg or len(seg) > 120:
        return None
    core = _PAREN_END.sub("", seg)
    toks = _tokens(text, a, a + len(core))
    if not toks or len(toks) > 12:
        return None
    kinds = [_kind(w) for _, _, w in toks]
    if kinds[0] not in ("cap", "det", "poss", "noun", "mod", "head") or kinds[-1] not in ("cap", "noun", "head"):
        return None
    for (s, e, w), k in zip(toks, kinds):
        if k in (None, "of", "pron") and w.lower() not in _PP_WORDS and not w[0].isdigit():
            return None
    if any(not text[toks[i][1] : toks[i + 1][0]].isspace() and text[toks[i][1] : toks[i + 1][0]] not in ("-", "") for i in range(len(toks) - 1)):
        return None
    return a, b


def _np_after(text: str, pos: int, hi: int, skip_leading: bool = False) -> tuple[int, int] | None:
    """The claimant noun phrase starting at ``pos`` (leading spaces ignored), with a
    source post-modifier ("close to ...", "familiar with ...") when there is one."""
    toks = _tokens(text, pos, min(hi, pos + 300))
    i = 0
    if skip_leading:
        while i < len(toks) and toks[i][2].lower() in _LEADING_SKIP and not text[pos : toks[i][0]].strip(" ,“\"‘"):
            pos = toks[i][1]
            i += 1
    if i >= len(toks) or text[pos : toks[i][0]].strip(" ,“\"‘"):
        return None
    if _kind(toks[i][2]) == "pron":
        return toks[i][0], toks[i][1]
    first = i
    last_head = None
    if _kind(toks[i][2]) == "det":
        i += 1
    while i < len(toks):
        if i > first and text[toks[i - 1][1] : toks[i][0]].strip():
            break
        k = _kind(toks[i][2])
        if k in ("cap", "head"):
            last_head = i
        elif k == "of":
            if not (i + 1 < len(toks) and _kind(toks[i + 1][2]) == "cap"):
                break
        elif k not in ("mod", "poss"):
            break
        i += 1
    if last_head is None:
        return None
    start, end = toks[first][0], toks[last_head][1]
    if _kind(toks[last_head][2]) == "head":
        m = _POST.match(text, end)
        if m:
            rest = _tokens(text, m.end(), min(hi, m.end() + 120))
            n_end = None
            for n, (s, e, w) in enumerate(rest[:6]):
                gap_from = rest[n - 1][1] if n else m.end()
                if text[gap_from:s].strip():
                    break
                lw = w.lower()
                if lw in L.FORM_TO_LEMMA or (lw in L.FUNCTION_WORDS and lw != "of"):
                    break
                n_end = e
            if n_end:
                end = n_end
    return start, end


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """Drop surrounding whitespace, sentence punctuation, enclosing quotes and dangling conjunctions."""
    while True:
        old = (a, b)
        while a < b and text[a] in _STRIP_PUNCT:
            a += 1
        m = _TRAIL.search(text, max(a, b - 24), b)
        if m and m.start() > a:
            b = m.start()
        while b > a and text[b - 1] in _STRIP_PUNCT:
            b -= 1
        if b - a >= 2 and text[a] in "“\"" and text[b - 1] in "”\"" and not _QUOTED.search(text[a + 1 : b - 1]):
            inner = text[a + 1 : b - 1]
            if "“" not in inner and "”" not in inner and '"' not in inner:
                a, b = a + 1, b - 1
        if (a, b) == old:
            return a, b


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s and (s.split()[0].lower() in L.DETERMINERS or s.split()[0].lower() in L.SOURCE_NOUNS) else s


# --- the backend -------------------------------------------------------------------


class RulesBackend(SyncBackend):
    """Reporting-frame patterns, source noun phrases, hedge/denial lexicons and quotes."""

    name = "rules"

    def extract(self, article: Article) -> ArticleClaims:
        language, claims = extract_article_claims(article.text)
        rec = self.result(article, claims)
        rec.language = language
        return rec

    def manifest_notes(self, languages: dict[str, int]) -> list[str]:
        """What the rules did with the run's languages, for the manifest and the console."""
        return coverage_notes(languages)


# What the rules backend does per language (README "Languages").
FULL_LANGUAGES = ("en",)
CUE_LANGUAGES = ("de", "fr", "es")


def extract_article_claims(text: str) -> tuple[str, list[Claim]]:
    """The article's language and its claims: the English rules for English (and for text
    too short to tell), cues, hedges and denials for German, French and Spanish, one
    claim per sentence with nothing known about it for any other language."""
    language = detect(text)
    if language in CUE_LANGUAGES:
        return language, extract_claims_intl(text, language)
    if language in FULL_LANGUAGES or language == "und":
        return language, extract_claims(text)
    # Another language: its plainly English paragraphs (a quoted wire report, a
    # bilingual page) still get the English rules, the rest one claim per sentence.
    english = {(ps, pe) for ps, pe in paragraphs(text) if plainly_english(text[ps:pe])}
    claims = extract_claims(text, only=lambda ps, pe: (ps, pe) in english) if english else []
    claims += sentence_claims(text, skip=english)
    claims.sort(key=lambda c: (c.quote_span.start, c.quote_span.end) if c.quote_span else (0, 0))
    return language, claims


def sentence_claims(text: str, skip: set[tuple[int, int]] = frozenset()) -> list[Claim]:  # type: ignore[assignment]
    """One claim per sentence, claimant unknown and attribution and certainty left open:
    what the backend can honestly say about a language it has no rules for."""
    out = []
    seen: set[str] = set()
    for ps, pe in paragraphs(text):
        if (ps, pe) in skip or text[ps:pe] in seen:
            continue
        seen.add(text[ps:pe])
        for ss, se in sentences(text, ps, pe):
            a, b = _trim(text, ss, se)
            if b - a < 6 or not any(c.isalpha() for c in text[a:b]):
                continue
            out.append(Claim(statement=text[a:b], quote=text[a:b], quote_span=Span(start=a, end=b), claimant=Claimant(type=ClaimantType.unknown)))
    return out


def coverage_notes(languages: dict[str, int]) -> list[str]:
    """One line per kind of partial coverage in a run, naming the languages and counts."""
    notes = []
    cues = {k: v for k, v in sorted(languages.items()) if k in CUE_LANGUAGES}
    other = {k: v for k, v in sorted(languages.items()) if k not in CUE_LANGUAGES and k not in FULL_LANGUAGES and k != "und"}
    if cues:
        notes.append(
            "rules backend: " + ", ".join(f"{v} {k}" for k, v in cues.items())
            + " article(s) handled with reporting cues, hedges and denials only (no clause splitting, no nested sources)"
        )
    if other:
        notes.append(
            "rules backend: " + ", ".join(f"{v} {k}" for k, v in other.items())
            + " article(s) handled at sentence level only: one claim per sentence, claimant, attribution and certainty unknown"
        )
    return notes


def _curly_quotes(text: str) -> str:
    """Straight double quotes and two-apostrophe quotation marks (''...'', as some wire and
    archive texts write them) as curly ones of the same length, opening or closing by
    what stands before them (``''`` becomes space + “ or ” + space), so that every quote
    pattern sees one kind, mixed pairs ("...”) included. Offsets are unchanged; claims
    quote the original text."""
    if '"' not in text and "''" not in text:
        return text
    return _STRAIGHT.sub(_curl, text)


_STRAIGHT = re.compile(r"''|\"")
# "Freddy Ortega said." / "said Grimm, a Trump supporter." / "he added on Tuesday."
_SPEECH_TAIL = re.compile(
    r"(?:[^\s.!?“”][^.!?“”]{0,60}?\s)?(?:said|says|added|asked|told\s+\w+(?:\s+\w+)?|wrote|continued|explained|noted|replied|responded)"
    r"(?:\s[^.!?“”]{1,80})?[.!?]?"
)
_OPENS_AFTER = frozenset(" \t\n\r([{—–-‘“\u00a0")


def _curl(m: re.Match[str]) -> str:
    i = m.start()
    opening = i == 0 or m.string[i - 1] in _OPENS_AFTER
    if m.group() == '"':
        return "“" if opening else "”"
    return " “" if opening else "” "


def extract_claims(text: str, only: Callable[[int, int], bool] | None = None) -> list[Claim]:
    """All claims of one article text, in text order; spans are exact. ``only``: the
    paragraphs (start, end) to read, default all."""
    original = text
    text = _curly_quotes(text)
    state = _State(text, original)
    seen_paras: set[str] = set()
    for ps, pe in paragraphs(text):
        if only is not None and not only(ps, pe):
            continue
        para = text[ps:pe]
        if para in seen_paras or _BOILERPLATE.fullmatch(para) or not any(c.isalpha() for c in para):
            continue
        seen_paras.add(para)
        if state.caption(ps, pe):
            continue
        quotes = [(m.start(), m.end()) for m in _QUOTED.finditer(text, ps, pe)]
        state.last_quoted = None
        for ss, se in _join_speech_tails(text, sentences(text, ps, pe)):
            state.sentence(ss, se, quotes)
    return state.finish()


def _join_speech_tails(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """“Is it over?” Freddy Ortega said. is one sentence: the splitter ends one at “?”” and
    the short tail that names the speaker belongs to the quotation before it."""
    out: list[tuple[int, int]] = []
    for ss, se in spans:
        if out and text[out[-1][1] - 1] == "”" and text[out[-1][1] - 2] in "?!" and _SPEECH_TAIL.fullmatch(text, ss, se):
            out[-1] = (out[-1][0], se)
        else:
            out.append((ss, se))
    return out


class _State:
    def __init__(self, text: str, original: str | None = None) -> None:
        self.text = text  # what the patterns read (quotation marks made uniform)
        self.orig = text if original is None else original  # what claims quote
        self.history: list[_Party] = []
        self.claims: list[tuple[int, int, Claim]] = []
        self.aliases = {m.group(2): m.group(1) for m in _ACRONYM_DEF.finditer(text)} if "(" in text else {}
        self.lower = _Lower(text)
        self.last_quoted: _Frame | None = None  # the quoted frame of the sentence before, in this paragraph
        self.quotes: set[str] = set()  # quotes already emitted (a repeated one is not emitted again)

    # -- claimants ------------------------------------------------------------------

    def party(self, span: tuple[int, int], name: str | None = None, role: str | None = None) -> _Party:
        raw = self.text[span[0] : span[1]]
        low = raw.lower()
        if low in L.PRONOUNS:
            want = ("person",) if low in ("he", "she") else ("government", "organization", "media", "anonymous")
            for p in reversed(self.history):
                if p.type.value in want:
                    return _Party(span, raw, p.name, p.type, p.role)
            return _Party(span, raw, None, ClaimantType.unknown)
        m = _DEFINITE.fullmatch(low)
        if m:
            head = m.group(1).rstrip("s")
            for p in reversed(self.history):
                if head in ("report", "outlet"):
                    if p.type is ClaimantType.media:
                        return _Party(span, raw, p.name, p.type, p.role)
                elif p.type is ClaimantType.anonymous and head in (p.name or "").lower():
                    return _Party(span, raw, p.name, p.type, p.role)
            kind = ClaimantType.unknown if head in ("report", "outlet") else ClaimantType.anonymous
            return _Party(span, raw, _lower_first(raw), kind)
        if name is not None:
            ctype = self._type_of_name(name)
            return _Party(span, raw, name, ctype, role)
        name, ctype, role2 = self.classify(raw)
        return _Party(span, raw, name, ctype, role2 or role)

    def _type_of_name(self, name: str) -> ClaimantType:
        low = name.lower()
        if low in L.MEDIA:
            return ClaimantType.media
        words = low.rstrip(".").split()
        if low in L.ORGANIZATIONS or words[-1] in L.ORG_SUFFIXES:
            return ClaimantType.organization
        if any(w in L.GOV_WORDS for w in words) or words[-1] in L.GOV_NOUNS:
            return ClaimantType.government
        if words[-1] in L.MEDIA_SUFFIXES:
            return ClaimantType.media
        if words[-1] in L.DOCUMENT_NOUNS:
            return ClaimantType.unknown  # "a report", "the poll": a document, not a person
        return ClaimantType.person

    def classify(self, raw: str) -> tuple[str | None, ClaimantType, str | None]:
        mp = _POST.search(raw)
        if mp and raw[: mp.start()].split()[-1].lower() in L.SOURCE_NOUNS:
            return _lower_first(raw), ClaimantType.anonymous, None
        words = raw.split()
        if not words:
            return None, ClaimantType.unknown, None
        body_words = words[1:] if words[0].lower() in ("the",) and len(words) > 1 else words
        body = " ".join(body_words)
        low = body.lower()
        mm = _MOD.fullmatch(raw)
        if mm:
            full = self.aliases.get("MoD", "")
            russian = mm.group(1) or full.lower().startswith("russia")
            return ("Russian Ministry of Defence" if russian else (full or "Ministry of Defence")), ClaimantType.government, None
        if body in self.aliases:
            body = self.aliases[body]
            low = body.lower()
        if low in L.MEDIA:
            return body, ClaimantType.media, None
        if low in L.ORGANIZATIONS:
            return body, ClaimantType.organization, None
        if low in L.STATES:
            return L.STATES[low], ClaimantType.government, None
        if low == "kremlin":
            return "Kremlin", ClaimantType.government, None
        # Title or role, then a name: "Kremlin spokesperson Dmitry Peskov".
        split = None
        for i, w in enumerate(body_words[:-1]):
            lw = w.lower()
            if lw in L.ROLE_WORDS or lw in L.TITLE_WORDS or _kind(w) == "poss":
                tail = body_words[i + 1 :]
                if all(_kind(t) == "cap" and t.lower() not in L.TITLE_WORDS for t in tail) and not all(_names_a_body(t) for t in tail):
                    split = i + 1
        if split:
            tail = " ".join(body_words[split:])
            role_words = body_words[:split]
            while role_words and _kind(role_words[0]) == "poss":
                role_words = role_words[1:]
            role = " ".join(role_words) or None
            return tail, self._type_of_name(tail), role
        last = body_words[-1].lower()
        if last in L.SOURCE_NOUNS and last != "officials" or (last == "officials" and not words[0][0].isupper()):
            name = " ".join(w.lower() if w.lower() in L.SOURCE_NOUNS | L.DETERMINERS | L.MODIFIERS else w for w in words)
            return name, ClaimantType.anonymous, None
        if last in L.UNKNOWN_NOUNS:
            return _lower_first(raw), ClaimantType.unknown, None
        indefinite = words[0].lower() in L.DETERMINERS and words[0].lower() != "the"
        if last in L.DOCUMENT_NOUNS:
            # "A Quinnipiac poll": the claimant is its author when the article names one (§5)
            author = [w for w in body_words[:-1] if w[:1].isupper() and w.lower() not in L.DETERMINERS]
            if author:
                name = " ".join(author).removesuffix("’s").removesuffix("'s")
                kind = self._type_of_name(name)
                return name, ClaimantType.organization if kind is ClaimantType.person else kind, None
            return _lower_first(raw), ClaimantType.unknown, None
        if last in L.ROLE_WORDS and last not in L.ADJECTIVAL_ROLES and not _names_a_body(last):
            # a person named by role: "the police chief" (person), "a spokesperson" (anonymous)
            if indefinite:
                return _lower_first(raw), ClaimantType.anonymous, None
            return _lower_first(raw), ClaimantType.person, None
        if last in L.GOV_NOUNS or any(w.lower() in L.GOV_WORDS for w in body_words):
            return (_lower_first(raw) if body_words[-1].islower() else body), ClaimantType.government, None
        if last in L.ORG_SUFFIXES or (len(body_words) == 1 and body.isupper() and len(body) <= 6):
            return body, ClaimantType.organization, None
        if last[:1].islower() and indefinite:
            return _lower_first(raw), ClaimantType.anonymous, None  # "some protest leaders", "a former aide"
        if len(body_words) == 1:
            for p in reversed(self.history):
                if p.type is ClaimantType.person and p.name and p.name.split()[-1] == body:
                    return p.name, p.type, p.role
        return body, ClaimantType.person, None

    # -- finding the subject of a cue ---------------------------------------------

    def subject(self, ss: int, cs: int, participle: bool, prior: list[_Frame]) -> _Party | None:
        t = self.text
        e = cs
        while True:
            m = _BRIDGE.search(t, max(ss, e - 60), e) if _may_bridge(t, ss, e) else None
            if not m or m.end() != e:
                m = _INTERJECTION.search(t, max(ss, e - 60), e)
                if not m:
                    break
                e = m.start()
                continue
            e = m.start() if m.start() > ss else ss
        head = t[ss:e].rstrip()
        if not participle and _AND_END.search(head):
            # "Trump called on her to resign and said ...": the subject of the first verb
            for f in reversed(prior):
                if f.party and f.party.span:
                    return f.party
            np = self.clause_subject(ss, e)
            return self.party(np) if np else None
        if participle:
            if head.endswith(",") or head.endswith(" by") or head.endswith(" while") or not head:
                for f in reversed(prior):
                    if f.party and f.party.span:
                        return f.party
                np = _np_after(t, ss, cs, skip_leading=True)
                return self.party(np) if np else None
            np = _np_before(t, ss, e, strict=True)
            if np:
                return self.party(np)
            w = None
            for mw in _WITH.finditer(t[ss:cs]):
                w = ss + mw.end()
            if w is not None:
                np = _np_after(t, w, cs)
                if np:
                    return self.party(np)
            return None
        mw = _WHO_END.search(head)
        if mw:
            np = _np_before(t, ss, ss + mw.start())
            return self.party(np) if np else None
        if head.endswith(","):
            region_end = ss + len(head) - 1
            seg = ss
            commas = [i for i in range(ss, region_end) if t[i] == ","] + [region_end]
            for n, c in enumerate(commas[:-1]):
                first = seg
                while first < c and t[first] in " “\"‘":
                    first += 1
                np = _np_before(t, seg, c)
                if not (np and np[0] == first):
                    np = _segment_np(t, first, c) or np
                if np and np[0] == first and _kind(_tokens(t, np[0], np[1])[-1][2]) in ("cap", "head", "pron", "noun"):
                    return self.party(np, *self.apposition_role(c, commas[n + 1]))
                combo = self.role_then_name(first, c, commas[n + 1])
                if combo:
                    return combo
                seg = c + 1
            # "One pastor supporting Mr. Cruz, Darran Whiting of Liberty Baptist Church, said"
            first = seg
            while first < region_end and t[first] in " “\"‘":
                first += 1
            np = _segment_np(t, first, region_end)
            return self.party(np) if np else None
        np = _np_before(t, ss, e)
        if np:
            mc = _CITED_BY_END.search(t[max(ss, np[0] - 30) : np[0]])
            if mc:
                inner = _np_before(t, ss, np[0] - len(mc.group()))
                if inner and t[inner[0] : inner[1]].split()[-1].lower() in L.SOURCE_NOUNS:
                    np = inner
        if np is not None:
            # "Sources familiar with the talks said": the phrase runs back over the post-modifier
            mp = None
            for m2 in _POST.finditer(t, max(ss, np[0] - 40), np[0] + 1):
                mp = m2
            if mp and mp.end() == np[0]:
                np0 = _np_before(t, ss, mp.start())
                if np0 and t[np0[0] : np0[1]].split()[-1].lower() in L.SOURCE_NOUNS:
                    np = (np0[0], np[1])
        if np is None:
            m = None
            for m2 in _POST.finditer(t, ss, e):
                m = m2
            if m:
                np0 = _np_before(t, ss, m.start())
                if np0:
                    np1 = _np_after(t, np0[0], e)
                    if np1 and np1[1] == len(t[:e].rstrip()):
                        np = np1
        return self.party(np) if np else None

    def clause_subject(self, ss: int, e: int) -> tuple[int, int] | None:
        """The subject of the sentence's first verb ("But the U.S. Court of Appeals for the
        6th Circuit overruled and said ..."): the longest noun phrase at the start that a
        verb-like word follows."""
        t = self.text
        toks = _tokens(t, ss, e)
        i = 0
        while i < len(toks) and toks[i][2].lower() in _LEADING_SKIP:
            i += 1
        if i >= len(toks) or t[toks[i - 1][1] if i else ss : toks[i][0]].strip(" ,“‘"):
            return None
        best = None
        for j in range(i, min(len(toks) - 1, i + 12)):
            nxt = toks[j + 1][2]
            if nxt[0].islower() and (nxt.endswith(("ed", "s")) or nxt.lower() in L.IRREGULAR_PAST) and _kind(nxt) != "noun":
                np = _segment_np(t, toks[i][0], toks[j][1])
                if np:
                    best = np
                break
            if t[toks[j][1] : toks[j + 1][0]].strip():
                break
        if best is None and i < len(toks) and _kind(toks[i][2]) == "pron":
            best = (toks[i][0], toks[i][1])
        return best

    def apposition_role(self, c: int, nxt: int) -> tuple[None, str | None]:
        appos = self.text[c + 1 : nxt].strip()
        first = appos.split()[0].lower() if appos else ""
        if first in L.ROLE_WORDS or first in L.TITLE_WORDS:
            return None, appos
        return None, None

    def role_then_name(self, a: int, c: int, nxt: int) -> _Party | None:
        """ "Azerbaijan’s president, Ilham Aliyev, ..." -> Ilham Aliyev, role president."""
        t = self.text
        role_toks = _tokens(t, a, c)
        name_toks = _tokens(t, c + 1, nxt)
        if not role_toks or not name_toks or role_toks[-1][2].lower() not in L.ROLE_WORDS:
            return None
        if not all(_kind(w) in ("poss", "mod", "det", "cap") for _, _, w in role_toks):
            return None
        if not all(_kind(w) == "cap" for _, _, w in name_toks) or t[c + 1 : name_toks[0][0]].strip():
            return None
        name = t[name_toks[0][0] : name_toks[-1][1]]
        role = " ".join(w for _, _, w in role_toks if _kind(w) not in ("poss", "det"))
        return self.party((role_toks[0][0], name_toks[-1][1]), name=name, role=role)

    # -- one sentence -------------------------------------------------------------

    def sentence(self, ss: int, se: int, quotes: list[tuple[int, int]]) -> None:
        t = self.text
        q_in = [(a, b) for a, b in quotes if a < se and b > ss]
        frames: list[_Frame] = []
        if ":" in t[ss : ss + 60]:
            f = self.colon_headline(ss, se)
            if f:
                frames.append(f)
        for m in _ACCORDING.finditer(t, ss, se) if self.lower.has_any(("according",), ss, se) else ():
            f = self.according(ss, se, m.start(), m.end(), q_in)
            if f:
                frames.append(f)
        title_case: bool | None = None  # computed only when a capitalised cue needs it
        for m in _cues(t, ss, se, self.lower):
            if t[m[0]].isupper() and m[0] > ss:
                if title_case is None:
                    words = t[ss:se].split()
                    title_case = sum(w[:1].isupper() for w in words) * 2 > len(words)
                if not title_case:
                    continue
            if any(f.cue and f.cue[0] <= m[0] < f.cue[1] for f in frames):
                continue
            if L.FORM_TO_LEMMA[m[2]] not in L.SPEECH_LEMMAS and any(qa < m[0] < qb for qa, qb in q_in):
                continue  # "“Americans who believe in ...,” she said": a verb inside a quotation is its words
            f = self.verb(ss, se, m, q_in, [f for f in frames if f.cue and f.cue[0] < m[0]])
            if f:
                frames.append(f)
        frames.sort(key=lambda f: f.cue[0] if f.cue else f.content[0])
        if frames and self.lower.has_any(("belief", "claimed", "suggested", "reported", "alleged", "believed", "thought", "understood"), ss, se):
            # "There is a belief that ... Russia hoped it would crash": inside an agentless
            # that-clause only speech is a frame of its own; the rest is the hedged proposition.
            for m in _MARKER_THAT.finditer(t, ss, se):
                frames = [f for f in frames if not (f.cue and f.cue[0] >= m.end() and f.lemma not in L.SPEECH_LEMMAS)]
        frames = self.settle(frames)
        # A relay whose quote holds an inner attribution gets no claim of its own (GUIDELINES H2).
        frames = [
            f
            for f in frames
            if not (f.quoted and any(g is not f and g.cue and f.content[0] <= g.cue[0] < f.content[1] for g in frames))
        ]
        for f in frames:
            self.emit(f)
        if not frames and self.last_quoted and self.continues_quote(ss, se, q_in):
            return
        self.last_quoted = next((f for f in reversed(frames) if f.quoted and f.party and f.party.span), None) if frames else None
        if not self.marker(ss, se, frames) and not frames:
            self.plain(ss, se, q_in)

    def continues_quote(self, ss: int, se: int, q_in: list[tuple[int, int]]) -> bool:
        """“We lost,” she said. “We will be back.”: a sentence that is one quotation right
        after a quotation attributed in the sentence before goes on with the same
        speaker and cue (direct speech), as attribution corpora label it."""
        t = self.text
        prev = self.last_quoted
        q = next(((qa, qb) for qa, qb in q_in if qa == ss), None)
        if prev is None or q is None or t[q[1] : se].strip(" .!?"):
            return False
        content = _trim(t, q[0] + 1, q[1] - 1)
        self.emit(_Frame(prev.cue, prev.lemma, prev.party, content, "fixed", 10**12, quoted=True))
        return True

    def colon_headline(self, ss: int, se: int) -> _Frame | None:
        """ "Marco Rubio: I’m Not Interested In Being Vice President." / "From the report:
        “...”": a short source, a colon, then what it says (headlines, pull quotes)."""
        t = self.text
        m = _COLON_SOURCE.match(t, ss, se)
        if not m:
            return None
        xs, xe = m.start(1), m.end(1)
        low = t[xs:xe].lower()
        if low in L.COLON_LABELS or not any(c.isalpha() for c in t[m.end() : se]):
            return None
        toks = _tokens(t, xs, xe)
        if not toks or _kind(toks[-1][2]) not in ("cap", "head", "noun") or any(_kind(w) is None and w.lower() not in ("of", "and", "the") for _, _, w in toks):
            return None
        content = _trim(t, m.end(), se)
        if len(t[content[0] : content[1]].split()) < 3:
            return None
        return _Frame((m.start(2), m.end(2)), "say", self.party((xs, xe)), content, "fixed", 10**12)

    def settle(self, frames: list[_Frame]) -> list[_Frame]:
        """Bound forward content at the next frame, then drop cues buried in content."""
        for _ in range(2):
            for f in frames:
                if f.kind != "forward":
                    continue
                end = f.bound
                for g in frames:
                    if g is not f and f.content[0] < g.frame_start < end:
                        end = g.frame_start
                for mm in _CLAUSE_BREAK.finditer(self.text[f.content[0] : end]):
                    end = f.content[0] + mm.start()
                    break
                f.content = _trim(self.text, f.content[0], end)
            kept: list[_Frame] = []
            for g in frames:
                buried = any(
                    f.kind == "forward" and f.content[0] <= (g.cue[0] if g.cue else -1) < f.content[1] for f in kept
                )
                if buried and (not (g.that or g.quoted) or g.lemma in L.WEAK_LEMMAS):
                    continue
                kept.append(g)
            if len(kept) == len(frames):
                break
            for f in kept:
                if f.kind == "forward":
                    f.content = (f.content[0], f.bound)
            frames = kept
        return [f for f in frames if f.content[1] - f.content[0] >= 8 and len(self.text[f.content[0] : f.content[1]].split()) >= 2]

    def according(self, ss: int, se: int, a: int, b: int, q_in: list[tuple[int, int]]) -> _Frame | None:
        t = self.text
        lo, hi = ss, se
        for qa, qb in q_in:
            if qa < a < qb:
                lo, hi = qa + 1, qb - 1
        m = _ACCORDING_NP.match(t, b, hi)
        if not m:
            return None
        xs, xe = m.start(1), m.end(1)
        by = list(_BY_FROM.finditer(t[xs:xe]))
        if by:
            xs = xs + by[-1].end()
        if len(t[xs:xe].split()) > 12 or xs >= xe:
            return None
        party = self.party((xs, xe))
        before = t[lo:a]
        after_x = t[xe:hi]
        if not before.strip(" “\"‘"):
            ca = xe + (len(after_x) - len(after_x.lstrip(" ,")))
            return _Frame((a, b), "according to", party, (ca, hi), "forward", a, bound=hi)
        if before.rstrip().endswith(",") and after_x.lstrip().startswith(","):
            cut_a = lo + len(before.rstrip()) - 1
            cut_b = xe + after_x.index(",") + 1
            c = _trim(t, lo, hi)
            return _Frame((a, b), "according to", party, c, "whole", 10**12, cut=(cut_a, cut_b))
        c = _trim(t, lo, a)
        return _Frame((a, b), "according to", party, c, "fixed", 10**12)

    def verb(self, ss: int, se: int, m: tuple[int, int, str], q_in: list[tuple[int, int]], prior: list[_Frame]) -> _Frame | None:
        t = self.text
        cs, ce, form = m
        lemma = L.FORM_TO_LEMMA[form]
        after = t[ce:se]
        if (not form.endswith("ing") and _PASSIVE_AUX.search(t, max(ss, cs - 12), cs)) or _BY_OF.match(after):
            return None
        lo, hi = ss, se
        for qa, qb in q_in:
            if qa < cs < qb:
                lo, hi = qa + 1, qb - 1
        # "“...,” said the source" / "“...,” the report highlights."
        for qa, qb in q_in:
            if qb <= cs and qa >= ss:
                gap = t[qb:cs]
                if not gap.strip(" ,"):
                    np = _np_after(t, ce, se)
                    if np:
                        return _Frame((cs, ce), lemma, self.party(np), _trim(t, qa + 1, qb - 1), "fixed", 10**12, quoted=True)
                elif _SPACE_COMMA.fullmatch(gap[: len(gap) - len(gap.lstrip(" ,"))]) and gap.strip(" ,"):
                    np = _np_before(t, qb, cs)
                    if np and not t[qb : np[0]].strip(" ,"):
                        return _Frame((cs, ce), lemma, self.party(np), _trim(t, qa + 1, qb - 1), "fixed", 10**12, quoted=True)
        if _DET_BEFORE.search(t, max(ss, cs - 8), cs):
            return None  # "the report", "his claims", "a vote": the noun
        # "Federal mandates are a burden, said Wilcox, an Orlando Republican." (no quotation marks)
        pre_cue = t[lo:cs].rstrip()
        if pre_cue.endswith(",") and len(pre_cue.split()) >= 4 and not participle_form(form):
            np = _np_after(t, ce, se)
            if np and _TAIL_AFTER_SOURCE.match(t, np[1], se):
                comma = lo + len(pre_cue) - 1
                return _Frame((cs, ce), lemma, self.party(np), _trim(t, lo, comma), "fixed", 10**12)
        # "Kasich is telling a crowd ...": a progressive is a finite verb
        prog = _PROGRESSIVE.search(t, max(ss, cs - 16), cs) if form.endswith("ing") else None
        participle = form.endswith("ing") and prog is None
        party = self.subject(lo, prog.start() if prog else cs, participle, prior)
        if party is None:
            return None
        if party.span and _WH_BEFORE.search(t, max(ss, party.span[0] - 12), party.span[0]):
            return None  # "what he thinks is ...", "the moment he says it": a subordinate clause
        fstart = party.span[0] if party.span and party.span[0] < cs and party.span[0] >= lo and not (participle and party in [f.party for f in prior]) else cs
        # Colon or comma, then a quotation: direct speech.
        mq = _COLON_QUOTE.match(t, ce, hi)
        if mq:
            for qa, qb in q_in:
                if qa == mq.end():
                    return _Frame((cs, ce), lemma, party, _trim(t, qa + 1, qb - 1), "fixed", fstart, quoted=True)
        pre = t[lo : party.span[0]] if party.span and party.span[0] >= lo else None
        # "This conclusion, the source added, was based ..." / "..., Sources Claim"
        if pre is not None and pre.rstrip().endswith(",") and pre.strip(" ,“\"‘") and not participle:
            comma = lo + len(pre.rstrip()) - 1
            if after.lstrip().startswith(","):
                cut_b = ce + after.index(",") + 1
                return _Frame((cs, ce), lemma, party, _trim(t, lo, hi), "whole", 10**12, cut=(comma, cut_b))
            if not after.strip(" .!?”\"’") or _TRAILING_ADJUNCT.fullmatch(t, ce, se):
                return _Frame((cs, ce), lemma, party, _trim(t, lo, comma), "fixed", 10**12)
        if lemma == "tell":
            ma = _ADDRESSEE.match(t, ce, hi)
            if ma:
                mq = _COLON_QUOTE.match(t, ma.end(), hi)
                if mq:
                    for qa, qb in q_in:
                        if qa == mq.end():
                            return _Frame((cs, ce), lemma, party, _trim(t, qa + 1, qb - 1), "fixed", fstart, quoted=True)
        mt = (_TOLD_THAT if lemma == "tell" else _THAT).match(t, ce, hi)
        if mt:
            if lemma != "tell" and mt.group(1):
                xs = mt.start(2)
                party = self.party((xs, mt.end(2)))
                return _Frame((mt.start(1), mt.end(1)), "with reference to", party, (mt.end(), hi), "forward", fstart, that=True, bound=hi)
            return _Frame((cs, ce), lemma, party, (mt.end(), hi), "forward", fstart, that=True, bound=hi)
        c_end = ce  # where the content may start: after the addressee of "told"
        if lemma == "tell":
            ma = _ADDRESSEE.match(t, ce, hi)
            if not ma:
                return None
            c_end = ma.end()
            after = t[c_end:se]
        if lemma in L.INFINITIVE:
            mi = (_OBJ_TO_VERB if lemma in L.OBJECT_INFINITIVE else _TO_VERB).match(after)
            if mi:
                if mi.group(1).lower() in L.FORM_TO_LEMMA:
                    return None  # "seemed to suggest": the inner cue's frame
                start = c_end + mi.start(1) - 3
                return _Frame((cs, ce), lemma, party, (start, hi), "forward", fstart, bound=hi)
        if lemma == "accuse":
            ma = _ACCUSED_OF.match(t, c_end, hi)
            if ma:  # "accused Russia of being responsible ...": the accusation is the object and its of-phrase
                return _Frame((cs, ce), lemma, party, (ma.start(1), hi), "forward", fstart, bound=hi)
        if lemma in L.NEEDS_CLAUSE or form in L.NOUN_LIKE_FORMS or not _CLAUSE_START.match(after) or _PREP_AFTER.match(after):
            return None
        start = c_end + len(after) - len(after.lstrip(" ,"))
        return _Frame((cs, ce), lemma, party, (start, hi), "forward", fstart, bound=hi)

    # -- agentless hedges and captions --------------------------------------------

    def marker(self, ss: int, se: int, frames: list[_Frame]) -> bool:
        t = self.text
        covered = [f.content for f in frames] + [f.cue for f in frames if f.cue]
        covered += [f.party.span for f in frames if f.party and f.party.span]
        if not self.lower.has_any(_MARKER_KEYS, ss, se):
            return False
        for m in _MARKER.finditer(t, ss, se):
            if any(a <= m.start() < b for a, b in covered):
                continue
            after_frames = [f.frame_start for f in frames if f.frame_start > m.end() and f.frame_start < se]
            hi = min(after_frames, default=se)
            cut = None
            mt = _THAT_ONLY.match(t, m.end(), hi)
            low = m.group().lower()
            if (low.startswith("it ") or low.startswith("there ")) and mt:
                content = _trim(t, mt.end(), hi)
            elif t[ss : m.start()].rstrip().endswith(",") and t[m.end() : hi].lstrip().startswith(","):
                content = _trim(t, ss, hi)
                cut = (ss + len(t[ss : m.start()].rstrip()) - 1, m.end() + t[m.end() :].index(",") + 1)
            else:
                content = _trim(t, ss, hi)
            if content[1] - content[0] < 8:
                continue
            f = _Frame(None, "", _Party(None, None, None, ClaimantType.author), content, "fixed", 10**12, cut=cut, author=True)
            self.emit(f)
            return True
        return False

    def plain(self, ss: int, se: int, q_in: list[tuple[int, int]]) -> None:
        """A sentence with no reporting frame and no hedge marker is the article's own
        assertion (GUIDELINES §1, §5 "scope of attribution"): one author claim, unless it
        is too short to be a proposition (topic labels), a question, mostly quotation
        (someone's words continued without a cue) or the author's own speculation."""
        t = self.text
        a, b = _trim(t, ss, se)
        if b - a < _PLAIN_MIN_CHARS or t[b - 1 : b + 1].startswith("?") or len(t[a:b].split()) < _PLAIN_MIN_WORDS:
            return
        inside = sum(min(b, qb) - max(a, qa) for qa, qb in q_in if qa < b and qb > a)
        if inside * 2 >= b - a or _SPECULATION.search(t, a, b) or _FEELING.match(t, a, b):
            return
        self.emit(_Frame(None, "", _Party(None, None, None, ClaimantType.author), (a, b), "fixed", 10**12, author=True, plain=True))

    def caption(self, ps: int, pe: int) -> bool:
        """A caption with a credit line: one claim by the credited party (GUIDELINES §9)."""
        if self.text[pe - 1] != ")":  # the credit pattern ends the (trimmed) paragraph
            return False
        m = _CAPTION_CREDIT.search(self.text, ps, pe)
        if not m or m.end() != pe:
            return False
        handle = m.group(1)
        low = handle.lower()
        if "mod" in low and ("rus" in low or ".ru" in low):
            name, ctype = "Russian Ministry of Defence", ClaimantType.government
        elif any(k in low for k in ("gov", "mil", "mod")):
            name, ctype = handle.lstrip("@"), ClaimantType.government
        else:
            name, ctype = handle.lstrip("@"), ClaimantType.media
        content = _trim(self.text, ps, m.start())
        if content[1] - content[0] < 8:
            return True
        party = _Party((m.start(1), m.end(1)), handle, name, ctype)
        self.emit(_Frame(None, "", party, content, "fixed", 10**12))
        return True

    # -- building claims ------------------------------------------------------------

    def emit(self, f: _Frame) -> None:
        """Emit one claim per proposition: a trailing non-restrictive relative clause
        (", which ...") or result participle (", killing 38 people") is its own claim
        with the same claimant and cue (GUIDELINES S2, S6); a quotation of several
        sentences or semicolon clauses is one claim per sentence (S1)."""
        t = self.text
        a, b = f.content
        if f.quoted:
            parts: list[tuple[int, int]] = []
            for p in _quote_parts(t, a, b):  # a short sentence stays with the one before it
                if parts and (len(t[p[0] : p[1]].split()) < 4 or len(t[parts[-1][0] : parts[-1][1]].split()) < 4):
                    parts[-1] = (parts[-1][0], p[1])
                else:
                    parts.append(p)
            if len(parts) < 2:
                self.emit_one(f)
                return
            for part in parts:
                self.emit_one(replace(f, content=_trim(t, *part), cut=None))
            return
        if b - a < 8:
            self.emit_one(f)
            return
        bounds = [a]
        for m in _SPLIT.finditer(t, a, b):
            head = t[bounds[-1] : m.start()]
            if head.count("“") != head.count("”") or head.count('"') % 2:
                break  # inside a quotation
            if len(t[a : m.start()].split()) < _SPLIT_MIN_HEAD_WORDS or len(t[m.end() : b].split()) < 2:
                continue
            if f.cut and f.cut[1] > m.start():
                continue
            bounds += [m.start(), m.end()]
        bounds.append(b)
        if len(bounds) == 2:
            self.emit_one(f)
            return
        for n in range(0, len(bounds), 2):
            part = _trim(t, bounds[n], bounds[n + 1])
            self.emit_one(replace(f, content=part, cut=f.cut if n == 0 else None))

    def emit_one(self, f: _Frame) -> None:
        t = self.text
        a, b = f.content
        if b - a < 8:
            return
        quote = self.orig[a:b]
        if quote in self.quotes:
            return
        cue_text = self.orig[f.cue[0] : f.cue[1]] if f.cue else None
        cue_inside_quote = f.cue is not None and any(
            qa < f.cue[0] < qb for qa, qb in ((m.start(), m.end()) for m in _QUOTED.finditer(t, max(0, a - 400), b + 1))
        )
        if f.author:
            attribution = Attribution.unattributed
        elif f.quoted and not cue_inside_quote:
            attribution = Attribution.direct
        else:
            wa, wb = max(0, a - 1), min(len(t), b + 1)
            inside = sum(min(b, qb) - max(a, qa) for qa, qb in ((m.start(), m.end()) for m in _QUOTED.finditer(t, wa, wb)))
            attribution = Attribution.direct if inside * 2 >= (b - a) and not cue_inside_quote else Attribution.indirect
        has = self.lower.has_any
        if f.lemma in L.DENIAL_LEMMAS or (has(_DENY_KEYS, a, b) and _DENY_CONTENT.search(quote)):
            certainty = Certainty.denied
        elif (f.author and not f.plain) or f.lemma in L.HEDGE_LEMMAS or (has(_HEDGE_KEYS, a, b) and HEDGE_RE.search(quote)) or (f.lemma == "point to" and "possib" in quote):
            certainty = Certainty.hedged
        else:
            certainty = Certainty.asserted
        claim = Claim(
            statement=self.statement(f, certainty),
            quote=quote,
            quote_span=Span(start=a, end=b),
            claimant=f.party.claimant(self.orig) if f.party else Claimant(type=ClaimantType.author),
            cue=Cue(text=cue_text, span=Span(start=f.cue[0], end=f.cue[1])) if f.cue and cue_text else None,
            attribution=attribution,
            certainty=certainty,
        )
        self.claims.append((a, f.cue[0] if f.cue else a, claim))
        self.quotes.add(quote)
        if f.party and f.party.span and f.party.type is not ClaimantType.author:
            self.history.append(f.party)

    def statement(self, f: _Frame, certainty: Certainty) -> str:
        t = self.text
        a, b = f.content
        if f.cut and a <= f.cut[0] < f.cut[1] <= b:
            s = t[a : f.cut[0]] + " " + t[f.cut[1] : b]
        else:
            s = t[a:b]
        if certainty is Certainty.denied:
            m = _DENIED_OBJECT.match(s)
            if m:
                s = _AS_QUOTED.sub("", s[m.end() :])
        if _str_has_any(s, _STMT_HEDGE_KEYS):
            s = _STMT_HEDGE.sub("", s)
        s = " ".join(s.replace("“", "").replace("”", "").replace('"', "").split())
        party = f.party
        if party and party.name and party.type is ClaimantType.person:
            s = _HE_SHE.sub(party.name, s)
        s = s.strip(" ,;:")
        if not s:
            s = t[a:b]
        s = s[0].upper() + s[1:]
        if s[-1] not in ".!?":
            s += "."
        return s

    def finish(self) -> list[Claim]:
        self.claims.sort(key=lambda x: (x[0], x[1]))
        return [c for _, _, c in self.claims]
