"""Dates in a statement, as comparable parts: weekday, month, day of month, year, relative day.

News statements name dates in a few shapes ("on Saturday, 26th March", "March 26,
2024", "on Christmas Day", "last week"), so a small reader does it: a date parser
(``dateparser``) resolves relative dates against today, which is the wrong reference
for an article, and costs milliseconds a statement. Each part is compared on its own:
two statements disagree on a date when they name the same part with different values
("Monday" vs "Tuesday", "2023" vs "2024"), never because one names a part the other
leaves out.
"""

from __future__ import annotations

import re

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
WEEKDAYS = {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7}
HOLIDAYS = {"christmas day": (12, 25), "christmas eve": (12, 24), "new year's day": (1, 1), "new year's eve": (12, 31),
            "boxing day": (12, 26), "valentine's day": (2, 14), "halloween": (10, 31)}
RELATIVE = {"today": "d0", "tonight": "d0", "this morning": "d0", "this evening": "d0", "yesterday": "d-1",
            "tomorrow": "d+1", "last week": "w-1", "this week": "w0", "next week": "w+1", "last month": "m-1",
            "this month": "m0", "next month": "m+1", "last year": "y-1", "this year": "y0", "next year": "y+1"}

_MONTH = r"(?P<{m}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<{d}>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s(?P<{y}>1[89]\d\d|20\d\d))?"
_DATE = re.compile(
    r"\b(?:" + _DAY.format(d="d1") + r"(?:\sof)?\s" + _MONTH.format(m="m1") + _YEAR.format(y="y1") + "|"
    + _MONTH.format(m="m2") + r"\s" + _DAY.format(d="d2") + r"\b" + _YEAR.format(y="y2") + "|"
    + _MONTH.format(m="m3") + r"(?:\s(?:of\s)?(?P<y3>1[89]\d\d|20\d\d))?" + r")\b",
    re.I,
)
_WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")s?\b", re.I)
_HOLIDAY = re.compile(r"\b(" + "|".join(re.escape(h) for h in HOLIDAYS) + r")\b", re.I)
_RELATIVE = re.compile(r"\b(" + "|".join(sorted(RELATIVE, key=len, reverse=True)) + r")\b", re.I)
# "may" and "march" are also a verb and a noun: only a capitalised one next to a day or year is a month.
_AMBIGUOUS_MONTHS = {"may", "march", "mar", "jan", "sep", "oct", "dec", "aug", "jun", "jul", "nov", "feb", "apr"}

DatePart = tuple[str, str]  # (part, value): ("weekday", "6"), ("month", "3"), ("day", "3-26"), ("year", "2024"), ("relative", "d-1")


def date_parts(text: str) -> tuple[dict[DatePart, str], list[tuple[int, int]]]:
    """The date parts ``text`` names (each with the words that named it) and the character
    ranges they came from (the number check leaves those out)."""
    parts: dict[DatePart, str] = {}
    spans: list[tuple[int, int]] = []
    for m in _DATE.finditer(text):
        d = m.group("d1") or m.group("d2")
        month_word = m.group("m1") or m.group("m2") or m.group("m3")
        year = m.group("y1") or m.group("y2") or m.group("y3")
        if month_word.lower() in _AMBIGUOUS_MONTHS and not month_word[0].isupper():
            continue
        if not (d or year) and (month_word.lower() == "may" or m.start() == 0):
            continue  # "May" the modal, a sentence's first "March": a bare one is not taken for a month
        month = MONTHS[month_word.lower()]
        if d and not 1 <= int(d) <= 31:
            continue
        words = m.group(0)
        parts.setdefault(("month", str(month)), words)
        if d:
            parts.setdefault(("day", f"{month}-{int(d)}"), words)
        if year:
            parts.setdefault(("year", year), words)
        spans.append(m.span())
    for m in _HOLIDAY.finditer(text):
        month, day = HOLIDAYS[m.group(1).lower()]
        parts.setdefault(("month", str(month)), m.group(0))
        parts.setdefault(("day", f"{month}-{day}"), m.group(0))
        spans.append(m.span())
    for m in _WEEKDAY.finditer(text):
        parts.setdefault(("weekday", str(WEEKDAYS[m.group(1).lower()])), m.group(0))
        spans.append(m.span())
    for m in _RELATIVE.finditer(text):
        parts.setdefault(("relative", RELATIVE[m.group(1).lower()]), m.group(0))
        spans.append(m.span())
    return parts, spans


def date_conflict(a: dict[DatePart, str], b: dict[DatePart, str]) -> tuple[str, str] | None:
    """(a's value, b's value) of the first part both name differently, or None.

    A part disagrees only when each side has a value of it the other lacks: "March"
    vs "26 March" agree (one is more precise); "26 March" vs "27 March" do not.
    """
    for part in ("year", "month", "day", "weekday", "relative"):
        va = {k for k in a if k[0] == part}
        vb = {k for k in b if k[0] == part}
        if va and vb and (va - vb) and (vb - va):
            return a[min(va - vb)], b[min(vb - va)]
    return None
