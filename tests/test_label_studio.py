"""Label Studio conversion, offline: config, tasks, import of the JSON export, agreement.

The export format used here is the one Label Studio 1.23 writes (checked against the
real server in tests/integration/test_label_studio.py): a list of tasks, each with
``data``, ``predictions`` and ``annotations`` whose ``result`` items are regions
(``labels``), per-region controls (``choices``, ``textarea``) and ``relation`` items.
An annotator who accepts the pre-annotations submits the prediction's result.
"""

from __future__ import annotations

import copy
import json
import random
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from claims.cli.main import app
from claims.evals.agreement import double_agreement
from claims.evals.gold import load_gold, read_gold_file
from claims.evals.gold_check import check_gold_dir
from claims.evals.labelstudio.annotations import annotation_claims, convert_export, double_agreement_rows, import_label_studio, read_export
from claims.evals.labelstudio.config import CHOICES, TEXTAREAS, label_config
from claims.evals.labelstudio.tasks import claim_results, gold_tasks
from claims.kernel.schema import Attribution, Certainty, Claim, ClaimantType, GoldClaim

GOLD = Path(__file__).resolve().parent.parent / "gold"
runner = CliRunner()


def accepted(tasks: list[dict[str, Any]], *, shuffle: int | None = None) -> list[dict[str, Any]]:
    """The export after an annotator accepted every pre-annotation (optionally in another item order)."""
    out = []
    for n, t in enumerate(tasks, 1):
        result = copy.deepcopy(t["predictions"][0]["result"])
        if shuffle is not None:
            random.Random(shuffle + n).shuffle(result)
        out.append({"id": n, "data": t["data"], "predictions": [n],
                    "annotations": [{"id": 100 + n, "completed_by": 1, "result": result, "was_cancelled": False,
                                     "ground_truth": False}]})
    return out


def dumps(claims: list[Claim]) -> list[dict[str, Any]]:
    return [c.model_dump(mode="json") for c in claims]


# ---------------------------------------------------------------------------- config


def test_config_is_xml_naming_every_control_and_enum_value():
    root = ET.fromstring(label_config())
    assert root.tag == "View"
    labels = {e.get("value") for e in root.iter("Label")}
    assert labels == {"Claim", "Claimant", "Cue"}
    assert {e.get("value") for e in root.iter("Relation")} == {"claimant", "cue"}
    choices = {e.get("name"): [c.get("value") for c in e.iter("Choice")] for e in root.iter("Choices")}
    assert choices == {"attribution": [m.value for m in Attribution], "certainty": [m.value for m in Certainty],
                       "claimant_type": [m.value for m in ClaimantType]}
    areas = {e.get("name") for e in root.iter("TextArea")}
    assert areas == set(TEXTAREAS) and {"statement", "claimant_name", "claimant_role"} <= areas
    for e in [*root.iter("Choices"), *root.iter("TextArea")]:
        assert e.get("perRegion") == "true" and e.get("toName") == "text"
    assert [t.get("value") for t in root.iter("Text")] == ["$text"]


def test_config_carries_the_cluster_label():
    areas = {e.get("name") for e in ET.fromstring(label_config()).iter("TextArea")}
    assert "cluster" in areas and "cluster" in GoldClaim.model_fields


def test_cli_prints_and_writes_the_config(tmp_path: Path):
    r = runner.invoke(app, ["gold", "label-studio-config"])
    assert r.exit_code == 0 and r.output == label_config()
    r = runner.invoke(app, ["gold", "label-studio-config", "-o", str(tmp_path / "c.xml")])
    assert r.exit_code == 0 and (tmp_path / "c.xml").read_text(encoding="utf-8") == label_config()


# ---------------------------------------------------------------------------- lossless round trip


@pytest.mark.parametrize("shuffle", [None, 7])
def test_bundled_gold_round_trips_losslessly(shuffle: int | None):
    gold = load_gold(GOLD)
    ts = gold_tasks(GOLD)
    assert ts.notes == [] and len(ts.tasks) == 5 and ts.claims == 152
    imp = convert_export(accepted(ts.tasks, shuffle=shuffle), "export.json")
    assert imp.problems == [] and imp.double == {}
    assert sorted(imp.gold) == sorted(gold.articles)
    n = 0
    for aid, g in gold.articles.items():
        back = imp.gold[aid]
        assert dumps(back.claims) == dumps(g.claims), aid  # every field of every claim, in order
        assert (back.article_id, back.text_sha256, back.guideline_version, back.notes) == (
            g.article_id, g.text_sha256, g.guideline_version, g.notes)
        assert back.labelled_by == f"{g.labelled_by}; reviewed by Label Studio user 1 (annotation {back.labelled_by.split()[-1]}"
        assert imp.texts[aid] == gold.texts[aid]
        n += len(back.claims)
    assert n == 152


