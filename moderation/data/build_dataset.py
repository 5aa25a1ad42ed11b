"""Build the moderation classifier's training data from hand-written seeds and fragments.

    python moderation/data/build_dataset.py            # writes train.jsonl and heldout.jsonl beside this file
    python moderation/data/build_dataset.py --check    # rebuild in memory and compare with the files on disk

Sources (all hand-written, all in this folder):
- seeds/<kind>.txt: complete posts separated by a line "~~~". The file name gives the kind and labels.
- supplement/<kind>.txt: more complete posts in the seed format, written later; they go to train only,
  so heldout.jsonl did not change when they were added.
- fragments/*.txt: sentence fragments under [slot] headers, combined by the composers below, with
  {placeholders} filled from fragments/values.txt.

Reproducible: everything is driven by one random.Random(SEED) and by stable SHA-1 hashes of text.

The held-out split never shares a seed post or a content fragment with train:
- a seed post and all its augmented variants share one group, and the group goes wholly to one split
  (SHA-1 of the normalised seed text);
- fragments are partitioned per slot by hash *before* composing, and a composed post uses fragments of its
  own split only, so a held-out composition never reuses a sentence that training saw. Only the
  label-neutral placeholder fillers (city names, prices, drug names...) are shared.
Each line also carries "group" (the seed or main fragment it came from) so that train.py can carve its
validation split from train by group as well.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20240611
HELDOUT_SHARE = 0.22

SEED_KINDS = {
    "promotion": ("promotion", 1, 0),
    "misinfo": ("misinfo", 0, 1),
    "misinfo2": ("misinfo", 0, 1),
    "both": ("both", 1, 1),
    "hn_trial": ("hard_negative_trial", 0, 0),
    "hn_ahsct": ("hard_negative_ahsct", 0, 0),
    "hn_jcv": ("hard_negative_jcv", 0, 0),
    "hn_side_effects": ("hard_negative_side_effects", 0, 0),
    "hn_clinic_question": ("hard_negative_clinic_question", 0, 0),
    "hn_debunk": ("hard_negative_debunk", 0, 0),
    "hn_question": ("hard_negative_question", 0, 0),
    "hn_experience": ("hard_negative_experience", 0, 0),
    "hn_testimonial": ("hard_negative_testimonial", 0, 0),
    "neutral": ("neutral", 0, 0),
    # supplement/ only: long, formatted everyday posts and moderators' notes
    "long_neutral": ("neutral", 0, 0),
    "long_moderation_meta": ("hard_negative_moderation", 0, 0),
    "long_debunk": ("hard_negative_debunk", 0, 0),
}
LABELS_OF_KIND = {kind: (cp, mi) for kind, cp, mi in SEED_KINDS.values()}
LABELS_OF_KIND["hard_negative_cost"] = (0, 0)

# How many composed posts per kind (and split, scaled by its share).
COMPOSED = {
    "promotion": 270,
    "misinfo": 320,
    "both": 140,
    "hard_negative_clinic_question": 130,
    "hard_negative_debunk": 150,
    "hard_negative_question": 90,
    "hard_negative_trial": 90,
    "hard_negative_ahsct": 70,
    "hard_negative_jcv": 60,
    "hard_negative_side_effects": 90,
    "hard_negative_cost": 60,
    "hard_negative_experience": 50,
    "neutral": 130,
}
LONG_POSTS = 70  # multi-paragraph posts stitched from several seeds of the same split


def sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def split_of_seed(text: str) -> str:
    return "heldout" if int(sha("seed|" + norm(text))[:8], 16) % 1000 < HELDOUT_SHARE * 1000 else "train"


# --------------------------------------------------------------------------- reading sources
def read_seeds(folder: str = "seeds") -> list[dict]:
    out = []
    for stem, (kind, cp, mi) in SEED_KINDS.items():
        path = HERE / folder / f"{stem}.txt"
        if not path.is_file():
            continue
        raw = path.read_text(encoding="utf-8")
        if raw.startswith("#"):  # a one-line description of the file; later "#" lines are Markdown headings
            raw = raw.split("\n", 1)[1] if "\n" in raw else ""
        for post in re.split(r"^~~~[ \t]*$", raw, flags=re.M):
            post = post.strip()
            if post:
                out.append({"text": post, "kind": kind, "clinic_promotion": cp, "misinformation": mi})
    return out


def read_sections(path: Path) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.rstrip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            current = sections.setdefault(m.group(1), [])
        elif current is not None:
            current.append(line)
    return sections


def partition(pool: list[str]) -> dict[str, list[str]]:
    """Stable split of one slot's fragments: the lowest-hash ~22% go to heldout (at least one)."""
    ranked = sorted(pool, key=lambda s: sha("frag|" + s))
    k = max(1, round(len(ranked) * HELDOUT_SHARE)) if len(ranked) > 1 else 0
    return {"heldout": ranked[:k] or ranked, "train": ranked[k:] or ranked}


