"""Eval suites: a YAML file names the gold, the articles, the variants to run and the
thresholds; running it extracts and scores every variant and builds a leaderboard.

A suite file (``evals/suites/<name>.yaml``)::

    name: bundled
    root: ../..                  # paths below are relative to this (itself relative to the file)
    gold: gold
    articles: [gold/articles]    # default: <gold>/articles
    prompts_dir: prompts
    cache_dir: .claims-cache
    repeats: 1                   # runs per LLM variant (distinct seeds)
    thresholds: {max_drop: 0.02, max_attributed_drop: 0.05, min_f1: 0.5}
    defaults:                    # applied to every openai variant
      base_url: ${CLAIMS_BASE_URL:-http://127.0.0.1:8000/v1}
      model: fake
    variants:
      - {name: rules, backend: rules}
      - {name: claims-direct, prompt: claims-direct}

String values may use ``${VAR}`` and ``${VAR:-default}``; an unset variable without a
default is an error naming the file. The rules backend is always a leaderboard row
(added when the file does not list it): it is the baseline every prompt must beat.

Repeats: with ``repeats: N > 1`` an LLM variant runs N times with seeds
``seed + 0 .. seed + N-1`` (the seed is part of the cache key, so each repeat is its
own answer). The leaderboard shows F1 pooled over all repeats with a bootstrap CI
over articles, plus the mean and the min-max and sd of the per-repeat F1. Pooling
averages each article's counts over the repeats before resampling articles
(``evals.compare.mean_counts``): repeats are replicates within an article, the article
stays the unit of resampling.
"""

from __future__ import annotations

import json
import os
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from claims.evals.compare import mean_counts, pooled_summary
from claims.evals.evaluate import EvalOptions, ceiling_line, evaluate, floor_line, load_run_for, thresholds_of
from claims.evals.gold import load_gold
from claims.evals.matching import match_config as config
from claims.evals.metrics import FIELDS
from claims.evals.reports.leaderboard import leaderboard_markdown
from claims.evals.results import Estimate, EvalResult, LeaderboardRow, RepeatScore, SuiteResult
from claims.evals.stats import bootstrap_headline
from claims.extract import Job, cost, default_prompts_dir
from claims.kernel import yaml_safe
from claims.kernel.errors import UserError
from claims.kernel.io import atomic_write_json, atomic_write_text
from claims.kernel.rundir import iter_records, read_manifest
from claims.kernel.settings import DEFAULT_CACHE_DIR, DETERMINISTIC_BACKENDS, SUITE_PARAMETERS, BackendName, CacheMode, ExtractionSettings, make_settings


class SuiteError(UserError):
    """A suite file is missing or invalid; the message names the file."""


