"""Word lists for the rules backend, kept apart so they can grow without touching logic.

Everything is lower-case unless noted; lookups lower-case the token first.
"""

from __future__ import annotations

# Reporting verbs: lemma -> (forms..., past form used in statements is the 3rd).
REPORTING_VERBS: dict[str, tuple[str, ...]] = {
    "say": ("say", "says", "said", "saying"),
    "tell": ("tell", "tells", "told", "telling"),
    "state": ("state", "states", "stated", "stating"),
    "claim": ("claim", "claims", "claimed", "claiming"),
    "report": ("report", "reports", "reported", "reporting"),
    "add": ("add", "adds", "added", "adding"),
    "warn": ("warn", "warns", "warned", "warning"),
    "insist": ("insist", "insists", "insisted", "insisting"),
    "suggest": ("suggest", "suggests", "suggested", "suggesting"),
    "deny": ("deny", "denies", "denied", "denying"),
    "dismiss": ("dismiss", "dismisses", "dismissed", "dismissing"),
    "reject": ("reject", "rejects", "rejected", "rejecting"),
    "refute": ("refute", "refutes", "refuted", "refuting"),
    "confirm": ("confirm", "confirms", "confirmed", "confirming"),
    "emphasize": ("emphasize", "emphasizes", "emphasized", "emphasizing", "emphasise", "emphasises", "emphasised", "emphasising"),
    "describe": ("describe", "describes", "described", "describing"),
    "reveal": ("reveal", "reveals", "revealed", "revealing"),
    "note": ("note", "notes", "noted", "noting"),
    "argue": ("argue", "argues", "argued", "arguing"),
    "mention": ("mention", "mentions", "mentioned", "mentioning"),
    "stress": ("stress", "stresses", "stressed", "stressing"),
    "highlight": ("highlight", "highlights", "highlighted", "highlighting"),
    "believe": ("believe", "believes", "believed", "believing"),
    "interpret": ("interpret", "interprets", "interpreted", "interpreting"),
    "assert": ("assert", "asserts", "asserted", "asserting"),
    "allege": ("allege", "alleges", "alleged", "alleging"),
    "announce": ("announce", "announces", "announced", "announcing"),
    "acknowledge": ("acknowledge", "acknowledges", "acknowledged", "acknowledging"),
    "admit": ("admit", "admits", "admitted", "admitting"),
    "explain": ("explain", "explains", "explained", "explaining"),
    "accuse": ("accuse", "accuses", "accused", "accusing"),
    "write": ("write", "writes", "wrote", "writing"),
    "point to": ("point to", "points to", "pointed to", "pointing to"),
    "corroborate": ("corroborate", "corroborates", "corroborated", "corroborating"),
    # From PolNeAR train: the cue heads of its attributions outside the list above, by
    # frequency (scripts/polnear.py stats), keeping those that take a proposition, an
    # intention or a quotation (not events such as "endorsed", "criticized").
    "tweet": ("tweet", "tweets", "tweeted", "tweeting"),
    # "called him a liar" names a claim about him; "called for" / "called on" are appeals
    # (author events in gold/GUIDELINES.md §6) and are left out by the preposition rule.
    "call": ("call", "calls", "called", "calling"),
    "continue": ("continue", "continues", "continued", "continuing"),
    "find": ("find", "finds", "found", "finding"),
    "show": ("show", "shows", "showed", "showing", "shown"),
    "think": ("think", "thinks", "thought", "thinking"),
    "seem": ("seem", "seems", "seemed", "seeming"),
    "appear": ("appear", "appears", "appeared", "appearing"),
    "want": ("want", "wants", "wanted", "wanting"),
    "hope": ("hope", "hopes", "hoped", "hoping"),
    "plan": ("plan", "plans", "planned", "planning"),
    "promise": ("promise", "promises", "promised", "promising"),
    "vow": ("vow", "vows", "vowed", "vowing"),
    "pledge": ("pledge", "pledges", "pledged", "pledging"),
    "predict": ("predict", "predicts", "predicted", "predicting"),
    "recall": ("recall", "recalls", "recalled", "recalling"),
    "respond": ("respond", "responds", "responded", "responding"),
    "reply": ("reply", "replies", "replied", "replying"),
    "agree": ("agree", "agrees", "agreed", "agreeing"),
    "declare": ("declare", "declares", "declared", "declaring"),
    "conclude": ("conclude", "concludes", "concluded", "concluding"),
    "indicate": ("indicate", "indicates", "indicated", "indicating"),
    "reiterate": ("reiterate", "reiterates", "reiterated", "reiterating"),
    "complain": ("complain", "complains", "complained", "complaining"),
    "concede": ("concede", "concedes", "conceded", "conceding"),
    "estimate": ("estimate", "estimates", "estimated", "estimating"),
    "assure": ("assure", "assures", "assured", "assuring"),
    "fear": ("fear", "fears", "feared", "fearing"),
    "worry": ("worry", "worries", "worried", "worrying"),
    "contend": ("contend", "contends", "contended", "contending"),
    "maintain": ("maintain", "maintains", "maintained", "maintaining"),
    "joke": ("joke", "jokes", "joked", "joking"),
    "boast": ("boast", "boasts", "boasted", "boasting"),
    "remark": ("remark", "remarks", "remarked", "remarking"),
    "caution": ("caution", "cautions", "cautioned", "cautioning"),
    "expect": ("expect", "expects", "expected", "expecting"),
    "know": ("know", "knows", "knew", "knowing"),
    "refuse": ("refuse", "refuses", "refused", "refusing"),
    "vote": ("vote", "votes", "voted", "voting"),
    "testify": ("testify", "testifies", "testified", "testifying"),
    "counter": ("counter", "counters", "countered", "countering"),
    "charge": ("charge", "charges", "charged", "charging"),
    "speculate": ("speculate", "speculates", "speculated", "speculating"),
    "suspect": ("suspect", "suspects", "suspected", "suspecting"),
    "imply": ("imply", "implies", "implied", "implying"),
    "hint": ("hint", "hints", "hinted", "hinting"),
}
FORM_TO_LEMMA: dict[str, str] = {f: lemma for lemma, forms in REPORTING_VERBS.items() for f in forms}
# Forms that are far more often something else in news text.
for _f in ("finding", "showing", "planning", "thinking", "knowing", "voting", "charging", "counter", "plan", "plans",
           "vote", "votes", "show", "shows", "promising", "charges", "charge", "remarks", "hope", "fear", "fears",
           "estimate", "estimates", "worrying", "expecting", "appearing", "seeming", "hints", "hint", "caution",
           "joke", "jokes", "recall", "reply", "replies", "pledge", "vow", "vows", "remark", "want", "boast", "boasts"):
    if _f in ("show", "shows", "want", "hope", "fear", "fears", "vote", "votes", "plan", "plans"):
        continue  # verbs after plural or pronoun subjects ("polls show", "they want")
    FORM_TO_LEMMA.pop(_f, None)
