"""`claims link` and `claims eval-links` through the real CLI, on the bundled gold articles."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "gold"

# Illustrative publication dates for the five seed articles (only 002 carries a dateline of
# its own: "2024-12-26 ... 10:21:00 AM", Baku time); the rest are assumed for the test.
DATES = {
    "000_7dbc1a520044aece": "2025-01-09",
    "001_ef5128e31d410a10": "2022-03-27",
    "002_b3ab42dc1f453a6b": "2024-12-26T10:21:00+04:00",
    "003_6583a8e2e66f8a69": "2024-12-26T21:05:00Z",
    "004_afaab937c8b4b1c2": "2024-12-26T09:40:00+00:00",
}


def claims(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "claims.cli.main", *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=check, cwd=ROOT, timeout=240)


@pytest.fixture(scope="module")
def dated_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dated") / "articles.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for txt in sorted((GOLD / "articles").glob("*.txt")):
            fh.write(json.dumps({"id": txt.stem, "text": txt.read_text(encoding="utf-8"), "published": DATES[txt.stem]}) + "\n")
    return path


@pytest.fixture(scope="module")
def gold_links(tmp_path_factory: pytest.TempPathFactory, dated_jsonl: Path) -> Path:
    out = tmp_path_factory.mktemp("links") / "gold"
    claims("link", str(GOLD), "--articles", str(dated_jsonl), "-o", str(out), "--quiet")
    return out


def _clusters(links: Path) -> list[dict]:
    return [json.loads(line) for line in (links / "clusters.jsonl").read_text(encoding="utf-8").splitlines()]


def test_link_gold_writes_every_claim_once(gold_links: Path):
    clusters = _clusters(gold_links)
    members = [(m["article_id"], m["claim_index"]) for c in clusters for m in c["members"]]
    assert len(members) == len(set(members)) == 152
    assert [c["cluster_id"] for c in clusters] == [f"c{i:06d}" for i in range(1, len(clusters) + 1)]
    sizes = [c["size"] for c in clusters]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > 5  # the AZAL downing is told many times
    manifest = json.loads((gold_links / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["n_claims"] == 152 and manifest["similarity"] == "lexical" and manifest["candidates"] == "exact"


def test_first_appearance_is_the_earliest_dated_member(gold_links: Path):
    for c in _clusters(gold_links):
        dates = [m["published"] for m in c["members"]]
        assert all(dates), "every member carries its article's date"
        first = c["first_appearance"]
        assert (first["article_id"], first["claim_index"]) == (c["members"][0]["article_id"], c["members"][0]["claim_index"])
    big = _clusters(gold_links)[0]
    # 002 (06:21 UTC) precedes 004 (09:40 UTC) and 003 (21:05 UTC) on 26 December
    assert big["first_appearance"]["article_id"] == "002_b3ab42dc1f453a6b"


def test_denial_in_the_same_cluster_is_a_conflict(gold_links: Path):
    conflicted = [c for c in _clusters(gold_links) if c["conflicts"]]
    assert conflicted
    for c in conflicted:
        certainties = {m["certainty"] for m in c["members"]}
        assert "denied" in certainties and certainties & {"asserted", "hedged"}


def test_relays_name_the_outlet_in_between(gold_links: Path):
    chains = {tuple(r["chain"]) for c in _clusters(gold_links) for r in c["relays"]}
    assert ("003_6583a8e2e66f8a69", "Reuters", "a US official") in chains
    assert ("000_7dbc1a520044aece", "Ria Novosti", "a diplomatic source") in chains
    assert ("002_b3ab42dc1f453a6b", "Caliber", "Azerbaijani government insiders") in chains


def test_jsonld_is_schema_org_claims(gold_links: Path):
    doc = json.loads((gold_links / "claims.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == "https://schema.org"
    nodes = doc["@graph"]
    assert len(nodes) == len(_clusters(gold_links))
    top = nodes[0]
    assert top["@type"] == "Claim" and top["text"]
    assert {a["@type"] for a in top["appearance"]} == {"NewsArticle"}
    assert top["firstAppearance"]["identifier"] == "002_b3ab42dc1f453a6b"
    assert any(a.get("name") == "a US official" for a in top["author"])


def test_html_view_shows_timeline_and_conflicts(gold_links: Path):
    page = (gold_links / "links.html").read_text(encoding="utf-8")
    assert "<script" not in page and "conflict" in page and "first appearance" in page and "Reuters" in page


def test_eval_links_gold_meets_goal_and_frames_it(gold_links: Path, tmp_path: Path):
    out = claims("eval-links", str(gold_links), "--gold", str(GOLD), "--json", "--resamples", "100",
                 "--markdown", str(tmp_path / "r.md"), "--html", str(tmp_path / "r.html"))
    r = json.loads(out.stdout)
    assert r["alignment"] == {"gold_claims": 152, "linked_claims": 152, "matched": 152, "spurious": 0, "missed": 0}
    assert r["scores"]["conll"] >= 0.80  # the goal with the offline default
    assert r["floor"]["muc"]["f1"] == 0.0 and r["floor"]["conll"] < r["scores"]["conll"] < r["ceiling"]["conll"]
    ci = r["headline"]["conll"]["ci"]
    assert ci["low"] <= ci["high"]
    assert r["first_appearance"]["dated_clusters"] == r["n_gold_clusters"]
    assert "CoNLL F1" in (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "this linking" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_eval_links_gate_exit_codes(gold_links: Path):
    ok = claims("eval-links", str(gold_links), "--gold", str(GOLD), "--min-conll", "0.5", "--resamples", "0", "-q")
    assert ok.returncode == 0
    bad = claims("eval-links", str(gold_links), "--gold", str(GOLD), "--min-conll", "0.99", "--resamples", "0", "-q",
                 check=False)
    assert bad.returncode == 1 and "CoNLL F1" in bad.stderr


def test_rules_run_with_dates_is_linked_and_scored(dated_jsonl: Path, tmp_path: Path):
    run, links = tmp_path / "run", tmp_path / "links"
    claims("extract", str(dated_jsonl), "-o", str(run), "--quiet")
    assert all(json.loads(line)["published"] for line in (run / "claims.jsonl").read_text(encoding="utf-8").splitlines())
    claims("link", str(run), "-o", str(links), "--quiet")
    # texts come back from the manifest's inputs, so relays are found for a run too
    assert any(r["chain"][1] == "Reuters" for c in _clusters(links) for r in c["relays"])
    r = json.loads(claims("eval-links", str(links), "--gold", str(GOLD), "--json", "--resamples", "0").stdout)
    a = r["alignment"]
    assert a["spurious"] > 0 and a["missed"] > 0 and a["matched"] + a["missed"] == 152
    assert r["floor"]["conll"] < r["scores"]["conll"] < r["ceiling"]["conll"]
    assert r["progress"] is not None and 0 < r["progress"] < 1


@pytest.mark.parametrize("args, message", [
    (["link", "no/such/run", "-o", "x"], "no such run or gold directory"),
    (["eval-links", "gold", "--gold", "gold"], "no clusters.jsonl"),
    (["link", "gold", "gold", "-o", "x"], "is also in"),
    (["link", "gold", "-o", "x", "--similarity", "judge"], "similarity layer"),
])
def test_bad_input_is_one_line_exit_2(args: list[str], message: str, tmp_path: Path):
    args = [str(tmp_path / "x") if a == "x" else a for a in args]
    r = claims(*args, check=False)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_eval_links_reads_only_the_gold_articles_clusters(gold_links: Path, tmp_path: Path):
    """A LINKS_DIR with thousands of other articles' clusters (one also joining a gold cluster)
    scores what the full read scores; the other clusters are never parsed."""
    from claims.evals.gold import load_gold
    from claims.evals.links.evaluate import LinkEvalOptions, evaluate_links
    from claims.evals.links.write import read_clusters

    lines = (gold_links / "clusters.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    stranger = dict(first["members"][0], article_id="other-x", published="2020-01-01")
    lines[0] = json.dumps(dict(first, members=[*first["members"], stranger]), ensure_ascii=False)
    single = json.loads(lines[-1])
    for i in range(3000):
        m = dict(single["members"][0], article_id=f"other{i:04d}", published=None)
        lines.append(json.dumps(dict(single, cluster_id=f"x{i}", members=[m], first_appearance=None, relays=[], conflicts=[])))
    lines.append(lines[-1][:lines[-1].index('"claim_index"')] + "\0 damaged after its member's id: never parsed")
    big = tmp_path / "big"
    big.mkdir()
    (big / "clusters.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = json.loads(claims("eval-links", str(big), "--gold", str(GOLD), "--json", "--resamples", "50").stdout)
    assert "3001 linked article(s) are not in gold and were left out" in r["notes"]
    (big / "clusters.jsonl").write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # a full read needs every line whole
    full = evaluate_links(load_gold(GOLD), read_clusters(big), links=str(big), options=LinkEvalOptions(resamples=50))
    assert r == json.loads(full.model_dump_json())
    assert r["alignment"]["matched"] == 152
