"""File reports (Markdown, JUnit XML, HTML) and the CLI flags that write them.

Results are built with the real scorer (evals.evaluate) from hand-made gold and runs, so
the reports are checked against numbers the test can work out by hand.
"""

from __future__ import annotations

import importlib.util
import io
import json
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest
from rich.console import Console
from typer.testing import CliRunner

from claims.cli.main import app
from claims.evals.compare import compare
from claims.evals.evaluate import EvalOptions, evaluate
from claims.evals.gate import run_gate
from claims.evals.gold import GoldSet, write_gold_file
from claims.evals.reports import ReportError, write_reports
from claims.evals.reports.html import Mark, segments, to_html
from claims.evals.reports.json import to_json
from claims.evals.reports.junit import to_junit
from claims.evals.reports.markdown import md_text, to_markdown
from claims.evals.reports.terminal import render_comparison, render_eval
from claims.evals.results import ComparisonResult, EvalResult
from claims.kernel.rundir import Run
from claims.kernel.schema import ArticleClaims, Claim, Claimant, ClaimantType, Cue, GoldArticle, Provenance, Span, text_sha256

TEXT = "Peskov said Moscow was not involved. Aliyev said a missile hit the plane. Share this."
SENTS = [(0, 36), (37, 73), (74, 85)]
IDS = [f"art{i:02d}" for i in range(5)]
OPTS = EvalOptions(resamples=200, seed=1, floor=True, ceiling=True)

EVIL_TEXT = 'Officials said "<script>alert(1)</script>" was planted. Peskov said <b>nothing</b> happened.'
EVIL_STATEMENT = '<img src=x onerror=alert(2)> was planted" onmouseover="alert(3)'


def claim(k: int, text: str = TEXT, sents: list[tuple[int, int]] = SENTS, statement: str | None = None) -> Claim:
    s, e = sents[k]
    name = text[s:text.index(" ", s)]
    return Claim(statement=statement or text[s:e - 1], quote=text[s:e], quote_span=Span(start=s, end=e),
                 claimant=Claimant(text=name, span=Span(start=s, end=s + len(name)), name=name, type=ClaimantType.person),
                 cue=Cue(text="said", span=Span(start=s + len(name) + 1, end=s + len(name) + 5)))


def gold_set(ids: list[str] = IDS, *, double: bool = False) -> GoldSet:
    gs = GoldSet(root=Path("gold"))
    for aid in ids:
        gs.texts[aid] = TEXT
        gs.articles[aid] = GoldArticle(article_id=aid, text_sha256=text_sha256(TEXT), labelled_by="t",
                                       guideline_version="1", claims=[claim(0), claim(1)])
    if double:
        gs.double[ids[0]] = [gs.articles[ids[0]], gs.articles[ids[0]].model_copy(update={"labelled_by": "u"})]
    return gs


def make_run(name: str, per_article: dict[str, list[Claim]], text: str = TEXT, title: str | None = None) -> Run:
    return Run(path=Path(name), records={
        aid: ArticleClaims(article_id=aid, text_sha256=text_sha256(text), claims=cl, title=title,
                           provenance=Provenance(backend="test", toolkit_version="0"))
        for aid, cl in per_article.items()
    })


def head_predictions() -> dict[str, list[Claim]]:
    """art00-02 perfect, art03 one hit + one spurious ("Share this."), art04 missing."""
    return {aid: [claim(0), claim(1)] for aid in IDS[:3]} | {IDS[3]: [claim(0), claim(2, statement="Share this")]}


@pytest.fixture(scope="module")
def result() -> EvalResult:
    return evaluate(gold_set(), make_run("runs/head", head_predictions()), OPTS)


@pytest.fixture(scope="module")
def gated() -> EvalResult:
    gs = gold_set()
    res = evaluate(gs, make_run("runs/head", head_predictions()), OPTS)
    base = evaluate(gs, make_run("runs/base", {aid: [claim(0), claim(1)] for aid in IDS}),
                    EvalOptions(resamples=0, floor=False, ceiling=False, include_text=False))
    res.comparison = compare(base, res, resamples=200, seed=1)
    res.gate = run_gate(res, res.comparison, max_drop=0.02, min_f1=0.9)
    return res


def test_fixture_counts_are_the_hand_computed_ones(result: EvalResult) -> None:
    # 3 perfect articles (6 TP), art03 1 TP + 1 FP + 1 FN, art04 missing (2 FN)
    c = result.claims
    assert (c.tp, c.fp, c.fn) == (7, 1, 3)
    assert c.f1 == pytest.approx(14 / 18)
    assert result.floor is not None and result.ceiling is None
    assert result.missing_articles == ["art04"]


# --------------------------------------------------------------------------- the floor in every format


