"""The rules backend for German, French and Spanish: reporting cues, "according to",
quotations, hedges and denials.

A smaller engine than the English one (no split of coordinated clauses, no nested
relays, no caption credits): per sentence it looks for

- an "according to" phrase ("laut dem Ministerium", "nach Angaben der Polizei",
  "Dem Bericht zufolge", "selon le ministère", "según fuentes oficiales") at the start,
  middle or end of the sentence: the source is the phrase's noun phrase, the content
  the rest of the sentence;
- a reporting verb (``rules_lexicon_intl``) with its subject before it ("Der Sprecher
  sagte, ...", "Le ministre a déclaré que ...", "El ministro afirmó que ..."), after it
  (German verb-second "Am Montag sagte der Minister, ..."), or inverted after the
  content ("..., sagte der Sprecher.", "..., a-t-il déclaré.", "..., dijo el ministro.");
  a colon or quotation after the verb makes direct speech;

and emits one claim per frame, else one author claim per sentence of five words or
more (not a question, not mostly quotation). Certainty: a denial verb ("dementierte",
"a démenti", "negó") -> denied; a belief verb or a hedge word in the content ("könnte",
"soll", "angeblich", "pourrait", "aurait", "podría", "presuntamente") -> hedged.
Claimant types come from the head word (official bodies, unnamed sources, outlets,
pronouns resolved to the previous source, else a person).
"""

from __future__ import annotations

import re

from claims.extract.backends.rules_lexicon_intl import LEXICONS, Lexicon
from claims.kernel.schema import Attribution, Certainty, Claim, Claimant, ClaimantType, Cue, Span
from claims.kernel.segment import paragraphs, sentences

_WORD = re.compile(r"[^\W\d_]+(?:[-’'][^\W\d_]+)*|\d+(?:[.,]\d+)*")
_QUOTE = re.compile(r"„[^“”„\n]*[“”]|“[^“”\n]*”|«[^»\n]*»|‹[^›\n]*›|\"[^\"\n]*\"")
_OPENERS = "„“«‹\""
_TRIM = " \t\n.,;:!?"
# German words that can open a verb-second clause before the verb (the subject then follows it).
_DE_FRONT = frozenset({
    "am", "im", "in", "nach", "vor", "bei", "auch", "zudem", "außerdem", "dabei", "jedoch", "dann", "heute",
    "gestern", "später", "zuvor", "bereits", "damals", "danach", "daraufhin", "deshalb", "weiter", "ferner",
    "so", "hier", "dort", "nun", "jetzt", "inzwischen", "zuletzt", "zunächst", "schließlich", "anschließend",
})
_MIN_WORDS = 5
_MAX_SOURCE_WORDS = 12


class _Sentence:
    """One sentence's words as (start, end, lower-cased word)."""

    def __init__(self, text: str, ss: int, se: int) -> None:
        self.ss, self.se = ss, se
        self.toks = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text, ss, se)]


def extract_claims_intl(text: str, language: str) -> list[Claim]:
    """All claims of one German, French or Spanish article, in text order; spans are exact."""
    engine = _Engine(text, LEXICONS[language])
    seen: set[str] = set()
    for ps, pe in paragraphs(text):
        if text[ps:pe] in seen:
            continue  # a repeated headline or caption is labelled once
        seen.add(text[ps:pe])
        for ss, se in sentences(text, ps, pe):
            engine.sentence(ss, se)
    return engine.claims