# --------------------------------------------------------------------------- augmentation
PREFIXES = ["Hi all,", "Hey everyone.", "Long time lurker, first post.", "Sorry if this is the wrong board.",
            "Reposting from another group:", "Morning all.", "Okay,", "So,", "Not sure where to put this.",
            "Hello from a rainy afternoon.", "Throwaway account for this one.", "Quick one:"]
SUFFIXES = ["Thoughts?", "Thanks for reading.", "Sorry for the long post.", "Edit: typo.", "x",
            "Any thoughts appreciated.", "Stay well everyone.", "(sent from my phone, excuse typos)",
            "Cheers.", "Let me know what you think.", "Take care all.", "🙏"]
EMOJI = ["🙏", "💪", "❤️", "😊", "😢", "🧡", "✨", "👍", "😩", "🤞"]
CASUAL = [(r"\byou\b", "u"), (r"\bare\b", "r"), (r"\bplease\b", "pls"), (r"\bbecause\b", "bc"),
          (r"\breally\b", "rly"), (r"\bthanks\b", "thx"), (r"\bpeople\b", "ppl"), (r"\bthough\b", "tho"),
          (r"\bI am\b", "im"), (r"\bdon't\b", "dont"), (r"\bwith\b", "w/")]
MISSPELL = {"neurologist": "nuerologist", "sclerosis": "sclerosys", "receive": "recieve", "definitely": "definately",
            "believe": "beleive", "Mexico": "mexico", "really": "realy", "because": "becuase", "clinic": "clinc",
            "therapy": "theraphy", "treatment": "treatmant", "stem": "stemm", "which": "wich", "their": "there",
            "medication": "medicaton", "relapse": "relaps", "infusion": "infussion", "lesions": "lesons"}


def typos(text: str, rng: random.Random, rate: float) -> str:
    words = text.split(" ")
    for i, w in enumerate(words):
        core = w.strip(".,!?;:\"'()")
        if core in MISSPELL and rng.random() < 0.5:
            words[i] = w.replace(core, MISSPELL[core])
        elif len(core) > 3 and core.isalpha() and rng.random() < rate:
            j = rng.randrange(1, len(core) - 1)
            op = rng.random()
            if op < 0.4:
                new = core[:j] + core[j + 1] + core[j] + core[j + 2:]
            elif op < 0.7:
                new = core[:j] + core[j + 1:]
            else:
                new = core[:j] + core[j] + core[j:]
            words[i] = w.replace(core, new, 1)
    return " ".join(words)


def casual(text: str, rng: random.Random) -> str:
    text = text.lower() if rng.random() < 0.6 else text
    for pat, rep in CASUAL:
        if rng.random() < 0.6:
            text = re.sub(pat, rep, text, flags=re.I)
    if rng.random() < 0.5:
        text = re.sub(r"[.](\s|$)", r"\1", text)
    return text


def reflow(text: str, rng: random.Random) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", text)
    if len(sentences) < 3:
        return text
    out = sentences[0]
    for s in sentences[1:]:
        out += ("\n\n" if rng.random() < 0.35 else " ") + s
    return out


def augment(text: str, rng: random.Random, pools: dict) -> str:
    ops = rng.sample(["typos", "casual", "prefix", "suffix", "emoji", "reflow", "shout"], k=rng.choice([1, 2, 2, 3]))
    for op in ops:
        if op == "typos":
            text = typos(text, rng, rate=rng.choice([0.03, 0.06, 0.1]))
        elif op == "casual":
            text = casual(text, rng)
        elif op == "prefix":
            text = rng.choice(pools["prefix"]) + " " + text
        elif op == "suffix":
            text = text + ("\n\n" if rng.random() < 0.3 else " ") + rng.choice(pools["suffix"])
        elif op == "emoji":
            text = text + " " + "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 3)))
        elif op == "reflow":
            text = reflow(text, rng)
        elif op == "shout":
            sentences = re.split(r"(?<=[.!?])\s+", text)
            i = rng.randrange(len(sentences))
            sentences[i] = sentences[i].upper()
            text = " ".join(sentences)
    return text


