"""German, French and Spanish: reporting cues, 'according to', quotations, hedges and denials.

Hand-written sentences in the style of each language's press (none taken from an article).
"""

from __future__ import annotations

import pytest

from claims.extract.backends.rules import RulesBackend, extract_article_claims
from claims.extract.backends.rules_intl import extract_claims_intl
from claims.kernel.articles import Article
from claims.kernel.schema import Attribution, Certainty, ClaimantType

T = ClaimantType
C = Certainty

CASES = [
    # (language, sentence, claimant text, claimant type, cue, certainty, quote)
    ("de", "Der Sprecher sagte, die Regierung werde das Gesetz im Herbst ändern.", "Der Sprecher", T.person, "sagte", C.asserted, "die Regierung werde das Gesetz im Herbst ändern"),
    ("de", "Die Regierung werde das Gesetz ändern, sagte der Sprecher des Ministeriums am Montag.", "der Sprecher des Ministeriums", T.person, "sagte", C.asserted, "Die Regierung werde das Gesetz ändern"),
    ("de", "Laut dem Innenministerium wurden bei dem Anschlag zwölf Menschen verletzt.", "dem Innenministerium", T.government, "Laut", C.asserted, "wurden bei dem Anschlag zwölf Menschen verletzt"),
    ("de", "Nach Angaben der Polizei könnte der Täter noch in der Stadt sein.", "der Polizei", T.government, "Nach Angaben", C.hedged, "könnte der Täter noch in der Stadt sein"),
    ("de", "Dem Bericht zufolge soll das Flugzeug von einer Rakete getroffen worden sein.", "Dem Bericht", T.media, "zufolge", C.hedged, "soll das Flugzeug von einer Rakete getroffen worden sein"),
    ("de", "Am Montag sagte der Minister, dass die Ermittlungen noch andauern.", "der Minister", T.person, "sagte", C.asserted, "die Ermittlungen noch andauern"),
    ("de", "Der Kreml dementierte, dass russische Truppen an dem Angriff beteiligt waren.", "Der Kreml", T.government, "dementierte", C.denied, "russische Truppen an dem Angriff beteiligt waren"),
    ("de", "Die Polizei teilte am Montag mit, dass zwei Verdächtige festgenommen wurden.", "Die Polizei", T.government, "teilte", C.asserted, "zwei Verdächtige festgenommen wurden"),
    ("de", "Laut russischen Behörden wurde das Flugzeug nicht abgeschossen.", "russischen Behörden", T.government, "Laut", C.asserted, "wurde das Flugzeug nicht abgeschossen"),
    ("fr", "Le ministre a déclaré que le gouvernement allait modifier la loi.", "Le ministre", T.person, "a déclaré", C.asserted, "le gouvernement allait modifier la loi"),
    ("fr", "Selon le ministère de la Défense, trois soldats ont été blessés.", "le ministère de la Défense", T.government, "Selon", C.asserted, "trois soldats ont été blessés"),
    ("fr", "Trois soldats auraient été blessés, selon une source militaire.", "une source militaire", T.anonymous, "selon", C.hedged, "Trois soldats auraient été blessés"),
    ("fr", "Le Kremlin a démenti toute implication dans l’attaque.", "Le Kremlin", T.government, "a démenti", C.denied, "toute implication dans l’attaque"),
    ("fr", "Le porte-parole a affirmé que l’avion pourrait avoir été touché par un missile.", "Le porte-parole", T.person, "a affirmé", C.hedged, "l’avion pourrait avoir été touché par un missile"),
    ("es", "El ministro afirmó que el gobierno cambiará la ley en otoño.", "El ministro", T.person, "afirmó", C.asserted, "el gobierno cambiará la ley en otoño"),
    ("es", "Según fuentes oficiales, el avión fue derribado por un misil.", "fuentes oficiales", T.anonymous, "Según", C.asserted, "el avión fue derribado por un misil"),
    ("es", "El avión podría haber sido derribado por un misil, dijo el portavoz en una rueda de prensa.", "el portavoz", T.person, "dijo", C.hedged, "El avión podría haber sido derribado por un misil"),
    ("es", "El gobierno negó que sus tropas hubieran participado en el ataque.", "El gobierno", T.government, "negó", C.denied, "sus tropas hubieran participado en el ataque"),
    # a subject with an apposition before the verb: the comma before it is no inverted frame
    ("de", "Der Sprecher des Kremls, Dmitri Peskow, sagte am Montag, Russland habe mit dem Absturz nichts zu tun.",
     "Der Sprecher des Kremls, Dmitri Peskow", T.person, "sagte", C.asserted, "Russland habe mit dem Absturz nichts zu tun"),
    ("de", "Die Ministerin, Anna Berg, erklärte, dass die Brücke im Mai wieder öffnen könnte.", "Die Ministerin, Anna Berg", T.person,
     "erklärte", C.hedged, "die Brücke im Mai wieder öffnen könnte"),
    ("fr", "Le porte-parole, Jean Dupont, a déclaré que le gouvernement allait modifier la loi.", "Le porte-parole, Jean Dupont", T.person,
     "a déclaré", C.asserted, "le gouvernement allait modifier la loi"),
    ("es", "El portavoz, Juan Pérez, dijo que el avión fue derribado por un misil.", "El portavoz, Juan Pérez", T.person, "dijo", C.asserted,
     "el avión fue derribado por un misil"),
]


