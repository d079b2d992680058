"""The brat standoff format (``.ann`` beside ``.txt``), read and written line by line.

Only the format lives here: text-bound (T), relation (R), event (E) and attribute (A)
lines, checked against the article text. What those lines mean for claims (which
T is a Source, which a Content) belongs to its readers and writers: gold import and
export in ``claims.evals.brat``, the attribution view of a run in
``claims.extract.export_brat``.

Offsets are Python str indices (code points) into the text as loaded, as brat's own
are. A text-bound annotation may be discontinuous (``0 5;10 20``): its fragments are
kept. Real corpora have text fields that contain newlines (the span crosses a
paragraph), which puts the rest of the field on the following lines; those lines are
joined back while they continue the span's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from claims.kernel.errors import UserError


class BratError(UserError):
    """A .ann file cannot be read; the message names the file and line."""


Fragment = tuple[int, int]


@dataclass
class TextBound:
    id: str
    type: str
    fragments: tuple[Fragment, ...]
    text: str  # the article text from the first start to the last end

    @property
    def start(self) -> int:
        return self.fragments[0][0]

    @property
    def end(self) -> int:
        return self.fragments[-1][1]


@dataclass
class Relation:
    line: int
    type: str
    arg1: str
    arg2: str


@dataclass
class Event:
    line: int
    id: str
    type: str
    trigger: str
    roles: list[tuple[str, str]]


@dataclass
class Standoff:
    """One parsed .ann file; every id an R/E/A line refers to exists in ``textbounds``."""

    textbounds: dict[str, TextBound] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    # target id -> {attribute name (lower-case): value}
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)


_SPANS = re.compile(r"^\d+ \d+(;\d+ \d+)*$")


def _norm(s: str) -> str:
    return " ".join(s.split())


def parse(ann_text: str, text: str, where: str) -> Standoff:
    """Parse one .ann file against its text; a bad line raises BratError naming ``where``:line."""
    out = Standoff()
    refs: list[tuple[int, str]] = []
    lines = ann_text.splitlines()
    n = 0
    while n < len(lines):
        line = lines[n]
        n += 1
        if not line.strip() or line.startswith("#"):
            continue

        def bad(msg: str, at: int = n, line: str = line) -> BratError:
            return BratError(f"{where}:{at}: {msg}: {line[:80]!r}")

        kind = line[0]
        parts = line.split("\t")
        if kind == "T":
            if len(parts) < 2:
                raise bad("text-bound line needs ID<TAB>Type start end<TAB>text")
            head = parts[1].split(" ", 1)
            if len(head) != 2 or not _SPANS.match(head[1]):
                raise bad("bad text-bound offsets")
            frags = tuple(sorted((int(a), int(b)) for a, b in (f.split() for f in head[1].split(";"))))
            if any(s >= e or e > len(text) for s, e in frags):
                raise bad(f"offsets outside the text (length {len(text)}) or empty")
            if len(parts) >= 3:
                at = n
                want = _norm(" ".join(text[int(a) : int(b)] for a, b in (f.split() for f in head[1].split(";"))))
                got = "\t".join(parts[2:])
                # a text field holding newlines continues on the next lines
                while _norm(got) != want and n < len(lines) and want.startswith(_norm(got + "\n" + lines[n])):
                    got += "\n" + lines[n]
                    n += 1
                if _norm(got) != want:
                    raise bad(f"annotation text does not match the article at those offsets ({want[:40]!r})", at)
            out.textbounds[parts[0]] = TextBound(parts[0], head[0], frags, text[frags[0][0] : frags[-1][1]])
        elif kind == "R":
            fields = parts[1].split() if len(parts) >= 2 else []
            args = dict(f.split(":", 1) for f in fields[1:] if ":" in f)
            if len(fields) != 3 or "Arg1" not in args or "Arg2" not in args:
                raise bad("relation line needs ID<TAB>Type Arg1:Tx Arg2:Ty")
            out.relations.append(Relation(n, fields[0], args["Arg1"], args["Arg2"]))
            refs += [(n, args["Arg1"]), (n, args["Arg2"])]
        elif kind == "E":
            fields = parts[1].split() if len(parts) >= 2 else []
            if not fields or any(":" not in f for f in fields):
                raise bad("event line needs ID<TAB>Type:Trigger Role:Tx ...")
            pairs = [tuple(f.split(":", 1)) for f in fields]
            (etype, trigger), roles = pairs[0], pairs[1:]
            out.events.append(Event(n, parts[0], etype, trigger, roles))  # type: ignore[arg-type]
            refs += [(n, trigger)] + [(n, tid) for _, tid in roles]
        elif kind == "A":
            fields = parts[1].split() if len(parts) >= 2 else []
            if len(fields) < 2:
                raise bad("attribute line needs ID<TAB>Name Target [Value]")
            out.attributes.setdefault(fields[1], {})[fields[0].lower()] = fields[2] if len(fields) > 2 else "true"
        elif kind in "MN*":
            continue  # modifiers, normalisations, equivalences: nothing to import
        else:
            raise bad("unknown annotation line")
    for at, tid in refs:
        if tid not in out.textbounds:
            raise BratError(f"{where}:{at}: refers to unknown text-bound annotation {tid}")
    return out


class Writer:
    """Builds one .ann file: ids are allocated in order, identical (type, fragments)
    text-bounds are written once unless ``shared=False``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: list[str] = []
        self._tb: dict[tuple[str, tuple[Fragment, ...]], str] = {}
        self._n = {"T": 0, "R": 0, "E": 0, "A": 0}

    def _id(self, kind: str) -> str:
        self._n[kind] += 1
        return f"{kind}{self._n[kind]}"

    def textbound(self, type_: str, fragments: tuple[Fragment, ...], *, shared: bool = True) -> str:
        key = (type_, fragments)
        if shared and key in self._tb:
            return self._tb[key]
        tid = self._id("T")
        offsets = ";".join(f"{a} {b}" for a, b in fragments)
        shown = " ".join(_norm(self.text[a:b]) for a, b in fragments)
        self.lines.append(f"{tid}\t{type_} {offsets}\t{shown}")
        if shared:
            self._tb[key] = tid
        return tid

    def relation(self, type_: str, arg1: str, arg2: str) -> str:
        rid = self._id("R")
        self.lines.append(f"{rid}\t{type_} Arg1:{arg1} Arg2:{arg2}")
        return rid

    def event(self, type_: str, trigger: str, roles: list[tuple[str, str]]) -> str:
        eid = self._id("E")
        self.lines.append(f"{eid}\t{type_}:{trigger} " + " ".join(f"{r}:{t}" for r, t in roles))
        return eid

    def attribute(self, name: str, target: str, value: str) -> str:
        aid = self._id("A")
        self.lines.append(f"{aid}\t{name} {target} {value}")
        return aid

    def render(self) -> str:
        return "\n".join(self.lines) + ("\n" if self.lines else "")
