"""Reporting frames: "X said that P", "According to X, P", "P, X said", "P, X added, Q".

A stand-alone statement leaves the attribution out (gold GUIDELINES §3: the claimant
and the cue have fields of their own), and "A diplomatic source claimed that P" does not
have P's truth conditions: it is true when the source said so, whether or not P holds.
A whole sentence taken as a statement keeps its frame, so without this check a sentence
splitter gets credit for every claim whose quote is most of a sentence.

What counts is a frame whose source the other statement does not name: "The minister
resigned, the ministry said" and "The minister resigned, according to the ministry"
frame the same proposition from the same source, and "Apple reported revenue of $89.5bn"
is no frame at all (no clause follows the verb). An impersonal "it is claimed that P"
is a hedge, not a source, and is left to the certainty field.
"""

from __future__ import annotations

import re

_VERBS = (
    "said|says|say|told|tells|stated|states|claimed|claims|revealed|reveals|reported|reports|announced|announces|"
    "added|adds|noted|notes|confirmed|confirms|insisted|insists|argued|argues|alleged|alleges|asserted|asserts|"
    "declared|declares|wrote|writes|tweeted|tweets|warned|warns|explained|explains|suggested|suggests|indicated|"
    "indicates|acknowledged|acknowledges|maintained|maintains|stressed|stresses|contended|contends|believes|believed"
)
FRAME_WORDS = frozenset(_VERBS.split("|")) | {"according"}
_VERB = rf"(?:(?:has|have|had|also|further|previously|earlier|later)\s+)*(?:{_VERBS})\b"
_SRC = r"([^.;:!?]{1,120}?)"
_PATTERNS = (
    re.compile(rf"^according to {_SRC},\s", re.I),  # According to X, P
    re.compile(rf",\s*according to {_SRC}\s*[.!?]?$", re.I),  # P, according to X.
    re.compile(rf"^{_SRC}\s+{_VERB}\s+that\b", re.I),  # X said that P
    re.compile(rf"^{_SRC}\s+{_VERB}\s*:", re.I),  # X said: P
    re.compile(rf",\s*{_SRC}\s+{_VERB}\s*[.!?]?$", re.I),  # P, X said.
    re.compile(rf",\s*(?:{_VERBS})\s+{_SRC}\s*[.!?]?$", re.I),  # P, said X.
    re.compile(rf",\s*{_SRC}\s+{_VERB}\s*,", re.I),  # P, X added, Q
)
_MAX_SOURCE_WORDS = 14
# "it is claimed" (a hedge), "the reports" (a noun), "which ... states", "were told"
_NOT_SOURCES = frozenset({"it", "this", "that", "there", "which", "who", "whom", "whose", "the", "a", "an", "these",
                          "those", "its", "their", "such", "is", "was", "are", "were", "be", "been", "being"})


def _frame_match(statement: str) -> re.Match[str] | None:
    """The first reporting frame with a real source (see ``frame_source``), as a match whose
    group 1 is the source."""
    if not FRAME_WORDS.intersection(re.findall(r"[a-z]+", statement.casefold())):
        return None
    for pattern in _PATTERNS:
        m = pattern.search(statement)
        if m is None:
            continue
        words = m.group(1).split()
        if not words or len(words) > _MAX_SOURCE_WORDS:
            continue
        first, last = words[0].casefold(), words[-1].casefold().strip(",")
        if last in _NOT_SOURCES or first in ("which", "who", "whose", "while", "as", "if", "when", "because"):
            continue
        return m
    return None


def frame_source(statement: str) -> str | None:
    """The source of the statement's reporting frame ("the source" in "The source claimed
    that P"), or None when it has none (or only an impersonal one)."""
    m = _frame_match(statement)
    return m.group(1).strip(" ,") if m is not None else None


def strip_frame(statement: str) -> str:
    """The statement without its reporting frame ("The source claimed that P" -> "P"; "P,
    X added, Q" -> "P Q"); unchanged when it has none. Who said it is the claimant's field,
    not part of the proposition (gold GUIDELINES §13 L1)."""
    m = _frame_match(statement)
    if m is None:
        return statement
    return f"{statement[: m.start()]} {statement[m.end():]}".strip()