@pytest.mark.parametrize(("lang", "text", "who", "kind", "cue", "certainty", "quote"), CASES)
def test_cues_hedges_denials(lang: str, text: str, who: str, kind: ClaimantType, cue: str, certainty: Certainty, quote: str) -> None:
    [c] = extract_claims_intl(text, lang)
    assert (c.claimant.text, c.claimant.type, c.cue.text, c.certainty, c.quote) == (who, kind, cue, certainty, quote)
    assert c.attribution is Attribution.indirect and c.span_problems(text) == []


@pytest.mark.parametrize(
    ("lang", "text", "who"),
    [
        ("de", "„Wir haben nichts zu verbergen“, sagte die Ministerin.", "die Ministerin"),
        ("fr", "« Nous n’avons rien à cacher », a-t-il déclaré.", "il"),
        ("es", "«No tenemos nada que ocultar», dijo la ministra.", "la ministra"),
    ],
)
def test_quotations_are_direct_speech(lang: str, text: str, who: str) -> None:
    [c] = extract_claims_intl(text, lang)
    assert (c.claimant.text, c.attribution) == (who, Attribution.direct)
    assert "nichts" in c.quote or "rien" in c.quote or "nada" in c.quote


def test_a_plain_sentence_is_the_authors_and_a_hedge_word_hedges_it() -> None:
    a, b = extract_claims_intl("Das Flugzeug stürzte kurz nach dem Start ab. Die Maschine könnte von Splittern getroffen worden sein.", "de")
    assert (a.claimant.type, a.attribution, a.certainty) == (T.author, Attribution.unattributed, C.asserted)
    assert (b.claimant.type, b.certainty) == (T.author, C.hedged)


def test_the_backend_detects_the_language_and_records_it() -> None:
    text = "Nach Angaben der Behörden kamen bei dem Absturz 38 Menschen ums Leben. Der Kreml wies zurück, dass die Luftabwehr beteiligt war."
    rec = RulesBackend().extract(Article(id="de", text=text))
    assert rec.language == "de"
    assert [(c.cue.text, c.certainty) for c in rec.claims] == [("Nach Angaben", C.asserted), ("wies zurück", C.denied)]


def test_other_languages_get_sentences_with_nothing_claimed_about_them() -> None:
    language, claims = extract_article_claims("カザフスタンで旅客機が墜落した。当局によると、38人が死亡した。")
    assert language == "ja" and [c.quote for c in claims] == ["カザフスタンで旅客機が墜落した。", "当局によると、38人が死亡した。"]
    assert all(c.claimant.type is T.unknown and c.attribution is None and c.certainty is None for c in claims)


def test_the_manifest_and_the_console_say_what_each_language_got(tmp_path) -> None:
    import json
    import subprocess
    import sys

    arts = tmp_path / "in"
    arts.mkdir()
    (arts / "de.txt").write_text("Nach Angaben der Polizei wurden bei dem Unfall zwei Menschen verletzt.\n", encoding="utf-8")
    (arts / "ja.txt").write_text("カザフスタンで旅客機が墜落した。当局によると、38人が死亡した。\n", encoding="utf-8")
    (arts / "en.txt").write_text("The police said two people were hurt in the crash on Monday evening.\n", encoding="utf-8")
    run = tmp_path / "run"
    r = subprocess.run([sys.executable, "-m", "claims.cli.main", "extract", str(arts), "-o", str(run)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert m["languages"] == {"de": 1, "en": 1, "ja": 1}
    assert any("1 ja article(s) handled at sentence level only" in n for n in m["notes"])
    assert any("1 de article(s) handled with reporting cues, hedges and denials only" in n for n in m["notes"])
    assert "note: rules backend: 1 ja article(s) handled at sentence level only" in r.stderr
    quiet = subprocess.run([sys.executable, "-m", "claims.cli.main", "extract", str(arts), "-o", str(run), "--quiet"], capture_output=True, text=True)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_plainly_english_paragraphs_of_another_language_get_the_english_rules() -> None:
    text = ("カザフスタンで旅客機が墜落した。当局によると、38人が死亡した。ロシア政府は関与を否定している。"
            "調査は続いている。専門家は原因を調べている。\nThe ministry said that the investigation is ongoing.\n")
    language, claims = extract_article_claims(text)
    assert language == "ja"
    english = [c for c in claims if c.cue is not None]
    assert [(c.claimant.text, c.cue.text) for c in english] == [("The ministry", "said")]
    assert sum(c.claimant.type is T.unknown for c in claims) == 5
