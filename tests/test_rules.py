"""Rules backend: facts checked by reading the seed articles, plus one synthetic text per pattern."""

from __future__ import annotations

from pathlib import Path

import pytest

from claims.extract.backends.rules import RulesBackend, extract_claims
from claims.kernel.articles import Article, load_articles
from claims.kernel.schema import Attribution, Certainty, Claim, ClaimantType

GOLD = Path(__file__).resolve().parent.parent / "gold" / "articles"
SEEDS = {a.id[:3]: a for a in load_articles([GOLD])}


@pytest.fixture(scope="module")
def seed_claims() -> dict[str, list[Claim]]:
    backend = RulesBackend()
    return {k: backend.extract(a).claims for k, a in SEEDS.items()}


def by_name(claims: list[Claim], name: str) -> list[Claim]:
    return [c for c in claims if c.claimant.name == name]


def test_all_spans_exact(seed_claims: dict[str, list[Claim]]) -> None:
    for k, claims in seed_claims.items():
        assert claims, k
        for c in claims:
            assert c.span_problems(SEEDS[k].text) == [], (k, c)


def test_deterministic() -> None:
    b = RulesBackend()
    for a in SEEDS.values():
        assert b.extract(a).model_dump() == b.extract(a).model_dump()


def test_peskov_in_003_and_004(seed_claims: dict[str, list[Claim]]) -> None:
    for k in ("003", "004"):
        (c,) = by_name(seed_claims[k], "Dmitry Peskov")
        assert c.claimant.type is ClaimantType.person
        assert c.claimant.role and "spokesperson" in c.claimant.role
        assert "premature to speculate" in c.quote
    assert by_name(seed_claims["003"], "Dmitry Peskov")[0].claimant.role == "Kremlin spokesperson"


def test_russian_mod_in_001(seed_claims: dict[str, list[Claim]]) -> None:
    mod = by_name(seed_claims["001"], "Russian Ministry of Defence")
    texts = {c.claimant.text for c in mod}
    assert {"The MoD", "The Russian MoD", "They"} <= texts
    assert all(c.claimant.type is ClaimantType.government for c in mod)
    claimed = next(c for c in mod if c.claimant.text == "The MoD")
    assert claimed.quote.startswith("the footage showed “the destruction")
    assert claimed.cue is not None and claimed.cue.text == "claimed"
    assert claimed.attribution is Attribution.direct


def test_diplomatic_source_in_000(seed_claims: dict[str, list[Claim]]) -> None:
    src = by_name(seed_claims["000"], "a diplomatic source")
    first = src[0]
    assert first.claimant.text == "A diplomatic source" and first.claimant.type is ClaimantType.anonymous
    assert any(c.claimant.text == "The source" for c in src)  # resolved definite description
    claimed = next(c for c in src if c.cue and c.cue.text == "claimed")
    assert claimed.quote.startswith("the nature of the damage was consistent")
    assert claimed.certainty is Certainty.asserted  # "claimed" alone is not a hedge
    warned = next(c for c in src if c.cue and c.cue.text == "warned")
    assert warned.certainty is Certainty.hedged  # "could extend"


def test_unnamed_expert_in_000(seed_claims: dict[str, list[Claim]]) -> None:
    expert = by_name(seed_claims["000"], "an unnamed expert")
    assert {c.claimant.text for c in expert} >= {"an unnamed expert", "The expert"}
    assert all(c.claimant.type is ClaimantType.anonymous for c in expert)


def test_stoltenberg_and_biden_in_001(seed_claims: dict[str, list[Claim]]) -> None:
    js = by_name(seed_claims["001"], "Jens Stoltenberg")
    assert js[0].quote == "We need to do more, and therefore we need to invest more"
    assert js[0].attribution is Attribution.direct and js[0].claimant.role == "NATO Secretary-General"
    he = next(c for c in js if c.claimant.text == "He")
    assert he.quote.startswith("We are the strongest alliance in the world")
    biden = by_name(seed_claims["001"], "Joe Biden")
    assert any(c.quote.startswith("A dictator bent on rebuilding") for c in biden)


