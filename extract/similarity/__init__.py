"""One similarity layer for claims: the eval matcher, chunk dedupe and the cross-article
linker all compare statements through it.

- ``Similarity`` (protocol): ``name``, ``threshold``, ``costly``, batched ``prepare``,
  ``score`` in [0, 1]; optional ``vectors`` (``VectorSimilarity``) and ``score_pairs``
  (``PairwiseSimilarity``).
- Methods by name (``get_similarity``): ``lexical`` (weighted token F1), ``embedding``
  (wordllama offline, or any OpenAI-compatible ``/v1/embeddings``), ``judge`` (an LLM
  asked both ways whether two statements have the same truth conditions).
- ``statement_similarity(method)``: the method behind the fact checks (numbers, dates,
  polarity, antonyms, actors): a ``FactChecked`` whose ``compare`` gives a ``Verdict``
  with the reason a pair does not match.
"""

from claims.extract.similarity.base import PairwiseSimilarity, Similarity, VectorSimilarity, has_vectors, score_pairs
from claims.extract.similarity.registry import DEFAULT_METHOD, get_similarity, register_similarity, similarity_methods, statement_similarity

__all__ = [
    "DEFAULT_METHOD", "PairwiseSimilarity", "Similarity", "VectorSimilarity", "get_similarity", "has_vectors",
    "register_similarity", "score_pairs", "similarity_methods", "statement_similarity",
]
