"""`claims link` (cluster claims with the same truth conditions across articles) and
`claims eval-links` (score the clusters against the gold cluster labels).

Exit codes: 0 ok, 1 the eval gate failed, 2 bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from claims.cli.console import console
from claims.cli.eval_cmds import GOLD_HELP, MARKDOWN_HELP, _check_bootstrap_options, _stdout_report
from claims.cli.similarity_options import SimilarityOptions, similarity_option_group


LINK_SIMILARITY_HELP = (
    "How statements are compared: lexical (TF-IDF cosine fitted on the claims linked; default), embedding "
    "(wordllama offline, or a server with --similarity-model), token-f1 (the matcher's lexical), or judge "
    "(lexical proposes and scores; an LLM decides the pairs within --judge-margin of the threshold). "
    "The fact checks veto any pair first (--no-fact-checks: off).")


@similarity_option_group(LINK_SIMILARITY_HELP)
def link_cmd(
    inputs: list[Path] = typer.Argument(..., help="Run directories (claims.jsonl) and/or gold directories to link."),
    output: Path = typer.Option(..., "-o", "--output", help="LINKS_DIR to write clusters.jsonl, claims.jsonld, links.html, manifest.json."),
    threshold: float | None = typer.Option(None, "--threshold", help=(
        "Score at which two statements are one claim (default: the method's, lexical 0.43); with --similarity judge, "
        "the centre of the band the judge decides.")),
    judge_margin: float | None = typer.Option(None, "--judge-margin", help=(
        "With --similarity judge: pairs scoring in [threshold - margin, threshold + margin) go to the judge; "
        "above, the score links them (default 0.15).")),
    k: int = typer.Option(10, "--neighbours", "-k", help="Candidate neighbours per claim."),
    articles: list[Path] = typer.Option([], "--articles", help="Article inputs (as given to `claims extract`) to read texts and dates from; default: the run manifest's inputs."),
    threads: int = typer.Option(0, "--threads", help="Threads for the nearest-neighbour index and processes for the fact checks (0: all cores)."),
    json_out: bool = typer.Option(False, "--json", help="Print the manifest as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    sim: SimilarityOptions = None,  # type: ignore[assignment]  # the --similarity* options (@similarity_option_group)
) -> None:
    """Cluster claims that state the same thing across articles: who said it first, who relays whom, who denies it.

    A pair whose numbers, dates, antonyms, actors, reporting frames or causes disagree is never linked.
    A denial, or a statement negating another, still joins what it denies: the cluster shows the conflict.
    """
    from claims.evals.links.inputs import read_inputs
    from claims.evals.links.link import LinkOptions, link
    from claims.evals.links.similarity_seam import DEFAULT_METHOD, JUDGE_MARGIN, METHODS
    from claims.evals.links.write import write_links

    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise typer.BadParameter(f"must be between 0 and 1, got {threshold}", param_hint="--threshold")
    if judge_margin is not None and not 0.0 <= judge_margin <= 1.0:
        raise typer.BadParameter(f"must be between 0 and 1, got {judge_margin}", param_hint="--judge-margin")
    if k < 1:
        raise typer.BadParameter("must be >= 1", param_hint="--neighbours")
    method = sim.similarity or DEFAULT_METHOD
    if method not in METHODS:
        raise typer.BadParameter(f"choose one of {', '.join(METHODS)}, not {method!r}", param_hint="--similarity")
    if sim.similarity_jobs < 1:
        raise typer.BadParameter("must be >= 1", param_hint="--similarity-jobs")
    server = {"model": sim.similarity_model, "base_url": sim.similarity_base_url,
              "cache_dir": str(sim.similarity_cache_dir), "jobs": sim.similarity_jobs, "price_table": sim.prices()}
    options = LinkOptions(similarity=method, threshold=threshold, k=k, threads=threads, fact_checks=sim.fact_checks,
                          judge_margin=JUDGE_MARGIN if judge_margin is None else judge_margin, server=server if method in ("embedding", "judge") else {})
    data = read_inputs(inputs, articles)
    linking = link(data, options, command=["claims", *sys.argv[1:]])
    write_links(linking, output)
    m = linking.manifest
    if json_out:
        sys.stdout.write(m.model_dump_json(indent=2) + "\n")
        return
    con = console(quiet=quiet)
    con.print(f"{m.n_claims} claims from {m.n_articles} articles -> {m.n_clusters} clusters, "
              f"{m.n_linked_clusters} carried by more than one statement ({m.similarity} >= {m.threshold}, "
              f"{m.n_links} links of {m.n_candidate_pairs} candidate pairs, {m.candidates})")
    con.print(f"similarity: {m.similarity_text()}")
    con.print(f"wrote {output}/clusters.jsonl, claims.jsonld, links.html, manifest.json")
    for note in m.notes:
        con.print(f"[dim]note: {note}[/]")


def eval_links_cmd(
    links_dir: Path = typer.Argument(..., help="LINKS_DIR written by `claims link` (holds clusters.jsonl)."),
    gold: Path = typer.Option(Path("gold"), "--gold", "-g", help=GOLD_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print the full result as JSON to stdout instead of tables."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the result to this file, the format from the extension (.json, .md, .html)."),
    markdown: Path | None = typer.Option(None, "--markdown", help=MARKDOWN_HELP),
    html: Path | None = typer.Option(None, "--html", help="Write a static HTML page of the scores to this file."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors and a failed gate's reasons."),
    min_conll: float | None = typer.Option(None, "--min-conll", help="Fail (exit 1) when CoNLL F1 is below this."),
    min_progress: float | None = typer.Option(None, "--min-progress", help="Fail when the linking is less than this share of the way from floor to ceiling."),
    first_appearance: bool = typer.Option(False, "--first-appearance/--no-first-appearance", help="Fail unless every dated gold cluster's first appearance is right."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence of the bootstrap intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap."),
    resamples: int = typer.Option(1000, "--resamples", help="Bootstrap resamples (0: no intervals)."),
) -> None:
    """Score LINKS_DIR against the gold cluster labels: MUC, B-cubed, CEAF-e, CoNLL, pairwise, floor and ceiling."""
    from claims.evals.gold import load_gold
    from claims.evals.links.evaluate import LinkEvalOptions, evaluate_links, link_gate
    from claims.evals.links.report import render, to_markdown, write_reports
    from claims.evals.links.write import read_clusters_for, read_manifest

    _check_bootstrap_options(confidence, resamples)
    md_stdout = _stdout_report(json_out, markdown)
    gs = load_gold(gold)
    manifest = read_manifest(links_dir)
    clusters, others = read_clusters_for(gs.articles.keys(), links_dir)
    result = evaluate_links(gs, clusters, links=str(links_dir), other_articles=others, manifest=manifest,
                            options=LinkEvalOptions(resamples=resamples, seed=seed, confidence=confidence))
    if min_conll is not None or min_progress is not None or first_appearance:
        result.gate = link_gate(result, min_conll=min_conll, min_progress=min_progress, first_appearance=first_appearance)
    paths = {"json_path": None, "markdown_path": None if md_stdout else markdown, "html_path": html}
    if output is not None:
        slot = {".json": "json_path", ".md": "markdown_path", ".html": "html_path"}.get(output.suffix.lower())
        if slot is None:
            raise typer.BadParameter(f"{output}: unknown report format {output.suffix or '(no extension)'!r}; "
                                     "use .json, .md or .html", param_hint="-o")
        paths[slot] = output
    write_reports(result, **paths)
    if json_out:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    elif md_stdout:
        sys.stdout.write(to_markdown(result))
    else:
        render(result, console(quiet=quiet))
    if result.gate is not None and not result.gate.passed:
        if quiet or json_out or md_stdout:
            from claims.evals.reports.terminal import render_gate

            render_gate(result.gate, console(stderr=True))
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("link")(link_cmd)
    app.command("eval-links")(eval_links_cmd)
