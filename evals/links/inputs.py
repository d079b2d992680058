"""What the linker reads: the claims of runs and gold directories, as compact mentions.

A run's ``claims.jsonl`` is streamed one record at a time (``kernel.rundir``'s reader,
each validated by the kernel's ``ArticleClaims``) and kept as slotted ``Mention``s with interned labels, so that a million
claims fit in a few hundred megabytes instead of gigabytes of Pydantic objects. A gold
directory is read with ``evals.gold``; its cluster labels are never looked at here.

Article texts, needed only to find relays (*"... told Reuters"*), come from the gold
directory, or for a run from the inputs its manifest names or ``--articles`` gives
(re-read and accepted only when the text hash matches the record's). A run's record
carries the input's ``published`` date; an older run without it, and a gold directory
(gold files carry no dates), get dates from those inputs (e.g. a JSONL with `published`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from claims.kernel.errors import UserError
from claims.kernel.rundir import CLAIMS, RunError, is_run_dir, iter_records, read_manifest
from claims.kernel.schema import Claim, Claimant, Cue, Span


class LinkInputError(UserError):
    """An input of `claims link` cannot be read; the message names it and the problem."""


@dataclass(slots=True)
class Mention:
    """One claim of one article, with just what linking and its outputs need."""

    article_id: str
    claim_index: int
    statement: str
    quote: str
    quote_span: tuple[int, int] | None
    claimant_text: str | None
    claimant_name: str | None
    claimant_type: str
    claimant_role: str | None
    cue: str | None
    cue_span: tuple[int, int] | None
    attribution: str | None
    certainty: str | None

    def claim(self) -> Claim:
        """Back to the schema's Claim (what the eval matcher aligns)."""
        return Claim(
            statement=self.statement, quote=self.quote,
            quote_span=Span(start=self.quote_span[0], end=self.quote_span[1]) if self.quote_span else None,
            claimant=Claimant(text=self.claimant_text, name=self.claimant_name, type=self.claimant_type,  # type: ignore[arg-type]
                              role=self.claimant_role),
            cue=Cue(text=self.cue) if self.cue else None,
            attribution=self.attribution, certainty=self.certainty,  # type: ignore[arg-type]
            grounded=self.quote_span is not None,
        )


@dataclass
class ArticleInfo:
    article_id: str
    source: str
    title: str | None = None
    published: str | None = None
    text: str | None = None
    text_sha256: str | None = None


@dataclass
class LinkInput:
    mentions: list[Mention] = field(default_factory=list)
    articles: dict[str, ArticleInfo] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _i(s: str | None) -> str | None:
    return sys.intern(s) if s is not None else None


def _span(s: Span | None) -> tuple[int, int] | None:
    return (s.start, s.end) if s is not None else None


def mention(article_id: str, index: int, c: Claim) -> Mention:
    return Mention(
        article_id=article_id, claim_index=index, statement=c.statement, quote=c.quote, quote_span=_span(c.quote_span),
        claimant_text=_i(c.claimant.text), claimant_name=_i(c.claimant.name), claimant_type=sys.intern(c.claimant.type.value),
        claimant_role=_i(c.claimant.role), cue=_i(c.cue.text) if c.cue else None,
        cue_span=_span(c.cue.span) if c.cue else None,
        attribution=_i(c.attribution.value) if c.attribution else None,
        certainty=_i(c.certainty.value) if c.certainty else None,
    )


def is_gold_dir(path: Path) -> bool:
    root = path.parent if path.name == "articles" else path
    return (root / "articles").is_dir() and any((root / "articles").glob("*.gold.yaml"))


def _run_dir(path: Path) -> Path:
    if path.is_file() and path.name == CLAIMS:
        return path.parent
    if not path.exists():
        raise LinkInputError(f"{path}: no such run or gold directory")
    if not is_run_dir(path):
        raise LinkInputError(f"{path}: neither a run directory (no {CLAIMS}) nor a gold directory (no articles/*.gold.yaml)")
    return path


def _manifest_inputs(run_dir: Path) -> list[Path]:
    try:
        m = read_manifest(run_dir)
    except RunError:
        return []
    inputs = m.get("inputs")
    out = []
    for p in inputs if isinstance(inputs, list) else []:
        for cand in (Path(str(p)), run_dir.parent / str(p)):
            if cand.exists():
                out.append(cand)
                break
    return out


def _fill_from_inputs(info: dict[str, ArticleInfo], inputs: Sequence[Path], notes: list[str], *, texts: bool = True) -> None:
    """Texts (and missing dates) from the inputs, for articles whose text hash matches."""
    from claims.kernel.articles import Article, iter_articles

    want = {aid for aid, a in info.items() if a.text is None or a.published is None}
    if not want or not inputs:
        return
    try:
        for item in iter_articles(inputs):
            if isinstance(item, Article) and item.id in want and info[item.id].text_sha256 == item.sha256:
                if texts:
                    info[item.id].text = item.text
                info[item.id].published = info[item.id].published or item.published
    except UserError as e:
        notes.append(f"article texts not re-read ({e}); relays are found from claim fields only")


def read_inputs(paths: Sequence[str | Path], articles: Sequence[str | Path] = ()) -> LinkInput:
    """Every claim of every input, in input order; an article id met twice is an error."""
    from claims.evals.gold import load_gold
    from claims.kernel.articles import first_line_title

    out = LinkInput()
    for raw in paths:
        path = Path(raw)
        out.sources.append(str(path))
        if path.is_dir() and is_gold_dir(path):
            gs = load_gold(path)
            gold_info = {aid: ArticleInfo(aid, str(path), text_sha256=g.text_sha256) for aid, g in gs.articles.items()}
            _fill_from_inputs(gold_info, [Path(p) for p in articles], out.notes, texts=False)  # dates only
            for aid, g in gs.articles.items():
                gold_info[aid].text = gs.texts[aid]
                gold_info[aid].title = first_line_title(gs.texts[aid])
                _add_article(out, gold_info[aid])
                out.mentions.extend(mention(aid, i, c) for i, c in enumerate(g.claims))
            continue
        run_dir = _run_dir(path)
        run_info: dict[str, ArticleInfo] = {}
        for rec in iter_records(run_dir):  # streamed; a bad line is a RunError naming file:line
            if rec.article_id in run_info:
                out.notes.append(f"{run_dir / CLAIMS}: article {rec.article_id!r} appears more than once; the last record is used")
                out.mentions = [m for m in out.mentions if m.article_id != rec.article_id]
                del out.articles[rec.article_id]
            a = ArticleInfo(rec.article_id, str(path), rec.title, rec.published, text_sha256=rec.text_sha256)
            run_info[rec.article_id] = a
            _add_article(out, a)
            out.mentions.extend(mention(rec.article_id, i, c) for i, c in enumerate(rec.claims))
        extra = [Path(p) for p in articles] or _manifest_inputs(run_dir)
        _fill_from_inputs(run_info, extra, out.notes)
    return out


def _add_article(out: LinkInput, a: ArticleInfo) -> None:
    if a.article_id in out.articles:
        raise LinkInputError(f"{a.source}: article {a.article_id!r} is also in {out.articles[a.article_id].source}; "
                             "link each article from one input")
    out.articles[a.article_id] = a
