"""Stored flag reasons, told in plain words for volunteer moderators.

The classifier and the known lists store their reasons as short technical strings on each flag
("model: misinformation 1.00 (threshold 0.35)", "rule: cure / reversal wording (reverse)",
"known claim: says ..., a known false claim: see URL; \"...\" (similarity 0.87)",
"names a listed provider: NAME (domain)"). Other code reads them as they are, so they stay stored
that way; this module only reads them. A reason it does not recognise is shown as written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from moderation.certainty import Certainty, how_sure
from moderation.classifier.rules import PROMOTION_RULES, REASON_TEXT
from moderation.models import LABEL_NAMES

PROMOTION, MISINFORMATION = "clinic_promotion", "misinformation"
MAX_QUOTES = 3

_RULE_OF_TEXT = {text: rule for rule, text in REASON_TEXT.items()}
_MESSAGING_APPS = (("whatsapp", "WhatsApp"), ("whats app", "WhatsApp"), ("wa.me", "WhatsApp"),
                   ("telegram", "Telegram"), ("t.me", "Telegram"), ("viber", "Viber"), ("wechat", "WeChat"),
                   ("we chat", "WeChat"), ("signal", "Signal"), ("line id", "LINE"), ("kik", "Kik"))

RULE_SENTENCES = {
    "phone": "gives a phone number to call: {match}",
    "email": "gives an email address to write to: {match}",
    "messaging_contact": "asks readers to get in touch by {app}: “{match}”",
    "price": "gives a price for treatment: {match}",
    "offer_language": "uses sales language: “{match}”",
    "dm_language": "asks readers to message privately: “{match}”",
    "coordinator_agent": "mentions a coordinator or agent who arranges treatment: “{match}”",
    "referral": "includes a referral link or code: {match}",
    "clinic_domain": "links to a known clinic website: {match}",
    "external_link": "links to an outside website: {match}",
    "stop_treatment": "tells readers to stop or refuse their treatment: “{match}”",
    "no_need_for_treatment": "says treatment is not needed: “{match}”",
    "absolute_claim": "makes a sweeping, absolute claim: “{match}”",
    "cure_claim": "says a treatment cures or reverses MS: “{match}”",
    "conspiracy": "says doctors or drug makers hide the truth: “{match}”",
    "question": "asks a question rather than telling readers what to do: “{match}”",
    "refutation": "argues against a claim: “{match}”",
    "reported_speech": "reports what someone else claims: “{match}”",
    "hedged_experience": "describes a personal experience, carefully: “{match}”",
}
AGAINST_RULES = frozenset({"question", "refutation", "reported_speech", "hedged_experience"})
LABEL_WORDS = {PROMOTION: "clinic or product promotion", MISINFORMATION: "medical misinformation"}

_MODEL = re.compile(r"^model: (?P<label>\w+) (?P<score>[\d.]+) \(threshold (?P<threshold>[\d.]+)\)$")
_HOLD = re.compile(r"^hold: (?P<label>\w+) (?P<score>[\d.]+) >= hold threshold (?P<threshold>[\d.]+)$")
_SENTENCE = re.compile(r'^sentence \((?P<label>\w+) (?P<score>[\d.]+)\): "(?P<quote>.*)"$', re.S)
_RULE = re.compile(r"^rule: (?P<text>.+?) \((?P<match>.*)\)$", re.S)
_SAID = r'"(?P<quote>.*)" \(similarity (?P<similarity>[\d.]+)\)$'
_CLAIM = re.compile(r"^known claim: says (?P<claim>.+), a known false claim(?:: see (?P<url>\S+?))?; " + _SAID, re.S)
_CLAIM_NOTE = re.compile(r"^note: (?P<verb>asks about|argues against) the known false claim that (?P<claim>.+) "
                         r"\((?P<cue>[^()]*)\), not counted; " + _SAID, re.S)
_PROVIDER = re.compile(r"^names a listed provider: (?P<name>.+) \((?P<found>[^()]+)\)$")
_LANGUAGE = re.compile(r"^note: post does not look like English")


@dataclass(frozen=True)
class PlainReason:
    kind: str                # rule, model, hold, sentence, claim, claim_note, provider, language, other
    text: str                # what the post seems to do, in plain words
    label: str | None = None  # the label it speaks to (None: either)
    quote: str = ""          # the sentence it is about
    link: str = ""           # evidence a volunteer can open
    against: bool = False    # speaks against a flag, or does not count towards it
    rule: str = ""
    score: float | None = None
    threshold: float | None = None


def explain(reason: str) -> PlainReason:
    """One stored reason as a plain sentence; an unknown one is shown as it was written."""
    reason = str(reason or "").strip()
    for parse in (_model, _hold, _sentence, _rule, _claim, _claim_note, _provider, _language):
        plain = parse(reason)
        if plain is not None:
            return plain
    return PlainReason("other", reason)


def _label_words(label: str) -> str:
    return LABEL_WORDS.get(label, label.replace("_", " "))


def _model(reason: str) -> PlainReason | None:
    m = _MODEL.match(reason)
    if not m:
        return None
    return PlainReason("model", f"reads like {_label_words(m['label'])} as a whole", m["label"],
                       score=float(m["score"]), threshold=float(m["threshold"]))


def _hold(reason: str) -> PlainReason | None:
    m = _HOLD.match(reason)
    if not m:
        return None
    return PlainReason("hold", f"looks so clearly like {_label_words(m['label'])} that it was held before anyone "
                       "saw it", m["label"], score=float(m["score"]), threshold=float(m["threshold"]))


def _sentence(reason: str) -> PlainReason | None:
    m = _SENTENCE.match(reason)
    if not m:
        return None
    return PlainReason("sentence", f"this sentence reads like {_label_words(m['label'])}", m["label"],
                       quote=m["quote"], score=float(m["score"]))


def _messaging_app(match: str) -> str:
    lowered = match.lower()
    return next((name for key, name in _MESSAGING_APPS if key in lowered), "a messaging app")


def _rule(reason: str) -> PlainReason | None:
    m = _RULE.match(reason)
    if not m or m["text"] not in _RULE_OF_TEXT:
        return None
    rule = _RULE_OF_TEXT[m["text"]]
    text = RULE_SENTENCES[rule].format(match=m["match"], app=_messaging_app(m["match"]))
    label = PROMOTION if rule in PROMOTION_RULES else MISINFORMATION
    return PlainReason("rule", text, label, against=rule in AGAINST_RULES, rule=rule)


def _claim(reason: str) -> PlainReason | None:
    m = _CLAIM.match(reason)
    if not m:
        return None
    return PlainReason("claim", f"matches a known false claim: {m['claim']}", MISINFORMATION, quote=m["quote"],
                       link=_web_link(m["url"]), score=float(m["similarity"]))


def _web_link(url: str | None) -> str:
    return url if url and url.lower().startswith(("https://", "http://")) else ""


def _claim_note(reason: str) -> PlainReason | None:
    m = _CLAIM_NOTE.match(reason)
    if not m:
        return None
    verb = "asks whether" if m["verb"] == "asks about" else "argues against the known false claim that"
    return PlainReason("claim_note", f"{verb} {m['claim']}, so it is not counted", MISINFORMATION,
                       quote=m["quote"], against=True, score=float(m["similarity"]))


def _provider(reason: str) -> PlainReason | None:
    m = _PROVIDER.match(reason)
    if not m:
        return None
    found = m["found"]
    if found.startswith("phone "):
        text = f"gives the phone number of a known clinic or broker, {m['name']}: {found.removeprefix('phone ')}"
    else:
        text = f"links to a known clinic or broker, {m['name']}: {found}"
    return PlainReason("provider", text, PROMOTION)


def _language(reason: str) -> PlainReason | None:
    if not _LANGUAGE.match(reason):
        return None
    return PlainReason("language", "is not in English; the classifier reads English only, so it may be wrong",
                       against=True)


# ---- one flag, told whole ----

@dataclass(frozen=True)
class FlagStory:
    label: str
    name: str                        # "Clinic or product promotion"
    certainty: Certainty
    seems_to: list[PlainReason]      # what the post seems to do
    against: list[PlainReason]       # what speaks against it, or is not counted
    quotes: list[str]                # the sentences that drove the flag, strongest first
    score: float
    threshold: float | None
    hold_threshold: float | None
    raw: list[str] = field(default_factory=list)

    @property
    def headline(self) -> str:
        return f"{self.certainty.word.capitalize()} {_label_words(self.label)}"


def _merged_rules(reasons: list[PlainReason]) -> list[PlainReason]:
    """Several hits of one rule ("$14,900", "$2,000") read as one line."""
    out: list[PlainReason] = []
    seen_rules: dict[str, int] = {}
    for r in reasons:
        if r.kind != "rule" or r.rule not in seen_rules:
            if r.kind == "rule":
                seen_rules[r.rule] = len(out)
            out.append(r)
            continue
        first = out[seen_rules[r.rule]]
        extra = r.text.split(": ", 1)[-1]
        out[seen_rules[r.rule]] = PlainReason(first.kind, f"{first.text}, {extra}", first.label, against=first.against,
                                              rule=first.rule)
    return list(dict.fromkeys(out))


def _sentences_for(label: str, sentences: Iterable[Any]) -> list[str]:
    scored = []
    for s in sentences or []:
        if not isinstance(s, dict) or not str(s.get("text", "")).strip():
            continue
        labels = s.get("labels")
        scores = s.get("scores") if isinstance(s.get("scores"), dict) else {}
        if labels is not None and label not in labels:
            continue
        try:
            score = float(scores.get(label, 0.0))
        except (TypeError, ValueError):
            continue
        if score > 0 or labels:
            scored.append((score, " ".join(str(s["text"]).split())))
    return list(dict.fromkeys(text for _, text in sorted(scored, key=lambda st: -st[0])))


def tell_flag(label: str, score: float, reasons: Iterable[str], sentences: Iterable[Any] = ()) -> FlagStory:
    """A flag's stored label, score, reasons and sentences as a volunteer reads them."""
    raw = [str(r) for r in reasons or []]
    plain = [explain(r) for r in raw]
    threshold = next((p.threshold for p in plain if p.kind == "model" and p.label == label), None)
    hold = next((p.threshold for p in plain if p.kind == "hold" and p.label == label), None)
    mine = [p for p in plain if p.label in (label, None) and p.kind not in ("model", "hold", "sentence")]
    listed = any(p.kind in ("claim", "provider") for p in mine)
    quotes = _sentences_for(label, sentences) or [p.quote for p in plain if p.kind == "sentence" and p.label == label]
    quotes = list(dict.fromkeys(quotes + [p.quote for p in mine if p.kind == "claim" and p.quote]))[:MAX_QUOTES]
    seems_to = _merged_rules([p for p in mine if not p.against])
    if not seems_to:
        seems_to = [p for p in plain if p.kind == "model" and p.label == label] or \
                   [PlainReason("model", f"reads like {_label_words(label)} as a whole", label)]
    return FlagStory(label, LABEL_NAMES.get(label, label), how_sure(score, threshold, hold, listed), seems_to,
                     _merged_rules([p for p in mine if p.against]), quotes, score, threshold, hold, raw)


def tell(flag: Any) -> FlagStory:
    """tell_flag for a ModerationFlag row."""
    return tell_flag(flag.label, float(flag.score), flag.reasons or [], flag.sentences or [])
