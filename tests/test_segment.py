from claims.kernel.segment import sentences


def test_no_split_inside_quotation() -> None:
    t = "He added: “We are strong. And we are safe.” Then he left."
    assert [t[s:e] for s, e in sentences(t)] == ["He added: “We are strong. And we are safe.”", "Then he left."]


def test_unpaired_quote_still_splits() -> None:
    t = "He said “we are strong. And safe. Then he left."
    assert len(sentences(t)) == 3


def test_sentence_ends_are_the_patterns_own_matches():
    """The scan that tries the end-of-sentence pattern only at a stop finds exactly what
    the pattern's own finditer finds (random strings of the characters that matter, and
    the seed articles), boundaries included."""
    import random
    from pathlib import Path

    from claims.kernel.segment import _SENT_END, _sentence_ends

    rng = random.Random(7)
    alphabet = "ab .!?…。！？\"'”’“»)] \nA1ÀЖ«¿(["
    cases = [(t, 0, len(t)) for t in (p.read_text(encoding="utf-8") for p in (Path(__file__).parents[1] / "gold" / "articles").glob("*.txt"))]
    for _ in range(5000):
        t = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        a = rng.randint(0, len(t))
        cases.append((t, a, rng.randint(a, len(t))))
    for t, a, b in cases:
        assert [m.span() for m in _sentence_ends(t, a, b)] == [m.span() for m in _SENT_END.finditer(t, a, b)], (t, a, b)
