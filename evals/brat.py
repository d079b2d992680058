"""brat standoff <-> gold files, so attribution corpora (PARC, PolNeAR) can be used as gold.

An attribution in brat is a Content text-bound annotation linked to a Source and a
Cue, written either as relations (``R1\\tSOURCE Arg1:T3 Arg2:T1``, Arg1 = Content,
Arg2 = Source/Cue; relation type names are case-insensitive) or as an event
(``E1\\tAttribution:T2 Source:T1 Content:T3``; the trigger is taken as the cue when
there is no Cue role). Each attribution becomes one claim: quote = Content,
claimant = Source (type unknown, name = the source text), cue = Cue, statement = the
content text; attribution and certainty stay None unless attribute lines
(``A1\\tCertainty T3 hedged``, ``Attribution``, ``ClaimantType``) give them.

Discontinuous spans (``T1\\tContent 0 5;10 20\\t...``) and roles given by several
text-bounds (PolNeAR's ``Content`` + ``Content2``) become one span from the first start
to the last end: the schema has contiguous spans only, so the quote then also covers
the gap between the fragments. ``links`` keeps the fragments for span scoring. The
line format itself (continued text fields included) is ``claims.kernel.brat``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from claims.evals.gold import _gold_root, read_gold_file, write_gold_file
from claims.kernel.articles import decode_text
from claims.kernel.brat import BratError, Standoff, TextBound, Writer, parse
from claims.kernel.io import atomic_write_bytes, atomic_write_text
from claims.kernel.schema import Attribution, Certainty, Claim, Claimant, ClaimantType, Cue, GoldArticle, Span, text_sha256

__all__ = ["BratDocument", "BratError", "Link", "export_brat", "gold_to_ann", "import_brat", "import_documents", "links", "parse_ann"]


@dataclass
class Link:
    """One attribution: its Content, Source and Cue text-bounds (a role may hold several,
    e.g. PolNeAR's ``Content`` + ``Content2`` for a content interrupted by its source)
    and the attribute lines on its Content and Source."""

    content: list[TextBound]
    source: list[TextBound] = field(default_factory=list)
    cue: list[TextBound] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)
    source_attrs: dict[str, str] = field(default_factory=dict)

    def fragments(self, role: str) -> list[tuple[int, int]]:
        """The role's fragments in text order (each a contiguous span, as a tagger sees them)."""
        return sorted(f for tb in getattr(self, role) for f in tb.fragments)


def _role(name: str) -> str | None:
    r = re.sub(r"\d+$", "", name).lower()
    return r if r in ("source", "cue", "content") else None


def links(ann: Standoff) -> list[Link]:
    """The attributions of a parsed .ann file, in order of their Content.

    Relations: ``SOURCE``/``CUE`` (any case) link a Content (either argument) to its
    Source/Cue. Events: the roles name Content, Source and Cue (digits dropped, so
    ``Content2`` is more Content); the trigger is the cue when no Cue role is given. An
    event with no Content role (PolNeAR has editor leftovers: a bare trigger, or a
    duplicate of a complete event) links nothing; a Content
    no line links is an attribution with no source or cue.
    """
    tbs = ann.textbounds
    by_content: dict[str, dict[str, list[str]]] = {}
    for r in ann.relations:
        role = _role(r.type)
        if role not in ("source", "cue"):
            continue  # other relations are not attributions
        t1, t2 = tbs[r.arg1], tbs[r.arg2]
        content, other = (t2, t1) if _role(t1.type) in ("source", "cue") and _role(t2.type) == "content" else (t1, t2)
        by_content.setdefault(content.id, {}).setdefault(role, []).append(other.id)
    for e in ann.events:
        got: dict[str, list[str]] = {}
        for name, tid in e.roles:
            r = _role(name)
            if r:
                got.setdefault(r, []).append(tid)
        if "content" not in got:
            continue  # no Content: an unfinished (or duplicated) event, no attribution
        first, *more = got["content"]
        link = by_content.setdefault(first, {})
        link["more"] = more
        if "source" in got:
            link["source"] = got["source"]
        link["cue"] = got.get("cue", [e.trigger])
    for tb in tbs.values():
        if _role(tb.type) == "content" and not any(tb.id in v.get("more", ()) for v in by_content.values()):
            by_content.setdefault(tb.id, {})
    out = []
    for cid, link in by_content.items():
        srcs = [tbs[i] for i in link.get("source", [])]
        out.append(Link(
            content=[tbs[cid]] + [tbs[i] for i in link.get("more", [])],
            source=srcs,
            cue=[tbs[i] for i in link.get("cue", [])],
            attrs=ann.attributes.get(cid, {}),
            source_attrs=ann.attributes.get(srcs[0].id, {}) if srcs else {},
        ))
    out.sort(key=lambda lk: (lk.content[0].start, lk.content[0].end))
    return out


def parse_ann(ann_text: str, text: str, where: str) -> list[Link]:
    """Parse one .ann file against its text into attributions; bad lines raise BratError naming file:line."""
    return links(parse(ann_text, text, where))


def _enum(enum: type, value: str | None):  # type: ignore[no-untyped-def]
    try:
        return enum(value) if value is not None else None
    except ValueError:
        return None


def _span(tbs: list[TextBound]) -> tuple[int, int] | None:
    return (min(t.start for t in tbs), max(t.end for t in tbs)) if tbs else None


def ann_to_gold(article_id: str, text: str, found: list[Link], labelled_by: str) -> GoldArticle:
    """One claim per attribution; a role of several fragments or text-bounds becomes one
    span from its first start to its last end (the schema's spans are contiguous)."""
    claims: list[Claim] = []
    for lk in found:
        c = _span(lk.content)
        src = _span(lk.source)
        cue = _span(lk.cue)
        ctype = _enum(ClaimantType, lk.source_attrs.get("claimanttype"))
        claims.append(
            Claim(
                statement=text[c[0] : c[1]],
                quote=text[c[0] : c[1]],
                quote_span=Span(start=c[0], end=c[1]),
                claimant=Claimant(
                    text=text[src[0] : src[1]], span=Span(start=src[0], end=src[1]), name=text[src[0] : src[1]],
                    type=ctype or ClaimantType.unknown,
                ) if src else Claimant(),
                cue=Cue(text=text[cue[0] : cue[1]], span=Span(start=cue[0], end=cue[1])) if cue else None,
                attribution=_enum(Attribution, lk.attrs.get("attribution")),
                certainty=_enum(Certainty, lk.attrs.get("certainty")),
            )
        )
    claims.sort(key=lambda x: (x.quote_span.start, x.quote_span.end) if x.quote_span else (0, 0))
    return GoldArticle(
        article_id=article_id, text_sha256=text_sha256(text), labelled_by=labelled_by,
        guideline_version="brat", claims=claims,
    )


@dataclass(frozen=True)
class BratDocument:
    """One article text and its .ann files, one per annotator (the first is the gold)."""

    id: str
    text: Path
    annotations: tuple[tuple[str, Path], ...]


def read_document(txt: Path, ann_path: Path) -> tuple[bytes, str, list[Link]]:
    """The text's bytes, the text as loaded and the attributions of one .ann file."""
    if not txt.exists():
        raise BratError(f"{ann_path}: no text file {txt.name} for it")
    data = txt.read_bytes()
    try:
        text = decode_text(data, str(txt))
        ann_text = ann_path.read_text(encoding="utf-8")
    except (ValueError, UnicodeDecodeError) as e:
        raise BratError(f"{ann_path}: {str(e).splitlines()[0]}") from None
    return data, text, parse_ann(ann_text, text, str(ann_path))


def import_documents(docs: list[BratDocument], out: Path, labelled_by: str) -> list[GoldArticle]:
    """Each document -> ``out``/articles/<id>.txt + <id>.gold.yaml (its first annotator's
    labels); a document with several annotators also gets ``out``/double/<id>.<who>.yaml
    for every one of them, which the evaluation's ceiling compares."""
    golds = []
    for doc in docs:
        sets = []
        for who, ann_path in doc.annotations:
            data, text, found = read_document(doc.text, ann_path)
            by = f"{labelled_by} ({who})" if len(doc.annotations) > 1 else labelled_by
            sets.append((who, ann_to_gold(doc.id, text, found, by)))
        atomic_write_bytes(out / "articles" / f"{doc.id}.txt", data)
        write_gold_file(out / "articles" / f"{doc.id}.gold.yaml", sets[0][1])
        if len(sets) > 1:
            for who, g in sets:
                write_gold_file(out / "double" / f"{doc.id}.{who}.yaml", g)
        golds.append(sets[0][1])
    return golds


def import_brat(src: Path, out: Path) -> list[GoldArticle]:
    """Every <id>.txt + <id>.ann pair in ``src`` -> ``out``/articles/<id>.txt and <id>.gold.yaml."""
    if not src.is_dir():
        raise BratError(f"{src}: no such directory")
    anns = sorted(src.glob("*.ann"))
    if not anns:
        raise BratError(f"{src}: holds no .ann files")
    for a in anns:
        if not a.with_suffix(".txt").exists():
            raise BratError(f"{a}: no text file {a.with_suffix('.txt').name} beside it")
    docs = [BratDocument(a.stem, a.with_suffix(".txt"), (("", a),)) for a in anns]
    return import_documents(docs, out, f"brat import: {src}")


def gold_to_ann(gold: GoldArticle, text: str) -> str:
    """T lines for Content/Source/Cue (Source/Cue shared when spans coincide), R lines linking them,
    A lines for the labels brat has no place for. Ungrounded claims are skipped."""
    w = Writer(text)
    for c in gold.claims:
        if c.quote_span is None:
            continue
        # a Content is never shared: two claims on one span (different claimants) stay two
        t_c = w.textbound("Content", ((c.quote_span.start, c.quote_span.end),), shared=False)
        if c.attribution is not None:
            w.attribute("Attribution", t_c, c.attribution.value)
        if c.certainty is not None:
            w.attribute("Certainty", t_c, c.certainty.value)
        for kind, span in (("Source", c.claimant.span), ("Cue", c.cue.span if c.cue else None)):
            if span is None:
                continue
            t_o = w.textbound(kind, ((span.start, span.end),))
            w.relation(kind.upper(), t_c, t_o)
            if kind == "Source" and c.claimant.type != ClaimantType.unknown:
                w.attribute("ClaimantType", t_o, c.claimant.type.value)
    return w.render()


def export_brat(gold_dir: Path, out: Path) -> int:
    """Gold dir -> ``out``/<id>.txt + <id>.ann. Returns the number of articles written."""
    art = _gold_root(gold_dir) / "articles"
    files = sorted(art.glob("*.gold.yaml")) if art.is_dir() else []
    if not files:
        raise BratError(f"{gold_dir}: no gold files (expected articles/*.gold.yaml)")
    for gf in files:
        gold = read_gold_file(gf)
        txt = art / f"{gold.article_id}.txt"
        if not txt.exists():
            raise BratError(f"{gf}: no article text {txt.name} beside it")
        data = txt.read_bytes()
        try:
            text = decode_text(data, str(txt))
        except ValueError as e:
            raise BratError(str(e)) from None
        atomic_write_bytes(out / txt.name, data)
        atomic_write_text(out / f"{gold.article_id}.ann", gold_to_ann(gold, text))
    return len(files)
