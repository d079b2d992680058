"""PolNeAR loader: only train and dev can be installed, listed or imported; the test split never.

Runs on a small synthetic git repository laid out like networkdynamics/PolNeAR (no
network, no corpus needed); the last test uses the real corpus when it is cached.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from claims.evals import polnear
from claims.evals.gold import load_gold

TEXT = "Spokeswoman Haley Morris says the candidate will compete.\n"
ANN = (
    "T1\tSource 0 24\tSpokeswoman Haley Morris\nT2\tCue 25 29\tsays\nT3\tContent 30 56\tthe candidate will compete\n"
    "T4\tAttribution 25 29\tsays\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
)


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "PolNeAR"
    for split in ("train", "dev", "test"):
        (repo / "data" / split / "text").mkdir(parents=True)
        (repo / "data" / split / "attributions").mkdir(parents=True)
        (repo / "data" / split / "text" / f"{split}-a.txt").write_text(TEXT, encoding="utf-8")
        for who in (("x1", "x2") if split == "train" else ("x1",)):
            (repo / "data" / split / "attributions" / f"{split}-a_{who}.ann").write_text(ANN, encoding="utf-8")
    (repo / "data" / "metadata.tsv").write_text("filename\tcompartment\ntest-a\ttest\n", encoding="utf-8")
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.org", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "corpus"], check=True)
    return repo


@pytest.mark.parametrize("split", ["test", "TEST", "../test", "parc3-replication", ""])
def test_every_entry_point_refuses_other_splits(tmp_path: Path, split: str) -> None:
    for call in (
        lambda: polnear.check_split(split),
        lambda: polnear.split_dir(tmp_path, split),
        lambda: polnear.available(tmp_path, split),
        lambda: polnear.documents(tmp_path, split),
        lambda: polnear.import_split(tmp_path, split),
    ):
        with pytest.raises(polnear.PolnearError, match="never read"):
            call()


def test_install_copies_train_and_dev_only(tmp_path: Path) -> None:
    root = polnear.install(str(_repo(tmp_path)), tmp_path / "cache")
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert files == [
        "data/dev/attributions/dev-a_x1.ann", "data/dev/text/dev-a.txt",
        "data/train/attributions/train-a_x1.ann", "data/train/attributions/train-a_x2.ann", "data/train/text/train-a.txt",
    ]
    # even a test folder put into the cache by hand cannot be listed
    (root / "data" / "test" / "text").mkdir(parents=True)
    with pytest.raises(polnear.PolnearError):
        polnear.documents(root, "test")


def test_import_writes_gold_and_the_annotators_for_the_ceiling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(polnear.ENV, str(tmp_path / "cache"))
    assert polnear.cache_dir() == tmp_path / "cache"
    root = polnear.install(str(_repo(tmp_path)))
    [doc] = polnear.documents(root, "train")
    assert (doc.id, [w for w, _ in doc.annotations]) == ("train-a", ["x1", "x2"])
    gold = load_gold(polnear.import_split(root, "train"))
    [c] = gold.articles["train-a"].claims
    assert (c.claimant.text, c.cue.text, c.quote) == ("Spokeswoman Haley Morris", "says", "the candidate will compete")
    assert [g.labelled_by for g in gold.double["train-a"]] == ["PolNeAR train (x1)", "PolNeAR train (x2)"]


def test_missing_corpus_is_a_clear_error(tmp_path: Path) -> None:
    assert not polnear.available(tmp_path, "dev")
    with pytest.raises(polnear.PolnearError, match="scripts/polnear.py install"):
        polnear.documents(tmp_path, "dev")


@pytest.mark.skipif(not polnear.available(polnear.cache_dir(), "train"), reason="PolNeAR not installed in the cache")
def test_real_corpus_train_parses() -> None:
    from claims.evals.brat import parse_ann

    docs = polnear.documents(polnear.cache_dir(), "train")
    assert len(docs) == 840
    n = 0
    for d in docs[:100]:
        text = d.text.read_text(encoding="utf-8")
        for _, p in d.annotations:
            n += len(parse_ann(p.read_text(encoding="utf-8"), text, str(p)))
    assert n > 1000


BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "attribution.py"


def _bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    import os
    import sys

    env = {**os.environ, polnear.ENV: str(tmp_path / "empty")}
    return subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True, env=env, timeout=120)


def test_benchmark_skips_cleanly_without_the_corpus(tmp_path: Path) -> None:
    res = _bench(tmp_path, "--split", "dev")
    assert res.returncode == 0 and "skipping" in res.stdout


def test_benchmark_refuses_the_test_split(tmp_path: Path) -> None:
    res = _bench(tmp_path, "--split", "test")
    assert res.returncode != 0 and "never read" in res.stderr