class _Engine:
    def __init__(self, text: str, lex: Lexicon) -> None:
        self.text = text
        self.lex = lex
        self.claims: list[Claim] = []
        self.last_party: tuple[str | None, ClaimantType] | None = None
        longest = max(len(f.split()) for f in lex.verbs)
        self.max_verb_words = longest

    # -- one sentence -------------------------------------------------------------

    def sentence(self, ss: int, se: int) -> None:
        s = _Sentence(self.text, ss, se)
        if not s.toks:
            return
        quotes = [(m.start(), m.end()) for m in _QUOTE.finditer(self.text, ss, se)]
        frame = self.according(s, quotes) or self.verb(s, quotes)
        if frame:
            self.emit(*frame)
        else:
            self.author(s, quotes)

    def according(self, s: _Sentence, quotes: list[tuple[int, int]]) -> tuple | None:
        t, lex, toks = self.text, self.lex, s.toks
        words = [w for _, _, w in toks]
        for phrase in lex.according:
            parts = phrase.split()
            for i in range(len(toks) - len(parts)):
                if words[i : i + len(parts)] != parts or _inside(toks[i][0], quotes):
                    continue
                np = self.noun_phrase(s, i + len(parts), stop_at_verb=True)
                if np is None:
                    continue
                cue = (toks[i][0], toks[i + len(parts) - 1][1])
                before = t[s.ss : cue[0]].strip(" ,")
                if not before:
                    content = _trim(t, np[1], s.se)
                else:
                    content = _trim(t, s.ss, cue[0])
                return cue, None, np, content, quotes
        for post in lex.postpositions:
            for i, (a, b, w) in enumerate(toks):
                if w == post and i >= 1 and not _inside(a, quotes):
                    np = (toks[0][0], toks[i - 1][1])
                    if i > _MAX_SOURCE_WORDS or t[np[0] : np[1]].count(",") > 0:
                        continue
                    return (a, b), None, np, _trim(t, b, s.se), quotes
        return None

    def verb(self, s: _Sentence, quotes: list[tuple[int, int]]) -> tuple | None:
        t, lex, toks = self.text, self.lex, s.toks
        for i in range(len(toks)):
            if _inside(toks[i][0], quotes):
                continue
            form = lemma = None
            for n in range(self.max_verb_words, 0, -1):
                cand = " ".join(w for _, _, w in toks[i : i + n])
                if cand in lex.verbs and len(toks[i : i + n]) == n:
                    form, lemma = cand, lex.verbs[cand]
                    break
            if form is None and toks[i][2] in self.lex.inverted_subject and i + 1 < len(toks):
                # French "…», a-t-il déclaré.": the pronoun is the source, the participle the cue
                aux, _, pron = toks[i][2].partition("-t-") if "-t-" in toks[i][2] else toks[i][2].partition("-")
                cand = f"{aux} {toks[i + 1][2]}"
                if cand in lex.verbs:
                    q = next((q for q in quotes if q[1] <= toks[i][0] and not t[q[1] : toks[i][0]].strip(" ,—–-")), None)
                    pre = t[s.ss : toks[i][0]].rstrip()
                    if q or pre.endswith(","):
                        content = _trim(t, q[0] + 1, q[1] - 1) if q else _trim(t, s.ss, s.ss + len(pre) - 1)
                        p_end = toks[i][1]
                        return (toks[i + 1][0], toks[i + 1][1]), lex.verbs[cand], (p_end - len(pron), p_end), content, quotes
                continue
            particle_end = None
            if form is None:
                # German separable verbs: "teilte am Montag mit, dass ..."
                lemma, form, particle_end = self.separable(s, i)
                if form is None:
                    continue
                n = 1
            cue = (toks[i][0], toks[i + n - 1][1])
            after_i = i + n
            pre = t[s.ss : cue[0]].rstrip()
            apposed = self.apposed_subject(s, i, after_i, quotes) if pre.endswith(",") else None
            if apposed is not None:
                return (cue, lemma, *apposed, quotes)
            # inverted: "..., sagte der Sprecher." / "…», a-t-il déclaré." / "..., dijo el ministro."
            if pre.endswith((",", "”", "“", "»", '"')) or any(q[1] <= cue[0] and not t[q[1] : cue[0]].strip(" ,—–-") for q in quotes):
                inv = self.inverted_source(s, i, after_i)
                if inv is not None:
                    q = next((q for q in quotes if q[1] <= cue[0] and not t[q[1] : cue[0]].strip(" ,—–-")), None)
                    content = _trim(t, q[0] + 1, q[1] - 1) if q else _trim(t, s.ss, s.ss + len(pre) - 1)
                    return cue, lemma, inv, content, quotes
            source = self.subject(s, i)
            if source is None:
                continue
            body_from = max(source[1] if source[0] > cue[0] else cue[1], particle_end or 0)
            content = self.content_after(s, body_from, quotes)
            if content is None:
                continue
            return cue, lemma, source, content, quotes
        return None

    def separable(self, s: _Sentence, i: int) -> tuple[str | None, str | None, int | None]:
        """ "teilte ... mit": a German verb whose particle ends the clause (lemma, form, particle end)."""
        w = s.toks[i][2]
        for form, lemma in self.lex.verbs.items():
            head, _, particle = form.partition(" ")
            if particle and head == w:
                for a, b, w2 in s.toks[i + 1 : i + 8]:
                    if w2 == particle and self.text[b : b + 1] in (",", ":", "."):
                        return lemma, form, b
        return None, None, None

    # -- sources ------------------------------------------------------------------

    def noun_phrase(self, s: _Sentence, i: int, stop_at_verb: bool = False) -> tuple[int, int] | None:
        """The source noun phrase starting at token ``i``: to the next comma, colon, quote
        or (German) the first lower-case word after a noun that is not an article or
        linker; at most a dozen words."""
        t, toks = self.text, s.toks
        if i >= len(toks):
            return None
        start = toks[i][0]
        end = None
        german = self.lex is LEXICONS["de"]
        seen_noun = False
        for j in range(i, min(len(toks), i + _MAX_SOURCE_WORDS)):
            a, b, w = toks[j]
            if j > i and t[toks[j - 1][1] : a].strip(" -"):
                break  # punctuation between words ends the phrase
            raw = t[a:b]
            if stop_at_verb and (w in self.lex.verbs or w in self.lex.complementizers):
                break
            if j > i and w in self.lex.adjunct_start:
                break  # "der Präsident am Montag", "el portavoz en una rueda de prensa"
            if german and seen_noun and raw[0].islower() and w not in self.lex.articles and w not in ("von", "vom", "und", "für"):
                break
            if raw[0].isupper() or raw[0].isdigit():
                seen_noun = True
            end = b
        if end is None or not any(c.isalpha() for c in t[start:end]):
            return None
        return start, end

    def subject(self, s: _Sentence, i: int) -> tuple[int, int] | None:
        """The source of the verb at token ``i``: the words before it in its clause, or,
        in a German verb-second clause opened by an adverbial, the phrase after it."""
        t, toks = self.text, s.toks
        k = i
        while k > 0 and not t[toks[k - 1][1] : toks[k][0]].strip(" -") and toks[k - 1][2] not in self.lex.complementizers | {"und", "et", "y", "mais", "pero", "aber"}:
            k -= 1
        if k < i and t[toks[k][0] : toks[i][0]].count("«") == 0:
            first = toks[k][2]
            if self.lex is LEXICONS["de"] and first in _DE_FRONT:
                return self.noun_phrase(s, i + 1, stop_at_verb=True)
            if i - k > _MAX_SOURCE_WORDS:
                return None
            src = (toks[k][0], toks[i - 1][1])
            if any(c.isupper() for c in t[src[0] : src[1]]) or toks[i - 1][2] in self.lex.pronouns or toks[k][2] in self.lex.articles:
                return src
            return None
        if self.lex is LEXICONS["de"] and i + 1 < len(toks):
            return self.noun_phrase(s, i + 1, stop_at_verb=True)  # "Sagte der Minister: ..."
        return None

    def apposed_subject(self, s: _Sentence, i: int, after_i: int, quotes: list[tuple[int, int]]) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """(source, content) of "Der Sprecher des Kremls, Dmitri Peskow, sagte am Montag,
        Russland habe ...": a subject with an apposition between commas before the verb,
        and after it (past an adverbial such as "am Montag") a comma or "dass"/"que" opening
        the content. The comma before the verb is then no sign of an inverted frame."""
        t, toks = self.text, s.toks
        if after_i >= len(toks):
            return None
        if toks[after_i][2] in self.lex.adjunct_start or toks[after_i][2] in _DE_FRONT:
            k = after_i  # an adverbial, up to its comma: "sagte am Montag, ..."
            while k < len(toks) - 1 and k - after_i < 5 and t[toks[k][1] : toks[k][1] + 1] != ",":
                k += 1
            if t[toks[k][1] : toks[k][1] + 1] != ",":
                return None
            body_from = toks[k][1]
        else:
            body_from = toks[after_i - 1][1]
            gap = t[body_from : toks[after_i][0]]
            if "," not in gap and ":" not in gap and toks[after_i][2] not in self.lex.complementizers:
                return None
        pre = t[s.ss : toks[i][0]].rstrip().removesuffix(",")
        words = _WORD.findall(pre)
        if not words or len(words) > _MAX_SOURCE_WORDS or pre.count(",") != 1 or _inside(toks[i][0], quotes):
            return None
        if not (words[0][0].isupper() and any(w[0].isupper() for w in words[1:])) or any(w.lower() in self.lex.verbs for w in words):
            return None
        content = self.content_after(s, body_from, quotes)
        if content is None:
            return None
        return _trim(t, s.ss, s.ss + len(pre)), content

    def inverted_source(self, s: _Sentence, i: int, after_i: int) -> tuple[int, int] | None:
        """The source after an inverted verb: the rest of the sentence ("..., sagte der Sprecher")."""
        if after_i >= len(s.toks):
            return None
        return self.noun_phrase(s, after_i, stop_at_verb=True)

    def content_after(self, s: _Sentence, pos: int, quotes: list[tuple[int, int]]) -> tuple[int, int] | None:
        t = self.text
        rest = t[pos : s.se]
        lead = len(rest) - len(rest.lstrip(" ,:"))
        start = pos + lead
        q = next((q for q in quotes if q[0] == start), None)
        if q is not None:
            return _trim(t, q[0] + 1, q[1] - 1)
        m = _WORD.match(t, start)
        if m and m.group().lower() in self.lex.complementizers:
            start = m.end()
        c = _trim(t, start, s.se)
        return c if len(t[c[0] : c[1]].split()) >= 2 else None

    # -- claims -------------------------------------------------------------------

    def party(self, span: tuple[int, int]) -> tuple[str | None, ClaimantType]:
        raw = self.text[span[0] : span[1]]
        words = [w.lower() for w in _WORD.findall(raw)]
        if not words:
            return raw, ClaimantType.unknown
        if len(words) == 1 and words[0] in self.lex.pronouns:
            return self.last_party or (None, ClaimantType.unknown)
        # the head is the first word after the article: "der Sprecher des Ministeriums" is a person
        content = [w for w in words if w not in self.lex.articles]
        if self.lex is LEXICONS["de"]:  # German nouns are capitalised: skip adjectives before the head
            nouns = [w.lower() for w in _WORD.findall(raw) if w[0].isupper() and w.lower() not in self.lex.articles]
            content = nouns or content
        heads = {content[0]} if content else set(words)
        if heads & self.lex.government:
            kind = ClaimantType.government
        elif heads & self.lex.anonymous:
            kind = ClaimantType.anonymous
        elif heads & self.lex.media:
            kind = ClaimantType.media
        elif words[0] in self.lex.indefinite:
            kind = ClaimantType.anonymous
        else:
            kind = ClaimantType.person
        return raw, kind

    def emit(self, cue: tuple[int, int], lemma: str | None, src: tuple[int, int] | None, content: tuple[int, int], quotes: list) -> None:
        t = self.text
        a, b = content
        if b - a < 3:
            return
        name, kind = self.party(src) if src else (None, ClaimantType.unknown)
        direct = any(q[0] < a and b < q[1] for q in quotes)
        claim = Claim(
            statement=_statement(t[a:b]),
            quote=t[a:b],
            quote_span=Span(start=a, end=b),
            claimant=Claimant(text=t[src[0] : src[1]], span=Span(start=src[0], end=src[1]), name=name, type=kind) if src else Claimant(type=kind),
            cue=Cue(text=t[cue[0] : cue[1]], span=Span(start=cue[0], end=cue[1])),
            attribution=Attribution.direct if direct else Attribution.indirect,
            certainty=self.certainty(lemma, a, b),
        )
        self.claims.append(claim)
        if src and kind is not ClaimantType.unknown:
            self.last_party = (name, kind)

    def author(self, s: _Sentence, quotes: list[tuple[int, int]]) -> None:
        t = self.text
        a, b = _trim(t, s.ss, s.se)
        if b <= a or len(s.toks) < _MIN_WORDS or t[s.se - 1] == "?":
            return
        inside = sum(min(b, qb) - max(a, qa) for qa, qb in quotes if qa < b and qb > a)
        if inside * 2 >= b - a:
            return
        self.claims.append(Claim(
            statement=_statement(t[a:b]), quote=t[a:b], quote_span=Span(start=a, end=b),
            claimant=Claimant(type=ClaimantType.author), attribution=Attribution.unattributed,
            certainty=self.certainty(None, a, b),
        ))

    def certainty(self, lemma: str | None, a: int, b: int) -> Certainty:
        if lemma in self.lex.denials:
            return Certainty.denied
        words = {w.lower() for w in _WORD.findall(self.text, a, b)}
        if lemma in self.lex.hedge_verbs or words & self.lex.hedges:
            return Certainty.hedged
        return Certainty.asserted


def _inside(pos: int, quotes: list[tuple[int, int]]) -> bool:
    return any(qa < pos < qb for qa, qb in quotes)


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and (text[a] in _TRIM or text[a] in _OPENERS):
        a += 1
    while b > a and (text[b - 1] in _TRIM or text[b - 1] in "“”»›\""):
        b -= 1
    return a, b


def _statement(quote: str) -> str:
    s = " ".join(re.sub(r"[„“”«»‹›\"]", "", quote).split()).strip(" ,;:")
    if not s:
        s = quote
    s = s[0].upper() + s[1:]
    return s if s[-1] in ".!?" else s + "."
