"""Grounding: exact, normalised and fuzzy location; Unicode offsets; full claims."""

from __future__ import annotations

import pytest

from claims.extract.grounding import _is_cut_ok, ground_claim, locate, normalize_with_map
from claims.kernel.schema import Attribution, Certainty, ClaimantType, ModelClaim


def mc(quote: str, *, statement: str = "S.", claimant: str | None = None, cue: str | None = None) -> ModelClaim:
    return ModelClaim(
        statement=statement,
        quote=quote,
        claimant_text=claimant,
        claimant_name=claimant,
        claimant_type=ClaimantType.person if claimant else ClaimantType.author,
        claimant_role=None,
        cue=cue,
        attribution=Attribution.indirect if claimant else Attribution.unattributed,
        certainty=Certainty.asserted,
    )


# ---------------------------------------------------------------- tiers


def test_exact_picks_the_occurrence_nearest_the_hint() -> None:
    text = "He said no. Later, he said no. Finally he said no."
    first = text.find("said no")
    last = text.rfind("said no")
    assert locate(text, "said no")[0].start == first
    span, tier = locate(text, "said no", hint=len(text))
    assert (span.start, tier) == (last, "exact")



def test_the_first_occurrence_shortcut_picks_what_the_full_search_picks() -> None:
    """``find`` stops at the first occurrence when it lies at or after the hint; with
    needles that recur, before and after random hints, it must pick what the nearest of
    all occurrences is (the earlier on a tie)."""
    import random

    from claims.extract.grounding import Grounder, _closest

    rng = random.Random(3)
    words = ["said", "no", "Peskov", "the", "strike", "–", "😀"]
    for _ in range(300):
        text = " ".join(rng.choice(words) for _ in range(40))
        a = rng.randrange(len(text) - 6)
        needle = text[a : a + rng.randrange(1, 12)]
        hint = rng.randrange(len(text))
        full = Grounder(text).exact_matches(needle)
        found = Grounder(text).find(needle, hint=hint, fuzzy_threshold=None)
        if full:
            assert found == (_closest(full, hint), "exact")
        else:
            assert found is None or found[1] != "exact"


def test_normalized_curly_quotes_dashes_whitespace_and_case() -> None:
    text = "The minister said: \u201cWe will not\u2014ever\u2014retreat,\u201d  the   official\nadded."
    needle = '"we will not-ever-retreat," the official added'
    span, tier = locate(text, needle)
    assert tier == "normalized"
    assert text[span.start : span.end] == "\u201cWe will not\u2014ever\u2014retreat,\u201d  the   official\nadded"


def test_normalized_en_dash_and_apostrophe() -> None:
    text = "Prices rose 3\u20135% in the embassy\u2019s district."
    span, tier = locate(text, "rose 3-5% in the embassy's district")
    assert tier == "normalized"
    assert span.slice(text) == "rose 3\u20135% in the embassy\u2019s district"


def test_fuzzy_alignment_snaps_to_the_article_words() -> None:
    text = (
        "Intro sentence here. The source claimed that the nature of the damage was consistent with "
        "the aftermath of a failed interception by the U.S.-supplied Patriot system. Another sentence."
    )
    needle = "The source claimed that the nature of damage was consistent with the aftermath of a failed interception by the US-supplied Patriot system."
    span, tier = locate(text, needle)
    assert tier == "fuzzy"
    assert span.slice(text) == (
        "The source claimed that the nature of the damage was consistent with "
        "the aftermath of a failed interception by the U.S.-supplied Patriot system."
    )


def test_not_found_below_threshold_and_empty_needles() -> None:
    text = "The council approved the budget on Monday after a long debate."
    assert locate(text, "The army shelled the airport at dawn on Sunday") is None
    assert locate(text, "") is None
    assert locate(text, "   ") is None
    # Short needles never go fuzzy.
    assert locate(text, "budgat") is None
    # Fuzzy can be turned off.
    assert locate(text, "The council approved the budgets on Monday", fuzzy_threshold=None) is None
    assert locate(text, "The council approved the budgets on Monday")[1] == "fuzzy"


