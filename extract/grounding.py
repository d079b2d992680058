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
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from .schema import Claim, Claimant, Cue, ModelClaim, Span
from .segment import paragraphs, sentences

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
    for pos in (start, end):
        if 0 < pos < len(text) and (continues_grapheme(text[pos]) or text[pos - 1] == "\u200d"):
            return False
    return True


def _trim_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _nearest(candidates: list[int], hint: int) -> list[int]:
    return sorted(candidates, key=lambda s: (abs(s - hint), s))


def _find_all(haystack: str, needle: str) -> list[int]:
    out, pos = [], haystack.find(needle)
    while pos != -1:
        out.append(pos)
        pos = haystack.find(needle, pos + 1)
    return out


def _word_starts(s: str, lo: int, hi: int) -> list[int]:
    return [i for i in range(max(lo, 0), min(hi, len(s)) + 1) if i == 0 or (i < len(s) and s[i - 1] == " " and s[i] != " ")]


def _word_ends(s: str, lo: int, hi: int) -> list[int]:
    return [i for i in range(max(lo, 1), min(hi, len(s)) + 1) if i == len(s) or (s[i] == " " and s[i - 1] != " ")]


def _fuzzy(norm_text: str, norm_needle: str, threshold: float) -> tuple[int, int] | None:
    """Best fuzzy window in norm_text, ends snapped to word boundaries where that scores better."""
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


def _exact_matches(text: str, needle: str) -> list[tuple[int, int]]:
    """Every exact occurrence that does not split a grapheme, whitespace-trimmed."""
    out = []
    for start in _find_all(text, needle):
        end = start + len(needle)
        if _is_cut_ok(text, start, end):
            trimmed = _trim_span(text, start, end)
            if trimmed:
                out.append(trimmed)
    return out


def _normalized_matches(text: str, norm_needle: str) -> list[tuple[int, int]]:
    """Every occurrence in the normalised text, mapped back to original offsets."""
    norm_text, index = normalize_with_map(text)
    out = []
    for ns in _find_all(norm_text, norm_needle):
        ne = ns + len(norm_needle)
        # The match must not start or end inside a character that folded into several.
        if (ne < len(index) and index[ne] == index[ne - 1]) or (ns > 0 and index[ns] == index[ns - 1]):
            continue
        span = _to_original(text, index, ns, ne)
        if span:
            out.append(span)
    return out


def _to_original(text: str, index: tuple[int, ...], ns: int, ne: int) -> tuple[int, int] | None:
    span = _trim_span(text, index[ns], index[ne - 1] + 1)
    return span if span and _is_cut_ok(text, *span) else None


def _closest(spans: list[tuple[int, int]], hint: int) -> tuple[int, int]:
    return min(spans, key=lambda sp: (abs(sp[0] - hint), sp[0]))


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
    if not needle or not needle.strip():
        return None
    exact = _exact_matches(text, needle)
    if exact:
        return _span(_closest(exact, hint)), "exact"
    norm_needle = normalize(needle)
    if not norm_needle:
        return None
    normalized = _normalized_matches(text, norm_needle)
    if normalized:
        return _span(_closest(normalized, hint)), "normalized"
    if fuzzy_threshold is None or len(norm_needle) < FUZZY_MIN_CHARS:
        return None
    norm_text, index = normalize_with_map(text)
    window = _fuzzy(norm_text, norm_needle, fuzzy_threshold)
    span = _to_original(text, index, *window) if window else None
    return (_span(span), "fuzzy") if span else None


def _span(sp: tuple[int, int]) -> Span:
    return Span(start=sp[0], end=sp[1])


@lru_cache(maxsize=16)
def _sentences(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(sentences(text))


@lru_cache(maxsize=16)
def _paragraphs(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(paragraphs(text))


def _windows_near(text: str, span: Span) -> list[tuple[int, int]]:
    """Search windows around a located quote, closest first: its sentence(s), the
    sentence before too, its paragraph, the whole text."""
    sents = _sentences(text)
    first = next((i for i, (s, e) in enumerate(sents) if e > span.start), None)
    last = next((i for i in range(len(sents) - 1, -1, -1) if sents[i][0] < span.end), None)
    out: list[tuple[int, int]] = []
    if first is not None and last is not None and first <= last:
        lo, hi = min(sents[first][0], span.start), max(sents[last][1], span.end)
        out.append((lo, hi))
        if first > 0:
            out.append((sents[first - 1][0], hi))
        if last + 1 < len(sents):  # "..., Peskov said." may follow the quoted sentence
            out.append((out[-1][0], sents[last + 1][1]))
    for ps, pe in _paragraphs(text):
        if ps <= span.start < pe or ps < span.end <= pe:
            out.append((min(ps, span.start), max(pe, span.end)))
    out.append((0, len(text)))
    return out


def _locate_near(text: str, needle: str | None, quote_span: Span | None, hint: int) -> tuple[str | None, Span | None]:
    """A claimant or cue (exact or normalised, never fuzzy), nearest the quote.

    Returns the article's own text at the span (or the model's text and None)."""
    if needle is None or not needle.strip():
        return None, None
    matches = _exact_matches(text, needle)
    if not matches:
        norm_needle = normalize(needle)
        matches = _normalized_matches(text, norm_needle) if norm_needle else []
    if not matches:
        return needle, None
    if quote_span is None:
        best = _closest(matches, hint)
    else:
        best = None
        for lo, hi in _windows_near(text, quote_span):
            inside = [m for m in matches if lo <= m[0] and m[1] <= hi]
            if inside:
                # Outside the quote first ("...," she said), then the smallest gap to it.
                best = min(
                    inside,
                    key=lambda m: (
                        quote_span.start <= m[0] and m[1] <= quote_span.end,
                        max(quote_span.start - m[1], m[0] - quote_span.end, 0),
                        m[0],
                    ),
                )
                break
        assert best is not None  # the last window is the whole text
    return text[best[0] : best[1]], _span(best)


def _shift(span: Span | None, by: int) -> Span | None:
    if span is None or by == 0:
        return span
    return Span(start=span.start + by, end=span.end + by)


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
    statement = mc.statement.strip() or mc.quote.strip()
    if not statement:
        raise ValueError("model claim has neither a statement nor a quote")
    quote = mc.quote if mc.quote.strip() else statement
    found = locate(text, quote, hint=hint, fuzzy_threshold=fuzzy_threshold) if mc.quote.strip() else None
    quote_span = found[0] if found else None
    if quote_span is not None:
        quote = quote_span.slice(text)
    claimant_text, claimant_span = _locate_near(text, mc.claimant_text, quote_span, hint)
    cue_text, cue_span = _locate_near(text, mc.cue, quote_span, hint)
    return Claim(
        statement=statement,
        quote=quote,
        quote_span=_shift(quote_span, base_offset),
        claimant=Claimant(
            text=claimant_text,
            span=_shift(claimant_span, base_offset),
            name=mc.claimant_name,
            type=mc.claimant_type,
            role=mc.claimant_role,
        ),
        cue=Cue(text=cue_text, span=_shift(cue_span, base_offset)) if cue_text else None,
        attribution=mc.attribution,
        certainty=mc.certainty,
        grounded=quote_span is not None,
    )
