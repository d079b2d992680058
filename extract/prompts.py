"""Versioned prompt templates: plain YAML + Jinja2 files under ``prompts/``.

Layout::

    prompts/<id>/<version>.yaml      id, version, description, stages
    prompts/examples/<name>.yaml     few-shot examples (invented text, never gold)

A stage is ``{name, output, system, user, examples}``: ``output`` is ``selection``
(a ``ModelSelection``: the check-worthy sentences) or ``claims`` (a ``ModelOutput``);
``system`` and ``user`` are Jinja2 strings rendered with ``StrictUndefined`` so a
misspelt variable is an error, not an empty string; ``examples`` are paths relative
to the template file. An example file holds ``input`` (the article text), optional
``title``, ``output`` (a ``ModelOutput``) and, for templates with a selection stage,
``selection`` (a ``ModelSelection``). One example file serves every stage, so the
selection and the claims of an example stay consistent.

The template hash covers the template file, its example files and the schema
descriptions rendered into the prompt: change any of them and runs, caches and
comparisons see a different prompt.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2
import yaml
from jinja2 import meta
from pydantic import BaseModel, ValidationError

import claims
from claims.extract.grounding import normalize
from claims.kernel import yaml_safe
from claims.kernel.articles import decode_text
from claims.kernel.errors import UserError
from claims.kernel.schema import D, ModelClaim, ModelOutput, ModelSelection, PromptRef

OutputKind = Literal["selection", "claims"]
OUTPUT_MODELS: dict[str, type[BaseModel]] = {"selection": ModelSelection, "claims": ModelOutput}


class PromptError(UserError):
    """A template or example file is missing or invalid; the message names the file."""


# --------------------------------------------------------------------------- schema text


def schema_description(output: OutputKind = "claims") -> str:
    """The output fields and their meaning, built from the schema's own descriptions."""
    if output == "selection":
        desc = ModelSelection.model_fields["sentences"].description
        return f'Return a JSON object {{"sentences": [...]}}.\n- sentences: {desc}'
    lines = [
        'Return a JSON object {"claims": [...]}, one object per claim, in order of appearance, with these fields:',
        f"- statement: {D['statement']}",
        f"- quote: {D['quote']}",
        f"- claimant_text: {D['claimant_text']}",
        f"- claimant_name: {D['claimant_name']}",
        f"- claimant_type: {D['claimant_type']}",
        f"- claimant_role: {D['claimant_role']}",
        f"- cue: {D['cue']}",
        f"- attribution: {D['attribution']}",
        f"- certainty: {D['certainty']}",
    ]
    described = {line.split(":")[0][2:] for line in lines[1:]}
    assert described == set(ModelClaim.model_fields), "schema_description must describe every ModelClaim field"
    return "\n".join(lines)


@lru_cache(maxsize=None)
def _schema_description(output: OutputKind) -> str:
    """``schema_description``, built once per output kind (it is asked for on every render)."""
    return schema_description(output)


_MISSING = object()  # a variable the context lacks (StrictUndefined reports it on render)
_PER_CHUNK = frozenset({"article_text", "title", "article_id", "article_tag"})  # change with every chunk


def article_tag(text: str) -> str:
    """A delimiter tag that does not occur in the text, so an article cannot close its
    own delimiters and smuggle instructions outside them. Deterministic (cache-safe)."""
    tag = "article"
    if "</" not in text or f"</{tag}" not in text.lower():  # lowering a whole article is the cost: skipped when no tag closes
        return tag
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    for n in range(8, 65, 4):
        tag = f"article-{digest[:n]}"
        if tag not in text.lower():
            return tag
    return f"article-{digest}"


# --------------------------------------------------------------------------- model


@dataclass
class Example:
    """One few-shot example: an invented article and the answers every stage expects."""

    path: Path
    input: str
    title: str | None
    outputs: dict[str, BaseModel]  # by output kind: "claims", "selection"

    @property
    def id(self) -> str:
        return f"example-{self.path.stem}"


def _jinja_env() -> Any:

    return jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass
