"""Leave one genre out: does the classifier work on a kind of text it never saw?

For each genre of the corpus, every system is trained on the other genres only and tested on the whole of
that genre, so a model that learnt the register of its training text rather than the task shows it here.
Systems compared in one run, on the same folds:
- "finetune": the fine-tuned encoder with its heads (what `moderation train` builds);
- "frozen": the packaged encoder as it is, logistic heads on [embedding | rules | n-grams] (the earlier model);
- "tfidf_lr": TF-IDF word 1-2-grams + logistic regression (evaluate.tfidf_baseline).

A fold of the fine-tuned system costs a fine-tuning run (minutes on 2 cores), so the whole comparison is
long: `flask --app wsgi moderation evaluate --leave-one-genre-out` prints progress per fold.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

SYSTEMS = ("finetune", "frozen", "tfidf_lr")


def _train_and_score(method: str, train: list[dict], test: list[dict], epochs: int | None, seed: int) -> dict:
    from .evaluate import score_dataset, tfidf_baseline
    from .model import Classifier
    from .train import train_model
    if method == "tfidf_lr":
        return tfidf_baseline(train, test, seed=seed)
    with tempfile.TemporaryDirectory(prefix="logo-") as tmp:
        path = train_model(tmp, examples=train, heldout_path=None, progress=False, method=method, epochs=epochs,
                           seed=seed, log=lambda msg: None)
        return score_dataset(Classifier.from_dir(path), test)


def leave_one_genre_out(rows: list[dict], systems: tuple[str, ...] = SYSTEMS, *, epochs: int | None = None,
                        seed: int = 0, genres: list[str] | None = None, log=print) -> dict:
    """{"genres": {genre: {system: metrics}}, "mean_macro_f1": {system: float}} over the chosen genres."""
    from .splits import leave_one_genre_out as folds
    out: dict = {"genres": {}, "systems": list(systems)}
    for genre, train, test in folds(rows):
        if genres and genre not in genres:
            continue
        out["genres"][genre] = {}
        for system in systems:
            metrics = _train_and_score(system, train, test, epochs, seed)
            out["genres"][genre][system] = metrics
            log(f"{genre:<16} {system:<9} macro-F1 {metrics['macro_f1']:.3f}  "
                + "  ".join(f"{k} R {metrics['labels'][k]['recall']:.3f}" for k in metrics["labels"])
                + f"  negatives flagged {metrics['negatives_flagged']:.3f}")
    out["mean_macro_f1"] = {s: round(float(np.mean([g[s]["macro_f1"] for g in out["genres"].values()])), 4)
                            for s in systems if out["genres"]}
    return out


def format_logo(result: dict) -> str:
    systems = result["systems"]
    head = f"{'held-out genre':<16} " + " ".join(f"{s + ' F1':>12} {s + ' neg':>12}" for s in systems)
    lines = ["Leave one genre out (train on the other genres, test on this one): macro-F1 and share of "
             "negatives flagged", head, "-" * len(head)]
    for genre, by_system in result["genres"].items():
        lines.append(f"{genre:<16} " + " ".join(f"{by_system[s]['macro_f1']:>12.3f} "
                                                f"{by_system[s]['negatives_flagged']:>12.3f}" for s in systems))
    lines.append(f"{'mean':<16} " + " ".join(f"{result['mean_macro_f1'][s]:>12.3f} {'':>12}" for s in systems))
    return "\n".join(lines)


def write_json(result: dict, path: str | Path) -> None:
    import json
    Path(path).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