PAST: dict[str, str] = {lemma: forms[2] for lemma, forms in REPORTING_VERBS.items()}

# Verbs of intention and cognition: inside another frame's content they are part of it.
WEAK_LEMMAS = frozenset({
    "think", "seem", "appear", "want", "hope", "plan", "promise", "vow", "pledge", "refuse", "vote",
    "expect", "fear", "worry", "know", "agree", "find", "show", "continue", "recall", "estimate",
    "predict", "speculate", "suspect", "imply", "hint", "assure", "caution", "joke", "boast", "remark",
})
# Verbs that report speech even inside a quotation ("“The source told us that ...”").
SPEECH_LEMMAS = frozenset({"say", "tell", "claim", "report", "warn", "deny", "confirm", "add", "insist", "state", "reveal"})
DENIAL_LEMMAS = frozenset({"deny", "dismiss", "reject", "refute"})
HEDGE_LEMMAS = frozenset({
    "suggest", "believe", "allege", "think", "seem", "appear", "expect", "estimate", "predict", "fear",
    "worry", "speculate", "suspect", "imply", "hint",
})
# Verbs whose object is not a proposition unless a that-clause, colon or quote follows.
NEEDS_CLAUSE = frozenset({
    "accuse", "write", "corroborate", "admit", "acknowledge", "announce", "explain", "tweet", "continue",
    "respond", "reply", "joke", "boast", "remark", "counter", "testify", "charge", "know", "recall", "find",
    "declare", "complain", "concede", "reiterate", "maintain", "contend", "show",
    "want", "plan", "refuse", "vote", "seem", "appear", "pledge", "vow",
})
# ... and those with an object before it ("urged voters to reject").
OBJECT_INFINITIVE = frozenset({"want", "expect"})
# Verb forms that are as often nouns ("battleground state polls", "the jobs report"): a
# frame only with a that-clause, colon or quotation.
NOUN_LIKE_FORMS = frozenset({
    "state", "states", "report", "reports", "vote", "votes", "show", "shows", "promise", "promises",
    "plan", "plans", "hope", "hopes", "fear", "fears", "note", "notes", "charge",
    "charges", "estimate", "estimates", "tweet", "tweets", "remarks", "counter", "find", "finds",
    "reply", "replies", "concerns", "reporting", "warning", "finding", "thought", "want", "wants",
    "call", "calls",
})
# Verbs whose proposition may also be an infinitive ("promised to build", "seemed to
# concede"): content "to ..." (PolNeAR keeps the "to"); a that-clause or quote as usual.
INFINITIVE = frozenset({
    "want", "hope", "plan", "promise", "vow", "pledge", "refuse", "vote", "seem",
    "appear", "expect", "agree", "claim", "predict", "assure", "fear", "worry", "caution",
})