# --------------------------------------------------------------------------- composing
def cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def decap(s: str) -> str:
    # lower-case the first letter unless it's an acronym (MS, DMTs, MRI, HPV, COVID...)
    first = s.split(" ", 1)[0]
    if len(first) > 1 and first[:2].isupper():
        return s
    return s[:1].lower() + s[1:]


class Composer:
    def __init__(self, split: str, rng: random.Random):
        self.rng = rng
        self.split = split
        frags = {}
        for name in ("promotion", "misinfo", "negatives"):
            for slot, pool in read_sections(HERE / "fragments" / f"{name}.txt").items():
                frags[f"{name}.{slot}"] = partition(pool)[split]
        self.f = frags
        self.values = read_sections(HERE / "fragments" / "values.txt")
        self.main = None  # fragment that names the group of the current composition

    def pick(self, slot: str, main: bool = False) -> str:
        s = self.rng.choice(self.f[slot])
        if main:
            self.main = slot + "|" + s
        return s

    def fill(self, text: str) -> str:
        def sub(m):
            return self.rng.choice(self.values[m.group(1)])
        return re.sub(r"\{(\w+)\}", sub, text)

    def join(self, parts: list[str]) -> str:
        parts = [p for p in parts if p]
        out = parts[0]
        for p in parts[1:]:
            out += ("\n\n" if self.rng.random() < 0.15 else " ") + p
        return self.fill(out)

    def maybe(self, p: float, slot: str) -> str:
        return self.pick(slot) if self.rng.random() < p else ""

    # --- positives
    def promotion_parts(self) -> list[str]:
        r = self.rng
        style = r.random()
        if style < 0.2:  # soft testimonial steering to a provider: no price, often no contact details
            parts = [self.maybe(0.5, "promotion.open"), self.pick("promotion.offer", main=True),
                     self.pick("promotion.testimonial"), self.maybe(0.5, "promotion.testimonial"),
                     r.choice(["Happy to tell anyone where I went.", "Ask me and I'll point you to them.",
                               "I can put you in touch with the coordinator.", "Message me if you want to know more.",
                               "They're taking new patients now.", ""])]
        elif style < 0.45:  # commercial ad
            parts = [self.maybe(0.6, "promotion.open"), self.pick("promotion.offer", main=True),
                     self.maybe(0.4, "promotion.testimonial"), self.pick("promotion.price"),
                     self.pick("promotion.contact"), self.maybe(0.5, "promotion.close")]
        else:  # personal story / agent
            parts = [self.maybe(0.5, "promotion.open"), self.pick("promotion.offer", main=True),
                     self.maybe(0.7, "promotion.testimonial"), self.maybe(0.5, "promotion.price"),
                     self.pick("promotion.contact"), self.maybe(0.4, "promotion.close")]
        return parts

    def promotion(self) -> str:
        return self.join(self.promotion_parts())

    def misinfo_parts(self, main: bool = True) -> list[str]:
        r = self.rng
        claim = cap(self.pick("misinfo.claim", main=main))
        if r.random() < 0.25:
            claim = r.choice(["Fact: ", "The truth is ", "It's proven that ", "Simple fact: ", ""]) + (
                decap(claim) if claim[:2] != "MS" else claim)
            claim = cap(claim)
        parts = [self.maybe(0.45, "misinfo.open"), claim, self.maybe(0.25, "misinfo.claim"),
                 self.maybe(0.5, "misinfo.support"), self.maybe(0.55, "misinfo.action"),
                 self.maybe(0.35, "misinfo.close")]
        if parts[2]:
            parts[2] = cap(parts[2])
        return parts

    def misinfo(self) -> str:
        return self.join(self.misinfo_parts())

    def both(self) -> str:
        r = self.rng
        promo = self.promotion_parts()
        claim = cap(self.pick("misinfo.claim", main=True))
        action = self.pick("misinfo.action") if r.random() < 0.6 else ""
        insert = [claim, action] if r.random() < 0.7 else [action or claim, claim]
        pos = r.choice([1, 2, 2, 3])
        parts = promo[:pos] + insert + promo[pos:]
        return self.join(parts)

    # --- hard negatives
    def question(self) -> str:
        claim = self.pick("misinfo.claim", main=True)
        return self.join([self.pick("negatives.question_open") + " " + decap(claim).rstrip(".") + "?",
                          self.pick("negatives.question_close"), self.maybe(0.3, "negatives.question_close")])

    def debunk(self) -> str:
        claim = self.pick("misinfo.claim", main=True)
        opener = self.pick("negatives.debunk_open")
        if opener.endswith("that"):
            quote = opener + " " + decap(claim)
        else:
            quote = opener + ' "' + cap(claim) + '"'
        return self.join([quote, self.pick("negatives.debunk_refute"), self.maybe(0.4, "negatives.debunk_refute"),
                          self.maybe(0.6, "negatives.debunk_close")])

    def clinic_question(self) -> str:
        return self.join([self.maybe(0.7, "negatives.cq_open"), self.pick("negatives.cq_body", main=True),
                          self.maybe(0.5, "negatives.cq_body"), self.pick("negatives.cq_doubt"),
                          self.maybe(0.3, "negatives.cq_doubt")])

    def trial(self) -> str:
        return self.join([self.pick("negatives.trial", main=True), self.maybe(0.3, "negatives.trial"),
                          self.pick("negatives.trial_reaction")])

    def ahsct(self) -> str:
        return self.join([self.pick("negatives.ahsct", main=True), self.pick("negatives.ahsct_detail"),
                          self.maybe(0.5, "negatives.ahsct_detail")])

    def jcv(self) -> str:
        return self.join([self.pick("negatives.jcv", main=True), self.pick("negatives.jcv_q"),
                          self.maybe(0.3, "negatives.jcv_q")])

    def side_effects(self) -> str:
        return self.join([self.pick("negatives.se", main=True), self.pick("negatives.se_tail"),
                          self.maybe(0.3, "negatives.se_tail")])

    def cost(self) -> str:
        return self.join([self.pick("negatives.cost", main=True), self.maybe(0.4, "negatives.cost"),
                          self.maybe(0.5, "negatives.neutral_tail")])

    def experience(self) -> str:
        return self.join([self.pick("negatives.experience", main=True), self.pick("negatives.experience_tail"),
                          self.maybe(0.3, "negatives.experience_tail")])

    def neutral(self) -> str:
        return self.join([self.pick("negatives.neutral", main=True), self.maybe(0.4, "negatives.neutral"),
                          self.maybe(0.6, "negatives.neutral_tail")])

    def compose(self, kind: str) -> str:
        self.main = None
        fn = {
            "promotion": self.promotion, "misinfo": self.misinfo, "both": self.both,
            "hard_negative_clinic_question": self.clinic_question, "hard_negative_debunk": self.debunk,
            "hard_negative_question": self.question,
            "hard_negative_trial": self.trial, "hard_negative_ahsct": self.ahsct, "hard_negative_jcv": self.jcv,
            "hard_negative_side_effects": self.side_effects, "hard_negative_cost": self.cost,
            "hard_negative_experience": self.experience, "neutral": self.neutral,
        }[kind]
        return fn()


