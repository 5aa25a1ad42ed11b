"""Train the classifier heads and write a versioned artifact.

Procedure (everything seeded, so the same data gives the same heads):
1. Read the training lines (default moderation/data/train.jsonl) plus any extra examples (moderator
   decisions). moderation/data/heldout.jsonl is never read here except, at the very end, to *report*
   held-out metrics in the manifest.
2. Embed every post with the encoder (int8 ONNX by default), compute its rule features, and fit the
   character n-gram TF-IDF vocabulary (lexical.py) on the training texts (no labels involved).
3. Validation is carved from the training data as 5 group folds (GroupKFold on each example's "group": the
   seed post / main fragment it came from, so paraphrases of one post never straddle a fold). Every training
   example gets an out-of-fold decision value from heads that never saw its group.
4. Per label: logistic regression (scikit-learn, L2) on [embedding | rule features | n-gram TF-IDF]; C, and whether to use
   the rule features at all, chosen by out-of-fold PR-AUC. Platt calibration: a 1-D logistic fit on the
   out-of-fold decision values.
5. Thresholds per label: the F1-optimal cut on the calibrated out-of-fold probabilities, lowered until
   out-of-fold recall reaches RECALL_FLOOR while precision stays >= MIN_PRECISION (a flag only sends a post
   to human review, and the issue asks for recall >= 0.85 on unseen posts); the
   clinic_promotion "hold" threshold: the lowest cut above it whose out-of-fold precision reaches
   HOLD_PRECISION.
6. Fit the final heads on all training data, store coefficients and Platt parameters as plain arrays
   (heads.npz, no pickle), score the held-out set through the real scoring path, write manifest.json, move
   the directory into place and point models/CURRENT at it.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import artifact
from .common import LABELS, MANIFEST_FORMAT, ModelUnavailable
from .lexical import ANALYZER, MIN_DF, NGRAM_RANGE, Lexical
from .rules import FEATURE_NAMES

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_TRAIN = DATA_DIR / "train.jsonl"
DEFAULT_HELDOUT = DATA_DIR / "heldout.jsonl"
N_FOLDS = 5
C_GRID = (1.0, 4.0, 16.0)
RULE_SCALE = 1.0
HOLD_PRECISION = 0.99
RECALL_FLOOR = 0.90      # lower thresholds until out-of-fold recall reaches this ...
MIN_PRECISION = 0.85     # ... while out-of-fold precision stays at least this
THRESHOLD_RANGE = (0.15, 0.85)
EMBED_CHUNK = 128


class DataError(ValueError):
    """Training data that cannot be used; the message names the file and line."""


# --------------------------------------------------------------------------- data
def validate_example(obj, where: str) -> dict:
    if not isinstance(obj, dict):
        raise DataError(f"{where}: expected a JSON object")
    text = obj.get("text")
    if not isinstance(text, str):
        raise DataError(f"{where}: \"text\" must be a string")
    out = {"text": text}
    for label in LABELS:
        v = obj.get(label)
        if isinstance(v, bool) or v not in (0, 1):
            raise DataError(f"{where}: \"{label}\" must be 0 or 1, got {v!r}")
        out[label] = int(v)
    out["id"] = str(obj.get("id") or "ex-" + hashlib.sha1(text.encode()).hexdigest()[:10])
    out["kind"] = str(obj.get("kind") or "unknown")
    out["genre"] = str(obj.get("genre") or "")
    out["group"] = str(obj.get("group") or obj.get("source") or out["id"])
    return out


def read_examples(path: str | Path) -> list[dict]:
    path = Path(path)
    out, errors = [], []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(validate_example(json.loads(line), f"{path.name} line {n}"))
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name} line {n}: invalid JSON ({exc.msg})")
        except DataError as exc:
            errors.append(str(exc))
    if errors:
        raise DataError("; ".join(errors[:20]) + (f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""))
    return out


def data_hash(examples: list[dict]) -> str:
    h = hashlib.sha256()
    for e in examples:
        h.update(json.dumps([e["id"], e["text"]] + [e[label] for label in LABELS], ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


# --------------------------------------------------------------------------- heads
def _lr(C: float, seed: int):
    from sklearn.linear_model import LogisticRegression
    return LogisticRegression(C=C, max_iter=4000, random_state=seed)


def oof_decision(X: np.ndarray, y: np.ndarray, groups: np.ndarray, C: float, seed: int = 0) -> np.ndarray:
    """Out-of-fold decision values from N_FOLDS group folds (a group never straddles train and test)."""
    from sklearn.model_selection import GroupKFold
    z = np.zeros(len(y), dtype=np.float64)
    folds = min(N_FOLDS, len(set(groups)))
    for tr, te in GroupKFold(folds).split(X, y, groups):
        if len(set(y[tr])) < 2:
            z[te] = 0.0
            continue
        z[te] = _lr(C, seed).fit(X[tr], y[tr]).decision_function(X[te])
    return z


def platt_fit(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling: p = sigmoid(a * z + b) fitted on out-of-fold decision values z."""
    from sklearn.linear_model import LogisticRegression
    m = LogisticRegression(C=1e4, max_iter=1000).fit(z.reshape(-1, 1), y)
    return float(m.coef_[0, 0]), float(m.intercept_[0])


