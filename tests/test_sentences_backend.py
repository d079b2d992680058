from claims.extract.backends.sentences import SentencesBackend
from claims.kernel.articles import Article
from claims.kernel.schema import Attribution, Certainty, ClaimantType

TEXT = "Short one. This sentence is clearly longer than thirty characters.\n\nTiny. Another long sentence that passes the length rule here."


def test_only_sentences_over_30_chars() -> None:
    res = SentencesBackend().extract(Article(id="a", text=TEXT))
    assert [c.quote for c in res.claims] == [
        "This sentence is clearly longer than thirty characters.",
        "Another long sentence that passes the length rule here.",
    ]
    for c in res.claims:
        assert c.span_problems(TEXT) == [] and c.statement == c.quote and c.cue is None
        assert c.claimant.type is ClaimantType.unknown and c.claimant.text is None
        assert c.attribution is Attribution.unattributed and c.certainty is Certainty.asserted


def test_deterministic() -> None:
    b = SentencesBackend()
    a = Article(id="a", text=TEXT)
    assert b.extract(a).model_dump() == b.extract(a).model_dump()