# --------------------------------------------------------------------------- building
def example(text: str, kind: str, cp: int, mi: int, group: str) -> dict:
    return {"id": f"{kind}-{sha(text)[:10]}", "text": text, "clinic_promotion": cp, "misinformation": mi,
            "kind": kind, "group": group}


def build() -> dict[str, list[dict]]:
    rng = random.Random(SEED)
    out: dict[str, list[dict]] = {"train": [], "heldout": []}
    seen: set[str] = set()

    def add(split: str, ex: dict) -> None:
        key = norm(ex["text"])
        if key in seen:
            return
        seen.add(key)
        out[split].append(ex)

    # affix pools are partitioned like the fragments
    affix = {s: {"prefix": partition(PREFIXES)[s], "suffix": partition(SUFFIXES)[s]} for s in ("train", "heldout")}

    # 1. hand-written seeds + one or two augmented variants each (same group, same split)
    seeds = read_seeds()
    by_split: dict[str, list[dict]] = {"train": [], "heldout": []}
    for s in seeds:
        split = split_of_seed(s["text"])
        group = "seed:" + sha(norm(s["text"]))[:12]
        by_split[split].append(s)
        add(split, example(s["text"], s["kind"], s["clinic_promotion"], s["misinformation"], group))
        n_variants = 2 if s["clinic_promotion"] or s["misinformation"] else 1
        for _ in range(n_variants):
            add(split, example(augment(s["text"], rng, affix[split]), s["kind"], s["clinic_promotion"],
                               s["misinformation"], group))

    # 2. composed posts, each split from its own fragments
    for split, share in (("train", 1 - HELDOUT_SHARE), ("heldout", HELDOUT_SHARE)):
        comp = Composer(split, rng)
        for kind, n in COMPOSED.items():
            cp, mi = LABELS_OF_KIND[kind]
            target = round(n * share)
            made, tries = 0, 0
            while made < target and tries < target * 20:
                tries += 1
                text = comp.compose(kind)
                if rng.random() < 0.35:
                    text = augment(text, rng, affix[split])
                group = "frag:" + sha(comp.main or text)[:12]
                before = len(out[split])
                add(split, example(text, kind, cp, mi, group))
                made += len(out[split]) > before

    # 3. long multi-paragraph posts from seeds of one split: a story with the label-bearing part inside
    for split, share in (("train", 1 - HELDOUT_SHARE), ("heldout", HELDOUT_SHARE)):
        pool = by_split[split]
        fillers = [s for s in pool if s["kind"] in ("neutral", "hard_negative_experience", "hard_negative_side_effects",
                                                   "hard_negative_testimonial",
                                                   "hard_negative_jcv", "hard_negative_ahsct", "hard_negative_trial")]
        cores = [s for s in pool if s["kind"] not in ("neutral",)]
        for _ in range(round(LONG_POSTS * share)):
            core = rng.choice(cores)
            paras = [f["text"] for f in rng.sample(fillers, k=rng.randint(2, 5))]
            paras.insert(rng.randint(0, len(paras)), core["text"])
            text = "\n\n".join(paras)
            add(split, example(text, core["kind"], core["clinic_promotion"], core["misinformation"],
                               "seed:" + sha(norm(core["text"]))[:12]))

    for split in out:
        rng.shuffle(out[split])

    # 4. supplement/: posts written later for training only (held-out stays byte-identical), with their own
    # random stream; a supplement post whose sentence is close to a held-out sentence is left out.
    srng = random.Random(SEED + 1)
    heldout_sentences = sentence_index(out["heldout"])
    extra = []
    for s in read_seeds("supplement"):
        if near_heldout(s["text"], heldout_sentences):
            continue
        group = "supp:" + sha(norm(s["text"]))[:12]
        extra.append(example(s["text"], s["kind"], s["clinic_promotion"], s["misinformation"], group))
        if s["clinic_promotion"] or s["misinformation"] or srng.random() < 0.5:
            extra.append(example(augment(s["text"], srng, affix["train"]), s["kind"], s["clinic_promotion"],
                                 s["misinformation"], group))
    srng.shuffle(extra)
    for ex in extra:
        add("train", ex)
    return out