def test_floor_row_in_every_format(result: EvalResult) -> None:
    assert result.floor is not None
    floor = f"{result.floor.claims.f1:.3f}"
    buf = io.StringIO()
    render_eval(result, Console(file=buf, width=200, color_system=None))
    assert f"floor {floor}" in buf.getvalue()
    assert json.loads(to_json(result))["floor"]["name"] == "floor"
    md = to_markdown(result)
    assert f"floor {floor}" in md and "this run 0.778" in md and "ceiling: no double-labelled articles" in md
    page = to_html(result)
    assert f"floor {floor}" in page and "ceiling: no double-labelled articles" in page


def test_floor_and_ceiling_frame_a_comparison_in_every_format() -> None:
    gs = gold_set(double=True)
    head = evaluate(gs, make_run("runs/head", head_predictions()), OPTS)
    base = evaluate(gs, make_run("runs/base", {aid: [claim(0)] for aid in IDS}),
                    EvalOptions(resamples=0, floor=False, ceiling=False, include_text=False))
    cmp = compare(base, head, resamples=50, seed=1)
    assert cmp.floor == head.floor and cmp.ceiling == head.ceiling and cmp.n_double == 1
    strip = f"floor {cmp.floor.claims.f1:.3f}"
    run = f"base {base.claims.f1:.3f} → head {head.claims.f1:.3f}"
    buf = io.StringIO()
    render_comparison(cmp, Console(file=buf, width=200, color_system=None))
    md, page = to_markdown(cmp), to_html(cmp)
    for text in (buf.getvalue(), md, page):
        assert strip in text and run in text and "ceiling 1.000" in text
    assert json.loads(to_json(cmp))["floor"]["name"] == "floor"


def test_ceiling_shown_when_double_labelled() -> None:
    res = evaluate(gold_set(double=True), make_run("r", head_predictions()), OPTS)
    assert res.ceiling is not None and res.ceiling.claims.f1 == 1.0  # identical label sets agree fully
    assert "ceiling 1.000 (1 article)" in to_markdown(res)
    assert "ceiling 1.000" in to_html(res)


# --------------------------------------------------------------------------- Markdown


def test_markdown_headline_and_fields(result: EvalResult) -> None:
    md = to_markdown(result)
    f1 = result.headline["f1"]
    assert f1.ci is not None
    assert f"**Claim F1 {f1.value:.3f} (95% CI {f1.ci.low:.3f}–{f1.ci.high:.3f})**" in md
    assert "P 0.875 · R 0.700" in md  # 7/8, 7/10
    assert "**Attributed-claim F1" in md
    assert "| accuracy | 1.000 | 1.000 |" in md  # claimant name and type right on every matched pair
    assert "1 missing from the run" in md
    assert len(md.splitlines()) < 60


def test_markdown_gate_and_regressions(gated: EvalResult) -> None:
    md = to_markdown(gated)
    assert "❌ Gate failed" in md
    assert gated.gate is not None
    for reason in gated.gate.reasons:
        assert reason in md
    assert "**Lost claims**" in md and "`art04` gold #0" in md and "`art03` gold #1" in md
    assert "p = " in md and "paired bootstrap" in md
    assert len(md.splitlines()) < 60


def test_markdown_comparison_alone(gated: EvalResult) -> None:
    assert gated.comparison is not None
    md = to_markdown(gated.comparison)
    assert md.startswith("## Comparison: base `runs/base`")
    assert f"| F1 | 1.000 | {gated.claims.f1:.3f} | {gated.comparison.delta_f1:+.3f} |" in md
    assert "gold claims gained 0, lost 3" in md


def test_markdown_escapes_untrusted_text() -> None:
    assert md_text("*bold* <b>x</b> | [a](http://e) `c`") == r"\*bold\* \<b\>x\</b\> \| \[a\](http://e) \`c\`"
    assert md_text("x" * 200, 10) == "x" * 9 + "…"


# --------------------------------------------------------------------------- JUnit


def test_junit_one_case_per_article(result: EvalResult) -> None:
    root = ET.fromstring(to_junit(result).encode())
    suites = root.findall("testsuite")
    assert len(suites) == 1
    cases = suites[0].findall("testcase")
    assert [c.get("name") for c in cases] == IDS
    failed = {c.get("name"): c.find("failure") for c in cases if c.find("failure") is not None}
    assert list(failed) == ["art04"]  # no gate: only the missing article fails
    assert failed["art04"].get("type") == "missing"
    out = cases[3].findtext("system-out") or ""
    assert "P 0.5000 R 0.5000 F1 0.5000 (TP 1 FP 1 FN 1)" in out
    assert suites[0].get("tests") == "5" and suites[0].get("failures") == "1"


