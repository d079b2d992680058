"""The run directory's one owner: names, writer (repair, resume check), readers, summary."""

import json
from pathlib import Path

import pytest

from claims.kernel.rundir import CLAIMS, FAILURES, MANIFEST, RunError, RunWriter, is_run_dir, iter_records, load_run, read_manifest, record_facts
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
    s = w.tally.fields()
    assert (s["articles_done"], s["articles_failed"], s["claims"], s["usage"]["requests"]) == (1, 1, 2, 5)
    w2 = RunWriter(run)  # a resume: done kept, failures cleared (they are retried)
    assert w2.done == {"a"} and (run / FAILURES).read_text() == "" and w2.previous_manifest == {"status": "complete"}
    s = w2.tally.fields()  # counted from the file as it was read for the ids done
    assert (s["articles_done"], s["articles_failed"], s["claims"], s["usage"]["requests"]) == (1, 0, 2, 2)
    w2.close()


def test_the_tally_of_records_written_equals_the_tally_of_the_files_read_back(tmp_path: Path) -> None:
    """The manifest's counts are kept as records are written (three ways: a record, a
    worker's line with its facts, a line alone) and as a resume reads them: both agree."""
    run = tmp_path / "r"
    w = RunWriter(run)
    a = rec("a", 3)
    a.claims[1].grounded = False
    a.language = "en"
    b = rec("b", 2)
    b.language = "de"
    w.claims(a)
    w.claims_json(b.model_dump_json(), record_facts(b))
    w.claims_json(rec("c", 1).model_dump_json())
    w.failure(ArticleFailure(article_id="d", stage="extract", error="X", message="m", usage=Usage(requests=4)))
    w.close()
    written = w.tally.fields()
    assert (written["articles_done"], written["claims"], written["claims_grounded"], written["languages"]) == (3, 6, 5, {"de": 1, "en": 1})
    assert written["usage"]["requests"] == 3 + 2 + 1 + 4 and written["failures_by_error"] == {"X": 1}
    again = RunWriter(run)
    again.close()
    assert again.tally.fields() == {**written, "articles_failed": 0, "failures_by_error": {},
                                    "usage": {**written["usage"], "requests": 6}}  # failures are retried, not carried over


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


# --------------------------------------------------------------------------- filtered reads (only=...)


def _lines(*recs: ArticleClaims) -> str:
    return "".join(r.model_dump_json() + "\n" for r in recs)


