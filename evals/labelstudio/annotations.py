"""Label Studio's JSON export -> gold files, validated like ``claims gold check``.

One submitted annotation of a task becomes ``articles/<id>.gold.yaml``. Several
annotations of one task (independent labellers) become the label sets
``double/<id>.a.yaml``, ``<id>.b.yaml``, ... in annotation order, which the agreement
code and the eval's ceiling read; the one marked *ground truth* in Label Studio (the
adjudicated one), if any, also becomes the article's gold file. ``labelled_by`` names the
Label Studio user and annotation; a single annotation of a task exported from gold is
a review of that gold, so it keeps the gold's ``labelled_by`` in front. Cancelled (skipped)
annotations and drafts are not labels and are ignored.

Every problem is collected (each names the task, the annotation and the region) and
nothing is written while there is one, so a half-imported gold directory never exists.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from claims.evals.agreement import Agreement, double_agreement
from claims.evals.gold import GoldError, GoldSet, text_conflicts, write_gold_file, write_new_texts
from claims.evals.gold_check import claim_problems, validation_messages
from claims.evals.labelstudio.config import CHOICES, CLAIM, CLAIMANT, CUE, REL_CLAIMANT, REL_CUE, SPAN, TEXT, TEXTAREAS
from claims.evals.labelstudio.tasks import CLAIM_ID_PREFIX
from claims.kernel.schema import Claim, GoldArticle, GoldClaim, text_sha256

_ROLE = {CLAIMANT: REL_CLAIMANT, CUE: REL_CUE}
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]+$")


class LabelStudioError(GoldError):
    """The export as a whole cannot be read; the message names the file."""


@dataclass(frozen=True)
class Problem:
    where: str  # file: task (article), annotation
    region: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.where}, region {self.region}: {self.message}" if self.region else f"{self.where}: {self.message}"


@dataclass
class Imported:
    """What an export holds, converted; written only when ``problems`` is empty."""

    gold: dict[str, GoldArticle] = field(default_factory=dict)
    double: dict[str, list[GoldArticle]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tasks: int = 0
    annotations: int = 0

    @property
    def claims(self) -> int:
        return sum(len(g.claims) for g in self.gold.values())


@dataclass
class _Region:
    id: str
    label: str
    start: int
    end: int

    def describe(self, text: str) -> str:
        snippet = text[self.start : self.end]
        return f"{self.id} ({self.label} {snippet[:40] + ('...' if len(snippet) > 40 else '')!r})"


def read_export(path: str | Path) -> list[dict[str, Any]]:
    """The tasks of a Label Studio JSON export (Export -> JSON, or the API's exportType=JSON)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise LabelStudioError(f"{p}: cannot read: {e.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise LabelStudioError(f"{p}: not JSON: {str(e).splitlines()[0]}") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(t, dict) and isinstance(t.get("data"), dict) for t in data):
        raise LabelStudioError(f"{p}: not a Label Studio JSON export (expected a list of tasks, each with 'data')")
    return data


def _set(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


def _old_index(region_id: str) -> int | None:
    """The claim's index in the exported source, for a region our export made."""
    tail = region_id[len(CLAIM_ID_PREFIX):] if region_id.startswith(CLAIM_ID_PREFIX) else ""
    return int(tail) if tail.isdigit() else None


def _in_order(claims: list[tuple[str, Claim]]) -> list[Claim]:
    """Exported claims keep their exported order; each new one goes after the last claim
    whose quote starts at or before its own (Label Studio does not keep result order)."""
    old = sorted((c for c in claims if _old_index(c[0]) is not None), key=lambda c: _old_index(c[0]) or 0)
    out = [c for _, c in old]
    new = [c for rid, c in claims if _old_index(rid) is None]
    for c in sorted(new, key=lambda c: (c.quote_span.start, c.quote_span.end)):  # type: ignore[union-attr]
        pos = max((k + 1 for k, o in enumerate(out) if o.quote_span.start <= c.quote_span.start), default=0)  # type: ignore[union-attr]
        out.insert(pos, c)
    return out


class _Reader:
    """One annotation's result being read: its regions, per-claim fields, links and problems."""

    def __init__(self, text: str, where: str) -> None:
        self.text, self.where = text, where
        self.problems: list[Problem] = []
        self.regions: dict[str, _Region] = {}
        self.fields: dict[str, dict[str, Any]] = {}  # region id -> control name -> value
        self.links: dict[str, dict[str, str]] = {}  # claim region id -> role -> region id

    def bad(self, region: str | None, message: str) -> None:
        self.problems.append(Problem(self.where, region, message))

    def item(self, n: int, item: Any) -> None:
        """A region or a per-claim control's value."""
        if not isinstance(item, dict):
            return self.bad(f"#{n}", "result item is not an object")
        rid, name, value = item.get("id"), item.get("from_name"), item.get("value")
        if not isinstance(value, dict) or rid is None:
            return self.bad(str(rid) if rid is not None else f"#{n}", "result item without an id or a value")
        rid = str(rid)
        if name == SPAN:
            self.region(rid, value)
        elif name in CHOICES:
            allowed = [m.value for m in CHOICES[name][2]]
            choices = value.get("choices")
            if not (isinstance(choices, list) and len(choices) == 1 and choices[0] in allowed):
                return self.bad(rid, f"{name}: {choices!r} is not one of {', '.join(allowed)}")
            self.fields.setdefault(rid, {})[name] = choices[0]
        elif name in TEXTAREAS:
            texts = value.get("text")
            if not (isinstance(texts, list) and all(isinstance(t, str) for t in texts)):
                return self.bad(rid, f"{name}: the text box holds no list of strings")
            texts = [t for t in texts if t.strip()]
            if len(texts) > 1:
                return self.bad(rid, f"{name}: {len(texts)} entries; keep one")
            if texts:
                self.fields.setdefault(rid, {})[name] = texts[0]
        else:
            self.bad(rid, f"unknown control {name!r} (not in the interface of `claims gold label-studio-config`)")

    def region(self, rid: str, value: dict[str, Any]) -> None:
        text = self.text
        start, end, labels = value.get("start"), value.get("end"), value.get("labels")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            return self.bad(rid, f"offsets [{start}, {end}) are not a span of the article (length {len(text)})")
        if not (isinstance(labels, list) and len(labels) == 1 and labels[0] in (CLAIM, CLAIMANT, CUE)):
            return self.bad(rid, f"labels {labels!r}: a region is exactly one of {CLAIM}, {CLAIMANT}, {CUE}")
        if "text" in value and value["text"] != text[start:end]:
            return self.bad(rid, f"says it covers {value['text']!r} but the article has {text[start:end]!r} at [{start}, {end})")
        if rid in self.regions:
            return self.bad(rid, "two regions with the same id")
        self.regions[rid] = _Region(rid, labels[0], start, end)

    def fields_on_claims(self) -> None:
        for rid, fields in self.fields.items():
            names = ", ".join(fields)
            if rid not in self.regions:
                self.bad(rid, f"{names} set for a region that is not in the annotation")
            elif self.regions[rid].label != CLAIM:
                r = self.regions[rid]
                self.bad(r.describe(self.text), f"{names} set on a {r.label} region; a claim's fields belong on its Claim region")

    def relation(self, rel: dict[str, Any]) -> None:
        """A link from a claim to its claimant or cue, drawn in either direction."""
        a, b = str(rel.get("from_id")), str(rel.get("to_id"))
        name = f"relation {a} -> {b}"
        if a not in self.regions or b not in self.regions:
            return self.bad(name, "refers to a region that is not in the annotation")
        ra, rb = self.regions[a], self.regions[b]
        if (ra.label == CLAIM) == (rb.label == CLAIM):
            return self.bad(name, f"links a {ra.label} to a {rb.label}; relations go from a Claim to its Claimant or Cue")
        claim, other = (ra, rb) if ra.label == CLAIM else (rb, ra)
        role = _ROLE[other.label]
        given = [str(x).lower() for x in rel.get("labels") or []]
        if given and given != [role]:
            return self.bad(name, f"labelled {', '.join(given)} but points at a {other.label} region")
        prev = self.links.setdefault(claim.id, {}).get(role)
        if prev is not None and prev != other.id:
            return self.bad(claim.describe(self.text),
                            f"has two {role}s ({self.regions[prev].describe(self.text)} and {other.describe(self.text)})")
        self.links[claim.id][role] = other.id

    def unlinked(self) -> None:
        linked = {rid for roles in self.links.values() for rid in roles.values()}
        for r in self.regions.values():
            if r.label != CLAIM and r.id not in linked:
                self.bad(r.describe(self.text), "is linked to no claim; draw a relation from its Claim to it (or delete it)")

    def claim(self, r: _Region) -> Claim | None:
        """The claim of a Claim region, or None (with its problems recorded)."""
        text, got, where = self.text, self.fields.get(r.id, {}), r.describe(self.text)
        if "statement" not in got:
            self.bad(where, "no statement: fill in the Statement box")
            return None
        raw: dict[str, Any] = {"quote": text[r.start : r.end], "quote_span": {"start": r.start, "end": r.end},
                               "claimant": {}, "grounded": True}
        for name, path in [*((k, v[0]) for k, v in CHOICES.items()), *((k, v[0]) for k, v in TEXTAREAS.items())]:
            if name in got:
                _set(raw, path, got[name])
        for role, key in ((REL_CLAIMANT, "claimant"), (REL_CUE, "cue")):
            if role in self.links.get(r.id, {}):
                o = self.regions[self.links[r.id][role]]
                raw.setdefault(key, {}).update(text=text[o.start : o.end], span={"start": o.start, "end": o.end})
        try:
            claim = GoldClaim.model_validate(raw)
        except ValidationError as e:
            self.problems.extend(Problem(self.where, where, m) for m in validation_messages(e))
            return None
        self.problems.extend(Problem(self.where, where, m) for m in claim_problems(claim, text))
        return claim


def annotation_claims(result: Any, text: str, where: str) -> tuple[list[Claim], list[Problem]]:
    """The claims of one annotation's ``result`` over ``text``, and every problem in it."""
    reader = _Reader(text, where)
    if not isinstance(result, list):
        reader.bad(None, "result is not a list")
        return [], reader.problems
    relations = [item for item in result if isinstance(item, dict) and item.get("type") == "relation"]
    for n, item in enumerate(result):
        if not (isinstance(item, dict) and item.get("type") == "relation"):
            reader.item(n, item)
    reader.fields_on_claims()
    for rel in relations:
        reader.relation(rel)
    reader.unlinked()
    claims: list[tuple[str, Claim]] = []
    seen: dict[str, str] = {}
    for r in reader.regions.values():
        claim = reader.claim(r) if r.label == CLAIM else None
        if claim is None:
            continue
        key = claim.model_dump_json()
        if key in seen:
            reader.bad(r.describe(text), f"exact duplicate of claim region {seen[key]}")
            continue
        seen[key] = r.id
        claims.append((r.id, claim))
    return _in_order(claims), reader.problems


def _who(annotation: dict[str, Any]) -> str:
    by = annotation.get("completed_by")
    if isinstance(by, dict):
        by = by.get("email") or by.get("id")
    return f"Label Studio user {by} (annotation {annotation.get('id')})"


def convert_export(
    tasks: list[dict[str, Any]], where: str, *, labelled_by: str | None = None, guideline_version: str | None = None
) -> Imported:
    """Every task of an export, converted; problems collected, nothing written."""
    imp = Imported(tasks=len(tasks))
    for task in tasks:
        data, tid = task["data"], task.get("id")
        aid = data.get("article_id") or f"task-{tid}"
        twhere = f"{where}: task {tid} ({aid})"
        text = data.get(TEXT)
        if not isinstance(text, str) or not text:
            imp.problems.append(Problem(twhere, None, f"data.{TEXT} is not the article text"))
            continue
        if not isinstance(aid, str) or not _SAFE_ID.match(aid):
            imp.problems.append(Problem(twhere, None, f"article_id {aid!r} cannot name a gold file (letters, digits, _ and - only)"))
            continue
        if aid in imp.texts:
            imp.problems.append(Problem(twhere, None, f"a second task for article {aid}"))
            continue
        pin = data.get("text_sha256")
        if pin and pin != text_sha256(text):
            imp.problems.append(Problem(twhere, None, "the task's text no longer hashes to its text_sha256 (edited in Label Studio?)"))
            continue
        done = sorted(
            (a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")),
            key=lambda a: (a.get("id") is None, a.get("id") if isinstance(a.get("id"), int) else 0),
        )
        if not done:
            imp.notes.append(f"{twhere}: no submitted annotation; not imported")
            continue
        imp.texts[aid] = text
        golds = []
        for ann in done:
            claims, probs = annotation_claims(ann.get("result"), text, f"{twhere}, annotation {ann.get('id')}")
            imp.problems += probs
            who = _who(ann)
            # one annotation of a gold task is a review of that gold; several are label sets of their own
            reviewed = data.get("labelled_by") and len(done) == 1
            golds.append(GoldArticle(
                article_id=aid,
                text_sha256=text_sha256(text),
                labelled_by=labelled_by or (f"{data['labelled_by']}; reviewed by {who}" if reviewed else who),
                guideline_version=guideline_version or data.get("guideline_version") or "unspecified",
                notes=data.get("notes"),
                claims=claims,
            ))
        imp.annotations += len(golds)
        if len(golds) == 1:
            imp.gold[aid] = golds[0]
            continue
        imp.double[aid] = golds
        truth = [g for g, a in zip(golds, done) if a.get("ground_truth")]
        if len(truth) == 1:
            imp.gold[aid] = truth[0]
        else:
            imp.notes.append(
                f"{twhere}: {len(golds)} annotations, {'several' if truth else 'none'} marked ground truth: "
                f"written to double/ only; adjudicate (mark one as ground truth) and import again for its gold file"
            )
    return imp


def write_import(imp: Imported, out: Path) -> list[Path]:
    """Write texts (new ones only), gold files and double/ label sets; returns the files written."""
    written = write_new_texts(out / "articles", imp.texts)
    for aid, g in imp.gold.items():
        written.append(out / "articles" / f"{aid}.gold.yaml")
        write_gold_file(written[-1], g)
    for aid, sets in imp.double.items():
        for k, g in enumerate(sets):
            written.append(out / "double" / f"{aid}.{_letter(k)}.yaml")
            write_gold_file(written[-1], g)
    return written


def _letter(k: int) -> str:
    """a, b, ..., z, then z026, z027: file names that sort in annotation order."""
    return chr(ord("a") + k) if k < 26 else f"z{k:03d}"


def import_label_studio(
    export: str | Path, out: str | Path, *, labelled_by: str | None = None, guideline_version: str | None = None
) -> Imported:
    """Read, convert and (when there is no problem) write an export into gold directory ``out``."""
    tasks = read_export(export)
    imp = convert_export(tasks, str(export), labelled_by=labelled_by, guideline_version=guideline_version)
    art = Path(out) / "articles"
    imp.problems += [Problem(str(art / f"{a}.txt"), None, "exists with another text than the task's; not overwritten")
                     for a in text_conflicts(art, imp.texts)]
    if not imp.problems:
        write_import(imp, Path(out))
    return imp


def double_agreement_rows(imp: Imported, out: str | Path) -> list[Agreement]:
    """Agreement of the first two label sets of each multiply-annotated task (the eval's ceiling pair)."""
    return double_agreement(GoldSet(root=Path(out), double={a: s for a, s in imp.double.items() if len(s) >= 2}))
