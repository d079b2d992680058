"""`claims link` (cluster claims with the same truth conditions across articles) and
`claims eval-links` (score the clusters against the gold cluster labels).

Exit codes: 0 ok, 1 the eval gate failed, 2 bad input.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from claims.cli.eval_cmds import GOLD_HELP, HTML_HELP, MARKDOWN_HELP, _console, _print_machine_readable, _stdout_report


def link_cmd(
    inputs: list[Path] = typer.Argument(..., help="Run directories (claims.jsonl) and/or gold directories to link."),
    output: Path = typer.Option(..., "-o", "--output", help="LINKS_DIR to write clusters.jsonl, claims.jsonld, links.html, manifest.json."),
    similarity: str = typer.Option("lexical", "--similarity", help="Statement similarity: lexical (TF-IDF, default), embedding, token-f1 (judge: with the similarity layer)."),
    threshold: float | None = typer.Option(None, "--threshold", help="Similarity at which two statements are one claim (default: the method's calibrated value)."),
    k: int = typer.Option(10, "--neighbours", "-k", help="Candidate neighbours per claim."),
    articles: list[Path] = typer.Option([], "--articles", help="Article inputs (as given to `claims extract`) to read texts and dates from; default: the run manifest's inputs."),
    threads: int = typer.Option(0, "--threads", help="Threads for the nearest-neighbour index (0: all cores)."),
    json_out: bool = typer.Option(False, "--json", help="Print the manifest as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
) -> None:
    """Cluster claims that state the same thing across articles: who said it first, who relays whom, who denies it."""
    from claims.evals.links.inputs import read_inputs
    from claims.evals.links.link import LinkOptions, link
    from claims.evals.links.write import write_links

    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise typer.BadParameter(f"must be between 0 and 1, got {threshold}", param_hint="--threshold")
    if k < 1:
        raise typer.BadParameter("must be >= 1", param_hint="--neighbours")
    data = read_inputs(inputs, articles)
    linking = link(data, LinkOptions(similarity=similarity, threshold=threshold, k=k, threads=threads),
                   command=["claims", *sys.argv[1:]])
    write_links(linking, output)
    m = linking.manifest
    if json_out:
        sys.stdout.write(m.model_dump_json(indent=2) + "\n")
        return
    con = _console(quiet)
    con.print(f"{m.n_claims} claims from {m.n_articles} articles -> {m.n_clusters} clusters, "
              f"{m.n_linked_clusters} carried by more than one statement ({m.similarity} >= {m.threshold}, "
              f"{m.n_links} links of {m.n_candidate_pairs} candidate pairs, {m.candidates})")
    con.print(f"wrote {output}/clusters.jsonl, claims.jsonld, links.html, manifest.json")
    for note in m.notes:
        con.print(f"[dim]note: {note}[/]")


def register(app: typer.Typer) -> None:
    app.command("link")(link_cmd)