def test_denial_in_003(seed_claims: dict[str, list[Claim]]) -> None:
    maulen = by_name(seed_claims["003"], "Ashimbayev Maulen")
    dismissed = next(c for c in maulen if c.cue and c.cue.text == "dismissed")
    assert dismissed.claimant.text == "He" and dismissed.certainty is Certainty.denied
    denied = next(c for c in seed_claims["003"] if c.cue and c.cue.text == "denied")
    assert denied.claimant.type is ClaimantType.government and denied.certainty is Certainty.denied


def test_according_to_one_source_in_004(seed_claims: dict[str, list[Claim]]) -> None:
    c = next(c for c in seed_claims["004"] if c.claimant.text == "one source")
    assert c.cue is not None and c.cue.text == "according to"
    assert c.claimant.type is ClaimantType.anonymous and c.certainty is Certainty.hedged
    assert c.quote.startswith("The jet’s communication systems were reportedly disrupted")
    said = next(c for c in seed_claims["004"] if c.claimant.text == "the source" and c.cue and c.cue.text == "said")
    assert said.claimant.name == "one source" and said.attribution is Attribution.direct


def test_agentless_hedges_are_author_claims(seed_claims: dict[str, list[Claim]]) -> None:
    c = next(c for c in seed_claims["002"] if c.quote.startswith("The plane, it is claimed"))
    assert c.claimant.type is ClaimantType.author and c.cue is None
    assert c.attribution is Attribution.unattributed and c.certainty is Certainty.hedged


def test_no_claims_from_boilerplate(seed_claims: dict[str, list[Claim]]) -> None:
    whole = {"Share", "Comments", "Leave a Reply", "Photos", "Share this post :"}
    prefixes = ("Read: ", "We don’t spam!", "Please enable JavaScript", "Don’t miss", "Reporting by")
    checked = 0
    for k, claims in seed_claims.items():
        text = SEEDS[k].text
        pos = 0
        for line in text.split("\n"):
            start, end = pos, pos + len(line)
            pos = end + 1
            if line.strip() in whole or line.startswith(prefixes):
                checked += 1
                for c in claims:
                    assert c.quote_span and (c.quote_span.end <= start or c.quote_span.start >= end), (k, line)
    assert checked >= 8


def test_repeated_caption_and_headline_once(seed_claims: dict[str, list[Claim]]) -> None:
    quotes = [c.quote for c in seed_claims["001"]]
    assert sum(q.startswith("Objective monitoring of the destruction") for q in quotes) <= 1
    quotes = [c.quote for c in seed_claims["004"]]
    assert quotes.count("Azerbaijani Plane Downed by Russian Air Defenses") == 1


# --- synthetic texts, one per pattern ----------------------------------------------------


def one(text: str, **want: object) -> Claim:
    claims = extract_claims(text)
    for c in claims:
        assert c.span_problems(text) == []
    hits = [c for c in claims if all(_get(c, k) == v for k, v in want.items())]
    assert hits, (want, [c.model_dump() for c in claims])
    return hits[0]


def _get(c: Claim, key: str) -> object:
    obj: object = c
    for part in key.split("__"):
        obj = getattr(obj, part)
    return obj


def test_according_to_start_middle_end() -> None:
    t = "According to the ministry, the bridge was destroyed overnight."
    assert one(t, cue__text="According to").quote == "the bridge was destroyed overnight"
    t = "The bridge, according to local officials, was destroyed overnight."
    assert one(t, claimant__text="local officials").quote == t[:-1]
    t = "The bridge was destroyed overnight, according to Reuters."
    c = one(t, claimant__name="Reuters")
    assert c.claimant.type is ClaimantType.media and c.quote == "The bridge was destroyed overnight"


def test_told_that() -> None:
    c = one("A senior official told reporters that the talks had collapsed.", cue__text="told")
    assert c.claimant.type is ClaimantType.anonymous and c.quote == "the talks had collapsed"


