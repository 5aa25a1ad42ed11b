"""Train the fine-tuned classifier and write a versioned artifact (what `moderation train` does by default).

Steps (seeded, so the same data gives the same model):
1. Split the training examples by source into a fit part and a calibration part (splits.calibration_split):
   the calibration sources are never seen by fine-tuning.
2. Fine-tune the encoder's top layers together with one linear head per label on [embedding | rule features]
   (finetune.py), on the fit part.
3. Export the tuned encoder to ONNX and quantize it to int8: the worker runs exactly this file.
4. Fit a character n-gram TF-IDF logistic model per label on the fit part (lexical.py): it reads the surface
   cues (spelling, "is it true", "DM me") the encoder blurs. Score the calibration part through the int8
   encoder and the n-gram model, and stack the two decision values with a 2-feature logistic regression
   fitted there (both models are blind to those sources). The stack folds into one linear head over
   [embedding | rules | n-grams], the format the worker already runs. Thresholds (F1-optimal) and the hold
   threshold are chosen on the same calibration part.
5. Write heads.npz (the head weights, Platt parameters, and the mean embedding of calibration negatives
   used to split a post's logit into per-sentence reasons), encoder.onnx and manifest.json, score the
   held-out file through the real scoring path, move the directory into place and point CURRENT at it.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import artifact
from .common import LABELS, MANIFEST_FORMAT
from .finetune import FT_BATCH, FT_EPOCHS, FT_LR, FT_MAX_TOKENS, FT_TRAIN_LAYERS, finetune
from .rules import FEATURE_NAMES
from .splits import DEV_SHARE, calibration_split
from .lexical import ANALYZER, MIN_DF, NGRAM_RANGE, Lexical
from .train import RULE_SCALE, DataError, choose_hold, choose_threshold, data_hash, embed_examples, finish_artifact

THRESHOLD_FLOOR = 0.5     # a flag means the calibrated probability is at least even (see flag_threshold)
DECISION_WEIGHT = 3       # a moderator's decision on a real forum post counts this many times in fitting
LEXICAL_C = 16.0          # n-gram model's inverse regularisation (grouped checks: 4 and 16 close, 16 a bit better)
STACK_C = 100.0           # the 2-feature stacker is barely regularised


def _say(log, progress: bool):
    def say(msg: str) -> None:
        if log is not None:
            log(msg)
        elif progress:
            print(msg, file=sys.stderr, flush=True)
    return say


def _labels(examples: list[dict]) -> np.ndarray:
    return np.array([[e[label] for label in LABELS] for e in examples], dtype=np.float32)


def _check_both_classes(examples: list[dict], what: str) -> None:
    for label in LABELS:
        if {e[label] for e in examples} != {0, 1}:
            raise DataError(f"the {what} needs both positive and negative examples of {label}")


def stack(z_tuned: np.ndarray, z_lexical: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Weights (a_tuned, a_lexical, bias) of p = sigmoid(a_t * z_t + a_l * z_l + bias), fitted on calibration data."""
    from sklearn.linear_model import LogisticRegression
    m = LogisticRegression(C=STACK_C, max_iter=1000).fit(np.c_[z_tuned, z_lexical], y)
    return float(m.coef_[0, 0]), float(m.coef_[0, 1]), float(m.intercept_[0])


