"""Attribution spans on PolNeAR: exact and partial P / R / F1 per role (Source, Cue, Content).

Runs what a user runs: ``claims extract <split texts> -o RUN`` (default flags: the rules
backend) and ``claims export RUN --format brat --convention polnear``, then scores the
exported .ann files against the corpus's (its first annotator's labels) with
``claims.evals.attribution``. Beside it: a one-line "said" baseline (every "said" is a
Cue, the rest of its sentence before it the Source and after it the Content, or the
other way round for "..., X said."), the annotators' agreement on the split's
multiply-annotated articles (the ceiling), and the rows published for the corpus's
*test* split, printed for reference only: this toolkit never reads the test split.

Needs the corpus in the cache (``python scripts/polnear.py install``); without it the
benchmark says so and exits 0.

Run: python benchmarks/attribution.py [--split dev|train] [--run RUN_DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from claims.evals import polnear
from claims.evals.attribution import ROLES, score_roles
from claims.evals.brat import Link, parse_ann
from claims.kernel.brat import TextBound
from claims.kernel.segment import sentences

# Published exact-span F1 on the PolNeAR *test* split (Source, Cue, Content), as cited in
# issue #16: never measured here.
PUBLISHED = (
    ("rule-based (published, test split)", (10.7, 22.8, 5.6)),
    ("CRF (published, test split)", (50.6, 53.4, 28.6)),
    ("BERT (published, test split)", (83.2, 75.3, 72.9)),
)
_SAID = re.compile(r"\bsaid\b")


def said_baseline(text: str) -> list[Link]:
    """Every "said": the Cue; before it the Source and after it the Content, or, when
    fewer than three words follow, the Content before and the Source after."""
    out = []

    def tb(kind: str, a: int, b: int) -> list[TextBound]:
        while a < b and text[a] in " ,“”\"":
            a += 1
        while b > a and text[b - 1] in " ,.“”\"":
            b -= 1
        return [TextBound(kind, kind, ((a, b),), text[a:b])] if b > a else []

    for ss, se in sentences(text):
        for m in _SAID.finditer(text, ss, se):
            after = text[m.end() : se]
            if len(after.split()) >= 3:
                src, content = tb("Source", ss, m.start()), tb("Content", m.end(), se)
            else:
                src, content = tb("Source", m.end(), se), tb("Content", ss, m.start())
            if content:
                out.append(Link(content=content, source=src, cue=tb("Cue", m.start(), m.end())))
    return out


def _claims(*args: str) -> None:
    cmd = [sys.executable, "-m", "claims.cli.main", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd[2:])} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")


def _rows(scores: dict) -> dict[str, dict[str, dict[str, float]]]:
    return {
        role: {scheme: {k: round(100 * getattr(scores[role].schemes[scheme], k), 1) for k in ("precision", "recall", "f1")}
               for scheme in ("exact", "partial")}
        for role in ROLES
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", help="train or dev (the test split is never read)")
    ap.add_argument("--run", type=Path, help="score this existing run directory instead of extracting with the rules backend")
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = ap.parse_args()
    root = polnear.cache_dir()
    try:
        split_dir = polnear.split_dir(root, args.split)
    except polnear.PolnearError as e:
        sys.exit(f"error: {e}")
    if not polnear.available(root, args.split):
        print(f"PolNeAR {args.split} split not found under {split_dir} (set ${polnear.ENV} or run "
              "`python scripts/polnear.py install`); skipping the attribution benchmark.")
        return
    docs = polnear.documents(root, args.split)
    with tempfile.TemporaryDirectory() as tmp:
        run = args.run or Path(tmp) / "run"
        if args.run is None:
            _claims("extract", str(split_dir / "text"), "-o", str(run), "--quiet")
        _claims("export", str(run), "--format", "brat", "--convention", "polnear", "-o", str(Path(tmp) / "brat"),
                "--articles", str(split_dir / "text"), "--quiet")
        rows: dict[str, list] = {"system": [], "said": [], "ceiling": []}
        for d in docs:
            text = d.text.read_text(encoding="utf-8")
            gold = parse_ann(d.annotations[0][1].read_text(encoding="utf-8"), text, str(d.annotations[0][1]))
            pred_path = Path(tmp) / "brat" / f"{d.id}.ann"
            pred = parse_ann(pred_path.read_text(encoding="utf-8"), text, str(pred_path)) if pred_path.exists() else []
            rows["system"].append((text, gold, pred))
            rows["said"].append((text, gold, said_baseline(text)))
            for _, other in d.annotations[1:]:
                rows["ceiling"].append((text, gold, parse_ann(other.read_text(encoding="utf-8"), text, str(other))))
    name = f"this run ({args.run.name})" if args.run else "rules (claims extract, default flags)"
    n_multi = sum(len(d.annotations) > 1 for d in docs)
    table = {
        name: _rows(score_roles(rows["system"])),
        '"said" baseline': _rows(score_roles(rows["said"])),
    }
    if rows["ceiling"]:
        table[f"ceiling (annotators vs first, {n_multi} art.)"] = _rows(score_roles(rows["ceiling"]))
    if args.json:
        print(json.dumps({"split": args.split, "articles": len(docs), "scores": table,
                          "published_test_split_exact_f1": {n: dict(zip(ROLES, v)) for n, v in PUBLISHED}}, indent=2))
        return
    print(f"PolNeAR {args.split} split: {len(docs)} articles, gold = first annotator; spans in the corpus's convention")
    head = f"{'':44} " + "  ".join(f"{r.capitalize():^26}" for r in ROLES)
    print(head)
    print(f"{'':44} " + "  ".join(f"{'P':>8}{'R':>9}{'F1':>9}" for _ in ROLES))
    for scheme in ("exact", "partial"):
        print(f"-- {scheme} --")
        for label, r in table.items():
            cells = "  ".join(f"{r[role][scheme]['precision']:8.1f}{r[role][scheme]['recall']:9.1f}{r[role][scheme]['f1']:9.1f}" for role in ROLES)
            print(f"{label[:44]:44} {cells}")
    print("-- published, exact F1 on the TEST split (reference only; never measured here) --")
    for label, f1s in PUBLISHED:
        print(f"{label:44} " + "  ".join(f"{'':8}{'':9}{f:9.1f}" for f in f1s))


if __name__ == "__main__":
    main()
