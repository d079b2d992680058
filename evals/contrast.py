"""The contrast set (``gold/contrast/``): labelled statement pairs that calibrate statement similarity.

Two files:

- ``pairs.yaml``: pairs written for the purpose (see ``GUIDELINES.md`` there), one
  category each; ``paraphrase`` pairs should match, every other category should not;
- ``double.yaml``: the pairs the two independent gold labellings (``gold/double/``)
  matched by quote alone (one-to-one, quote Dice >= the matcher's threshold, no
  statement test, so the selection owes nothing to any statement similarity); all
  should match. Rebuilt from the gold by ``claims calibrate-similarity --refresh-double``.

Every pair is in the ``dev`` or the ``test`` half: within each category, in file order,
the first pair is dev, the second test, and so on. Thresholds are chosen on dev and
reported on both.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from claims.evals.matching import MatchConfig, match_article
from claims.extract import statement_similarity
from claims.kernel import yaml_safe
from claims.kernel.errors import UserError
from claims.kernel.io import atomic_write_text

PAIRS_FILE = "pairs.yaml"
DOUBLE_FILE = "double.yaml"
MATCHING = "paraphrase"
DOUBLE = "double"
CATEGORIES = ("paraphrase", "number", "date", "negation", "antonym", "actor", "same_event", "unrelated", "frame")


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PairRecord(_M):
    id: str = Field(pattern=r"^[a-z]+-\d{3}$")
    category: str
    a: str = Field(min_length=1)
    b: str = Field(min_length=1)
    source: str | None = Field(default=None, description="double.yaml: article id and claim indices of A and B")


class PairsFile(_M):
    version: int
    categories: dict[str, str] = Field(default_factory=dict)
    pairs: list[PairRecord]


@dataclass(frozen=True)
class ContrastPair:
    id: str
    category: str  # one of CATEGORIES, or "double"
    a: str
    b: str
    split: str  # dev or test

    @property
    def match(self) -> bool:
        """The label: should the two statements match?"""
        return self.category in (MATCHING, DOUBLE)


def _read(path: Path) -> PairsFile:

    try:
        data = yaml_safe.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise UserError(f"{path}: cannot read the contrast set ({e.strerror})") from None
    except yaml.YAMLError as e:
        raise UserError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
    try:
        return PairsFile.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise UserError(f"{path}: {loc}: {err['msg']}") from None


def load_contrast(root: str | Path = "gold/contrast") -> list[ContrastPair]:
    """Written pairs and double-labelling pairs, each with its dev/test split; UserError on a bad file."""
    root = Path(root)
    if root.is_dir() and (root / "contrast").is_dir() and not (root / PAIRS_FILE).exists():
        root = root / "contrast"  # given gold/
    out: list[ContrastPair] = []
    seen: set[str] = set()
    per_category: dict[str, int] = defaultdict(int)
    for name, category_of in ((PAIRS_FILE, None), (DOUBLE_FILE, DOUBLE)):
        path = root / name
        if not path.exists():
            if name == PAIRS_FILE:
                raise UserError(f"{path}: no contrast set here (expected {PAIRS_FILE} and {DOUBLE_FILE})")
            continue
        for rec in _read(path).pairs:
            category = category_of or rec.category
            if category not in CATEGORIES and category != DOUBLE:
                raise UserError(f"{path}: pair {rec.id}: unknown category {rec.category!r} (known: {', '.join(CATEGORIES)})")
            if rec.id in seen:
                raise UserError(f"{path}: pair id {rec.id} is used twice")
            seen.add(rec.id)
            split = "dev" if per_category[category] % 2 == 0 else "test"
            per_category[category] += 1
            out.append(ContrastPair(rec.id, category, rec.a, rec.b, split))
    return out


def double_pairs(gold: Any, quote_threshold: float) -> list[dict[str, str]]:
    """The pairs the two label sets of ``gold/double`` match by quote alone (see the module docstring)."""

    cfg = MatchConfig(quote_threshold=quote_threshold, statement_threshold=0.0,
                      similarity=statement_similarity("lexical", fact_checks=False))
    first, second = gold.label_sets()
    out: list[dict[str, str]] = []
    for aid in sorted(first):
        for p in match_article(first[aid], second.get(aid, []), cfg).pairs:
            a, b = first[aid][p.gold_index].statement, second[aid][p.pred_index].statement
            out.append({"id": f"dbl-{len(out) + 1:03d}", "category": DOUBLE, "a": a, "b": b,
                        "source": f"{aid} A#{p.gold_index} B#{p.pred_index}"})
    return out


def write_double(gold: Any, root: str | Path, quote_threshold: float) -> Path:
    """Rebuild ``double.yaml`` from the gold (atomically); returns its path."""


    path = Path(root) / DOUBLE_FILE
    header = ("# Pairs the two independent gold labellings (gold/double/) matched by quote alone\n"
              "# (one-to-one, quote Dice >= the matcher's threshold). Generated by\n"
              "# `claims calibrate-similarity --refresh-double`; do not edit by hand.\n")
    body = yaml.safe_dump({"version": 1, "pairs": double_pairs(gold, quote_threshold)}, sort_keys=False,
                          allow_unicode=True, width=120)
    atomic_write_text(path, header + body)
    return path
