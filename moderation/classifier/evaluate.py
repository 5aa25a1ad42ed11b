"""Metrics for the classifier and two baselines, on the held-out set (or any labelled JSONL file).

For each label: precision, recall, F1 (at the model's threshold) and PR-AUC (average precision, threshold
free); macro-F1 over the labels; and the false-positive rate on hard negatives: the share of examples whose
kind starts with "hard_negative" that get flagged for any label (plus per label).

Baselines, trained on the same training data:
- "keywords": a keyword filter of the kind a forum would write by hand (no learning).
- "tfidf_lr": TF-IDF of word 1-2-grams + logistic regression per label (thresholds from the same
  out-of-fold group folds as the model's).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

from .common import LABELS

PROMO_KEYWORDS = ("stem cell", "stem cells", "msc", "mscs", "exosome", "exosomes", "regenerative", "clinic",
                  "liberation", "ccsvi", "ozone", "chelation", "bee venom", "young plasma", "young blood", "package",
                  "discount", "whatsapp", "telegram", "dm me", "pm me", "message me", "coordinator", "agent",
                  "treatment in", "$", "€", "£", "usd", "book now", "cellular")
MISINFO_KEYWORDS = ("cure", "cures", "cured", "reverse", "reverses", "reversed", "stop your", "stop taking",
                    "come off", "off your meds", "scam", "poison", "pharma", "detox", "toxins",
                    "don't want you to know", "causes ms", "caused by", "rebuild", "rebuilds", "myelin", "heal",
                    "vaccine", "natural", "no need for")


def _keyword_scores(texts: list[str]) -> dict[str, np.ndarray]:
    out = {}
    for label, words in (("clinic_promotion", PROMO_KEYWORDS), ("misinformation", MISINFO_KEYWORDS)):
        pats = [re.compile(re.escape(w) if not w[0].isalnum() else r"\b" + re.escape(w) + r"\b", re.I) for w in words]
        counts = np.array([sum(1 for p in pats if p.search(t or "")) for t in texts], dtype=np.float64)
        out[label] = counts / (counts + 1.0)   # 0 hits -> 0, 1 hit -> 0.5, ... (monotone, for PR-AUC)
    return out


KEYWORD_THRESHOLDS = {"clinic_promotion": 0.5, "misinformation": 0.5}  # flagged at one keyword hit


# --------------------------------------------------------------------------- metrics
def compute_metrics(y: dict[str, np.ndarray], p: dict[str, np.ndarray], thresholds: dict[str, float],
                    kinds: list[str]) -> dict:
    from sklearn.metrics import average_precision_score
    kinds = list(kinds)
    hard = np.array([k.startswith("hard_negative") for k in kinds], dtype=bool)
    out: dict = {"n": len(kinds), "hard_negatives": int(hard.sum()), "labels": {}}
    any_flag = np.zeros(len(kinds), dtype=bool)
    f1s = []
    for label in LABELS:
        yt = np.asarray(y[label]).astype(int)
        ps = np.asarray(p[label], dtype=np.float64)
        pred = ps >= thresholds[label]
        any_flag |= pred
        tp = int((pred & (yt == 1)).sum())
        fp = int((pred & (yt == 0)).sum())
        fn = int((~pred & (yt == 1)).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        pr_auc = float(average_precision_score(yt, ps)) if 0 < yt.sum() < len(yt) else float("nan")
        hn_fpr = float(pred[hard].mean()) if hard.any() else float("nan")
        out["labels"][label] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                                "pr_auc": round(pr_auc, 4), "support": int(yt.sum()), "tp": tp, "fp": fp, "fn": fn,
                                "threshold": float(thresholds[label]), "hard_negative_fpr": round(hn_fpr, 4)}
        f1s.append(f1)
    out["macro_f1"] = round(float(np.mean(f1s)), 4)
    out["hard_negative_fpr"] = round(float(any_flag[hard].mean()), 4) if hard.any() else float("nan")
    # which hard negatives fail most often, by kind
    by_kind = {}
    for k in sorted(set(kinds)):
        if k.startswith("hard_negative"):
            idx = np.array([kk == k for kk in kinds])
            by_kind[k] = round(float(any_flag[idx].mean()), 4)
    out["hard_negative_fpr_by_kind"] = by_kind
    negatives = np.ones(len(kinds), dtype=bool)
    for label in LABELS:
        negatives &= np.asarray(y[label]).astype(int) == 0
    out["negatives_flagged"] = round(float(any_flag[negatives].mean()), 4) if negatives.any() else float("nan")
    return out


def genre_breakdown(y: dict[str, np.ndarray], p: dict[str, np.ndarray], thresholds: dict[str, float],
                    genres: list[str]) -> dict:
    """Per genre: each label's recall and false-positive rate, the share of its negatives (neither label)
    flagged for anything, and macro-F1 — where a model that fits one register fails another."""
    genres = np.asarray(list(genres), dtype=object)
    out = {}
    for genre in sorted(set(genres.tolist())):
        idx = genres == genre
        row: dict = {"n": int(idx.sum())}
        flagged_any = np.zeros(int(idx.sum()), dtype=bool)
        clean = np.ones(int(idx.sum()), dtype=bool)
        f1s = []
        for label in LABELS:
            yt = np.asarray(y[label])[idx].astype(int)
            pred = np.asarray(p[label])[idx] >= thresholds[label]
            flagged_any |= pred
            clean &= yt == 0
            tp, fp, fn = int((pred & (yt == 1)).sum()), int((pred & (yt == 0)).sum()), int((~pred & (yt == 1)).sum())
            row[f"{label}_recall"] = round(tp / (tp + fn), 4) if tp + fn else float("nan")
            row[f"{label}_fpr"] = round(fp / int((yt == 0).sum()), 4) if (yt == 0).any() else float("nan")
            row[f"{label}_support"] = int(yt.sum())
            f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0)
        row["negatives_flagged"] = round(float(flagged_any[clean].mean()), 4) if clean.any() else float("nan")
        row["macro_f1"] = round(float(np.mean(f1s)), 4)
        out[genre] = row
    return out


def score_dataset(clf, examples: list[dict], progress: bool = False, batch: int = 64) -> dict:
    """Score labelled examples through Classifier.score and return compute_metrics(...) for them."""
    texts = [e["text"] for e in examples]
    probs = {label: [] for label in LABELS}
    bar = None
    if progress:
        import click
        bar = click.progressbar(length=len(texts), label="Scoring held-out posts", file=sys.stderr, show_pos=True)
        bar.__enter__()
    try:
        for s in range(0, len(texts), batch):
            for sc in clf.score(texts[s:s + batch]):
                for label in LABELS:
                    probs[label].append(sc.scores[label])
            if bar is not None:
                bar.update(len(texts[s:s + batch]))
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    return _metrics_with_genres(examples, {k: np.array(v) for k, v in probs.items()}, clf.thresholds)


def _metrics_with_genres(examples: list[dict], probs: dict[str, np.ndarray], thresholds: dict[str, float]) -> dict:
    y = {label: np.array([e[label] for e in examples]) for label in LABELS}
    out = compute_metrics(y, probs, thresholds, [e.get("kind", "unknown") for e in examples])
    genres = [e.get("genre") or "unknown" for e in examples]
    if len(set(genres)) > 1 or genres[:1] != ["unknown"]:
        out["by_genre"] = genre_breakdown(y, probs, thresholds, genres)
    return out


# --------------------------------------------------------------------------- baselines
def keyword_baseline(examples: list[dict]) -> dict:
    p = _keyword_scores([e["text"] for e in examples])
    return _metrics_with_genres(examples, p, KEYWORD_THRESHOLDS)


def tfidf_baseline(train_examples: list[dict], examples: list[dict], seed: int = 0) -> dict:
    """TF-IDF (word 1-2 grams) + logistic regression; thresholds F1-optimal on the same out-of-fold group
    folds that the model's thresholds come from."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.pipeline import make_pipeline

    from .train import N_FOLDS, choose_threshold
    texts = np.array([e["text"] for e in train_examples], dtype=object)
    groups = np.array([e.get("group") or e["id"] for e in train_examples])

    def pipe():
        return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                             LogisticRegression(C=8.0, max_iter=2000, random_state=seed))
    thresholds, probs = {}, {}
    for label in LABELS:
        y = np.array([e[label] for e in train_examples])
        oof = np.zeros(len(y))
        for tr, te in GroupKFold(min(N_FOLDS, len(set(groups)))).split(texts, y, groups):
            oof[te] = pipe().fit(list(texts[tr]), y[tr]).predict_proba(list(texts[te]))[:, 1]
        thresholds[label] = choose_threshold(y, oof)
        probs[label] = pipe().fit(list(texts), y).predict_proba([e["text"] for e in examples])[:, 1]
    return _metrics_with_genres(examples, probs, thresholds)