# --------------------------------------------------------------------------- file model


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VariantSpec(_M):
    """One row of the leaderboard: a backend, and for LLMs a prompt, model and parameters."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$", description="unique; names the run directory")
    backend: BackendName = "openai"
    prompt: str | None = Field(default=None, description="template ID (latest version) or ID@VERSION")
    model: str | None = None
    base_url: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    cache: CacheMode | None = None
    cache_dir: str | None = None
    repeats: int | None = Field(default=None, ge=1)

    @field_validator("parameters")
    @classmethod
    def _known_parameters(cls, v: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(v) - set(SUITE_PARAMETERS))
        if unknown:
            raise ValueError(f"unknown parameters {unknown}; allowed: {', '.join(SUITE_PARAMETERS)}")
        return v


class GateThresholds(_M):
    """Floors (absolute) and margins (allowed drop vs the baseline) for the gate."""

    max_drop: float = Field(default=0.02, ge=0, le=1, description="largest tolerated F1 drop vs base")
    max_attributed_drop: float | None = Field(default=None, ge=0, le=1, description="same for attributed F1 (None: not checked)")
    confidence: float = Field(default=0.95, ge=0.5, lt=1)
    min_f1: float | None = Field(default=None, ge=0, le=1)
    min_attributed_f1: float | None = Field(default=None, ge=0, le=1)


class EvalSettings(_M):
    resamples: int = Field(default=1000, ge=0)
    seed: int = 0
    quote_threshold: float | None = Field(default=None, ge=0, le=1)
    statement_threshold: float | None = Field(default=None, ge=0, le=1)
    similarity: str | dict[str, Any] | None = Field(
        default=None, description="statement similarity: lexical, embedding or judge, or {method, model, base_url, ...}")


class SuiteFile(_M):
    name: str | None = None
    description: str = ""
    root: str | None = None
    gold: str = "gold"
    articles: list[str] | None = None
    prompts_dir: str | None = None
    cache_dir: str = str(DEFAULT_CACHE_DIR)
    repeats: int = Field(default=1, ge=1)
    seed: int = 0
    jobs: int = Field(default=4, ge=1)
    prices: dict[str, dict[str, float]] | None = None
    eval: EvalSettings = Field(default_factory=EvalSettings)
    thresholds: GateThresholds = Field(default_factory=GateThresholds)
    defaults: dict[str, Any] = Field(default_factory=dict)
    variants: list[dict[str, Any]] = Field(min_length=1)


@dataclass
class Suite:
    """A loaded suite with every path resolved and every variant complete."""

    name: str
    path: Path
    root: Path
    gold: Path
    articles: list[Path]
    prompts_dir: Path | None
    cache_dir: Path
    repeats: int
    seed: int
    jobs: int
    prices: dict[str, dict[str, float]] | None
    eval: EvalSettings
    thresholds: GateThresholds
    variants: list[VariantSpec]
    description: str = ""
    notes: list[str] = field(default_factory=list)

    def variant(self, name: str) -> VariantSpec:
        for v in self.variants:
            if v.name == name:
                return v
        raise SuiteError(f"{self.path}: no variant {name!r} (variants: {', '.join(v.name for v in self.variants)})")

    def repeats_of(self, v: VariantSpec) -> int:
        return 1 if v.backend in DETERMINISTIC_BACKENDS else (v.repeats or self.repeats)

    def seeds_of(self, v: VariantSpec) -> list[int | None]:
        """One seed per repeat; a single run keeps the variant's own seed (None: none sent)."""
        n = self.repeats_of(v)
        own = v.parameters.get("seed")
        if n == 1:
            return [own]
        base = own if own is not None else self.seed
        return [base + i for i in range(n)]

    def effective_prompts_dir(self) -> Path:

        return self.prompts_dir if self.prompts_dir is not None else default_prompts_dir()


# --------------------------------------------------------------------------- loading

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def substitute(value: Any, env: dict[str, str], where: str) -> Any:
    """``${VAR}`` / ``${VAR:-default}`` in every string of a YAML tree."""
    if isinstance(value, str):
        def one(m: re.Match[str]) -> str:
            var, default = m.group(1), m.group(2)
            got = env.get(var)
            if got is None or (got == "" and default is not None):
                if default is None:
                    raise SuiteError(f"{where}: ${{{var}}} is not set (give a default with ${{{var}:-value}})")
                return default
            return got

        return _VAR.sub(one, value)
    if isinstance(value, list):
        return [substitute(v, env, where) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, env, where) for k, v in value.items()}
    return value


def default_suites_dir() -> Path:
    """./evals/suites in the working directory, else the suites shipped with the package."""
    cwd = Path.cwd() / "evals" / "suites"
    return cwd if cwd.is_dir() else Path(__file__).resolve().parent / "suites"


def suite_path(name: str, suites_dir: Path | None = None) -> Path:
    """A suite by name (``bundled`` -> evals/suites/bundled.yaml) or by file path."""
    p = Path(name)
    if p.suffix in (".yaml", ".yml") or len(p.parts) > 1:
        if not p.is_file():
            raise SuiteError(f"{p}: suite file not found")
        return p
    folder = suites_dir or default_suites_dir()
    for ext in (".yaml", ".yml"):
        if (folder / f"{name}{ext}").is_file():
            return folder / f"{name}{ext}"
    known = ", ".join(sorted(q.stem for q in folder.glob("*.y*ml"))) or "none"
    raise SuiteError(f"{folder / (name + '.yaml')}: no suite {name!r} (known: {known})")


