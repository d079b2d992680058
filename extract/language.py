"""Which language an article is written in, offline, so the rules backend can say what it did.

English news is recognised without a model: when the commonest English function words
make up a large share of the words, the answer is "en" (this is almost every input, and
it costs a fraction of a millisecond). Anything else goes to ``py3langid`` (langid.py's
maintained fork: a model shipped inside the package, no download, deterministic), on
the first 2,000 characters. The model loads on first use (about 2 s), so a run of
English articles never pays for it.
"""

from __future__ import annotations

import re
from functools import lru_cache

SAMPLE_CHARS = 2000
# Frequent English words that German, French and Spanish do not use.
_ENGLISH = frozenset({
    "the", "of", "and", "to", "is", "was", "that", "for", "with", "said", "it", "he", "his", "she", "her",
    "are", "have", "has", "not", "but", "were", "they", "this", "which", "from", "by", "be", "been", "had",
    "will", "would", "their", "its", "who", "after", "about", "also",
})
_WORDS = re.compile(r"[^\W\d_]+")
_NON_LATIN = re.compile(r"[^\W\d_A-Za-z\u00C0-\u024F]")
_ENGLISH_SHARE = 0.15
_MIN_WORDS = 8


def detect(text: str) -> str:
    """ISO 639-1 code of the text's language ("en", "de", ...); "und" when it has too few words."""
    sample = text[:SAMPLE_CHARS]
    words = _WORDS.findall(sample.lower())
    if not words:
        return "und"
    if plainly_english(sample):
        return "en"
    return _model_language(sample)


def plainly_english(text: str) -> bool:
    """True when the commonest English function words make up a large share of the words
    (and there are enough of them): the model is not needed to call this English."""
    sample = text[:SAMPLE_CHARS]
    words = _WORDS.findall(sample.lower())
    if len(words) < _MIN_WORDS or sum(map(_ENGLISH.__contains__, words)) < _ENGLISH_SHARE * len(words):
        return False
    if sample.isascii():
        return True
    # words undercount scripts written without spaces: most letters must be Latin too
    letters = sum(map(len, words))
    return len(_NON_LATIN.findall(sample)) <= 0.2 * letters


def _model_language(sample: str) -> str:
    return str(_identifier()(sample)[0])


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    # py3langid loads numpy and its model: imported here, on the first non-English text.
    import py3langid

    return py3langid.classify
