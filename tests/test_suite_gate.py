"""`claims suite gate`: old templates (a git ref) vs the working tree, in a git repo made in tmp_path."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from fake_server import NO_CLAIMANTS, FakeOpenAIServer
from typer.testing import CliRunner

from claims.cli.main import app

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()
TEMPLATE = Path("prompts/claims-direct/v1.yaml")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, fake_server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repo holding the real prompts and a suite; gold is the project's, read in place."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "prompts", root / "prompts")
    (root / "suite.yaml").write_text(
        f"""name: gate-test
gold: {REPO / 'gold'}
prompts_dir: prompts
cache_dir: {tmp_path / 'cache'}
jobs: 2
eval: {{resamples: 300, seed: 0}}
thresholds: {{max_drop: 0.02, max_attributed_drop: 0.05}}
defaults:
  base_url: ${{CLAIMS_BASE_URL}}
  model: fake
variants:
  - {{name: rules, backend: rules}}
  - {{name: direct, prompt: claims-direct}}
  - {{name: staged, prompt: claims-staged}}
""",
        encoding="utf-8",
    )
    git(root, "init", "-q")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "--allow-empty", "-m", "empty")
    git(root, "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "prompts")
    monkeypatch.setenv("CLAIMS_BASE_URL", fake_server.base_url)
    return root


def edit_template(root: Path, old: str, new: str) -> None:
    p = root / TEMPLATE
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def gate(root: Path, *extra: str) -> tuple[int, str, dict]:
    out = root.parent / "gate"
    r = runner.invoke(app, ["suite", "gate", str(root / "suite.yaml"), "--baseline-ref", "HEAD", "-o", str(out), "--json", *extra])
    return r.exit_code, r.output, json.loads(r.stdout) if r.stdout.startswith("{") else {}


def test_gate_fails_a_template_that_drops_the_claimant(repo: Path) -> None:
    edit_template(repo, "Rules:\n", f"Rules:\n      - {NO_CLAIMANTS}: leave every claimant field empty.\n")
    code, output, res = gate(repo)
    assert code == 1, output
    assert res["changed"] == [TEMPLATE.as_posix()] and not res["passed"]
    by = {v["name"]: v for v in res["variants"]}
    assert by["staged"]["status"] == "unchanged" and by["staged"]["passed"]
    direct = by["direct"]
    assert direct["status"] == "gated" and not direct["passed"] and direct["base_sha256"] != direct["head_sha256"]
    assert any("attributed F1 dropped beyond the margin" in reason for reason in direct["reasons"])
    out = repo.parent / "gate"
    html = (out / "direct.html").read_text(encoding="utf-8")
    assert "<html" in html.lower() and "dropped beyond" in html
    md = (out / "gate.md").read_text(encoding="utf-8")
    assert "❌ regression" in md and "| direct |" in md and "unchanged" in md


def test_gate_passes_an_equivalent_change_and_reuses_the_stored_base(repo: Path, fake_server: FakeOpenAIServer) -> None:
    edit_template(repo, "description: >-\n", "description: >-\n  Reworded.\n")  # new hash, same answers
    code, output, res = gate(repo)
    assert code == 0, output
    direct = next(v for v in res["variants"] if v["name"] == "direct")
    assert direct["status"] == "gated" and direct["passed"] and direct["base_source"] == "re-run"
    n = len(fake_server.chat_requests)
    code, output, res = gate(repo, "--quiet")
    assert code == 0
    direct = next(v for v in res["variants"] if v["name"] == "direct")
    assert direct["base_source"].startswith("stored ")  # the base run of the exact base template was found
    assert len(fake_server.chat_requests) == n  # and the head answers came from the cache


def test_gate_with_no_template_change_passes_without_running(repo: Path, fake_server: FakeOpenAIServer) -> None:
    r = runner.invoke(app, ["suite", "gate", str(repo / "suite.yaml"), "--baseline-ref", "HEAD", "-o", str(repo.parent / "g")])
    assert r.exit_code == 0, r.output
    assert "No file under the prompts folder changed" in r.stdout and "✅ passed" in r.stdout
    assert fake_server.chat_requests == []


def test_gate_errors_exit_2(repo: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["suite", "gate", str(repo / "suite.yaml"), "--baseline-ref", "no-such-ref", "-o", str(tmp_path / "g")])
    assert r.exit_code == 2 and "unknown git ref 'no-such-ref'" in r.output
    outside = tmp_path / "not-git"
    shutil.copytree(repo / "prompts", outside / "prompts")
    shutil.copy(repo / "suite.yaml", outside / "suite.yaml")
    r = runner.invoke(app, ["suite", "gate", str(outside / "suite.yaml"), "--baseline-ref", "HEAD", "-o", str(tmp_path / "g")])
    assert r.exit_code == 2 and "git rev-parse" in r.output
    (repo / "suite.yaml").write_text("variants: []\n", encoding="utf-8")
    r = runner.invoke(app, ["suite", "gate", str(repo / "suite.yaml"), "--baseline-ref", "HEAD"])
    assert r.exit_code == 2 and "suite.yaml" in r.output