def test_round_trip_through_the_cli_passes_gold_check(tmp_path: Path):
    r = runner.invoke(app, ["gold", "export-label-studio", str(GOLD), "-o", str(tmp_path / "tasks.json")])
    assert r.exit_code == 0, r.output
    assert "wrote 5 tasks (152 claims as predictions)" in r.output
    tasks = json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8"))
    (tmp_path / "export.json").write_text(json.dumps(accepted(tasks, shuffle=3)), encoding="utf-8")
    r = runner.invoke(app, ["gold", "import-label-studio", str(tmp_path / "export.json"), "-o", str(tmp_path / "g")])
    assert r.exit_code == 0, r.output
    assert "imported 5 gold articles (152 claims)" in r.output
    res = check_gold_dir(tmp_path / "g")
    assert res.problems == [] and res.claims == 152
    gold, back = load_gold(GOLD), load_gold(tmp_path / "g")
    for aid in gold.articles:
        assert dumps(back.articles[aid].claims) == dumps(gold.articles[aid].claims)
        assert (tmp_path / "g" / "articles" / f"{aid}.txt").read_bytes() == (GOLD / "articles" / f"{aid}.txt").read_bytes()


def test_shared_claimant_and_cue_regions():
    g = read_gold_file(GOLD / "articles" / "000_7dbc1a520044aece.gold.yaml")
    text = (GOLD / "articles" / "000_7dbc1a520044aece.txt").read_text(encoding="utf-8")
    result, notes = claim_results(g.claims, text, "x")
    regions = [r for r in result if r.get("type") == "labels"]
    claimant_spans = {(c.claimant.span.start, c.claimant.span.end) for c in g.claims if c.claimant.span}
    assert sum(r["value"]["labels"] == ["Claimant"] for r in regions) == len(claimant_spans) < len(g.claims)
    assert sum(r["value"]["labels"] == ["Claim"] for r in regions) == len(g.claims)
    assert all(r["value"]["text"] == text[r["value"]["start"]:r["value"]["end"]] for r in regions)
    assert notes == []


def test_ungrounded_run_claims_are_left_out_with_a_note():
    text = "Peter said the plane was hit."
    claims = [
        Claim(statement="The plane was hit.", quote="the plane was hit", quote_span={"start": 11, "end": 28},
              claimant={"text": "Pete", "name": "Peter", "type": "person"}),
        Claim(statement="Something else.", quote="not in it", grounded=False),
    ]
    result, notes = claim_results(claims, text, "run: a1")
    assert len(notes) == 2 and "claim 1 left out" in notes[1] and "'Pete' has no span" in notes[0]
    claim = [r for r in result if r.get("from_name") == "claimant_name"]
    assert claim[0]["value"]["text"] == ["Peter"]


# ---------------------------------------------------------------------------- an annotator's edits


# an emoji (two UTF-16 units, one code point) before the second claim: offsets are code points
TEXT = "Peter said the plane was hit. 😂 Kremlin denied it, according to TASS.\nДа, «ракета» была."


def _claims() -> list[GoldClaim]:
    return [
        GoldClaim(statement="The plane was hit.", quote="the plane was hit", quote_span={"start": 11, "end": 28},
              claimant={"text": "Peter", "span": {"start": 0, "end": 5}, "name": "Peter", "type": "person"},
              cue={"text": "said", "span": {"start": 6, "end": 10}}, attribution="indirect", certainty="asserted"),
        GoldClaim(statement="The Kremlin denied the plane was hit.", quote="it", quote_span={"start": 47, "end": 49},
              claimant={"text": "Kremlin", "span": {"start": 32, "end": 39}, "name": "Kremlin", "type": "government",
                        "role": "the Russian presidency"},
              cue={"text": "denied", "span": {"start": 40, "end": 46}}, attribution="indirect", certainty="denied"),
        GoldClaim(statement="It was a missile.", quote="«ракета»", quote_span={"start": 74, "end": 82},
              claimant={"type": "author"}, attribution="unattributed", certainty="asserted"),
    ]