DETERMINERS = frozenset({
    "a", "an", "the", "one", "two", "three", "four", "five", "six", "several", "some", "many",
    "other", "another", "these", "those", "most", "few", "multiple", "numerous",
})
# Possessive determiners start a source phrase ("his father", "her campaign") when walking
# left from a cue; elsewhere they are function words.
POSSESSIVE_DETERMINERS = frozenset({"his", "her", "their", "its", "our", "my", "your"})
PRONOUNS = frozenset({"he", "she", "they"})

# Heads that name an unnamed party: "a diplomatic source", "some analysts".
SOURCE_NOUNS = frozenset({
    "source", "sources", "official", "officials", "insider", "insiders", "expert", "experts",
    "analyst", "analysts", "diplomat", "diplomats", "observer", "observers", "researcher",
    "researchers", "witness", "witnesses", "resident", "residents", "survivor", "survivors",
    "responders", "passengers", "passenger", "people", "critics", "person", "someone",
})
# Heads that make a collective official body ("Russia's aviation authorities").
GOV_NOUNS = frozenset({
    "authorities", "authority", "government", "ministry", "ministries", "investigators",
    "prosecutors", "prosecutor", "police", "military", "kremlin", "administration", "officials",
    "army", "navy", "regime", "embassy", "agency", "agencies", "department", "bureau", "commission",
    "court", "courts", "legislature", "congress", "senate", "parliament", "cabinet", "council",
    "office", "secretariat", "directorate", "service", "inspectorate", "treasury", "pentagon",
})
# Heads that make an unidentifiable source ("unconfirmed reports").
UNKNOWN_NOUNS = frozenset({"reports", "report", "rumours", "rumors"})

