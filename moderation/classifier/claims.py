"""Known false claims and known providers: signals moderators can edit without retraining.

Pure Python + numpy: no database, no Flask, no torch. The worker builds these from the `known_claims` and
`known_providers` tables (moderation/known.py) and passes the classifier's encoder as ``embed``; tests pass
a bag-of-words function instead.

ClaimBank: every claim and each of its paraphrases is embedded once; a sentence matches the claim whose
closest wording has cosine similarity >= ``threshold``. The embedding knows what a sentence is about but
hardly whether it says the claim, asks about it or argues against it ("fillings don't cause MS" sits next
to "fillings cause MS"), so each match also gets a stance from lexical cues:

- "refutes": a refutation word ("no evidence", "myth", "not true", ...) or more negations than the matched
  wording has; a cue that the claim's own wording contains does not count (the claim "PML is a myth" says
  "myth" itself).
- "asks": a question, or the claim reported at a distance ("someone told me", "I read that", a quotation):
  the poster raises it without vouching for it.
- "asserts": anything else. Only asserting matches are a signal.

ProviderList: listed domains (also as subdomains, in links and email addresses) and phone numbers that start
with a listed prefix (digits compared, country code included).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np

from .text import sentence_spans, shorten

# Cosine similarity (all-MiniLM-L6-v2, L2-normalised) from which a sentence counts as saying a known claim.
# Tuned on hand-written paraphrases vs related-but-different sentences (see tests/classifier/test_claims.py
# and the numbers in the commit that set it).
DEFAULT_THRESHOLD = 0.70
MIN_WORDS = 4                 # shorter sentences ("MS sucks.") are not compared
MAX_SENTENCES_PER_POST = 60   # a very long post is matched on its first sentences only
MAX_TEXT_CHARS = 200_000      # same bound as the rules layer

STANCES = ("asserts", "asks", "refutes")
Embed = Callable[[list[str]], np.ndarray]

_WORD = re.compile(r"[a-z0-9']+")
_NEGATIONS = frozenset({"not", "no", "never", "none", "nothing", "neither", "nor", "cannot"})
_REFUTE_CUES = (
    "not true", "isn't true", "is untrue", "untrue", "false", "no evidence", "no good evidence", "no proof",
    "no scientific", "not supported", "not backed", "myth", "debunked", "disproven", "disproved",
    "misinformation", "nonsense", "rubbish", "bogus", "scam", "quackery", "quack", "snake oil",
    "conspiracy theory", "don't believe", "do not believe", "doesn't work", "does not work", "no link",
    "not linked", "no connection", "don't fall for", "do not fall for", "beware", "be careful", "been shown not",
    "found no", "not a cure", "is wrong", "are wrong",
)
_QUESTION_CUES = (
    "is it true", "is there any truth", "any truth", "does anyone", "has anyone", "can anyone", "can someone",
    "could someone", "anyone know", "should i", "do you think", "i wonder", "wondering if", "wondering whether",
)
_REPORTED_CUES = (
    "someone said", "someone told me", "somebody said", "somebody told me", "people say", "people keep saying",
    "i was told", "i've been told", "i have been told", "i heard", "i've heard", "i have heard", "i read that",
    "i read somewhere", "i saw a video", "keeps telling me", "keep telling me", "kept telling me", "told me that",
    "claims that", "claim that", "claimed that", "supposedly", "they say", "some people think",
    "some people believe", "my neighbour says", "my neighbor says",
)
_QUOTED = re.compile(r"[\"“][^\"”]{12,}[\"”]")


def _norm(text: str) -> str:
    return " " + " ".join(_WORD.findall(text.lower().replace("’", "'"))) + " "


def _has(text_norm: str, cue: str) -> bool:
    return f" {cue} " in text_norm


def _negations(text_norm: str) -> int:
    return sum(1 for w in text_norm.split() if w in _NEGATIONS or w.endswith("n't"))


def stance(sentence: str, claim_texts: Iterable[str] = (), matched_text: str = "") -> tuple[str, str]:
    """("asserts" | "asks" | "refutes", the cue that decided it). claim_texts: the claim and its paraphrases
    (their own words never count as cues); matched_text: the wording the sentence matched (for negations)."""
    s = _norm(sentence)
    own = _norm(" | ".join(claim_texts))
    for cue in _REFUTE_CUES:
        if _has(s, cue) and not _has(own, cue):
            return "refutes", cue
    if _negations(s) > _negations(_norm(matched_text)):
        return "refutes", "negation"
    if "?" in sentence:
        return "asks", "question"
    for cue in _QUESTION_CUES + _REPORTED_CUES:
        if _has(s, cue):
            return "asks", cue
    if _QUOTED.search(sentence):
        return "asks", "quotation"
    return "asserts", ""


def _as_clause(claim: str) -> str:
    """'Mercury amalgam fillings cause MS.' -> 'mercury amalgam fillings cause MS' (acronyms kept)."""
    text = shorten(claim, 200).rstrip(" .!")
    if len(text) > 1 and not text[:2].isupper():
        text = text[0].lower() + text[1:]
    return text


def split_sentences(text: str) -> list[str]:
    """The sentences of a post worth comparing with the bank (long posts: the first ones only)."""
    text = (text or "")[:MAX_TEXT_CHARS]
    out = []
    for a, b in sentence_spans(text):
        sentence = text[a:b]
        if len(_WORD.findall(sentence.lower())) >= MIN_WORDS:
            out.append(sentence)
            if len(out) >= MAX_SENTENCES_PER_POST:
                break
    return out


@dataclass(frozen=True)
class ClaimEntry:
    id: int
    claim: str
    paraphrases: tuple[str, ...] = ()
    evidence_url: str = ""
    evidence_title: str = ""


@dataclass(frozen=True)
class ClaimMatch:
    claim_id: int
    sentence: str
    similarity: float
    stance: str            # "asserts" | "asks" | "refutes"
    reason: str            # what a volunteer reads
    cue: str = ""          # the word or sign that decided the stance ("" for asserts)

    @property
    def is_signal(self) -> bool:
        return self.stance == "asserts"


class ClaimBank:
    """Known false claims, embedded once. ``embed``: list[str] -> (n, d) array of L2-normalised rows."""

    def __init__(self, entries: Sequence[ClaimEntry], embed: Embed, threshold: float = DEFAULT_THRESHOLD):
        self.entries = list(entries)
        self.embed = embed
        self.threshold = float(threshold)
        self._texts: list[str] = []
        owner: list[int] = []
        for k, entry in enumerate(self.entries):
            for text in (entry.claim, *entry.paraphrases):
                text = " ".join(str(text).split())
                if text:
                    self._texts.append(text)
                    owner.append(k)
        self._owner = np.asarray(owner, dtype=np.int64)
        self._matrix = self._embed(self._texts) if self._texts else np.zeros((0, 0), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.entries)

    def _embed(self, texts: list[str]) -> np.ndarray:
        m = np.asarray(self.embed(list(texts)), dtype=np.float32)
        if m.ndim != 2 or m.shape[0] != len(texts):
            raise ValueError(f"embed returned shape {m.shape} for {len(texts)} texts")
        return m

    def similarities(self, sentences: list[str]) -> np.ndarray:
        """(len(sentences), len(entries)): each claim's best cosine over its wordings."""
        if not sentences or not self._texts:
            return np.zeros((len(sentences), len(self.entries)), dtype=np.float32)
        per_text = self._embed(sentences) @ self._matrix.T
        out = np.full((len(sentences), len(self.entries)), -1.0, dtype=np.float32)
        np.maximum.at(out.T, self._owner, per_text.T)
        return out

    def match(self, sentences: list[str]) -> list[ClaimMatch]:
        """Per sentence, the best claim at or above the threshold (sentences with none are left out)."""
        sentences = [s for s in sentences if s and s.strip()]
        if not sentences or not self._texts:
            return []
        per_text = self._embed(sentences) @ self._matrix.T
        out: list[ClaimMatch] = []
        for i, sentence in enumerate(sentences):
            t = int(np.argmax(per_text[i]))
            sim = float(per_text[i, t])
            if sim < self.threshold:
                continue
            entry = self.entries[int(self._owner[t])]
            how, cue = stance(sentence, (entry.claim, *entry.paraphrases), self._texts[t])
            out.append(ClaimMatch(entry.id, sentence, round(sim, 4), how, self._reason(entry, sentence, sim, how, cue),
                                  cue))
        return out

    @staticmethod
    def _reason(entry: ClaimEntry, sentence: str, sim: float, how: str, cue: str) -> str:
        said = f"\"{shorten(sentence, 160)}\" (similarity {sim:.2f})"
        see = f": see {entry.evidence_url}" if entry.evidence_url else ""
        claim = _as_clause(entry.claim)
        if how == "asserts":
            return f"known claim: says {claim}, a known false claim{see}; {said}"
        verb = "asks about" if how == "asks" else "argues against"
        return f"note: {verb} the known false claim that {claim} ({cue}), not counted; {said}"


