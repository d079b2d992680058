"""Relay chains: the article says where the claim came through (*"a US official ... told
Reuters"*, *"the news outlet Caliber reports with reference to government insiders"*,
*"an unnamed expert cited by Ria Novosti"*).

Found in the sentence holding the cue (or, with no cue, the quote's start), when the article text is at hand: a
capitalised name after *told*, *speaking (exclusively) to*, *cited by*, *quoted by*,
*reported by*, *in an interview with*, or before *reports* / *reported*.
A claimant of type ``media`` is itself an outlet the article relays. The name of the
claimant itself is never taken for an intermediary. Without the text only the claimant's
type can tell, so a run whose inputs are gone loses the text-based relays (noted).
"""

from __future__ import annotations

import re
from functools import lru_cache

from claims.evals.links.inputs import Mention

_NAME = r"((?:the\s+)?[A-Z][\w.&'’-]*(?:\s+(?:[A-Z][\w.&'’-]*|of|de|al))*)"
_AFTER = re.compile(r"\b(?:told|speaking(?:\s+exclusively)?\s+to|cited\s+by|quoted\s+by|reported\s+by|"
                    r"in\s+an\s+interview\s+with|via)\s+" + _NAME)
_BEFORE = re.compile(_NAME + r"\s+(?:reports|reported|has\s+reported)\b")


def _clean(name: str) -> str:
    name = re.sub(r"^the\s+", "", name.strip())
    return name.rstrip(".,;:")


@lru_cache(maxsize=64)
def _sentences(text: str) -> list[tuple[int, int]]:
    from claims.kernel.segment import sentences

    return sentences(text)


def _around(m: Mention, text: str) -> str:
    """The sentence holding the cue (else the quote's start): where an article names its relay."""
    anchor = m.cue_span or ((m.quote_span[0], m.quote_span[0] + 1) if m.quote_span else None)
    if anchor is None:
        return ""
    lo, hi = anchor
    sents = _sentences(text)
    start = next((a for a, b in sents if a <= lo < b), lo)
    end = next((b for a, b in sents if a < hi <= b), hi)
    return text[start:end]


def intermediaries(m: Mention, text: str | None) -> list[str]:
    """Names between the article and the claimant, nearest to the article first."""
    own = {x.casefold() for x in (m.claimant_name, m.claimant_text) if x}
    found: list[str] = []
    if text is not None:
        window = _around(m, text)
        for rx in (_BEFORE, _AFTER):
            for hit in rx.finditer(window):
                name = _clean(hit.group(1))
                words = name.split()
                if not words or name.casefold() in own or len(name) < 3 or words[0] in ("The", "This", "These"):
                    continue
                if name not in found:
                    found.append(name)
    if m.claimant_type == "media" and (m.claimant_name or m.claimant_text):
        found = [n for n in found if n.casefold() not in own]
    return found


def chain(m: Mention, via: list[str]) -> list[str]:
    who = m.claimant_name or m.claimant_text or ("the article itself" if m.claimant_type == "author" else "unknown")
    return [m.article_id, *via, who]