# ---------------------------------------------------------------- Unicode


@pytest.mark.parametrize(
    "text, needle, expected",
    [
        ("前言。東京で会議が開かれた。外務省は否定した。", "東京で会議が開かれた", "東京で会議が開かれた"),
        ("Fans 😀👍🏽 cheered 🇺🇦 as the team won.", "cheered 🇺🇦 as the team won", "cheered 🇺🇦 as the team won"),
        ("Family 👨‍👩‍👧 reunited \u201cat last\u201d today.", '"at last" today', "\u201cat last\u201d today"),
        ("قال المتحدث إن الهجوم لم يحدث. ثم غادر.", "إن الهجوم لم يحدث", "إن الهجوم لم يحدث"),
        ("הדובר אמר כי  ההתקפה לא התרחשה.", "כי ההתקפה לא התרחשה", "כי  ההתקפה לא התרחשה"),
        # Decomposed accents in the article, precomposed in the needle (and the reverse).
        ("Minister Jose\u0301 Nu\u0301n\u0303ez denied it.", "José Núñez denied", "Jose\u0301 Nu\u0301n\u0303ez denied"),
        ("Minister José Núñez denied it.", "Jose\u0301 Nu\u0301n\u0303ez", "José Núñez"),
        ("Straße gesperrt, sagte die Polizei.", "STRASSE gesperrt", "Straße gesperrt"),
    ],
)
def test_unicode_offsets_are_str_indices(text: str, needle: str, expected: str) -> None:
    found = locate(text, needle)
    assert found is not None
    span, _ = found
    assert text[span.start : span.end] == expected


def test_never_cuts_inside_a_grapheme() -> None:
    # "Jose" must not match the first four code points of a decomposed "José".
    text = "Jose\u0301 said it. Jose said it too."
    span, tier = locate(text, "Jose said")
    assert tier == "exact" and span.start == text.index("Jose said")
    assert locate("Only Jose\u0301 spoke.", "Jose", fuzzy_threshold=None) is None
    # An emoji modifier stays with its base.
    assert locate("Wave 👍🏽 now", "Wave 👍", fuzzy_threshold=None) is None


def test_index_map_points_at_source_characters() -> None:
    text = "A\u00a0 \u201cB\u201d\u2014ß…"
    norm, index = normalize_with_map(text)
    assert norm == 'a "b"-ss...'
    assert [text[i] for i in index] == ["A", "\u00a0", "\u201c", "B", "\u201d", "\u2014", "ß", "ß", "…", "…", "…"]


# ---------------------------------------------------------------- ground_claim


ARTICLE = (
    "Kremlin rejects report\n"
    "Kremlin spokesperson Dmitry Peskov said on Monday that \u201cno Russian missile hit the plane.\u201d\n"
    "According to a diplomatic source, the aircraft was struck by a Pantsir-S system.\n"
)


def test_ground_claim_replaces_quote_with_article_text_and_finds_claimant_and_cue() -> None:
    c = ground_claim(ARTICLE, mc('"no Russian missile hit the plane."', claimant="Dmitry Peskov", cue="said"))
    assert c.grounded
    assert c.quote == "\u201cno Russian missile hit the plane.\u201d" == c.quote_span.slice(ARTICLE)
    assert c.claimant.span.slice(ARTICLE) == "Dmitry Peskov"
    assert c.cue.span.slice(ARTICLE) == "said"
    assert c.span_problems(ARTICLE) == []
    assert c.claimant.name == "Dmitry Peskov" and c.attribution == Attribution.indirect


def test_ground_claim_prefers_claimant_and_cue_near_the_quote() -> None:
    c = ground_claim(ARTICLE, mc("the aircraft was struck by a Pantsir-S system", claimant="a diplomatic source", cue="according to"))
    # The cue is matched case-insensitively and takes the article's spelling.
    assert c.cue.text == "According to"
    assert c.cue.span.start == ARTICLE.index("According to")
    text = "Officials said A happened. Later the army said B happened."
    c = ground_claim(text, mc("B happened", claimant="the army", cue="said"))
    assert c.cue.span.start == text.rindex("said")


