"""Gold + run -> EvalResult: the one place that wires matching, metrics, spans and statistics.

Articles in gold but missing from the run are scored all-missed and listed; articles
in the run but not in gold are ignored with a note. A run record whose text hash
differs from the gold text is an error naming the article: its offsets refer to a
different text, so any score would be meaningless.

The floor is the `sentences` backend (every sentence a claim) run in-process on the gold
texts; the ceiling is the agreement of two independent label sets (``gold/double``),
one taken as gold and the other as prediction, with the same matcher.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claims.evals.gold import GoldSet
from claims.evals.matching import MatchConfig, prepare_claims
from claims.evals.metrics import field_scores, pooled, score_article, span_scores
from claims.evals.results import ArticleResult, BootstrapSettings, EvalResult, GoldInfo, ReferenceLine, RunInfo, Thresholds
from claims.evals.stats import ArticleCounts, bootstrap_headline
from claims.extract import build_backend, extract_articles
from claims.kernel.articles import Article
from claims.kernel.rundir import Run, RunError, load_run
from claims.kernel.schema import ArticleClaims, Claim, text_sha256

EXTRA_LISTED = 100  # ids of run articles not in gold listed in the result (all are counted)


@dataclass
class EvalOptions:
    match: MatchConfig = field(default_factory=MatchConfig)
    resamples: int = 1000
    seed: int = 0
    confidence: float = 0.95
    floor: bool = True
    ceiling: bool = True
    include_text: bool = True
    floor_backend: str = "sentences"


def thresholds_of(cfg: MatchConfig) -> Thresholds:
    sim = cfg.similarity
    return Thresholds(
        quote_dice=cfg.quote_threshold,
        statement_similarity=cfg.statement_cut,
        statement_method=sim.name,
        fact_checks=list(sim.checks),
        similarity_usage=sim.stats(),
        quote_weight=cfg.quote_weight,
        statement_weight=cfg.statement_weight,
    )


def check_hashes(gold: GoldSet, run: Run) -> None:
    for aid, rec in run.records.items():
        text = gold.texts.get(aid)
        if text is not None and rec.text_sha256 != text_sha256(text):
            raise RunError(
                f"{run.path}: article {aid!r} was extracted from a different text than gold "
                f"{gold.files.get(aid, gold.root)} (text_sha256 {rec.text_sha256[:12]}… vs {text_sha256(text)[:12]}…)"
            )


@contextmanager
def gc_paused() -> Iterator[None]:
    """Scoring allocates many small acyclic objects; cyclic GC passes over them cost half the time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def score_articles(
    gold: Mapping[str, list[Claim]],
    preds: Mapping[str, list[Claim]],
    cfg: MatchConfig,
    *,
    texts: Mapping[str, str] | None = None,
    titles: Mapping[str, str | None] | None = None,
    failed: set[str] | frozenset[str] = frozenset(),
    detail: bool = True,
) -> list[ArticleResult]:
    """Score every gold article (in gold order); an id absent from ``preds`` is all-missed.

    Every statement is prepared in one batch first: an embedding model embeds thousands
    of statements a call far faster than twenty at a time.
    """
    with gc_paused():
        prepared = prepare_all(gold, preds, cfg)
        return [
            score_article(
                aid, claims, preds.get(aid), cfg,
                title=(titles or {}).get(aid), text=(texts or {}).get(aid) if detail else None,
                failed=aid in failed, detail=detail, prepared=prepared.get(aid),
            )
            for aid, claims in gold.items()
        ]


def prepare_all(gold: Mapping[str, list[Claim]], preds: Mapping[str, list[Claim]],
                cfg: MatchConfig) -> dict[str, tuple[list[Any], list[Any]]]:
    """(predictions, gold) prepared statements per article, from one call to the similarity."""
    claims: list[Claim] = []
    spans: dict[str, tuple[int, int, int]] = {}
    for aid, g in gold.items():
        p = preds.get(aid) or []
        if not g or not p:
            continue  # nothing to compare in this article
        spans[aid] = (len(claims), len(claims) + len(p), len(claims) + len(p) + len(g))
        claims.extend(p)
        claims.extend(g)
    if not claims:
        return {}
    done = prepare_claims(cfg, claims)
    return {aid: (done[a:b], done[b:c]) for aid, (a, b, c) in spans.items()}


def reference_line(name: str, description: str, articles: list[ArticleResult]) -> ReferenceLine:
    micro, attributed, _, _, macro_f1 = pooled(articles)
    return ReferenceLine(
        name=name,  # type: ignore[arg-type]
        description=description,
        n_articles=len(articles),
        article_ids=[a.article_id for a in articles],
        claims=micro,
        attributed=attributed,
        macro_f1=macro_f1,
    )


