"""brat standoff import/export: both link styles, discontinuous spans, round trip, bad lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from claims.cli.main import app
from claims.evals.brat import BratError, export_brat, import_brat, parse_ann
from claims.evals.gold import read_gold_file
from claims.evals.gold_check import check_gold_dir

TEXT = "Peter said the plane was hit. Kremlin denied it, according to TASS.\nДа, «ракета» была."
# offsets: Peter 0-5, said 6-10, "the plane was hit" 11-28, Kremlin 30-37, denied 38-44,
# "it" 45-47, "according to" 49-61, TASS 62-66, "ракета" 73-79 (non-ASCII)

REL_ANN = """T1\tSource 0 5\tPeter
T2\tCue 6 10\tsaid
T3\tContent 11 28\tthe plane was hit
R1\tSOURCE Arg1:T3 Arg2:T1
R2\tCue Arg1:T3 Arg2:T2
T4\tSource 30 37\tKremlin
T5\tCue 38 44\tdenied
T6\tContent 45 47\tit
R3\tsource Arg1:T6 Arg2:T4
R4\tCUE Arg1:T6 Arg2:T5
A1\tCertainty T6 denied
A2\tClaimantType T4 government
"""

EVENT_ANN = """T1\tSource 0 5\tPeter
T2\tCue 6 10\tsaid
T3\tContent 11 28\tthe plane was hit
E1\tAttribution:T2 Source:T1 Content:T3
T4\tSource 62 66\tTASS
T5\tAttribution 49 61\taccording to
T6\tContent 73 79\tракета
E2\tAttribution:T5 Source:T4 Content:T6
"""


def _write(dirpath: Path, stem: str, ann: str, text: str = TEXT) -> Path:
    dirpath.mkdir(parents=True, exist_ok=True)
    (dirpath / f"{stem}.txt").write_text(text, encoding="utf-8")
    (dirpath / f"{stem}.ann").write_text(ann, encoding="utf-8")
    return dirpath


def _claims(gold_dir: Path, stem: str):
    return read_gold_file(gold_dir / "articles" / f"{stem}.gold.yaml").claims


def test_relation_style(tmp_path: Path):
    [g] = import_brat(_write(tmp_path / "b", "a", REL_ANN), tmp_path / "g")
    assert g.guideline_version == "brat" and g.labelled_by.startswith("brat import: ")
    c0, c1 = g.claims
    assert (c0.quote, c0.claimant.text, c0.claimant.name, c0.cue.text) == ("the plane was hit", "Peter", "Peter", "said")
    assert c0.claimant.type.value == "unknown" and c0.certainty is None and c0.attribution is None
    assert c0.statement == c0.quote
    assert (c1.quote, c1.claimant.text, c1.certainty.value, c1.claimant.type.value) == ("it", "Kremlin", "denied", "government")
    assert check_gold_dir(tmp_path / "g").problems == []


def test_event_style_trigger_is_the_cue_and_offsets_are_code_points(tmp_path: Path):
    [g] = import_brat(_write(tmp_path / "b", "a", EVENT_ANN), tmp_path / "g")
    c0, c1 = g.claims
    assert (c0.claimant.text, c0.cue.text) == ("Peter", "said")
    assert (c1.quote, c1.quote_span.start, c1.claimant.text, c1.cue.text) == ("ракета", 73, "TASS", "according to")


def test_discontinuous_content_covers_first_start_to_last_end(tmp_path: Path):
    ann = "T1\tSource 0 5\tPeter\nT2\tContent 11 20;25 28\tthe plane hit\nR1\tSOURCE Arg1:T2 Arg2:T1\n"
    [g] = import_brat(_write(tmp_path / "b", "a", ann), tmp_path / "g")
    c = g.claims[0]
    assert (c.quote_span.start, c.quote_span.end, c.quote) == (11, 28, "the plane was hit")


def test_reversed_relation_arguments_are_understood(tmp_path: Path):
    ann = "T1\tSource 0 5\tPeter\nT3\tContent 11 28\tthe plane was hit\nR1\tSOURCE Arg1:T1 Arg2:T3\n"
    [g] = import_brat(_write(tmp_path / "b", "a", ann), tmp_path / "g")
    assert (g.claims[0].quote, g.claims[0].claimant.text) == ("the plane was hit", "Peter")


@pytest.mark.parametrize("ann", [REL_ANN, EVENT_ANN])
def test_round_trip_import_export_import(tmp_path: Path, ann: str):
    import_brat(_write(tmp_path / "b", "a", ann), tmp_path / "g1")
    export_brat(tmp_path / "g1", tmp_path / "b2")
    assert (tmp_path / "b2" / "a.txt").read_bytes() == (tmp_path / "b" / "a.txt").read_bytes()
    import_brat(tmp_path / "b2", tmp_path / "g2")
    assert _claims(tmp_path / "g1", "a") == _claims(tmp_path / "g2", "a")


def test_real_gold_survives_export_import_spans(tmp_path: Path):
    gold = Path(__file__).resolve().parent.parent / "gold"
    export_brat(gold, tmp_path / "b")
    import_brat(tmp_path / "b", tmp_path / "g")
    for src in sorted((gold / "articles").glob("*.gold.yaml")):
        orig = read_gold_file(src).claims
        back = _claims(tmp_path / "g", src.name[: -len(".gold.yaml")])
        key = lambda c: (c.quote_span, c.claimant.span, c.cue.span if c.cue else None, c.certainty, c.attribution)
        assert sorted(map(key, orig), key=repr) == sorted(map(key, back), key=repr)


@pytest.mark.parametrize(
    ("line", "msg"),
    [
        ("T1\tSource 0 x\tPeter", "bad text-bound offsets"),
        ("T1\tSource 0 500\tPeter", "outside the text"),
        ("T1\tSource 0 5\tPaul", "does not match"),
        ("R1\tSOURCE Arg1:T9 Arg2:T8", "unknown text-bound"),
        ("R1\tSOURCE T1", "relation line"),
        ("E1\tAttribution:T1 Source", "event line"),
        ("X1\twhat", "unknown annotation line"),
    ],
)
def test_bad_lines_name_file_and_line(line: str, msg: str):
    with pytest.raises(BratError, match=rf"^doc\.ann:2: .*{msg}"):
        parse_ann("T7\tCue 6 10\tsaid\n" + line + "\n", TEXT, "doc.ann")


def test_cli_import_export(tmp_path: Path):
    runner = CliRunner()
    src = _write(tmp_path / "b", "a", REL_ANN)
    res = runner.invoke(app, ["gold", "import-brat", str(src), "-o", str(tmp_path / "g")])
    assert res.exit_code == 0 and "1 articles, 2 claims" in res.output
    res = runner.invoke(app, ["gold", "export-brat", str(tmp_path / "g"), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0 and (tmp_path / "out" / "a.ann").exists()
    (src / "a.ann").write_text("T1\tSource 0 5\tPaul\n", encoding="utf-8")
    res = runner.invoke(app, ["gold", "import-brat", str(src), "-o", str(tmp_path / "g3")])
    assert res.exit_code == 2 and "a.ann:1:" in res.output


# --- what real corpora (PolNeAR) write ------------------------------------------------

PARA = "He said: “One thing.\n\nAnother thing.” Then\nthe end."
# He 0-2, said 3-7, content “One thing.\n\nAnother thing.” 9-37


def test_text_field_continued_on_the_next_lines_is_joined():
    ann = "T1\tContent 9 37\t“One thing.\n\nAnother thing.”\nT2\tSource 0 2\tHe\nR1\tSOURCE Arg1:T1 Arg2:T2\n"
    [lk] = parse_ann(ann, PARA, "doc.ann")
    assert (lk.content[0].start, lk.content[0].end, lk.source[0].text) == (9, 37, "He")


def test_continuation_that_does_not_continue_the_span_is_an_error():
    ann = "T1\tContent 9 37\t“One thing.\nSomething else\n"
    with pytest.raises(BratError, match=r"^doc\.ann:1: .*does not match"):
        parse_ann(ann, PARA, "doc.ann")


def test_events_without_content_are_editor_leftovers_and_link_nothing():
    ann = (
        "T1\tSource 0 2\tHe\nT2\tCue 3 7\tsaid\nT3\tContent 9 37\t“One thing. Another thing.”\n"
        "T4\tAttribution 3 7\tsaid\nE1\tAttribution:T4 Source:T1 Cue:T2 Content:T3\n"
        "E2\tAttribution:T4 Source:T1 Cue:T2\nE3\tAttribution-no-source:T4 \n"
    )
    [lk] = parse_ann(ann, PARA, "doc.ann")
    assert [t.id for t in lk.source + lk.cue + lk.content] == ["T1", "T2", "T3"]


def test_several_content_roles_are_one_content_with_fragments(tmp_path: Path):
    text = "“A thing,” he said, “and another.”"
    ann = (
        "T1\tContent 0 10\t“A thing,”\nT2\tSource 11 13\the\nT3\tCue 14 18\tsaid\nT4\tContent2 20 34\t“and another.”\n"
        "T5\tAttribution 14 18\tsaid\nE1\tAttribution:T5 Content:T1 Source:T2 Cue:T3 Content2:T4\n"
    )
    [lk] = parse_ann(ann, text, "doc.ann")
    assert lk.fragments("content") == [(0, 10), (20, 34)]
    [g] = import_brat(_write(tmp_path / "b", "a", ann, text), tmp_path / "g")
    [c] = g.claims
    assert (c.quote_span.start, c.quote_span.end, c.claimant.text, c.cue.text) == (0, 34, "he", "said")


def test_fragments_written_out_of_order_are_sorted():
    ann = "T1\tContent 25 28;11 20\thit the plane\n"  # the text field follows the written order
    [lk] = parse_ann(ann, TEXT, "doc.ann")
    assert lk.fragments("content") == [(11, 20), (25, 28)] and lk.content[0].text == "the plane was hit"


def test_several_annotators_give_gold_and_double(tmp_path: Path):
    from claims.evals.brat import BratDocument, import_documents
    from claims.evals.gold import load_gold

    b = _write(tmp_path / "b", "a", REL_ANN)
    (b / "a_2.ann").write_text(EVENT_ANN, encoding="utf-8")
    import_documents([BratDocument("a", b / "a.txt", (("1", b / "a.ann"), ("2", b / "a_2.ann")))], tmp_path / "g", "corpus")
    gs = load_gold(tmp_path / "g")
    assert [c.claimant.text for c in gs.articles["a"].claims] == ["Peter", "Kremlin"]
    assert [g.labelled_by for g in gs.double["a"]] == ["corpus (1)", "corpus (2)"]
    assert [c.claimant.text for c in gs.double["a"][1].claims] == ["Peter", "TASS"]
    assert check_gold_dir(tmp_path / "g").problems == []
