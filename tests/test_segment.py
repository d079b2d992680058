from claims.kernel.segment import sentences


def test_no_split_inside_quotation() -> None:
    t = "He added: “We are strong. And we are safe.” Then he left."
    assert [t[s:e] for s, e in sentences(t)] == ["He added: “We are strong. And we are safe.”", "Then he left."]


def test_unpaired_quote_still_splits() -> None:
    t = "He said “we are strong. And safe. Then he left."
    assert len(sentences(t)) == 3
