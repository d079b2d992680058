"""The one place where the linker meets the similarity layer (``claims.extract``, issue #15).

Linking asks three things of statement similarity, each at its own cost:

1. **Scores for the candidate pairs** of up to a million claims, as arrays
   (``LinkSimilarity``): ``prepare(statements)`` once for the batch, ``score_pairs(prepared,
   i, j)`` for arrays of pairs, ``vectors(prepared)`` (unit rows whose inner products
   approximate the score) for the nearest-neighbour candidates, and a ``threshold``.
   The default, ``lexical``, is the linker's own TF-IDF cosine over the matcher's content
   words with the IDF fitted on the claims being linked: words every claim of a story
   shares (*plane*, *Azerbaijan*, *crash*) say nothing about which claim it is, which the
   layer's token F1 (fixed weights, built to compare one prediction with one gold claim)
   cannot know; and a million rows score as sparse products, not a Python loop per pair.
   ``token-f1`` is the layer's ``lexical`` method, ``embedding`` the layer's embedding
   (wordllama offline, or a server's ``/v1/embeddings``).
2. **Fact checks** (``PairChecks``): the layer's ``FactChecked.conflict`` (numbers, dates,
   antonyms, actors, frames, causes), asked only of the pairs that would otherwise link, and
   read one would-be cluster at a time so that the facts of a million statements are
   never held at once. Polarity does not veto a link: a claim and its denial are one
   proposition with different certainty (GUIDELINES §13 L2), whether the denial is the
   claim's certainty (a denied claim states the proposition its claimant rejects, flagged
   as the matcher flags it) or in its wording ("did not shoot down"). A pair the polarity
   check opposes is returned as a ``polarity`` conflict that the linker keeps together
   and shows as a conflict of the cluster; the other checks are still asked first, so an
   opposed pair with a wrong number is vetoed all the same.
3. **The judge** (``load_judge``): the layer's LLM judge (same truth conditions, asked in
   both orders, cached, retried, counted), for the borderline pairs the offline score
   cannot decide; never for a pair the fact checks already ruled out.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from claims.extract import (
    CHECKS, HEDGE_RE, STOPWORDS, TOKEN_RE, Checked, Conflict, Facts, find_conflict, get_similarity, score_pairs,
    statement_similarity, stem, strip_frame,
)
from claims.kernel.errors import UserError

METHODS = ("lexical", "token-f1", "embedding", "judge")
DEFAULT_METHOD = "lexical"
JUDGE_PROPOSER = "lexical"  # the offline method that proposes and scores candidates for the judge
VECTOR_DIM = 64
LEXICAL_THRESHOLD = 0.43  # chosen on gold/ (the gold claims and the rules run): README, "Claims across articles"
EMBEDDING_THRESHOLD = 0.8  # wordllama's 256-d cosine, on the gold claims; a server's model needs its own --threshold
TOKEN_F1_THRESHOLD = 0.55
JUDGE_MARGIN = 0.15


class LinkSimilarity(Protocol):
    name: str
    threshold: float

    def prepare(self, statements: Sequence[str]) -> Any: ...

    def score_pairs(self, prepared: Any, i: np.ndarray, j: np.ndarray) -> np.ndarray: ...

    def vectors(self, prepared: Any) -> np.ndarray: ...

    def stats(self) -> dict[str, Any]: ...


# GUIDELINES §13 L5: "E indicates / points to / suggests / underscores P", "there are signs
# that P" are the claim P. Only at the start of a statement, with a subject of a few words
# and no comma ("It was too soon to tell, pointing to ..." keeps its words). "E shows /
# reveals X" describes the evidence itself and is left alone.
_EVIDENCE = re.compile(
    r"^(?:there\s+(?:is|are|was|were|has\s+been|have\s+been)\s+(?:[\w'’-]+\s+){0,2}?"
    r"(?:signs?|indications?|evidence|suggestions?)(?:\s+(?:that|of|suggesting|indicating|pointing\s+to))?"
    r"|(?:[\w'’-]+\s+){1,6}?(?:indicates?|indicated|points?\s+to|pointed\s+to|suggests?|suggested|"
    r"underscores?|underscored|signals?|signall?ed|hints?\s+at|hinted\s+at)(?:\s+that)?)\s+",
    re.I,
)


def proposition(statement: str) -> str:
    """The statement without the wording of its certainty: a reporting frame ("X said that
    P", "P, according to X"), an evidence frame ("E suggests P", "there are signs that P")
    and hedges ("may", "reportedly", "likely", "early signs"). GUIDELINES §13: the claimant,
    the cue and the certainty are not part of the proposition (L1, L2, L5), so two outlets'
    "The plane was reportedly downed" and "Early evidence points to the plane being
    downed" should score as "the plane was downed" does. Only the linking score reads this;
    the fact checks read the statement as written."""
    text = _EVIDENCE.sub("", strip_frame(statement), count=1)
    return HEDGE_RE.sub(" ", text)


def content_tokens(statement: str) -> list[str]:
    """The matcher's content words: casefolded, stopwords out, lightly stemmed; numbers kept whole."""
    out = []
    for m in TOKEN_RE.finditer(unicodedata.normalize("NFKC", statement)):
        low = m.group(0).casefold().replace("’", "'")
        if low in STOPWORDS:
            continue
        out.append(low.replace(",", "") if low[0].isdigit() else stem(low))
    return out


@lru_cache(maxsize=1 << 20)
def _token_seed(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


def _projection(vocab: Sequence[str], dim: int) -> np.ndarray:
    """One fixed Gaussian row per token, seeded by the token itself (same token, same row, any batch)."""
    out = np.empty((len(vocab), dim), dtype=np.float32)
    for r, tok in enumerate(vocab):
        out[r] = np.random.default_rng(_token_seed(tok)).standard_normal(dim, dtype=np.float32)
    return out / math.sqrt(dim)


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _dot_pairs(v: np.ndarray, i: np.ndarray, j: np.ndarray, block: int = 1 << 18) -> np.ndarray:
    out = np.empty(len(i), dtype=np.float32)
    for s in range(0, len(i), block):
        out[s : s + block] = np.einsum("ij,ij->i", v[i[s : s + block]], v[j[s : s + block]])
    return out


class IdfLexical:
    """TF-IDF cosine of content words, the IDF fitted on the statements being linked.

    ``certainty_free`` (default): the words of each statement's proposition (``proposition``),
    not of its reporting, evidence or hedge wording."""

    name = "lexical"

    def __init__(self, threshold: float = LEXICAL_THRESHOLD, dim: int = VECTOR_DIM, certainty_free: bool = True) -> None:
        self.threshold = threshold
        self.dim = dim
        self.certainty_free = certainty_free

    def prepare(self, statements: Sequence[str]) -> Any:
        from scipy.sparse import csr_matrix

        vocab: dict[str, int] = {}
        indptr, indices, counts = [0], [], []
        for s in statements:
            row: dict[int, int] = {}
            for tok in content_tokens(proposition(s) if self.certainty_free else s):
                t = vocab.setdefault(tok, len(vocab))
                row[t] = row.get(t, 0) + 1
            indices.extend(row)
            counts.extend(row.values())
            indptr.append(len(indices))
        n = len(statements)
        x = csr_matrix((np.asarray(counts, dtype=np.float32), np.asarray(indices, dtype=np.int32),
                        np.asarray(indptr, dtype=np.int64)), shape=(n, len(vocab)))
        df = np.bincount(x.indices, minlength=len(vocab))
        x.data = (1.0 + np.log(x.data)) * np.log((n + 1) / df[x.indices]).astype(np.float32)
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        x = csr_matrix(x.multiply(1.0 / np.where(norms > 0, norms, 1.0)[:, None]), dtype=np.float32)
        return x, list(vocab)

    def score_pairs(self, prepared: Any, i: np.ndarray, j: np.ndarray, block: int = 1 << 18) -> np.ndarray:
        x, _ = prepared
        out = np.empty(len(i), dtype=np.float32)
        for s in range(0, len(i), block):
            a, b = x[i[s : s + block]], x[j[s : s + block]]
            out[s : s + block] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
        return out

    def vectors(self, prepared: Any) -> np.ndarray:
        x, vocab = prepared
        return _unit_rows(np.asarray(x @ _projection(vocab, self.dim)))

    def stats(self) -> dict[str, Any]:
        return {}


class Embedding:
    """Cosine of the layer's sentence vectors: wordllama offline (the model ships in its
    wheel), or a server's ``/v1/embeddings`` when a model is named."""

    def __init__(self, method: Any, threshold: float = EMBEDDING_THRESHOLD) -> None:
        self.method = method
        self.name = str(method.name)
        self.threshold = threshold

    def prepare(self, statements: Sequence[str]) -> np.ndarray:
        return _unit_rows(np.asarray(self.method.vectors(list(statements)), dtype=np.float32))

    def score_pairs(self, prepared: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return _dot_pairs(prepared, i, j)

    def vectors(self, prepared: np.ndarray) -> np.ndarray:
        return prepared

    def stats(self) -> dict[str, Any]:
        fn = getattr(self.method, "stats", None)
        return dict(fn()) if fn else {}


class TokenF1:
    """The layer's weighted token F1 (the matcher's ``lexical``), scored pair by pair;
    candidates from the layer's embedding vectors (token F1 has no vectors)."""

    name = "token-f1"

    def __init__(self, vectors_from: Embedding, threshold: float = TOKEN_F1_THRESHOLD) -> None:
        self.threshold = threshold
        self._sim = get_similarity("lexical")
        self._vectors_from = vectors_from

    def prepare(self, statements: Sequence[str]) -> tuple[list[Any], Sequence[str]]:
        return self._sim.prepare(list(statements)), statements

    def score_pairs(self, prepared: Any, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        bags, _ = prepared
        return np.fromiter((self._sim.score(bags[a], bags[b]) for a, b in zip(i.tolist(), j.tolist())),
                           dtype=np.float32, count=len(i))

    def vectors(self, prepared: Any) -> np.ndarray:
        return self._vectors_from.prepare(prepared[1])

    def stats(self) -> dict[str, Any]:
        return self._vectors_from.stats()


def load_similarity(name: str = DEFAULT_METHOD, threshold: float | None = None, **server: Any) -> LinkSimilarity:
    """The offline scorer by name, at the linker's threshold for it unless one is given.

    ``judge`` is not a scorer: its candidates and scores come from ``JUDGE_PROPOSER``
    (``load_judge`` builds the judge itself). ``server`` (model, base_url, cache_dir,
    jobs) names an embedding server for ``embedding``; None values are left out.
    """
    server = {k: v for k, v in server.items() if v is not None}
    if name == "judge":
        name = JUDGE_PROPOSER
        server = {}
    if name not in METHODS:
        raise UserError(f"unknown similarity {name!r}; expected one of {', '.join(METHODS)}")
    sim: LinkSimilarity
    if name == "lexical":
        sim = IdfLexical()
    else:
        server.pop("price_table", None)
        embedding = Embedding(get_similarity("embedding", **(server if name == "embedding" else {})))
        sim = embedding if name == "embedding" else TokenF1(embedding)
    if threshold is not None:
        sim.threshold = threshold
    return sim


def load_judge(*, model: str | None = None, base_url: str | None = None, cache_dir: str | None = None, jobs: int | None = None,
               price_table: dict[str, Any] | None = None) -> Any:
    """The layer's LLM judge, bare: the linker runs the fact checks first (``PairChecks``),
    so the judge is asked only about pairs they let through."""
    return get_similarity("judge", model=model, base_url=base_url, cache_dir=cache_dir, jobs=jobs, price_table=price_table)


def judge_pairs(judge: Any, statements: Sequence[str], i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The judge's verdict (True: the same truth conditions) for each pair, asked concurrently."""
    if not len(i):
        return np.zeros(0, dtype=bool)
    pairs = [(statements[a], statements[b]) for a, b in zip(i.tolist(), j.tolist())]
    prepared = judge.prepare([s for pair in pairs for s in pair])
    scores = score_pairs(judge, list(zip(prepared[0::2], prepared[1::2])))
    return np.asarray(scores, dtype=np.float64) >= float(judge.threshold)


PARALLEL_MIN = 20_000  # pairs to check before worker processes pay for their start-up
_SHARED: dict[str, Any] = {}  # what forked workers read (set just before the pool forks)


OPPOSING = ("polarity",)  # checks that flag a linked pair as a conflict instead of vetoing it
OPPOSED = "opposed"  # the check name of a polarity conflict where one statement negates what the other states


class PairChecks:
    """The layer's fact checks over the linker's mentions.

    ``fact_checks=False`` keeps the object (so callers need no branch) but vetoes nothing.
    ``checks`` are the checks that run; those in ``OPPOSING`` (polarity) are asked only when
    no other check finds a conflict, and a statement that negates what the other states
    comes back as ``OPPOSED``: the linker keeps that pair and flags it (GUIDELINES §13 L2).
    Reading a statement's facts costs ~0.25 ms (actors, numbers, dates): a million linked
    claims cost minutes of CPU, so above ``PARALLEL_MIN`` pairs the groups are shared out to
    ``processes`` forked workers (0: one per core), each reading whole groups.
    """

    def __init__(self, fact_checks: bool = True, *, processes: int = 0, parallel_min: int = PARALLEL_MIN) -> None:
        self.checks: tuple[str, ...] = CHECKS if fact_checks else ()
        self.opposing: tuple[str, ...] = tuple(c for c in self.checks if c in OPPOSING)
        vetoing = [c for c in self.checks if c not in OPPOSING]
        self._checked = statement_similarity("lexical", fact_checks=vetoing)  # type: ignore[arg-type]  # its method never scores
        self.processes = processes if processes > 0 else _cores()
        self.parallel_min = parallel_min

    def conflicts(self, statements: Sequence[str], denied: np.ndarray, i: np.ndarray, j: np.ndarray,
                  group: np.ndarray) -> list[Conflict | None]:
        """The conflict (None: the facts agree) of each pair (i[p], j[p]): a vetoing check's,
        else the polarity check's: ``OPPOSED`` when one statement negates what the other states
        (the caller links the pair and flags it), ``polarity`` when the negation is of something
        the other does not state (a veto, as before).

        ``group[m]``: the would-be cluster of mention m; pairs are read one group at a time
        and a mention's facts are kept only while its group is read, so memory stays that
        of the largest cluster, whatever the corpus.
        """
        out: list[Conflict | None] = [None] * len(i)
        if not self.checks or not len(i):
            return out
        order = np.argsort(group[i], kind="stable")
        keys = group[i][order]
        chunks = _chunks(keys, self.processes if len(i) >= self.parallel_min else 1)
        parts = [order[a:b] for a, b in chunks]
        if len(parts) > 1 and "fork" in multiprocessing.get_all_start_methods():
            _SHARED.update(checked=self._checked, opposing=self.opposing, statements=statements, denied=denied, i=i, j=j,
                           group=group)
            try:
                with multiprocessing.get_context("fork").Pool(min(self.processes, len(parts))) as pool:
                    found = [hit for part in pool.imap_unordered(_read_shared, parts) for hit in part]
            finally:
                _SHARED.clear()
        else:
            found = [hit for part in parts
                     for hit in _read(self._checked, self.opposing, statements, denied, i, j, group, part)]
        for p, c in found:
            out[p] = c
        return out


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _chunks(keys: np.ndarray, n: int) -> list[tuple[int, int]]:
    """``n`` (or fewer) slices of the sorted keys, cut only where a group ends, so that each
    group's facts are read by one worker, once; several per worker even out their load."""
    if n <= 1 or len(keys) < 2:
        return [(0, len(keys))]
    ends = np.flatnonzero(keys[1:] != keys[:-1]) + 1  # where a group starts
    want = np.linspace(0, len(keys), 4 * n + 1)[1:-1]
    cuts = np.unique(ends[np.clip(np.searchsorted(ends, want), 0, len(ends) - 1)]) if len(ends) else np.empty(0, dtype=np.int64)
    bounds = [0, *cuts.tolist(), len(keys)]
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def _read_shared(part: np.ndarray) -> list[tuple[int, Conflict]]:
    w = _SHARED
    return _read(w["checked"], w["opposing"], w["statements"], w["denied"], w["i"], w["j"], w["group"], part)


def _read(checked: Any, opposing: tuple[str, ...], statements: Sequence[str], denied: np.ndarray, i: np.ndarray,
          j: np.ndarray, group: np.ndarray, part: np.ndarray) -> list[tuple[int, Conflict]]:
    """(pair, conflict) for the pairs among ``part`` (pair positions sorted by group) that a
    vetoing check rules out or, failing that, an opposing one opposes."""
    found: list[tuple[int, Conflict]] = []
    held: dict[int, Checked] = {}
    current = -1

    def prepared(m: int) -> Checked:
        c = held.get(m)
        if c is None:
            c = held[m] = Checked(None, statements[m], bool(denied[m]))
        return c

    for p in part.tolist():
        a, b = int(i[p]), int(j[p])
        key = int(group[a])
        if key != current:
            held.clear()
            current = key
        pa, pb = prepared(a), prepared(b)
        c = checked.conflict(pa, pb)
        if c is None and opposing and (pa.signature is None or pb.signature is None) and pa.statement != pb.statement:
            c = find_conflict(pa.facts, pb.facts, opposing)  # a statement that negates has no signature (nor one naming a cause)
            if c is not None and c.check == "polarity":
                opposes = negates_other(pa.facts, pb.facts) if c.right == "affirmative" else negates_other(pb.facts, pa.facts)
                if opposes:
                    c = Conflict(OPPOSED, c.left, c.right)
        if c is not None:
            found.append((p, c))
    return found


def negates_other(neg: Facts, other: Facts) -> bool:
    """Is ``neg``'s negation a negation of what ``other`` states? Most of the words it negates
    must be in ``other`` ("did not shoot down the plane" vs "shot down the plane": yes; "has
    not responded to the allegations that P" vs "P": no, what is negated is the response,
    a different proposition, and the polarity check's veto stands)."""
    for _word, scope in neg.negations:
        if scope and 2 * len(scope & other.content) >= len(scope):
            return True
    return False
