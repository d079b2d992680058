"""Language detection: English without a model, others by py3langid (offline, shipped model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from claims.extract import language
from claims.kernel.articles import load_articles

GOLD = Path(__file__).resolve().parent.parent / "gold" / "articles"


def test_bundled_english_needs_no_model() -> None:
    language._identifier.cache_clear()
    assert {language.detect(a.text) for a in load_articles([GOLD])} == {"en"}
    assert language._identifier.cache_info().currsize == 0  # py3langid was never loaded


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Der Minister sagte am Montag, die Regierung werde das Gesetz im Herbst ändern, weil es veraltet sei.", "de"),
        ("Le ministre a déclaré lundi que le gouvernement allait modifier la loi à l’automne prochain.", "fr"),
        ("El ministro afirmó el lunes que el gobierno cambiará la ley en otoño porque ya no está actualizada.", "es"),
        ("Il ministro ha detto lunedì che il governo cambierà la legge in autunno perché non è più attuale.", "it"),
        ("Министр заявил в понедельник, что правительство изменит закон осенью.", "ru"),
    ],
)
def test_other_languages(text: str, code: str) -> None:
    assert language.detect(text) == code


def test_too_little_text_is_undetermined() -> None:
    assert language.detect("") == "und" and language.detect("12 34 !!") == "und"
