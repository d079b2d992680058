"""brat standoff <-> gold files, so attribution corpora (PARC, PolNeAR) can be used as gold.

An attribution in brat is a Content text-bound annotation linked to a Source and a
Cue, written either as relations (``R1\\tSOURCE Arg1:T3 Arg2:T1``, Arg1 = Content,
Arg2 = Source/Cue; relation type names are case-insensitive) or as an event
(``E1\\tAttribution:T2 Source:T1 Content:T3``; the trigger is taken as the cue when
there is no Cue role). Each attribution becomes one claim: quote = Content,
claimant = Source (type unknown, name = the source text), cue = Cue, statement = the
content text; attribution and certainty stay None unless attribute lines
(``A1\\tCertainty T3 hedged``, ``Attribution``, ``ClaimantType``) give them.

Discontinuous spans (``T1\\tContent 0 5;10 20\\t...``) become one span from the first
start to the last end: the schema has contiguous spans only, so the quote then also
covers the gap between the fragments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from claims.evals.gold import GoldError, _gold_root, read_gold_file, write_gold_file
from claims.kernel.articles import decode_text
from claims.kernel.io import atomic_write_bytes, atomic_write_text
from claims.kernel.schema import Attribution, Certainty, Claim, Claimant, ClaimantType, Cue, GoldArticle, Span, text_sha256


class BratError(GoldError):
    """A .ann file cannot be read; the message names the file and line."""


@dataclass
class TextBound:
    id: str
    type: str
    start: int
    end: int
    text: str


@dataclass
class Ann:
    tbs: dict[str, TextBound] = field(default_factory=dict)
    # content id -> {"source": id, "cue": id}
    links: dict[str, dict[str, str]] = field(default_factory=dict)
    attrs: dict[str, dict[str, str]] = field(default_factory=dict)


_SPANS = re.compile(r"^\d+ \d+(;\d+ \d+)*$")
_ROLE = {"source": "source", "cue": "cue", "content": "content"}


def _role(name: str) -> str | None:
    return _ROLE.get(re.sub(r"\d+$", "", name).lower())


def parse_ann(ann_text: str, text: str, where: str) -> Ann:
    """Parse one .ann file against its text; bad lines raise BratError naming file:line."""
    ann = Ann()
    rels: list[tuple[int, str, str, str]] = []
    events: list[tuple[int, list[tuple[str, str]]]] = []
    for n, line in enumerate(ann_text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue

        def bad(msg: str) -> BratError:
            return BratError(f"{where}:{n}: {msg}: {line[:80]!r}")

        kind = line[0]
        parts = line.split("\t")
        if kind == "T":
            if len(parts) < 2:
                raise bad("text-bound line needs ID<TAB>Type start end<TAB>text")
            head = parts[1].split(" ", 1)
            if len(head) != 2 or not _SPANS.match(head[1]):
                raise bad("bad text-bound offsets")
            frags = [tuple(int(x) for x in f.split()) for f in head[1].split(";")]
            if any(s >= e or e > len(text) for s, e in frags):
                raise bad(f"offsets outside the text (length {len(text)}) or empty")
            start, end = frags[0][0], frags[-1][1]
            if len(parts) >= 3:
                want = " ".join(text[s:e] for s, e in frags)
                if " ".join(parts[2].split()) != " ".join(want.split()):
                    raise bad(f"annotation text does not match the article at those offsets ({want[:40]!r})")
            ann.tbs[parts[0]] = TextBound(parts[0], head[0], start, end, text[start:end])
        elif kind == "R":
            fields = parts[1].split() if len(parts) >= 2 else []
            args = dict(f.split(":", 1) for f in fields[1:] if ":" in f)
            if len(fields) != 3 or "Arg1" not in args or "Arg2" not in args:
                raise bad("relation line needs ID<TAB>Type Arg1:Tx Arg2:Ty")
            rels.append((n, fields[0], args["Arg1"], args["Arg2"]))
        elif kind == "E":
            fields = parts[1].split() if len(parts) >= 2 else []
            if not fields or any(":" not in f for f in fields):
                raise bad("event line needs ID<TAB>Type:Trigger Role:Tx ...")
            events.append((n, [tuple(f.split(":", 1)) for f in fields]))  # type: ignore[misc]
        elif kind == "A":
            fields = parts[1].split() if len(parts) >= 2 else []
            if len(fields) < 2:
                raise bad("attribute line needs ID<TAB>Name Target [Value]")
            ann.attrs.setdefault(fields[1], {})[fields[0].lower()] = fields[2] if len(fields) > 2 else "true"
        elif kind in "MN*":
            continue  # modifiers, normalisations, equivalences: nothing to import
        else:
            raise bad("unknown annotation line")

    def need(n: int, tid: str) -> TextBound:
        if tid not in ann.tbs:
            raise BratError(f"{where}:{n}: refers to unknown text-bound annotation {tid}")
        return ann.tbs[tid]

    for n, rtype, a1, a2 in rels:
        role = _role(rtype)
        if role not in ("source", "cue"):
            continue  # other relations are not attributions
        t1, t2 = need(n, a1), need(n, a2)
        content, other = (t2, t1) if _role(t1.type) in ("source", "cue") and _role(t2.type) == "content" else (t1, t2)
        ann.links.setdefault(content.id, {})[role] = other.id
    for n, fields in events:
        (_, trigger), roles = fields[0], fields[1:]
        need(n, trigger)
        got = {}
        for name, tid in roles:
            need(n, tid)
            r = _role(name)
            if r and r not in got:
                got[r] = tid
        if "content" not in got:
            raise BratError(f"{where}:{n}: attribution event has no Content role")
        link = ann.links.setdefault(got["content"], {})
        if "source" in got:
            link["source"] = got["source"]
        link["cue"] = got.get("cue", trigger)
    for tb in ann.tbs.values():
        if _role(tb.type) == "content":
            ann.links.setdefault(tb.id, {})
    return ann


def _enum(enum: type, value: str | None):  # type: ignore[no-untyped-def]
    try:
        return enum(value) if value is not None else None
    except ValueError:
        return None


def ann_to_gold(article_id: str, text: str, ann: Ann, labelled_by: str) -> GoldArticle:
    claims: list[Claim] = []
    for cid, link in ann.links.items():
        c = ann.tbs[cid]
        attrs = ann.attrs.get(cid, {})
        src = ann.tbs.get(link.get("source", ""))
        cue = ann.tbs.get(link.get("cue", ""))
        ctype = _enum(ClaimantType, ann.attrs.get(src.id, {}).get("claimanttype")) if src else None
        claims.append(
            Claim(
                statement=c.text,
                quote=c.text,
                quote_span=Span(start=c.start, end=c.end),
                claimant=Claimant(
                    text=src.text, span=Span(start=src.start, end=src.end), name=src.text,
                    type=ctype or ClaimantType.unknown,
                ) if src else Claimant(),
                cue=Cue(text=cue.text, span=Span(start=cue.start, end=cue.end)) if cue else None,
                attribution=_enum(Attribution, attrs.get("attribution")),
                certainty=_enum(Certainty, attrs.get("certainty")),
            )
        )
    claims.sort(key=lambda x: (x.quote_span.start, x.quote_span.end) if x.quote_span else (0, 0))
    return GoldArticle(
        article_id=article_id, text_sha256=text_sha256(text), labelled_by=labelled_by,
        guideline_version="brat", claims=claims,
    )


def import_brat(src: Path, out: Path) -> list[GoldArticle]:
    """Every <id>.txt + <id>.ann pair in ``src`` -> ``out``/articles/<id>.txt and <id>.gold.yaml."""

    if not src.is_dir():
        raise BratError(f"{src}: no such directory")
    pairs = sorted(p for p in src.glob("*.ann"))
    if not pairs:
        raise BratError(f"{src}: holds no .ann files")
    golds = []
    for ann_path in pairs:
        txt = ann_path.with_suffix(".txt")
        if not txt.exists():
            raise BratError(f"{ann_path}: no text file {txt.name} beside it")
        data = txt.read_bytes()
        try:
            text = decode_text(data, str(txt))
            ann_text = ann_path.read_text(encoding="utf-8")
        except (ValueError, UnicodeDecodeError) as e:
            raise BratError(f"{ann_path}: {str(e).splitlines()[0]}") from None
        gold = ann_to_gold(ann_path.stem, text, parse_ann(ann_text, text, str(ann_path)), f"brat import: {src}")
        atomic_write_bytes(out / "articles" / txt.name, data)
        write_gold_file(out / "articles" / f"{ann_path.stem}.gold.yaml", gold)
        golds.append(gold)
    return golds


def gold_to_ann(gold: GoldArticle) -> str:
    """T lines for Content/Source/Cue (Source/Cue shared when spans coincide), R lines linking them,
    A lines for the labels brat has no place for. Ungrounded claims are skipped."""
    lines: list[str] = []
    ids: dict[tuple[str, int, int], str] = {}
    n_rel = n_attr = 0

    def tb(kind: str, span: Span, text: str) -> str:
        # a Content is never shared: two claims on one span (different claimants) stay two
        key = (kind, span.start, span.end) if kind != "Content" else (f"Content{len(ids)}", span.start, span.end)
        if key not in ids:
            ids[key] = f"T{len(ids) + 1}"
            lines.append(f"{ids[key]}\t{kind} {span.start} {span.end}\t{' '.join(text.split())}")
        return ids[key]

    def attr(name: str, target: str, value: str) -> None:
        nonlocal n_attr
        n_attr += 1
        lines.append(f"A{n_attr}\t{name} {target} {value}")

    for c in gold.claims:
        if c.quote_span is None:
            continue
        t_c = tb("Content", c.quote_span, c.quote)
        if c.attribution is not None:
            attr("Attribution", t_c, c.attribution.value)
        if c.certainty is not None:
            attr("Certainty", t_c, c.certainty.value)
        for kind, span, text in (
            ("Source", c.claimant.span, c.claimant.text),
            ("Cue", c.cue.span if c.cue else None, c.cue.text if c.cue else None),
        ):
            if span is None or text is None:
                continue
            t_o = tb(kind, span, text)
            n_rel += 1
            lines.append(f"R{n_rel}\t{kind.upper()} Arg1:{t_c} Arg2:{t_o}")
            if kind == "Source" and c.claimant.type != ClaimantType.unknown:
                attr("ClaimantType", t_o, c.claimant.type.value)
    return "\n".join(lines) + ("\n" if lines else "")


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
        atomic_write_bytes(out / txt.name, txt.read_bytes())
        atomic_write_text(out / f"{gold.article_id}.ann", gold_to_ann(gold))
    return len(files)
