"""The attribution view of a run: one brat standoff file per article, the way attribution
corpora (PolNeAR, PARC) are distributed, so a run can be read in brat or scored with a
corpus's own tools.

Every attributed claim (not an author claim, and with a quote span) becomes Source, Cue
and Content text-bound lines and one ``Attribution`` event, written as PolNeAR writes
them: a ``T Attribution`` trigger on the cue (on the source when there is no cue) and
``E1<TAB>Attribution:T4 Source:T1 Cue:T2 Content:T3``. A claim with neither a source nor
a cue span (an agentless attribution) has nothing to link and is left out, as are author
claims. Each ``.ann`` is written beside a copy of its ``.txt``.

Conventions (``convention``):

- ``claims``: the spans exactly as the run holds them (gold/GUIDELINES.md: the quote
  without enclosing quotation marks, without a leading *that*).
- ``polnear``: the corpus's boundaries (Newell et al. 2018, measured on its train
  split): the content takes a directly preceding complementiser *that* and its
  enclosing quotation marks (with the punctuation inside them), a source written after
  its cue takes its apposition to the end of the sentence, a relative pronoun between a
  source and its cue is the source (*X, a former aide, who said*), the cue takes the
  auxiliaries, modals, negation and adverbs written directly before it (*has said*,
  *is telling*, *did not say*, *also said*) and a colon right after it, claims
  that share one cue are one attribution (the corpus labels each token once), and a
  source or cue standing inside the content splits it into fragments
  (``T3<TAB>Content 0 20;41 80``).

The texts are read from the inputs the run was made from (its manifest), or from
``inputs``; an article whose text no longer matches the run's hash is an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from claims.kernel.articles import Article, LoadFailure, LoadOptions, iter_articles
from claims.kernel.brat import Fragment, Writer
from claims.kernel.errors import UserError
from claims.kernel.io import atomic_write_bytes, atomic_write_text
from claims.kernel.rundir import CLAIMS, MANIFEST, iter_records, read_manifest
from claims.kernel.schema import ArticleClaims, Attribution, Claim, ClaimantType

CONVENTIONS: tuple[str, ...] = ("claims", "polnear")

_OPEN = "“\"‘'"
_CLOSE = {"“": "”", '"': '"', "‘": "’", "'": "'"}
_WHO = re.compile(r"[^.;:“”]{0,200}?,\s*(who|which)\s+")
_PLAIN_NAME = re.compile(r"[\w.,+=@()\[\] -]{1,200}")
_THAT_BEFORE = re.compile(r"\bthat\s+$", re.I)
# Auxiliaries, modals, negation, adverbs and an infinitive "to" written directly before
# the cue: PolNeAR's annotators keep them in it ("has said", "is telling", "also said",
# "did not say", "to declare"); measured on its train split, each is inside the cue far
# more often than outside.
_AUX_BEFORE = re.compile(
    r"(?:\b(?:has|have|had|is|are|was|were|be|been|being|can|could|may|might|must|should|will|would|did|does|do|"
    r"also|still|even|not|never|first|now|recently|later|then|already|again|long|often|once|just|to|"
    r"(?:has|have|had|is|are|was|were|did|does|do|could|would|should|can|must)n[’']t|[’'](?:s|ve|d|ll)|[a-z]+ly)\s+)+$",
    re.I,
)


def attributed(claim: Claim) -> bool:
    """A claim the article attributes to someone: it gets an attribution in brat."""
    return (
        claim.quote_span is not None
        and claim.claimant.type is not ClaimantType.author
        and claim.attribution is not Attribution.unattributed
        and (claim.claimant.span is not None or (claim.cue is not None and claim.cue.span is not None))
    )


class _Attr:
    __slots__ = ("content", "source", "cue")

    def __init__(self, content: tuple[int, int], source: Fragment | None, cue: Fragment | None) -> None:
        self.content, self.source, self.cue = content, source, cue


def _extend_quote(text: str, a: int, b: int) -> tuple[int, int]:
    """Take in the quotation marks that enclose text[a:b] (and the punctuation before the closing one)."""
    if a == 0:
        return a, b
    if text[a - 2 : a] == "''" or text[a - 2 : a] == "``":
        opener, closer, width = text[a - 2 : a], "''", 2
    elif text[a - 1] in _OPEN:
        opener, closer, width = text[a - 1], _CLOSE[text[a - 1]], 1
    else:
        return a, b
    e = b
    while e < len(text) and text[e] in ".,!?;:…":
        e += 1
    if text.startswith(closer, e):
        return a - width, e + width
    if opener in "“\"" and text.count(closer, a, b) == 0:
        return a - width, b  # the quotation goes on past the content: take the opening mark only
    return a, b


def _extend_apposition(text: str, a: int, b: int) -> Fragment:
    """A source after its cue takes the apposition that follows it, to the end of the
    sentence ("said Jon Favreau, the president's former chief speechwriter.")."""
    if not text.startswith(",", b):
        return a, b
    stop = len(text)
    for ch in "\n“\"(;":
        i = text.find(ch, b)
        if 0 <= i < stop:
            stop = i
    m = _SENTENCE_END.search(text, b, stop)
    if m:
        stop = m.start()
    e = stop
    while e > b and (text[e - 1].isspace() or text[e - 1] in ".,:"):
        e -= 1
    return (a, e) if e - b <= 200 else (a, b)


_SENTENCE_END = re.compile(r"(?<!\b[A-Z])(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bJr)(?<!\bInc)[.!?](?=\s|$)")


def _polnear(text: str, attrs: list[_Attr]) -> list[_Attr]:
    merged: dict[tuple[Fragment | None, Fragment | None], _Attr] = {}
    out: list[_Attr] = []
    for at in attrs:
        key = (at.source, at.cue)
        if at.cue is not None and key in merged:
            prev = merged[key]
            prev.content = (min(prev.content[0], at.content[0]), max(prev.content[1], at.content[1]))
            continue
        merged[key] = at
        out.append(at)
    for at in out:
        if at.source is not None and at.cue is not None and at.source[0] > at.cue[0]:
            if text[at.cue[0] : at.cue[1]].lower() == "according to" and text[at.cue[1] : at.source[0]].strip():
                # "according to a report from the SITE Intelligence Group": the corpus's source is the whole phrase
                gap = text[at.cue[1] : at.source[0]]
                at.source = (at.cue[1] + len(gap) - len(gap.lstrip()), at.source[1])
            at.source = _extend_apposition(text, *at.source)
        elif at.source is not None and at.cue is not None:
            m = _WHO.match(text, at.source[1], at.cue[0])
            if m and m.end() == at.cue[0] or (m and _AUX_BEFORE.fullmatch(text, m.end(), at.cue[0])):
                at.source = (m.start(1), m.end(1))  # "Lionel Sosa, ..., who said": the corpus's source is "who"
        a, b = _extend_quote(text, *at.content)
        m = _THAT_BEFORE.search(text, max(0, a - 12), a)
        if m:
            a = m.start()
        at.content = (a, b)
        if at.cue is not None:
            m = _AUX_BEFORE.search(text, max(0, at.cue[0] - 60), at.cue[0])
            if m and not (a <= m.start() < b):
                at.cue = (m.start(), at.cue[1])
            if text.startswith(":", at.cue[1]):
                at.cue = (at.cue[0], at.cue[1] + 1)  # "added:" (367 of 385 on train)
    return out


def _fragments(text: str, at: _Attr) -> tuple[Fragment, ...]:
    """The content minus the source and cue spans that stand inside it."""
    a, b = at.content
    cuts = sorted(s for s in (at.source, at.cue) if s is not None and a < s[1] and s[0] < b)
    frags: list[Fragment] = []
    pos = a
    for s, e in cuts:
        frags.append((pos, s))
        pos = max(pos, e)
    frags.append((pos, b))
    out = []
    for s, e in frags:
        while s < e and (text[s].isspace() or (s > a and text[s] in ",;:.—–-")):
            s += 1
        while e > s and (text[e - 1].isspace() or (e < b and text[e - 1] in ",;—–-")):
            e -= 1
        if e > s:
            out.append((s, e))
    return tuple(out) or ((a, b),)


def article_ann(claims: Iterable[Claim], text: str, convention: str = "claims") -> str:
    """One article's attributed claims as a brat .ann file."""
    if convention not in CONVENTIONS:
        raise UserError(f"unknown brat convention {convention!r}; expected one of {', '.join(CONVENTIONS)}")
    attrs = [
        _Attr(
            (c.quote_span.start, c.quote_span.end),
            (c.claimant.span.start, c.claimant.span.end) if c.claimant.span else None,
            (c.cue.span.start, c.cue.span.end) if c.cue and c.cue.span else None,
        )
        for c in claims
        if attributed(c) and c.quote_span is not None
    ]
    if convention == "polnear":
        attrs = _polnear(text, attrs)
    w = Writer(text)
    for at in attrs:
        roles: list[tuple[str, str]] = []
        if at.source is not None:
            roles.append(("Source", w.textbound("Source", (at.source,))))
        if at.cue is not None:
            roles.append(("Cue", w.textbound("Cue", (at.cue,))))
        frags = _fragments(text, at) if convention == "polnear" else (at.content,)
        roles.append(("Content", w.textbound("Content", frags, shared=False)))
        trigger = w.textbound("Attribution", (at.cue or at.source,))  # type: ignore[arg-type]
        w.event("Attribution", trigger, roles)
    return w.render()


