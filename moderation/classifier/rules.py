"""Rules layer: pure-Python signals (no torch, no numpy; safe in the web process).

Each rule that fires gives a RuleHit with a readable reason ("rule: price mentioned ($18,500)") and
contributes to a fixed-length feature vector (FEATURE_NAMES) that the classifier heads use beside the
text embedding. A rule is a signal, not a verdict: people asking "is this clinic legit?" quote prices and
WhatsApp numbers too, and the heads have learnt from such posts how much each signal is worth.

Two groups:
- PROMOTION_RULES: contact details and messaging handles, prices, sales language, "DM me", coordinators and
  agents, referral links and codes, known clinic domains (data/clinic_domains.txt), other external links.
- STANCE_RULES: how a medical claim is framed. The sentence embedding knows the topic of a post well but
  hardly whether it asserts, asks about or refutes a claim, so these cues carry that: telling readers to stop
  treatment, "no need for drugs", absolutes, cure words, conspiracy framing (signals towards
  misinformation), and questions, refutations, reported speech and hedged personal experience (signals away
  from it). They are lexical cues and can be fooled; the heads weigh them together with the embedding.

    >>> hits = apply_rules("Packages from $14,900. WhatsApp +52 998 123 4567")
    >>> [h.reason for h in hits][:2]
    ['rule: price mentioned ($14,900)', 'rule: phone number (+52 998 123 4567)']
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DOMAINS_FILE = Path(__file__).resolve().parent.parent / "data" / "clinic_domains.txt"
MAX_RULE_CHARS = 200_000  # rules look at no more than this much of a post (the largest body a post may have)
MAX_HITS_PER_RULE = 5

PROMOTION_RULES = (
    "phone",
    "email",
    "messaging_contact",
    "price",
    "price_large",
    "offer_language",
    "dm_language",
    "coordinator_agent",
    "referral",
    "clinic_domain",
    "external_link",
)
STANCE_RULES = (
    "stop_treatment",
    "no_need_for_treatment",
    "absolute_claim",
    "cure_claim",
    "conspiracy",
    "question",
    "refutation",
    "reported_speech",
    "hedged_experience",
)
FEATURE_NAMES = PROMOTION_RULES + STANCE_RULES

REASON_TEXT = {
    "phone": "phone number",
    "email": "email address",
    "messaging_contact": "messaging-app contact",
    "price": "price mentioned",
    "offer_language": "sales language",
    "dm_language": "asks readers to contact privately",
    "coordinator_agent": "coordinator / agent language",
    "referral": "referral link or code",
    "clinic_domain": "known clinic domain",
    "external_link": "external link",
    "stop_treatment": "tells readers to stop or refuse treatment",
    "no_need_for_treatment": "says treatment is unnecessary",
    "absolute_claim": "absolute claim",
    "cure_claim": "cure / reversal wording",
    "conspiracy": "conspiracy framing",
    "question": "asks a question",
    "refutation": "refutes a claim",
    "reported_speech": "reports what someone else claims",
    "hedged_experience": "hedged personal experience",
}

# Sites that are commonly linked in good faith; an "external link" to these is not a signal.
TRUSTED_DOMAINS = frozenset({
    "clinicaltrials.gov", "nih.gov", "nhs.uk", "nice.org.uk", "mssociety.org.uk", "nationalmssociety.org",
    "msif.org", "mstrust.org.uk", "ms.ca", "msaustralia.org.au", "ectrims.eu", "pubmed.ncbi.nlm.nih.gov",
    "ncbi.nlm.nih.gov", "fda.gov", "ema.europa.eu", "who.int", "cochrane.org", "thelancet.com", "nejm.org",
    "jamanetwork.com", "bmj.com", "nature.com", "sciencedirect.com", "wikipedia.org", "ebmt.org",
    "gov.uk", "europa.eu", "youtube.com",
})


@dataclass(frozen=True)
class RuleHit:
    rule: str      # one of FEATURE_NAMES (price_large never appears as a hit, only as a feature)
    match: str     # the text that fired it, as written in the post
    reason: str    # "rule: price mentioned ($18,500)"
    start: int = 0
    end: int = 0

    def as_dict(self) -> dict:
        return {"rule": self.rule, "match": self.match}


# --------------------------------------------------------------------------- patterns
# Every pattern runs in linear time on any input (a 200 KB post of "1." or "a." included): a run of digits,
# labels or separators is entered only at its start (a look-behind) and consumed possessively or with a bound,
# so no position is scanned again from a later start. bench/bad_input_bench.py measures it.
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}+@[A-Za-z0-9-]{1,63}+(?:\.[A-Za-z0-9-]{1,63}+){1,8}+")
_TLD = re.compile(r"[A-Za-z]{2,24}")

# A phone-number candidate: optional +country, digits in groups separated by space / dot / dash /
# parentheses. Validated afterwards (9 to 15 digits, not a price, not a date range).
_PHONE = re.compile(r"(?<![\w$€£¥.,/])(?:\+|00)?\(?\d{1,4}\)?(?:[ .\-]{1,2}\(?\d{1,6}\)?){1,5}(?![\w%])")

_MESSAGING_APPS = r"(?:whats\s?app|whatsapp|wa\.me|telegram|t\.me|viber|we\s?chat|signal|line\s+id|kik)"
_MESSAGING = re.compile(
    _MESSAGING_APPS + r"(?:[ \t:]{0,3}(?:only|me|us|our\s+\w{1,30}|him|her|\+?\d[\d ()+.\-]{6,24}\d|@\w{3,30}|:\s?[A-Za-z][A-Za-z0-9_.]{2,30}\b)"
    r"|/\w+)",
    re.I,
)
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z][A-Za-z0-9_]{3,30}\b")
_HANDLE_CONTEXT = re.compile(_MESSAGING_APPS + r"|instagram|insta\b|tiktok|facebook|dm|inbox|message", re.I)

# An amount: a digit, then at most 24 digits, commas and dots taken possessively; a longer run is no price.
_NUMBER = r"\d[\d,.]{0,24}+(?![\d,.])"
_CURRENCY_AMOUNT = re.compile(
    r"(?:[$€£¥]|\b(?:usd|eur|gbp|cad|aud|mxn|us\$|ca\$|a\$)\s?)\s?" + _NUMBER + r"(?:\s?(?:k|K|thousand|grand)\b)?"
    r"|(?<![\w,.])" + _NUMBER + r"\s?(?:k\s?)?(?:usd|eur|gbp|euros?|dollars?|pounds?|bucks)\b"
    r"|(?<![\w,.])" + _NUMBER + r"\s?[€£]",
    re.I,
)
_BARE_K = re.compile(r"(?<![\w,.])(\d{1,3}(?:[.,]\d)?)\s?k\b", re.I)
_NOT_MONEY_K = re.compile(r"\s?(?:run|race|walk|steps|followers|views|members|km|miles|subscribers|likes|words)\b", re.I)
_MONEY_CONTEXT = re.compile(r"\b(?:cost|costs|price|prices|priced|paid|pay|paying|fee|fees|package|cheap|cheaper|"
                            r"expensive|around|about|only|quoted|charged?|spent|deposit|for)\b", re.I)

_OFFER = re.compile(
    r"\b(?:packages?|discount(?:ed)?|special\s+(?:offer|pricing|price|rate)|limited\s+(?:time|spots|places|slots)|"
    r"promo(?:tion)?\s+code|\d{1,2}\s?%\s?off|percent\s+off|financing|payment\s+plans?|all[- ]inclusive|"
    r"book\s+(?:now|today|your)|free\s+(?:consultation|consult|evaluation|case\s+review|quote|assessment|phone\s+consult)|"
    r"money[- ]back|results\s+guaranteed|guaranteed\s+results|spots?\s+(?:are\s+)?(?:filling|left)|"
    r"reserve\s+your|claim\s+your|early\s+booking|group\s+rate|reduced\s+rate)\b",
    re.I,
)
_DM = re.compile(
    r"\b(?:(?:dm|pm|inbox|message|msg|text|email|e-mail|contact|call|ring|whatsapp|reach\s+out\s+to)\s+(?:me|us)\b"
    r"|send\s+(?:me|us)\s+a\s+(?:dm|pm|message|private\s+message|text|email)"
    r"|drop\s+(?:me\s+|us\s+)?(?:a\s+)?(?:dm|pm|line|message|comment|your\s+email)"
    r"|private(?:ly)?\s+message\s+me|message\s+me\s+privately|by\s+private\s+message|in\s+private\s+message"
    r"|comment\s+[\"'“]?info|slide\s+into\s+(?:my|our)\s+dms|dms?\s+(?:are\s+)?open|link\s+in\s+(?:my\s+)?(?:bio|profile))",
    re.I,
)
_AGENT = re.compile(
    r"\b(?:patient\s+(?:coordinator|liaison|advocate|manager)|(?:medical|health)\s+(?:tourism|travel)|"
    r"coordinators?|agents?|ambassadors?|distributors?|referral\s+partners?|affiliates?|facilitators?|"
    r"sales\s+reps?|concierge)\b",
    re.I,
)
_REFERRAL = re.compile(
    r"(?:[?&](?:ref|aff|affiliate|referral|promo|utm_source|coupon)=[\w-]+"
    r"|\b(?:use|using|with|mention)\s+(?:my\s+)?(?:referral\s+|promo\s+|discount\s+)?(?:code|link)\b(?:\s+[A-Z0-9]{4,})?"
    r"|\b(?:referral|promo|discount|coupon)\s+(?:code|link)\b"
    r"|\bcode\s+[A-Z][A-Z0-9]{3,}\b)",
    re.I,
)
_URL_OR_DOMAIN = re.compile(
    r"(?<![a-z0-9.@/-])(?:https?://)?(?:www\.)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,6}(?:com|org|net|co|io|"
    r"info|biz|clinic|health|care|mx|pa|co\.uk|uk|in|bg|ru|ua|ge|ae|de|es|it|fr|th|kz|ca|us|eu|me|ly|gl|ai|app|shop|"
    r"store|online|site|[a-z]{2}))\b(?:/[^\s)\]]{0,300}+)?",
    re.I,
)


_TREATMENT_WORDS = (r"(?:meds?|medications?|medicine|drugs?|dmts?|treatments?|infusions?|injections?|steroids?|scans?|"
                    r"mri|mris|vaccines?|shots?|neuro(?:logist)?s?|ocrevus|tysabri|kesimpta|copaxone|tecfidera|"
                    r"interferons?|chemo|poison|pills?|jabs?)")
STANCE_PATTERNS = {
    "stop_treatment": re.compile(
        r"\b(?:stop|quit|ditch|drop|cancel|refuse|skip|bin|throw\s+(?:away|out)|come\s+off|get\s+off|stop\s+taking|"
        r"don'?t\s+(?:take|bother\s+with|let\s+them))\b[^.!?\n]{0,40}?\b" + _TREATMENT_WORDS + r"\b"
        r"|\b(?:throw|chuck|toss)\b[^.!?\n]{0,20}?\b" + _TREATMENT_WORDS + r"\b[^.!?\n]{0,15}?\b(?:bin|trash|garbage)\b",
        re.I),
    "no_need_for_treatment": re.compile(
        r"\b(?:no\s+need\s+for|won'?t\s+need|don'?t\s+need|never\s+need|replaces?|instead\s+of|better\s+than)\b"
        r"[^.!?\n]{0,30}?\b(?:" + _TREATMENT_WORDS[3:-1] + r"|any\s+drug)\b", re.I),
    "absolute_claim": re.compile(
        r"\b(?:100\s?%|always|every\s+(?:single\s+)?(?:one|person|woman|case|patient)|everyone|guaranteed|proven|"
        r"definitely|never\s+fails?|completely|permanently|for\s+good|the\s+(?:real|only|true|root)\s+cause|the\s+truth)"
        r"(?!\w)", re.I),
    "cure_claim": re.compile(
        r"\b(?:cure[sd]?|reverse[sd]?|reversing|heals?|healed|rebuild[s]?|regrows?|repairs?|erases?|eliminates?|"
        r"remission)\b", re.I),
    "conspiracy": re.compile(
        r"\b(?:big\s+pharma|pharma|drug\s+compan(?:y|ies)|don'?t\s+want\s+you\s+to\s+know|won'?t\s+tell\s+you|"
        r"hid(?:e|es|den|ing)|suppress(?:ed|ing)?|cover(?:ed)?[\s-]up|on\s+the\s+payroll|wake\s+up|scam|banned|"
        r"can'?t\s+(?:be\s+)?patent(?:ed)?)\b", re.I),
    "question": re.compile(
        r"\b(?:is\s+it\s+true|does\s+anyone\s+know|can\s+anyone|has\s+anyone|genuine\s+question|quick\s+question|"
        r"any\s+evidence|is\s+there\s+any)\b|[^.!?\n]{1,80}\?", re.I),
    "refutation": re.compile(
        r"\b(?:not\s+true|isn'?t\s+true|untrue|myths?|debunk(?:ed)?|hoax|false|fact[\s-]?check|"
        r"no\s+(?:good\s+)?evidence|not\s+supported|nonsense|misinformation|doesn'?t\s+hold\s+up|no\s+data|"
        r"isn'?t\s+right|is\s+wrong|flat\s+out\s+wrong|please\s+don'?t\s+(?:believe|fall)|don'?t\s+fall\s+for)\b", re.I),
    "reported_speech": re.compile(
        r"[\"“][^\"“”\n]{8,300}[\"”]|\b(?:someone|they|he|she|people|a\s+post|a\s+video|a\s+meme|tiktok|"
        r"my\s+(?:aunt|mum|mom|neighbou?r|friend|chiropractor|partner|husband|wife))\s+(?:said|says|claim(?:s|ed)?|"
        r"told|insist(?:s|ed)?|keep\s+saying|keeps\s+saying|posted|wrote|swears?)\b|"
        r"\b(?:say(?:s|ing)?|said|claim(?:s|ed|ing)?|insist(?:s|ed|ing)?|told|tells|advertis(?:es|ed|ing)|wr(?:ote|ites)|"
        r"posted|argu(?:es|ed)|swear(?:s|ing)?|convinced|believes?|sent\s+me|forwarded)\s+(?:[\w',]+\s+){0,5}?that\b|"
        r"\bi\s+(?:read|heard|saw)\b", re.I),
    "hedged_experience": re.compile(
        r"\b(?:could\s+be\s+placebo|for\s+me|in\s+my\s+experience|i\s+can'?t\s+tell|who\s+knows|not\s+a\s+cure|"
        r"i'?m\s+still\s+on|alongside|my\s+neuro\s+(?:is\s+fine|said|okayed|agreed)|talk\s+to\s+your\s+neuro|"
        r"with\s+your\s+neuro|i'?d\s+never\s+tell)\b", re.I),
}

_NEGATABLE = frozenset({"stop_treatment", "no_need_for_treatment"})
_NEGATION_BEFORE = re.compile(r"\b(?:don'?t|do\s+not|never|not|shouldn'?t|should\s+not|please\s+don'?t|"
                              r"no\s+one\s+should|nobody\s+should|without)\s+(?:\w+\s+)?$", re.I)


def _lowered(pattern: re.Pattern) -> re.Pattern:
    """The pattern for lower-cased text, without re.IGNORECASE (which makes Python's re about twice as slow)."""
    return re.compile(pattern.pattern.replace("A-Z", "a-z"), pattern.flags & ~re.IGNORECASE)


_CASELESS = [_MESSAGING, _HANDLE_CONTEXT, _CURRENCY_AMOUNT, _BARE_K, _NOT_MONEY_K, _MONEY_CONTEXT, _OFFER, _DM, _AGENT,
             _REFERRAL, _URL_OR_DOMAIN, _NEGATION_BEFORE, *STANCE_PATTERNS.values()]
_LOWERED = {p: _lowered(p) for p in _CASELESS}
_AS_IS = {p: p for p in _CASELESS}


# --------------------------------------------------------------------------- domains
def load_clinic_domains(*paths: str | Path | None) -> frozenset[str]:
    """Read one or more domain files (comments with #, one domain a line). Missing files are skipped."""
    domains: set[str] = set()
    for path in paths or (DEFAULT_DOMAINS_FILE,):
        if path is None:
            continue
        p = Path(path)
        if not p.is_file():
            continue
        for line in p.read_text(encoding="utf-8", errors="replace").splitlines():
            line = line.split("#", 1)[0].strip().lower()
            if line:
                line = re.sub(r"^https?://", "", line).removeprefix("www.").strip("/")
                domains.add(line)
    return frozenset(domains)


_DEFAULT_DOMAINS: frozenset[str] | None = None


def default_domains() -> frozenset[str]:
    global _DEFAULT_DOMAINS
    if _DEFAULT_DOMAINS is None:
        _DEFAULT_DOMAINS = load_clinic_domains(DEFAULT_DOMAINS_FILE)
    return _DEFAULT_DOMAINS


def _domain_in(domain: str, domains: frozenset[str]) -> str | None:
    d = domain.lower().rstrip(".")
    parts = d.split(".")
    for i in range(len(parts) - 1):
        cand = ".".join(parts[i:])
        if cand in domains:
            return cand
    return None


# --------------------------------------------------------------------------- rules
def _emails(text: str) -> list[tuple[str, int, int]]:
    """Email addresses: the candidate's trailing labels are dropped until the last one is a real TLD."""
    out = []
    for m in _EMAIL.finditer(text):
        address = m.group(0)
        local, _, domain = address.partition("@")
        labels = domain.split(".")
        while len(labels) > 1 and not _TLD.fullmatch(labels[-1]):
            labels.pop()
        if len(labels) > 1:
            found = f"{local}@{'.'.join(labels)}"
            out.append((found, m.start(), m.start() + len(found)))
    return out


class _Spans:
    """Sorted, non-overlapping (start, end) spans; `covers(pos)` in O(log n), so filtering stays linear."""

    def __init__(self, spans) -> None:
        self.spans = sorted(spans)
        self.starts = [a for a, _ in self.spans]

    def covers(self, pos: int) -> bool:
        k = bisect.bisect_right(self.starts, pos) - 1
        return k >= 0 and pos < self.spans[k][1]

    def overlaps(self, a: int, b: int) -> bool:
        k = bisect.bisect_left(self.starts, b) - 1
        return k >= 0 and self.spans[k][1] > a


def _phones(text: str) -> list[tuple[str, int, int]]:
    out = []
    for m in _PHONE.finditer(text):
        s = m.group(0).strip(" .-")
        digits = re.sub(r"\D", "", s)
        if not 9 <= len(digits) <= 15:
            continue
        groups = re.findall(r"\d+", s)
        if len(groups) < 2 and not s.startswith("+"):
            continue
        # a range of years / a date like 2019-2021 or 12.03.2023 is not a phone number
        if re.fullmatch(r"(19|20)\d\d\s?[-–]\s?(19|20)\d\d", s) or re.fullmatch(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", s):
            continue
        if all(len(g) == 3 for g in groups[1:]) and len(groups[0]) <= 3 and "," in text[m.start():m.end()]:
            continue
        out.append((s, m.start(), m.start() + len(s)))
    return out


def _amount_value(s: str) -> float | None:
    """Numeric value of a price match: '$14,900' -> 14900, '€14.500' -> 14500, '$12k' -> 12000, '4.5k' -> 4500."""
    t = s.lower()
    mult = 1000.0 if re.search(r"\d\s?(k|thousand|grand)\b", t) else 1.0
    m = re.search(r"\d[\d,.]*", t)
    if not m:
        return None
    num = m.group(0).rstrip(".,")
    if re.fullmatch(r"\d{1,3}(?:([,.])\d{3})(?:\1\d{3})*", num):       # 14,900 or 14.500 or 1,250,000
        num = re.sub(r"[,.]", "", num)
    elif re.fullmatch(r"\d{1,3}(?:,\d{3})+\.\d{1,2}", num):          # 14,900.50
        num = num.replace(",", "")
    else:                                                          # 1.5 / 1,5 / 4000
        num = num.replace(",", ".") if re.fullmatch(r"\d+,\d{1,2}", num) else num.replace(",", "")
    try:
        return float(num) * mult
    except ValueError:
        return None


def apply_rules(text: str, clinic_domains: frozenset[str] | None = None) -> list[RuleHit]:
    """All rule hits in text, in a stable order (by rule, then position); at most MAX_HITS_PER_RULE each."""
    if not text:
        return []
    text = text[:MAX_RULE_CHARS]
    domains = default_domains() if clinic_domains is None else clinic_domains
    # Case-insensitive patterns run on the lower-cased text (twice as fast); matches are shown as written.
    # str.lower() can lengthen a few characters (İ), which would shift offsets: then match the original.
    low = text.lower()
    src, P = (low, _LOWERED) if len(low) == len(text) else (text, _AS_IS)
    hits: list[RuleHit] = []

    def add(rule: str, match: str, start: int, end: int, label: str | None = None) -> None:
        if sum(1 for h in hits if h.rule == rule) >= MAX_HITS_PER_RULE:
            return
        match = match.strip()
        if any(h.rule == rule and h.match.lower() == match.lower() for h in hits):
            return
        shown = match if len(match) <= 60 else match[:57] + "..."
        hits.append(RuleHit(rule, match, f"rule: {label or REASON_TEXT[rule]} ({shown})", start, end))

    prices = []
    for m in P[_CURRENCY_AMOUNT].finditer(src):
        found = text[m.start():m.end()]
        s = found.strip().rstrip(".,")
        prices.append((s, m.start(), m.start() + len(found.rstrip().rstrip(".,"))))
    amounts = _Spans((a, b) for _, a, b in prices)
    for m in P[_BARE_K].finditer(src):
        window = src[max(0, m.start() - 25): m.end() + 20]
        if P[_NOT_MONEY_K].match(src, m.end()):
            continue
        if P[_MONEY_CONTEXT].search(window) and not amounts.covers(m.start()):
            prices.append((text[m.start():m.end()], m.start(), m.end()))
    prices.sort(key=lambda p: p[1])
    for s, a, b in prices:
        add("price", s, a, b)

    emails = _emails(text)
    email_spans = _Spans((a, b) for _, a, b in emails)
    for s, a, b in emails:
        add("email", s, a, b)

    price_spans = _Spans((a, b) for _, a, b in prices)
    for s, a, b in _phones(text):
        if price_spans.overlaps(a, b):
            continue
        add("phone", s, a, b)

    for m in P[_MESSAGING].finditer(src):
        add("messaging_contact", text[m.start():m.end()], m.start(), m.end())
    taken = _Spans(email_spans.spans + [(h.start, h.end) for h in hits if h.rule == "messaging_contact"])
    for m in _HANDLE.finditer(text):
        if taken.covers(m.start()):
            continue
        if P[_HANDLE_CONTEXT].search(src, max(0, m.start() - 60), m.start()):
            add("messaging_contact", m.group(0), m.start(), m.end())

    for rule, pattern in (("offer_language", _OFFER), ("dm_language", _DM), ("coordinator_agent", _AGENT),
                          ("referral", _REFERRAL)):
        for m in P[pattern].finditer(src):
            add(rule, text[m.start():m.end()], m.start(), m.end())

    seen_domains: set[str] = set()
    for m in P[_URL_OR_DOMAIN].finditer(src):
        if email_spans.covers(m.start()):
            continue
        domain = text[m.start(1):m.end(1)].lower()
        if domain in seen_domains or re.fullmatch(r"[\d.]+", domain):
            continue
        seen_domains.add(domain)
        known = _domain_in(domain, domains)
        if known:
            add("clinic_domain", domain, m.start(), m.end())
        elif text[m.start():m.end()].lower().startswith(("http", "www.")) or "/" in m.group(0) or re.search(
                r"\.(com|org|net|clinic|health|co|io|mx|info)$", domain):
            if not _domain_in(domain, TRUSTED_DOMAINS):
                add("external_link", domain, m.start(), m.end())
    for _, a, b in emails:  # an email at a known clinic domain counts too
        domain = text[a:b].rsplit("@", 1)[1]
        known = _domain_in(domain, domains)
        if known:
            add("clinic_domain", domain, a, b)

    for name, pat in STANCE_PATTERNS.items():
        for m in P[pat].finditer(src):
            if name in _NEGATABLE and P[_NEGATION_BEFORE].search(src, max(0, m.start() - 24), m.start()):
                continue  # "don't stop your treatment", "never skip your meds"
            add(name, text[m.start():m.end()], m.start(), m.end())
            if sum(1 for h in hits if h.rule == name) >= 2:
                break

    order = {name: i for i, name in enumerate(FEATURE_NAMES)}
    hits.sort(key=lambda h: (order[h.rule], h.start))
    return hits


def rule_features(hits: list[RuleHit]) -> list[float]:
    """Feature vector in FEATURE_NAMES order: 1.0 when a rule fired, plus price_large (>= 1,000)."""
    fired = {h.rule for h in hits}
    large = any(h.rule == "price" and (_amount_value(h.match) or 0) >= 1000 for h in hits)
    return [1.0 if (name in fired or (name == "price_large" and large)) else 0.0 for name in FEATURE_NAMES]


def features_for(text: str, clinic_domains: frozenset[str] | None = None) -> list[float]:
    return rule_features(apply_rules(text, clinic_domains))