def list_suites(suites_dir: Path | None = None) -> list[Path]:
    folder = suites_dir or default_suites_dir()
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml")) if folder.is_dir() else []


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    loc = ".".join(str(x) for x in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def load_suite(name: str | Path, suites_dir: Path | None = None, env: dict[str, str] | None = None) -> Suite:
    """Read, substitute, validate and resolve a suite; SuiteError names the file and the problem."""

    path = suite_path(str(name), suites_dir)
    try:
        raw = yaml_safe.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SuiteError(f"{path}: invalid YAML{where}: {getattr(e, 'problem', None) or e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SuiteError(f"{path}: cannot read: {e}") from None
    if not isinstance(raw, dict):
        raise SuiteError(f"{path}: a suite file must be a YAML mapping")
    data = substitute(raw, dict(os.environ) if env is None else env, str(path))
    try:
        sf = SuiteFile.model_validate(data)
    except ValidationError as e:
        raise SuiteError(f"{path}: {_first_error(e)}") from None

    base = path.resolve().parent
    root = (base / sf.root).resolve() if sf.root else base

    def at(p: str) -> Path:
        return (root / p) if not Path(p).is_absolute() else Path(p)

    variants: list[VariantSpec] = []
    notes: list[str] = []
    for i, raw_v in enumerate(sf.variants):
        if not isinstance(raw_v, dict):
            raise SuiteError(f"{path}: variants.{i}: must be a mapping")
        merged = dict(raw_v)
        if merged.get("backend", "openai") == "openai":
            merged = {**sf.defaults, **raw_v}
            merged["parameters"] = {**(sf.defaults.get("parameters") or {}), **(raw_v.get("parameters") or {})}
        try:
            v = VariantSpec.model_validate(merged)
        except ValidationError as e:
            label = raw_v.get("name", i)
            raise SuiteError(f"{path}: variant {label}: {_first_error(e)}") from None
        if v.backend == "openai":
            missing = [k for k in ("prompt", "model") if not getattr(v, k)]
            if missing:
                raise SuiteError(f"{path}: variant {v.name}: an openai variant needs {' and '.join(missing)}")
        elif v.prompt or v.model or v.parameters or v.base_url:
            raise SuiteError(f"{path}: variant {v.name}: the {v.backend} backend takes no prompt, model, base_url or parameters")
        variants.append(v)
    names = [v.name for v in variants]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise SuiteError(f"{path}: duplicate variant names {dup}")
    if not any(v.backend == "rules" for v in variants):
        name = "rules" if "rules" not in names else "rules-baseline"
        variants.insert(0, VariantSpec(name=name, backend="rules"))
        notes.append("the rules backend was added as the baseline row")
    gold = at(sf.gold)
    articles = [at(a) for a in sf.articles] if sf.articles else [gold / "articles"]
    return Suite(
        name=sf.name or path.stem, path=path, root=root, gold=gold, articles=articles,
        prompts_dir=at(sf.prompts_dir) if sf.prompts_dir else None, cache_dir=at(sf.cache_dir),
        repeats=sf.repeats, seed=sf.seed, jobs=sf.jobs, prices=sf.prices, eval=sf.eval,
        thresholds=sf.thresholds, variants=variants, description=sf.description.strip(), notes=notes,
    )


# --------------------------------------------------------------------------- running


@dataclass
class VariantRun:
    """One extraction + evaluation of one variant repeat."""

    variant: VariantSpec
    repeat: int
    seed: int | None
    run_dir: Path
    result: EvalResult
    manifest: dict[str, Any]


@dataclass
class RunOptions:
    cache: str | None = None  # overrides every LLM variant's cache mode
    cache_dir: Path | None = None
    prompts_dir: Path | None = None  # overrides the suite's (the gate's base uses the old templates)
    include_text: bool = False  # article texts in results (for HTML reports)
    log: Callable[[str], None] | None = None


def match_config(suite: Suite) -> Any:
    from claims.evals.matching import build_similarity

    sim = build_similarity(suite.eval.similarity) if suite.eval.similarity is not None else None
    return config(suite.eval.quote_threshold, suite.eval.statement_threshold, similarity=sim)


def eval_options(suite: Suite, *, include_text: bool = False) -> Any:

    return EvalOptions(match=match_config(suite), resamples=suite.eval.resamples, seed=suite.eval.seed,
                       confidence=suite.thresholds.confidence, floor=False, ceiling=False, include_text=include_text)


def variant_settings(suite: Suite, v: VariantSpec, seed: int | None, opts: RunOptions) -> ExtractionSettings:
    """The extraction settings of one variant repeat (a suite file is settings plus a grid)."""
    if v.backend in DETERMINISTIC_BACKENDS:
        return make_settings(backend=v.backend)
    params = {k: val for k, val in v.parameters.items() if k != "seed"}
    return make_settings(
        backend="openai", model=v.model, base_url=v.base_url, prompt=v.prompt,
        prompts_dir=opts.prompts_dir or suite.prompts_dir, cache=opts.cache or v.cache or "on",
        cache_dir=opts.cache_dir or (suite.root / v.cache_dir if v.cache_dir else suite.cache_dir),
        seed=seed, **{"jobs": suite.jobs, **params},
    )


def build_backend(suite: Suite, v: VariantSpec, seed: int | None, opts: RunOptions, gold_texts: dict[str, str] | None) -> Any:
    from claims.extract import build_backend as build  # on demand: start-up time

    settings = variant_settings(suite, v, seed, opts)
    if not settings.is_llm:
        return build(settings)
    return build(settings, gold_texts=gold_texts, price_table=suite.prices)


def run_dir_of(out: Path, v: VariantSpec, repeat: int, n: int) -> Path:
    return out / v.name if n == 1 else out / v.name / f"r{repeat + 1}"


def run_variant(
    suite: Suite, v: VariantSpec, repeat: int, seed: int | None, run_dir: Path, gold: Any, opts: RunOptions,
    *, backend: Any = None, reuse: bool = False,
) -> VariantRun:
    """Extract (unless ``reuse``: the run directory already holds a complete matching run) and score."""

    be = backend if backend is not None else build_backend(suite, v, seed, opts, gold.texts)
    if not reuse:
        def extra(m: dict[str, Any]) -> dict[str, Any]:
            stats = getattr(be, "run_stats", None)
            if callable(stats):
                m["backend_stats"] = stats()
            m["suite"] = {"suite": suite.name, "variant": v.name, "repeat": repeat + 1, "seed": seed}
            return m

        job = Job(inputs=[str(a) for a in suite.articles], run_dir=run_dir, backend=be, jobs=suite.jobs,
                  overwrite=True, command=["claims", "suite", "run", suite.name], manifest_extra=extra)
        summary = job.run()
        if summary.status == "interrupted":
            raise KeyboardInterrupt
    manifest = read_manifest(run_dir)
    result = evaluate(gold, load_run_for(gold, run_dir), eval_options(suite, include_text=opts.include_text))
    return VariantRun(variant=v, repeat=repeat, seed=seed, run_dir=run_dir, result=result, manifest=manifest)


def run_variant_repeats(suite: Suite, v: VariantSpec, out: Path, gold: Any, opts: RunOptions) -> list[VariantRun]:
    seeds = suite.seeds_of(v)
    runs = []
    for i, seed in enumerate(seeds):
        if opts.log:
            rep = f" repeat {i + 1}/{len(seeds)} (seed {seed})" if len(seeds) > 1 else ""
            opts.log(f"{suite.name}: {v.name}{rep}")
        runs.append(run_variant(suite, v, i, seed, run_dir_of(out, v, i, len(seeds)), gold, opts))
    return runs


# --------------------------------------------------------------------------- aggregation


def pooled_result(runs: list[EvalResult], confidence: float, resamples: int, seed: int) -> EvalResult:
    """Repeat 1's result with the headline numbers pooled over every repeat (see module doc)."""

    if len(runs) == 1:
        return runs[0]
    s = pooled_summary(runs)
    headline = bootstrap_headline(mean_counts(runs), resamples=resamples, seed=seed, confidence=confidence)
    note = (f"headline scores pooled over {len(runs)} repeats (per-article counts averaged); "
            "per-article and per-claim detail is repeat 1's")
    return runs[0].model_copy(update={
        "claims": s.claims, "attributed": s.attributed, "macro_f1": s.macro_f1, "headline": headline,
        "notes": [*runs[0].notes, note],
    })


def leaderboard_row(suite: Suite, v: VariantSpec, runs: list[VariantRun]) -> LeaderboardRow:

    results = [r.result for r in runs]
    pooled = pooled_result(results, suite.thresholds.confidence, suite.eval.resamples, suite.eval.seed)
    f1s = [r.claims.f1 for r in results]
    fields: dict[str, float | None] = {}
    for f in FIELDS:
        scored = sum(r.fields[f].scored for r in results)  # type: ignore[index]
        fields[f] = (sum(r.fields[f].correct for r in results) / scored) if scored else None  # type: ignore[index]
    usage = {"requests": 0, "cache_hits": 0, "prompt_tokens": 0, "completion_tokens": 0}
    failures = claims = 0
    for r in runs:
        m = r.manifest
        u = m.get("usage", {})
        usage["requests"] += int(u.get("requests", 0))
        usage["cache_hits"] += int(u.get("cache_hits", 0))
        usage["prompt_tokens"] += int(u.get("prompt_tokens", 0)) + int(u.get("cached_prompt_tokens", 0))
        usage["completion_tokens"] += int(u.get("completion_tokens", 0)) + int(u.get("cached_completion_tokens", 0))
        failures += int(m.get("articles_failed", 0))
        claims += int(m.get("claims", 0))
    price: float | None
    if v.backend in DETERMINISTIC_BACKENDS:
        price = 0.0
    else:
        price = cost(usage, v.model or "", suite.prices) if suite.prices else None
    run0 = results[0].run
    prov = _first_provenance(runs[0].run_dir)
    sha = prov.prompt.sha256 if prov is not None and prov.prompt else None
    n = len(runs)
    return LeaderboardRow(
        name=v.name, backend=v.backend, model=run0.model, prompt=run0.prompt, prompt_sha256=sha, repeats=n,
        f1=pooled.headline["f1"], attributed_f1=pooled.headline["attributed_f1"],
        precision=pooled.claims.precision, recall=pooled.claims.recall, macro_f1=pooled.macro_f1,
        f1_mean=statistics.fmean(f1s) if n > 1 else None, f1_sd=statistics.stdev(f1s) if n > 1 else None,
        f1_min=min(f1s) if n > 1 else None, f1_max=max(f1s) if n > 1 else None,
        per_repeat=[RepeatScore(repeat=r.repeat + 1, seed=r.seed, run_dir=str(r.run_dir), f1=r.result.claims.f1,
                                attributed_f1=r.result.attributed.f1, failures=int(r.manifest.get("articles_failed", 0)))
                    for r in runs],
        fields=fields, claims=claims, failures=failures, cost_usd=price, **usage,
    )


def _first_provenance(run_dir: Path) -> Any:
    """The first record's provenance (None for an empty run): where the prompt hash lives."""
    return next((rec.provenance for rec in iter_records(run_dir)), None)


def reference_row(line: Any) -> LeaderboardRow:
    """The floor or the ceiling as a leaderboard row (no CI: they are context, not contenders)."""
    return LeaderboardRow(
        name=line.name, kind=line.name, f1=Estimate(value=line.claims.f1), attributed_f1=Estimate(value=line.attributed.f1),
        precision=line.claims.precision, recall=line.claims.recall, macro_f1=line.macro_f1, description=line.description,
    )


def run_suite(suite: Suite, out: Path, opts: RunOptions | None = None, variants: list[str] | None = None) -> tuple[SuiteResult, dict[str, list[VariantRun]]]:
    """Run every variant (or the named ones; rules always) into ``out``; write summary.json and leaderboard.md."""

    opts = opts or RunOptions()
    chosen = suite.variants
    if variants:
        for name in variants:
            suite.variant(name)  # unknown name: an error naming the file
        chosen = [v for v in suite.variants if v.name in variants or v.backend == "rules"]
    gold = load_gold(suite.gold)
    out.mkdir(parents=True, exist_ok=True)
    all_runs: dict[str, list[VariantRun]] = {}
    rows = []
    for v in chosen:
        runs = run_variant_repeats(suite, v, out / "runs", gold, opts)
        all_runs[v.name] = runs
        rows.append(leaderboard_row(suite, v, runs))
    rows.sort(key=lambda r: (-r.f1.value, r.name))
    cfg = match_config(suite)
    floor = floor_line(gold, cfg)
    ceiling = ceiling_line(gold, cfg)
    notes = list(suite.notes)
    if ceiling is None:
        notes.append("ceiling not computed: gold has no double-labelled articles (gold/double/)")
    result = SuiteResult(
        suite=suite.name, path=str(suite.path), gold=str(suite.gold), n_articles=len(gold.articles),
        n_gold_claims=sum(len(g.claims) for g in gold.articles.values()), thresholds=thresholds_of(cfg),
        resamples=suite.eval.resamples, confidence=suite.thresholds.confidence, rows=rows,
        floor=reference_row(floor), ceiling=reference_row(ceiling) if ceiling else None, notes=notes,
    )
    atomic_write_json(out / "summary.json", json.loads(result.model_dump_json()))
    atomic_write_text(out / "leaderboard.md", leaderboard_markdown(result))
    return result, all_runs