def flag_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The calibration part's F1-optimal cut, but never below THRESHOLD_FLOOR.

    F1 on held-out sources is nearly flat between 0.3 and 0.6 (the middle of that plateau is what the
    F1-optimal choice lands on, often ~0.3), while the share of ordinary posts flagged halves from 0.3 to 0.5;
    volunteers act on flags, so a flag should mean "more likely than not"."""
    return max(choose_threshold(y, p), THRESHOLD_FLOOR)


def weighted(examples: list[dict]) -> list[dict]:
    """Moderator decisions (`moderation train --include-decisions`, groups "extra:...") repeated
    DECISION_WEIGHT times: they are real posts from this forum, judged by its own moderators, and few."""
    decisions = [e for e in examples if e["group"].startswith("extra:")]
    return examples + decisions * (DECISION_WEIGHT - 1)


def lexical_heads(texts: list[str], labels: np.ndarray, seed: int) -> tuple[Lexical, np.ndarray, np.ndarray]:
    """The n-gram vocabulary and one logistic model per label (coef rows, intercepts) on the fit part."""
    from sklearn.linear_model import LogisticRegression
    lexical = Lexical.fit(texts)
    X = lexical.transform(texts)
    models = [LogisticRegression(C=LEXICAL_C, max_iter=4000, random_state=seed).fit(X, labels[:, k])
              for k in range(labels.shape[1])]
    return lexical, np.stack([m.coef_[0] for m in models]), np.array([m.intercept_[0] for m in models])


def train_tuned_model(instance_dir: str | Path, examples: list[dict], *, sources: list[str], n_extra: int,
                      heldout_path: str | Path | None, progress: bool = True, seed: int = 0, log=None,
                      epochs: int = FT_EPOCHS, base_dir: str | Path | None = None) -> Path:
    """Fine-tune, export, calibrate and write <instance>/models/classifier-<timestamp>/; returns that folder."""
    from .encoder import ENCODER_NAME, ENCODER_PACKAGE, Encoder, export_onnx, package_version, sha256_file
    from .rules import DEFAULT_DOMAINS_FILE, load_clinic_domains

    say = _say(log, progress)
    t_start = time.time()
    instance_dir = Path(instance_dir)
    fit, dev = calibration_split(examples)
    _check_both_classes(fit, "fine-tuning part of the training data")
    _check_both_classes(dev, "calibration part of the training data")
    say(f"Fine-tuning on {len(fit)} examples, calibrating on {len(dev)} from other sources "
        f"({n_extra} moderator decisions included)")
    domains = load_clinic_domains(DEFAULT_DOMAINS_FILE, instance_dir / "clinic_domains.txt")
    fit = weighted(fit)
    from .rules import apply_rules, rule_features
    R_fit = np.array([rule_features(apply_rules(e["text"], domains)) for e in fit], dtype=np.float32) * RULE_SCALE

    models = artifact.models_dir(instance_dir)
    models.mkdir(parents=True, exist_ok=True)
    version = artifact.new_version_name(instance_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=models))
    work = Path(tempfile.mkdtemp(prefix=".tuning-", dir=models))
    try:
        tuned = finetune([e["text"] for e in fit], _labels(fit), R_fit, work / "encoder", base_dir=base_dir,
                         epochs=epochs, seed=seed, progress=progress)
        say("Exporting the tuned encoder to ONNX int8...")
        onnx_path = export_onnx(tmp / artifact.ENCODER_FILE, quantize=True, source=tuned.model_dir)
        encoder = Encoder("onnx-int8", onnx_path=onnx_path)
        say("Fitting the character n-gram model...")
        lexical, lex_coef, lex_b = lexical_heads([e["text"] for e in fit], _labels(fit), seed)
        E_dev, R_dev = embed_examples(encoder, [e["text"] for e in dev], domains, progress, "Calibrating")
        X_dev = np.hstack([E_dev, R_dev * RULE_SCALE])
        L_dev = lexical.transform([e["text"] for e in dev])
        Y_dev = {label: np.array([e[label] for e in dev]) for label in LABELS}
        arrays, thresholds, dev_p, weights = {}, {}, {}, {}
        for k, label in enumerate(LABELS):
            z_tuned = X_dev @ tuned.coef[k] + tuned.intercept[k]
            z_lex = np.asarray(L_dev @ lex_coef[k]).ravel() + lex_b[k]
            a_t, a_l, bias = stack(z_tuned, z_lex, Y_dev[label])
            weights[label] = {"tuned": round(a_t, 4), "lexical": round(a_l, 4)}
            arrays[f"{label}.coef"] = np.concatenate([a_t * tuned.coef[k], a_l * lex_coef[k]])
            arrays[f"{label}.intercept"] = np.array([a_t * tuned.intercept[k] + a_l * lex_b[k]], dtype=np.float64)
            arrays[f"{label}.platt"] = np.array([1.0, bias], dtype=np.float64)
            dev_p[label] = 1.0 / (1.0 + np.exp(-np.clip(a_t * z_tuned + a_l * z_lex + bias, -60, 60)))
            thresholds[label] = flag_threshold(Y_dev[label], dev_p[label])
        arrays.update(lexical.arrays())
        holds = {label: choose_hold(Y_dev[label], dev_p[label], thresholds[label]) for label in LABELS}
        hold = holds["clinic_promotion"]
        neg = (Y_dev["clinic_promotion"] == 0) & (Y_dev["misinformation"] == 0)
        arrays["mu"] = (E_dev[neg].mean(0) if neg.any() else E_dev.mean(0)).astype(np.float64)
        heads_path = artifact.save_heads(tmp, arrays)
        from .evaluate import compute_metrics
        dev_metrics = compute_metrics(Y_dev, dev_p, thresholds, [e["kind"] for e in dev])
        say("Stack weights: " + ", ".join(f"{k} {v}" for k, v in weights.items()))
        say("Thresholds: " + ", ".join(f"{k}={v:.2f}" for k, v in thresholds.items()) + "; holds: "
            + ", ".join(f"{k}={v:.2f}" for k, v in holds.items()) + "; "
            f"calibration macro-F1 {dev_metrics['macro_f1']:.3f}")
        manifest = {
            "format": MANIFEST_FORMAT,
            "version": version,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "labels": list(LABELS),
            "encoder": {"name": ENCODER_NAME, "package": ENCODER_PACKAGE, "package_version": package_version(),
                        "backend": "onnx-int8", "pooling": "mean over tokens, L2-normalised",
                        "fine_tuned": {"epochs": epochs, "batch": FT_BATCH, "learning_rate": FT_LR,
                                       "max_tokens": FT_MAX_TOKENS, "trained_layers": FT_TRAIN_LAYERS,
                                       "seed": seed, "epoch_losses": [round(x, 4) for x in tuned.losses]},
                        "quantization": "onnxruntime dynamic quantization, int8 weights per channel (MatMul/Gemm)",
                        "file": artifact.ENCODER_FILE, "sha256": sha256_file(onnx_path),
                        "window_tokens": encoder.window_tokens, "max_windows": encoder.max_windows},
            "features": {"embedding_dim": int(E_dev.shape[1]), "use_rules": True,
                         "rule_features": list(FEATURE_NAMES), "rule_scale": RULE_SCALE,
                         "dim": int(X_dev.shape[1] + lexical.size),
                         "lexical": {"analyzer": ANALYZER, "ngram_range": list(NGRAM_RANGE), "min_df": MIN_DF,
                                     "size": lexical.size}},
            "heads": {"file": artifact.HEADS_FILE, "sha256": sha256_file(heads_path),
                      "model": "linear heads trained with the encoder (fine-tuning), stacked with a character "
                               "n-gram logistic model by a 2-feature logistic regression on calibration sources "
                               "unseen by both", "stack_weights": weights, "lexical_C": LEXICAL_C, "seed": seed},
            "thresholds": thresholds,
            "hold_threshold": hold,
            "hold_thresholds": holds,
            "hold_label": "clinic_promotion",
            "long_posts": {"window_tokens": encoder.window_tokens, "max_windows": encoder.max_windows,
                           "policy": "sentence windows; score = max(whole post, each window); windows kept when "
                                     "over the cap: first 2, last 2, rule hits, evenly spaced"},
            "training_data": {"sha256": data_hash(examples), "examples": len(examples), "extra_examples": n_extra,
                              "files": sources, "fine_tuning_examples": len(fit), "calibration_examples": len(dev),
                              "positives": {label: int(sum(e[label] for e in examples)) for label in LABELS},
                              "validation": f"{round(DEV_SHARE * 100)}% of each genre's sources, unseen by "
                                            "fine-tuning"},
            "metrics": {"calibration": dev_metrics},
        }
        say("Exporting the untuned encoder for known-claim matching...")
        artifact.add_claims_encoder(tmp, manifest)
        artifact.write_manifest(tmp, manifest)
        return finish_artifact(instance_dir, tmp, manifest, t_start, say,
                               heldout=(heldout_path, domains, encoder, progress))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)