def backend_predictions(name: str, gold: GoldSet) -> dict[str, list[Claim]]:
    """Run a backend in-process over the gold texts (cheap for rules/sentences)."""
    records = extract_articles([Article(id=aid, text=text) for aid, text in gold.texts.items()], build_backend(backend=name))
    return {r.article_id: r.claims if isinstance(r, ArticleClaims) else [] for r in records}


def floor_line(gold: GoldSet, cfg: MatchConfig, backend: str = "sentences") -> ReferenceLine:
    arts = score_articles(gold.claims_by_id(), backend_predictions(backend, gold), cfg, detail=False)
    return reference_line("floor", f"the `{backend}` backend (every sentence a claim) on the same gold", arts)


def ceiling_line(gold: GoldSet, cfg: MatchConfig) -> ReferenceLine | None:
    if not gold.double:
        return None
    arts = score_articles(*gold.label_sets(), cfg, detail=False)
    who = sorted({f"{s[0].labelled_by} vs {s[1].labelled_by}" for s in gold.double.values()})
    return reference_line(
        "ceiling", f"agreement of two independent label sets ({'; '.join(who)[:120]})", arts
    )


def load_run_for(gold: GoldSet, path: str | Path) -> Run:
    """The run as scoring needs it: the gold articles' records validated and kept, every
    other line only counted (``kernel.rundir``), so a run of millions costs what the gold costs."""
    return load_run(path, only=gold.articles.keys())


def evaluate(gold: GoldSet, run: Run, options: EvalOptions | None = None) -> EvalResult:
    opt = options or EvalOptions()
    check_hashes(gold, run)
    notes = list(run.notes)
    gold_claims = gold.claims_by_id()
    preds = {aid: rec.claims for aid, rec in run.records.items() if aid in gold_claims}
    missing = [aid for aid in gold_claims if aid not in run.records]
    # a run loaded for this gold (load_run(only=...)) counted its other articles without keeping them
    extra_kept = [aid for aid in run.records if aid not in gold_claims]
    n_extra = len(extra_kept) + run.others.records
    extra = sorted(extra_kept + run.others.sample)[:EXTRA_LISTED]
    failed = {aid for aid in run.failures if aid in gold_claims and aid not in run.records}
    if n_extra:
        notes.append(f"{n_extra} article(s) in the run are not in gold and were ignored")
    if missing:
        notes.append(f"{len(missing)} gold article(s) have no record in the run and count as all-missed")
    titles = {aid: (run.records[aid].title if aid in run.records else None) for aid in gold_claims}
    articles = score_articles(
        gold_claims, preds, opt.match, texts=gold.texts if opt.include_text else None, titles=titles, failed=failed
    )
    micro, attributed, macro_p, macro_r, macro_f1 = pooled(articles)
    with gc_paused():
        fields = field_scores(articles)
        spans = span_scores([(gold_claims[aid], preds.get(aid, [])) for aid in gold_claims])
    counts = ArticleCounts.from_articles(articles)
    headline = bootstrap_headline(counts, resamples=opt.resamples, seed=opt.seed, confidence=opt.confidence)

    floor = None
    if opt.floor:
        try:
            floor = floor_line(gold, opt.match, opt.floor_backend)
        except (ImportError, ValueError) as e:
            notes.append(f"floor not computed: the {opt.floor_backend!r} backend is unavailable ({e})")
    ceiling = ceiling_line(gold, opt.match) if opt.ceiling else None
    if opt.ceiling and ceiling is None:
        notes.append("ceiling not computed: gold has no double-labelled articles (gold/double/)")

    backend, model, prompt = run.describe()
    return EvalResult(
        run=RunInfo(path=str(run.path), backend=backend, model=model, prompt=prompt,
                    n_records=run.n_records, n_failures=run.n_failures),
        gold=GoldInfo(path=str(gold.root), n_articles=len(gold.articles),
                      n_claims=sum(len(c) for c in gold_claims.values()), n_double=len(gold.double)),
        thresholds=thresholds_of(opt.match),
        bootstrap=BootstrapSettings(resamples=opt.resamples, seed=opt.seed, confidence=opt.confidence),
        claims=micro,
        attributed=attributed,
        macro_precision=macro_p,
        macro_recall=macro_r,
        macro_f1=macro_f1,
        headline=headline,
        fields=fields,
        spans=spans,
        articles=articles,
        missing_articles=missing,
        extra_articles=extra,
        n_extra_articles=n_extra,
        failed_articles=sorted(failed),
        floor=floor,
        ceiling=ceiling,
        notes=notes,
    )
