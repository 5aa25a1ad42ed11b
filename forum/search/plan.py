"""From a parsed query to a backend-neutral plan: concepts, each a set of alternative wordings.

"tecfedera hair loss" becomes two concepts, ANDed:
    [tecfedera (as typed) | tecfidera, dimethyl fumarate, dmf, ... (typo-corrected group)]
    ["hair loss" (as typed) | "hair thinning", alopecia, ... (synonyms)]
Each alternative carries a boost, so posts using the words as typed rank above synonyms,
and synonyms above typo corrections.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Callable

from forum.search.analysis import STOP_WORDS, stem
from forum.search.query import ParsedQuery, Segment
from forum.search.vocabulary import Vocabulary, edit_budget

EXACT, SYNONYM, FUZZY = 1.0, 0.75, 0.55
RARE = 3   # a word found in fewer posts than this may be a typo
STRICT_BUDGET, LOOSE_BUDGET = 2.0, 0.25   # safety caps for pathological queries on a busy machine
LOOSE_CANDIDATES = 1000   # "some of the words" only fills a page: rank a sample of the matches


@dataclass(frozen=True)
class Alt:
    words: tuple[str, ...]
    boost: float = EXACT
    prefix: bool = False
    synonym: bool = False     # from the concept's synonym groups (an index with group tokens has them as one term)

    @property
    def is_phrase(self) -> bool:
        return len([w for w in self.words if w not in STOP_WORDS]) > 1


@dataclass
class Concept:
    label: str
    alts: list[Alt]
    quoted: bool = False
    groups: tuple[str, ...] = ()   # vocabulary.group_token() of each synonym group the alts came from
    group_boost: float = SYNONYM

    def words(self) -> list["Concept"]:
        """A quoted phrase as separate words (for the partial matches after the exact ones)."""
        content = [w for w in self.alts[0].words if w not in STOP_WORDS]
        if not self.quoted or len(content) < 2:
            return [self]
        return [self] + [Concept(w, [Alt((w,), EXACT)]) for w in content]


@dataclass
class Plan:
    concepts: list[Concept] = field(default_factory=list)
    match_all: bool = True
    in_title: bool = False
    category_ids: list[int] | None = None
    author_ids: list[int] | None = None
    after: datetime | None = None
    before: datetime | None = None
    order: str = "relevance"
    corrections: dict[str, str] = field(default_factory=dict)
    budget: float = STRICT_BUDGET       # seconds an embedded index may spend collecting matches
    max_candidates: int | None = None   # a database backend ranks at most this many matching posts

    @property
    def can_loosen(self) -> bool:
        return self.match_all and (len(self.concepts) > 1 or any(len(c.words()) > 1 for c in self.concepts))

    def loosened(self) -> "Plan":
        """Any of the words will do; posts with more of them (or the exact phrase) rank higher."""
        concepts = [part for concept in self.concepts for part in concept.words()]
        return Plan(**{**self.__dict__, "concepts": concepts, "match_all": False, "budget": LOOSE_BUDGET,
                                     "max_candidates": LOOSE_CANDIDATES})

    def highlight(self) -> tuple[set[str], set[str], list[tuple[str, ...]]]:
        """Stems to mark, prefixes to mark, and stem phrases to mark."""
        stems, prefixes, phrases = set(), set(), []
        for concept in self.concepts:
            for alt in concept.alts:
                content = tuple(stem(w) for w in alt.words if w not in STOP_WORDS)
                if alt.prefix:
                    prefixes.update(alt.words)
                elif len(content) == 1:
                    stems.add(content[0])
                elif content:
                    phrases.append(content)
        return stems, prefixes, phrases


def day_start(value: date | None) -> datetime | None:
    return datetime.combine(value, time.min) if value else None


def build_plan(query: ParsedQuery, vocab: Vocabulary, doc_frequency: Callable[[str], int],
               correct: bool = True) -> Plan:
    """``correct=False``: the words as typed, with their synonyms but no spelling corrections."""
    plan = Plan(in_title=query.in_title, after=day_start(query.after), before=day_start(query.before),
                order=query.order or "relevance")
    for segment in query.segments:
        if segment.quoted or segment.prefix:
            plan.concepts.append(_literal(segment))
        else:
            plan.concepts.extend(_expand_run(segment.words, vocab, doc_frequency, plan.corrections, correct))
    unique: list[Concept] = []
    for concept in plan.concepts:      # "msn msn" asks for one thing, once
        if concept not in unique:
            unique.append(concept)
    plan.concepts = unique
    return plan


def _literal(segment: Segment) -> Concept:
    words = tuple(segment.words)
    label = f"\"{' '.join(words)}\"" if segment.quoted else f"{words[0]}*"
    return Concept(label, [Alt(words, EXACT, prefix=segment.prefix)], quoted=segment.quoted)


def _expand_run(words: list[str], vocab: Vocabulary, doc_frequency: Callable[[str], int],
                corrections: dict[str, str], correct: bool = True) -> list[Concept]:
    words = [w for w in words if w not in STOP_WORDS]
    corrected = [_correction(w, vocab, doc_frequency) if correct else None for w in words]
    for word, fix in zip(words, corrected):
        if fix:
            corrections[word] = fix
    stems = [stem(w) for w in words]
    fixed_stems = [stem(c) if c else s for c, s in zip(corrected, stems)]
    concepts: list[Concept] = []
    i = 0
    while i < len(words):
        length, key = vocab.longest_match(stems, i)
        fuzzy = False
        if not length and corrected[i]:
            length, key = vocab.longest_match(fixed_stems, i)
            fuzzy = bool(length)
        if not length:
            alts = [Alt((words[i],), EXACT)]
            if corrected[i]:
                alts.append(Alt((corrected[i],), FUZZY))
            concepts.append(Concept(words[i], alts))
            i += 1
            continue
        typed = tuple(words[i:i + length])
        alts = [Alt(typed, EXACT)]
        if fuzzy:
            alts.append(Alt(tuple(corrected[j] or words[j] for j in range(i, i + length)), FUZZY))
        boost = FUZZY if fuzzy else SYNONYM
        alts.extend(Alt(entry.words, boost, synonym=True) for entry in vocab.synonyms(key))
        concepts.append(Concept(" ".join(typed), alts, groups=vocab.group_tokens(key), group_boost=boost))
        i += length
    return concepts


def _correction(word: str, vocab: Vocabulary, doc_frequency: Callable[[str], int]) -> str | None:
    """A vocabulary word the user probably meant, when `word` is unknown and rare in the forum."""
    budget = edit_budget(word)
    if not budget or vocab.knows(word):
        return None
    candidates = vocab.closest(word, budget, limit=1)
    if not candidates:
        return None
    typed = doc_frequency(word)
    if typed >= RARE or (typed and not much_more_common(doc_frequency(candidates[0][0]), typed)):
        return None
    return candidates[0][0]


def much_more_common(candidate_df: int, typed_df: int) -> bool:
    """A word the forum uses a few times is only a typo if the correction is used far more."""
    return candidate_df >= max(1, 10 * typed_df)
