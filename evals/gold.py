"""Loading a gold directory.

Layout (see gold/README.md):
  gold/articles/<id>.txt         the article text
  gold/articles/<id>.gold.yaml   the resolved gold labels (a GoldArticle)
  gold/double/<id>.<who>.yaml    independent label sets for double-labelled articles
                                 (two per article), kept as labelled, for the ceiling
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from claims.kernel import yaml_safe
from claims.kernel.articles import decode_text
from claims.kernel.errors import UserError
from claims.kernel.io import atomic_write_text
from claims.kernel.schema import Claim, GoldArticle, text_sha256
from claims.kernel.segment import occurrences, sentences


class GoldError(UserError):
    """A gold file cannot be read; the message names the file and the problem."""


@dataclass
class GoldSet:
    root: Path
    articles: dict[str, GoldArticle] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    # article id -> the independent label sets (at least two) used for the ceiling
    double: dict[str, list[GoldArticle]] = field(default_factory=dict)

    def claims_by_id(self) -> dict[str, list[Claim]]:
        """Article id -> gold claims, in gold order (what the matcher takes)."""
        return {aid: g.claims for aid, g in self.articles.items()}

    def label_sets(self) -> tuple[dict[str, list[Claim]], dict[str, list[Claim]]]:
        """The first and second independent label sets of each double-labelled article (the ceiling's pair)."""
        return ({aid: sets[0].claims for aid, sets in self.double.items()},
                {aid: sets[1].claims for aid, sets in self.double.items()})


def _read_yaml(path: Path) -> object:
    try:
        return yaml_safe.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise GoldError(f"{path}: cannot read: {str(e).splitlines()[0]}") from None


def read_gold_file(path: Path) -> GoldArticle:
    data = _read_yaml(path)
    try:
        return GoldArticle.model_validate(data)
    except Exception as e:
        raise GoldError(f"{path}: not a gold file: {str(e).splitlines()[0]}") from None


def write_gold_file(path: Path, gold: GoldArticle) -> None:
    """Readable, diff-friendly YAML: one claim per block, keys in schema order."""

    data = gold.model_dump(mode="json", exclude_none=False)
    atomic_write_text(path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))


def _gold_root(path: Path) -> Path:
    """Accept either gold/ or gold/articles/."""
    return path.parent if path.name == "articles" and not (path / "articles").is_dir() else path


def load_gold(path: str | Path) -> GoldSet:
    root = _gold_root(Path(path))
    art_dir = root / "articles"
    if not art_dir.is_dir():
        raise GoldError(f"{root}: no articles/ folder; expected a gold directory like gold/")
    gs = GoldSet(root=root)
    for gf in sorted(art_dir.glob("*.gold.yaml")):
        g = read_gold_file(gf)
        txt = art_dir / f"{g.article_id}.txt"
        if not txt.exists():
            raise GoldError(f"{gf}: no article text {txt.name} beside it")
        try:
            gs.texts[g.article_id] = decode_text(txt.read_bytes(), str(txt))
        except ValueError as e:
            raise GoldError(str(e)) from None
        gs.articles[g.article_id] = g
        gs.files[g.article_id] = gf
    if not gs.articles:
        raise GoldError(f"{art_dir}: holds no *.gold.yaml files")
    double_dir = root / "double"
    if double_dir.is_dir():
        for f in sorted(double_dir.glob("*.yaml")):
            g = read_gold_file(f)
            gs.double.setdefault(g.article_id, []).append(g)
        gs.double = {k: v for k, v in gs.double.items() if len(v) >= 2}
    return gs


# ---------------------------------------------------------------------------
# Filling in spans from quoted text, so that nobody counts offsets by hand.


def locate(
    text: str,
    needle: str,
    *,
    near: int | None = None,
    after: int | None = None,
    prefer: tuple[int, int] | None = None,
    avoid: tuple[int, int] | None = None,
) -> tuple[int, int]:
    """Offsets of ``needle`` in ``text``.

    ``prefer``: occurrences lying inside this range win (e.g. the quote's sentence);
    then, among those, ``avoid``: occurrences outside this range win (e.g. the quote).
    ``near``: take the occurrence closest to that offset (ties: the earlier one).
    ``after``: take the first occurrence at or after that offset, else the first one.
    Raises ValueError when the text does not occur at all.
    """
    starts = occurrences(text, needle) if needle else []
    if not starts:
        raise ValueError(f"text not found in the article: {needle!r}")
    if prefer is not None:
        inside = [s for s in starts if prefer[0] <= s and s + len(needle) <= prefer[1]]
        starts = inside or starts
    if avoid is not None:
        outside = [s for s in starts if s + len(needle) <= avoid[0] or s >= avoid[1]]
        starts = outside or starts
    if near is not None:
        best = min(starts, key=lambda s: (abs(s - near), s))
    elif after is not None:
        best = next((s for s in starts if s >= after), starts[0])
    else:
        best = starts[0]
    return best, best + len(needle)