def file_stem(article_id: str) -> str:
    """The id as a file name: itself when it is a plain name, else percent-encoded (no "/", no leading ".")."""
    if _PLAIN_NAME.fullmatch(article_id) and not article_id.startswith("."):
        return article_id
    name = quote(article_id, safe="")
    return "%2E" + name[1:] if name.startswith(".") else name


def _texts(run: Path, inputs: list[str] | None) -> tuple[list[str], LoadOptions]:
    """The inputs to read texts from: ``inputs``, else the run manifest's (with its fields)."""
    opts = LoadOptions()
    meta = read_manifest(run) if (run / MANIFEST).is_file() else {}
    cfg = meta.get("config") or {}
    opts.text_field = cfg.get("text_field", opts.text_field)
    opts.id_field = cfg.get("id_field", opts.id_field)
    if inputs:
        return inputs, opts
    found = meta.get("inputs") or []
    if not found:
        raise UserError(f"{run}: the manifest names no inputs; pass the articles with --articles")
    return list(found), opts


def export_run_brat(
    run_dir: str | Path, out_dir: str | Path, *, convention: str = "claims", inputs: list[str] | None = None
) -> dict[str, int]:
    """Write ``out_dir``/<id>.txt + <id>.ann for every article of the run; returns counts.

    The run's records are held in memory by id while the inputs stream past (a brat
    folder is for reading and scoring, not for a corpus of millions)."""
    if convention not in CONVENTIONS:
        raise UserError(f"unknown brat convention {convention!r}; expected one of {', '.join(CONVENTIONS)}")
    run, out = Path(run_dir), Path(out_dir)
    if not (run / CLAIMS).is_file():
        raise UserError(f"{run}: not a run directory (no {CLAIMS})")
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: exists and is not a directory")
    records: dict[str, ArticleClaims] = {ac.article_id: ac for ac in iter_records(run)}
    paths, opts = _texts(run, inputs)
    articles = attributions = 0
    for item in iter_articles(paths, opts):
        if isinstance(item, LoadFailure) or item.id not in records:
            continue
        ac = records.pop(item.id)
        article: Article = item
        if article.sha256 != ac.text_sha256:
            raise UserError(f"{article.source or article.id}: text differs from the one article {article.id!r} was extracted from")
        ann = article_ann(ac.claims, article.text, convention)
        name = file_stem(article.id)
        atomic_write_bytes(out / f"{name}.txt", article.text.encode("utf-8"))
        atomic_write_text(out / f"{name}.ann", ann)
        articles += 1
        attributions += ann.count("\tAttribution:")
    if records:
        missing = sorted(records)
        raise UserError(f"{run}: no text found in the inputs for {len(missing)} article(s), e.g. {missing[0]!r}; pass them with --articles")
    return {"articles": articles, "attributions": attributions}