def test_ungrounded_claim_keeps_the_model_quote() -> None:
    c = ground_claim(ARTICLE, mc("The plane landed safely in Baku", claimant="Ilham Aliyev", cue="stated"))
    assert not c.grounded and c.quote_span is None
    assert c.quote == "The plane landed safely in Baku"
    assert c.claimant.text == "Ilham Aliyev" and c.claimant.span is None
    assert c.cue.text == "stated" and c.cue.span is None


def test_unattributed_claim_has_no_claimant_span_or_cue() -> None:
    c = ground_claim(ARTICLE, mc("Kremlin rejects report"))
    assert c.grounded and c.claimant.text is None and c.claimant.span is None and c.cue is None


def test_base_offset_shifts_spans_for_chunk_local_text() -> None:
    chunk_start = ARTICLE.index("According")
    chunk = ARTICLE[chunk_start:]
    c = ground_claim(chunk, mc("struck by a Pantsir-S system", claimant="a diplomatic source"), base_offset=chunk_start)
    assert c.quote_span.slice(ARTICLE) == "struck by a Pantsir-S system"
    assert c.claimant.span.slice(ARTICLE) == "a diplomatic source"


def test_cue_outside_the_quote_wins_over_one_inside_it() -> None:
    text = 'Peskov added: "He said he would come," Peskov said.'
    c = ground_claim(text, mc("He said he would come", claimant="Peskov", cue="said"))
    assert c.cue.span.start == text.rindex("said")
    assert c.claimant.span.start == text.rindex("Peskov")


def test_fuzzy_on_cjk_keeps_str_offsets() -> None:
    text = "前言。外交部发言人表示，该导弹袭击并非由本国军队发动，调查仍在进行中。后记。"
    expected = "外交部发言人表示，该导弹袭击并非由本国军队发动"
    span, tier = locate(text, "外交部发言人表示，这导弹袭击并非由本国军队发动")  # one character differs
    assert tier == "fuzzy"
    assert text[span.start : span.end] == expected


def test_every_substring_of_a_mixed_script_text_maps_back_exactly() -> None:
    import random

    text = "Kyiv — “Ми не відступимо,” сказав він. 東京で😀 قال المتحدث. José\u0301 e\u0301 ok."
    rng = random.Random(7)
    for _ in range(300):
        a = rng.randrange(len(text))
        b = rng.randrange(a + 1, len(text) + 1)
        needle = text[a:b]
        found = locate(text, needle, hint=a)
        if found is None:  # only cuts through a grapheme or pure whitespace are refused
            assert not needle.strip() or not _is_cut_ok(text, a, b)
            continue
        span, tier = found
        assert tier == "exact"
        assert text[span.start : span.end] == needle.strip()


def test_a_cut_splits_a_grapheme_exactly_where_the_definition_says() -> None:
    """``_is_cut_ok`` settles most cuts by a comparison (below U+0300 nothing continues a
    grapheme); on texts drawn from every kind of character it must agree with the
    definition: a cut is bad where the character continues the one before, or follows a ZWJ."""
    import random

    from claims.extract.grounding import continues_grapheme

    rng = random.Random(5)
    pool = [chr(o) for o in (*range(0x20, 0x7F), *range(0x2000, 0x2030), 0x2FF, 0x300, 0x301, 0x93F, 0x20D0,
                             0xFE0F, 0xFE0E, 0x1F3FB, 0xE0041, 0x1F600, 0x4E2D)]
    for _ in range(300):
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(1, 40)))
        bad = {i for i in range(1, len(text)) if continues_grapheme(text[i]) or text[i - 1] == "\u200d"}
        for a in range(len(text) + 1):
            b = rng.randrange(a, len(text) + 1)
            assert _is_cut_ok(text, a, b) == (a not in bad and b not in bad), (text, a, b)
