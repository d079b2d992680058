"""Writing a LINKS_DIR: ``clusters.jsonl``, ``claims.jsonld``, ``links.html``, ``manifest.json``.

Cluster records are streamed: each is written to the JSONL and JSON-LD files as it is
built; the HTML page keeps only the ``html_max`` largest linked clusters. Every file is
written beside its name and renamed when complete, so a killed job leaves no half file.
"""

from __future__ import annotations

import json
from pathlib import Path

from claims.evals.links.jsonld import CONTEXT, claim_node
from claims.evals.links.link import Linking
from claims.evals.links.schema import ClusterRecord, LinkManifest
from claims.kernel.io import atomic_output, atomic_write_text

CLUSTERS = "clusters.jsonl"
JSONLD = "claims.jsonld"
HTML = "links.html"
MANIFEST = "manifest.json"
HTML_MAX = 200


def write_links(linking: Linking, out_dir: str | Path, *, html_max: int = HTML_MAX) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    shown: list[ClusterRecord] = []
    singletons = 0
    with atomic_output(out / CLUSTERS) as tmp_c, atomic_output(out / JSONLD) as tmp_j, \
            open(tmp_c, "w", encoding="utf-8") as fc, open(tmp_j, "w", encoding="utf-8") as fj:
        fj.write('{"@context": "%s", "@graph": [\n' % CONTEXT)
        for n, rec in enumerate(linking.iter_clusters()):
            fc.write(rec.model_dump_json() + "\n")
            fj.write((",\n" if n else "") + json.dumps(claim_node(rec), ensure_ascii=False))
            if rec.size > 1 and len(shown) < html_max:
                shown.append(rec)
            elif rec.size == 1:
                singletons += 1
        fj.write("\n]}\n")
    from claims.evals.links.html import to_html

    atomic_write_text(out / HTML, to_html(shown, linking.manifest, singletons=singletons))
    atomic_write_text(out / MANIFEST, linking.manifest.model_dump_json(indent=2) + "\n")
    return [out / CLUSTERS, out / JSONLD, out / HTML, out / MANIFEST]


def read_clusters(links_dir: str | Path) -> list[ClusterRecord]:
    """The clusters of a LINKS_DIR (or a clusters.jsonl), for the link eval."""
    from pydantic import ValidationError

    from claims.evals.links.inputs import LinkInputError

    p = Path(links_dir)
    f = p if p.is_file() else p / CLUSTERS
    if not f.exists():
        raise LinkInputError(f"{p}: no {CLUSTERS}; is this a directory written by `claims link`?")
    out = []
    with f.open(encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(ClusterRecord.model_validate_json(line))
            except ValidationError as e:
                raise LinkInputError(f"{f}:{no}: not a cluster record: {str(e).splitlines()[0]}") from None
    return out


def read_manifest(links_dir: str | Path) -> LinkManifest | None:
    p = Path(links_dir)
    f = (p.parent if p.is_file() else p) / MANIFEST
    try:
        return LinkManifest.model_validate_json(f.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
