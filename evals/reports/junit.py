"""JUnit XML report: CI systems show each article as a test case and the gate as one more.

An article's case fails when the run has no record for it, when extraction failed for
it, or when its F1 is below the gate's ``--min-f1`` (when that was set). A comparison
(`claims compare`) has no threshold, so its article cases only carry base → head
scores and never fail. ElementTree does the escaping; characters
that XML 1.0 cannot carry at all (most C0 controls) are dropped first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from claims.evals.results import PRF, ArticleResult, ComparisonResult, EvalResult, GateResult
from claims.kernel.io import atomic_write_text

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(s: str) -> str:
    return _XML_ILLEGAL.sub("", s)


def _prf(p: PRF) -> str:
    return f"P {p.precision:.4f} R {p.recall:.4f} F1 {p.f1:.4f} (TP {p.tp} FP {p.fp} FN {p.fn})"


def _case(suite: ET.Element, classname: str, name: str, out: str,
          failure: tuple[str, str] | None = None) -> None:
    tc = ET.SubElement(suite, "testcase", classname=classname, name=_clean(name), time="0")
    if failure is not None:
        kind, message = failure
        f = ET.SubElement(tc, "failure", type=kind, message=_clean(message))
        f.text = _clean(message)
    ET.SubElement(tc, "system-out").text = _clean(out)


def _article_failure(a: ArticleResult, min_f1: float | None) -> tuple[str, str] | None:
    if not a.in_run:
        return ("missing", f"article {a.article_id} has no record in the run (all {a.n_gold} gold claims missed)")
    if a.failed:
        return ("extraction_failed", f"the run recorded a failure for article {a.article_id}")
    if min_f1 is not None and a.claims.f1 < min_f1:
        return ("min_f1", f"article F1 {a.claims.f1:.4f} < minimum {min_f1:.4f}")
    return None


def _gate_case(suite: ET.Element, gate: GateResult) -> None:
    out = "\n".join(f"{'PASS' if c.passed else 'FAIL'} {c.name}: {c.message}" for c in gate.checks)
    failure = None if gate.passed else ("gate", "; ".join(gate.reasons))
    _case(suite, "claims.gate", "gate", out, failure)


def to_junit(result: EvalResult | ComparisonResult) -> str:
    name = "claims eval" if isinstance(result, EvalResult) else "claims compare"
    root = ET.Element("testsuites", name=name)
    suite = ET.SubElement(root, "testsuite", name=name)
    props = ET.SubElement(suite, "properties")
    if isinstance(result, EvalResult):
        min_f1 = result.gate.min_f1 if result.gate is not None else None
        for key, value in (("run", result.run.path), ("gold", result.gold.path),
                           ("similarity", result.thresholds.similarity_text()),
                           ("f1", f"{result.claims.f1:.4f}"), ("attributed_f1", f"{result.attributed.f1:.4f}")):
            ET.SubElement(props, "property", name=key, value=_clean(value))
        for a in result.articles:
            out = f"claims: {_prf(a.claims)}\nattributed: {_prf(a.attributed)}\ngold {a.n_gold}, predicted {a.n_pred}"
            _case(suite, "claims.articles", a.article_id, out, _article_failure(a, min_f1))
        if result.gate is not None:
            _gate_case(suite, result.gate)
    else:
        for key, value in (("base", result.base.run), ("head", result.head.run), ("gold", result.gold),
                           ("similarity", result.thresholds.similarity_text()),
                           ("delta_f1", f"{result.delta_f1:+.4f}")):
            ET.SubElement(props, "property", name=key, value=_clean(value))
        for d in result.articles:
            out = (f"base: {_prf(d.base)}\nhead: {_prf(d.head)}\ndelta F1 {d.delta_f1:+.4f}; "
                   f"gold claims gained {len(d.gained)}, lost {len(d.lost)}; field flips {len(d.flips)}")
            _case(suite, "claims.articles", d.article_id, out)
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    suite.set("time", "0")
    for k in ("tests", "failures", "errors"):
        root.set(k, suite.get(k, "0"))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(result: EvalResult | ComparisonResult, path: str | Path) -> None:
    atomic_write_text(path, to_junit(result))
