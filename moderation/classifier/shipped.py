"""The trained classifier that ships with the code, so a fresh `make run` needs no fine-tuning.

Fine-tuning the encoder takes longer on 2 CPU cores than a first start may (see bench/README-classifier.md),
so the artifact `flask --app wsgi moderation train` wrote from the committed data is kept in
moderation/artifacts/<version>/ (manifest.json, heads.npz, encoder.onnx: int8, ~22 MB). `ensure-model`
installs it into the instance folder when the instance has no usable model; `moderation train` replaces it
there with a freshly trained one. A test checks that the shipped artifact loads with this code, was trained
on the committed train.jsonl, and still flags and explains posts.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from . import artifact
from .common import ModelUnavailable

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "artifacts"


def shipped_version_dir() -> Path:
    """The newest artifact folder under moderation/artifacts/."""
    versions = sorted(p for p in SHIPPED_DIR.glob(artifact.ARTIFACT_GLOB) if p.is_dir()) if SHIPPED_DIR.is_dir() else []
    if not versions:
        raise ModelUnavailable(f"no shipped classifier in {SHIPPED_DIR}; train one with "
                               "`flask --app wsgi moderation train`")
    return versions[-1]


def install_shipped(instance_dir: str | Path) -> str:
    """Copy the shipped artifact into <instance>/models/ (whole, then renamed) and make it current."""
    source = shipped_version_dir()
    artifact.read_manifest(source)
    models = artifact.models_dir(instance_dir)
    models.mkdir(parents=True, exist_ok=True)
    target = models / source.name
    if not target.is_dir():
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{source.name}-", dir=models))
        try:
            shutil.copytree(source, tmp, dirs_exist_ok=True)
            tmp.rename(target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    artifact.write_current(instance_dir, source.name)
    return source.name
