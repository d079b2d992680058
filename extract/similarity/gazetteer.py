"""Who can act in a news statement: countries (with capitals and demonyms), known
organisations, and the common nouns for actors (the police, the coast guard, the army).

Countries come from ``countryinfo`` (names, alternative spellings, capitals, demonyms
for every country), so "Moscow", "Russia", "the Russian Federation" and "Russian" are
one actor. Metonyms newsrooms use for governments (the Kremlin, the White House) and
organisation acronyms are listed here; so are the actor nouns, grouped so that
paraphrases ("troops", "soldiers", "the army") share a key and different actors ("the
police", "the coast guard") do not.
"""

from __future__ import annotations

from functools import lru_cache

import countryinfo

# Not in countryinfo, or spelt otherwise in English news.
COUNTRY_EXTRAS = {
    "kremlin": "RUS", "soviet union": "SUN", "soviet": "SUN", "ussr": "SUN", "white house": "USA",
    "washington": "USA", "america": "USA", "u.s.": "USA", "u.s.a.": "USA", "united states": "USA",
    "britain": "GBR", "great britain": "GBR", "u.k.": "GBR", "downing street": "GBR", "english": "GBR",
    "kiev": "UKR", "kyiv": "UKR", "beijing": "CHN", "chinese": "CHN", "tehran": "IRN", "iranian": "IRN",
    "pyongyang": "PRK", "north korea": "PRK", "north korean": "PRK", "seoul": "KOR", "south korea": "KOR",
    "south korean": "KOR", "élysée": "FRA", "elysee": "FRA", "palestinian": "PSE", "israeli": "ISR",
    "azeri": "AZE", "dutch": "NLD", "netherlands": "NLD", "emirati": "ARE", "uae": "ARE",
    "czech": "CZE", "turkish": "TUR", "türkiye": "TUR", "turkiye": "TUR", "syrian": "SYR", "kazakh": "KAZ",
    "chechnya": "RUS", "chechen": "RUS", "crimea": "UKR", "donbas": "UKR",
}
# Acronyms and short names -> one key per organisation.
ORGANISATIONS = {
    "nato": "nato", "north atlantic treaty organization": "nato", "un": "united nations", "u.n.": "united nations",
    "united nations": "united nations", "eu": "european union", "european union": "european union",
    "who": "world health organization", "world health organization": "world health organization",
    "imf": "international monetary fund", "international monetary fund": "international monetary fund",
    "mod": "defence ministry", "fbi": "fbi", "cia": "cia", "fsb": "fsb", "kgb": "kgb", "icao": "icao",
    "iaea": "iaea", "osce": "osce", "opec": "opec", "g7": "g7", "g20": "g20", "icc": "international criminal court",
    "international criminal court": "international criminal court", "red cross": "red cross", "icrc": "red cross",
    "pentagon": "defence department", "defence department": "defence department", "state department": "state department",
    "azal": "azerbaijan airlines", "azerbaijan airlines": "azerbaijan airlines", "reuters": "reuters", "ap": "associated press",
    "associated press": "associated press", "afp": "afp", "bbc": "bbc", "cnn": "cnn", "tass": "tass",
    "ria novosti": "ria novosti", "ria": "ria novosti",
}
# Actor nouns: group key -> its forms (comma-separated; multi-word forms are found first).
ACTOR_GROUPS = {
    "police": "police, officers, police officers, policeman, policemen, policewoman, cops, detectives, police force",
    "coast guard": "coast guard, coastguard, coastguards",
    "military": "military, army, armed forces, security forces, government forces, troops, soldiers, servicemen",
    "navy": "navy, sailors, naval forces",
    "air force": "air force",
    "firefighters": "firefighters, firemen, fire brigade, fire service, fire department, fire crews",
    "emergency services": "emergency services, paramedics, ambulance crews, rescuers, rescue workers, "
                          "emergency workers, emergency responders, first responders",
    "doctors": "doctors, physicians, surgeons",
    "nurses": "nurses",
    "prosecutors": "prosecutors, prosecutor, prosecution, prosecutor general, attorney general",
    "court": "court, courts, judge, judges, tribunal",
    "jury": "jury, jurors",
    "lawyers": "lawyers, lawyer, attorneys, defence team, defense team",
    "parliament": "parliament, lawmakers, legislators, mps, congress, senate",
    "government": "government, cabinet",
    "protesters": "protesters, protestors, demonstrators",
    "rebels": "rebels, insurgents, militants, separatists, guerrillas",
    "investigators": "investigators, inspectors",
    "witnesses": "witnesses, eyewitnesses, bystanders",
    "residents": "residents, locals, villagers, inhabitants",
    "journalists": "journalists, reporters, correspondents",
    "scientists": "scientists, researchers",
    "workers": "workers, employees, staff",
    "unions": "union, unions, trade unions",
    "teachers": "teachers",
    "students": "students, pupils",
    "patients": "patients",
    "passengers": "passengers",
    "crew": "crew, crew members",
    "pilots": "pilots, pilot, captain",
    "co-pilot": "co-pilot, copilot, first officer",
    "voters": "voters, electorate",
    "farmers": "farmers",
    "investors": "investors, shareholders",
    "regulators": "regulators, regulator, watchdog",
    "president": "president",
    "prime minister": "prime minister, premier",
    "foreign minister": "foreign minister",
    "defence minister": "defence minister, defense minister",
    "interior minister": "interior minister",
    "finance minister": "finance minister, chancellor of the exchequer",
    "health minister": "health minister",
    "mayor": "mayor",
    "governor": "governor",
    "spokesperson": "spokesperson, spokesman, spokeswoman",
    "ambassador": "ambassador",
    "chancellor": "chancellor",
    "king": "king",
    "queen": "queen",
    "pope": "pope",
}
# A capitalised run ending in one of these is an organisation, not a person.
ORG_HEADS = frozenset(
    """ministry department agency airlines airline airways bank council committee commission party union
    court office service services authority administration institute university company corporation group
    assembly parliament senate congress command forces army navy guard police force agency bureau""".split()
)
TITLES = frozenset(
    """mr mrs ms dr prof professor sir dame lord lady gen general col colonel lt lieutenant capt captain
    sgt sergeant sen senator rep gov st jr sr sheikh""".split()
)


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    """Lowercased name, alternative spelling, capital or demonym -> ISO 3166 alpha-3 code."""

    out: dict[str, str] = {}
    for c in countryinfo.all_countries():
        try:
            code = c.iso(3)
            names = [c.name(), c.capital(), c.demonym(), *(c.alt_spellings() or [])]
        except Exception:  # a record without a field: skip it, the rest still load
            continue
        for n in names:
            if isinstance(n, str) and n.strip() and not (n.isupper() and len(n) <= 3):  # "RU", "US": acronyms, below
                out.setdefault(n.strip().casefold(), code)
    out.update(COUNTRY_EXTRAS)
    return out


