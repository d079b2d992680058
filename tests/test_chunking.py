"""Chunking: tiling, overlap, boundaries, split_chunk, dedupe across chunks."""

from __future__ import annotations

from pathlib import Path

import pytest

from claims.extract.chunking import Chunk, chunk_text, dedupe_claims, split_chunk
from claims.extract.grounding import ground_claim
from claims.kernel.schema import Attribution, Certainty, Claim, Claimant, ClaimantType, ModelClaim, Span
from claims.kernel.segment import sentences

GOLD = Path(__file__).resolve().parents[1] / "gold" / "articles"


def article(n_paras: int = 12) -> str:
    paras = []
    for p in range(n_paras):
        sents = [f"Paragraph {p} sentence {s} says the port of Velmora moved {p * 10 + s} tonnes of grain." for s in range(4)]
        paras.append(" ".join(sents))
    return "\n\n".join(paras) + "\n"


def assert_tiles(text: str, chunks: list[Chunk]) -> None:
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for a, b in zip(chunks, chunks[1:]):
        assert a.start < b.start <= a.end < b.end  # overlapping or touching, always progressing


def test_short_text_is_one_chunk() -> None:
    assert chunk_text("One sentence.", max_chars=100) == [Chunk(0, 13)]


@pytest.mark.parametrize("max_chars, overlap", [(400, 100), (1000, 200), (700, 0)])
def test_chunks_tile_the_text_within_the_limit(max_chars: int, overlap: int) -> None:
    text = article()
    chunks = chunk_text(text, max_chars=max_chars, overlap_chars=overlap)
    assert len(chunks) > 1
    assert_tiles(text, chunks)
    assert all(len(c) <= max_chars for c in chunks)
    if overlap == 0:
        assert all(a.end == b.start for a, b in zip(chunks, chunks[1:]))


def test_overlap_is_whole_sentences_of_about_the_requested_size() -> None:
    text = article()
    chunks = chunk_text(text, max_chars=1000, overlap_chars=200)
    starts = {s for s, _ in sentences(text)}
    for a, b in zip(chunks, chunks[1:]):
        overlap = a.end - b.start
        assert 200 <= overlap < 200 + 90  # at least the request, at most one sentence more
        assert b.start in starts  # the next chunk starts on a sentence
        assert text[b.start : a.end] in a.text(text) and text[b.start : a.end] in b.text(text)


def test_cuts_prefer_paragraph_ends() -> None:
    text = article()
    para_ends = {i + 2 for i in range(len(text)) if text.startswith("\n\n", i)}
    chunks = chunk_text(text, max_chars=1000, overlap_chars=0)
    assert all(c.end in para_ends for c in chunks[:-1])


def test_a_long_sentence_is_hard_split_at_whitespace() -> None:
    text = "Word " * 500  # one 2500-character "sentence"
    chunks = chunk_text(text, max_chars=600, overlap_chars=50)
    assert_tiles(text, chunks)
    assert all(len(c) <= 600 for c in chunks)
    assert all(text[c.start - 1] == " " for c in chunks[1:])


def test_cjk_without_spaces_is_split_after_punctuation() -> None:
    text = "东京举行了会议。" * 200
    chunks = chunk_text(text, max_chars=300, overlap_chars=0)
    assert_tiles(text, chunks)
    assert all(text[c.start - 1] == "。" for c in chunks[1:])


def test_chunk_offsets_ground_into_the_full_article() -> None:
    text = GOLD.joinpath("001_ef5128e31d410a10.txt").read_text(encoding="utf-8")
    chunks = chunk_text(text, max_chars=1500, overlap_chars=300)
    assert_tiles(text, chunks)
    last = chunks[-1]
    sent_start, sent_end = sentences(text, last.start, last.end)[-2]
    quote = text[sent_start:sent_end]
    claim = ModelClaim(
        statement="x", quote=quote, claimant_text=None, claimant_name=None, claimant_type=ClaimantType.author,
        claimant_role=None, cue=None, attribution=Attribution.unattributed, certainty=Certainty.asserted,
    )
    grounded = ground_claim(text, claim, hint=last.start)
    assert grounded.quote_span == Span(start=sent_start, end=sent_end)
    assert last.text(text)[sent_start - last.start : sent_end - last.start] == quote