def _pr_at(y: np.ndarray, p: np.ndarray, t: float) -> tuple[float, float, float]:
    pred = p >= t
    tp = float((pred & (y == 1)).sum())
    fp = float((pred & (y == 0)).sum())
    fn = float((~pred & (y == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, 2 * tp / max(2 * tp + fp + fn, 1)


def choose_threshold(y: np.ndarray, p: np.ndarray, recall_floor: float | None = None,
                     min_precision: float = MIN_PRECISION) -> float:
    """The F1-optimal cut (inside THRESHOLD_RANGE; ties: middle of the best run). With recall_floor: if recall
    there is below the floor, lower the cut until recall reaches it, as long as precision stays >= min_precision.
    A flag only sends a post to the human review queue, so a missed post costs more than a reviewed one."""
    lo, hi = THRESHOLD_RANGE
    grid = np.round(np.arange(lo, hi + 1e-9, 0.01), 2)
    stats = [_pr_at(y, p, t) for t in grid]
    f1s = np.array([s[2] for s in stats])
    best = np.nonzero(f1s >= f1s.max() - 1e-9)[0]
    i = int(best[len(best) // 2])
    if recall_floor is not None:
        while i > 0 and stats[i][1] < recall_floor and stats[i - 1][0] >= min_precision:
            i -= 1
    return float(grid[i])


def choose_hold(y: np.ndarray, p: np.ndarray, threshold: float) -> float:
    """Lowest cut >= max(threshold + 0.2, 0.8) whose precision reaches HOLD_PRECISION (else 0.95)."""
    start = max(threshold + 0.2, 0.8)
    for t in np.round(np.arange(start, 0.991, 0.01), 2):
        pred = p >= t
        if pred.sum() >= 3 and (y[pred] == 1).mean() >= HOLD_PRECISION:
            return float(t)
    return 0.95


# --------------------------------------------------------------------------- embedding
def embed_examples(clf_or_encoder, texts: list[str], clinic_domains, progress: bool, label: str = "Embedding posts"):
    """(embeddings, rule features) for texts, with an optional click progress bar on stderr."""
    from .rules import apply_rules, rule_features
    encoder = getattr(clf_or_encoder, "encoder", clf_or_encoder)
    embs = []
    bar = None
    if progress:
        import click
        bar = click.progressbar(length=len(texts), label=label, file=sys.stderr, show_pos=True)
        bar.__enter__()
    try:
        for s in range(0, len(texts), EMBED_CHUNK):
            chunk = texts[s:s + EMBED_CHUNK]
            embs.extend(e.embedding for e in encoder.encode_posts(chunk))
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    rf = np.array([rule_features(apply_rules(t, clinic_domains)) for t in texts], dtype=np.float32)
    E = np.stack(embs).astype(np.float32) if embs else np.zeros((0, 384), np.float32)
    return E, rf.reshape(len(texts), len(FEATURE_NAMES))


# --------------------------------------------------------------------------- main entry
def train_model(instance_dir: str | Path, data_paths: list[str | Path] | None = None,
                extra_examples: list[dict] | None = None, progress: bool = True, *,
                backend: str | None = None, heldout_path: str | Path | None = DEFAULT_HELDOUT,
                use_rules: bool | None = True, seed: int = 0, log=None, method: str = "finetune",
                epochs: int | None = None, examples: list[dict] | None = None) -> Path:
    """Train on data_paths (+ extra_examples) and write <instance>/models/classifier-<timestamp>/.

    Returns the new version directory; models/CURRENT points at it afterwards.
    method: "finetune" (default: the encoder is fine-tuned with the heads, train_tuned.py) or "frozen" (the
    packaged encoder as it is, logistic heads on [embedding | rules | n-grams], the earlier model).
    examples: already-read examples to train on instead of data_paths (evaluation folds).
    backend: encoder backend ("onnx-int8" by default when onnxruntime is installed, else "torch-fp32").
    heldout_path: data to report held-out metrics on (None to skip). use_rules: concatenate the rule features
    to the embedding (default; grouped cross-validation on train favoured it clearly), False for the
    embedding alone, None to choose by out-of-fold PR-AUC.
    """
    from .encoder import ENCODER_NAME, ENCODER_PACKAGE, Encoder, default_backend, export_onnx, package_version, \
        sha256_file
    from .model import build_features, Classifier
    from .rules import DEFAULT_DOMAINS_FILE, load_clinic_domains

    def say(msg: str) -> None:
        if log is not None:
            log(msg)
        elif progress:
            print(msg, file=sys.stderr, flush=True)

    if method not in ("finetune", "frozen"):
        raise ValueError(f"unknown training method {method!r} (finetune or frozen)")
    t_start = time.time()
    instance_dir = Path(instance_dir)
    paths = [Path(p) for p in (data_paths or [DEFAULT_TRAIN])] if examples is None else []
    examples = [validate_example(e, f"example {i + 1}") for i, e in enumerate(examples)] if examples else []
    for p in paths:
        examples.extend(read_examples(p))
    n_extra = 0
    for i, obj in enumerate(extra_examples or []):
        ex = validate_example(obj, f"extra example {i + 1}")
        ex["group"] = "extra:" + ex["group"]
        examples.append(ex)
        n_extra += 1
    if not examples:
        raise DataError("no training examples")
    for label in LABELS:
        ys = {e[label] for e in examples}
        if ys != {0, 1}:
            raise DataError(f"training data needs both positive and negative examples of {label}")
    say(f"Training on {len(examples)} examples ({n_extra} extra) from {', '.join(str(p) for p in paths) or 'memory'}")
    if method == "finetune":
        # imported here: train_tuned imports this module's helpers (and torch, only when it trains)
        from .finetune import FT_EPOCHS
        from .train_tuned import train_tuned_model
        return train_tuned_model(instance_dir, examples, sources=[p.name for p in paths], n_extra=n_extra,
                                 heldout_path=heldout_path, progress=progress, seed=seed, log=log,
                                 epochs=epochs or FT_EPOCHS)

    backend = backend or default_backend()
    models = artifact.models_dir(instance_dir)
    models.mkdir(parents=True, exist_ok=True)
    version = artifact.new_version_name(instance_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=models))
    try:
        onnx_path = None
        enc_info = {"name": ENCODER_NAME, "package": ENCODER_PACKAGE, "package_version": package_version(),
                    "backend": backend, "pooling": "mean over tokens, L2-normalised"}
        if backend.startswith("onnx"):
            say(f"Exporting the encoder to ONNX ({backend})...")
            onnx_path = export_onnx(tmp / artifact.ENCODER_FILE, quantize=backend == "onnx-int8")
            enc_info.update(file=artifact.ENCODER_FILE, sha256=sha256_file(onnx_path))
        enc_info["quantization"] = {
            "onnx-int8": "onnxruntime dynamic quantization, int8 weights per channel (MatMul/Gemm)",
            "onnx-fp32": "none (fp32)", "torch-fp32": "none (fp32)",
            "torch-int8": "torch.ao dynamic quantization, int8 Linear layers",
        }[backend]
        encoder = Encoder(backend, onnx_path=onnx_path)
        enc_info.update(window_tokens=encoder.window_tokens, max_windows=encoder.max_windows)
        domains = load_clinic_domains(DEFAULT_DOMAINS_FILE, instance_dir / "clinic_domains.txt")

        texts = [e["text"] for e in examples]
        E, R = embed_examples(encoder, texts, domains, progress)
        lexical = Lexical.fit(texts)
        L = lexical.transform(texts)
        Y = {label: np.array([e[label] for e in examples]) for label in LABELS}
        groups = np.array([e["group"] for e in examples])
        if len(set(groups)) < N_FOLDS * 2:  # tiny data (tests): fold by example
            groups = np.array([e["id"] for e in examples])

        # Model selection, calibration and thresholds all use out-of-fold decision values from N_FOLDS group
        # folds of the training data: every example is scored by heads that never saw its group.
        from sklearn.metrics import average_precision_score
        options = [True, False] if use_rules is None else [bool(use_rules)]
        best: dict = {}
        for ur in options:
            X = build_features(E, R, ur, RULE_SCALE, L)
            per_label = {}
            for label in LABELS:
                scored = []
                for C in C_GRID:
                    z = oof_decision(X, Y[label], groups, C, seed)
                    scored.append((float(average_precision_score(Y[label], z)), -C, C, z))
                ap, _, C, z = max(scored, key=lambda t: (t[0], t[1]))
                per_label[label] = (ap, C, z)
            mean_ap = float(np.mean([v[0] for v in per_label.values()]))
            if not best or mean_ap > best["mean_ap"] + 1e-3:
                best = {"use_rules": ur, "mean_ap": mean_ap, "per_label": per_label}
        ur = best["use_rules"]
        X = build_features(E, R, ur, RULE_SCALE, L)
        say(f"Out-of-fold PR-AUC {best['mean_ap']:.3f}; rule features {'on' if ur else 'off'}; "
            + ", ".join(f"C[{label}]={best['per_label'][label][1]:g}" for label in LABELS))

        thresholds, platts, oof_p = {}, {}, {}
        for label in LABELS:
            z = best["per_label"][label][2]
            platts[label] = platt_fit(z, Y[label])
            oof_p[label] = 1.0 / (1.0 + np.exp(-np.clip(platts[label][0] * z + platts[label][1], -60, 60)))
            thresholds[label] = choose_threshold(Y[label], oof_p[label], recall_floor=RECALL_FLOOR)
        hold = choose_hold(Y["clinic_promotion"], oof_p["clinic_promotion"], thresholds["clinic_promotion"])
        from .evaluate import compute_metrics
        val_metrics = compute_metrics(Y, oof_p, thresholds, [e["kind"] for e in examples])
        say("Thresholds: " + ", ".join(f"{k}={v:.2f}" for k, v in thresholds.items()) + f", hold={hold:.2f}; "
            f"out-of-fold macro-F1 {val_metrics['macro_f1']:.3f}")

        # final heads on all training data
        arrays = {}
        C_used = {}
        for label in LABELS:
            C = best["per_label"][label][1]
            C_used[label] = C
            model = _lr(C, seed).fit(X, Y[label])
            coef, b0, platt = model.coef_[0].astype(np.float64), float(model.intercept_[0]), platts[label]
            arrays[f"{label}.coef"] = coef.astype(np.float64)
            arrays[f"{label}.intercept"] = np.array([b0], dtype=np.float64)
            arrays[f"{label}.platt"] = np.array(platt, dtype=np.float64)
        neg = (Y["clinic_promotion"] == 0) & (Y["misinformation"] == 0)
        arrays.update(lexical.arrays())
        arrays["mu"] = (E[neg].mean(0) if neg.any() else E.mean(0)).astype(np.float64)
        heads_path = artifact.save_heads(tmp, arrays)

        manifest = {
            "format": MANIFEST_FORMAT,
            "version": version,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "labels": list(LABELS),
            "encoder": enc_info,
            "features": {"embedding_dim": int(E.shape[1]), "use_rules": ur, "rule_features": list(FEATURE_NAMES),
                         "rule_scale": RULE_SCALE, "dim": int(X.shape[1]),
                         "lexical": {"analyzer": ANALYZER, "ngram_range": list(NGRAM_RANGE), "min_df": MIN_DF,
                                     "size": lexical.size}},
            "heads": {"file": artifact.HEADS_FILE, "sha256": sha256_file(heads_path),
                      "model": "scikit-learn LogisticRegression (L2) + Platt sigmoid on 5-fold out-of-fold scores",
                      "C": C_used, "seed": seed},
            "thresholds": thresholds,
            "hold_threshold": hold,
            "hold_label": "clinic_promotion",
            "long_posts": {"window_tokens": encoder.window_tokens, "max_windows": encoder.max_windows,
                           "policy": "sentence windows; score = max(whole post, each window); windows kept when "
                                     "over the cap: first 2, last 2, rule hits, evenly spaced"},
            "training_data": {"sha256": data_hash(examples), "examples": len(examples), "extra_examples": n_extra,
                              "files": [p.name for p in paths],
                              "positives": {label: int(Y[label].sum()) for label in LABELS},
                              "validation": f"{N_FOLDS} group folds, out-of-fold"},
            "metrics": {"out_of_fold": val_metrics},
        }
        artifact.write_manifest(tmp, manifest)
        return finish_artifact(instance_dir, tmp, manifest, t_start, say,
                               heldout=(heldout_path, domains, encoder, progress))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def finish_artifact(instance_dir: Path, tmp: Path, manifest: dict, t_start: float, say, heldout: tuple) -> Path:
    """Score the held-out file, record the training time, move the version into place and make it current.

    heldout: (path or None, clinic domains, the encoder already loaded, progress bar on/off)."""
    path, domains, encoder, progress = heldout
    report_heldout(tmp, manifest, path, domains, encoder, progress, say)
    manifest["training_seconds"] = round(time.time() - t_start, 1)
    artifact.write_manifest(tmp, manifest)
    final = artifact.publish(instance_dir, tmp, manifest["version"])
    say(f"Wrote {final} and pointed {final.parent / 'CURRENT'} at it")
    return final


def report_heldout(version_dir: Path, manifest: dict, heldout_path, domains, encoder, progress: bool, say) -> None:
    """Score the held-out file through the real scoring path and record the metrics in the manifest."""
    if heldout_path is None or not Path(heldout_path).is_file():
        return
    from .evaluate import score_dataset
    from .model import Classifier
    clf = Classifier.from_dir(version_dir, clinic_domains=domains, encoder=encoder)
    result = score_dataset(clf, read_examples(heldout_path), progress=progress)
    manifest["metrics"]["heldout"] = result
    manifest["metrics"]["heldout_file"] = Path(heldout_path).name
    artifact.write_manifest(version_dir, manifest)
    say(f"Held-out macro-F1 {result['macro_f1']:.3f} on {result['n']} posts")


def load_manifest(instance_dir: str | Path) -> dict:
    version = artifact.read_current(instance_dir)
    return artifact.read_manifest(artifact.models_dir(instance_dir) / version)


__all__ = ["train_model", "read_examples", "validate_example", "DataError", "ModelUnavailable", "DEFAULT_TRAIN",
           "DEFAULT_HELDOUT"]
