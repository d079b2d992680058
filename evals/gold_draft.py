"""Gold drafts from a run, for labellers who work in an editor.

A draft is a gold file holding a run's claims, to be corrected by hand, then checked
with ``claims gold spans`` and ``claims gold check``. Only what gold can hold is kept:
a claim whose quote was not found in the article (ungrounded) is left out, and so is a
claimant or cue text without a span; each is listed in the draft's ``notes``, so the
labeller sees what the model proposed. Drafts never replace an existing gold file
unless asked to.
"""

from __future__ import annotations

from pathlib import Path

from claims.evals.gold import text_conflicts, write_gold_file, write_new_texts
from claims.evals.run_texts import run_with_texts
from claims.kernel.errors import UserError
from claims.kernel.schema import Claim, GoldArticle, text_sha256

DRAFT_VERSION = "draft"  # guideline_version of an unreviewed draft; the labeller sets the real one


def draft_claims(claims: list[Claim], text: str) -> tuple[list[Claim], list[str]]:
    """The claims gold can hold, and a note for each thing left out."""
    kept: list[Claim] = []
    notes: list[str] = []
    seen: set[str] = set()
    for i, c in enumerate(claims):
        if c.quote_span is None or c.quote_span.slice(text) != c.quote:
            notes.append(f"claim {i} left out (quote not found in the article): {c.quote!r}")
            continue
        c = c.model_copy(deep=True)
        if c.claimant.text is not None and c.claimant.span is None:
            notes.append(f"claim {i}: claimant text {c.claimant.text!r} not found in the article; left out")
            c.claimant.text = None
        if c.cue is not None and c.cue.span is None:
            notes.append(f"claim {i}: cue {c.cue.text!r} not found in the article; left out")
            c.cue = None
        key = c.model_dump_json()
        if key in seen:
            notes.append(f"claim {i} left out: an exact duplicate of an earlier claim")
            continue
        seen.add(key)
        kept.append(c)
    return kept, notes


def draft_gold(run_dir: str | Path, out: str | Path, inputs: list[str] | None = None, *, overwrite: bool = False) -> list[GoldArticle]:
    """Write ``out``/articles/<id>.txt and <id>.gold.yaml for every article of the run."""
    run, pairs = run_with_texts(run_dir, inputs)
    art = Path(out) / "articles"
    texts = {rec.article_id: text for rec, text, _ in pairs}
    clash = text_conflicts(art, texts)
    if clash:
        raise UserError(f"{art}: {', '.join(f'{a}.txt' for a in clash)} exist with another text than the run's")
    existing = [a for a in texts if (art / f"{a}.gold.yaml").exists()]
    if existing and not overwrite:
        raise UserError(f"{art}: gold files exist for {', '.join(existing)}; a draft would replace them (use --overwrite)")
    backend, model, prompt = run.describe()
    source = " ".join(x for x in (backend, model, prompt) if x) or "unknown backend"
    golds = []
    for rec, text, _ in pairs:
        claims, notes = draft_claims(rec.claims, text)
        golds.append(GoldArticle(
            article_id=rec.article_id, text_sha256=text_sha256(text),
            labelled_by=f"draft from run {run.path} ({source}); not reviewed",
            guideline_version=DRAFT_VERSION, notes="\n".join(notes) or None, claims=claims,
        ))
    write_new_texts(art, texts)
    for g in golds:
        write_gold_file(art / f"{g.article_id}.gold.yaml", g)
    return golds
