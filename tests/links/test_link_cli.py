"""`claims link` and `claims eval-links` through the real CLI, on the bundled gold articles;
the judge against the project's fake OpenAI server (real sockets, the official client)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from claims.kernel.schema import ArticleClaims, Claim, Claimant, Provenance, Span
from tests.fake_server import FakeOpenAIServer

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
        # a denial of the proposition (certainty) or an assertion of its negation (wording, GUIDELINES §13 L2)
        assert c["conflicts"][0]["affirmed"] and c["conflicts"][0]["denied"]
    by_certainty = [c for c in conflicted if {"denied"} < {m["certainty"] for m in c["members"]}]
    assert by_certainty and any(c["size"] > 5 for c in by_certainty)  # the AZAL downing, denied in 003


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
    (["link", "gold", "-o", "x", "--similarity", "judge"], "--similarity-model"),
])
def test_bad_input_is_one_line_exit_2(args: list[str], message: str, tmp_path: Path):
    args = [str(tmp_path / "x") if a == "x" else a for a in args]
    r = claims(*args, check=False)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_unknown_similarity_is_a_usage_error(tmp_path: Path):
    r = claims("link", "gold", "-o", str(tmp_path / "x"), "--similarity", "cosine", check=False)
    assert r.returncode == 2 and "'cosine'" in r.stderr and "Traceback" not in r.stderr


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


# --------------------------------------------------------------------------- fact checks and the judge

FERRY = "people were injured when the ferry capsized off Lesbos."
OTHERS = ["Parliament approved the budget on Tuesday.", "The central bank raised interest rates.",
          "A storm closed the main airport.", "The minister resigned after the vote.",
          "The ferry operator suspended its sailings.", "Rescuers searched the coast off Lesbos."]


def _ferry_run(root: Path) -> Path:
    """A number-conflict pair (12 / 21 injured) among unrelated claims, one article each."""
    root.mkdir(parents=True)
    statements = [f"12 {FERRY}", f"21 {FERRY}", *OTHERS]
    with (root / "claims.jsonl").open("w", encoding="utf-8") as fh:
        for k, s in enumerate(statements):
            claim = Claim(statement=s, quote=s, quote_span=Span(start=0, end=len(s)), claimant=Claimant(type="author"),
                          attribution="unattributed", certainty="asserted")
            rec = ArticleClaims(article_id=f"f{k}", text_sha256="0" * 64, claims=[claim],
                                provenance=Provenance(backend="t", toolkit_version="0"))
            fh.write(rec.model_dump_json() + "\n")
    return root


def _cluster_of(links: Path) -> dict[str, str]:
    return {m["article_id"]: c["cluster_id"] for c in _clusters(links) for m in c["members"]}


def _manifest(links: Path) -> dict[str, Any]:
    return json.loads((links / "manifest.json").read_text(encoding="utf-8"))


def test_no_fact_checks_restores_the_linker_without_them(tmp_path: Path):
    run = _ferry_run(tmp_path / "run")
    claims("link", str(run), "-o", str(tmp_path / "checked"), "--quiet")
    claims("link", str(run), "-o", str(tmp_path / "bare"), "--no-fact-checks", "--quiet")
    checked, bare = _cluster_of(tmp_path / "checked"), _cluster_of(tmp_path / "bare")
    assert checked["f0"] != checked["f1"] and bare["f0"] == bare["f1"]
    m = _manifest(tmp_path / "checked")
    assert m["fact_checks"] == ["number", "date", "polarity", "antonym", "actor", "frame", "cause"] and m["vetoes"] == {"number": 1}
    assert _manifest(tmp_path / "bare")["fact_checks"] == [] and _manifest(tmp_path / "bare")["n_vetoed"] == 0


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as srv:
        yield srv


def _pair(body: dict[str, Any]) -> tuple[str, str]:
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    found = re.match(r"Claim 1: (.*)\nClaim 2: (.*)\n", user)
    assert found, user
    return found.group(1), found.group(2)


def _judge(same: Callable[[str, str], bool]) -> Callable[[dict[str, Any]], str]:
    return lambda body: json.dumps({"same_claim": same(*_pair(body)), "reason": "test"})


def _judge_args(server: FakeOpenAIServer, cache: Path, *more: str) -> list[str]:
    return ["--similarity", "judge", "--similarity-model", "fake-judge", "--similarity-base-url", server.base_url,
            "--similarity-cache-dir", str(cache), *more]


def test_judge_decides_the_band_never_a_vetoed_pair(server: FakeOpenAIServer, tmp_path: Path):
    """A judge that says "same" to everything: every pair of the band links, except the
    number conflict, which the fact checks rule out before the judge is asked."""
    server.responder = _judge(lambda a, b: True)
    run, links = _ferry_run(tmp_path / "run"), tmp_path / "links"
    claims("link", str(run), "-o", str(links), "--quiet", *_judge_args(server, tmp_path / "cache", "--threshold", "0.5",
                                                                       "--judge-margin", "0.5"))
    m = _manifest(links)
    asked = {frozenset(_pair(r.body)) for r in server.chat_requests}
    assert m["judge"]["band"] == [0.0, 1.0] and m["judge"]["asked"] == len(asked) == m["n_candidate_pairs"] - 1
    assert m["judge"]["linked"] == m["judge"]["asked"] and m["vetoes"] == {"number": 1}
    assert not any(f"12 {FERRY}" in pair and f"21 {FERRY}" in pair for pair in asked)
    assert m["similarity_usage"]["requests"] == len(server.chat_requests) == 2 * len(asked)  # both orders
    cluster = _cluster_of(links)
    assert cluster["f0"] != cluster["f1"]  # not even through the claims both were linked to
    assert len({cluster[f"f{k}"] for k in range(2, 8)}) == 1


def test_judge_on_the_gold_claims_through_the_cli(server: FakeOpenAIServer, tmp_path: Path):
    """An oracle judge (the gold labels) decides the borderline pairs: linking gets closer to
    the ceiling than the offline score alone; requests, tokens and cost are in the manifest and
    the eval-links report; a second run is answered from the cache."""
    from claims.evals.gold import load_gold

    labels: dict[str, set[str]] = {}
    for ga in load_gold(GOLD).articles.values():
        for c in ga.claims:
            labels.setdefault(c.statement, set()).add(str(c.cluster))
    server.responder = _judge(lambda a, b: bool(labels[a] & labels[b]))
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"fake-judge": {"prompt": 1.0, "completion": 2.0}}), encoding="utf-8")
    judged, offline = tmp_path / "judged", tmp_path / "offline"
    args = _judge_args(server, tmp_path / "cache", "--price-table", str(prices), "--similarity-jobs", "8")
    claims("link", str(GOLD), "-o", str(judged), "--quiet", *args)
    claims("link", str(GOLD), "-o", str(offline), "--quiet")
    m = _manifest(judged)
    assert m["similarity"] == "lexical" and m["judge"]["method"] == "judge:fake-judge:same-claim@v1"
    low, high = m["judge"]["band"]
    assert low == pytest.approx(m["threshold"] - 0.15) and high == pytest.approx(m["threshold"] + 0.15)
    assert 0 < m["judge"]["linked"] < m["judge"]["asked"]
    usage = m["similarity_usage"]
    assert usage["requests"] == len(server.chat_requests) == 2 * m["judge"]["asked"]
    assert usage["prompt_tokens"] > 0 and usage["cost_usd"] > 0

    def conll(links: Path) -> dict[str, Any]:
        return json.loads(claims("eval-links", str(links), "--gold", str(GOLD), "--json", "--resamples", "0").stdout)

    with_judge, without = conll(judged), conll(offline)
    assert with_judge["scores"]["conll"] > without["scores"]["conll"]
    assert with_judge["judge"] == m["judge"] and with_judge["similarity_usage"]["requests"] == usage["requests"]
    assert without["judge"] is None and without["fact_checks"] == m["fact_checks"]
    text = claims("eval-links", str(judged), "--gold", str(GOLD), "--resamples", "0").stdout
    assert f"{usage['requests']} requests" in text and "judge:fake-judge" in text and "$" in text

    sent = len(server.chat_requests)
    claims("link", str(GOLD), "-o", str(tmp_path / "again"), "--quiet", *args)
    again = _manifest(tmp_path / "again")
    assert len(server.chat_requests) == sent and again["similarity_usage"]["cache_hits"] == 2 * m["judge"]["asked"]
    assert _cluster_of(tmp_path / "again") == _cluster_of(judged)
