"""Numbers and quantities in a statement, normalised so that paraphrases compare equal.

"Twelve people" and "12 people"; "$2.5 million" and "2,500,000 dollars"; "5 per cent"
and "5%" become the same ``Quantity`` (value, unit). Number words are turned into
digits by ``text2num`` before this module reads the text (see ``facts``); scale words,
currencies, units, bounds ("more than", "fewer than") and vague amounts ("hundreds
of") are read here. Years are returned apart, for the date check; codes such as
"J2-8243", "MH17" or "9M38" are exact identifiers, since one changed digit names
another flight or another missile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "mn": 1e6, "bn": 1e9, "tn": 1e12}
SUFFIX_SCALES = {"k": 1e3, "m": 1e6}  # "1.2m cars", "$5m": news style; a length is "5 metres"
CURRENCY_SCALES = {"b": 1e9}  # "$5b": only after a currency sign
CURRENCY_SYMBOLS = {"$": "usd", "us$": "usd", "£": "gbp", "€": "eur", "¥": "jpy", "₽": "rub", "₹": "inr"}
UNITS = {
    "dollar": "usd", "dollars": "usd", "usd": "usd", "euro": "eur", "euros": "eur", "eur": "eur",
    "pound": "gbp", "pounds": "gbp", "sterling": "gbp", "gbp": "gbp", "rouble": "rub", "roubles": "rub",
    "ruble": "rub", "rubles": "rub", "yen": "jpy", "yuan": "cny", "rupee": "inr", "rupees": "inr",
    "%": "%", "percent": "%", "per cent": "%", "percentage points": "pp",
    "km": "km", "kilometre": "km", "kilometres": "km", "kilometer": "km", "kilometers": "km",
    "mile": "mi", "miles": "mi", "metre": "m", "metres": "m", "meter": "m", "meters": "m",
    "feet": "ft", "foot": "ft", "ft": "ft", "kg": "kg", "kilogram": "kg", "kilograms": "kg",
    "tonne": "t", "tonnes": "t", "ton": "t", "tons": "t", "litre": "l", "litres": "l", "liter": "l",
    "liters": "l", "barrel": "bbl", "barrels": "bbl", "second": "s", "seconds": "s", "minute": "min",
    "minutes": "min", "hour": "h", "hours": "h", "day": "d", "days": "d", "week": "wk", "weeks": "wk",
    "month": "mo", "months": "mo", "year": "yr", "years": "yr", "mph": "mph", "knots": "kn",
    "degrees": "deg", "acres": "acre", "hectares": "ha",
}
# "hundreds of people" is a range, not a number: two vague amounts of different size disagree.
VAGUE = {
    "dozens": (13.0, 199.0), "scores": (40.0, 199.0), "hundreds": (200.0, 1999.0), "thousands": (2000.0, 999_999.0),
    "tens of thousands": (20_000.0, 99_999.0), "hundreds of thousands": (200_000.0, 999_999.0),
    "millions": (2e6, 999e6), "billions": (2e9, 999e9),
}
MORE = ("more than", "over", "at least", "above", "exceeding", "upwards of", "in excess of", "no fewer than", "no less than")
LESS = ("fewer than", "less than", "under", "at most", "below", "up to", "no more than")

# A code starts with a letter ("J2-8243", "MH17", "F-16", "COVID-19") or has a letter between
# digits ("9M38"); "34-year-old" and "6.4-magnitude" are a number and a word.
_CODE = re.compile(r"(?<![\w.-])(?:[A-Za-z]+-?\d[A-Za-z0-9]*(?:-[A-Za-z0-9]+)*|\d+[A-Za-z]+\d[A-Za-z0-9]*)(?![\w-])")
_VAGUE = re.compile(r"\b(" + "|".join(sorted(VAGUE, key=len, reverse=True)) + r")(?:\s+of)?\b", re.I)
_NUMBER = re.compile(
    r"(?P<cur>us\$|[$£€¥₽₹])?\s?(?P<num>\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:(?P<ord>st|nd|rd|th)\b|(?P<suffix>bn|mn|tn|[kmb])\b)?"
    r"(?:\s(?P<scale>thousand|million|billion|trillion|mn|bn|tn)\b)?"
    r"(?:[\s-]?(?P<unit>%|per cent|percentage points|[a-z]+)\b|(?P<pct>%))?",
    re.I,
)
_BOUND = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(MORE + LESS, key=len, reverse=True)) + r")\s*$", re.I)
_YEAR = re.compile(r"(1[89]\d\d|20\d\d)")
_FUNCTION_WORDS = frozenset("a an and or but of in on at by for to from with the than as per were was are is".split())


@dataclass(frozen=True)
class Quantity:
    """One amount: ``value`` (a float, or the exact text of a code) and ``unit`` (None for a bare count)."""

    value: float | str
    unit: str | None
    text: str
    bound: str | None = None  # ">" more than, "<" fewer than, None exact or about
    vague: tuple[float, float] | None = None  # the range of "hundreds of"
    ordinal: bool = False

    def agrees(self, other: Quantity) -> bool:
        """The same amount: equal value, compatible units, no opposite bounds; vague ranges overlap."""
        if isinstance(self.value, str) or isinstance(other.value, str):
            return self.value == other.value
        if self.ordinal != other.ordinal:
            return False
        if self.unit and other.unit and self.unit != other.unit:
            return False
        if self.bound and other.bound and self.bound != other.bound:
            return False
        if self.vague or other.vague:
            lo, hi = self.vague or (self.value, self.value)
            lo2, hi2 = other.vague or (other.value, other.value)
            return lo <= hi2 and lo2 <= hi
        return abs(self.value - other.value) <= 1e-9 * max(1.0, abs(self.value))


def quantities(text: str) -> tuple[list[Quantity], list[str]]:
    """The quantities in ``text`` (number words already digits) and, apart, the years it names."""
    found = [Quantity(m.group(0).upper(), "code", m.group(0)) for m in _CODE.finditer(text)]
    text = _CODE.sub(" ", text)
    for m in _VAGUE.finditer(text):
        found.append(Quantity(0.0, None, m.group(0), vague=VAGUE[m.group(1).lower()]))
    years: list[str] = []
    for m in _NUMBER.finditer(text):
        raw, cur = m.group("num"), (m.group("cur") or "").lower()
        suffix, scale = (m.group("suffix") or "").lower(), (m.group("scale") or "").lower()
        unit_word = "%" if m.group("pct") else (m.group("unit") or "").lower()
        if not (cur or suffix or scale or m.group("ord") or unit_word in UNITS) and _YEAR.fullmatch(raw):
            years.append(raw)
            continue
        value = float(raw.replace(",", ""))
        unit = CURRENCY_SYMBOLS.get(cur) or UNITS.get(unit_word)
        if suffix in SCALES:
            value *= SCALES[suffix]
        elif suffix in SUFFIX_SCALES:
            value *= SUFFIX_SCALES[suffix]
        elif suffix and cur:
            value *= CURRENCY_SCALES[suffix]
        if scale:
            value *= SCALES[scale]
        bound_m = _BOUND.search(text[max(0, m.start() - 20) : m.start()])
        bound = (">" if bound_m.group(1).lower() in MORE else "<") if bound_m else None
        words = m.group(0) if unit_word not in _FUNCTION_WORDS else m.group(0)[: m.start("unit") - m.start()]
        found.append(Quantity(value, unit, words.strip(), bound=bound, ordinal=m.group("ord") is not None))
    return found, years
