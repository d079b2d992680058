"""Grounding: find a model's quote, claimant and cue in the article and compute offsets.

Models copy text imperfectly (curly quotes become straight, dashes change, lines are
re-wrapped, a word goes missing), and their offsets are never trusted, so each
string is located in three tiers:

1. ``exact``: ``str.find``; the occurrence nearest to ``hint`` wins.
2. ``normalized``: both sides normalised character by character (NFKD, casefold,
   whitespace runs -> one space, curly/straight quotes, dashes, ellipsis); an index
   map sends every normalised character back to the original character it came from,
   so the span covers exactly the article's own text.
3. ``fuzzy``: ``rapidfuzz.fuzz.partial_ratio_alignment`` on the normalised texts,
   above a threshold, with the window's ends snapped to word boundaries.

Offsets are Python ``str`` indices into the text as loaded (no NFC/NFKC applied to
the article), so they are right for CJK, emoji, RTL scripts and combining marks. A
match never starts or ends inside a grapheme (a combining mark, ZWJ or variation
selector next to the cut is rejected).

Everything that depends only on the article (normalised text and index map, sentence
bounds, where "said" occurs) lives in a ``Grounder``
built once per article and shared by all its claims; ``ground_claim`` and ``locate``
reuse the last few texts' grounders.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from functools import lru_cache

from claims.kernel.schema import Claim, ModelClaim, Span
from claims.kernel.segment import occurrences, paragraphs, sentences, trim_span

Tier = str  # "exact" | "normalized" | "fuzzy"

# Needles shorter than this are only matched exactly/normalised: fuzzy alignment of
# "said" against a whole article finds something, but nothing meaningful.
FUZZY_MIN_CHARS = 12

_QUOTES = {
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
}
_DASHES = dict.fromkeys("‐‑‒–—―−⁃", "-")
_DROP = frozenset("\u00ad\u200b\u2060\ufeff")  # soft hyphen, zero-width space, word joiner, BOM
# Characters that must not sit right after a cut: they belong to the grapheme before it.
_JOINERS = frozenset("\u200d\ufe0e\ufe0f")


def _fold(c: str) -> str:
    """The normalised form of one character (may be empty or several characters)."""
    if c in _DROP:
        return ""
    if c in _QUOTES:
        return _QUOTES[c]
    if c in _DASHES:
        return _DASHES[c]
    if c.isascii():
        return c.lower()
    if c == "…":
        return "..."
    out = []
    for d in unicodedata.normalize("NFKD", c):
        d = _QUOTES.get(d) or _DASHES.get(d) or d
        out.append(d.casefold())
    return "".join(out)


@lru_cache(maxsize=16)
def normalize_with_map(text: str) -> tuple[str, tuple[int, ...]]:
    """Normalised text and, for each of its characters, the index of its source character.

    Whitespace runs become one space mapped to the run's first character. Cached:
    one article is normalised once for all its claims.
    """
    chars: list[str] = []
    index: list[int] = []
    in_space = False
    for i, c in enumerate(text):
        if c.isspace():
            if not in_space:
                chars.append(" ")
                index.append(i)
                in_space = True
            continue
        in_space = False
        f = _fold(c)
        for d in f:
            chars.append(d)
            index.append(i)
    return "".join(chars), tuple(index)


def normalize(text: str) -> str:
    """The normalised form used for matching (no index map), stripped."""
    return normalize_with_map(text)[0].strip()


def continues_grapheme(c: str) -> bool:
    """True for characters that attach to the one before: combining marks, ZWJ,
    variation selectors, emoji skin-tone modifiers and tag characters."""
    o = ord(c)
    return bool(
        unicodedata.combining(c)
        or c in _JOINERS
        or unicodedata.category(c) in ("Mn", "Me", "Mc")
        or 0x1F3FB <= o <= 0x1F3FF
        or 0xE0020 <= o <= 0xE007F
    )


def _is_cut_ok(text: str, start: int, end: int) -> bool:
    """False when [start, end) would split a grapheme (a combining mark or joiner at a cut)."""
    return not (_splits(text, start) or _splits(text, end))


def _splits(text: str, i: int) -> bool:
    """A cut at offset ``i`` splits a grapheme: the character there continues the one
    before it, or the one before it is a ZWJ. Nothing below U+0300 continues one (U+0300
    is the first combining mark), which settles nearly every cut without a lookup; checked
    where a match lies, not over the whole text (a scan of each article cost ~20 us)."""
    if 0 < i < len(text):
        c = text[i]
        return (c >= "\u0300" and continues_grapheme(c)) or text[i - 1] == "\u200d"
    return False


def _word_starts(s: str, lo: int, hi: int) -> list[int]:
    return [i for i in range(max(lo, 0), min(hi, len(s)) + 1) if i == 0 or (i < len(s) and s[i - 1] == " " and s[i] != " ")]


def _word_ends(s: str, lo: int, hi: int) -> list[int]:
    return [i for i in range(max(lo, 1), min(hi, len(s)) + 1) if i == len(s) or (s[i] == " " and s[i - 1] != " ")]


def _fuzzy(norm_text: str, norm_needle: str, threshold: float) -> tuple[int, int] | None:
    """Best fuzzy window in norm_text, ends snapped to word boundaries where that scores better.
    rapidfuzz is imported here, on the first quote that needs it: ~10 ms of every command's
    start-up otherwise, and most runs' quotes are found exactly."""
    from rapidfuzz import fuzz

    if len(norm_needle) > len(norm_text):
        return None
    al = fuzz.partial_ratio_alignment(norm_needle, norm_text, score_cutoff=threshold)
    if al is None or al.dest_end <= al.dest_start:
        return None
    ds, de = al.dest_start, al.dest_end
    # partial_ratio compares equal-length windows; a quote with a dropped or added
    # word is better served by a window that can grow or shrink a little.
    slack = max(6, len(norm_needle) // 8)
    starts = _word_starts(norm_text, ds - slack, ds + slack) or [ds]
    ends = _word_ends(norm_text, de - slack, de + slack) or [de]
    if ds not in starts:
        starts.append(ds)
    if de not in ends:
        ends.append(de)
    best = (fuzz.ratio(norm_needle, norm_text[ds:de]), 0, ds, de)
    for s in starts:
        for e in ends:
            if e - s < len(norm_needle) // 2:
                continue
            score = fuzz.ratio(norm_needle, norm_text[s:e])
            cand = (score, -(abs(s - ds) + abs(e - de)), s, e)
            if cand > best:
                best = cand
    return best[2], best[3]


def _edged(needle: str) -> bool:
    """Whitespace at either end: an occurrence is trimmed to the text inside it."""
    return bool(needle) and (needle[0].isspace() or needle[-1].isspace())


def _closest(spans: list[tuple[int, int]], hint: int) -> tuple[int, int]:
    if len(spans) == 1:
        return spans[0]
    return min(spans, key=lambda sp: (abs(sp[0] - hint), sp[0]))


def _span(sp: tuple[int, int]) -> Span:
    return Span(start=sp[0], end=sp[1])


class Grounder:
    """Grounding against one article, each per-article table computed once.

    An article's claims share its text, so the normalised text and index map, the
    sentence and paragraph bounds and the occurrences of each claimant or cue (most
    claims look up "said") are worked out on first use and kept. A quote found at or
    after the hint costs one ``str.find`` call.
    """

    def __init__(self, text: str):
        self.text = text
        self._ascii = text.isascii()  # no cut splits a grapheme
        self._norm: tuple[str, tuple[int, ...]] | None = None
        self._paras: tuple[list[tuple[int, int]], list[int], list[int]] | None = None
        self._para_sents: dict[int, tuple[list[tuple[int, int]], list[int], list[int]]] = {}
        self._exact: dict[str, list[tuple[int, int]]] = {}
        self._normalized: dict[str, list[tuple[int, int]]] = {}

    # ------------------------------------------------------------ per-article tables

    @property
    def norm(self) -> tuple[str, tuple[int, ...]]:
        if self._norm is None:
            self._norm = normalize_with_map(self.text)
        return self._norm

    def _cut_ok(self, start: int, end: int) -> bool:
        return self._ascii or _is_cut_ok(self.text, start, end)

    def _paragraphs(self) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        if self._paras is None:
            paras = paragraphs(self.text)
            self._paras = (paras, [ps for ps, _ in paras], [pe for _, pe in paras])
        return self._paras

    def _sentences_of(self, k: int) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        """Sentences of paragraph k (with their starts and ends, to bisect), segmented on
        first use: sentences never cross a paragraph, so the article's sentence list is
        these lists joined in order, and paragraphs no quote falls in are never segmented."""
        out = self._para_sents.get(k)
        if out is None:
            ps, pe = self._paragraphs()[0][k]
            sents = sentences(self.text, ps, pe)
            out = self._para_sents[k] = (sents, [a for a, _ in sents], [b for _, b in sents])
        return out

    # ------------------------------------------------------------ matching tiers

    def exact_matches(self, needle: str) -> list[tuple[int, int]]:
        """Every exact occurrence that does not split a grapheme, whitespace-trimmed."""
        out = self._exact.get(needle)
        if out is not None:
            return out
        text, n = self.text, len(needle)
        edged = _edged(needle)
        out = []
        pos = text.find(needle) if needle else -1
        while pos != -1:
            end = pos + n
            if self._cut_ok(pos, end):
                if edged:
                    trimmed = trim_span(text, pos, end)
                    if trimmed:
                        out.append(trimmed)
                else:
                    out.append((pos, end))
            pos = text.find(needle, pos + 1)
        self._exact[needle] = out
        return out

    def normalized_matches(self, norm_needle: str) -> list[tuple[int, int]]:
        """Every occurrence in the normalised text, mapped back to original offsets."""
        out = self._normalized.get(norm_needle)
        if out is not None:
            return out
        norm_text, index = self.norm
        out = []
        for ns in occurrences(norm_text, norm_needle):
            ne = ns + len(norm_needle)
            # The match must not start or end inside a character that folded into several.
            if (ne < len(index) and index[ne] == index[ne - 1]) or (ns > 0 and index[ns] == index[ns - 1]):
                continue
            span = self._to_original(index, ns, ne)
            if span:
                out.append(span)
        self._normalized[norm_needle] = out
        return out

    def _to_original(self, index: tuple[int, ...], ns: int, ne: int) -> tuple[int, int] | None:
        span = trim_span(self.text, index[ns], index[ne - 1] + 1)
        return span if span and self._cut_ok(*span) else None

    def find(self, needle: str, *, hint: int = 0, fuzzy_threshold: float | None = 90.0) -> tuple[tuple[int, int], Tier] | None:
        """``locate`` with a plain (start, end) pair: no Span built for the hot path."""
        if not needle or not needle.strip():
            return None
        if needle not in self._exact:
            # A first occurrence at or after the hint is the nearest (every other one lies
            # further on), so the rest of the text is not searched: the usual quote.
            pos, n = self.text.find(needle), len(needle)
            if pos == -1:
                self._exact[needle] = []
            elif pos >= hint and not _edged(needle) and self._cut_ok(pos, pos + n):
                return (pos, pos + n), "exact"
        exact = self.exact_matches(needle)
        if exact:
            return _closest(exact, hint), "exact"
        norm_needle = normalize(needle)
        if not norm_needle:
            return None
        normalized = self.normalized_matches(norm_needle)
        if normalized:
            return _closest(normalized, hint), "normalized"
        if fuzzy_threshold is None or len(norm_needle) < FUZZY_MIN_CHARS:
            return None
        norm_text, index = self.norm
        window = _fuzzy(norm_text, norm_needle, fuzzy_threshold)
        span = self._to_original(index, *window) if window else None
        return (span, "fuzzy") if span else None

    def locate(self, needle: str, *, hint: int = 0, fuzzy_threshold: float | None = 90.0) -> tuple[Span, Tier] | None:
        """Where ``needle`` occurs: see the module-level ``locate``."""
        found = self.find(needle, hint=hint, fuzzy_threshold=fuzzy_threshold)
        return (_span(found[0]), found[1]) if found else None

    # ------------------------------------------------------------ claimant and cue

    def windows_near(self, qs: int, qe: int) -> Iterator[tuple[int, int]]:
        """Search windows around a quote at [qs, qe), closest first: its sentence(s),
        the sentence before too, the sentence after too, its paragraph, the whole text.
        Lazy: most claimants and cues lie in the first window, and the later ones segment
        the neighbouring paragraphs (in news, a quote is often a paragraph's only sentence)."""
        paras, pstarts, pends = self._paragraphs()
        # Each paragraph's first sentence starts where it starts and its last ends where
        # it ends, so the sentence ending first after qs lies in the first paragraph
        # ending after qs, and the last sentence starting before qe in the last
        # paragraph starting before qe. Positions are (paragraph, sentence) pairs.
        k = bisect_right(pends, qs)
        j = bisect_left(pstarts, qe) - 1
        if k < len(paras) and j >= 0:
            sk, _, sk_ends = self._sentences_of(k)
            i = bisect_right(sk_ends, qs)  # first sentence of k ending after qs
            sj, sj_starts, _ = self._sentences_of(j)
            i2 = bisect_left(sj_starts, qe) - 1  # last sentence of j starting before qe
            if (k, i) <= (j, i2):
                lo, hi = min(sk[i][0], qs), max(sj[i2][1], qe)
                yield lo, hi
                before = sk[i - 1] if i > 0 else (self._sentences_of(k - 1)[0][-1] if k > 0 else None)
                if before is not None:
                    lo = before[0]
                    yield lo, hi
                after = sj[i2 + 1] if i2 + 1 < len(sj) else (self._sentences_of(j + 1)[0][0] if j + 1 < len(paras) else None)
                if after is not None:  # "..., Peskov said." may follow the quoted sentence
                    yield lo, after[1]
        for p in sorted({bisect_right(pstarts, qs) - 1, j}):  # the paragraphs holding qs or qe
            if p >= 0 and (pstarts[p] <= qs < pends[p] or pstarts[p] < qe <= pends[p]):
                yield min(pstarts[p], qs), max(pends[p], qe)
        yield 0, len(self.text)

    def find_near(self, needle: str | None, quote: tuple[int, int] | None, hint: int) -> tuple[str | None, tuple[int, int] | None]:
        """A claimant or cue (exact or normalised, never fuzzy), nearest the quote at ``quote``.

        Returns the article's own text at the span (or the model's text and None)."""
        if needle is None or not needle.strip():
            return None, None
        matches = self.exact_matches(needle)
        if not matches:
            norm_needle = normalize(needle)
            matches = self.normalized_matches(norm_needle) if norm_needle else []
        if not matches:
            return needle, None
        if quote is None:
            best = _closest(matches, hint)
        elif len(matches) == 1:
            best = matches[0]  # the last window (the whole text) holds it, and nothing competes
        else:
            qs, qe = quote
            best = None
            for lo, hi in self.windows_near(qs, qe):
                inside = [m for m in matches if lo <= m[0] and m[1] <= hi]
                if inside:
                    # Outside the quote first ("...," she said), then the smallest gap to it.
                    best = min(inside, key=lambda m: (qs <= m[0] and m[1] <= qe, max(qs - m[1], m[0] - qe, 0), m[0]))
                    break
            assert best is not None  # the last window is the whole text
        return self.text[best[0] : best[1]], best

    def ground(self, mc: ModelClaim, *, hint: int = 0, base_offset: int = 0, fuzzy_threshold: float = 90.0) -> Claim:
        """A full ``Claim`` from a model's claim: see ``ground_claim``."""
        statement = mc.statement.strip() or mc.quote.strip()
        if not statement:
            raise ValueError("model claim has neither a statement nor a quote")
        quote = mc.quote if mc.quote.strip() else statement
        found = self.find(quote, hint=hint, fuzzy_threshold=fuzzy_threshold) if mc.quote.strip() else None
        quote_at = found[0] if found else None
        if quote_at is not None:
            quote = self.text[quote_at[0] : quote_at[1]]
        claimant_text, claimant_at = self.find_near(mc.claimant_text, quote_at, hint)
        cue_text, cue_at = self.find_near(mc.cue, quote_at, hint)
        # One validation of nested dicts: the same checks as building each model, at
        # about half the cost (this runs for every claim of every article).
        return Claim.model_validate({
            "statement": statement,
            "quote": quote,
            "quote_span": _span_dict(quote_at, base_offset),
            "claimant": {
                "text": claimant_text,
                "span": _span_dict(claimant_at, base_offset),
                "name": mc.claimant_name,
                "type": mc.claimant_type,
                "role": mc.claimant_role,
            },
            "cue": {"text": cue_text, "span": _span_dict(cue_at, base_offset)} if cue_text else None,
            "attribution": mc.attribution,
            "certainty": mc.certainty,
            "grounded": quote_at is not None,
        })


def _span_dict(sp: tuple[int, int] | None, by: int) -> dict[str, int] | None:
    return None if sp is None else {"start": sp[0] + by, "end": sp[1] + by}


@lru_cache(maxsize=16)
def grounder(text: str) -> Grounder:
    """The ``Grounder`` of a text; the last few are kept, so repeated calls on one article share it."""
    return Grounder(text)


def locate(
    text: str,
    needle: str,
    *,
    hint: int = 0,
    fuzzy_threshold: float | None = 90.0,
) -> tuple[Span, Tier] | None:
    """Where ``needle`` occurs in ``text``: (span, tier) or None.

    ``hint`` is an offset to look near first (nearest occurrence wins, ties go to the
    earlier one). ``fuzzy_threshold=None`` turns the fuzzy tier off; needles shorter
    than ``FUZZY_MIN_CHARS`` normalised characters never go fuzzy.
    """
    return grounder(text).locate(needle, hint=hint, fuzzy_threshold=fuzzy_threshold)


def ground_claim(
    text: str,
    mc: ModelClaim,
    *,
    hint: int = 0,
    base_offset: int = 0,
    fuzzy_threshold: float = 90.0,
) -> Claim:
    """A full ``Claim`` from a model's claim, with offsets computed here.

    ``text`` should be the FULL article text and ``hint`` the offset where the
    model's chunk starts (occurrences nearest it win). ``base_offset`` is added to
    every span, for callers that search inside a chunk (``text`` = the chunk) but want
    article offsets; with the full text leave it 0.

    A quote that is found is replaced by the article's own characters at the span
    (so ``span.slice(text) == quote`` always holds); one that is not found is kept as
    the model wrote it and the claim is flagged ``grounded=False``. The claimant text
    and cue are searched near the quote (same sentence, then the sentence before or
    after, then the paragraph, then anywhere) and keep a ``None`` span when absent.
    """
    return grounder(text).ground(mc, hint=hint, base_offset=base_offset, fuzzy_threshold=fuzzy_threshold)
