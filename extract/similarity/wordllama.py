"""``embedding`` offline: WordLlama's 256-dimension static embeddings, shipped in its wheel.

WordLlama (``pip install wordllama``) pools token embeddings taken from a large
language model's embedding table; it needs no GPU and no download, and embeds
statements at tens of thousands a second on one core. Score = cosine of the
L2-normalised mean-pooled vectors, clipped at 0.

Loading offline: the wheel ships the weights and the tokenizer config, but the loader
looks for the tokenizer under ``<package>/tokenizer/`` while the wheel puts it under
``<package>/tokenizers/``, then falls back to a download. Loading with ``cache_dir``
set to the package folder (where ``tokenizers/`` is) and downloads disabled finds both
files and never touches the network.

Speed: the library's own ``embed`` pads each batch to its longest statement; here the
token ids of the whole batch are pooled with one sparse-matrix product instead (the
same mean, to float32 rounding; a test checks it against ``embed``), which makes a
million statements a matter of a minute rather than many.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from claims.extract.similarity.cosine import CosineScores
from claims.kernel.errors import UserError

WORDLLAMA_CONFIG = "l2_supercat"
WORDLLAMA_DIM = 256
EMBEDDING_THRESHOLD = 0.58  # calibrated on gold/contrast (claims calibrate-similarity)
BATCH = 8192  # statements tokenized and pooled per step: bounds memory on a million statements

_lock = threading.Lock()
_models: dict[tuple[str, int], Any] = {}


def load_wordllama(config: str = WORDLLAMA_CONFIG, dim: int = WORDLLAMA_DIM) -> Any:
    """The WordLlama model from the installed wheel, never downloaded; UserError when it is missing."""
    with _lock:
        model = _models.get((config, dim))
        if model is not None:
            return model
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        try:
            import wordllama  # heavy (tokenizers, safetensors): imported on first use only
        except ImportError:
            raise UserError("the embedding similarity needs the wordllama package: pip install wordllama") from None
        finally:
            # wordllama.inference calls logging.basicConfig() at import: a library must not
            # configure the application's logging, so the root logger is put back as it was.
            for h in root.handlers[:]:
                if h not in handlers:
                    root.removeHandler(h)
            root.setLevel(level)
        try:
            model = wordllama.WordLlama.load(config=config, dim=dim, cache_dir=Path(wordllama.__file__).parent,
                                             disable_download=True)
        except (FileNotFoundError, ValueError) as e:
            raise UserError(f"wordllama model {config}-{dim} is not in the installed package: {e}") from None
        model.tokenizer.no_padding()
        model.tokenizer.no_truncation()
        _models[(config, dim)] = model
        return model


class WordLlamaEmbedding(CosineScores):
    """Cosine of WordLlama sentence vectors (see the module docstring)."""

    costly = False

    def __init__(self, threshold: float = EMBEDDING_THRESHOLD, config: str = WORDLLAMA_CONFIG, dim: int = WORDLLAMA_DIM,
                 batch_size: int = BATCH) -> None:
        self.threshold = threshold
        self.config = config
        self.dim = dim
        self.batch_size = batch_size
        self.name = f"embedding:wordllama-{config}-{dim}"

    def vectors(self, statements: Sequence[str]) -> Any:
        """(n, dim) float32, rows L2-normalised (a statement with no tokens is the zero row)."""

        model = load_wordllama(self.config, self.dim)
        table = model.embedding
        out = np.zeros((len(statements), table.shape[1]), dtype=np.float32)
        for lo in range(0, len(statements), self.batch_size):
            chunk = list(statements[lo : lo + self.batch_size])
            enc = model.tokenizer.encode_batch(chunk, add_special_tokens=False)
            lens = np.fromiter((len(e.ids) for e in enc), dtype=np.int64, count=len(enc))
            ids = np.fromiter((i for e in enc for i in e.ids), dtype=np.int64, count=int(lens.sum()))
            np.clip(ids, 0, table.shape[0] - 1, out=ids)
            indptr = np.concatenate(([0], np.cumsum(lens)))
            counts = sp.csr_matrix((np.ones(len(ids), dtype=np.float32), ids, indptr), shape=(len(chunk), table.shape[0]))
            pooled = np.asarray(counts @ table, dtype=np.float32)  # sum of token vectors; the mean's norm is the same
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[lo : lo + len(chunk)] = pooled / np.where(norms > 0, norms, 1.0)
        return out