def test_quoted_speech_both_orders() -> None:
    c = one("Mayor Anna Smith said: “The water is safe to drink.”", claimant__name="Anna Smith")
    assert c.quote == "The water is safe to drink" and c.attribution is Attribution.direct
    assert c.claimant.role == "Mayor"
    c = one('"The water is safe to drink," said the source.', cue__text="said")
    assert c.quote == "The water is safe to drink" and c.attribution is Attribution.direct


def test_passive_hedges() -> None:
    for t in ("It is reported that the dam was breached.", "The dam was reportedly breached last night.",
              "The dam is said to have been breached."):
        c = one(t, claimant__type=ClaimantType.author)
        assert c.certainty is Certainty.hedged and c.attribution is Attribution.unattributed


def test_anonymous_sources() -> None:
    c = one("Sources familiar with the talks said the deal was close.", cue__text="said")
    assert c.claimant.text == "Sources familiar with the talks" and c.claimant.type is ClaimantType.anonymous
    c = one("A US official, speaking on condition of anonymity, said the strike was planned.", cue__text="said")
    assert c.claimant.text == "A US official" and c.claimant.type is ClaimantType.anonymous


def test_pronoun_resolution_and_denial() -> None:
    t = "Foreign Minister Ivan Petrov said the border was calm. He denied that troops had crossed it."
    c = one(t, cue__text="denied")
    assert c.claimant.text == "He" and c.claimant.name == "Ivan Petrov"
    assert c.claimant.role == "Foreign Minister" and c.certainty is Certainty.denied
    assert c.quote == "troops had crossed it"


def test_offsets_are_str_indices_after_cjk_and_emoji() -> None:
    t = "新闻 😊🎉\n\nThe Kremlin said that the report was false."
    c = one(t, claimant__name="Kremlin")
    assert c.claimant.type is ClaimantType.government
    assert t[c.quote_span.start : c.quote_span.end] == "the report was false"


def test_backend_result_carries_article() -> None:
    res = RulesBackend().extract(Article(id="x", text="The army said that the town was taken."))
    assert res.article_id == "x" and res.provenance.backend == "rules" and res.claims


def test_plain_sentence_is_an_author_claim() -> None:
    t = "The bridge over the river collapsed on Monday morning."
    c = one(t, claimant__type=ClaimantType.author)
    assert c.quote == t[:-1] and c.cue is None
    assert c.attribution is Attribution.unattributed and c.certainty is Certainty.asserted


def test_no_author_claim_for_labels_questions_speculation_feelings() -> None:
    for t in ("Evidence and Survivor Accounts", "Was the bridge over the river sabotaged by someone?",
              "The collapse may prove to be a turning point for the region.",
              "The United States and Canada expressed concern over the incident."):
        assert extract_claims(t) == [], t


def test_result_participle_and_which_clause_split() -> None:
    t = "Officials said that a missile struck the embassy building, causing significant structural damage."
    quotes = {c.quote: c for c in extract_claims(t)}
    assert set(quotes) == {"a missile struck the embassy building", "causing significant structural damage"}
    assert all(c.claimant.text == "Officials" and c.cue and c.cue.text == "said" for c in quotes.values())
    t = "The source added that the debris was analysed in detail, which suggested a failure of the guidance system."
    claims = extract_claims(t)
    assert [c.certainty for c in claims] == [Certainty.asserted, Certainty.hedged]
    assert claims[1].quote == "suggested a failure of the guidance system"


def test_cue_fast_path_matches_word_scan() -> None:
    from claims.extract.backends.rules import _cues, _cues_by_word, _Lower

    t = "He said, unsaid; SAYS “told” pointed  to Saidé reports-reporting point to Tokyo denied."
    assert _cues(t, 0, len(t), _Lower(t)) == _cues_by_word(t, 0, len(t))
    # Tokens are ASCII-letter runs ("Saidé" holds "Said"); "denied." lies outside the range.
    want = ["said", "says", "told", "pointed to", "said", "reports", "reporting", "point to"]
    assert [c[2] for c in _cues(t, 3, len(t) - 8, _Lower(t))] == want
