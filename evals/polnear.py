"""PolNeAR (Newell, Margolin and Ruths, LREC 2018) as a development corpus, read from a cache.

The corpus (1,008 US political news articles, brat Source / Cue / Content attributions)
has no data licence, so nothing of it is committed: ``install`` copies the train and dev
splits out of a git snapshot of ``networkdynamics/PolNeAR`` into a cache folder
(``$CLAIMS_POLNEAR_DIR``, default ``~/.cache/claims/polnear``) and everything else reads
from there.

The corpus marks its splits by folder (``data/train``, ``data/dev``, ``data/test``; the
train split is the first ten months of coverage, dev the 11th, test the 12th). The
test split is this project's acceptance measure and is scored elsewhere, so this module
can only ever name ``train`` and ``dev``: ``install`` extracts those two folders and
nothing else, and every function that lists or opens files goes through
``split_dir``, which refuses any other split.

Layout of the cache::

    data/<split>/text/<article>.txt
    data/<split>/attributions/<article>_<annotator>.ann   one file per annotator
    gold/<split>/articles/<article>.txt, <article>.gold.yaml   (written by import_split)
    gold/<split>/double/<article>.<annotator>.yaml             articles with several annotators
"""

from __future__ import annotations

import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

from claims.evals import brat
from claims.evals.brat import BratDocument
from claims.kernel.errors import UserError

SPLITS: tuple[str, ...] = ("train", "dev")
REPOSITORY = "https://github.com/networkdynamics/PolNeAR"
ENV = "CLAIMS_POLNEAR_DIR"


class PolnearError(UserError):
    """The corpus is missing, or a split other than train/dev was asked for."""


def cache_dir() -> Path:
    """Where the corpus lives: ``$CLAIMS_POLNEAR_DIR``, else ``~/.cache/claims/polnear``."""
    env = os.environ.get(ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "claims" / "polnear"


def check_split(split: str) -> str:
    """The split name if it may be read; the test split (or any other) is refused."""
    if split not in SPLITS:
        raise PolnearError(
            f"PolNeAR split {split!r} is not available here: only {', '.join(SPLITS)} may be read "
            "(the test split is the project's acceptance measure and is never read or scored by this toolkit)"
        )
    return split


def split_dir(root: Path, split: str) -> Path:
    """``root``/data/<split>, for train and dev only."""
    return root / "data" / check_split(split)


def available(root: Path | None = None, split: str = "dev") -> bool:
    """True when the split's texts and annotations are in the cache."""
    d = split_dir(root or cache_dir(), split)
    return (d / "text").is_dir() and (d / "attributions").is_dir()


def documents(root: Path, split: str) -> list[BratDocument]:
    """Every article of the split with its annotators' .ann files, in name order."""
    d = split_dir(root, split)
    if not available(root, split):
        raise PolnearError(f"{d}: PolNeAR {split} split not found (run: python scripts/polnear.py install)")
    texts = {p.stem: p for p in sorted((d / "text").glob("*.txt"))}
    anns: dict[str, list[tuple[str, Path]]] = {}
    for p in sorted((d / "attributions").glob("*.ann")):
        stem, _, who = p.stem.rpartition("_")
        if stem not in texts:
            raise PolnearError(f"{p}: no text {stem}.txt in {d / 'text'}")
        anns.setdefault(stem, []).append((who, p))
    return [BratDocument(i, texts[i], tuple(anns[i])) for i in texts if i in anns]


def install(source: str, root: Path | None = None) -> Path:
    """Copy the train and dev splits (texts and annotations) from a git snapshot into the cache.

    ``source`` is a local git directory (bare or not) or a URL (then a shallow, blob-less
    clone is made in a temporary folder, so the test split's files are never even
    downloaded). Only ``data/<split>/text`` and ``data/<split>/attributions`` of
    train and dev are extracted.
    """
    root = root or cache_dir()
    paths = [f"data/{s}/{part}" for s in SPLITS for part in ("text", "attributions")]
    with tempfile.TemporaryDirectory() as tmp:
        git_dir = source
        if "://" in source or source.startswith("git@"):
            git_dir = str(Path(tmp) / "repo.git")
            _git(["clone", "--bare", "--depth", "1", "--filter=blob:none", source, git_dir])
        tar_path = Path(tmp) / "splits.tar"
        _git(["--git-dir", _git_dir(git_dir), "archive", "--format=tar", "-o", str(tar_path), "HEAD", *paths])
        root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tar_path) as tar:
            members = [m for m in tar.getmembers() if m.name.split("/")[1:2] and m.name.split("/")[1] in SPLITS]
            if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4: refuse links and absolute paths
                tar.extractall(root, members=members, filter="data")
            else:
                tar.extractall(root, members=[m for m in members if m.isfile() or m.isdir()])
    return root


def _git_dir(path: str) -> str:
    p = Path(path)
    return str(p / ".git") if (p / ".git").exists() else str(p)


def _git(args: list[str]) -> None:
    try:
        subprocess.run(["git", *args], check=True, capture_output=True, text=True, timeout=600)
    except FileNotFoundError:
        raise PolnearError("git is not installed") from None
    except subprocess.CalledProcessError as e:
        msg = (e.stderr or e.stdout or "").strip().splitlines()
        raise PolnearError(f"git {args[0]} failed: {msg[-1] if msg else e.returncode}") from None


def import_split(root: Path, split: str, out: Path | None = None) -> Path:
    """The split as a gold directory (``root``/gold/<split> unless ``out``): the first
    annotator's labels as gold, and every annotator's labels under double/ when an
    article has several (the ceiling)."""
    out = out or root / "gold" / check_split(split)
    brat.import_documents(documents(root, split), out, labelled_by=f"PolNeAR {split}")
    return out
