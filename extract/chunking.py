"""Chunking long articles for a model, and merging the claims that come back.

A chunk is a pair of offsets into the full article, never a copy, so grounding
always works on the article text and offsets need no translation. Chunks tile the
text: the first starts at 0, the last ends at ``len(text)``, consecutive chunks
overlap by whole sentences (about ``overlap_chars``) so that a claim near a cut is
seen whole by at least one chunk; ``dedupe_claims`` then removes the double.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from claims.extract.grounding import continues_grapheme, normalize
from claims.extract.similarity.registry import statement_similarity
from claims.kernel.schema import Claim
from claims.kernel.segment import paragraphs, sentences

# split_chunk gives up below this: a short single sentence cannot be usefully halved.
MIN_SPLIT_CHARS = 200


@dataclass(frozen=True)
class Chunk:
    start: int
    end: int

    def text(self, article_text: str) -> str:
        return article_text[self.start : self.end]

    def __len__(self) -> int:
        return self.end - self.start


_BREAK_AFTER = re.compile(r"[。！？!?.;；,，、:：]")


def _safe_cut(text: str, pos: int) -> int:
    """Move a cut forward past combining marks/joiners so no grapheme is split."""
    while 0 < pos < len(text) and (continues_grapheme(text[pos]) or text[pos - 1] == "\u200d"):
        pos += 1
    return pos


def _best_cut(text: str, a: int, b: int, target: int) -> int | None:
    """A cut in [a, b] nearest target: after whitespace, else after punctuation."""
    for good in (lambda i: text[i - 1].isspace() and not text[i].isspace(), lambda i: bool(_BREAK_AFTER.match(text[i - 1]))):
        cands = [i for i in range(a, b + 1) if good(i)]
        if cands:
            return min(cands, key=lambda i: (abs(i - target), i))
    return None


def _hard_cut(text: str, lo: int, hi: int, target: int, radius: int) -> int:
    """A cut strictly inside (lo, hi) within radius of target, at whitespace or punctuation if any."""
    a, b = max(lo + 1, target - radius), min(hi - 1, target + radius)
    cut = _best_cut(text, a, b, target)
    if cut is None:
        cut = min(max(target, lo + 1), hi - 1)
    cut = _safe_cut(text, cut)
    return cut if lo < cut < hi else min(max(target, lo + 1), hi - 1)


def _atoms(text: str, max_piece: int) -> list[tuple[int, int, bool]]:
    """Sentence-sized pieces tiling the text: (start, end, ends_paragraph).

    Each piece runs from its sentence's start to the next sentence's start (so trailing
    whitespace belongs to it); sentences longer than ``max_piece`` are hard-split.
    """
    sents = sentences(text)
    if not sents:
        return [(0, len(text), True)]
    para_ends = {e for _, e in paragraphs(text)}
    out: list[tuple[int, int, bool]] = []
    for i, (s, e) in enumerate(sents):
        lo = 0 if i == 0 else s
        hi = sents[i + 1][0] if i + 1 < len(sents) else len(text)
        while hi - lo > max_piece:
            # Cut no later than lo + max_piece, searching back up to half a piece.
            limit = lo + max_piece
            cut = _best_cut(text, max(lo + 1, limit - max_piece // 2), limit, limit)
            cut = _safe_cut(text, cut if cut is not None else limit)
            if not lo < cut <= limit:  # a long run of combining marks: cut anyway
                cut = limit
            out.append((lo, cut, False))
            lo = cut
        out.append((lo, hi, e in para_ends))
    return out


def chunk_text(text: str, max_chars: int = 6000, overlap_chars: int = 500) -> list[Chunk]:
    """Chunks of at most ``max_chars`` (unless one piece is longer) that tile the text.

    Cuts prefer a paragraph end in the second half of the chunk, then any sentence end,
    and split a single over-long sentence at whitespace as the last resort. Each chunk
    after the first starts with whole sentences from the end of the previous one,
    about ``overlap_chars`` of them, never so many that the chunk makes no progress.
    """
    if max_chars <= 0:
        raise ValueError("max_chars must be positive")
    if len(text) <= max_chars:
        return [Chunk(0, len(text))]
    overlap_chars = max(0, min(overlap_chars, max_chars // 2))
    atoms = _atoms(text, max(1, max_chars - overlap_chars) if overlap_chars else max_chars)
    chunks: list[Chunk] = []
    first = 0  # index of the chunk's first atom
    done = -1  # last atom of the previous chunk: each chunk must get past it
    while first < len(atoms):
        start = atoms[first][0]
        last = first
        while last + 1 < len(atoms) and atoms[last + 1][1] - start <= max_chars:
            last += 1
        last = max(last, min(done + 1, len(atoms) - 1))  # always progress, even past the limit
        if last + 1 < len(atoms):
            # Prefer a paragraph end in the second half.
            for k in range(last, max(first, done), -1):
                if atoms[k][2] and atoms[k][1] - start >= max_chars // 2:
                    last = k
                    break
        chunks.append(Chunk(start, atoms[last][1]))
        done = last
        if last + 1 >= len(atoms):
            break
        # Step back over whole sentences for the overlap, leaving room for progress.
        nxt = last + 1
        room = max_chars - (atoms[nxt][1] - atoms[nxt][0])
        size = 0
        while nxt - 1 > first and size < overlap_chars:
            piece = atoms[nxt - 1][1] - atoms[nxt - 1][0]
            if size + piece > room:
                break
            size += piece
            nxt -= 1
        first = nxt
    return chunks


def split_chunk(text: str, chunk: Chunk) -> list[Chunk]:
    """Two halves of a chunk, cut at a paragraph or sentence boundary near the middle.

    Used when a model's answer was truncated (``finish_reason == "length"``): the
    halves are re-sent separately. Raises ValueError when the chunk cannot be split
    further (one sentence shorter than ``MIN_SPLIT_CHARS``).
    """
    if not 0 <= chunk.start < chunk.end <= len(text):
        raise ValueError(f"chunk [{chunk.start}, {chunk.end}) is outside the text (length {len(text)})")
    mid = (chunk.start + chunk.end) // 2
    sents = sentences(text, chunk.start, chunk.end)
    cuts = [s for s, _ in sents[1:]]
    if cuts:
        para_starts = {s for s, _ in paragraphs(text[chunk.start : chunk.end])}
        quarter = (chunk.end - chunk.start) // 4
        para_cuts = [c for c in cuts if (c - chunk.start) in para_starts and abs(c - mid) <= quarter]
        cut = min(para_cuts or cuts, key=lambda c: (abs(c - mid), c))
    else:
        if chunk.end - chunk.start < MIN_SPLIT_CHARS:
            raise ValueError(
                f"chunk [{chunk.start}, {chunk.end}) is a single sentence of {chunk.end - chunk.start} characters; cannot split further"
            )
        cut = _hard_cut(text, chunk.start, chunk.end, mid, (chunk.end - chunk.start) // 4)
    if not chunk.start < cut < chunk.end:
        raise ValueError(f"chunk [{chunk.start}, {chunk.end}) cannot be split")
    return [Chunk(chunk.start, cut), Chunk(cut, chunk.end)]


@lru_cache(maxsize=8192)  # each claim is compared with several others
def _norm_statement(s: str) -> str:
    return normalize(s).rstrip(" .!?;:")


def _overlap_ratio(a: Claim, b: Claim) -> float:
    """Intersection over the shorter span: 1.0 when one quote contains the other."""
    assert a.quote_span is not None and b.quote_span is not None
    inter = min(a.quote_span.end, b.quote_span.end) - max(a.quote_span.start, b.quote_span.start)
    shorter = min(a.quote_span.end - a.quote_span.start, b.quote_span.end - b.quote_span.start)
    return max(0, inter) / shorter


# Same quote span: duplicates unless the statements differ (a sentence decomposed into
# several claims shares one quote). Overlapping spans: duplicates only when the
# statements are (nearly) the same. Similarity is the shared layer's lexical token F1
# behind the fact checks: two chunks' claims that differ in a number, a date, polarity
# or an actor are both kept, however alike their words.
SAME_SPAN_STATEMENT_SIMILARITY = 0.8
OVERLAP_SPAN_STATEMENT_SIMILARITY = 0.9
HEAVY_OVERLAP = 0.8
_DEDUPE: dict[str, Any] = {}


def _dedupe_similarity() -> Any:
    sim = _DEDUPE.get("lexical")
    if sim is None:

        sim = _DEDUPE["lexical"] = statement_similarity("lexical")
    return sim


def _statement_similarity(a: Claim, b: Claim) -> float:
    """Fact-checked token F1 of the two statements: 0 when their facts conflict."""
    sim = _dedupe_similarity()
    pa, pb = sim.prepare([a.statement, b.statement])
    return sim.score(pa, pb)


def _is_duplicate(a: Claim, b: Claim) -> bool:
    na, nb = _norm_statement(a.statement), _norm_statement(b.statement)
    if a.quote_span is None or b.quote_span is None:
        return a.quote_span is None and b.quote_span is None and na == nb
    if na == nb and _overlap_ratio(a, b) > 0:
        return True
    if a.quote_span == b.quote_span:
        return _statement_similarity(a, b) >= SAME_SPAN_STATEMENT_SIMILARITY
    return _overlap_ratio(a, b) >= HEAVY_OVERLAP and _statement_similarity(a, b) >= OVERLAP_SPAN_STATEMENT_SIMILARITY


def dedupe_claims(claims: list[Claim]) -> list[Claim]:
    """Claims from overlapping chunks without the doubles, ordered by quote start.

    The first of a group of duplicates (in input order, i.e. chunk order) is kept.
    Grounded claims are duplicates when their quote spans are equal and their
    statements similar, or overlap heavily (>= 80% of the shorter) and their
    statements are nearly equal; the statement check keeps the several claims that
    one decomposed sentence yields. Ungrounded claims are duplicates when their
    normalised statements are equal; they come last, in input order.
    """
    kept: list[Claim] = []
    # Only claims whose quote spans overlap can be duplicates (and ungrounded ones only
    # of equal statements), so each claim is compared with those alone: a long article
    # yields thousands of claims, and comparing all pairs took minutes.
    ungrounded: set[str] = set()
    starts: list[tuple[int, int]] = []  # (quote start, index in kept) of grounded kept claims
    longest = 0
    for c in claims:
        if c.quote_span is None:
            norm = _norm_statement(c.statement)
            if norm not in ungrounded:
                ungrounded.add(norm)
                kept.append(c)
            continue
        s, e = c.quote_span.start, c.quote_span.end
        lo = bisect_right(starts, (s - longest, len(claims)))
        hi = bisect_left(starts, (e, -1))
        near = (kept[i] for _, i in starts[lo:hi])
        if not any(k.quote_span is not None and k.quote_span.end > s and _is_duplicate(k, c) for k in near):
            insort(starts, (s, len(kept)))
            longest = max(longest, e - s)
            kept.append(c)
    order = {id(c): i for i, c in enumerate(kept)}
    return sorted(
        kept,
        key=lambda c: (0, c.quote_span.start, c.quote_span.end, order[id(c)]) if c.quote_span else (1, 0, 0, order[id(c)]),
    )
