"""Fact checks (extract/similarity/facts.py and its readers): hand-made pairs with known answers.

Each conflicting pair is a minimal edit of a sentence; each agreeing pair is the same
fact written otherwise. The reason (check and words) is asserted, not just the verdict.
"""

from __future__ import annotations

import pytest

from claims.extract import facts_of, find_conflict
from claims.extract.similarity.dates import date_parts
from claims.extract.similarity.lexical import stem
from claims.extract.similarity.polarity import ANTONYMS, polarity_facts
from claims.extract.similarity.quantities import quantities


def conflict(a: str, b: str, **kw: bool) -> str | None:
    c = find_conflict(facts_of(a, kw.get("denied_a", False)), facts_of(b, kw.get("denied_b", False)))
    return str(c) if c else None


@pytest.mark.parametrize("a, b, reason", [
    ("12 people were injured in the blast.", "21 people were injured in the blast.", "number: '12 people' vs '21 people'"),
    ("Twelve people were injured.", "Twenty people were injured.", "number: '12 people' vs '20 people'"),
    ("The deal is worth $2.5 million.", "The deal is worth $2.5 billion.", "number: '$2.5 million' vs '$2.5 billion'"),
    ("The fine was £40m.", "The fine was £4m.", "number: '£40m' vs '£4m'"),
    ("Hundreds of people fled.", "Thousands of people fled.", "number: 'Hundreds of' vs 'Thousands of'"),
    ("Flight J2-8243 crashed.", "Flight J2-8244 crashed.", "number: 'J2-8243' vs 'J2-8244'"),
    ("More than 300 passengers were on board.", "Fewer than 300 passengers were on board.", "number: '300 passengers' vs '300 passengers'"),
    ("The fire burned 4,000 hectares.", "The fire burned 4,000 acres.", "number: '4,000 hectares' vs '4,000 acres'"),
    ("The port was closed on Monday.", "The port was closed on Tuesday.", "date: 'Monday' vs 'Tuesday'"),
    ("The treaty was signed in 1997.", "The treaty was signed in 1979.", "date: '1997' vs '1979'"),
    ("It happened on 12 May.", "It happened on 21 May.", "date: '12 May' vs '21 May'"),
    ("The minister resigned yesterday.", "The minister resigned last week.", "date: 'yesterday' vs 'last week'"),
    ("The port was closed on Monday.", "The port was not closed on Monday.", "antonym: 'closed' vs 'not closed'"),
    ("Russia has responded to the allegations.", "Russia has not responded to the allegations.", "polarity: 'affirmative' vs 'not'"),
    ("The government ruled out a deal.", "The government agreed to a deal.", "polarity: 'ruled out' vs 'affirmative'"),
    ("Police found evidence of foul play.", "Police found no evidence of foul play.", "polarity: 'affirmative' vs 'no'"),
    ("The regulator's failure to inspect the dam was confirmed.", "The regulator inspected the dam.", "polarity: 'failure to' vs 'affirmative'"),
    ("The port was closed on Monday.", "The port was reopened on Monday.", "antonym: 'closed' vs 'reopened'"),
    ("Profits rose 5% last year.", "Profits fell 5% last year.", "antonym: 'rose' vs 'fell'"),
    ("The company will raise prices.", "The company will not raise prices.", "antonym: 'raise' vs 'not raise'"),
    ("The coast guard said the ferry sank.", "The police said the ferry sank.", "actor: 'coast guard' vs 'police'"),
    ("The plane was shot down by Russia.", "The plane was shot down by Ukraine.", "actor: 'Russia' vs 'Ukraine'"),
    ("Joe Biden said Putin must go.", "Donald Trump said Putin must go.", "actor: 'Joe Biden' vs 'Donald Trump'"),
    ("Kyiv accused Moscow of violating the truce.", "Moscow accused Kyiv of violating the truce.",
     "actor: 'Kyiv ... Moscow' vs 'Moscow ... Kyiv'"),
    ("A bird strike caused the crash.", "Early evidence points to air defences as the cause of the crash.",
     "cause: 'A bird strike' vs 'Early evidence points to air defences'"),
    ("The fire was caused by a faulty heater.", "The fire was caused by arson.", "cause: 'a faulty heater' vs 'arson'"),
    ("The cause of the outage was a cyberattack.", "A storm caused the outage.", "cause: 'a cyberattack' vs 'A storm'"),
])
def test_conflicts_and_their_reasons(a: str, b: str, reason: str) -> None:
    assert conflict(a, b) == reason


