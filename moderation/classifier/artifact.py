"""Model artifacts on disk: versioned directories under <instance>/models/ and the CURRENT pointer.

    <instance>/models/
        CURRENT                              one line: the name of the current version directory
        classifier-20250611093012/
            manifest.json                    version, created, encoder (+ quantization), thresholds, hold
                                             threshold, held-out metrics, training-data hash, file hashes
            heads.npz                        head weights: plain float arrays, loaded with allow_pickle=False
            encoder.onnx                     the exported int8 encoder (onnx backends only)

A version directory is written under a temporary name and renamed into place when complete; CURRENT is
replaced atomically (temp file + os.replace), so a reader sees either the old model or the new one.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from .common import (ARTIFACT_PREFIX, CURRENT_FILENAME, LABELS, MANIFEST_FORMAT, MODELS_DIRNAME,
                     ModelUnavailable)

HEADS_FILE = "heads.npz"
MANIFEST_FILE = "manifest.json"
ENCODER_FILE = "encoder.onnx"
CLAIMS_ENCODER_FILE = "claims_encoder.onnx"
_VERSION_RE = re.compile(r"^classifier-\d{14}(?:-\d+)?$")
ARTIFACT_GLOB = "classifier-[0-9]*"
_TRAIN_HINT = "train one with `flask --app wsgi moderation train`"


def models_dir(instance_dir: str | Path) -> Path:
    return Path(instance_dir) / MODELS_DIRNAME


def read_current(instance_dir: str | Path) -> str:
    pointer = models_dir(instance_dir) / CURRENT_FILENAME
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ModelUnavailable(f"no trained classifier in {models_dir(instance_dir)} ({pointer.name} is missing); "
                               f"{_TRAIN_HINT}") from None
    except OSError as exc:
        raise ModelUnavailable(f"cannot read {pointer}: {exc}") from exc
    if not _VERSION_RE.match(name):
        raise ModelUnavailable(f"{pointer} does not name a classifier version (found {name[:80]!r}); {_TRAIN_HINT}")
    return name


def write_current(instance_dir: str | Path, version: str) -> None:
    d = models_dir(instance_dir)
    d.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".CURRENT.", dir=d)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(version + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, d / CURRENT_FILENAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def publish(instance_dir: str | Path, tmp_dir: Path, version: str) -> Path:
    """Move a complete version directory into place and point CURRENT at it; returns its final path."""
    final = models_dir(instance_dir) / version
    tmp_dir.rename(final)
    write_current(instance_dir, version)
    return final


def new_version_name(instance_dir: str | Path, now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    base = ARTIFACT_PREFIX + now.strftime("%Y%m%d%H%M%S")
    d = models_dir(instance_dir)
    name, n = base, 1
    while (d / name).exists():
        name = f"{base}-{n}"
        n += 1
    return name


def list_versions(instance_dir: str | Path) -> list[str]:
    d = models_dir(instance_dir)
    if not d.is_dir():
        return []
    return sorted(p.name for p in d.iterdir() if p.is_dir() and _VERSION_RE.match(p.name))


def read_manifest(version_dir: Path) -> dict:
    path = version_dir / MANIFEST_FILE
    if not version_dir.is_dir():
        raise ModelUnavailable(f"classifier directory {version_dir} is missing; {_TRAIN_HINT}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelUnavailable(f"{path} is missing: the artifact is incomplete; {_TRAIN_HINT}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelUnavailable(f"{path} is corrupt ({exc}); {_TRAIN_HINT}") from exc
    if not isinstance(manifest, dict):
        raise ModelUnavailable(f"{path} is corrupt (not a JSON object); {_TRAIN_HINT}")
    if manifest.get("format") != MANIFEST_FORMAT:
        raise ModelUnavailable(f"{path}: unsupported artifact format {manifest.get('format')!r} "
                               f"(this code reads format {MANIFEST_FORMAT}); {_TRAIN_HINT}")
    missing = [k for k in ("version", "labels", "encoder", "features", "heads", "thresholds", "hold_threshold")
               if k not in manifest]
    if missing:
        raise ModelUnavailable(f"{path} is corrupt: missing {', '.join(missing)}; {_TRAIN_HINT}")
    if list(manifest["labels"]) != list(LABELS):
        raise ModelUnavailable(f"{path}: labels {manifest['labels']} do not match {list(LABELS)}; {_TRAIN_HINT}")
    return manifest


def load_heads(version_dir: Path, manifest: dict) -> dict:
    """The head arrays as a dict of numpy arrays, after checking the file hash and the shapes."""
    import numpy as np

    from .encoder import sha256_file
    path = version_dir / manifest["heads"].get("file", HEADS_FILE)
    if not path.is_file():
        raise ModelUnavailable(f"{path} is missing: the artifact is incomplete; {_TRAIN_HINT}")
    expected = manifest["heads"].get("sha256")
    if expected and sha256_file(path) != expected:
        raise ModelUnavailable(f"{path} is corrupt (sha256 does not match the manifest); {_TRAIN_HINT}")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except Exception as exc:  # zipfile / ValueError on damaged files
        raise ModelUnavailable(f"{path} is corrupt ({exc}); {_TRAIN_HINT}") from exc
    dim = int(manifest["features"]["dim"])
    for label in LABELS:
        coef = arrays.get(f"{label}.coef")
        if coef is None or coef.shape != (dim,) or arrays.get(f"{label}.platt", np.zeros(0)).shape != (2,) \
                or arrays.get(f"{label}.intercept", np.zeros(0)).shape != (1,):
            raise ModelUnavailable(f"{path} is corrupt: head for {label} is missing or has the wrong shape; "
                                   f"{_TRAIN_HINT}")
        if not np.all(np.isfinite(coef)):
            raise ModelUnavailable(f"{path} is corrupt: head for {label} has non-finite weights; {_TRAIN_HINT}")
    _check_lexical(path, manifest, arrays)
    return arrays


def _check_lexical(path: Path, manifest: dict, arrays: dict) -> None:
    """The n-gram vocabulary and idf must be there, match each other and fill the heads' last columns."""
    from .lexical import IDF_KEY, VOCAB_KEY
    lexical = manifest["features"].get("lexical")
    if not lexical:
        return
    vocab, idf = arrays.get(VOCAB_KEY), arrays.get(IDF_KEY)
    feats = manifest["features"]
    size = int(lexical.get("size", -1))
    dense = int(feats.get("embedding_dim", 384)) + (len(feats.get("rule_features", [])) if feats.get("use_rules") else 0)
    if vocab is None or idf is None or vocab.shape != (size,) or idf.shape != (size,) \
            or vocab.dtype.kind != "U" or int(feats["dim"]) != dense + size:
        raise ModelUnavailable(f"{path} is corrupt: the n-gram vocabulary is missing or does not match the "
                               f"manifest; {_TRAIN_HINT}")


