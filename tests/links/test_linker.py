"""The linker's parts: candidates (exact and HNSW), clusters, the fact checks and cannot-links,
dates, relays, conflicts, escaping."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from claims.evals.links.appearance import instant, order_key
from claims.evals.links.candidates import candidate_pairs, exact_neighbours
from claims.evals.links.clustering import cluster_apart, components
from claims.evals.links.inputs import mention, read_inputs
from claims.evals.links.link import LinkOptions, Linking, link
from claims.evals.links.relays import intermediaries
from claims.evals.links.similarity_seam import IdfLexical, PairChecks, load_similarity
from claims.evals.links.write import write_links
from claims.kernel.schema import ArticleClaims, Claim, Claimant, Cue, GoldArticle, Provenance, Span, text_sha256

ROOT = Path(__file__).resolve().parents[2]


def test_exact_neighbours_match_brute_force():
    rng = np.random.default_rng(1)
    v = rng.standard_normal((300, 16)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    nbrs, _ = exact_neighbours(v, 5, block=64)
    full = v @ v.T
    np.fill_diagonal(full, -np.inf)
    for r in range(300):
        assert set(nbrs[r]) == set(np.argsort(-full[r])[:5])


def test_hnsw_candidates_find_the_exact_ones():
    rng = np.random.default_rng(2)
    centres = rng.standard_normal((400, 32))
    v = (centres[rng.integers(0, 400, 5000)] + 0.1 * rng.standard_normal((5000, 32))).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    ei, ej, _, m1 = candidate_pairs(v, 5, exact_max=10_000)
    ai, aj, _, m2 = candidate_pairs(v, 5, exact_max=0, threads=1)
    assert (m1, m2) == ("exact", "hnswlib")
    exact, approx = set(zip(ei.tolist(), ej.tolist())), set(zip(ai.tolist(), aj.tolist()))
    assert len(exact & approx) / len(exact) > 0.95
    assert all(i < j for i, j in approx)


def test_gold_linking_is_the_same_through_hnsw():
    data = read_inputs([ROOT / "gold"])
    exact = link(data, LinkOptions())
    approx = link(data, LinkOptions(exact_max=0, threads=1))
    assert approx.manifest.candidates == "hnswlib"
    agree = (exact.labels[:, None] == exact.labels[None, :]) == (approx.labels[:, None] == approx.labels[None, :])
    assert agree.mean() > 0.999


def test_components_number_clusters_by_first_mention():
    labels = components(6, np.array([4, 1]), np.array([5, 3]))
    assert labels.tolist() == [0, 1, 2, 1, 3, 3]


def test_idf_lexical_ignores_words_every_claim_shares():
    sim = IdfLexical()
    st = ["The plane crashed near Aktau.", "The plane was hit by a bird.", "A bird hit the plane.", "The plane landed."]
    p = sim.prepare(st)
    s = sim.score_pairs(p, np.array([1, 0]), np.array([2, 3]))
    assert s[0] > 0.9 and s[1] < 0.2  # "plane" is in every statement: it links nothing
    v = sim.vectors(p)
    assert v.shape == (4, sim.dim) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)


def test_embedding_method_loads_offline():
    sim = load_similarity("embedding")
    p = sim.prepare(["A bird strike caused the crash.", "The crash was caused by a bird strike.", "Parliament passed the budget."])
    s = sim.score_pairs(p, np.array([0, 0]), np.array([1, 2]))
    assert s[0] > s[1]


def test_dates():
    assert instant("2024-12-26T10:21:00+04:00") == instant("2024-12-26T06:21:00Z")
    assert instant("2024-12-26") == instant("2024-12-26T00:00:00+00:00")
    assert instant("26/12/2024") is None and instant(None) is None
    assert sorted([order_key(None, 0), order_key("2024-12-27", 1), order_key("2024-12-26", 2)]) == [
        order_key("2024-12-26", 2), order_key("2024-12-27", 1), order_key(None, 0)]


def _claim(statement: str, quote_span: tuple[int, int], cue: tuple[int, int] | None = None, certainty: str = "asserted",
           who: str | None = None, kind: str = "person") -> Claim:
    return Claim(statement=statement, quote=statement, quote_span=Span(start=quote_span[0], end=quote_span[1]),
                 claimant=Claimant(text=who, name=who, type=kind), cue=Cue(text="x", span=Span(start=cue[0], end=cue[1])) if cue else None,
                 attribution="indirect", certainty=certainty)


def test_relays_from_the_cue_sentence():
    text = "Earlier news. A US official, speaking on condition of anonymity, told Reuters that the plane was hit. Later."
    cue = text.index("told")
    m = mention("a", 0, _claim("The plane was hit.", (cue + 20, cue + 37), (cue, cue + 4), who="a US official"))
    assert intermediaries(m, text) == ["Reuters"]
    assert intermediaries(m, None) == []
    own = mention("a", 0, _claim("x", (0, 5), (cue, cue + 4), who="Reuters", kind="media"))
    assert intermediaries(own, text) == []  # the claimant is never its own intermediary


def _run(tmp: Path, records: list[ArticleClaims]) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "claims.jsonl").write_text("".join(r.model_dump_json() + "\n" for r in records), encoding="utf-8")
    return tmp


def _record(aid: str, claims: list[Claim], published: str | None = None) -> ArticleClaims:
    return ArticleClaims(article_id=aid, text_sha256="0" * 64, claims=claims, published=published,
                         provenance=Provenance(backend="t", toolkit_version="0"))


def test_conflict_and_first_appearance_and_escaping(tmp_path: Path):
    evil = '<script>alert("x")</script>'
    b = _record("b", [_claim("The bridge was closed by the army.", (0, 10), who=evil)], "2025-01-02")
    b.title = evil
    run = _run(tmp_path / "run", [
        b,
        _record("a", [_claim("The army closed the bridge.", (0, 10), certainty="denied", who="the army")], "2025-01-03"),
        _record("c", [_claim("The bridge was closed by the army.", (0, 10))], "2025-01-01"),
        _record("d", [_claim("Parliament approved the budget.", (0, 10))], "2025-01-01"),
    ])
    linking = link(read_inputs([run]), LinkOptions(threshold=0.3))
    write_links(linking, tmp_path / "out")
    clusters = [json.loads(x) for x in (tmp_path / "out" / "clusters.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [c["size"] for c in clusters] == [3, 1]
    c = clusters[0]
    assert [m["article_id"] for m in c["members"]] == ["c", "b", "a"]
    assert c["first_appearance"]["article_id"] == "c"
    assert c["conflicts"][0]["denied"][0]["article_id"] == "a"
    assert c["canonical"] != "The army closed the bridge."  # a denial is not the canonical statement
    page = (tmp_path / "out" / "links.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_truncated_last_line_is_skipped_and_bad_line_named(tmp_path: Path):
    run = _run(tmp_path / "run", [_record("a", [_claim("One claim.", (0, 5))])])
    with (run / "claims.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"article_id": "b", "text_sha')
    assert [m.article_id for m in read_inputs([run]).mentions] == ["a"]
    (run / "claims.jsonl").write_text('{"article_id": 1}\n', encoding="utf-8")
    with pytest.raises(Exception, match=r"claims.jsonl:1: not a valid claims record: article_id"):
        read_inputs([run])


def test_gold_claim_takes_a_cluster_and_plain_claims():
    c = _claim("x", (0, 1))
    g = GoldArticle(article_id="a", text_sha256=text_sha256("x"), labelled_by="t", guideline_version="v2", claims=[c])
    assert g.claims[0].cluster is None
    g2 = GoldArticle.model_validate({**g.model_dump(mode="json"), "claims": [{**c.model_dump(mode="json"), "cluster": "k"}]})
    assert g2.claims[0].cluster == "k"


def test_every_bundled_gold_claim_has_a_cluster():
    from claims.evals.gold import load_gold

    gs = load_gold(ROOT / "gold")
    assert all(c.cluster for g in gs.articles.values() for c in g.claims)


# --------------------------------------------------------------------------- fact checks and cannot-links

FERRY = "people were injured when the ferry capsized off Lesbos."
FILLER = ["Parliament approved the budget on Tuesday.", "The central bank raised interest rates.",
          "A storm closed the main airport.", "The minister resigned after the vote."]


def _statements_run(tmp: Path, statements: list[tuple[str, str]]) -> Path:
    """One article per (statement, certainty), plus unrelated claims so that the IDF means something."""
    rows = [(s, c) for s, c in statements] + [(s, "asserted") for s in FILLER]
    return _run(tmp, [_record(f"a{k}", [_claim(s, (0, 5), certainty=c)]) for k, (s, c) in enumerate(rows)])


def _together(linking: Linking, a: int, b: int) -> bool:
    return bool(linking.labels[a] == linking.labels[b])


def test_a_number_conflict_is_never_linked_and_the_manifest_says_why(tmp_path: Path):
    run = _statements_run(tmp_path / "run", [(f"12 {FERRY}", "asserted"), (f"21 {FERRY}", "asserted")])
    checked = link(read_inputs([run]))
    assert not _together(checked, 0, 1)
    m = checked.manifest
    assert m.fact_checks == ["number", "date", "polarity", "antonym", "actor", "frame", "cause"]
    assert (m.n_vetoed, m.vetoes, m.n_links) == (1, {"number": 1}, 0)
    bare = link(read_inputs([run]), LinkOptions(fact_checks=False))  # the linker before the fact checks
    assert _together(bare, 0, 1) and bare.manifest.fact_checks == [] and bare.manifest.n_vetoed == 0


def test_an_assertion_and_its_denial_are_one_cluster_with_a_conflict(tmp_path: Path):
    """GUIDELINES §13 L2: a claim and its denial are one proposition with different
    certainty, whether the denial is the claim's certainty (a denied claim's statement is
    the rejected proposition) or in its wording ("did not shoot down"): one cluster, and
    the cluster shows the conflict. The polarity check opposes the pair; it does not veto it."""
    run = _statements_run(tmp_path / "run", [("Russian air defences shot down the plane over Chechnya.", "asserted"),
                                             ("Russian air defences shot down the plane over Chechnya.", "denied"),
                                             ("Russian air defences did not shoot down the plane over Chechnya.", "asserted")])
    linking = link(read_inputs([run]))
    write_links(linking, tmp_path / "out")
    assert _together(linking, 0, 1) and _together(linking, 0, 2)
    assert linking.negated.tolist()[:3] == [False, False, True]
    m = linking.manifest
    assert m.n_opposed >= 1 and "polarity" not in m.vetoes and "polarity" in m.fact_checks
    first = json.loads((tmp_path / "out" / "clusters.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert {(x["article_id"], x["certainty"]) for x in first["members"]} == {("a0", "asserted"), ("a1", "denied"),
                                                                           ("a2", "asserted")}
    assert first["canonical"] == "Russian air defences shot down the plane over Chechnya."  # not the negation
    (conflict,) = first["conflicts"]
    assert [r["article_id"] for r in conflict["affirmed"]] == ["a0"]
    assert sorted(r["article_id"] for r in conflict["denied"]) == ["a1", "a2"]


def test_a_negation_of_something_else_is_still_vetoed(tmp_path: Path):
    """"Moscow has not responded to the allegations that P" does not deny P: what it negates
    (the response) is not in P, so it is another proposition and the polarity veto stands."""
    p = "Russia is responsible for the missile fragments that struck the embassy."
    run = _statements_run(tmp_path / "run", [(p, "asserted"),
                                             (f"Moscow has not responded to the allegations that {p[0].lower()}{p[1:]}",
                                              "asserted")])
    linking = link(read_inputs([run]), LinkOptions(threshold=0.3))
    assert not _together(linking, 0, 1)
    assert linking.manifest.vetoes == {"polarity": 1} and linking.manifest.n_opposed == 0


def test_the_linking_score_reads_the_proposition_not_its_certainty():
    """GUIDELINES §13 L1, L2, L5: reporting frames, evidence frames and hedges are certainty
    and attribution, not the proposition; the lexical score leaves their words out."""
    from claims.evals.links.similarity_seam import proposition

    assert proposition("There are early signs suggesting the involvement of a Russian system.").split() == [
        "the", "involvement", "of", "a", "Russian", "system."]
    assert proposition("Early evidence pointed to Russian air defenses.") == "Russian air defenses."
    assert proposition("The plane was reportedly downed, the ministry said.").split() == ["The", "plane", "was", "downed"]
    assert proposition("According to Reuters, the plane may have been downed.").split() == [
        "the", "plane", "have", "been", "downed."]
    kept = "It was too soon to tell the cause, pointing to engine failure."  # no subject + verb at the start
    assert proposition(kept) == kept
    assert proposition("Photos of the wreckage revealed shrapnel damage.") == "Photos of the wreckage revealed shrapnel damage."
    plain, framed = "Russian air defences downed the plane.", "Early evidence suggests Russian air defences reportedly downed the plane."
    statements = [plain, framed, *FILLER]
    i, j = np.array([0]), np.array([1])
    free, literal = IdfLexical(), IdfLexical(certainty_free=False)
    assert free.score_pairs(free.prepare(statements), i, j)[0] > 0.99
    assert literal.score_pairs(literal.prepare(statements), i, j)[0] < 0.8


def test_a_bridge_does_not_join_a_vetoed_pair(tmp_path: Path):
    """"People were injured" agrees with both numbers; single link alone would chain 12 and 21."""
    run = _statements_run(tmp_path / "run", [(f"12 {FERRY}", "asserted"), (f"21 {FERRY}", "asserted"),
                                             (FERRY.capitalize(), "asserted")])
    checked = link(read_inputs([run]))
    assert not _together(checked, 0, 1) and _together(checked, 0, 2)
    assert checked.manifest.n_refused == 1
    bare = link(read_inputs([run]), LinkOptions(fact_checks=False))
    assert _together(bare, 0, 1) and _together(bare, 1, 2) and bare.manifest.n_refused == 0


def test_cluster_apart_replays_the_strongest_links_first():
    i, j = np.array([0, 1, 2, 4]), np.array([1, 2, 3, 5])
    score = np.array([0.9, 0.5, 0.8, 0.7])
    labels, refused = cluster_apart(6, i, j, score, np.array([0]), np.array([3]))
    assert labels.tolist() == [0, 0, 1, 1, 2, 2] and refused.tolist() == [False, True, False, False]
    plain, none = cluster_apart(6, i, j, score, np.array([4]), np.array([0]))  # already apart: nothing replayed
    assert plain.tolist() == components(6, i, j).tolist() and not none.any()


def test_a_cannot_link_to_another_cluster_leaves_that_cluster_whole():
    # {0..3} is torn (0 cannot join 3); 1 also cannot join 4, which is in the cluster {4, 5}:
    # that pair is apart already, and replaying {0..3} must not take 4 away from 5
    i, j = np.array([0, 1, 2, 4]), np.array([1, 2, 3, 5])
    score = np.array([0.9, 0.5, 0.8, 0.7])
    labels, refused = cluster_apart(6, i, j, score, np.array([0, 1]), np.array([3, 4]))
    assert labels.tolist() == [0, 0, 1, 1, 2, 2] and refused.tolist() == [False, True, False, False]


def test_cluster_apart_on_random_graphs():
    """On random graphs with random cannot-links: no cannot-link pair ends in one cluster,
    and the clusters are exactly the connected components of the links not refused (so
    every link kept joins its two ends)."""
    rng = np.random.default_rng(0)
    for _ in range(500):
        n = int(rng.integers(2, 40))
        m = int(rng.integers(0, 2 * n))  # sparse to dense: several components, some torn
        i, j = rng.integers(0, n, m), rng.integers(0, n, m)
        i, j = i[i != j], j[i != j]
        ci, cj = rng.integers(0, n, n // 3 + 1), rng.integers(0, n, n // 3 + 1)
        ci, cj = ci[ci != cj], cj[ci != cj]
        labels, refused = cluster_apart(n, i, j, rng.random(len(i)), ci, cj)
        assert not (labels[ci] == labels[cj]).any()
        assert labels.tolist() == components(n, i[~refused], j[~refused]).tolist()


def test_fact_checks_read_group_by_group_give_the_same_verdicts():
    statements = [f"12 {FERRY}", f"21 {FERRY}", FERRY, "Kyiv accused Moscow of the attack.", "Moscow accused Kyiv of the attack."]
    denied = np.zeros(5, dtype=bool)
    i, j = np.array([0, 0, 1, 3]), np.array([1, 2, 2, 4])
    checks = PairChecks()
    one = checks.conflicts(statements, denied, i, j, np.zeros(5, dtype=np.int64))
    split = checks.conflicts(statements, denied, i, j, np.array([0, 0, 0, 1, 1]))
    assert [c.check if c else None for c in one] == [c.check if c else None for c in split] == ["number", None, None, "actor"]
    assert PairChecks(fact_checks=False).conflicts(statements, denied, i, j, np.zeros(5, dtype=np.int64)) == [None] * 4


def test_fact_checks_in_worker_processes_agree_with_one_process():
    rng = np.random.default_rng(3)
    statements = [f"{rng.integers(2, 9)} {FERRY}" for _ in range(60)] + [f"{w} accused Moscow of the attack." for w in ("Kyiv", "Kyiv", "Minsk")]
    n = len(statements)
    i, j = np.triu_indices(n, 1)
    group = np.where(np.arange(n) < 60, 0, 1 + np.arange(n) % 3)
    denied = np.zeros(n, dtype=bool)
    serial = PairChecks(processes=1).conflicts(statements, denied, i, j, group)
    parallel = PairChecks(processes=2, parallel_min=0).conflicts(statements, denied, i, j, group)
    assert parallel == serial and sum(c is not None for c in serial) > 100
