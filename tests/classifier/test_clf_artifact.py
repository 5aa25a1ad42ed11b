"""Model artifacts: layout, manifest, no pickle, and clear errors for missing or corrupt ones."""
import json
import zipfile

import numpy as np
import pytest

from moderation.classifier import LABELS, ModelUnavailable, current_version, load_classifier
from moderation.classifier.artifact import check_artifact, models_dir, write_current


def version_dir(instance):
    return models_dir(instance) / (models_dir(instance) / "CURRENT").read_text().strip()


def test_artifact_layout_and_manifest(trained_instance):
    vdir = version_dir(trained_instance)
    assert vdir.name.startswith("classifier-") and len(vdir.name) >= len("classifier-20250101000000")
    manifest = json.loads((vdir / "manifest.json").read_text())
    assert manifest["version"] == vdir.name == current_version(trained_instance)
    assert manifest["labels"] == list(LABELS)
    assert manifest["encoder"]["name"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert manifest["encoder"]["quantization"]
    assert set(manifest["thresholds"]) == set(LABELS)
    assert 0 < manifest["hold_threshold"] <= 1
    assert len(manifest["training_data"]["sha256"]) == 64
    assert manifest["metrics"]["out_of_fold"]["macro_f1"] > 0
    assert "created" in manifest
    # head weights are plain arrays: loadable without pickle
    with np.load(vdir / "heads.npz", allow_pickle=False) as z:
        for label in LABELS:
            assert z[f"{label}.coef"].dtype == np.float64
    assert not list(models_dir(trained_instance).glob(".tmp-*")), "no temporary directories left behind"
    assert not list(models_dir(trained_instance).glob(".CURRENT*"))


def test_missing_model(tmp_path):
    with pytest.raises(ModelUnavailable, match="moderation train"):
        load_classifier(tmp_path)
    assert current_version(tmp_path) is None


def test_current_points_to_missing_directory(instance_copy):
    write_current(instance_copy, "classifier-20000101000000")
    with pytest.raises(ModelUnavailable, match="missing"):
        load_classifier(instance_copy)


def test_current_with_garbage(instance_copy):
    (models_dir(instance_copy) / "CURRENT").write_text("../../etc/passwd\n")
    with pytest.raises(ModelUnavailable, match="does not name a classifier version"):
        load_classifier(instance_copy)


def test_corrupt_manifest(instance_copy):
    (version_dir(instance_copy) / "manifest.json").write_text("{not json")
    with pytest.raises(ModelUnavailable, match="corrupt"):
        load_classifier(instance_copy)


def test_manifest_missing_keys(instance_copy):
    path = version_dir(instance_copy) / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["thresholds"]
    path.write_text(json.dumps(manifest))
    with pytest.raises(ModelUnavailable, match="thresholds"):
        load_classifier(instance_copy)


def test_tampered_heads(instance_copy):
    path = version_dir(instance_copy) / "heads.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelUnavailable, match="heads.npz is corrupt"):
        load_classifier(instance_copy)


def test_heads_with_wrong_shape(instance_copy):
    vdir = version_dir(instance_copy)
    manifest = json.loads((vdir / "manifest.json").read_text())
    with np.load(vdir / "heads.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["misinformation.coef"] = arrays["misinformation.coef"][:10]
    np.savez(vdir / "heads.npz", **arrays)
    manifest["heads"]["sha256"] = None       # pretend the hash matched, the shape check must still catch it
    (vdir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelUnavailable, match="wrong shape"):
        load_classifier(instance_copy)


def test_missing_heads_file(instance_copy):
    (version_dir(instance_copy) / "heads.npz").unlink()
    with pytest.raises(ModelUnavailable, match="missing"):
        check_artifact(instance_copy)


def test_truncated_encoder(instance_copy):
    path = version_dir(instance_copy) / "encoder.onnx"
    if not path.exists():
        pytest.skip("model trained with the torch backend (onnxruntime not installed)")
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ModelUnavailable, match="encoder.onnx is corrupt"):
        load_classifier(instance_copy)


def test_pickled_heads_are_refused(instance_copy):
    vdir = version_dir(instance_copy)
    manifest = json.loads((vdir / "manifest.json").read_text())
    with zipfile.ZipFile(vdir / "heads.npz", "w") as z:   # an .npz whose member needs pickle
        import io
        buf = io.BytesIO()
        np.save(buf, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
        z.writestr("clinic_promotion.coef.npy", buf.getvalue())
    manifest["heads"]["sha256"] = None
    (vdir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelUnavailable):
        load_classifier(instance_copy)


def test_check_artifact_accepts_a_good_model(trained_instance):
    assert check_artifact(trained_instance)["version"] == current_version(trained_instance)


def test_heads_without_their_ngram_vocabulary(instance_copy):
    vdir = version_dir(instance_copy)
    manifest = json.loads((vdir / "manifest.json").read_text())
    with np.load(vdir / "heads.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files if k != "lexical.idf"}
    np.savez(vdir / "heads.npz", **arrays)
    manifest["heads"]["sha256"] = None
    (vdir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelUnavailable, match="n-gram vocabulary"):
        load_classifier(instance_copy)
