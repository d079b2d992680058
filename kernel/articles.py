"""Articles in: .txt files and folders, JSONL, and Hugging Face `datasets`.

Loading streams: ``iter_articles`` yields one ``Article`` or ``LoadFailure`` at a
time, so a 20,000-article corpus never sits in memory. A bad article becomes a
``LoadFailure`` (recorded, the job goes on); a bad *input* (missing path, unknown
format, duplicate id) raises ``InputError`` with a one-line message naming the file.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from claims.kernel.errors import UserError
from claims.kernel.schema import text_sha256


class InputError(UserError):
    """The input as a whole cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class Article:
    id: str
    text: str
    title: str | None = None
    url: str | None = None
    published: str | None = None
    source: str | None = None

    @cached_property
    def sha256(self) -> str:
        return text_sha256(self.text)


@dataclass(frozen=True)
class LoadFailure:
    article_id: str
    source: str
    message: str
    error: str = "InvalidArticle"


@dataclass
class LoadOptions:
    text_field: str = "text"
    id_field: str = "id"
    title_field: str = "title"
    extra_fields: tuple[str, ...] = field(default=("url", "published"))


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 with an optional BOM; line endings are kept so offsets match the file."""
    if b"\x00" in data[:8192]:
        raise ValueError(f"{source}: looks like a binary file (NUL bytes), not UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"{source}: invalid UTF-8 at byte {e.start}") from None


def first_line_title(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return None


def _txt_article(path: Path) -> Article | LoadFailure:
    try:
        text = decode_text(path.read_bytes(), str(path))
    except ValueError as e:
        return LoadFailure(path.stem, str(path), str(e))
    except OSError as e:
        return LoadFailure(path.stem, str(path), f"{path}: cannot read: {e.strerror}")
    if not text.strip():
        return LoadFailure(path.stem, str(path), f"{path}: empty article", "EmptyArticle")
    return Article(id=path.stem, text=text, title=first_line_title(text), source=str(path))


def article_from_record(rec: dict, where: str, opts: LoadOptions) -> Article | LoadFailure:
    """One JSONL line or dataset row as an article (``where`` names it in messages and is its source)."""
    rid = rec.get(opts.id_field)
    text = rec.get(opts.text_field)
    if rid is None or str(rid).strip() == "":
        return LoadFailure(where, where, f"{where}: missing id field {opts.id_field!r}", "MissingField")
    rid = str(rid)
    if not isinstance(text, str):
        return LoadFailure(rid, where, f"{where}: field {opts.text_field!r} missing or not a string", "MissingField")
    if not text.strip():
        return LoadFailure(rid, where, f"{where}: empty article {rid!r}", "EmptyArticle")
    extra = {k: (str(rec[k]) if rec.get(k) is not None else None) for k in opts.extra_fields}
    title = rec.get(opts.title_field)
    return Article(id=rid, text=text, title=str(title) if title else None, source=where, **extra)


def _jsonl_articles(path: Path, opts: LoadOptions) -> Iterator[Article | LoadFailure]:
    try:
        fh = path.open("rb")
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None
    records = 0
    with fh:
        for lineno, raw in enumerate(fh, 1):
            where = f"{path}:{lineno}"
            if not raw.strip():
                continue
            records += 1
            try:
                text = decode_text(raw, where)
            except ValueError as e:
                yield LoadFailure(where, where, str(e), "InvalidJSON")  # the message already names file:line
                continue
            try:
                rec = json.loads(text)
            except ValueError as e:
                yield LoadFailure(where, where, f"{where}: invalid JSON line ({str(e).splitlines()[0][:120]})", "InvalidJSON")
                continue
            if not isinstance(rec, dict):
                yield LoadFailure(where, where, f"{where}: expected a JSON object", "InvalidJSON")
                continue
            yield article_from_record(rec, where, opts)
    if records == 0:
        raise InputError(f"{path}: empty input (no JSON lines)")


def _is_saved_dataset(path: Path) -> bool:
    return path.is_dir() and (
        (path / "dataset_info.json").exists() or (path / "state.json").exists() or (path / "dataset_dict.json").exists()
    )


def _dataset_articles(path: Path, opts: LoadOptions) -> Iterator[Article | LoadFailure]:
    """Saved datasets are memory-mapped Arrow; Parquet/JSON files are streamed."""
    import datasets  # heavy: only when a dataset is actually read

    datasets.disable_progress_bars()
    try:
        if _is_saved_dataset(path):
            ds = datasets.load_from_disk(str(path))
            if isinstance(ds, datasets.DatasetDict):
                if len(ds) != 1:
                    raise InputError(f"{path}: dataset has splits {sorted(ds)}; save one split")
                ds = next(iter(ds.values()))
        else:
            kind = "parquet" if path.suffix == ".parquet" else "json"
            ds = datasets.load_dataset(kind, data_files=str(path), split="train", streaming=True)
        cols = ds.column_names
    except InputError:
        raise
    except Exception as e:  # datasets raises many types for unreadable files
        raise InputError(f"{path}: cannot read as a dataset: {str(e).splitlines()[0][:200]}") from None
    if cols is not None:
        for f in (opts.text_field, opts.id_field):
            if f not in cols:
                raise InputError(f"{path}: no column {f!r} (columns: {', '.join(cols)}); use --text-field/--id-field")
    rows = iter(ds)
    for i in itertools.count():
        try:
            rec = next(rows)
        except StopIteration:
            return
        except Exception as e:  # a streamed file fails when a bad row is reached, not at open
            raise InputError(f"{path}: cannot read as a dataset: {str(e).splitlines()[0][:200]}") from None
        yield article_from_record(rec, f"{path}[{i}]", opts)


def _expand(path: Path) -> Iterator[tuple[str, Path]]:
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    if path.is_dir():
        if _is_saved_dataset(path):
            yield "dataset", path
            return
        found = sorted(path.rglob("*.txt"))
        if not found:
            raise InputError(f"{path}: folder holds no .txt articles")
        for p in found:
            yield "txt", p
        return
    suffix = path.suffix.lower()
    if suffix == ".txt":
        yield "txt", path
    elif suffix in (".jsonl", ".ndjson"):
        yield "jsonl", path
    elif suffix in (".parquet", ".json"):
        yield "dataset", path
    else:
        raise InputError(f"{path}: unknown input type {suffix or '(no extension)'}; expected .txt, a folder, .jsonl, .parquet or .json")


def input_files(inputs: Iterable[str | Path]) -> Iterator[tuple[str, Path]]:
    """(kind, path) of every file the inputs name, in order: ``txt``, ``jsonl`` or
    ``dataset``. A distributed reader hands these out to its tasks; InputError for a
    missing or unknown input."""
    for inp in inputs:
        yield from _expand(Path(inp))


def iter_file(kind: str, path: Path, opts: LoadOptions) -> Iterable[Article | LoadFailure]:
    """The articles of one file from ``input_files`` (no duplicate check across files)."""
    if kind == "txt":
        return [_txt_article(path)]
    if kind == "jsonl":
        return _jsonl_articles(path, opts)
    return _dataset_articles(path, opts)


def iter_articles(inputs: Iterable[str | Path], opts: LoadOptions | None = None) -> Iterator[Article | LoadFailure]:
    """All articles of all inputs, in order. Raises InputError on a duplicate id."""
    opts = opts or LoadOptions()
    seen: dict[str, str] = {}
    for kind, path in input_files(inputs):
        for item in iter_file(kind, path, opts):
            aid = item.id if isinstance(item, Article) else item.article_id
            where = item.source or str(path)
            if aid in seen:
                raise InputError(f"{where}: duplicate article id {aid!r} (first seen in {seen[aid]})")
            seen[aid] = where
            yield item


def load_articles(inputs: Iterable[str | Path], opts: LoadOptions | None = None) -> list[Article]:
    """Convenience for small inputs (tests, gold): every article, or InputError on the first failure."""
    out = []
    for item in iter_articles(inputs, opts):
        if isinstance(item, LoadFailure):
            raise InputError(item.message)
        out.append(item)
    return out
