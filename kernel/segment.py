"""Paragraph and sentence boundaries with exact offsets (shared by rules, sentences, chunking),
and the two offset primitives that grounding and gold spans share with them.

A deliberately small rule set: news prose, straight and curly quotes, common
abbreviations. Offsets are str indices into the original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# End of sentence: . ! ? (optionally followed by closing quotes/brackets), then space + an opener.
# German „...“, French and Spanish «...», Spanish ¿ ¡ open a sentence too; Chinese and
# Japanese full stops end one with no space after them.
_SENT_END = re.compile(
    r"[.!?…]+[\"'”’“»)\]]*(?=\s+[\"'“‘„«¿¡(\[]?[A-Z0-9\u00C0-\u024F\u0400-\u04FF])"
    r"|[。！？]+[」』”’）)]*(?=\S)"
)
# Where _SENT_END can start: scanning for these first and trying the pattern only there
# halves the cost of a paragraph (the full pattern tried at every character is slow).
_END_CHAR = re.compile(r"[.!?…。！？]")
# A quotation that opens and closes inside one paragraph is never split: a quote's
# sentences belong to one claim. Unpaired marks protect nothing.
_QUOTED = re.compile(r"“[^“”\n]*”|\"[^\"\n]*\"|„[^„“”\n]*[“”]|«[^«»\n]*»")
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Gen|Lt|Col|Sgt|Capt|Sen|Rep|Gov|St|Jr|Sr|Inc|Ltd|Co|Corp|vs|etc|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\b[A-Z]|\bU\.S|\bU\.K|\bU\.N)\.$"
)


def trim_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """text[start:end] without its surrounding whitespace, as offsets into text.

    None when nothing but whitespace is left, so callers never keep an empty span.
    """
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def occurrences(text: str, needle: str) -> list[int]:
    """Every offset where needle starts in text, overlapping ones included.

    A quote that stands twice must offer both places to whoever picks one (the
    nearest to a hint, the first after a claim); str.find alone gives only the first.
    """
    out, pos = [], text.find(needle)
    while pos != -1:
        out.append(pos)
        pos = text.find(needle, pos + 1)
    return out


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Non-empty lines/paragraphs as (start, end), whitespace trimmed.

    Every newline ends a paragraph, so this is a split on "\n" with each piece
    trimmed (str.strip and str.isspace agree on what whitespace is); a find loop is
    several times faster than a regex scan, and this runs once per article and once
    per paragraph.
    """
    out: list[tuple[int, int]] = []
    pos, n = 0, len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        stop = n if nl < 0 else nl
        piece = text[pos:stop]
        core = piece.strip()
        if core:
            a = pos + len(piece) - len(piece.lstrip())
            out.append((a, a + len(core)))
        if nl < 0:
            break
        pos = nl + 1
    return out


def _sentence_ends(text: str, start: int, end: int) -> Iterator[re.Match[str]]:
    """``_SENT_END.finditer(text, start, end)``, tried only where a stop is."""
    after = start
    for c in _END_CHAR.finditer(text, start, end):
        if c.start() >= after and (m := _SENT_END.match(text, c.start(), end)):
            after = m.end()
            yield m


def sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentences inside text[start:end], never crossing a paragraph boundary."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    for p_start, p_end in paragraphs(text[start:end]):
        p_start += start
        p_end += start
        pos = p_start
        quoted = [(q.start(), q.end()) for q in _QUOTED.finditer(text, p_start, p_end)]
        for m in _sentence_ends(text, p_start, p_end):
            if _ABBREV.search(text, max(p_start, m.start() - 6), m.start() + 1):
                continue
            if any(qs < m.end() < qe for qs, qe in quoted):
                continue
            span = trim_span(text, pos, m.end())
            if span:
                out.append(span)
            pos = m.end()
        span = trim_span(text, pos, p_end)
        if span:
            out.append(span)
    return out