def test_junit_gate_and_min_f1(gated: EvalResult) -> None:
    root = ET.fromstring(to_junit(gated).encode())
    cases = root.find("testsuite").findall("testcase")  # type: ignore[union-attr]
    assert len(cases) == 6 and cases[-1].get("name") == "gate"
    failures = {c.get("name"): c.find("failure").get("type") for c in cases if c.find("failure") is not None}  # type: ignore[union-attr]
    # min_f1 0.9: art03 (F1 0.5) fails on it, art04 is missing, the gate fails
    assert failures == {"art03": "min_f1", "art04": "missing", "gate": "gate"}


def test_junit_comparison_and_escaping(gated: EvalResult) -> None:
    assert gated.comparison is not None
    cmp = gated.comparison.model_copy(deep=True)
    cmp.articles[0].article_id = 'a<b>&"c\x01'
    root = ET.fromstring(to_junit(cmp).encode())
    cases = root.find("testsuite").findall("testcase")  # type: ignore[union-attr]
    assert cases[0].get("name") == 'a<b>&"c'  # escaped on write, the control character dropped
    assert len(cases) == len(IDS)


# --------------------------------------------------------------------------- HTML


class _Tags(HTMLParser):
    """Collects start tags and checks that non-void elements are closed in order."""

    VOID = {"meta", "br", "img", "hr", "input", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[str] = []
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(page: str) -> _Tags:
    p = _Tags()
    p.feed(page)
    p.close()
    assert p.stack == [], f"unclosed: {p.stack}"
    return p


def evil_result() -> EvalResult:
    sents = [(0, 55), (56, 92)]
    assert EVIL_TEXT[sents[1][0]:sents[1][1]] == "Peskov said <b>nothing</b> happened."
    gs = GoldSet(root=Path("gold"))
    gs.texts["evil"] = EVIL_TEXT
    gs.articles["evil"] = GoldArticle(article_id="evil", text_sha256=text_sha256(EVIL_TEXT), labelled_by="t",
                                      guideline_version="1",
                                      claims=[claim(0, EVIL_TEXT, sents, statement=EVIL_STATEMENT), claim(1, EVIL_TEXT, sents)])
    pred = [claim(0, EVIL_TEXT, sents, statement=EVIL_STATEMENT)]
    return evaluate(gs, make_run("r", {"evil": pred}, EVIL_TEXT, title="<script>alert('title')</script>"),
                    EvalOptions(resamples=0, floor=False, ceiling=False))


def test_html_escapes_article_and_model_text() -> None:
    page = to_html(evil_result())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<script" not in page.lower() and "<img" not in page.lower() and "<b>nothing" not in page
    assert 'onmouseover="' not in page and "onmouseover=&#34;alert(3)" in page
    tags = parse_html(page)
    assert "script" not in tags.starts and "img" not in tags.starts
    assert "<script>alert(1)</script>" in "".join(tags.text)  # shown to the reader as text


def test_html_report_structure(result: EvalResult) -> None:
    page = to_html(result)
    tags = parse_html(page)
    assert tags.starts.count("section") == len(IDS)
    assert 'class="x"' in page and 'class="m"' in page and 'class="s"' in page  # missed, matched, spurious spans
    assert "missing from the run" in page
    for key in ("f1", "attributed_f1"):
        e = result.headline[key]  # type: ignore[index]
        assert e.ci is not None and f"95% CI [{e.ci.low:.3f}, {e.ci.high:.3f}]" in page
    assert "href=\"http" not in page and "src=" not in page  # self-contained


def test_html_comparison(gated: EvalResult) -> None:
    page = to_html(gated)
    parse_html(page)
    assert "GATE FAILED" in page and "Comparison with the baseline" in page
    assert "lost gold #1: Aliyev said a missile hit the plane" in page
    assert gated.comparison is not None
    alone = to_html(gated.comparison)
    parse_html(alone)
    assert "lost gold #0: Peskov said Moscow was not involved" in alone and "<section" not in alone


def test_segments_cut_overlapping_spans() -> None:
    text = "abcdefghij"
    marks = [Mark(1, 6, "quote", "g0", "matched", "t0"), Mark(4, 9, "quote", "g1", "missed", "t1"),
             Mark(1, 2, "claimant", "g0", None, "c0")]
    segs = segments(text, marks)
    assert [s.text for s in segs] == ["a", "b", "cd", "ef", "ghi", "j"]
    assert [s.classes for s in segs] == ["", "m who", "m", "m x multi", "x", ""]
    assert [s.tags for s in segs] == [[], ["g0"], [], ["g1"], [], []]
    assert segs[3].title == "t0\n\nt1"
    assert "".join(s.text for s in segs) == text


def test_segments_ignore_out_of_range_and_empty() -> None:
    assert [s.text for s in segments("", [])] == []
    assert [s.text for s in segments("abc", [])] == ["abc"]


# --------------------------------------------------------------------------- CLI


runner = CliRunner()


def write_gold_dir(root: Path) -> Path:
    (root / "articles").mkdir(parents=True)
    for aid, g in gold_set().articles.items():
        (root / "articles" / f"{aid}.txt").write_text(TEXT, encoding="utf-8")
        write_gold_file(root / "articles" / f"{aid}.gold.yaml", g)
    return root


def write_run_dir(path: Path, per_article: dict[str, list[Claim]]) -> Path:
    path.mkdir(parents=True)
    recs = make_run(str(path), per_article).records.values()
    (path / "claims.jsonl").write_text("".join(r.model_dump_json() + "\n" for r in recs), encoding="utf-8")
    return path


def test_cli_writes_every_report(tmp_path: Path) -> None:
    gold = write_gold_dir(tmp_path / "gold")
    head = write_run_dir(tmp_path / "head", head_predictions())
    base = write_run_dir(tmp_path / "base", {aid: [claim(0), claim(1)] for aid in IDS})
    md, xml, page, js = (tmp_path / f"out/r.{ext}" for ext in ("md", "xml", "html", "json"))
    common = ["--gold", str(gold), "--resamples", "50", "--no-floor"]
    r = runner.invoke(app, ["eval", str(head), *common, "-o", str(js), "--markdown", str(md), "--junit", str(xml),
                            "--html", str(page), "--quiet"])
    assert r.exit_code == 0, r.output
    assert "this run 0.778" in md.read_text() and len(ET.fromstring(xml.read_bytes()).find("testsuite")) == 6  # properties + 5
    assert "<section" in page.read_text() and json.loads(js.read_text())["claims"]["tp"] == 7

    r = runner.invoke(app, ["eval", str(head), *common, "--baseline", str(base), "--markdown", "-"])
    assert r.exit_code == 1  # the gate fails: F1 dropped from 1.0 to 0.778
    assert r.stdout.startswith("## Claims eval:") and "❌ Gate failed" in r.stdout and "Lost claims" in r.stdout
    assert "GATE FAILED" in r.stderr  # the reasons also go to stderr, as with --json

    r = runner.invoke(app, ["eval", str(head), *common, "--markdown", "-", "--json"])
    assert r.exit_code == 2

    r = runner.invoke(app, ["eval", str(head), *common, "--html", str(tmp_path)])
    assert r.exit_code == 2 and "cannot write the report" in r.output and "Traceback" not in r.output


def test_cli_compare_reports(tmp_path: Path) -> None:
    gold = write_gold_dir(tmp_path / "gold")
    head = write_run_dir(tmp_path / "head", head_predictions())
    base = write_run_dir(tmp_path / "base", {aid: [claim(0), claim(1)] for aid in IDS})
    page, xml = tmp_path / "c.html", tmp_path / "c.xml"
    r = runner.invoke(app, ["compare", str(base), str(head), "--gold", str(gold), "--resamples", "50",
                            "--markdown", "-", "--html", str(page), "--junit", str(xml)])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("## Comparison:") and "gold claims gained 0, lost 3" in r.stdout
    assert "lost gold #0" in page.read_text()
    assert ET.fromstring(xml.read_bytes()).find("testsuite").get("name") == "claims compare"  # type: ignore[union-attr]


def test_write_reports_error_names_the_path(result: EvalResult, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=str(tmp_path)):
        write_reports(result, junit_path=tmp_path)
    assert write_reports(result) == []


def test_comparison_result_round_trips(gated: EvalResult) -> None:
    assert gated.comparison is not None
    again = ComparisonResult.model_validate_json(to_json(gated.comparison))
    assert to_markdown(again) == to_markdown(gated.comparison)


# --------------------------------------------------------------------------- real browser


def _screenshot_module() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "scripts" / "screenshot_report.py"
    spec = importlib.util.spec_from_file_location("screenshot_report", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed (apt-get install chromium)")
def test_headless_chromium_dom_has_text_and_no_injected_element(tmp_path: Path) -> None:
    page = tmp_path / "evil.html"
    page.write_text(to_html(evil_result()), encoding="utf-8")
    dom = _screenshot_module().dump_dom(page)
    p = _Tags()
    p.handle_endtag = lambda tag: None  # type: ignore[method-assign]  # a serialised DOM need not re-balance
    p.feed(dom)
    assert "section" in p.starts and "script" not in p.starts and "img" not in p.starts
    text = "".join(p.text)
    assert 'Officials said "<script>alert(1)</script>" was planted.' in text
    assert "<img src=x onerror=alert(2)>" in text


def test_html_without_article_texts_lists_claims() -> None:
    res = evaluate(gold_set(), make_run("r", head_predictions()),
                   EvalOptions(resamples=0, floor=False, ceiling=False, include_text=False))
    page = to_html(res)
    parse_html(page)
    assert page.count("The article text is not in this result") == len(IDS)
    assert "Share this" in page and "floor not computed" in page and "no interval (0 resamples)" in page