# Lower-case role words allowed before a name ("Kremlin spokesperson Dmitry Peskov").
ROLE_WORDS = frozenset({
    "spokesperson", "spokesman", "spokeswoman", "chair", "chairman", "chairwoman", "head",
    "chief", "minister", "president", "secretary", "director", "expert", "analyst", "official",
    "firm", "company", "outlet", "agency", "newspaper", "broadcaster", "news", "ambassador",
    "envoy", "commander", "general", "leader", "governor", "mayor", "senator", "lawmaker",
    "deputy", "prime", "foreign", "defence", "defense", "aviation", "security", "prosecutor",
    "adviser", "advisor", "correspondent", "reporter", "editor", "columnist", "professor",
    "researcher", "diplomat", "vice", "acting", "former", "state", "group", "operator",
    # lower-case words PolNeAR train shows directly before a name inside a source
    "candidate", "nominee", "manager", "longtime", "strategist", "front-runner", "senior", "pollster",
    "host", "executive", "rival", "presumptive", "veteran", "attorney", "aide", "opponent", "neurosurgeon",
    "delegate", "anchor", "lawyer", "fellow", "hopeful", "member", "consultant", "scientist", "co-host",
    "owner", "author", "developer", "congressman", "congresswoman", "speaker", "superdelegate", "activist",
    "economist", "historian", "strategist", "organizer", "founder", "co-founder", "chairman", "commentator",
    "pundit", "blogger", "journalist", "writer", "critic", "supporter", "ally", "challenger", "incumbent",
    "businessman", "businesswoman", "billionaire", "mogul", "tycoon", "star", "actor", "actress", "singer",
    "rapper", "comedian", "officer", "sheriff", "judge", "justice", "councilman", "councilwoman",
    "assemblyman", "assemblywoman", "legislator", "representative", "nominee", "contender", "frontrunner",
    "surrogate", "campaign", "chief", "general", "political", "super",
})
# Role words that only modify ("former", "deputy"); the others can head a source ("the spokesman").
ADJECTIVAL_ROLES = frozenset({
    "former", "prime", "foreign", "deputy", "acting", "vice", "political", "super", "senior", "longtime",
    "presumptive", "defence", "defense", "aviation", "security", "state", "news",
    "fellow", "veteran", "top", "local", "national", "federal",
})
# Lower-case modifiers allowed in a source noun phrase.
MODIFIERS = frozenset({
    "diplomatic", "unnamed", "anonymous", "senior", "junior", "local", "independent", "same",
    "western", "military", "government", "governmental", "intelligence", "additional",
    "early", "unconfirmed", "preliminary", "emergency", "aviation", "security", "industry",
    "informed", "knowledgeable", "reliable", "russian", "ukrainian", "other", "top", "high-ranking",
    "defence", "defense", "foreign", "airline", "ministry", "news", "media", "official",
})
# Capitalised titles that precede a person's name ("US Secretary of State Antony Blinken").
TITLE_WORDS = frozenset({
    "president", "prime", "minister", "deputy", "secretary", "secretary-general", "general",
    "state", "chancellor", "senator", "spokesperson", "spokesman", "spokeswoman", "chairman",
    "chair", "head", "director", "ambassador", "foreign", "defence", "defense", "vice", "chief",
    "governor", "mayor", "king", "queen", "pope", "commander", "envoy", "leader", "expert",
    "analyst", "official", "sen", "rep", "gov", "dr", "mr", "mrs", "ms", "prof", "lt", "col",
    "gen", "adviser", "advisor", "firm", "outlet", "agency", "company", "security", "aviation",
    "news", "council", "interior", "finance", "justice", "health", "affairs", "prosecutor",
    "mr.", "mrs.", "ms.", "dr.", "sen.", "rep.", "gov.", "gen.", "lt.", "col.", "prof.", "rev.", "adm.",
    "councilman", "councilwoman", "councillor", "councilor", "alderman", "assemblyman", "assemblywoman",
    "congressman", "congresswoman", "representative", "commissioner", "sheriff", "judge", "justice",
    "attorney", "superintendent", "chancellor", "premier", "president-elect", "speaker", "delegate",
    "city", "county", "district", "sergeant", "detective", "officer", "captain", "inspector", "trooper",
    "bishop", "rabbi", "imam", "father", "sister", "coach", "manager", "executive", "ceo", "cfo", "coo",
    "founder", "chairwoman", "chairperson", "treasurer", "comptroller", "auditor", "ombudsman",
})

