"""Evaluation at scale: `claims eval RUN --gold gold/` on synthetic runs of 20,005 and 1,000,000 articles.

    python benchmarks/eval_scale.py [--sizes 20005,1000000] [--old-max 20005] [--keep DIR]

Each run holds the 5 bundled gold articles' real records (from a `rules` run, spread
through the file) and N-5 other articles with 2-5 of those claims each (lines of
1.5-3 KB, as the rules backend writes them). The command a user types is run as a
child process with default flags (tables on stdout, sent to a file); its wall time and
its own peak RSS (``os.wait4``'s rusage of that child) are printed with records/s.

Side by side, the old path: the same command in a child whose run reader is the one
main had before the streaming reader (``old_load_run`` below, copied verbatim: the
whole file read, decoded and split, every line validated into an ``ArticleClaims``),
patched in where `claims eval` loads the run. Everything else (gold, matching,
bootstrap, floor, ceiling, reports) is the same code, so the difference is the reader.
It needs ~3 GB a 20,000 articles, so it runs only up to ``--old-max`` articles.

The 5-article rules run itself is measured first: the command's fixed cost (start-up,
the floor and ceiling, 1,000 bootstrap resamples), which the marginal scan rate excludes.
Goals (issue #20): 1,000,000 articles in <= 200 MB peak RSS and >= 50,000 records/s
(whole command); 20,005 articles in <= 3 s.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from claims.kernel.rundir import CLAIMS, FAILURES, MANIFEST
from claims.kernel.schema import ArticleClaims

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "gold"
TEMPLATES = 256  # distinct synthetic records; each line gets its own id and text hash

# The old path: main's reader before the streaming one, and `claims eval` run with it.
OLD_CHILD = r'''
import json, sys
from pathlib import Path
from pydantic import ValidationError
from claims.kernel import rundir
from claims.kernel.rundir import CLAIMS, FAILURES, MANIFEST, Run, RunError, read_manifest
from claims.kernel.schema import ArticleClaims, ArticleFailure

def _first_line(e):
    if isinstance(e, ValidationError):
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err["loc"]) or "record"
        return f"{loc}: {err['msg']}"
    return str(e).splitlines()[0] if str(e) else type(e).__name__

def _read_jsonl(path, model, *, what):
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise RunError(f"{path}: cannot read: {e.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise RunError(f"{path}: not UTF-8 (byte {e.start})") from None
    lines = text.split("\n")
    complete = text.endswith("\n") or text == ""
    out, notes = [], []
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        is_last = no == len(lines) and not complete
        try:
            data = json.loads(line)
        except json.JSONDecodeError as e:
            if is_last:
                notes.append(f"{path}:{no}: truncated last line skipped (an interrupted write)")
                continue
            raise RunError(f"{path}:{no}: not valid JSON: {e.msg} at column {e.colno}") from None
        try:
            out.append(model.model_validate(data))
        except ValidationError as e:
            raise RunError(f"{path}:{no}: not a valid {what}: {_first_line(e)}") from None
    return out, notes

def old_load_run(path, **_ignored):
    p = Path(path)
    if p.is_file() and p.suffix == ".jsonl":
        claims_file, root = p, p.parent
    else:
        root = p
        claims_file = root / CLAIMS
    run = Run(path=root)
    records, notes = _read_jsonl(claims_file, ArticleClaims, what="claims record")
    run.notes.extend(notes)
    for rec in records:
        if rec.article_id in run.records:
            run.notes.append(f"{claims_file}: article {rec.article_id!r} appears more than once; the last record is used")
        run.records[rec.article_id] = rec
    failures_file = root / FAILURES
    if failures_file.exists():
        fails, notes = _read_jsonl(failures_file, ArticleFailure, what="failure record")
        run.notes.extend(notes)
        run.failures = {f.article_id: f for f in fails}
    if (root / MANIFEST).exists():
        try:
            run.manifest = read_manifest(root)
        except RunError as e:
            run.notes.append(f"{e}; ignored")
    return run

import claims.evals.evaluate as evaluate
evaluate.load_run = old_load_run  # what `claims eval` loads the run with (load_run_for)
rundir.load_run = old_load_run
from claims.cli.main import main
sys.argv = ["claims", *sys.argv[1:]]
main()
'''


def rules_run(tmp: Path) -> Path:
    out = tmp / "rules"
    subprocess.run([str(claims_exe()), "extract", str(GOLD / "articles"), "-o", str(out), "--quiet"], check=True)
    return out


def claims_exe() -> Path:
    exe = Path(sys.executable).with_name("claims")
    return exe if exe.exists() else Path(shutil.which("claims") or "claims")


def templates(gold_lines: list[bytes], seed: int = 0) -> list[tuple[bytes, bytes, bytes]]:
    """(head, middle, tail) around the id and the text hash: records of 2-5 real rules claims."""
    rng = random.Random(seed)
    recs = [ArticleClaims.model_validate_json(line) for line in gold_lines]
    pool = [c for r in recs for c in r.claims]
    out = []
    for _ in range(TEMPLATES):
        src = rng.choice(recs)
        rec = src.model_copy(update={"article_id": "@ID@", "text_sha256": "@SHA@",
                                     "claims": rng.sample(pool, rng.randint(2, 5))})
        line = (rec.model_dump_json() + "\n").encode("utf-8")
        head, rest = line.split(b"@ID@")
        middle, tail = rest.split(b"@SHA@")
        out.append((head, middle, tail))
    return out


def write_run(rules: Path, n: int, out: Path) -> int:
    """A run of ``n`` articles; the gold records sit at evenly spread lines. Returns its size in bytes."""
    gold_lines = (rules / CLAIMS).read_bytes().splitlines(keepends=True)
    tpl = templates(gold_lines)
    at = {(k + 1) * n // (len(gold_lines) + 1): line for k, line in enumerate(gold_lines)}
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(rules / MANIFEST, out / MANIFEST)
    (out / FAILURES).write_bytes(b"")
    sha = hashlib.sha256
    with (out / CLAIMS).open("wb", buffering=1 << 20) as fh:
        for i in range(n):
            if i in at:
                fh.write(at[i])
                continue
            ident = f"{i:07d}_{(i * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFF:012x}".encode()
            head, middle, tail = tpl[i % TEMPLATES]
            fh.write(head + ident + middle + sha(ident).hexdigest().encode() + tail)
    return (out / CLAIMS).stat().st_size


def measure(cmd: list[str], log: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one child, its exit checked."""
    with log.open("wb") as fh:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {p.returncode}:\n{log.read_text()[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def headline(log: Path) -> str:
    return next((line.strip() for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("F1:")), "?")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="20005,1000000", help="comma-separated article counts")
    ap.add_argument("--old-max", type=int, default=20005, help="run the old reader only up to this many articles")
    ap.add_argument("--keep", type=Path, help="write the runs here and keep them (default: a temp dir)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    tmp = args.keep or Path(tempfile.mkdtemp(prefix="eval_scale."))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        rules = rules_run(tmp)
        new = [str(claims_exe()), "eval"]
        old = [sys.executable, "-c", OLD_CHILD, "eval"]
        rows = []
        base_wall, base_rss = measure([*new, str(rules), "--gold", str(GOLD)], tmp / "eval_5.txt")
        rows.append((5, "streamed", base_wall, base_rss, headline(tmp / "eval_5.txt")))
        print(f"the bundled rules run (5 articles, the fixed cost): {base_wall:.2f} s, {base_rss:.0f} MiB; "
              f"{headline(tmp / 'eval_5.txt')}")
        for n in sizes:
            run = tmp / f"run_{n}"
            t = time.perf_counter()
            size = write_run(rules, n, run)
            print(f"wrote {n:,} articles ({size / 2**20:,.0f} MiB, {size / n / 1024:.1f} KiB a line) in {time.perf_counter() - t:.1f} s")
            for label, cmd in (("streamed", new), ("old", old)):
                if label == "old" and n > args.old_max:
                    rows.append((n, "old", None, None, f"skipped (> --old-max {args.old_max:,})"))
                    continue
                log = tmp / f"eval_{n}_{label}.txt"
                wall, rss = measure([*cmd, str(run), "--gold", str(GOLD)], log)
                rows.append((n, label, wall, rss, headline(log)))
            if not args.keep:
                shutil.rmtree(run)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"{'articles':>10}  {'reader':<9} {'wall s':>7} {'peak RSS MiB':>12} {'records/s':>11} {'marginal rec/s':>14}  result")
    for n, label, wall, rss, result in rows:
        if wall is None:
            print(f"{n:>10,}  {label:<9} {'':>7} {'':>12} {'':>11} {'':>14}  {result}")
            continue
        marginal = f"{(n - 5) / (wall - base_wall):,.0f}" if n > 5 and wall > base_wall else ""
        print(f"{n:>10,}  {label:<9} {wall:7.2f} {rss:12.0f} {n / wall:11,.0f} {marginal:>14}  {result}")
    by = {(n, label): (wall, rss) for n, label, wall, rss, _ in rows}
    for n in sizes:
        w_new, r_new = by[n, "streamed"]
        w_old, r_old = by.get((n, "old"), (None, None))
        if w_old is not None:
            print(f"{n:,} articles: streamed is {w_old / w_new:.1f}x faster and takes {r_old / r_new:.1f}x less memory than the old reader")
    print()
    if (20005, "streamed") in by:
        w = by[20005, "streamed"][0]
        print(f"goal 20,005 articles <= 3 s: {w:.2f} s -> {'OK' if w <= 3 else 'MISSED'}")
    if (1_000_000, "streamed") in by:
        w, r = by[1_000_000, "streamed"]
        print(f"goal 1,000,000 articles <= 200 MB peak RSS: {r * 2**20 / 1e6:.0f} MB -> {'OK' if r * 2**20 / 1e6 <= 200 else 'MISSED'}")
        print(f"goal >= 50,000 records/s (whole command): {1e6 / w:,.0f} -> {'OK' if 1e6 / w >= 50_000 else 'MISSED'}")


if __name__ == "__main__":
    main()
