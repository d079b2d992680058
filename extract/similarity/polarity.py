"""Polarity (is the statement negated?) and antonym predicates (rose vs fell, closed vs reopened).

Both are lexicons, not models: a negation is one of a closed set of words, and the
antonyms that turn a news statement into its opposite are a short list of verbs and
adjectives of change, decision and outcome. WordNet would need a corpus download and
knows "rise"/"fall" but not "ruled out"/"agreed" or "reopened"/"closed"; a list read
by anyone, tested pair by pair, is the better fit. Words are compared by the lexical
stemmer's stems, so one entry covers "closes", "closed", "closing".
"""

from __future__ import annotations

import re

from claims.extract.similarity.lexical import FUNCTION_WORDS, stem

# Words that negate what follows; "n't" is split off first ("didn't" -> "did n't").
NEGATORS = frozenset("not n't no never none nobody nothing nowhere neither nor cannot without".split())
# Verbs and phrases that report the negation of their complement: "denied that ...", "refused to ...".
NEGATIVE_VERBS = frozenset(stem(w) for w in "deny denies denied denying refuse refuses refused refusing".split())
_NEGATIVE_SINGLE = frozenset({"lacked", "lacks"})
NEGATIVE_PHRASES = ("ruled out", "rules out", "ruling out", "rule out", "failed to", "fails to", "fail to",
                    "failing to", "failure to", "failures to",  # "Russia's failure to restrict airspace": it did not
                    "declined to", "declines to", "yet to", "no longer", "lack of", "lacked", "lacks")
# Negators that do not negate the proposition: "not only X but Y" asserts X.
NOT_NEGATING = ("not only", "not just", "no doubt", "nothing but", "no less than", "no more than", "no fewer than",
                "whether or not", "not least", "if not", "never before")
_NOT_NEGATING = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in NOT_NEGATING) + r")\b")
_NEGATIVE_PHRASES = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in NEGATIVE_PHRASES) + r")\b")
_TOKENS = re.compile(r"n't|\w+(?:-\w+)*|[,;:()\"]|(?<!\w)'|'(?!\w)")
_BREAKS = frozenset(",;:()\"'")
SCOPE_WORDS = 3  # content words after a negator that it is taken to negate
_VERBAL = frozenset({"not", "n't", "never", "cannot"})  # negators that can negate a predicate word
_PREPOSITIONS = frozenset("""from in on at by with for of into onto about over under after before during since until
    near across through against between among like off""".split())

# axis: (words meaning +, words meaning -). A statement whose words sit on one side of an
# axis disagrees with one whose words sit on the other side.
ANTONYMS: dict[str, tuple[str, str]] = {
    "rise": ("rise rises rose risen rising increase increased grew grow grows grown climb climbed soar soared "
             "surge surged jump jumped gain gained higher raise raised hike hiked boost boosted",
             "fall falls fell fallen falling decrease decreased decline declined drop dropped shrink shrank "
             "shrunk plunge plunged slump slumped lower lowered cut cuts reduce reduced slash slashed"),
    "open": ("open opened opens reopen reopened reopens unblocked", "close closed closes shut shuts "
             "shutdown blocked blockade sealed"),
    "win": ("win wins won victory victorious beat defeated", "lose loses lost"),
    "approve": ("approve approved approves pass passed accept accepted adopt adopted ratify ratified "
                "endorse endorsed agree agreed sign signed", "reject rejected rejects veto vetoed scrap scrapped "
                "abandon abandoned"),
    "arrest": ("arrest arrested detain detained jail jailed imprison imprisoned capture captured",
               "release released free freed"),
    "convict": ("convict convicted guilty", "acquit acquitted innocent"),
    "start": ("start started begin began begun launch launched resume resumed restart restarted",
              "end ended stop stopped halt halted suspend suspended pause paused cease ceased"),
    "allow": ("allow allowed permit permitted legalise legalised legalize legalized authorise authorised",
              "ban banned prohibit prohibited forbid forbade outlaw outlawed bar barred"),
    "survive": ("survive survived survivor survivors alive", "die died dead kill killed killing"),
    "hire": ("hire hired appoint appointed", "fire fired sack sacked oust ousted"),
    "succeed": ("succeed succeeded success successful", "fail failed failure unsuccessful"),
    "impose": ("impose imposed imposes introduce introduced", "lift lifted lifts repeal repealed"),
    "support": ("support supported supports backed", "oppose opposed opposes"),
    "more": ("more majority most", "fewer less minority least"),
    "buy": ("buy bought buys purchase purchased", "sell sold sells"),
    "import": ("import imported imports", "export exported exports"),
    "enter": ("enter entered arrive arrived", "leave left depart departed exit exited"),
    "advance": ("advance advanced", "retreat retreated withdraw withdrew"),
    "escalate": ("escalate escalated", "de-escalate de-escalated"),
    "expand": ("expand expanded extend extended", "curtail curtailed"),
    "legal": ("legal lawful", "illegal unlawful"),
    "intentional": ("intentional deliberate deliberately intentionally", "accidental accidentally unintentional"),
    "true": ("true accurate correct", "false inaccurate incorrect fake"),
    "north": ("north northern", "south southern"),
    "east": ("east eastern", "west western"),
    "inside": ("inside indoors", "outside outdoors"),
    "military": ("military", "civilian"),
    "public": ("public", "private"),
    "peace": ("peaceful", "violent"),
}
_AXES: dict[str, tuple[str, int]] = {}
for _axis, (_pos, _neg) in ANTONYMS.items():
    for _sign, _words in ((1, _pos), (-1, _neg)):
        for _w in _words.split():
            _AXES.setdefault(stem(_w), (_axis, _sign))