# Function words that can never be part of a claimant noun phrase, capitalised or not.
FUNCTION_WORDS = frozenset({
    "this", "that", "it", "its", "there", "here", "such", "despite", "while", "however",
    "meanwhile", "as", "in", "at", "after", "before", "on", "for", "with", "without", "if",
    "when", "although", "though", "but", "and", "or", "yet", "so", "since", "because",
    "instead", "also", "even", "still", "then", "by", "from", "to", "into", "over", "under",
    "about", "which", "who", "whom", "what", "where", "why", "how", "not", "no", "has", "have",
    "had", "is", "are", "was", "were", "be", "been", "being", "will", "would", "can", "could",
    "may", "might", "should", "must", "do", "does", "did", "according", "complicating", "their",
    "his", "her", "our", "we", "i", "you", "your", "my", "me", "us", "them", "him", "all",
    "any", "each", "every", "both", "either", "neither", "nor", "than", "too", "very", "just",
    "only", "said", "says", "told", "reportedly", "allegedly", "now", "later", "earlier", "today",
    "yesterday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "photos", "photo", "images", "image", "footage", "video", "videos", "data", "evidence",
    "testimony", "debris", "findings", "note", "these", "those",
})

MEDIA = frozenset({
    "reuters", "ria novosti", "ria", "tass", "interfax", "ap", "afp", "associated press",
    "caliber", "newsflash", "bbc", "cnn", "al jazeera", "bloomberg", "the guardian",
    "new york times", "the new york times", "washington post", "politico", "axios", "apa",
    "trend", "xinhua", "sputnik", "rt", "kyiv independent", "ukrinform", "anadolu",
})
ORGANIZATIONS = frozenset({
    "nato", "eu", "european union", "un", "united nations", "g7", "g20", "who", "osce",
    "icao", "iaea", "red cross", "amnesty international", "human rights watch", "imf",
    "world bank", "european commission", "united nations’ security council", "opec",
})
ORG_SUFFIXES = frozenset({
    "solutions", "airlines", "airways", "inc", "ltd", "corp", "corporation", "group", "company",
    "bank", "foundation", "institute", "university", "alliance", "association", "union",
    "organization", "organisation", "partners", "llc", "gmbh", "systems", "technologies",
    "co", "firm", "campaign", "party", "committee", "coalition", "center", "centre", "council",
    "club", "society", "federation", "league", "network", "fund", "trust", "pac", "inc.", "corp.",
    "co.", "ltd.", "college", "school", "hospital", "church", "institution", "agency's", "industries",
    "holdings", "enterprises", "motors", "pharmaceuticals", "labs", "laboratories", "group's",
    "campaigns", "parties", "groups", "companies", "firms", "unions", "organizations",
})
# Last words of a news outlet's name ("The Washington Post", "Fox News").
MEDIA_SUFFIXES = frozenset({
    "post", "times", "news", "journal", "tribune", "herald", "gazette", "magazine", "newspaper",
    "radio", "tv", "television", "broadcasting", "press", "wire", "daily", "weekly", "observer",
    "guardian", "telegraph", "chronicle", "review", "report", "standard", "independent", "network",
})
# Documents and findings: not a party (GUIDELINES §5); typed unknown unless an author is named.
DOCUMENT_NOUNS = frozenset({
    "report", "reports", "statement", "poll", "polls", "survey", "surveys", "study", "studies", "letter",
    "memo", "filing", "filings", "lawsuit", "complaint", "document", "documents", "analysis", "review",
    "audit", "email", "emails", "ad", "ads", "release", "records", "data", "figures", "estimates",
    "transcript", "book", "article", "editorial", "column", "website", "post", "tweet", "video",
})
GOV_WORDS = frozenset({
    "ministry", "kremlin", "government", "authorities", "authority", "senate", "parliament",
    "office", "department", "pentagon", "white house", "council", "cabinet", "prosecutor",
    "prosecutors", "investigators", "police", "army", "forces", "military", "mod", "duma",
    "presidency", "embassy", "commission",
})
# Countries and capitals speaking as states -> "<adjective> government"; each government
# once, with every name it goes by.
_STATE_NAMES: dict[str, tuple[str, ...]] = {
    "Russian government": ("russia", "moscow"),
    "Ukrainian government": ("ukraine", "kyiv", "kiev"),
    "Azerbaijani government": ("azerbaijan", "baku"),
    "Kazakh government": ("kazakhstan", "astana"),
    "US government": ("us", "u.s", "u.s.", "united states", "the united states", "washington"),
    "Canadian government": ("canada", "ottawa"),
    "French government": ("france", "paris"),
    "German government": ("germany", "berlin"),
    "UK government": ("uk", "britain", "london"),
    "Chinese government": ("china", "beijing"),
    "Turkish government": ("turkey", "ankara"),
    "Greek government": ("greece", "athens"),
    "Polish government": ("poland", "warsaw"),
    "Iranian government": ("iran", "tehran"),
    "Israeli government": ("israel",),
    "Georgian government": ("georgia", "tbilisi"),
    "Armenian government": ("armenia", "yerevan"),
    "Belarusian government": ("belarus", "minsk"),
}
STATES: dict[str, str] = {name: gov for gov, names in _STATE_NAMES.items() for name in names}