# ---------------------------------------------------------------- providers

@dataclass(frozen=True)
class ProviderEntry:
    id: int
    name: str
    kind: str = "clinic"
    domains: tuple[str, ...] = ()
    phone_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProviderMatch:
    provider_id: int
    name: str
    found: str       # the listed domain, or the phone number as written
    reason: str


_HOST_RUN = re.compile(r"[A-Za-z0-9.\-]+")            # one character class: linear on any input
_PHONE_RUN = re.compile(r"(?:\+|\b00)?\d[\d ()./\-]*")  # greedy, nothing after it to backtrack for
_DIGITS = re.compile(r"\D+")


def normalise_domain(value: str) -> str:
    d = value.strip().lower()
    d = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", d).split("/", 1)[0].split("@")[-1].split(":", 1)[0]
    return d.removeprefix("www.").strip(".")


def prefix_digits(prefix: str) -> str:
    digits = _DIGITS.sub("", prefix)
    return digits[2:] if prefix.strip().startswith("00") else digits


class ProviderList:
    """Listed clinics, brokers and practitioners, found by their domains and phone-number prefixes."""

    MIN_PHONE_DIGITS = 7
    MAX_PHONE_DIGITS = 15

    def __init__(self, entries: Sequence[ProviderEntry]):
        self.entries = list(entries)
        self._domains: dict[str, ProviderEntry] = {}
        self._prefixes: list[tuple[str, ProviderEntry]] = []
        for entry in self.entries:
            for d in entry.domains:
                d = normalise_domain(d)
                if "." in d:
                    self._domains.setdefault(d, entry)
            for p in entry.phone_prefixes:
                digits = prefix_digits(p)
                if digits:
                    self._prefixes.append((digits, entry))
        self._prefixes.sort(key=lambda pe: -len(pe[0]))   # the most specific prefix wins
        self._max_labels = max((d.count(".") + 1 for d in self._domains), default=0)

    def __len__(self) -> int:
        return len(self.entries)

    def _domain_hit(self, host: str) -> str | None:
        labels = host.lower().strip(".-").split(".")
        # only the last few labels can be a listed domain: never join a long run of labels ("a.a.a...")
        for i in range(max(0, len(labels) - self._max_labels), len(labels) - 1):
            candidate = ".".join(labels[i:])
            if candidate in self._domains:
                return candidate
        return None

    def match(self, text: str) -> list[ProviderMatch]:
        """Each listed provider the text names, once, in order of first mention."""
        text = (text or "")[:MAX_TEXT_CHARS]
        seen: set[int] = set()
        found: list[tuple[int, ProviderMatch]] = []
        if self._domains:
            for m in _HOST_RUN.finditer(text):
                if "." not in m.group():
                    continue
                domain = self._domain_hit(m.group())
                if domain is None:
                    continue
                entry = self._domains[domain]
                if entry.id not in seen:
                    seen.add(entry.id)
                    found.append((m.start(), self._found(entry, domain)))
        if self._prefixes:
            for m in _PHONE_RUN.finditer(text):
                raw = m.group().rstrip(" ()./-")
                digits = _DIGITS.sub("", raw)
                if raw.startswith("00"):
                    digits = digits[2:]
                if not self.MIN_PHONE_DIGITS <= len(digits) <= self.MAX_PHONE_DIGITS:
                    continue
                for prefix, entry in self._prefixes:
                    if digits.startswith(prefix):
                        if entry.id not in seen:
                            seen.add(entry.id)
                            found.append((m.start(), self._found(entry, "phone " + raw)))
                        break
        return [match for _, match in sorted(found, key=lambda pm: pm[0])]

    @staticmethod
    def _found(entry: ProviderEntry, what: str) -> ProviderMatch:
        return ProviderMatch(entry.id, entry.name, what, f"names a listed provider: {entry.name} ({what})")


# ---------------------------------------------------------------- the worker's encoder as `embed`

def encoder_embed(encoder) -> Embed:
    """Wrap the classifier's Encoder (moderation.classifier.encoder) as an ``embed`` function: each text is
    encoded as a post of its own and its L2-normalised mean-pooled embedding returned (zeros if empty)."""
    def embed(texts: list[str]) -> np.ndarray:
        encodings = encoder.encode_posts(list(texts))
        rows = [np.zeros(384, dtype=np.float32) if e.empty else np.asarray(e.embedding, dtype=np.float32)
                for e in encodings]
        width = max((r.shape[0] for r in rows), default=384)
        return np.stack([r if r.shape[0] == width else np.zeros(width, dtype=np.float32) for r in rows]) \
            if rows else np.zeros((0, width), dtype=np.float32)
    return embed


@dataclass
class KnownLists:
    """What the worker holds between batches: the bank, the provider list and the table signature they
    were built from (rebuilt only when the signature changes)."""
    claims: ClaimBank | None = None
    providers: ProviderList | None = None
    signature: tuple = ()
    encoder_id: int | None = None
    notes: list[str] = field(default_factory=list)
