import json

import pytest
from pydantic import ValidationError

from claims.kernel.schema import ArticleClaims, Claim, Claimant, Cue, ModelOutput, Provenance, Span, strict_json_schema, text_sha256

TEXT = "Peskov said the probe is ongoing. Кремль заявил: «нет»."


def make_claim(**kw) -> Claim:
    base = dict(
        statement="Dmitry Peskov said the probe is ongoing.",
        quote="the probe is ongoing",
        quote_span=Span(start=12, end=32),
        claimant=Claimant(text="Peskov", span=Span(start=0, end=6), name="Dmitry Peskov", type="person"),
        cue=Cue(text="said", span=Span(start=7, end=11)),
        attribution="indirect",
        certainty="asserted",
    )
    base.update(kw)
    return Claim(**base)


def test_round_trip_through_json():
    ac = ArticleClaims(
        article_id="a", text_sha256=text_sha256(TEXT), claims=[make_claim()],
        provenance=Provenance(backend="rules", toolkit_version="0"),
    )
    again = ArticleClaims.model_validate_json(ac.model_dump_json())
    assert again == ac
    assert again.span_problems(TEXT) == []


@pytest.mark.parametrize("title", [None, 'Le "provenance" ,"provenance":{ «x»', ',"provenance":{"backend":"x"}'])
@pytest.mark.parametrize("n", [0, 1, 3])
def test_a_record_with_its_claims_already_encoded_writes_the_line_it_would_dump(title, n):
    """The pipeline encodes a chunk's claims once (for the cache); the record splices them
    in: the line must be model_dump_json()'s, whatever the title holds."""
    from pydantic import TypeAdapter

    ac = ArticleClaims(
        article_id='a"b', text_sha256=text_sha256(TEXT), title=title, published="2024-12-26", claims=[make_claim()] * n,
        provenance=Provenance(backend="openai", toolkit_version="0"),
    )
    plain = ac.model_dump_json()
    assert ac.to_json() == plain  # nothing encoded yet: dumped as usual
    ac.keep_claims_json(TypeAdapter(list[Claim]).dump_json(ac.claims).decode())
    assert ac.to_json() == plain
    again = ArticleClaims.model_validate_json(ac.to_json())
    assert again == ac and ac == again  # the kept JSON is no field: records compare as before
    fewer = ac.model_copy(update={"claims": ac.claims[:1]})
    assert fewer.to_json() == fewer.model_dump_json()  # another claims list: the kept JSON is not used


@pytest.mark.parametrize("start,end", [(5, 5), (6, 2), (-1, 3)])
def test_bad_spans_rejected(start, end):
    with pytest.raises(ValidationError):
        Span(start=start, end=end)


@pytest.mark.parametrize("field,value", [("attribution", "quoted"), ("certainty", "maybe"), ("attribution", "Direct")])
def test_enums_are_strict(field, value):
    with pytest.raises(ValidationError):
        make_claim(**{field: value})


def test_unknown_fields_rejected():
    with pytest.raises(ValidationError):
        Claim.model_validate({**make_claim().model_dump(), "confidence": 0.9})


def test_grounded_flag_and_span_agree():
    with pytest.raises(ValidationError):
        make_claim(quote_span=None)  # grounded without a span
    with pytest.raises(ValidationError):
        make_claim(grounded=False)  # ungrounded with a span
    assert make_claim(quote_span=None, grounded=False).quote_span is None


def test_span_problems_name_the_span():
    c = make_claim(quote_span=Span(start=12, end=31))
    assert any("quote span [12, 31)" in p for p in c.span_problems(TEXT))
    c = make_claim(quote_span=Span(start=100, end=120))
    assert any("outside the text" in p for p in c.span_problems(TEXT))
    ac = ArticleClaims(article_id="a", text_sha256="0" * 64, claims=[], provenance=Provenance(backend="x", toolkit_version="0"))
    assert ac.span_problems(TEXT) == ["text_sha256 does not match the article text"]



def test_a_records_span_check_says_what_each_claims_check_says():
    """The record checks its claims' spans inline and asks a claim what is wrong only
    when one is off: spans moved, cut past the end (a truncated slice can still equal a
    short quote), claimant text without a span and the reverse, no cue: the record must
    report exactly the claims' own problems."""
    import random

    rng = random.Random(11)
    claims = []
    for _ in range(400):
        s0, e0 = rng.randrange(0, len(TEXT)), rng.randrange(1, len(TEXT) + 5)
        quote_span = Span(start=min(s0, e0 - 1), end=max(s0 + 1, e0)) if rng.random() < 0.8 else None
        quote = TEXT[quote_span.start : quote_span.end] if quote_span and rng.random() < 0.7 else "the probe is ongoing"
        if not quote:  # a span past the end: its (empty) slice stands in for the quote
            quote = "x"
        who_span = rng.choice([Span(start=0, end=6), Span(start=1, end=6), Span(start=0, end=len(TEXT) + 1), None])
        cue = rng.choice([Cue(text="said", span=Span(start=7, end=11)), Cue(text="said", span=Span(start=6, end=11)), Cue(text="said"), None])
        claims.append(make_claim(quote=quote, quote_span=quote_span, grounded=quote_span is not None,
                                 claimant=Claimant(text=rng.choice(["Peskov", None]), span=who_span), cue=cue))
    ac = ArticleClaims(article_id="a", text_sha256=text_sha256(TEXT), claims=claims, provenance=Provenance(backend="x", toolkit_version="0"))
    want = [f"claim {i}: {p}" for i, c in enumerate(claims) for p in c.span_problems(TEXT)]
    assert ac.span_problems(TEXT) == want and 50 < len(want) < 1000
    # a quote that a span past the end still slices to: reported, not taken
    tail = make_claim(quote=TEXT[-4:], quote_span=Span(start=len(TEXT) - 4, end=len(TEXT) + 2))
    ac = ArticleClaims(article_id="a", text_sha256=text_sha256(TEXT), claims=[tail], provenance=Provenance(backend="x", toolkit_version="0"))
    assert ac.span_problems(TEXT) == [f"claim 0: quote span [{len(TEXT) - 4}, {len(TEXT) + 2}) lies outside the text (length {len(TEXT)})"]


def test_offsets_are_code_points_for_non_ascii():
    start = TEXT.index("«нет»")
    c = make_claim(quote="«нет»", quote_span=Span(start=start, end=start + 5))
    assert c.span_problems(TEXT) == []


def _walk(node, path="$"):
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}[{i}]")


def test_strict_schema_is_what_openai_strict_mode_accepts():
    schema = strict_json_schema(ModelOutput)
    assert "$defs" not in json.dumps(schema) and "$ref" not in json.dumps(schema)
    objects = [(p, n) for p, n in _walk(schema) if n.get("type") == "object"]
    assert len(objects) == 2  # the output and one claim
    for path, node in objects:
        assert node["additionalProperties"] is False, path
        assert sorted(node["required"]) == sorted(node["properties"]), path
    for path, node in _walk(schema):
        assert "default" not in node, path
    claim = schema["properties"]["claims"]["items"]["properties"]
    assert {"type": "null"} in claim["claimant_text"]["anyOf"]  # nullable, not optional
    assert claim["certainty"]["enum"] == ["asserted", "hedged", "denied"]
    assert claim["statement"]["description"]  # descriptions survive inlining
    # and the Pydantic model accepts what the schema describes
    ModelOutput.model_validate({"claims": [{
        "statement": "s", "quote": "q", "claimant_text": None, "claimant_name": None,
        "claimant_type": "author", "claimant_role": None, "cue": None,
        "attribution": "unattributed", "certainty": "asserted"}]})
