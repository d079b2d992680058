"""The pre-merge gate for prompt changes: old templates (at a git ref) vs the working tree.

1. ``git diff --name-only REF`` (plus untracked files) under the suite's prompts folder
   lists what changed; the whole prompts folder at REF is materialised into a temporary
   folder with ``git show REF:path`` (templates and the example files they reference).
2. Each LLM variant's template is loaded from both folders; a variant whose template
   hash differs (the hash covers the template, its examples and the schema text) is
   gated, the others are reported as unchanged (``all_variants`` gates them anyway).
3. The base side is a stored run with exactly the base provenance (backend, model,
   prompt hash, parameters) when one exists under the search folders, otherwise it is
   re-run (the response cache makes that cheap); the head side is run.
4. ``evals.compare.compare_repeats`` + ``evals.gate.run_gate`` with the suite's
   thresholds decide; Markdown and HTML reports come from ``evals.reports``.

Errors (bad suite, git failure, unknown ref) are ``GateError`` (exit 2).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from claims.evals.compare import compare_repeats
from claims.evals.evaluate import ceiling_line, floor_line
from claims.evals.gate import run_gate
from claims.evals.gold import load_gold
from claims.evals.reports import write_reports
from claims.evals.reports.markdown import md_code, md_text, to_markdown
from claims.evals.results import EvalResult
from claims.evals.suite import RunOptions, Suite, VariantRun, VariantSpec, build_backend, match_config, pooled_result, run_dir_of, run_variant
from claims.extract import PromptError, load_template
from claims.kernel.articles import Article, iter_articles
from claims.kernel.errors import UserError
from claims.kernel.rundir import load_run


class GateError(UserError):
    """The gate could not run: git failed, the ref is unknown, a template is broken."""


def git(args: list[str], cwd: Path, *, binary: bool = False) -> Any:
    try:
        p = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise GateError("git is not installed (the gate needs it to read the base templates)") from None
    if p.returncode != 0:
        msg = p.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GateError(f"git {' '.join(args)} failed in {cwd}: {msg[-1] if msg else 'exit ' + str(p.returncode)}")
    return p.stdout if binary else p.stdout.decode("utf-8")


def repo_root(path: Path) -> Path:
    return Path(git(["rev-parse", "--show-toplevel"], path).strip())


def verify_ref(repo: Path, ref: str) -> str:
    try:
        return git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], repo).strip()
    except GateError:
        raise GateError(f"{repo}: unknown git ref {ref!r}") from None


def changed_files(repo: Path, ref: str, rel: str) -> list[str]:
    """Files under ``rel`` that differ between REF and the working tree (staged, unstaged, untracked)."""
    diff = git(["diff", "--name-only", ref, "--", rel], repo).split("\n")
    new = git(["ls-files", "--others", "--exclude-standard", "--", rel], repo).split("\n")
    return sorted({f for f in diff + new if f.strip()})


def materialise(repo: Path, ref: str, rel: str, dest: Path) -> Path:
    """The prompts folder as it was at REF, written under ``dest`` (empty when it did not exist)."""
    dest.mkdir(parents=True, exist_ok=True)
    names = [n for n in git(["ls-tree", "-r", "-z", "--name-only", ref, "--", rel], repo).split("\0") if n]
    for name in names:
        target = dest / Path(name).relative_to(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(git(["show", f"{ref}:{name}"], repo, binary=True))
    return dest


@dataclass
class VariantOutcome:
    name: str
    status: Literal["gated", "unchanged", "new"]
    base_sha: str | None = None
    head_sha: str | None = None
    base_source: str | None = None  # "stored <dir>" or "re-run"
    result: EvalResult | None = None  # head (pooled over repeats) with comparison and gate attached

    @property
    def passed(self) -> bool:
        return self.result is None or self.result.gate is None or self.result.gate.passed


@dataclass
class SuiteGateResult:
    suite: str
    ref: str
    commit: str
    changed: list[str]
    outcomes: list[VariantOutcome] = field(default_factory=list)
    reports: dict[str, Path] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes)


# --------------------------------------------------------------------------- stored runs


def _article_hashes(suite: Suite) -> dict[str, str]:

    return {a.id: a.sha256 for a in iter_articles([str(p) for p in suite.articles]) if isinstance(a, Article)}


def find_stored_run(search: list[Path], provenance: dict[str, Any], articles: dict[str, str]) -> Path | None:
    """A complete run made with exactly this provenance over exactly these article texts."""
    for folder in search:
        if not folder.is_dir():
            continue
        for manifest in sorted(folder.glob("**/manifest.json")):
            try:
                m = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if m.get("provenance") != provenance or m.get("status") != "complete" or m.get("articles_failed"):
                continue
            try:  # only the suite's articles are parsed; the count says whether there are others
                run = load_run(manifest.parent, only=articles)
            except Exception:  # an unreadable run is simply not reused
                continue
            if run.n_records == len(articles) and {a: r.text_sha256 for a, r in run.records.items()} == articles:
                return manifest.parent
    return None


# --------------------------------------------------------------------------- the gate


def _run_side(
    suite: Suite, v: VariantSpec, side_dir: Path, gold: Any, opts: RunOptions, search: list[Path], articles: dict[str, str],
    *, log: Any = None, label: str = "",
) -> tuple[list[VariantRun], str]:
    runs: list[VariantRun] = []
    sources = []
    seeds = suite.seeds_of(v)
    for i, seed in enumerate(seeds):
        be = build_backend(suite, v, seed, opts, gold.texts)
        prov = json.loads(be.provenance().model_dump_json())
        stored = find_stored_run(search, prov, articles) if search else None
        run_dir = stored or run_dir_of(side_dir, v, i, len(seeds))
        if log:
            log(f"{suite.name}: {v.name} {label}{f' repeat {i + 1}' if len(seeds) > 1 else ''}: "
                + (f"stored run {stored}" if stored else "running"))
        runs.append(run_variant(suite, v, i, seed, run_dir, gold, opts, backend=be, reuse=stored is not None))
        sources.append(f"stored {stored}" if stored else "re-run")
    return runs, ", ".join(sorted(set(sources)))


def run_suite_gate(
    suite: Suite, ref: str, out: Path, *, all_variants: bool = False, search: list[Path] | None = None,
    cache: str | None = None, cache_dir: Path | None = None, log: Any = None,
) -> SuiteGateResult:
    prompts = suite.effective_prompts_dir().resolve()
    if not prompts.is_dir():
        raise GateError(f"{suite.path}: prompts folder {prompts} not found")
    repo = repo_root(prompts)
    commit = verify_ref(repo, ref)
    rel = prompts.relative_to(repo.resolve()).as_posix()
    changed = changed_files(repo, ref, rel)
    result = SuiteGateResult(suite=suite.name, ref=ref, commit=commit, changed=changed)
    th = suite.thresholds
    gold = load_gold(suite.gold)
    cfg = match_config(suite)
    floor, ceiling = floor_line(gold, cfg), ceiling_line(gold, cfg)
    articles = _article_hashes(suite)
    search = [out / "base", *(search or [])]
    with tempfile.TemporaryDirectory(prefix="claims-gate-") as tmp:
        base_dir = materialise(repo, ref, rel, Path(tmp) / "prompts")
        for v in suite.variants:
            if v.backend != "openai":
                continue
            head_t = load_template(v.prompt or "", prompts)
            try:
                base_t = load_template(v.prompt or "", base_dir)
            except PromptError:
                base_t = None
            outcome = VariantOutcome(name=v.name, status="gated", head_sha=head_t.sha256,
                                     base_sha=base_t.sha256 if base_t else None)
            result.outcomes.append(outcome)
            if base_t is not None and base_t.sha256 == head_t.sha256 and not all_variants:
                outcome.status = "unchanged"
                continue
            head_opts = RunOptions(cache=cache, cache_dir=cache_dir, prompts_dir=prompts, include_text=True)
            head_runs, _ = _run_side(suite, v, out / "head", gold, head_opts, [], articles, log=log, label="head")
            heads = [r.result for r in head_runs]
            head = pooled_result(heads, th.confidence, suite.eval.resamples, suite.eval.seed)
            comparison = None
            if base_t is None:
                outcome.status = "new"  # nothing to compare with: only the floors apply
            else:
                base_opts = RunOptions(cache=cache, cache_dir=cache_dir, prompts_dir=base_dir)
                base_runs, outcome.base_source = _run_side(suite, v, out / "base", gold, base_opts, search, articles,
                                                           log=log, label="base")
                comparison = compare_repeats([r.result for r in base_runs], heads, resamples=suite.eval.resamples,
                                             seed=suite.eval.seed, confidence=th.confidence)
            head = head.model_copy(update={"floor": floor, "ceiling": ceiling, "comparison": comparison})
            head.gate = run_gate(head, comparison, max_drop=th.max_drop, confidence=th.confidence, min_f1=th.min_f1,
                                 min_attributed_f1=th.min_attributed_f1, max_attributed_drop=th.max_attributed_drop)
            outcome.result = head
            html = out / f"{v.name}.html"
            write_reports(head, html_path=html, json_path=out / f"{v.name}.json")
            result.reports[v.name] = html
    return result


# --------------------------------------------------------------------------- summary


def gate_markdown(g: SuiteGateResult) -> str:
    """The pull-request comment: verdict, what changed, one line per variant, then each gated variant's report."""

    verdict = "✅ passed" if g.passed else "❌ regression"
    out = [f"## Prompt gate: suite {md_code(g.suite)} vs {md_code(g.ref)} ({g.commit[:10]}) — {verdict}", ""]
    if g.changed:
        out.append("Changed under the prompts folder: " + ", ".join(md_code(f, 80) for f in g.changed[:20])
                   + (f" and {len(g.changed) - 20} more" if len(g.changed) > 20 else ""))
    else:
        out.append("No file under the prompts folder changed.")
    out += ["", "| variant | status | base F1 | head F1 | ΔF1 | Δ attr. F1 | verdict |", "|---|---|---:|---:|---:|---:|---|"]
    for o in g.outcomes:
        r = o.result
        if r is None:
            out.append(f"| {md_text(o.name)} | {o.status} (#{(o.head_sha or '')[:8]}) | | | | | – |")
            continue
        c = r.comparison
        base_f1 = f"{c.base.claims.f1:.3f}" if c else ""
        d = f"{c.delta_f1:+.3f}" if c else ""
        da = f"{c.delta_attributed_f1:+.3f}" if c else ""
        status = f"{o.status} (#{(o.base_sha or 'none')[:8]} → #{(o.head_sha or '')[:8]})"
        out.append(f"| {md_text(o.name)} | {status} | {base_f1} | {r.claims.f1:.3f} | {d} | {da} | "
                   f"{'✅ pass' if o.passed else '❌ fail'} |")
    for o in g.outcomes:
        if o.result is not None:
            out += ["", f"<details><summary>{md_text(o.name)}: {'passed' if o.passed else 'failed'}"
                    f"{' (base: ' + md_text(o.base_source) + ')' if o.base_source else ''}</summary>", "",
                    to_markdown(o.result).rstrip(), "", "</details>"]
    return "\n".join(out) + "\n"
