"""Validation of a gold directory: every problem found, not just the first.

A pure function (``check_gold_dir``) returns the problems; the CLI prints them as
``file:claim: problem`` (claim = 0-based index, or ``-`` for a file-level problem).
Each claim is validated on its own so that one bad enum does not hide span errors
in the other claims of the same file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from claims.evals.gold import GoldError, _gold_root
from claims.kernel import yaml_safe
from claims.kernel.articles import decode_text
from claims.kernel.schema import Claim, GoldArticle, GoldClaim, text_sha256


@dataclass(frozen=True)
class Problem:
    file: str
    claim: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{'-' if self.claim is None else self.claim}: {self.message}"


@dataclass
class CheckResult:
    problems: list[Problem]
    files: int
    claims: int


def validation_messages(e: ValidationError) -> list[str]:
    out = []
    for err in e.errors():
        loc = ".".join(str(x) for x in err["loc"])
        out.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    return out


def claim_problems(claim: Claim, text: str | None) -> list[str]:
    """What makes a schema-valid claim unfit for gold: no spans, or spans off their texts."""
    probs: list[str] = []
    if not claim.grounded or claim.quote_span is None:
        probs.append("gold claim has no quote_span (gold must be grounded)")
    if claim.claimant.text and claim.claimant.span is None:
        probs.append("claimant text has no span")
    if claim.cue is not None and claim.cue.span is None:
        probs.append("cue has no span")
    if text is not None:
        probs.extend(claim.span_problems(text))
    return probs


def _read_text(path: Path) -> str | None:
    try:
        return decode_text(path.read_bytes(), str(path))
    except (OSError, ValueError):
        return None


def check_gold_file(path: Path, texts_dir: Path, *, expect_id: str | None = None) -> tuple[list[Problem], int]:
    """Problems in one gold file, and how many claims it holds."""
    f = str(path)
    probs: list[Problem] = []
    try:
        raw = yaml_safe.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        return [Problem(f, None, f"cannot read: {str(e).splitlines()[0]}")], 0
    if not isinstance(raw, dict):
        return [Problem(f, None, "not a gold file (expected a mapping at the top)")], 0

    raw_claims = raw.get("claims")
    if not isinstance(raw_claims, list):
        probs.append(Problem(f, None, "claims: must be a list"))
        raw_claims = []
    try:
        GoldArticle.model_validate({**raw, "claims": []})
    except ValidationError as e:
        probs.extend(Problem(f, None, m) for m in validation_messages(e))

    aid = raw.get("article_id")
    if expect_id is not None and isinstance(aid, str) and aid != expect_id:
        probs.append(Problem(f, None, f"article_id {aid!r} does not match the file name ({expect_id!r})"))
    text: str | None = None
    if isinstance(aid, str) and aid:
        txt = texts_dir / f"{aid}.txt"
        if not txt.exists():
            probs.append(Problem(f, None, f"no article text {txt} for article_id {aid!r}"))
        else:
            text = _read_text(txt)
            if text is None:
                probs.append(Problem(f, None, f"article text {txt} is not readable UTF-8"))
            elif raw.get("text_sha256") != text_sha256(text):
                probs.append(Problem(f, None, f"text_sha256 does not match {txt.name} (text changed? re-run `claims gold spans`)"))

    seen: dict[str, int] = {}
    for i, rc in enumerate(raw_claims):
        try:
            claim = GoldClaim.model_validate(rc)
        except ValidationError as e:
            probs.extend(Problem(f, i, m) for m in validation_messages(e))
            continue
        probs.extend(Problem(f, i, p) for p in claim_problems(claim, text))
        key = claim.model_dump_json()
        if key in seen:
            probs.append(Problem(f, i, f"exact duplicate of claim {seen[key]}"))
        else:
            seen[key] = i
    return probs, len(raw_claims)


def check_gold_dir(path: str | Path) -> CheckResult:
    """Check gold/articles/*.gold.yaml and gold/double/*.yaml. Raises GoldError when
    the directory does not exist or has no articles/ folder (nothing to check)."""
    root = _gold_root(Path(path))
    if not root.is_dir():
        raise GoldError(f"{root}: no such directory")
    art = root / "articles"
    if not art.is_dir():
        raise GoldError(f"{root}: no articles/ folder; expected a gold directory like gold/")
    probs: list[Problem] = []
    files = claims = 0
    gold_files = sorted(art.glob("*.gold.yaml"))
    if not gold_files:
        probs.append(Problem(str(art), None, "holds no *.gold.yaml files"))
    for gf in gold_files:
        p, n = check_gold_file(gf, art, expect_id=gf.name[: -len(".gold.yaml")])
        probs += p
        files += 1
        claims += n
    double = root / "double"
    if double.is_dir():
        for df in sorted(double.glob("*.yaml")):
            p, n = check_gold_file(df, art, expect_id=df.name.split(".")[0])
            probs += p
            files += 1
            claims += n
    return CheckResult(probs, files, claims)