def _export(result: list[dict[str, Any]], **ann: Any) -> list[dict[str, Any]]:
    return [{"id": 9, "data": {"text": TEXT, "article_id": "a1"},
             "annotations": [{"id": 31, "completed_by": 2, "result": result, **ann}]}]


def test_edit_add_delete_and_order():
    result, _ = claim_results(_claims(), TEXT, "x")
    # delete claim 0: its region, its per-claim items and its relations (Label Studio drops them together)
    result = [r for r in result if r.get("id") != "claim-0" and r.get("from_id") != "claim-0"]
    result = [r for r in result if r.get("id") not in ("claimant-0-5", "cue-6-10")]
    # edit claim 2's certainty and statement
    for r in result:
        if r.get("id") == "claim-2" and r["from_name"] == "certainty":
            r["value"]["choices"] = ["hedged"]
        if r.get("id") == "claim-2" and r["from_name"] == "statement":
            r["value"]["text"] = ["It may have been a missile."]
    # add a claim before claim 1, attributed to TASS through a new cue region
    at = {"start": 32, "end": 49}
    result += [
        {"id": "Xy12ab", "from_name": "span", "to_name": "text", "type": "labels",
         "value": {**at, "text": TEXT[32:49], "labels": ["Claim"]}},
        {"id": "Xy12ab", "from_name": "statement", "to_name": "text", "type": "textarea",
         "value": {**at, "text": ["TASS reported the Kremlin's denial."]}},
        {"id": "Xy12ab", "from_name": "claimant_type", "to_name": "text", "type": "choices",
         "value": {**at, "text": TEXT[32:49], "choices": ["media"]}},
        {"id": "tass01", "from_name": "span", "to_name": "text", "type": "labels",
         "value": {"start": 64, "end": 68, "text": "TASS", "labels": ["Claimant"]}},
        {"id": "acc01", "from_name": "span", "to_name": "text", "type": "labels",
         "value": {"start": 51, "end": 63, "labels": ["Cue"]}},  # no "text": Label Studio may leave it out
        {"type": "relation", "from_id": "tass01", "to_id": "Xy12ab", "direction": "left", "labels": []},
        {"type": "relation", "from_id": "Xy12ab", "to_id": "acc01", "direction": "right", "labels": ["cue"]},
    ]
    imp = convert_export(_export(result), "e.json")
    assert imp.problems == []
    c = imp.gold["a1"].claims
    assert [x.quote for x in c] == ["Kremlin denied it", "it", "«ракета»"]
    added, kept, edited = c
    assert (added.statement, added.claimant.text, added.claimant.span.start, added.claimant.name, added.claimant.type.value,
            added.cue.text, added.attribution, added.certainty) == (
        "TASS reported the Kremlin's denial.", "TASS", 64, None, "media", "according to", None, None)
    assert dumps([kept]) == dumps([_claims()[1]])
    assert (edited.statement, edited.certainty.value) == ("It may have been a missile.", "hedged")
    assert imp.gold["a1"].labelled_by == "Label Studio user 2 (annotation 31)"
    assert imp.gold["a1"].guideline_version == "unspecified"