def save_heads(version_dir: Path, arrays: dict) -> Path:
    import numpy as np
    path = version_dir / HEADS_FILE
    np.savez(path, **arrays)
    return path


def write_manifest(version_dir: Path, manifest: dict) -> None:
    path = version_dir / MANIFEST_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def add_claims_encoder(version_dir: Path, manifest: dict) -> dict:
    """Export the packaged, untuned encoder (int8) beside a fine-tuned one for matching known claims, and
    record it in the manifest (written by the caller)."""
    from .encoder import export_onnx, sha256_file
    path = export_onnx(version_dir / CLAIMS_ENCODER_FILE, quantize=True)
    manifest["claims_encoder"] = {"file": CLAIMS_ENCODER_FILE, "sha256": sha256_file(path),
                                  "what": "the packaged all-MiniLM-L6-v2, int8, not fine-tuned"}
    return manifest


def check_artifact(instance_dir: str | Path) -> dict:
    """Check the current artifact without loading the encoder: pointer, manifest, heads and encoder file.

    Returns the manifest; raises ModelUnavailable with the reason when anything is missing or corrupt.
    """
    version = read_current(instance_dir)
    version_dir = models_dir(instance_dir) / version
    manifest = read_manifest(version_dir)
    load_heads(version_dir, manifest)
    enc = manifest.get("encoder", {})
    if str(enc.get("backend", "")).startswith("onnx"):
        from .encoder import sha256_file
        path = version_dir / enc.get("file", ENCODER_FILE)
        if not path.is_file():
            raise ModelUnavailable(f"{path} is missing: the artifact is incomplete; {_TRAIN_HINT}")
        if enc.get("sha256") and sha256_file(path) != enc["sha256"]:
            raise ModelUnavailable(f"{path} is corrupt (sha256 does not match the manifest); {_TRAIN_HINT}")
    return manifest
