"""The links page: each linked cluster's appearances on a timeline (date, outlet, claimant,
cue, certainty, quote), an assertion and a denial of the same proposition flagged as a
conflict, and the relay chains. Static and self-contained like the eval report (it extends
the same base template); every string is autoescaped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from claims.evals.links.schema import ClusterRecord, LinkManifest

TEMPLATES = Path(__file__).parent / "templates"
REPORT_TEMPLATES = Path(__file__).parent.parent / "reports" / "templates"


def environment() -> Any:
    import jinja2

    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(TEMPLATES)), jinja2.FileSystemLoader(str(REPORT_TEMPLATES))])
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)


def to_html(clusters: list[ClusterRecord], manifest: LinkManifest, *, singletons: int = 0) -> str:
    conflicted = sum(1 for c in clusters if c.conflicts)
    return environment().get_template("links.html.j2").render(
        title="claims link", clusters=clusters, m=manifest, singletons=singletons, conflicted=conflicted)