# --------------------------------------------------------------------------- entry point
def evaluate(instance_dir: str | Path | None = None, data_path: str | Path | None = None,
             train_paths: list[str | Path] | None = None, baselines: bool = True, progress: bool = False,
             classifier=None, thresholds: dict | None = None, hold_threshold: float | None = None) -> dict:
    """Evaluate the current model (or `classifier`) and, with baselines=True, the two baselines.

    data_path: labelled JSONL (default moderation/data/heldout.jsonl). train_paths: what the baselines train
    on (default moderation/data/train.jsonl). Returns {"data", "model": {...}, "baselines": {...}}.
    """
    from .train import DEFAULT_HELDOUT, DEFAULT_TRAIN, read_examples
    data_path = Path(data_path or DEFAULT_HELDOUT)
    examples = read_examples(data_path)
    if classifier is None:
        from . import load_classifier
        classifier = load_classifier(instance_dir, thresholds=thresholds, hold_threshold=hold_threshold)
    result = {"data": str(data_path), "n": len(examples),
              "model": {"version": classifier.version, **score_dataset(classifier, examples, progress=progress)},
              "baselines": {}}
    if baselines:
        train = []
        for p in train_paths or [DEFAULT_TRAIN]:
            train.extend(read_examples(p))
        result["baselines"]["keywords"] = keyword_baseline(examples)
        result["baselines"]["tfidf_lr"] = tfidf_baseline(train, examples)
    return result


