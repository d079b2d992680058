"""The Label Studio workflow against a real Label Studio server (marker ``labelstudio``).

    claims gold label-studio-config -> a project through the REST API
    claims gold export-label-studio gold/ -> tasks.json, uploaded like the Import dialog does
    annotator A reviews every article: accepts the pre-annotations, and on one article
      edits a claim, adds one and deletes one; annotator B labels 000 independently
    the project's JSON export -> claims gold import-label-studio -> claims gold check

Run: ``CLAIMS_LABEL_STUDIO=/path/to/venv/bin/label-studio pytest -m labelstudio tests/integration``
(``.ci/run`` makes that virtualenv). Skips when there is no label-studio executable.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from claims.cli.main import app
from claims.evals.agreement import agreement
from claims.evals.gold import load_gold, read_gold_file
from claims.evals.labelstudio.tasks import claim_results
from claims.evals.matching import MatchConfig

from .label_studio_server import LabelStudio, find_label_studio, label_studio

pytestmark = [pytest.mark.labelstudio, pytest.mark.timeout(600)]

GOLD = Path(__file__).resolve().parents[2] / "gold"
EDITED = "003_6583a8e2e66f8a69"  # has emoji (non-BMP) in its text
DOUBLE = "000_7dbc1a520044aece"
runner = CliRunner()


@pytest.fixture(scope="session")
def ls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStudio]:
    """One server for the test session, stopped at its end."""
    if find_label_studio() is None:
        pytest.skip("no label-studio executable (set CLAIMS_LABEL_STUDIO; .ci/run installs one in its own venv)")
    pytest.importorskip("httpx2")
    with label_studio(tmp_path_factory.mktemp("label-studio")) as server:
        yield server


def ok(response: Any) -> Any:
    assert response.status_code < 300, f"{response.request.method} {response.request.url}: {response.status_code} {response.text[:500]}"
    return response.json() if response.content else None


def cli(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def _by_id(result: list[dict[str, Any]], rid: str, control: str) -> dict[str, Any]:
    return next(r for r in result if r.get("id") == rid and r.get("from_name") == control)


def review(result: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """What annotator A does on one article: delete claim 3, edit claim 1, add a claim."""
    out = copy.deepcopy(result)
    out = [r for r in out if r.get("id") != "claim-3" and r.get("from_id") != "claim-3"]
    _by_id(out, "claim-1", "statement")["value"]["text"] = ["A US official said a Russian system struck the plane."]
    _by_id(out, "claim-1", "certainty")["value"]["choices"] = ["asserted"]
    quote = "the international community, including aviation experts and military analysts, remains on edge"
    start = text.index(quote)
    at = {"start": start, "end": start + len(quote)}
    rid = "Hq3x_9PzLw"  # a region id as Label Studio's editor makes them
    out += [
        {"id": rid, "from_name": "span", "to_name": "text", "type": "labels", "origin": "manual",
         "value": {**at, "text": quote, "labels": ["Claim"]}},
        {"id": rid, "from_name": "statement", "to_name": "text", "type": "textarea", "origin": "manual",
         "value": {**at, "text": ["The international community remains on edge about the crash."]}},
        *({"id": rid, "from_name": name, "to_name": "text", "type": "choices", "origin": "manual",
           "value": {**at, "text": quote, "choices": [value]}}
          for name, value in (("attribution", "unattributed"), ("certainty", "asserted"), ("claimant_type", "author"))),
    ]
    return out


def test_review_in_label_studio_then_import(ls: LabelStudio, tmp_path: Path):
    cli("gold", "label-studio-config", "-o", str(tmp_path / "config.xml"))
    cli("gold", "export-label-studio", str(GOLD), "-o", str(tmp_path / "tasks.json"))
    gold = load_gold(GOLD)
    with ls.client() as http:
        project = ok(http.post("/api/projects", json={
            "title": "claims gold review", "label_config": (tmp_path / "config.xml").read_text(encoding="utf-8")}))
        pid = project["id"]
        imported = ok(http.post(f"/api/projects/{pid}/import", files={
            "file": ("tasks.json", (tmp_path / "tasks.json").read_bytes(), "application/json")}))
        assert (imported["task_count"], imported["prediction_count"]) == (5, 5)
        tasks = {t["data"]["article_id"]: t for t in ok(http.get("/api/tasks", params={"project": pid, "page_size": 100}))["tasks"]}
        assert sorted(tasks) == sorted(gold.articles)

        annotator_b = ok(http.post("/api/users/", json={
            "email": "annotator-b@example.com", "username": "annotator-b", "first_name": "Annotator", "last_name": "B"}))
        for aid, task in tasks.items():
            [pred] = ok(http.get("/api/predictions", params={"task": task["id"]}))
            result = review(pred["result"], gold.texts[aid]) if aid == EDITED else pred["result"]
            a = ok(http.post(f"/api/tasks/{task['id']}/annotations", json={"result": result, "lead_time": 42.0}))
            if aid == DOUBLE:
                ok(http.patch(f"/api/annotations/{a['id']}/", json={"ground_truth": True}))
                # B labels 000 independently: the bundled second label set
                b_result, _ = claim_results(gold.double[aid][1].claims, gold.texts[aid], aid)
                ok(http.post(f"/api/tasks/{task['id']}/annotations",
                             json={"result": b_result, "completed_by": annotator_b["id"], "lead_time": 99.0}))
        export = http.get(f"/api/projects/{pid}/export", params={"exportType": "JSON", "download_all_tasks": "true"})
        ok(export)
        (tmp_path / "export.json").write_bytes(export.content)

    out = tmp_path / "gold"
    printed = cli("gold", "import-label-studio", str(tmp_path / "export.json"), "-o", str(out))
    assert "imported 5 gold articles (152 claims) and 2 double/ label sets" in printed  # one deleted, one added
    assert "OK: 7 gold files" in cli("gold", "check", str(out))
    back = load_gold(out)

    # unchanged articles: every field of every claim, in order
    for aid in gold.articles:
        if aid != EDITED:
            assert [c.model_dump() for c in back.articles[aid].claims] == [c.model_dump() for c in gold.articles[aid].claims], aid
            assert back.articles[aid].guideline_version == "v2"
            reviewed = "" if aid == DOUBLE else gold.articles[aid].labelled_by + "; reviewed by "
            assert back.articles[aid].labelled_by.startswith(reviewed + "Label Studio user 1 (annotation ")

    # the edited article: claim 3 gone, claim 1 edited, one added in text order, the rest as they were
    before, after = gold.articles[EDITED].claims, back.articles[EDITED].claims
    assert len(after) == len(before)
    assert all(c.quote != before[3].quote or c.quote_span != before[3].quote_span for c in after)
    edited = next(c for c in after if c.quote_span == before[1].quote_span)
    assert (edited.statement, edited.certainty.value) == ("A US official said a Russian system struck the plane.", "asserted")
    assert edited.claimant == before[1].claimant and edited.cue == before[1].cue
    added = next(c for c in after if c.statement == "The international community remains on edge about the crash.")
    assert (added.claimant.type.value, added.attribution.value, added.claimant.text, added.cue) == ("author", "unattributed", None, None)
    kept = [c for c in before if c not in (before[1], before[3])]
    assert [c.model_dump() for c in after if c not in (edited, added)] == [c.model_dump() for c in kept]
    assert after.index(added) > max(k for k, c in enumerate(after) if c.quote_span.start < added.quote_span.start)

    # 000: two annotators -> double/ sets (A's, marked ground truth, is also the gold file)
    a, b = (read_gold_file(out / "double" / f"{DOUBLE}.{x}.yaml") for x in "ab")
    assert [c.model_dump() for c in a.claims] == [c.model_dump() for c in gold.articles[DOUBLE].claims]
    assert [c.model_dump() for c in b.claims] == [c.model_dump() for c in gold.double[DOUBLE][1].claims]
    assert b.labelled_by.startswith(f"Label Studio user {annotator_b['id']} ")
    ref = agreement([DOUBLE], {DOUBLE: a.claims}, {DOUBLE: b.claims}, "", MatchConfig())
    assert f"claims: first {ref.n_first}, second {ref.n_second}, matched {ref.matched}; " in printed
    assert f"F1 {ref.f1:.3f}" in printed
    agree = json.loads(runner.invoke(app, ["gold", "import-label-studio", str(tmp_path / "export.json"),
                                           "-o", str(tmp_path / "again"), "--json"]).output)["agreement"]
    assert (agree[0]["matched"], agree[0]["f1"]) == (ref.matched, ref.f1)