def _padded_run(tmp_path: Path, wanted: list[str], others: int = 300) -> Path:
    """The wanted articles' records among many others, some written as other writers do."""
    run = tmp_path / "r"
    run.mkdir()
    body = []
    for i in range(others):
        if i % 100 == 50:
            body.append(rec(wanted[i // 100]).model_dump_json() + "\n")
        elif i % 7 == 0:  # json.dumps: spaces, and another key order
            d = rec(f"o{i}").model_dump(mode="json")
            body.append(json.dumps({"claims": d.pop("claims"), **d}) + "\n")
        elif i % 11 == 0:  # an escaped non-ASCII id
            body.append(json.dumps(rec(f"é{i}").model_dump(mode="json")) + "\n")
        else:
            body.append(rec(f"o{i}").model_dump_json() + "\n")
    (run / CLAIMS).write_text("".join(body), encoding="utf-8")
    return run


def test_a_filtered_load_keeps_the_wanted_records_and_counts_the_rest(tmp_path: Path) -> None:
    wanted = ["g0", "g1", "g2"]
    run = _padded_run(tmp_path, wanted)
    (run / FAILURES).write_text(_fail("g9") + _fail("o1") + _fail("o2"), encoding="utf-8")
    full, part = load_run(run), load_run(run, only=wanted + ["g9"])
    assert sorted(part.records) == wanted and list(part.failures) == ["g9"]
    assert part.n_records == full.n_records == 300 and part.n_failures == full.n_failures == 3
    assert part.others.records == 297 and len(part.others.sample) == 100 and "é22" in part.others.sample
    assert all(part.records[a] == full.records[a] for a in wanted)
    assert part.notes == full.notes == []
    assert part.describe() == full.describe() == ("t", None, None)
    assert [r.article_id for r in iter_records(run, only=["g1"])] == ["g1"]


def _fail(aid: str) -> str:
    return ArticleFailure(article_id=aid, stage="extract", error="X", message="m").model_dump_json() + "\n"


def test_a_repeated_gold_article_keeps_its_last_record_and_repeats_of_others_are_counted(tmp_path: Path) -> None:
    run = tmp_path / "r"
    run.mkdir()
    (run / CLAIMS).write_text(_lines(rec("g", 1), rec("o"), rec("o"), rec("g", 3), rec("p")))
    loaded = load_run(run, only=["g"])
    assert len(loaded.records["g"].claims) == 3 and loaded.n_records == 3
    assert any("'g' appears more than once; the last record is used" in n for n in loaded.notes)
    assert any("1 record(s) repeat other articles" in n for n in loaded.notes)


def test_a_truncated_last_line_is_skipped_with_a_note_whoever_it_belongs_to(tmp_path: Path) -> None:
    run = tmp_path / "r"
    run.mkdir()
    for torn in ("g", "o"):
        (run / CLAIMS).write_text(_lines(rec("g" if torn == "o" else "x"), rec("y")) + rec(torn).model_dump_json()[:60])
        loaded = load_run(run, only=["g"])
        assert any("claims.jsonl:3: truncated last line skipped" in n for n in loaded.notes)
        assert loaded.n_records == 2 and ("g" in loaded.records) == (torn == "o")


def test_damaged_lines_in_and_outside_the_gold(tmp_path: Path) -> None:
    run = tmp_path / "r"
    run.mkdir()
    g, o = rec("g").model_dump_json(), rec("o").model_dump_json()
    # a gold article's line: named by file:line, as before
    (run / CLAIMS).write_text(o + "\n" + g[:70] + "}{oops\n")
    with pytest.raises(RunError, match=r"claims.jsonl:2: not valid JSON"):
        load_run(run, only=["g"])
    (run / CLAIMS).write_text(o + "\n" + g.replace('"claims":[', '"claims":[7,') + "\n")
    with pytest.raises(RunError, match=r"claims.jsonl:2: not a valid claims record: claims.0"):
        load_run(run, only=["g"])
    # another article's damage after its id is never parsed: it cannot change a score
    (run / CLAIMS).write_text(o[:70] + "}{oops\n" + g + "\n")
    assert list(load_run(run, only=["g"]).records) == ["g"]
    with pytest.raises(RunError, match=r"claims.jsonl:1: not valid JSON"):
        load_run(run)  # a full load still checks every line
    # a line whose id cannot be read: skipped with a counted note while every gold article is found...
    (run / CLAIMS).write_text("\0" * 80 + "\n" + g + "\n" + '{"claims": []}\n')
    loaded = load_run(run, only=["g"])
    assert list(loaded.records) == ["g"] and any("2 line(s) whose article id cannot be read" in n for n in loaded.notes)
    # ...an error when a gold article has no record (it may be that line)...
    with pytest.raises(RunError, match=r"claims.jsonl:1: not valid JSON.*'h'.*may be one of them"):
        load_run(run, only=["g", "h"])
    with pytest.raises(RunError, match=r"may be one of them"):
        list(iter_records(run, only=["h"]))
    # ...and at once when the damaged line names a gold article
    (run / CLAIMS).write_text(g + "\n" + "xx" + g + "\n")
    with pytest.raises(RunError, match=r"claims.jsonl:2: .*names requested article 'g'"):
        load_run(run, only=["g"])


def test_a_bad_line_stops_a_streamed_read_instead_of_ending_it_silently(tmp_path: Path) -> None:
    run = tmp_path / "r"
    run.mkdir()
    (run / CLAIMS).write_text(_lines(rec("a")) + "{oops\n" + _lines(rec("b")))
    with pytest.raises(RunError, match=r"claims.jsonl:2: not valid JSON"):
        list(iter_records(run))