@pytest.mark.parametrize("mutate, expect", [
    (lambda r: r[0]["value"].update(labels=["Quote"]), "region claim-0: labels ['Quote']"),
    (lambda r: r[0]["value"].update(start=12), "region claim-0: says it covers 'the plane was hit' but the article has"),
    (lambda r: r[0]["value"].update(end=999), "region claim-0: offsets [11, 999) are not a span"),
    (lambda r: r.append({"type": "relation", "from_id": "claim-0", "to_id": "claim-1", "labels": []}),
     "region relation claim-0 -> claim-1: links a Claim to a Claim"),
    (lambda r: r.append({"type": "relation", "from_id": "claim-0", "to_id": "claimant-32-39", "labels": ["claimant"]}),
     "region claim-0 (Claim 'the plane was hit'): has two claimants"),
    (lambda r: r.append({"type": "relation", "from_id": "claim-0", "to_id": "claimant-32-39", "labels": ["cue"]}),
     "labelled cue but points at a Claimant region"),
    (lambda r: r.append({"type": "relation", "from_id": "claim-0", "to_id": "nope", "labels": []}),
     "refers to a region that is not in the annotation"),
    (lambda r: [x for x in r if x.get("id") == "claim-0" and x["from_name"] == "certainty"][0]["value"].update(choices=["maybe"]),
     "certainty: ['maybe'] is not one of asserted, hedged, denied"),
    (lambda r: r.append({"id": "claimant-0-5", "from_name": "statement", "type": "textarea", "value": {"text": ["x"]}}),
     "statement set on a Claimant region"),
    (lambda r: r.append({"id": "claim-0", "from_name": "comment", "type": "textarea", "value": {"text": ["x"]}}),
     "unknown control 'comment'"),
    (lambda r: r.remove([x for x in r if x.get("id") == "claim-0" and x["from_name"] == "statement"][0]),
     "region claim-0 (Claim 'the plane was hit'): no statement: fill in the Statement box"),
    (lambda r: r.append({"id": "zz", "from_name": "span", "to_name": "text", "type": "labels",
                         "value": {"start": 64, "end": 68, "labels": ["Claimant"]}}),
     "region zz (Claimant 'TASS'): is linked to no claim"),
    (lambda r: [x for x in r if x.get("id") == "claim-0" and x["from_name"] == "statement"][0]["value"].update(text=["a", "b"]),
     "statement: 2 entries; keep one"),
])
def test_problems_name_task_annotation_and_region(tmp_path: Path, mutate, expect: str):
    result, _ = claim_results(_claims(), TEXT, "x")
    mutate(result)
    export = tmp_path / "e.json"
    export.write_text(json.dumps(_export(result)), encoding="utf-8")
    imp = import_label_studio(export, tmp_path / "g")
    assert imp.problems, expect
    msg = str(imp.problems[0])
    assert msg.startswith(f"{export}: task 9 (a1), annotation 31") and expect in msg, msg
    assert not (tmp_path / "g").exists()  # nothing written while there is a problem
    r = runner.invoke(app, ["gold", "import-label-studio", str(export), "-o", str(tmp_path / "g")])
    assert r.exit_code == 1 and expect in r.output


def test_duplicate_claims_are_a_problem():
    result, _ = claim_results([_claims()[0], _claims()[0]], TEXT, "x")
    _, probs = annotation_claims(result, TEXT, "w")
    assert [p.message for p in probs] == ["exact duplicate of claim region claim-0"]


def test_task_level_problems_and_notes(tmp_path: Path):
    result, _ = claim_results(_claims(), TEXT, "x")
    tasks = [
        {"id": 1, "data": {"text": TEXT, "article_id": "a1", "text_sha256": "0" * 64}, "annotations": [{"id": 1, "result": result}]},
        {"id": 2, "data": {"text": TEXT, "article_id": "../a2"}, "annotations": []},
        {"id": 3, "data": {"text": TEXT, "article_id": "a3"}, "annotations": [{"id": 5, "result": result, "was_cancelled": True}]},
    ]
    imp = convert_export(tasks, "e.json")
    assert [str(p) for p in imp.problems] == [
        "e.json: task 1 (a1): the task's text no longer hashes to its text_sha256 (edited in Label Studio?)",
        "e.json: task 2 (../a2): article_id '../a2' cannot name a gold file (letters, digits, _ and - only)",
    ]
    assert imp.notes == ["e.json: task 3 (a3): no submitted annotation; not imported"]