_SPLIT_NT = re.compile(r"(\w)n['’]t\b", re.I)


def _is_negator(t: str) -> bool:
    return t in NEGATORS or " " in t or t in _NEGATIVE_SINGLE or stem(t) in NEGATIVE_VERBS


def polarity_facts(text: str) -> tuple[list[tuple[str, frozenset[str]]], dict[str, dict[int, str]]]:
    """The negators of a statement, each with its scope, and its antonym signs.

    - scope: the stems of the next few content words. It lets two statements of
      different length be compared: "the remark that 'this man cannot remain in power'
      was a call for ..." negates "remain power", which a shorter statement leaving the
      remark out does not contradict;
    - a negated negative ("has not ruled out", "did not deny") cancels out;
    - a negated antonym word flips its sign instead of counting as a negation, so "did
      not accept" agrees with "rejected" and disagrees with "accepted".
    Antonym signs: for each axis the statement touches, sign (+1 / -1) -> the word.
    """

    low = split_contractions(_NOT_NEGATING.sub(" ", text.casefold().replace("’", "'")))
    low = _NEGATIVE_PHRASES.sub(lambda m: " " + m.group(0).replace(" ", "_") + " ", low)
    toks = [t.replace("_", " ") for t in _TOKENS.findall(low)]
    content = [i for i, t in enumerate(toks) if t not in FUNCTION_WORDS and t[0].isalpha()]
    negs: list[tuple[str, frozenset[str]]] = []
    flipped: dict[int, str] = {}  # antonym word -> the negator that flips it
    cancelled: set[int] = set()
    for i, t in enumerate(toks):
        if i in cancelled or not _is_negator(t):
            continue
        nxt = next((k for k in content if k > i and not any(b in _BREAKS for b in toks[i + 1 : k])), None)
        if nxt is not None and t in NEGATORS and _is_negator(toks[nxt]):
            cancelled.add(nxt)  # "not ruled out": no negation left
            continue
        if nxt is not None and t in _VERBAL and nxt - i <= 3 and stem(toks[nxt]) in _AXES:
            flipped[nxt] = t  # "did not accept", "was not allowed": the opposite of the predicate
            continue
        scope: list[str] = []
        for u in toks[i + 1 :]:
            if u in _BREAKS or len(scope) == SCOPE_WORDS or (scope and u in _PREPOSITIONS):
                break  # a preposition ends the negated phrase: "without problems | from French Guiana"
            if u not in FUNCTION_WORDS and u not in NEGATORS and u[0].isalpha():
                scope.append(stem(u))
        negs.append((t, frozenset(scope)))
    signs: dict[str, dict[int, str]] = {}
    for i, t in enumerate(toks):
        hit = _AXES.get(stem(t))
        if hit is not None and i not in cancelled:
            sign = -hit[1] if i in flipped else hit[1]
            signs.setdefault(hit[0], {}).setdefault(sign, f"{flipped[i]} {t}" if i in flipped else t)
    return negs, signs


def has_axis(token: str) -> bool:
    """Is this lowercased token an antonym word?"""
    return stem(token) in _AXES


def antonym_signs(tokens: list[str]) -> dict[str, dict[int, str]]:
    """Antonym signs of a statement without negators (``polarity_facts`` handles the rest)."""
    signs: dict[str, dict[int, str]] = {}
    for t in tokens:
        hit = _AXES.get(stem(t))
        if hit is not None:
            signs.setdefault(hit[0], {}).setdefault(hit[1], t)
    return signs


def split_contractions(text: str) -> str:
    """"didn't" -> "did n't", "can't" -> "ca n't": the negation becomes its own token."""
    return _SPLIT_NT.sub(r"\1 n't", text)


def antonym_conflict(a: dict[str, dict[int, str]], b: dict[str, dict[int, str]]) -> tuple[str, str] | None:
    """(word in a, word in b) on an axis where a is only on one side and b only on the other."""
    for axis, signs in a.items():
        other = b.get(axis)
        if other is None or len(signs) != 1 or len(other) != 1:
            continue
        (sa, wa), (sb, wb) = next(iter(signs.items())), next(iter(other.items()))
        if sa != sb:
            return wa, wb
    return None