class Stage:
    """One request/answer round of a template."""

    name: str
    output: OutputKind
    system: str = ""
    user: str = ""
    examples: list[Example] = field(default_factory=list)
    path: Path | None = None
    # Names and output kinds of the stages before this one (for example contexts).
    previous: list[tuple[str, OutputKind]] = field(default_factory=list)
    _compiled: tuple[Any, Any] | None = field(default=None, repr=False, compare=False)
    # Rendered once and reused: the system prompt (by the values of the variables it
    # reads) and the few-shot messages (by the schema description they carry).
    _system_vars: tuple[str, ...] | None = field(default=None, repr=False, compare=False)
    _system_cache: dict[tuple[Any, ...], str] = field(default_factory=dict, repr=False, compare=False)
    _examples_cache: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def output_model(self) -> type[BaseModel]:
        return OUTPUT_MODELS[self.output]

    def _templates(self) -> tuple[Any, Any]:
        if self._compiled is None:

            env = _jinja_env()
            self._system_vars = tuple(sorted(meta.find_undeclared_variables(env.parse(self.system))))
            self._compiled = (env.from_string(self.system), env.from_string(self.user))
        return self._compiled

    def _system(self, system_t: Any, ctx: dict[str, Any]) -> str:
        """The rendered system prompt, cached by the values of the variables it reads.

        A system prompt normally reads only ``schema_description``, so it is rendered
        once per stage; one that reads the chunk (text, title, id, tag) or a non-string
        value (an earlier stage's output) is rendered every time, so the cache never
        grows with the number of articles.
        """
        names = self._system_vars or ()
        key = tuple(ctx.get(name, _MISSING) for name in names)
        if _PER_CHUNK.intersection(names) or not all(v is None or v is _MISSING or type(v) is str for v in key):
            return self._render_one(system_t, ctx, "system")
        out = self._system_cache.get(key)
        if out is None:
            out = self._system_cache[key] = self._render_one(system_t, ctx, "system")
        return out

    def _examples(self, user_t: Any, schema_desc: str) -> tuple[tuple[str, str], ...]:
        """The few-shot (user, assistant) contents: fixed per stage, so rendered once."""
        if type(schema_desc) is not str:
            return self._render_examples(user_t, schema_desc)
        out = self._examples_cache.get(schema_desc)
        if out is None:
            out = self._examples_cache[schema_desc] = self._render_examples(user_t, schema_desc)
        return out

    def _render_examples(self, user_t: Any, schema_desc: Any) -> tuple[tuple[str, str], ...]:
        pairs = []
        for ex in self.examples:
            ex_ctx: dict[str, Any] = {
                "article_text": ex.input,
                "title": ex.title,
                "article_id": ex.id,
                "schema_description": schema_desc,
            }
            for name, kind in self.previous:
                ex_ctx[name] = ex.outputs[kind]
            ex_ctx = self._full_context(ex_ctx)
            answer = ex.outputs[self.output].model_dump(mode="json")
            pairs.append((self._render_one(user_t, ex_ctx, f"example {ex.path.name}"), json.dumps(answer, ensure_ascii=False)))
        return tuple(pairs)

    def _full_context(self, context: dict[str, Any]) -> dict[str, Any]:
        ctx = dict(context)
        if "schema_description" not in ctx:
            ctx["schema_description"] = _schema_description(self.output)
        ctx.setdefault("title", None)
        ctx.setdefault("article_id", None)
        if "article_text" in ctx:
            ctx.setdefault("article_tag", article_tag(ctx["article_text"]))
        return ctx

    def _render_one(self, tmpl: Any, ctx: dict[str, Any], what: str) -> str:

        try:
            return tmpl.render(**ctx).strip()
        except jinja2.UndefinedError as e:
            where = f"{self.path}: " if self.path else ""
            raise PromptError(f"{where}stage {self.name!r} {what}: {e.message}") from None

    def render(self, context: dict[str, Any]) -> list[dict[str, str]]:
        """The chat messages for one chunk: system, few-shot user/assistant pairs, user.

        ``context`` holds ``article_text`` (the chunk), ``title``, ``article_id`` and,
        for later stages, the earlier stages' parsed outputs by stage name;
        ``schema_description`` and ``article_tag`` are filled in when absent.
        """
        system_t, user_t = self._templates()
        ctx = self._full_context(context)
        messages = [{"role": "system", "content": self._system(system_t, ctx)}]
        for user, assistant in self._examples(user_t, ctx["schema_description"]):
            messages.append({"role": "user", "content": user})
            messages.append({"role": "assistant", "content": assistant})
        messages.append({"role": "user", "content": self._render_one(user_t, ctx, "user")})
        return messages