def sentences_of(text: str) -> list[str]:
    return [norm(x) for x in re.split(r"(?<=[.!?])\s+|\n+", text) if len(x.strip()) >= 25]


def sentence_index(examples: list[dict]) -> set[str]:
    return {x for e in examples for x in sentences_of(e["text"])}


def near_heldout(text: str, heldout_sentences: set[str], cutoff: float = 90.0) -> bool:
    """True when a sentence of text is (nearly) one of the held-out sentences (rapidfuzz ratio >= cutoff)."""
    from rapidfuzz import fuzz, process
    return any(process.extractOne(x, heldout_sentences, scorer=fuzz.ratio, score_cutoff=cutoff)
               for x in sentences_of(text))


def dump(examples: list[dict]) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in examples)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare a fresh build with the files on disk")
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args(argv)
    data = build()
    if args.check:
        ok = all((args.out / f"{s}.jsonl").read_text(encoding="utf-8") == dump(data[s]) for s in data)
        print("up to date" if ok else "OUT OF DATE: run python moderation/data/build_dataset.py")
        return 0 if ok else 1
    for split, exs in data.items():
        (args.out / f"{split}.jsonl").write_text(dump(exs), encoding="utf-8")
    total = sum(len(v) for v in data.values())
    print(f"{total} examples: " + ", ".join(f"{s}={len(v)}" for s, v in data.items()))
    kinds: dict[str, int] = {}
    for exs in data.values():
        for e in exs:
            kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    hard = sum(n for k, n in kinds.items() if k.startswith("hard_negative"))
    for k in sorted(kinds):
        print(f"  {k:32s} {kinds[k]}")
    print(f"  hard negatives: {hard} ({hard / total:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
