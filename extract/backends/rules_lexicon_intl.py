"""Reporting cues, hedges and denials of German, French and Spanish news, for ``rules_intl``.

Hand-written from how the press of each language attributes ("sagte der Sprecher",
"laut dem Ministerium", "nach Angaben der Polizei", "selon le ministère", "a déclaré",
"según fuentes oficiales", "afirmó"), not from any one article. Everything is lower-case;
lookups lower-case the word. A verb form maps to its lemma; multi-word forms (the French
passé composé "a déclaré") are matched as written, with the subject before the
auxiliary.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Lexicon:
    verbs: dict[str, str]  # finite form -> lemma
    denials: frozenset[str]  # lemmas that reject the content
    hedge_verbs: frozenset[str]  # lemmas that report belief, not fact
    according: tuple[str, ...]  # prepositions before the source ("laut", "selon")
    postpositions: tuple[str, ...] = ()  # after the source ("zufolge")
    complementizers: frozenset[str] = frozenset()  # "dass", "que"
    hedges: frozenset[str] = frozenset()  # words that hedge a proposition
    pronouns: frozenset[str] = frozenset()  # subject pronouns that can be a source
    government: frozenset[str] = frozenset()  # heads naming an official body
    anonymous: frozenset[str] = frozenset()  # heads naming unnamed sources
    media: frozenset[str] = frozenset()  # heads naming an outlet
    articles: frozenset[str] = frozenset()  # determiners a source phrase may start with
    indefinite: frozenset[str] = frozenset()
    inverted_subject: tuple[str, ...] = field(default=())  # French "a-t-il déclaré"
    adjunct_start: frozenset[str] = frozenset()  # words that end a source phrase ("am Montag", "lors de")


def _forms(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {f: lemma for lemma, forms in table.items() for f in forms}


GERMAN = Lexicon(
    verbs=_forms({
        "sagen": ("sagte", "sagten", "sagt", "sagen", "gesagt"),
        "erklären": ("erklärte", "erklärten", "erklärt"),
        "betonen": ("betonte", "betonten", "betont"),
        "berichten": ("berichtete", "berichteten", "berichtet"),
        "behaupten": ("behauptete", "behaupteten", "behauptet"),
        "warnen": ("warnte", "warnten", "warnt"),
        "bestätigen": ("bestätigte", "bestätigten", "bestätigt"),
        "meinen": ("meinte", "meinten", "meint"),
        "sprechen": ("sprach", "sprachen", "spricht"),
        "mitteilen": ("teilte mit", "teilten mit", "mitteilte", "mitteilten", "teilt mit"),
        "hinzufügen": ("fügte hinzu", "fügten hinzu", "hinzufügte"),
        "schreiben": ("schrieb", "schrieben", "schreibt"),
        "erläutern": ("erläuterte", "erläuterten", "erläutert"),
        "versichern": ("versicherte", "versicherten", "versichert"),
        "kündigen an": ("kündigte an", "kündigten an", "ankündigte"),
        "vermuten": ("vermutete", "vermuteten", "vermutet"),
        "glauben": ("glaubt", "glauben", "glaubte", "glaubten"),
        "dementieren": ("dementierte", "dementierten", "dementiert"),
        "bestreiten": ("bestritt", "bestritten", "bestreitet"),
        "zurückweisen": ("wies zurück", "wiesen zurück", "zurückwies", "weist zurück"),
        "leugnen": ("leugnete", "leugneten", "leugnet"),
    }),
    denials=frozenset({"dementieren", "bestreiten", "zurückweisen", "leugnen"}),
    hedge_verbs=frozenset({"vermuten", "glauben"}),
    according=("laut", "nach angaben", "nach informationen", "gemäß"),
    postpositions=("zufolge",),
    complementizers=frozenset({"dass", "daß", "ob"}),
    hedges=frozenset({
        "könnte", "könnten", "dürfte", "dürften", "soll", "sollen", "sollte", "sollten", "angeblich", "möglicherweise",
        "vermutlich", "wahrscheinlich", "offenbar", "mutmaßlich", "mutmaßliche", "mutmaßlichen", "vielleicht",
        "womöglich", "anscheinend", "scheinbar", "scheint", "scheinen", "wohl",
    }),
    pronouns=frozenset({"er", "sie", "es"}),
    government=frozenset({
        "regierung", "ministerium", "ministeriums", "polizei", "behörde", "behörden", "staatsanwaltschaft",
        "bundesregierung", "verteidigungsministerium", "außenministerium", "innenministerium", "kreml", "armee",
        "militär", "streitkräfte", "stadt", "gemeinde", "bundesamt", "amt", "gericht", "ermittler",
    }),
    anonymous=frozenset({"quelle", "quellen", "kreise", "kreisen", "insider", "experten", "beobachter", "augenzeugen", "zeugen"}),
    media=frozenset({"zeitung", "agentur", "nachrichtenagentur", "sender", "magazin", "bericht", "berichten"}),
    articles=frozenset({"der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "eines", "einem", "einen"}),
    indefinite=frozenset({"ein", "eine", "einer", "eines", "einem", "einen", "mehrere", "einige", "zwei", "drei"}),
    adjunct_start=frozenset({
        "am", "im", "in", "auf", "bei", "gegenüber", "vor", "nach", "während", "zu", "zum", "zur", "mit", "heute",
        "gestern", "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag",
    }),
)

FRENCH = Lexicon(
    verbs=_forms({
        "dire": ("a dit", "ont dit", "dit", "disent", "avait dit"),
        "déclarer": ("a déclaré", "ont déclaré", "déclare", "déclarent", "avait déclaré"),
        "affirmer": ("a affirmé", "ont affirmé", "affirme", "affirment", "avait affirmé"),
        "indiquer": ("a indiqué", "ont indiqué", "indique", "indiquent"),
        "expliquer": ("a expliqué", "ont expliqué", "explique", "expliquent"),
        "assurer": ("a assuré", "ont assuré", "assure", "assurent"),
        "annoncer": ("a annoncé", "ont annoncé", "annonce", "annoncent"),
        "souligner": ("a souligné", "ont souligné", "souligne", "soulignent"),
        "préciser": ("a précisé", "ont précisé", "précise", "précisent"),
        "confirmer": ("a confirmé", "ont confirmé", "confirme", "confirment"),
        "rapporter": ("a rapporté", "ont rapporté", "rapporte", "rapportent"),
        "avertir": ("a averti", "ont averti", "avertit"),
        "estimer": ("a estimé", "ont estimé", "estime", "estiment"),
        "penser": ("pense", "pensent", "a pensé"),
        "croire": ("croit", "croient", "a cru"),
        "démentir": ("a démenti", "ont démenti", "dément", "démentent"),
        "nier": ("a nié", "ont nié", "nie", "nient"),
        "rejeter": ("a rejeté", "ont rejeté", "rejette", "rejettent"),
    }),
    denials=frozenset({"démentir", "nier", "rejeter"}),
    hedge_verbs=frozenset({"estimer", "penser", "croire"}),
    according=("selon", "d’après", "d'après", "de source", "citant"),
    complementizers=frozenset({"que", "qu’", "qu'"}),
    hedges=frozenset({
        "pourrait", "pourraient", "aurait", "auraient", "serait", "seraient", "probablement", "peut-être",
        "présumé", "présumée", "présumés", "supposément", "apparemment", "vraisemblablement", "possiblement",
        "prétendument", "semble", "semblent", "sembler",
    }),
    pronouns=frozenset({"il", "elle", "ils", "elles", "on"}),
    government=frozenset({
        "gouvernement", "ministère", "police", "autorités", "parquet", "préfecture", "armée", "élysée", "kremlin",
        "mairie", "justice", "tribunal", "enquêteurs", "gendarmerie",
    }),
    anonymous=frozenset({"source", "sources", "experts", "observateurs", "témoins", "proches"}),
    media=frozenset({"journal", "agence", "quotidien", "chaîne", "hebdomadaire", "rapport"}),
    articles=frozenset({"le", "la", "les", "l’", "l'", "un", "une", "des", "du", "de"}),
    indefinite=frozenset({"un", "une", "des", "plusieurs", "certains", "certaines", "deux", "trois"}),
    inverted_subject=("a-t-il", "a-t-elle", "ont-ils", "ont-elles"),
    adjunct_start=frozenset({
        "à", "au", "aux", "en", "lors", "devant", "dans", "sur", "après", "avant", "pendant", "avec", "lundi",
        "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "hier", "aujourd’hui", "mais",
    }),
)

SPANISH = Lexicon(
    verbs=_forms({
        "decir": ("dijo", "dijeron", "dice", "dicen", "ha dicho", "había dicho"),
        "afirmar": ("afirmó", "afirmaron", "afirma", "afirman", "ha afirmado"),
        "declarar": ("declaró", "declararon", "declara", "declaran", "ha declarado"),
        "asegurar": ("aseguró", "aseguraron", "asegura", "aseguran", "ha asegurado"),
        "explicar": ("explicó", "explicaron", "explica", "explican"),
        "señalar": ("señaló", "señalaron", "señala", "señalan"),
        "indicar": ("indicó", "indicaron", "indica", "indican"),
        "anunciar": ("anunció", "anunciaron", "anuncia", "anuncian"),
        "sostener": ("sostuvo", "sostuvieron", "sostiene", "sostienen"),
        "advertir": ("advirtió", "advirtieron", "advierte", "advierten"),
        "confirmar": ("confirmó", "confirmaron", "confirma", "confirman"),
        "informar": ("informó", "informaron", "informa", "informan"),
        "añadir": ("añadió", "añadieron", "añade"),
        "creer": ("cree", "creen", "creía", "creyó"),
        "estimar": ("estimó", "estima", "estiman"),
        "negar": ("negó", "negaron", "niega", "niegan"),
        "desmentir": ("desmintió", "desmintieron", "desmiente"),
        "rechazar": ("rechazó", "rechazaron", "rechaza", "rechazan"),
    }),
    denials=frozenset({"negar", "desmentir", "rechazar"}),
    hedge_verbs=frozenset({"creer", "estimar"}),
    according=("según", "de acuerdo con", "conforme a", "citando a"),
    complementizers=frozenset({"que"}),
    hedges=frozenset({
        "podría", "podrían", "habría", "habrían", "sería", "serían", "presuntamente", "supuestamente",
        "posiblemente", "probablemente", "aparentemente", "quizás", "quizá", "presunto", "presunta",
        "supuesto", "supuesta", "parece", "parecen",
    }),
    pronouns=frozenset({"él", "ella", "ellos", "ellas"}),
    government=frozenset({
        "gobierno", "ministerio", "policía", "autoridades", "fiscalía", "ejército", "kremlin", "ayuntamiento",
        "tribunal", "investigadores", "guardia",
    }),
    anonymous=frozenset({"fuente", "fuentes", "expertos", "observadores", "testigos"}),
    media=frozenset({"diario", "periódico", "agencia", "cadena", "informe"}),
    articles=frozenset({"el", "la", "los", "las", "un", "una", "unos", "unas", "del", "al"}),
    indefinite=frozenset({"un", "una", "unos", "unas", "varios", "varias", "algunos", "algunas", "dos", "tres"}),
    adjunct_start=frozenset({
        "en", "a", "ante", "durante", "tras", "con", "sin", "sobre", "lunes", "martes", "miércoles", "jueves",
        "viernes", "sábado", "domingo", "ayer", "hoy", "pero",
    }),
)

LEXICONS: dict[str, Lexicon] = {"de": GERMAN, "fr": FRENCH, "es": SPANISH}