@lru_cache(maxsize=1)
def demonyms() -> frozenset[str]:
    """Lowercased demonyms ("russian", "azerbaijani"): adjectives, which modify a noun rather than act."""

    out = {"azeri", "chechen", "kazakh", "emirati", "north korean", "south korean", "soviet", "english", "dutch"}
    for c in countryinfo.all_countries():
        try:
            d = c.demonym()
        except Exception:
            continue
        if isinstance(d, str) and d.strip():
            out.add(d.strip().casefold())
    return frozenset(out)


@lru_cache(maxsize=1)
def country_codes() -> dict[str, str]:
    """Two- and three-letter codes ("US", "UK", "RUS"): matched only when written in capitals."""

    out: dict[str, str] = {"UK": "GBR", "US": "USA", "USA": "USA", "UAE": "ARE", "USSR": "SUN", "DPRK": "PRK"}
    for c in countryinfo.all_countries():
        try:
            code = c.iso(3)
            out.setdefault(c.iso(2), code)
            out.setdefault(code, code)
        except Exception:
            continue
    return out


@lru_cache(maxsize=1)
def actor_groups() -> dict[str, str]:
    """Every actor-noun form (lowercased, one or more words) -> its group key."""
    return {form.strip(): key for key, forms in ACTOR_GROUPS.items() for form in forms.split(",")}


@lru_cache(maxsize=1)
def group_words() -> frozenset[str]:
    """Every word of every actor-noun form: a statement with none of them names no group."""
    return frozenset(w for form in actor_groups() for w in form.split())


@lru_cache(maxsize=1)
def group_forms() -> dict[tuple[str, ...], str]:
    """Each actor-noun form as a tuple of words -> its group key."""
    return {tuple(form.split()): key for form, key in actor_groups().items()}