def _span_ok(span: object, text: str, expected: str | None) -> bool:
    if not isinstance(span, dict) or expected is None:
        return False
    s, e = span.get("start"), span.get("end")
    return isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text) and text[s:e] == expected


def fill_spans(raw: dict, text: str, where: str = "gold file") -> GoldArticle:
    """Set or repair every span of a raw (YAML-loaded) gold record from its quoted texts.

    Spans that already cover their text are kept. A quote without a valid span is
    looked up near its old span if it had one, else at the first occurrence at or
    after the previous claim's quote (claims are labelled in text order); claimant
    and cue texts are looked up in the quote's sentence(s) first, nearest to the quote. Also re-pins the
    article hash. Raises GoldError naming the claim when a text is not found.
    """

    if not isinstance(raw, dict):
        raise GoldError(f"{where}: not a mapping")

    raw = dict(raw)
    raw["text_sha256"] = text_sha256(text)
    sents = sentences(text)

    def sentence_range(start: int, end: int) -> tuple[int, int]:
        """From the start of the sentence holding ``start`` to the end of the one holding ``end``."""
        lo = next((a for a, b in sents if a <= start < b), start)
        hi = next((b for a, b in sents if a < end <= b), end)
        return lo, hi

    prev_start = 0
    claims = raw.get("claims") or []
    for i, c in enumerate(claims):
        if not isinstance(c, dict):
            raise GoldError(f"{where}: claim {i}: not a mapping")
        try:
            quote = c.get("quote")
            if c.get("grounded", True) is False:
                continue
            old = c.get("quote_span")
            if not _span_ok(old, text, quote):
                hint = old.get("start") if isinstance(old, dict) and isinstance(old.get("start"), int) else None
                s, e = locate(text, quote or "", near=hint, after=None if hint is not None else prev_start)
                c["quote_span"] = {"start": s, "end": e}
            qs, qe = c["quote_span"]["start"], c["quote_span"]["end"]
            prev_start = qs
            where_sent = sentence_range(qs, qe)
            claimant = c.get("claimant") or {}
            if claimant.get("text"):
                if not _span_ok(claimant.get("span"), text, claimant["text"]):
                    s, e = locate(text, claimant["text"], near=qs, prefer=where_sent, avoid=(qs, qe))
                    claimant["span"] = {"start": s, "end": e}
            else:
                claimant["span"] = None
            c["claimant"] = claimant
            cue = c.get("cue")
            if isinstance(cue, dict) and cue.get("text"):
                if not _span_ok(cue.get("span"), text, cue["text"]):
                    s, e = locate(text, cue["text"], near=qs, prefer=where_sent, avoid=(qs, qe))
                    cue["span"] = {"start": s, "end": e}
        except ValueError as e:
            raise GoldError(f"{where}: claim {i}: {e}") from None
    try:
        return GoldArticle.model_validate(raw)
    except Exception as e:
        raise GoldError(f"{where}: not a gold file: {str(e).splitlines()[0]}") from None


def fill_spans_file(path: Path, text_path: Path | None = None) -> GoldArticle:
    """Read a gold file (spans may be missing or stale), fill spans, write it back."""
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise GoldError(f"{path}: not a gold file (expected a mapping)")
    if text_path is None:
        aid = raw.get("article_id") or path.name.split(".")[0]
        text_path = path.parent / f"{aid}.txt"
        if not text_path.exists() and path.parent.name == "double":
            text_path = path.parent.parent / "articles" / f"{aid}.txt"
    try:
        text = decode_text(text_path.read_bytes(), str(text_path))
    except OSError as e:
        raise GoldError(f"{text_path}: cannot read the article text: {e.strerror}") from None
    except ValueError as e:
        raise GoldError(str(e)) from None
    gold = fill_spans(raw, text, str(path))
    write_gold_file(path, gold)
    return gold


# ---------------------------------------------------------------------------
# Article texts beside gold written by an import or a draft: never overwrite a different one.


def text_conflicts(art_dir: Path, texts: dict[str, str]) -> list[str]:
    """Ids whose ``<id>.txt`` in ``art_dir`` exists and holds another text (its gold pins that one)."""
    out = []
    for aid, text in texts.items():
        p = art_dir / f"{aid}.txt"
        if p.exists():
            try:
                same = decode_text(p.read_bytes(), str(p)) == text
            except (OSError, ValueError):
                same = False
            if not same:
                out.append(aid)
    return out


def write_new_texts(art_dir: Path, texts: dict[str, str]) -> list[Path]:
    """Write each text that is not there yet as ``<id>.txt`` (UTF-8); returns the files written."""
    written = []
    for aid, text in texts.items():
        p = art_dir / f"{aid}.txt"
        if not p.exists():
            atomic_write_text(p, text)
            written.append(p)
    return written
