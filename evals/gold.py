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

from extract.articles import decode_text
from extract.errors import UserError
from extract.schema import GoldArticle


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


def read_gold_file(path: Path) -> GoldArticle:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise GoldError(f"{path}: cannot read: {str(e).splitlines()[0]}") from None
    try:
        return GoldArticle.model_validate(data)
    except Exception as e:
        raise GoldError(f"{path}: not a gold file: {str(e).splitlines()[0]}") from None


def write_gold_file(path: Path, gold: GoldArticle) -> None:
    """Readable, diff-friendly YAML: one claim per block, keys in schema order."""
    from extract.io import atomic_write_text

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
