"""The run directory's one owner: names, writer (repair, resume check), readers, summary."""

from pathlib import Path

import pytest

from claims.kernel.rundir import CLAIMS, FAILURES, MANIFEST, RunError, RunWriter, is_run_dir, iter_records, load_run, read_manifest, summarize
from claims.kernel.schema import ArticleClaims, ArticleFailure, Claim, Provenance, Span, Usage


def rec(aid: str, n: int = 1) -> ArticleClaims:
    claims = [Claim(statement=f"s{i}", quote="x", quote_span=Span(start=0, end=1)) for i in range(n)]
    return ArticleClaims(article_id=aid, text_sha256="0" * 64, claims=claims, provenance=Provenance(backend="t", toolkit_version="0"), usage=Usage(requests=n))


def test_writer_appends_whole_lines_and_a_new_session_keeps_what_is_done(tmp_path: Path) -> None:
    w = RunWriter(tmp_path / "r")
    w.claims(rec("a", 2))
    w.failure(ArticleFailure(article_id="b", stage="extract", error="X", message="m", usage=Usage(requests=3)))
    w.manifest({"status": "complete"})
    w.close()
    run = tmp_path / "r"
    assert is_run_dir(run) and read_manifest(run) == {"status": "complete"}
    s = summarize(run)
    assert (s["articles_done"], s["articles_failed"], s["claims"], s["usage"]["requests"]) == (1, 1, 2, 5)
    w2 = RunWriter(run)  # a resume: done kept, failures cleared (they are retried)
    assert w2.done == {"a"} and (run / FAILURES).read_text() == "" and w2.previous_manifest == {"status": "complete"}
    w2.close()


def test_a_torn_last_line_is_cut_by_the_writer_and_skipped_by_readers(tmp_path: Path) -> None:
    run = tmp_path / "r"
    w = RunWriter(run)
    w.claims(rec("a"))
    w.close()
    with (run / CLAIMS).open("ab") as fh:
        fh.write(rec("b").model_dump_json().encode()[:40])  # a kill mid-write
    loaded = load_run(run)
    assert list(loaded.records) == ["a"] and any("truncated last line" in n for n in loaded.notes)
    assert [r.article_id for r in iter_records(run)] == ["a"]
    w = RunWriter(run)
    w.close()
    assert (run / CLAIMS).read_bytes().endswith(b"\n") and len((run / CLAIMS).read_text().splitlines()) == 1


def test_a_refused_resume_touches_nothing(tmp_path: Path) -> None:
    run = tmp_path / "r"
    w = RunWriter(run)
    w.failure(ArticleFailure(article_id="b", stage="extract", error="X", message="m"))
    w.manifest({"provenance": {"backend": "old"}})
    w.close()
    before = (run / FAILURES).read_bytes()

    def refuse(previous: dict) -> None:
        raise RunError(f"different settings: {previous['provenance']}")

    with pytest.raises(RunError, match="different settings"):
        RunWriter(run, check_previous=refuse)
    assert (run / FAILURES).read_bytes() == before  # the failure records survive the refusal
    RunWriter(run, overwrite=True, check_previous=refuse).close()  # --overwrite starts over
    assert not (run / MANIFEST).exists() and (run / CLAIMS).read_text() == ""


def test_readers_name_the_file_and_line(tmp_path: Path) -> None:
    run = tmp_path / "r"
    run.mkdir()
    (run / CLAIMS).write_text(rec("a").model_dump_json() + "\n{not json\n" + rec("c").model_dump_json() + "\n")
    with pytest.raises(RunError, match=r"claims.jsonl:2: not valid JSON"):
        load_run(run)
    (run / CLAIMS).write_text('{"article_id": 1}\n')
    with pytest.raises(RunError, match=r"claims.jsonl:1: not a valid claims record"):
        load_run(run)
    (run / MANIFEST).write_text("[1, 2]")
    with pytest.raises(RunError, match="not a JSON object"):
        read_manifest(run)
    with pytest.raises(RunError, match="no such run directory"):
        load_run(tmp_path / "nope")
    (run / MANIFEST).write_text("{")
    with pytest.raises(RunError, match="unreadable manifest.*--overwrite"):
        RunWriter(run)
