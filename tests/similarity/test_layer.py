"""The similarity layer's interface: protocol, registry, lexical, wordllama, the fact-checked wrapper, lazy exports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import claims.extract as extract
from claims.extract import (
    DEFAULT_METHOD,
    FactChecked,
    PairwiseSimilarity,
    Similarity,
    VectorSimilarity,
    get_similarity,
    has_vectors,
    score_pairs,
    similarity_methods,
    statement_similarity,
)
from claims.kernel.errors import UserError

ROOT = Path(__file__).resolve().parents[2]


def test_registry_names_and_protocols() -> None:
    assert similarity_methods()[:3] == ("lexical", "embedding", "judge")
    lex, emb = get_similarity("lexical"), get_similarity("embedding")
    assert isinstance(lex, Similarity) and not has_vectors(lex)
    assert isinstance(emb, VectorSimilarity) and isinstance(emb, PairwiseSimilarity) and emb.dim == 256
    assert has_vectors(statement_similarity("embedding")) and not has_vectors(statement_similarity("lexical"))
    assert statement_similarity().name == DEFAULT_METHOD
    with pytest.raises(UserError, match="unknown similarity 'bogus'"):
        get_similarity("bogus")
    with pytest.raises(ValueError, match="unknown fact checks"):
        FactChecked(lex, fact_checks=["spelling"])


def test_lexical_hand_computed() -> None:
    sim = get_similarity("lexical")
    # content tokens: "missiles"->missile, "hit"; vs "missile", "hit", "plane"
    assert sim(  # type: ignore[operator]
        "The missiles hit", "A missile hit the plane") == pytest.approx(2 * 2 / (2 + 3))
    a, b = sim.prepare(["It was Peskov: 42 troops", "so Peskov troops"])  # names and numbers weigh 2
    assert sim.score(a, b) == pytest.approx(2 * 3 / (5 + 3))
    assert score_pairs(sim, [(a, b), (a, a)]) == [pytest.approx(0.75), 1.0]


def test_fact_checked_verdicts_keep_the_raw_score_and_the_reason() -> None:
    sim = statement_similarity("lexical", threshold=0.5)
    a, b, c = sim.prepare(["12 people were injured in the blast", "12 people were hurt in the blast", "21 people were injured in the blast"])
    ok, wrong = sim.compare_pairs([(a, b), (a, c)])
    assert ok.match and ok.conflict is None
    assert not wrong.match and wrong.score > 0.5 and wrong.conflict.check == "number"  # type: ignore[union-attr]
    assert sim.score(a, c) == 0.0  # through the bare protocol a conflict scores 0
    off = statement_similarity("lexical", threshold=0.5, fact_checks=False)
    assert off.compare(*off.prepare(["12 people were injured", "21 people were injured"])).match
    assert "fact checks: none" in off.description


def test_wordllama_loads_offline_and_pools_like_its_own_embed() -> None:
    """Loading opens no socket (the loader's download path is never taken), and the sparse
    pooling gives wordllama's own mean-pooled vectors."""
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network used')\n"
        "socket.socket.connect = refuse; socket.create_connection = refuse\n"
        "from claims.extract import get_similarity\n"
        "v = get_similarity('embedding').vectors(['The ferry sank off Lesbos.'])\n"
        "print(v.shape)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(1, 256)"

    from claims.extract.similarity.wordllama import load_wordllama

    statements = [c for c in (ROOT / "gold" / "contrast" / "pairs.yaml").read_text(encoding="utf-8").split('"') if len(c) > 30][:200]
    mine = get_similarity("embedding").vectors(statements)  # type: ignore[attr-defined]
    model = load_wordllama()
    model.tokenizer.enable_padding()
    try:
        ref = model.embed(statements, norm=True)
    finally:
        model.tokenizer.no_padding()
    assert np.abs(mine - ref).max() < 1e-5


def test_wordllama_import_leaves_logging_alone() -> None:
    code = (
        "import logging\n"
        "from claims.extract import get_similarity\n"
        "get_similarity('embedding').vectors(['x'])\n"
        "print(len(logging.getLogger().handlers), logging.getLogger().level)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.stdout.strip() == "0 30", out.stderr


def test_extract_package_exports_lazily() -> None:
    code = "import sys, claims.extract as e; print('claims.extract.similarity' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.stdout.strip() == "False"
    assert set(extract.__all__) >= {"Similarity", "statement_similarity", "FactChecked", "Verdict", "Conflict"}
    with pytest.raises(AttributeError):
        extract.nothing_here  # noqa: B018