# --- source noun phrases in real news (counts from PolNeAR train, scripts/polnear.py stats) ---

# Lower-case words that end or fill no source phrase although they look like nouns.
NOT_NOUNS = frozenset({
    "not", "never", "also", "always", "often", "once", "again", "still", "even", "ever", "just",
    "really", "already", "soon", "together", "instead", "too", "well", "much", "more", "less", "most",
    "least", "very", "quite", "rather", "almost", "nearly", "perhaps", "maybe", "ago", "away", "back",
    "up", "down", "out", "off", "around", "about", "above", "below", "between", "among", "against",
    "during", "until", "upon", "within", "via", "per", "like", "unlike", "toward", "towards", "across",
    "behind", "beyond", "near", "onto", "through", "throughout", "whether", "whose", "whom", "whoever",
    "whatever", "wherever", "nothing", "something", "anything", "everything", "here", "there", "yes",
    "others", "is", "was", "are", "were", "be", "has", "have", "had", "do", "does", "did", "can",
    "could", "will", "would", "shall", "should", "may", "might", "must", "am", "being", "been",
    "said", "says", "say", "told", "tell", "tells", "asked", "added", "wrote", "went", "came",
    "got", "made", "took", "gave", "saw", "knew", "thought", "felt", "left", "kept", "put", "set",
    "let", "become", "became", "began", "seems", "seem", "wants", "want", "need", "needs", "know",
    "think", "thinks", "believe", "believes", "hope", "hopes", "expect", "expects", "get", "gets",
    "make", "makes", "take", "takes", "give", "gives", "go", "goes", "come", "comes", "see", "sees",
    "win", "wins", "won", "lost", "lose", "run", "runs", "ran", "help", "helps", "keep", "keeps",
    "however", "therefore", "thus", "hence", "meanwhile", "otherwise", "indeed", "anyway", "later",
    "first", "last", "next", "new", "own", "same", "such", "only", "whole", "entire", "each",
})
# Things that show rather than say: evidence is not a party (gold/GUIDELINES.md §5).
EVIDENCE_NOUNS = frozenset({
    "signs", "sign", "indications", "indication", "wreckage", "damage", "remains", "traces", "marks",
    "holes", "fragments", "shrapnel", "recordings", "recording", "pictures", "picture", "clip", "clips",
    "satellite", "radar", "logs", "log", "tracking", "flight-tracking",
})
# Time words: an adverbial, not a source ("last week Trump said").
TIME_NOUNS = frozenset({
    "week", "weeks", "month", "months", "year", "years", "day", "days", "night", "nights", "morning",
    "afternoon", "evening", "weekend", "today", "tonight", "yesterday", "tomorrow", "time", "times",
    "hour", "hours", "minute", "minutes", "decade", "decades", "century", "moment", "season",
    "january", "february", "march", "april", "june", "july", "august", "september", "october",
    "november", "december",
})
# -ed / -ing words that do name people or bodies ("those surveyed", "the polling firm").
NOUNS_LIKE_VERBS = frozenset({
    "surveyed", "polled", "interviewed", "questioned", "retired", "unnamed", "elected", "appointed",
    "polling", "leading", "ranking", "outgoing", "incoming", "founding", "governing", "ruling",
    "sitting", "acting", "presiding", "reporting", "spending", "lobbying", "fundraising", "organizing",
    "marketing", "advertising", "consulting", "accounting", "banking", "housing", "building",
    "united", "informed", "concerned", "interested", "undecided", "registered", "affiliated",
})
# Words before "of the ..." that make one source phrase ("most of the candidates").
QUANTIFIERS = frozenset({
    "three-quarters", "two-thirds", "one-third", "a third", "half", "majority", "plurality", "percent",
    "most", "some", "many", "one", "two", "three", "four", "five", "several", "few", "all", "each",
    "none", "half", "both", "any", "majority", "members", "dozens", "hundreds", "thousands", "millions",
})
# Past forms that do not end in -ed (to see where a subject ends: "the court overruled", "Trump went").
IRREGULAR_PAST = frozenset({
    "went", "came", "made", "took", "gave", "got", "won", "lost", "ran", "began", "became", "left", "kept",
    "held", "brought", "bought", "sought", "fought", "thought", "told", "said", "wrote", "spoke", "met",
    "sent", "spent", "built", "struck", "drew", "grew", "knew", "threw", "rose", "fell", "led", "paid",
    "read", "put", "set", "cut", "hit", "let", "quit", "stood", "felt", "heard", "found", "saw", "sat",
    "is", "was", "were", "are", "has", "had", "have", "will", "would", "can", "could", "should", "may", "might",
})
# "Label: ..." lines that are not a source speaking.
COLON_LABELS = frozenset({
    "q", "a", "read", "photo", "photos", "video", "source", "sources", "update", "updated", "note",
    "editor's note", "editor’s note", "correction", "related", "watch", "listen", "see also", "also read",
    "more", "share", "comments", "tags", "filed under", "image", "credit", "caption", "date", "by",
    "warning", "breaking", "exclusive", "analysis", "opinion", "background", "context", "why", "what",
    "how", "who", "when", "where", "bottom line", "the bottom line", "the upshot", "p.s", "ps", "answer",
    "question", "example", "for example", "key", "summary", "transcript", "full text", "timeline",
})
# Last words of the bridges between a subject and its cue (rules._BRIDGE); the regex runs
# only when the word before the cue is one of these (or an -ly adverb, a negation, a name).
BRIDGE_ENDS = frozenset({
    "has", "have", "had", "also", "already", "then", "now", "later", "earlier", "previously", "since",
    "further", "again", "publicly", "repeatedly", "quickly", "initially", "separately", "once", "first",
    "reportedly", "allegedly", "to", "never", "not", "still", "often", "long", "recently", "just", "even",
    "barely", "do", "does", "did", "can", "could", "will", "would", "may", "might", "must", "should",
    "cannot", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "yesterday",
    "today", "night", "morning", "evening", "afternoon", "week", "month", "year", "weekend", "spring",
    "summer", "fall", "autumn", "winter", "statement", "interview", "speech", "letter", "tweet", "post",
    "email", "op-ed", "memo", "release", "appearance", "rally",
})