@pytest.mark.parametrize("a, b", [
    ("Twelve people were injured in the blast.", "12 people were hurt in the explosion."),
    ("The deal is worth $2.5 million.", "The deal is worth 2,500,000 dollars."),
    ("Turnout was 62 percent.", "Turnout was 62%."),
    ("Toyota recalled 1.2 million cars.", "Toyota recalled 1.2m cars."),
    ("Hundreds of people fled.", "About 300 people fled."),
    ("Newsflash got the footage on Saturday, 26th March.", "Newsflash got the footage on March 26."),
    ("A six-year-old girl was rescued.", "A 6-year-old girl was rescued."),
    ("The 2,000-year-old wreck was found.", "The wreck, 2,000 years old, was found."),
    # one statement says more: an extra number, date or actor is not a disagreement
    ("The crash killed 38 people.", "The crash in Kazakhstan on Wednesday killed 38 of the 67 people on board."),
    ("Moscow has not responded to the allegations.", "The Russian government has not responded to the allegations."),
    ("The Kremlin said it was not consulted.", "Russia's government was not consulted, the Kremlin said."),
    ("Russia's Defence Ministry did not respond.", "The Russian MoD did not respond."),
    ("The AZAL plane was downed.", "The Azerbaijan Airlines plane was downed."),
    # negation scope: an aside that the other statement leaves out is not the other's negation
    ("Joe Biden's remark that 'this man cannot remain in power' was a call for Putin's removal.",
     "This was interpreted as a call for Putin's removal."),
    ("The satellite was launched successfully from French Guiana.", "The satellite lifted off without problems from French Guiana."),
    ("Kyiv would not accept any ceasefire.", "Kyiv will reject any ceasefire."),  # negated antonym = the antonym
    ("Kazakhstan has not ruled out sabotage.", "Kazakhstan considers sabotage possible."),  # negated negative
    ("Russian forces threaten not only Ukraine but Europe.", "Russian forces threaten Ukraine and Europe."),
    # "failure to X" says X did not happen
    ("Russia's failure to restrict airspace for civilian flights was a breach of norms.",
     "The Russian authorities did not restrict airspace for civilian flights."),
    # passive voice keeps the roles
    ("Russia shelled the Ukrainian town.", "The Ukrainian town was shelled by Russia."),
    # the same cause, however it is said; a cause the other statement does not name is no disagreement
    ("The crash was caused by a bird strike.", "A bird strike caused the crash."),
    ("The cause of the fire was a faulty heater.", "A faulty electric heater caused the fire."),
    ("A bird strike caused the crash.", "The plane crashed after hitting birds."),
    ("Because of the storm, the match was cancelled.", "The storm caused the match to be cancelled."),
])
def test_paraphrases_agree(a: str, b: str) -> None:
    assert conflict(a, b) is None


def test_denied_claims_are_read_through_their_certainty() -> None:
    pos, neg = "The White House is seeking regime change.", "The White House is not seeking regime change."
    assert conflict(pos, neg) == "polarity: 'affirmative' vs 'not'"
    assert conflict(pos, neg, denied_a=True) is None  # "X (denied)" says what "not X (asserted)" says
    assert conflict(neg, neg, denied_a=True) is None  # same words, certainty differs: the certainty field's job


def test_readers_by_hand() -> None:
    found, years = quantities("The 2024 budget cut 1,200 jobs and $5bn, up 3%, at 9:40.")
    assert years == ["2024"]
    assert [(q.value, q.unit) for q in found] == [(1200.0, None), (5e9, "usd"), (3.0, "%"), (9.0, None), (40.0, None)]
    parts, spans = date_parts("on Saturday, 26th March 2022 and Christmas Day")
    assert set(parts) == {("weekday", "6"), ("month", "3"), ("day", "3-26"), ("year", "2022"), ("day", "12-25"), ("month", "12")}
    assert len(spans) == 3
    assert date_parts("He may resign in March")[0] == {("month", "3"): "March"}  # a capitalised month; "may" is a verb
    negs, signs = polarity_facts("Officials have not ruled out sabotage but did not accept the offer.")
    assert negs == [] and signs == {"approve": {-1: "not accept"}}


def test_antonym_lexicon_puts_each_stem_on_one_side_of_one_axis() -> None:
    seen: dict[str, tuple[str, int]] = {}
    for axis, (pos, neg) in ANTONYMS.items():
        for sign, words in ((1, pos), (-1, neg)):
            for w in words.split():
                assert seen.setdefault(stem(w), (axis, sign)) == (axis, sign), w


def test_bundled_gold_has_no_conflict_between_the_two_labellings() -> None:
    """The fact checks must not cost the ceiling: A and B describe the same claims."""
    from claims.evals.gold import load_gold
    from claims.evals.matching import MatchConfig, match_article

    gold = load_gold("gold")
    first, second = gold.label_sets()
    for aid in first:
        m = match_article(first[aid], second[aid], MatchConfig())
        assert [u for u in m.missed if u.reason == "fact_conflict"] == [], aid


def test_the_shortcuts_never_hide_a_conflict() -> None:
    """The matcher skips reading facts when two statements' signatures agree or their
    outlines rule a conflict out: check on the contrast and gold statements, thousands of
    perturbations of them (a word dropped, moved or borrowed) and random pairings."""
    import random

    from claims.evals.contrast import load_contrast
    from claims.evals.gold import load_gold
    from claims.extract.similarity.facts import fact_signature, may_conflict

    statements = [s for p in load_contrast("gold/contrast") for s in (p.a, p.b)]
    statements += [c.statement for claims in load_gold("gold").claims_by_id().values() for c in claims]
    rng = random.Random(7)
    equal = ruled_out = 0
    for _ in range(8000):
        a = rng.choice(statements)
        words = a.split()
        k = rng.randrange(len(words))
        op = rng.random()
        if op < 0.3:
            words = words[:k] + words[k + 1:]
        elif op < 0.6:
            j = rng.randrange(len(words))
            words[k], words[j] = words[j], words[k]
        else:
            words = words[:k] + [rng.choice(rng.choice(statements).split())] + words[k:]
        b = " ".join(words)
        sig = fact_signature(a)
        if sig is not None and sig == fact_signature(b):
            equal += 1
            assert find_conflict(facts_of(a), facts_of(b)) is None, (a, b)
        if not may_conflict(a, b):
            ruled_out += 1
            assert find_conflict(facts_of(a), facts_of(b)) is None, (a, b)
        for x, y in ((a, rng.choice(statements)), (a.lower(), b.lower()), (a.lower(), rng.choice(statements).lower())):
            if not may_conflict(x, y):  # unrelated pairs, and lowercase ones (actor nouns only)
                ruled_out += 1
                assert find_conflict(facts_of(x), facts_of(y)) is None, (x, y)
    assert equal > 1000 and ruled_out > 1000  # the properties were exercised
    assert fact_signature("The port was not closed.") is None  # negation: always read
    assert fact_signature("12 people were hurt") != fact_signature("21 people were hurt")