@dataclass
class PromptTemplate:
    id: str
    version: str
    description: str
    stages: list[Stage]
    path: Path
    sha256: str

    @property
    def ref(self) -> PromptRef:
        return PromptRef(id=self.id, version=self.version, sha256=self.sha256)

    @property
    def example_paths(self) -> list[Path]:
        seen: dict[Path, None] = {}
        for st in self.stages:
            for ex in st.examples:
                seen.setdefault(ex.path, None)
        return list(seen)

    def stage(self, name: str) -> Stage:
        for st in self.stages:
            if st.name == name:
                return st
        raise PromptError(f"{self.path}: no stage {name!r} (stages: {', '.join(s.name for s in self.stages)})")


# --------------------------------------------------------------------------- loading


def default_prompts_dir() -> Path:
    """./prompts in the working directory, else the copy bundled in the package, else
    (source checkout) the repository's prompts/ beside the package root."""

    cwd = Path.cwd() / "prompts"
    if cwd.is_dir():
        return cwd
    root = Path(claims.__file__).resolve().parent
    bundled = root / "bundled" / "prompts"
    if bundled.is_dir():
        return bundled
    return root.parent / "prompts"


def _version_key(version: str) -> tuple:
    """Natural order: v2 < v10; numbers before text within a position."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", version) if p)


def _read_yaml(path: Path, what: str) -> dict[str, Any]:

    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise PromptError(f"{path}: cannot read {what}: {e}") from None
    try:
        data = yaml_safe.safe_load(raw)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise PromptError(f"{path}: invalid YAML{where}: {getattr(e, 'problem', None) or e}") from None
    if not isinstance(data, dict):
        raise PromptError(f"{path}: {what} must be a YAML mapping")
    return data


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    loc = ".".join(str(x) for x in err["loc"])
    return f"{loc}: {err['msg']}" if loc else err["msg"]


def _load_example(path: Path, root: Path, cache: dict[Path, Example]) -> Example:
    path = path.resolve()
    if path in cache:
        return cache[path]
    try:
        path.relative_to(root.resolve())
    except ValueError:
        raise PromptError(f"{path}: example files must live inside the prompts folder {root}") from None
    data = _read_yaml(path, "example file")
    unknown = set(data) - {"input", "title", "output", "selection", "note"}
    if unknown:
        raise PromptError(f"{path}: unknown keys {sorted(unknown)} (expected input, title, output, selection, note)")
    text = data.get("input")
    if not isinstance(text, str) or not text.strip():
        raise PromptError(f"{path}: 'input' must be the non-empty example article text")
    outputs: dict[str, BaseModel] = {}
    for key, kind in (("output", "claims"), ("selection", "selection")):
        if key in data:
            try:
                outputs[kind] = OUTPUT_MODELS[kind].model_validate(data[key])
            except ValidationError as e:
                raise PromptError(f"{path}: '{key}' does not match {OUTPUT_MODELS[kind].__name__}: {_first_error(e)}") from None
    # An example that teaches a non-verbatim quote teaches the model to paraphrase.
    if "claims" in outputs:
        for i, c in enumerate(outputs["claims"].claims):  # type: ignore[attr-defined]
            for what, s in (("quote", c.quote), ("claimant_text", c.claimant_text), ("cue", c.cue)):
                if s is not None and s not in text:
                    raise PromptError(f"{path}: claim {i} {what} {s!r} is not verbatim in the example input")
    if "selection" in outputs:
        for s in outputs["selection"].sentences:  # type: ignore[attr-defined]
            if s not in text:
                raise PromptError(f"{path}: selected sentence {s!r} is not verbatim in the example input")
    title = data.get("title")
    ex = Example(path=path, input=text, title=str(title) if title is not None else None, outputs=outputs)
    cache[path] = ex
    return ex


def _parse_template(path: Path, root: Path) -> PromptTemplate:

    data = _read_yaml(path, "prompt template")
    for key in ("id", "version", "description", "stages"):
        if key not in data:
            raise PromptError(f"{path}: missing key {key!r}")
    unknown = set(data) - {"id", "version", "description", "stages"}
    if unknown:
        raise PromptError(f"{path}: unknown keys {sorted(unknown)}")
    tid, version = str(data["id"]), str(data["version"])
    if tid != path.parent.name or version != path.stem:
        raise PromptError(f"{path}: id/version {tid}@{version} do not match the file location {path.parent.name}/{path.stem}.yaml")
    raw_stages = data["stages"]
    if not isinstance(raw_stages, list) or not raw_stages:
        raise PromptError(f"{path}: 'stages' must be a non-empty list")
    env = _jinja_env()
    cache: dict[Path, Example] = {}
    stages: list[Stage] = []
    previous: list[tuple[str, OutputKind]] = []
    for i, st in enumerate(raw_stages):
        where = f"{path}: stage {i + 1}"
        if not isinstance(st, dict):
            raise PromptError(f"{where} must be a mapping")
        unknown = set(st) - {"name", "output", "system", "user", "examples"}
        if unknown:
            raise PromptError(f"{where}: unknown keys {sorted(unknown)}")
        name, output = st.get("name"), st.get("output")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise PromptError(f"{where}: 'name' must be an identifier (it names the stage's output in later stages)")
        if name in {"article_text", "title", "article_id", "schema_description", "article_tag"} or name in dict(previous):
            raise PromptError(f"{where}: stage name {name!r} is reserved or repeated")
        if output not in OUTPUT_MODELS:
            raise PromptError(f"{where} ({name}): 'output' must be one of {sorted(OUTPUT_MODELS)}, not {output!r}")
        for key in ("system", "user"):
            if not isinstance(st.get(key), str) or not st[key].strip():
                raise PromptError(f"{where} ({name}): '{key}' must be a non-empty string")
            try:
                env.parse(st[key])
            except jinja2.TemplateSyntaxError as e:
                raise PromptError(f"{where} ({name}): Jinja2 syntax error in '{key}' line {e.lineno}: {e.message}") from None
        ex_paths = st.get("examples") or []
        if not isinstance(ex_paths, list) or not all(isinstance(p, str) for p in ex_paths):
            raise PromptError(f"{where} ({name}): 'examples' must be a list of file paths")
        examples = [_load_example(path.parent / p, root, cache) for p in ex_paths]
        needed = {output} | {kind for _, kind in previous}
        for ex in examples:
            lacking = needed - set(ex.outputs)
            if lacking:
                key = {"claims": "output", "selection": "selection"}
                raise PromptError(f"{ex.path}: example lacks {', '.join(repr(key[k]) for k in sorted(lacking))} needed by stage {name!r} of {path}")
        stages.append(Stage(name=name, output=output, system=st["system"], user=st["user"], examples=examples, path=path, previous=list(previous)))
        previous.append((name, output))
    if stages[-1].output != "claims":
        raise PromptError(f"{path}: the last stage must have output 'claims'")
    h = hashlib.sha256()
    h.update(b"template\0" + path.read_bytes())
    for ex_path in sorted(cache):
        h.update(b"\0example\0" + ex_path.relative_to(root.resolve()).as_posix().encode() + b"\0" + ex_path.read_bytes())
    for kind in sorted({s.output for s in stages}):
        h.update(b"\0schema\0" + schema_description(kind).encode())
    return PromptTemplate(
        id=tid, version=version, description=str(data["description"]).strip(), stages=stages, path=path, sha256=h.hexdigest()
    )


def _split_ref(ref: str) -> tuple[str, str | None]:
    tid, _, version = ref.strip().partition("@")
    if not tid or "/" in tid or "\\" in tid or ".." in tid or (version and ("/" in version or ".." in version)):
        raise PromptError(f"invalid prompt reference {ref!r}; expected ID or ID@VERSION, e.g. claims-direct@v1")
    return tid, version or None


def _versions(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml"), key=lambda p: _version_key(p.stem))


def load_template(ref: str, prompts_dir: Path | None = None) -> PromptTemplate:
    """The template ``ID`` (latest version) or ``ID@VERSION``; PromptError when missing or invalid."""
    root = Path(prompts_dir) if prompts_dir is not None else default_prompts_dir()
    tid, version = _split_ref(ref)
    folder = root / tid
    if not folder.is_dir():
        known = ", ".join(sorted(p.parent.name for p in root.glob("*/*.yaml") if p.parent.name != "examples")) or "none"
        raise PromptError(f"{folder}: no prompt template {tid!r} (known: {known})")
    if version is None:
        versions = _versions(folder)
        if not versions:
            raise PromptError(f"{folder}: no versions (*.yaml) of prompt template {tid!r}")
        path = versions[-1]
    else:
        path = folder / f"{version}.yaml"
        if not path.is_file():
            have = ", ".join(p.stem for p in _versions(folder)) or "none"
            raise PromptError(f"{path}: no version {version!r} of prompt template {tid!r} (versions: {have})")
    return _parse_template(path, root)


def list_templates(prompts_dir: Path | None = None) -> list[PromptTemplate]:
    """Every version of every template, by id then version."""
    root = Path(prompts_dir) if prompts_dir is not None else default_prompts_dir()
    if not root.is_dir():
        raise PromptError(f"{root}: prompts folder not found")
    out = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "examples"):
        for path in _versions(folder):
            out.append(_parse_template(path, root))
    return out


# --------------------------------------------------------------------------- gold leakage


def _example_strings(ex: Example) -> list[tuple[str, str]]:
    out = [("input", ex.input)]
    if ex.title:
        out.append(("title", ex.title))
    if "claims" in ex.outputs:
        for i, c in enumerate(ex.outputs["claims"].claims):  # type: ignore[attr-defined]
            out.append((f"claim {i} statement", c.statement))
    return out


def check_examples_against_gold(template: PromptTemplate, gold_texts: dict[str, str], min_overlap: int = 60) -> list[str]:
    """Problems when a few-shot example shares a long passage with a gold article.

    Few-shot examples copied from the evaluation articles would leak the answers into
    the prompt and inflate every score. Comparison is on the normalised text
    (whitespace, quotes, dashes, case), ``min_overlap`` characters or more.
    """

    if min_overlap < 1:
        raise ValueError("min_overlap must be positive")
    grams: dict[str, str] = {}
    norm_gold = {gid: normalize(t) for gid, t in gold_texts.items()}
    for gid, g in norm_gold.items():
        for i in range(len(g) - min_overlap + 1):
            grams.setdefault(g[i : i + min_overlap], gid)
    problems: list[str] = []
    for ex_path in template.example_paths:
        ex = next(e for st in template.stages for e in st.examples if e.path == ex_path)
        for what, s in _example_strings(ex):
            n = normalize(s)
            i = 0
            while i <= len(n) - min_overlap:
                gid = grams.get(n[i : i + min_overlap])
                if gid is None:
                    i += 1
                    continue
                # Extend the hit to its full length for the message.
                g = norm_gold[gid]
                gpos = g.find(n[i : i + min_overlap])
                length = min_overlap
                while i + length < len(n) and gpos + length < len(g) and n[i + length] == g[gpos + length]:
                    length += 1
                snippet = n[i : i + length]
                snippet = snippet if len(snippet) <= 80 else snippet[:77] + "..."
                problems.append(
                    f"{ex.path}: {what} shares {length} characters with gold article {gid!r}: {snippet!r}"
                )
                i += length
    return problems


def refuse_gold_overlap(template: PromptTemplate, gold_texts: dict[str, str], ref: str, override: str) -> None:
    """PromptError when the template's few-shot examples copy gold articles: evaluating
    on them would be leakage. ``override`` names the option that allows it anyway."""
    problems = check_examples_against_gold(template, gold_texts)
    if problems:
        raise PromptError(
            f"prompt {ref!r}: its examples overlap gold articles ({'; '.join(problems)[:300]}); "
            f"evaluating on them would be leakage ({override} to override)"
        )


def gold_texts_from_dir(gold_dir: Path) -> dict[str, str]:
    """Article texts of a gold folder (``<dir>/articles/*.txt``, or ``<dir>/*.txt``), by id."""

    gold_dir = Path(gold_dir)
    folder = gold_dir / "articles" if (gold_dir / "articles").is_dir() else gold_dir
    if not folder.is_dir():
        raise PromptError(f"{gold_dir}: gold folder not found")
    out = {}
    for p in sorted(folder.glob("*.txt")):
        try:
            out[p.stem] = decode_text(p.read_bytes(), str(p))
        except ValueError as e:
            raise PromptError(str(e)) from None
    return out
