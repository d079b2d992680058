"""Writing a LINKS_DIR: ``clusters.jsonl``, ``claims.jsonld``, ``links.html``, ``manifest.json``.

Cluster records are streamed: each is written to the JSONL and JSON-LD files as it is
built; the HTML page keeps only the ``html_max`` largest linked clusters. Every file is
written beside its name and renamed when complete, so a killed job leaves no half file.
Reading them back for the link eval parses only the clusters that hold a gold article.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Collection, Iterator
from pathlib import Path

from claims.evals.links.jsonld import CONTEXT, claim_node
from claims.evals.links.link import Linking
from claims.evals.links.schema import ClusterRecord, LinkManifest
from claims.kernel.io import atomic_output, atomic_write_text
from claims.kernel.rundir import distinct

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
    """The clusters of a LINKS_DIR (or a clusters.jsonl), every member."""
    return [rec for _, rec in _cluster_lines(links_dir, None, array("q"))]


def read_clusters_for(only: Collection[str], links_dir: str | Path) -> tuple[list[ClusterRecord], int]:
    """What the link eval needs: the clusters holding a member of the ``only`` articles (the
    gold's), with just those members, and how many other articles the LINKS_DIR holds.

    A line naming none of them is never parsed: the members' ids are found with one regex
    (``"article_id":"..."`` cannot occur unescaped inside a JSON string) and counted by hash,
    so scoring the links of a million claims costs what the gold's clusters cost.
    """
    hashes: array = array("q")
    out = []
    for _, rec in _cluster_lines(links_dir, {a.encode("utf-8") for a in only}, hashes):
        rec.members = [m for m in rec.members if m.article_id in only]
        out.append(rec)
    return out, distinct(hashes)


def _unescaped(ident: bytes) -> bytes:
    """A JSON-escaped id (another writer's ``\\u00e9``) as the UTF-8 bytes it stands for."""
    if b"\\" not in ident:
        return ident
    try:
        return json.loads(b'"' + ident + b'"').encode("utf-8")
    except ValueError:
        return ident


_MEMBER_ID = re.compile(rb'"article_id"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _cluster_lines(links_dir: str | Path, only: set[bytes] | None, other: array) -> Iterator[tuple[int, ClusterRecord]]:
    """(line, record) of clusters.jsonl; with ``only``, just the lines naming one of those
    articles, the ids of every other member hashed into ``other``."""
    from pydantic import ValidationError

    from claims.evals.links.inputs import LinkInputError

    p = Path(links_dir)
    f = p if p.is_file() else p / CLUSTERS
    if not f.exists():
        raise LinkInputError(f"{p}: no {CLUSTERS}; is this a directory written by `claims link`?")
    with f.open("rb") as fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            if only is not None:
                ids = {_unescaped(i) for i in _MEMBER_ID.findall(line)}
                mine = ids & only
                other.extend(hash(i) for i in ids - mine)
                if ids and not mine:
                    continue
            try:
                yield no, ClusterRecord.model_validate_json(line)
            except ValidationError as e:
                raise LinkInputError(f"{f}:{no}: not a cluster record: {str(e).splitlines()[0]}") from None


def read_manifest(links_dir: str | Path) -> LinkManifest | None:
    p = Path(links_dir)
    f = (p.parent if p.is_file() else p) / MANIFEST
    try:
        return LinkManifest.model_validate_json(f.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