def format_genres(by_genre: dict, title: str) -> list[str]:
    """Per-genre rows: recall and false-positive rate per label, negatives flagged, macro-F1."""
    if not by_genre:
        return []
    head = (f"{'genre':<16} {'n':>4} {'promo R':>8} {'promo FPR':>9} {'misinfo R':>9} {'misinfo FPR':>11} "
            f"{'neg flagged':>11} {'macro-F1':>8}")
    lines = [title, head, "-" * len(head)]
    for genre, r in by_genre.items():
        lines.append(f"{genre:<16} {r['n']:>4} {r['clinic_promotion_recall']:>8.3f} {r['clinic_promotion_fpr']:>9.3f} "
                     f"{r['misinformation_recall']:>9.3f} {r['misinformation_fpr']:>11.3f} "
                     f"{r['negatives_flagged']:>11.3f} {r['macro_f1']:>8.3f}")
    return lines


def format_report(result: dict) -> str:
    """A plain-text table: one row per system and label, then macro-F1 and hard-negative FPR."""
    systems = [("model " + result["model"].get("version", ""), result["model"])]
    names = {"keywords": "keyword rules baseline", "tfidf_lr": "TF-IDF + LR baseline"}
    systems += [(names.get(k, k), v) for k, v in result.get("baselines", {}).items()]
    lines = [f"Evaluation on {result['data']} ({result['n']} posts, "
             f"{result['model']['hard_negatives']} hard negatives)", ""]
    head = f"{'system':<36} {'label':<17} {'thr':>5} {'prec':>6} {'recall':>6} {'F1':>6} {'PR-AUC':>7} {'HN-FPR':>7}"
    lines += [head, "-" * len(head)]
    for name, m in systems:
        for label in LABELS:
            r = m["labels"][label]
            lines.append(f"{name[:36]:<36} {label:<17} {r['threshold']:>5.2f} {r['precision']:>6.3f} "
                         f"{r['recall']:>6.3f} {r['f1']:>6.3f} {r['pr_auc']:>7.3f} {r['hard_negative_fpr']:>7.3f}")
        lines.append(f"{'':<36} {'macro-F1':<17} {'':>5} {'':>6} {'':>6} {m['macro_f1']:>6.3f} {'':>7} "
                     f"{m['hard_negative_fpr']:>7.3f}")
        lines.append("")
    lines.append("HN-FPR: share of hard negatives (kind hard_negative_*) flagged; on the macro-F1 row, flagged for "
                 "any label.")
    for name, m in systems:
        lines.append(f"{name}: negatives (neither label) flagged {m.get('negatives_flagged', float('nan')):.3f}")
    lines += [""] + format_genres(result["model"].get("by_genre") or {}, "Model by genre")
    by_kind = result["model"].get("hard_negative_fpr_by_kind") or {}
    if by_kind:
        lines.append("Model hard-negative FPR by kind: " + ", ".join(f"{k.removeprefix('hard_negative_')} {v:.3f}"
                                                                    for k, v in by_kind.items()))
    return "\n".join(lines)
