"""The labelling interface, and the names tasks and import agree on.

A claim is a ``Claim`` region (its quote) with relations to a ``Claimant`` and a ``Cue``
region; every other field is a per-region control on the Claim region, shown when a
claim is selected. A Claimant or Cue region may be shared by several claims (one
relation each), as one source often makes several claims.

Offsets: Label Studio's Text tag stores ``start``/``end`` as code-point offsets into the
task text (its frontend counts code points, not UTF-16 units, since the emoji fix in
label-studio-frontend #308), which are Python ``str`` offsets; the import still checks
every region's text against the article, so a different convention cannot slip in.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from claims.kernel.schema import Attribution, Certainty, ClaimantType

TEXT = "text"  # the Text object tag (and the task data key holding the article)
SPAN = "span"  # the Labels control
CLAIM, CLAIMANT, CUE = "Claim", "Claimant", "Cue"
REL_CLAIMANT, REL_CUE = "claimant", "cue"  # relation labels, drawn from the claim

# per-claim controls: name -> (claim field path, header shown to the labeller)
CHOICES: dict[str, tuple[str, str, type]] = {
    "attribution": ("attribution", "Attribution", Attribution),
    "certainty": ("certainty", "Certainty", Certainty),
    "claimant_type": ("claimant.type", "Claimant type", ClaimantType),
}
TEXTAREAS: dict[str, tuple[str, str]] = {
    "statement": ("statement", "Statement (stands alone: names resolved, nothing added)"),
    "claimant_name": ("claimant.name", "Claimant name (canonical)"),
    "claimant_role": ("claimant.role", "Claimant role (if the article gives one)"),
}
# The cross-article cluster label of gold claims (GUIDELINES §13).
TEXTAREAS["cluster"] = ("cluster", "Cluster (same truth conditions across articles)")

_COLOURS = {CLAIM: "#ffd54f", CLAIMANT: "#4fc3f7", CUE: "#aed581"}
_HINTS = {
    "direct": "the words are quoted",
    "indirect": "reported speech, 'according to'",
    "unattributed": "the article asserts it",
    "asserted": "stated as fact",
    "hedged": "may, allegedly, suggests, reportedly",
    "denied": "the claimant rejects it",
}


def label_config() -> str:
    """The Label Studio labelling interface (``<View>`` XML) for claims."""
    a = quoteattr
    lines = [
        "<View>",
        "  <!-- claims gold: select a quote as Claim, its source as Claimant, the reporting",
        "       words as Cue; draw relations from the Claim to its Claimant and Cue, then fill",
        "       in the claim's fields on the right. Guidelines: gold/GUIDELINES.md -->",
        "  <Style>.htx-text { white-space: pre-wrap; }</Style>",
        "  <Relations>",
        f"    <Relation value={a(REL_CLAIMANT)}/>",
        f"    <Relation value={a(REL_CUE)}/>",
        "  </Relations>",
        f"  <Labels name={a(SPAN)} toName={a(TEXT)}>",
        *(f"    <Label value={a(v)} background={a(c)}/>" for v, c in _COLOURS.items()),
        "  </Labels>",
        f"  <Text name={a(TEXT)} value={a('$' + TEXT)} granularity=\"symbol\"/>",
        f"  <View visibleWhen=\"region-selected\" whenLabelValue={a(CLAIM)}>",
    ]
    lines += _textarea("statement")  # first: it is what a reviewer reads and edits most
    for name, (_, header, enum) in CHOICES.items():
        lines.append(f"    <Header value={a(header)}/>")
        lines.append(f"    <Choices name={a(name)} toName={a(TEXT)} perRegion=\"true\" choice=\"single-radio\">")
        lines += [
            f"      <Choice value={a(m.value)}" + (f" hint={a(_HINTS[m.value])}" if m.value in _HINTS else "") + "/>"
            for m in enum
        ]
        lines.append("    </Choices>")
    for name in TEXTAREAS:
        if name != "statement":
            lines += _textarea(name)
    lines += ["  </View>", "</View>"]
    return "\n".join(lines) + "\n"


def _textarea(name: str) -> list[str]:
    a = quoteattr
    return [
        f"    <Header value={a(TEXTAREAS[name][1])}/>",
        f"    <TextArea name={a(name)} toName={a(TEXT)} perRegion=\"true\" editable=\"true\" maxSubmissions=\"1\" rows=\"2\"/>",
    ]
