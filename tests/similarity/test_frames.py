"""Reporting frames (extract/similarity/frames.py) and the `frame` fact check: a statement
that wraps the proposition in "X said that ..." is not the bare proposition, unless the
other statement names the same source or frames it too."""

from __future__ import annotations

import pytest

from claims.extract import facts_of, find_conflict
from claims.extract.similarity.frames import frame_source


@pytest.mark.parametrize("statement, source", [
    ("The source claimed that the damage was consistent with a failed interception.", "The source"),
    ("According to the same source, the embassy was damaged.", "the same source"),
    ("The embassy was damaged, according to a diplomatic source.", "a diplomatic source"),
    ("A diplomatic source, speaking to Ria Novosti, said that the systems malfunctioned.", "A diplomatic source, speaking to Ria Novosti"),
    ("The talks, the negotiator added, had made real progress.", "the negotiator"),
    ("The bridge will reopen in May, the mayor said.", "the mayor"),
    ("The bridge will reopen in May, said the mayor.", "the mayor"),
    ("The Kremlin has said: the plane was not shot down.", "The Kremlin"),
    # no frame: a verb with an object, an impersonal hedge, a passive, nouns
    ("Apple reported quarterly revenue of $89.5 billion.", None),
    ("The plane, it is claimed, was downed by a missile.", None),
    ("About 2,000 people were told to remain indoors.", None),
    ("Qanat Bozymbaev declined to confirm or deny the reports, and officials were silent.", None),
    ("The minister resigned after the newspaper's report.", None),
])
def test_frame_source(statement: str, source: str | None) -> None:
    assert frame_source(statement) == source


def conflict(a: str, b: str) -> str | None:
    c = find_conflict(facts_of(a), facts_of(b), ("frame",))
    return str(c) if c else None


@pytest.mark.parametrize("a, b", [
    ("The source claimed that the nature of the damage was consistent with a failed interception.",
     "The nature of the damage was consistent with a failed interception."),
    ("Emergency responders reported that 29 of the 67 passengers survived the crash.", "29 of the 67 passengers survived the crash."),
    ("He said that the bridge would reopen in May.", "The bridge will reopen in May."),
    ("The plane was hit by a missile, a person familiar with the investigation said.", "The plane was hit by a missile."),
])
def test_a_frame_whose_source_the_bare_statement_lacks_conflicts(a: str, b: str) -> None:
    assert conflict(a, b) is not None and conflict(b, a) is not None  # either order
    assert "(no source)" in conflict(a, b)


@pytest.mark.parametrize("a, b", [
    ("The bridge will reopen in May, the mayor said.", "According to the mayor, the bridge will reopen in May."),  # both framed
    ("Turnout in the referendum was 62 percent, according to the electoral commission.", "The electoral commission put referendum turnout at 62%."),
    ("The newspaper reported that the minister had used public funds.", "The minister resigned after the newspaper's report."),  # possessive
    ("The WHO said the new variant did not appear to cause more severe disease.",  # a frame without "that" is still a frame
     "According to the World Health Organization, there is no sign that the new variant causes more severe disease."),
    ("The plane, it is claimed, was downed by a missile.", "The plane was downed by a missile."),  # a hedge: the certainty's business
])
def test_the_same_source_or_a_frame_on_both_sides_does_not_conflict(a: str, b: str) -> None:
    assert conflict(a, b) is None and conflict(b, a) is None