def test_bad_export_files_exit_2(tmp_path: Path):
    (tmp_path / "a.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "b.json").write_text('{"tasks": 1}', encoding="utf-8")
    for name, msg in (("a.json", "not JSON"), ("b.json", "not a Label Studio JSON export"), ("missing.json", "cannot read")):
        r = runner.invoke(app, ["gold", "import-label-studio", str(tmp_path / name), "-o", str(tmp_path / "g")])
        assert r.exit_code == 2 and msg in r.output and str(tmp_path / name) in r.output


def test_existing_text_is_never_overwritten(tmp_path: Path):
    result, _ = claim_results(_claims(), TEXT, "x")
    (tmp_path / "e.json").write_text(json.dumps(_export(result)), encoding="utf-8")
    (tmp_path / "g" / "articles").mkdir(parents=True)
    (tmp_path / "g" / "articles" / "a1.txt").write_text("another text", encoding="utf-8")
    imp = import_label_studio(tmp_path / "e.json", tmp_path / "g")
    assert [p.message for p in imp.problems] == ["exists with another text than the task's; not overwritten"]
    assert not (tmp_path / "g" / "articles" / "a1.gold.yaml").exists()


# ---------------------------------------------------------------------------- several annotators


def _double_export(ground_truth: int | None) -> list[dict[str, Any]]:
    """Bundled double/ sets of 000 as two annotators' annotations of one task (A first)."""
    gold = load_gold(GOLD)
    aid = "000_7dbc1a520044aece"
    text = gold.texts[aid]
    anns = []
    for k, g in enumerate(gold.double[aid]):
        result, notes = claim_results(g.claims, text, "x")
        assert notes == []
        anns.append({"id": 49 + k, "completed_by": k + 1, "result": result, "ground_truth": k == ground_truth})
    return [{"id": 4, "data": {"text": text, "article_id": aid}, "annotations": anns[::-1]}]


def test_several_annotations_go_to_double_and_agree_like_the_bundled_sets(tmp_path: Path):
    export = tmp_path / "e.json"
    export.write_text(json.dumps(_double_export(None)), encoding="utf-8")
    imp = import_label_studio(export, tmp_path / "g")
    assert imp.problems == [] and imp.gold == {}
    assert "none marked ground truth" in imp.notes[0]
    gold = load_gold(GOLD)
    aid = "000_7dbc1a520044aece"
    # annotation ids order the sets (49 = A before 50 = B), whatever the export's order
    a, b = (read_gold_file(tmp_path / "g" / "double" / f"{aid}.{x}.yaml") for x in "ab")
    assert dumps(a.claims) == dumps(gold.double[aid][0].claims)
    assert dumps(b.claims) == dumps(gold.double[aid][1].claims)
    assert a.labelled_by == "Label Studio user 1 (annotation 49)"
    [row] = double_agreement_rows(imp, tmp_path / "g")
    [ref] = [r for r in double_agreement(gold) if r.articles == [aid]]
    assert (row.n_first, row.n_second, row.matched, row.f1, row.kappa, row.quote_spans) == (
        ref.n_first, ref.n_second, ref.matched, ref.f1, ref.kappa, ref.quote_spans)
    assert (row.n_first, row.n_second) == (28, 25)  # gold/README.md, Agreement (000)


def test_ground_truth_annotation_becomes_the_gold_file(tmp_path: Path):
    export = tmp_path / "e.json"
    export.write_text(json.dumps(_double_export(1)), encoding="utf-8")
    r = runner.invoke(app, ["gold", "import-label-studio", str(export), "-o", str(tmp_path / "g"), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["articles"] == out["double"] == ["000_7dbc1a520044aece"] and out["claims"] == 25
    assert (out["agreement"][0]["n_first"], out["agreement"][0]["n_second"]) == (28, 25)
    g = read_gold_file(tmp_path / "g" / "articles" / "000_7dbc1a520044aece.gold.yaml")
    assert g.labelled_by == "Label Studio user 2 (annotation 50)"
    assert check_gold_dir(tmp_path / "g").problems == []
    r = runner.invoke(app, ["gold", "import-label-studio", str(export), "-o", str(tmp_path / "g2")])
    assert r.exit_code == 0 and "claims: first 28, second 25, matched" in r.output


def test_read_export_accepts_the_export_list(tmp_path: Path):
    p = tmp_path / "e.json"
    p.write_text(json.dumps(_export([])), encoding="utf-8")
    assert read_export(p)[0]["id"] == 9


def test_choice_and_textarea_controls_cover_every_claim_field():
    paths = {v[0] for v in CHOICES.values()} | {v[0] for v in TEXTAREAS.values()}
    regions = {"quote", "quote_span", "claimant.text", "claimant.span", "cue", "grounded"}
    fields = {f for f in GoldClaim.model_fields if f != "claimant"} | {f"claimant.{f}" for f in Claim.model_fields["claimant"].annotation.model_fields}
    assert fields - regions == paths


def test_cluster_label_round_trips():
    c = GoldClaim.model_validate({**_claims()[0].model_dump(), "cluster": "azal-downing"})
    result, _ = claim_results([c], TEXT, "x")
    [item] = [r for r in result if r.get("from_name") == "cluster"]
    assert item["value"]["text"] == ["azal-downing"]
    claims, probs = annotation_claims(result, TEXT, "w")
    assert probs == [] and dumps(claims) == dumps([c])
