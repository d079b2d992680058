"""`claims extract` / `show` / `schema` as a user runs them: real subprocesses, hostile inputs."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from claims.kernel.schema import ArticleClaims

ROOT = Path(__file__).resolve().parents[1]


def claims(*args, cwd=ROOT, env=None):
    return subprocess.run([sys.executable, "-m", "claims.cli.main", *map(str, args)], cwd=cwd, capture_output=True, text=True, env=env)


def records(run: Path):
    return [ArticleClaims.model_validate_json(l) for l in (run / "claims.jsonl").read_text(encoding="utf-8").splitlines()]


def test_main_job_on_bundled_articles(tmp_path):
    run = tmp_path / "rules"
    r = claims("extract", "gold/articles", "-o", run)
    assert r.returncode == 0, r.stderr
    assert "5 articles done" in r.stderr and r.stdout == ""
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "gold" / "articles").glob("*.txt")}
    recs = records(run)
    assert sorted(a.article_id for a in recs) == sorted(texts)
    for a in recs:
        assert a.claims, a.article_id  # every seed article gets claims
        assert a.span_problems(texts[a.article_id]) == []
    m = json.loads((run / "manifest.json").read_text())
    assert m["status"] == "complete" and m["claims"] == sum(len(a.claims) for a in recs)
    shown = claims("show", run, "--article", "003_6583a8e2e66f8a69")
    assert shown.returncode == 0 and "Dmitry Peskov" in shown.stdout


def test_hostile_inputs_give_clear_failures_or_exact_output(tmp_path, unreadable_inputs):
    d = unreadable_inputs
    (d / "mixed.txt").write_bytes(b"Title\r\nPeskov said the probe was ongoing.\rHe added: \"It is premature.\"\nEnd.")
    (d / "scripts.txt").write_text(
        "新闻 😊🎉 עברית مرحبا 👩‍👩‍👧\nDmitry Peskov said that the investigation is ongoing, according to Reuters.\n"
        "Le porte-parole a dit: « rien ».\n",
        encoding="utf-8",
    )
    big = (ROOT / "gold" / "articles" / "003_6583a8e2e66f8a69.txt").read_text(encoding="utf-8")
    (d / "big.txt").write_text((big + "\n\n") * (10_000_000 // len(big)), encoding="utf-8")
    run = tmp_path / "run"
    r = claims("extract", d, "-o", run)
    assert r.returncode == 1  # some articles failed, and said so
    assert "Traceback" not in r.stderr and "3 failed" in r.stderr
    fails = {json.loads(l)["article_id"]: json.loads(l) for l in (run / "failures.jsonl").read_text().splitlines()}
    assert set(fails) == {"empty", "binary", "latin1"}
    assert "invalid UTF-8 at byte 19" in fails["latin1"]["message"] and "latin1.txt" in fails["latin1"]["message"]
    assert "binary" in fails["binary"]["message"] and "empty article" in fails["empty"]["message"]
    recs = {a.article_id: a for a in records(run)}
    assert set(recs) == {"mixed", "scripts", "big"}
    for aid, a in recs.items():
        text = (d / f"{aid}.txt").read_bytes().decode("utf-8")
        assert a.span_problems(text) == [], aid
    peskov = [c for c in recs["scripts"].claims if c.claimant.name == "Dmitry Peskov"]
    assert peskov and peskov[0].quote_span.start > 30  # offsets count code points after the emoji line


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["extract", "nope/", "-o", "x"], "nope: no such file or directory"),
        (["extract", "pyproject.toml", "-o", "x"], "unknown input type .toml"),
        (["extract", "gold/articles", "-o", "x", "--backend", "magic"], "--backend: Input should be 'rules', 'sentences' or 'openai' (got 'magic')"),
        (["show", "gold"], "not a run directory"),
    ],
)
def test_user_mistakes_are_one_line_errors_with_exit_2(tmp_path, args, fragment):
    r = claims(*[a.replace("x", str(tmp_path / "x")) if a == "x" else a for a in args])
    assert r.returncode == 2, r.stderr
    assert fragment in r.stderr and "Traceback" not in r.stderr


def test_duplicate_ids_stop_the_job(tmp_path):
    (tmp_path / "a.txt").write_text("Bob said yes.", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": "a", "text": "Ann said no."}) + "\n", encoding="utf-8")
    r = claims("extract", tmp_path / "a.txt", tmp_path / "b.jsonl", "-o", tmp_path / "run")
    assert r.returncode == 2 and "duplicate article id 'a'" in r.stderr and "Traceback" not in r.stderr


def _command_paths():
    import typer.main

    from claims.cli.main import app

    def walk(cmd, path):
        yield path
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, [*path, name])

    return list(walk(typer.main.get_command(app), []))


def test_help_on_every_command_and_version():
    from typer.testing import CliRunner

    from claims.cli.main import app

    paths = _command_paths()
    assert ["suite", "gate"] in paths and ["batch", "ingest"] in paths and ["gold", "check"] in paths
    runner = CliRunner()
    for path in paths:
        r = runner.invoke(app, [*path, "--help"])
        assert r.exit_code == 0 and "Usage" in r.output, (path, r.output[-500:])
    assert claims("--version").stdout.strip().startswith("claims ")


def test_schema_command_prints_strict_schema(tmp_path):
    r = claims("schema", "model", "-o", tmp_path / "s.json")
    assert r.returncode == 0
    s = json.loads((tmp_path / "s.json").read_text())
    assert s["additionalProperties"] is False and s["required"] == ["claims"]


def test_show_article_prints_only_it_and_reads_no_other_record(tmp_path):
    run = tmp_path / "run"
    assert claims("extract", "gold/articles", "-o", run, "--quiet").returncode == 0
    lines = (run / "claims.jsonl").read_text(encoding="utf-8").splitlines()
    target = "003_6583a8e2e66f8a69"
    other = next(l for l in lines if target not in l)
    lines.insert(0, other[:90] + "\0 damaged: only its id is readable")  # another article's line, never parsed
    (run / "claims.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shown = claims("show", run, "--article", target)
    assert shown.returncode == 0, shown.stderr
    heads = [l for l in shown.stdout.splitlines() if l.startswith("== ")]
    assert heads == [next(l for l in heads if target in l)] and "Dmitry Peskov" in shown.stdout
    js = claims("show", run, "--article", target, "--json", "-o", tmp_path / "one.jsonl")
    assert js.returncode == 0 and [json.loads(l)["article_id"] for l in (tmp_path / "one.jsonl").read_text().splitlines()] == [target]
    full = claims("show", run)  # the whole listing does parse every line, and names the bad one
    assert full.returncode == 2 and "claims.jsonl:1: not valid JSON" in full.stderr
    missing = claims("show", run, "--article", "nope")
    assert missing.returncode == 2 and "no article 'nope'" in missing.stderr
