"""Scoring a LINKS_DIR against the gold ``cluster`` labels.

1. Align: per article, the linked claims are matched one-to-one to the gold claims with
   the eval's own matcher (quote Dice and statement similarity, ``evals.matching``). A
   matched claim takes its gold claim's identity; an unmatched one stays a mention of its
   own ("twinless"), so a run that misses or invents claims is scored as coreference
   scorers score system mentions. Linking the gold claims themselves aligns each to itself.
2. Score the partition with MUC, B-cubed, CEAF-e, their CoNLL average and pairwise P/R/F1
   (``links.metrics``, equal to ``scorch``).
3. Frame it: the **floor** is the same claims each in a cluster of its own (linking that
   links nothing); the **ceiling** is the second, independent gold labelling
   (``gold/clusters/second.yaml``) over the same aligned claims, scored against the first:
   for the gold claims themselves, the two labellings' agreement; for a run, what a second
   annotator would score linking exactly the claims the run extracted. ``progress`` is how
   far the linking went from floor to ceiling on CoNLL F1.
4. Intervals: a bootstrap over gold clusters (``evals.stats``' resampling, with clusters as
   the units: a cluster crosses articles, so articles are not independent here). A unit
   drawn twice puts its second copy in a second "world", where a predicted cluster only
   joins the copies of that world, so a copy never links to itself for free.
5. First appearance: for each gold cluster with a dated member, is the first appearance
   of the linked cluster holding most of its claims in one of its earliest articles?
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field

from claims.evals.gold import GoldError, GoldSet
from claims.evals.links import metrics as M
from claims.evals.links.appearance import instant
from claims.evals.links.schema import ClusterRecord, JudgeUse, LinkManifest, Member, linker_text
from claims.evals.matching import MatchConfig, match_article
from claims.evals.results import BootstrapSettings, Estimate, GateCheck, GateResult
from claims.kernel import yaml_safe
from claims.kernel.schema import Claim

SECOND = Path("clusters") / "second.yaml"
HEADLINE = ("conll", "muc", "b_cubed", "ceaf_e", "pairwise")


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LinkScores(_M):
    conll: float
    muc: M.PRF
    b_cubed: M.PRF
    ceaf_e: M.PRF
    pairwise: M.PRF

    def f1(self, name: str) -> float:
        return self.conll if name == "conll" else getattr(self, name).f1


class Alignment(_M):
    gold_claims: int
    linked_claims: int
    matched: int = Field(description="linked claims aligned to a gold claim")
    spurious: int = Field(description="linked claims that match no gold claim (scored as mentions of their own)")
    missed: int = Field(description="gold claims no linked claim matched")


class FirstAppearance(_M):
    dated_clusters: int = Field(description="gold clusters with at least one dated member")
    found: int = Field(description="dated gold clusters with at least one member among the linked claims")
    right: int = Field(description="found clusters whose linked first appearance is in one of their earliest articles")
    across: int = Field(0, description="found clusters whose dated members were published at different times (the rest "
                                       "hold one date: any linking gets them right)")
    across_right: int = Field(0, description="of those, the clusters got right")
    wrong: list[str] = Field(default_factory=list, description="labels of the found gold clusters got wrong")
    missing: list[str] = Field(default_factory=list, description="labels of dated gold clusters no linked claim matched")


class LinkEvalResult(_M):
    links: str
    gold: str
    similarity: str | None = None
    threshold: float | None = None
    fact_checks: list[str] | None = Field(default=None, description="the fact checks the linker ran (None: no manifest)")
    judge: JudgeUse | None = Field(default=None, description="the LLM judge's band and decisions, when it took part")
    similarity_usage: dict[str, float | int | str | None] = Field(default_factory=dict, description=(
        "requests, tokens, cache hits and cost of the linker's judge or embedding server (empty offline)"))
    n_gold_clusters: int
    n_gold_linked: int = Field(description="gold clusters with more than one member")
    alignment: Alignment
    scores: LinkScores
    headline: dict[str, Estimate]
    floor: LinkScores
    ceiling: LinkScores | None = None
    ceiling_description: str | None = None
    progress: float | None = Field(default=None, description="(CoNLL - floor) / (ceiling - floor)")
    first_appearance: FirstAppearance
    bootstrap: BootstrapSettings
    gate: GateResult | None = None
    notes: list[str] = Field(default_factory=list)

    def similarity_text(self) -> str:
        return linker_text(self.similarity, self.threshold, self.fact_checks, self.judge, self.similarity_usage)


# --------------------------------------------------------------------------- alignment

Mention = tuple[str, Hashable]  # (article id, claim id within the article)


@dataclass
class Aligned:
    key: dict[Mention, str]  # gold mention -> gold label
    response: dict[Mention, str]  # aligned mention -> predicted cluster id
    pred_to_mention: dict[tuple[str, int], Mention]  # (article, claim_index) -> its mention id


def align(gold: GoldSet, clusters: list[ClusterRecord], cfg: MatchConfig | None = None, *,
          other_articles: int = 0) -> tuple[Aligned, Alignment, list[str]]:
    """``other_articles``: linked articles outside the gold that the reader counted and left
    out (``read_clusters_for``); clusters may also still hold some, which are counted here."""
    cfg = cfg or MatchConfig()
    notes: list[str] = []
    by_article: dict[str, list[tuple[int, str, Claim]]] = defaultdict(list)
    for c in clusters:
        for m in c.members:
            by_article[m.article_id].append((m.claim_index, c.cluster_id, _claim(m)))
    key = {(aid, i): g.cluster or f"{aid}#{i}" for aid, ga in gold.articles.items() for i, g in enumerate(ga.claims)}
    response: dict[Mention, str] = {}
    pred_to_mention: dict[tuple[str, int], Mention] = {}
    matched = spurious = 0
    extra = len(set(by_article) - set(gold.articles)) + other_articles
    if extra:
        notes.append(f"{extra} linked article(s) are not in gold and were left out")
    missing = [aid for aid in gold.articles if aid not in by_article]
    if missing:
        notes.append(f"{len(missing)} gold article(s) have no linked claims: their gold claims count as missed")
    for aid, ga in gold.articles.items():
        preds = sorted(by_article.get(aid, []), key=lambda x: x[0])
        pairs = match_article(ga.claims, [p[2] for p in preds], cfg).pairs
        to_gold = {p.pred_index: p.gold_index for p in pairs}
        for pos, (idx, cid, _) in enumerate(preds):
            mid: Mention = (aid, to_gold[pos]) if pos in to_gold else (aid, f"pred{idx}")
            response[mid] = cid
            pred_to_mention[aid, idx] = mid
        matched += len(pairs)
        spurious += len(preds) - len(pairs)
    n_linked = sum(len(v) for a, v in by_article.items() if a in gold.articles)
    summary = Alignment(gold_claims=len(key), linked_claims=n_linked, matched=matched, spurious=spurious,
                        missed=len(key) - matched)
    return Aligned(key, response, pred_to_mention), summary, notes


def _claim(m: Member) -> Claim:
    from claims.kernel.schema import Cue

    return Claim(statement=m.statement, quote=m.quote, quote_span=m.quote_span, claimant=m.claimant,
                 cue=Cue(text=m.cue) if m.cue else None, attribution=m.attribution, certainty=m.certainty,
                 grounded=m.quote_span is not None)


# --------------------------------------------------------------------------- scores


def scores(key: M.Partition, response: M.Partition) -> LinkScores:
    mu, b3, ce = M.muc(key, response), M.b_cubed(key, response), M.ceaf_e(key, response)
    return LinkScores(conll=(mu.f1 + b3.f1 + ce.f1) / 3, muc=mu, b_cubed=b3, ceaf_e=ce, pairwise=M.pairwise(key, response))


def _units(aligned: Aligned) -> list[tuple[list[Mention], list[Mention]]]:
    """What the bootstrap draws: each gold cluster (its gold mentions, and the linked claims
    aligned to them), and each linked claim that matches no gold claim, alone."""
    by_label: dict[str, list[Mention]] = defaultdict(list)
    for mid, lab in aligned.key.items():
        by_label[lab].append(mid)
    units = [(mids, [m for m in mids if m in aligned.response]) for mids in by_label.values()]
    units += [([], [m]) for m in aligned.response if m not in aligned.key]
    return units


def _draw(aligned: Aligned, units: list[tuple[list[Mention], list[Mention]]], w: np.ndarray) -> tuple[
        list[set[Hashable]], list[set[Hashable]]]:
    """Copy c of a unit drawn w times lives in world c; a predicted cluster is split by world."""
    key: dict[Hashable, Hashable] = {}
    resp: dict[Hashable, Hashable] = {}
    for (gold_mids, pred_mids), n in zip(units, w.astype(int).tolist()):
        for c in range(n):
            key.update({(c, m): (c, aligned.key[m]) for m in gold_mids})
            resp.update({(c, m): (c, aligned.response[m]) for m in pred_mids})
    return M.partition(key), M.partition(resp)


def bootstrap(aligned: Aligned, *, resamples: int, seed: int, confidence: float, point: LinkScores) -> dict[str, Estimate]:
    """Percentile intervals from resampling gold clusters (clusters cross articles, so articles
    are not independent units here; drawing an article twice would link its copies for free)."""
    from claims.evals.stats import percentile_interval, weight_blocks

    units = _units(aligned)
    if resamples <= 0 or not units:
        return {h: Estimate(value=point.f1(h)) for h in HEADLINE}
    draws: dict[str, list[float]] = {h: [] for h in HEADLINE}
    for block in weight_blocks(len(units), resamples, seed):
        for w in block:
            s = scores(*_draw(aligned, units, w))
            for h in HEADLINE:
                draws[h].append(s.f1(h))
    return {h: Estimate(value=point.f1(h), ci=percentile_interval(np.asarray(v), confidence)) for h, v in draws.items()}


# --------------------------------------------------------------------------- floor, ceiling, first appearance


def read_second_labelling(gold: GoldSet) -> tuple[dict[Mention, str], str] | None:
    """The second labelling (gold/clusters/second.yaml): article id -> one label per gold claim."""
    path = gold.root / SECOND
    if not path.exists():
        return None
    try:
        data = yaml_safe.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise GoldError(f"{path}: cannot read: {str(e).splitlines()[0]}") from None
    claims = data.get("claims") if isinstance(data, dict) else None
    if not isinstance(claims, dict):
        raise GoldError(f"{path}: expected a mapping 'claims: {{article id: [label, ...]}}'")
    out: dict[Mention, str] = {}
    for aid, ga in gold.articles.items():
        labels = claims.get(aid)
        if not isinstance(labels, list) or len(labels) != len(ga.claims):
            raise GoldError(f"{path}: article {aid}: expected {len(ga.claims)} labels, one per gold claim")
        out.update({(aid, i): str(lab) for i, lab in enumerate(labels)})
    return out, str(data.get("labelled_by", "a second labeller"))


def first_appearance(aligned: Aligned, clusters: list[ClusterRecord]) -> FirstAppearance:
    """Who carried it first is a question about articles: right when the first appearance of
    the linked cluster holding most of a gold cluster's claims is in one of the articles
    where that gold cluster appears earliest. When several linked clusters hold equally
    many (the linking split the gold cluster evenly), every one of them must start in an
    earliest article: which part is taken must not decide it. A gold cluster whose dated
    members all carry one date is right under any linking; ``across`` counts the others,
    where the answer can be wrong."""
    dates: dict[str, str] = {m.article_id: m.published for c in clusters for m in c.members if m.published}
    firsts = {c.cluster_id: c.first_appearance for c in clusters}
    gold_classes: dict[str, list[Mention]] = defaultdict(list)
    for mid, lab in aligned.key.items():
        gold_classes[lab].append(mid)
    dated = right = across = across_right = 0
    wrong: list[str] = []
    missing: list[str] = []
    for lab, mids in gold_classes.items():
        times = [instant(dates.get(a)) for a, _ in mids]
        known = [t for t in times if t is not None]
        if not known:
            continue
        dated += 1
        earliest = {a for (a, _), t in zip(mids, times) if t == min(known)}
        held = Counter(aligned.response[m] for m in mids if m in aligned.response)
        if not held:
            missing.append(lab)
            continue
        spread = len(set(known)) > 1
        across += spread
        top = max(held.values())
        if all((f := firsts.get(h)) is not None and f.article_id in earliest for h, n in held.items() if n == top):
            right += 1
            across_right += spread
        else:
            wrong.append(lab)
    return FirstAppearance(dated_clusters=dated, found=dated - len(missing), right=right, across=across,
                           across_right=across_right, wrong=sorted(wrong), missing=sorted(missing))


@dataclass
class LinkEvalOptions:
    match: MatchConfig | None = None
    resamples: int = 1000
    seed: int = 0
    confidence: float = 0.95


def evaluate_links(gold: GoldSet, clusters: list[ClusterRecord], *, links: str = "", similarity: str | None = None,
                   threshold: float | None = None, options: LinkEvalOptions | None = None,
                   other_articles: int = 0, manifest: LinkManifest | None = None) -> LinkEvalResult:
    """``manifest``: the LINKS_DIR's, whose similarity, fact checks, judge and usage the result repeats."""
    opt = options or LinkEvalOptions()
    if manifest is not None:
        similarity, threshold = manifest.similarity, manifest.threshold
    aligned, summary, notes = align(gold, clusters, opt.match, other_articles=other_articles)
    key = M.partition(aligned.key)
    response = M.partition(aligned.response)
    point = scores(key, response)
    floor = scores(key, [{m} for m in aligned.response])
    ceiling, who = None, None
    second = read_second_labelling(gold)
    if second is not None:
        # the second labeller's clusters over the same aligned claims (a claim matching no gold claim stays alone)
        theirs = {m: second[0].get(m, ("alone", m)) for m in aligned.response}  # type: ignore[call-overload]
        ceiling = scores(key, M.partition(theirs))
        who = f"second independent labelling ({second[1]}) of the same claims, scored against the first"
    else:
        notes.append(f"ceiling not computed: no {gold.root / SECOND}")
    progress = None
    if ceiling is not None and ceiling.conll > floor.conll:
        progress = (point.conll - floor.conll) / (ceiling.conll - floor.conll)
    return LinkEvalResult(
        links=links, gold=str(gold.root), similarity=similarity, threshold=threshold,
        fact_checks=manifest.fact_checks if manifest is not None else None,
        judge=manifest.judge if manifest is not None else None,
        similarity_usage=manifest.similarity_usage if manifest is not None else {},
        n_gold_clusters=len(key), n_gold_linked=sum(1 for k in key if len(k) > 1),
        alignment=summary, scores=point,
        headline=bootstrap(aligned, resamples=opt.resamples, seed=opt.seed, confidence=opt.confidence, point=point),
        floor=floor, ceiling=ceiling, ceiling_description=who, progress=progress,
        first_appearance=first_appearance(aligned, clusters),
        bootstrap=BootstrapSettings(resamples=opt.resamples, seed=opt.seed, confidence=opt.confidence),
        notes=notes,
    )


def link_gate(result: LinkEvalResult, *, min_conll: float | None = None, min_progress: float | None = None,
              first_appearance: bool = False) -> GateResult:
    """Absolute floors a suite can hold a linker to: CoNLL F1, the share of the way from floor to
    ceiling, and (optionally) every dated gold cluster's first appearance right."""
    checks: list[GateCheck] = []

    def check(name: str, label: str, value: float, minimum: float) -> None:
        ok = value >= minimum
        checks.append(GateCheck(name=name, passed=ok, value=value, threshold=minimum,  # type: ignore[arg-type]
                                message=f"{label} {value:.4f} {'>=' if ok else '<'} minimum {minimum:.4f}"))

    if min_conll is not None:
        check("min_conll", "CoNLL F1", result.scores.conll, min_conll)
    if min_progress is not None:
        check("min_progress", "progress from floor to ceiling", result.progress if result.progress is not None else 0.0,
              min_progress)
    if first_appearance:
        fa = result.first_appearance
        check("first_appearance", f"first appearance right ({fa.right}/{fa.found} dated gold clusters found)",
              fa.right / fa.found if fa.found else 1.0, 1.0)
    return GateResult(passed=all(c.passed for c in checks), checks=checks)