# ---------------------------------------------------------------- split_chunk


def test_split_chunk_halves_at_a_sentence_boundary() -> None:
    text = article(2)
    whole = Chunk(0, len(text))
    a, b = split_chunk(text, whole)
    assert a.start == 0 and a.end == b.start and b.end == len(text)
    assert b.start in {s for s, _ in sentences(text)}
    assert text[b.start - 2 : b.start] == "\n\n"  # the paragraph break is right at the middle
    # Splitting an inner chunk stays inside it.
    inner = Chunk(b.start, len(text))
    c, d = split_chunk(text, inner)
    assert c.start == inner.start and d.end == inner.end and c.end == d.start


def test_split_chunk_long_single_sentence_and_refusal() -> None:
    long = "word " * 100 + "end."
    a, b = split_chunk(long, Chunk(0, len(long)))
    assert a.end == b.start and long[b.start - 1] == " "
    short = "A short sentence that cannot be split."
    with pytest.raises(ValueError, match="cannot split"):
        split_chunk(short, Chunk(0, len(short)))
    with pytest.raises(ValueError, match="outside"):
        split_chunk(short, Chunk(0, len(short) + 5))


# ---------------------------------------------------------------- dedupe


def claim(statement: str, span: tuple[int, int] | None, text: str = "Q") -> Claim:
    return Claim(
        statement=statement,
        quote=text,
        quote_span=Span(start=span[0], end=span[1]) if span else None,
        claimant=Claimant(type=ClaimantType.author),
        attribution=Attribution.unattributed,
        certainty=Certainty.asserted,
        grounded=span is not None,
    )


def test_dedupe_across_overlapping_chunks() -> None:
    chunk1 = [claim("The port moved 40 tonnes.", (100, 140)), claim("The mayor resigned.", (10, 30))]
    chunk2 = [
        claim("The port moved 40 tonnes of grain.", (100, 140)),  # same span, rephrased: duplicate
        claim("The port moved 40 tonnes", (102, 140)),  # overlapping span, same statement: duplicate
        claim("The port closed on Monday.", (150, 170)),
    ]
    out = dedupe_claims(chunk1 + chunk2)
    assert [c.statement for c in out] == ["The mayor resigned.", "The port moved 40 tonnes.", "The port closed on Monday."]


def test_dedupe_keeps_decomposed_claims_sharing_a_quote() -> None:
    out = dedupe_claims([claim("The fire started in a warehouse.", (0, 50)), claim("The fire was under control by midnight.", (0, 50))])
    assert len(out) == 2


def test_dedupe_ungrounded_by_normalised_statement_and_orders_them_last() -> None:
    out = dedupe_claims(
        [
            claim("The \u201cdeal\u201d is  off.", None),
            claim("B happened.", (5, 9)),
            claim('the "deal" is off', None),
            claim("A happened.", (0, 4)),
            claim("Something else.", None),
        ]
    )
    assert [c.statement for c in out] == ["A happened.", "B happened.", "The \u201cdeal\u201d is  off.", "Something else."]


def test_dedupe_keeps_distinct_overlapping_claims_and_is_deterministic() -> None:
    claims = [claim("X rose.", (0, 40)), claim("Y fell.", (5, 40)), claim("X rose.", (60, 80))]
    assert dedupe_claims(claims) == dedupe_claims(list(claims))
    assert [c.statement for c in dedupe_claims(claims)] == ["X rose.", "Y fell.", "X rose."]
    assert dedupe_claims([]) == []


@pytest.mark.parametrize("max_chars, overlap", [(300, 80), (800, 200), (2000, 500)])
def test_gold_articles_tile_at_several_sizes(max_chars: int, overlap: int) -> None:
    for path in sorted(GOLD.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        chunks = chunk_text(text, max_chars=max_chars, overlap_chars=overlap)
        assert_tiles(text, chunks)
        assert all(len(c) <= max_chars for c in chunks), path.name
