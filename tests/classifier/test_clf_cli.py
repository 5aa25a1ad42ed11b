"""The `flask moderation ...` commands, through a minimal Flask app (no database needed)."""
import json
import sys
import types

from flask import Flask

from moderation.cli import moderation_cli


def make_app(instance, **config):
    app = Flask(__name__, instance_path=str(instance))
    app.config.update(config)
    app.cli.add_command(moderation_cli)
    return app


def run(app, *args):
    """Invoke `flask moderation ...`; result.output holds stdout and stderr (click >= 8.2)."""
    return app.test_cli_runner().invoke(args=["moderation", *args])


def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


POSTS = [
    {"id": "p1", "text": "Our clinic in Cancun offers regenerative cellular therapy. Packages from $16,500. "
                         "WhatsApp +52 998 123 4567, ask for our coordinator Maria."},
    {"id": 2, "text": "Has anyone been to the Cancun clinic? They quoted $18,500. Is it legit?"},
    {"id": "p3", "text": ""},
    {"id": "p4", "text": "😀🙏"},
]


def test_classify_writes_one_line_per_input_in_order(trained_instance, tmp_path):
    src = write_lines(tmp_path / "in.jsonl", [json.dumps(p) for p in POSTS] + [""])
    out = tmp_path / "out.jsonl"
    result = run(make_app(trained_instance), "classify", "--input", str(src), "--output", str(out))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["p1", 2, "p3", "p4"]
    for r in rows:
        assert set(r) == {"id", "scores", "flagged", "reasons"}
        assert set(r["scores"]) == {"clinic_promotion", "misinformation"}
        assert all(0 <= v <= 1 for v in r["scores"].values())
        assert isinstance(r["flagged"], list) and isinstance(r["reasons"], list)
    assert "clinic_promotion" in rows[0]["flagged"]
    assert any(x.startswith("rule: price mentioned ($16,500)") for x in rows[0]["reasons"])
    assert rows[2]["scores"] == {"clinic_promotion": 0.0, "misinformation": 0.0}
    assert not list(tmp_path.glob(".out.jsonl.*")), "temporary file left behind"


def test_classify_names_every_bad_line_and_writes_nothing(trained_instance, tmp_path):
    src = write_lines(tmp_path / "in.jsonl", [
        json.dumps(POSTS[0]),
        "{not json",
        json.dumps({"id": "x"}),
        json.dumps(["a", "list"]),
        json.dumps({"text": "no id"}),
        json.dumps({"id": "y", "text": 42}),
        json.dumps(POSTS[1]),
    ])
    out = tmp_path / "out.jsonl"
    out.write_text("previous results\n")
    result = run(make_app(trained_instance), "classify", "--input", str(src), "--output", str(out))
    assert result.exit_code != 0
    message = result.output
    for n in (2, 3, 4, 5, 6):
        assert f"line {n}:" in message
    assert "line 1:" not in message and "line 7:" not in message
    assert "invalid JSON" in message and "missing 'text'" in message and "missing 'id'" in message
    assert out.read_text() == "previous results\n", "the old output must be left untouched"
    assert sorted(tmp_path.iterdir()) == sorted([src, out])


def test_classify_without_a_model_fails_clearly(tmp_path):
    src = write_lines(tmp_path / "in.jsonl", [json.dumps(POSTS[0])])
    out = tmp_path / "out.jsonl"
    result = run(make_app(tmp_path / "empty-instance"), "classify", "--input", str(src), "--output", str(out))
    assert result.exit_code != 0
    assert "model unavailable" in result.output and "moderation train" in result.output
    assert not out.exists()


def test_classify_with_corrupt_model_fails_clearly(instance_copy, tmp_path):
    current = (instance_copy / "models" / "CURRENT").read_text().strip()
    (instance_copy / "models" / current / "manifest.json").write_text("garbage")
    src = write_lines(tmp_path / "in.jsonl", [json.dumps(POSTS[0])])
    out = tmp_path / "out.jsonl"
    result = run(make_app(instance_copy), "classify", "--input", str(src), "--output", str(out))
    assert result.exit_code != 0 and "corrupt" in result.output
    assert not out.exists()


def test_classify_missing_input_file(trained_instance, tmp_path):
    result = run(make_app(trained_instance), "classify", "--input", str(tmp_path / "nope.jsonl"),
                 "--output", str(tmp_path / "out.jsonl"))
    assert result.exit_code != 0
    assert not (tmp_path / "out.jsonl").exists()


def test_config_instance_dir_and_thresholds_are_used(trained_instance, tmp_path):
    app = make_app(tmp_path / "unused", FORUM_INSTANCE_DIR=str(trained_instance),
                   CLASSIFIER_THRESHOLDS={"misinformation": 0.0})
    src = write_lines(tmp_path / "in.jsonl", [json.dumps({"id": 1, "text": "Lovely walk by the sea today."})])
    out = tmp_path / "out.jsonl"
    result = run(app, "classify", "--input", str(src), "--output", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["flagged"] == ["misinformation"]


def test_bad_configured_thresholds_fail_clearly(trained_instance, tmp_path):
    app = make_app(trained_instance, CLASSIFIER_THRESHOLDS={"spam": 0.5})
    src = write_lines(tmp_path / "in.jsonl", [json.dumps(POSTS[0])])
    result = run(app, "classify", "--input", str(src), "--output", str(tmp_path / "out.jsonl"))
    assert result.exit_code != 0 and "unknown label 'spam'" in result.output


def test_evaluate_prints_model_and_baselines(trained_instance, small_train_file, tmp_path):
    data = tmp_path / "eval.jsonl"
    rows = [json.loads(line) for line in small_train_file.read_text().splitlines()][:60]
    write_lines(data, [json.dumps(r) for r in rows])
    result = run(make_app(trained_instance), "evaluate", "--data", str(data), "--baseline-train",
                 str(small_train_file))
    assert result.exit_code == 0, result.output
    for text in ("keyword rules baseline", "TF-IDF + LR baseline", "macro-F1", "PR-AUC", "HN-FPR",
                 "clinic_promotion", "misinformation"):
        assert text in result.output
    as_json = run(make_app(trained_instance), "evaluate", "--data", str(data), "--no-baselines", "--json")
    assert as_json.exit_code == 0, as_json.output
    parsed = json.loads(as_json.output[as_json.output.index("{"):])
    assert parsed["baselines"] == {} and 0 <= parsed["model"]["macro_f1"] <= 1


def test_evaluate_without_model(tmp_path):
    result = run(make_app(tmp_path), "evaluate", "--no-baselines")
    assert result.exit_code != 0 and "model unavailable" in result.output


def test_train_include_decisions_without_the_module(trained_instance, monkeypatch):
    monkeypatch.setitem(sys.modules, "moderation.decision_labels", None)   # import fails as if the file were absent
    result = run(make_app(trained_instance), "train", "--include-decisions")
    assert result.exit_code != 0
    assert "moderation/decision_labels.py" in result.output and "does not exist yet" in result.output


def test_train_include_decisions_passes_examples(trained_instance, monkeypatch):
    decisions = [{"id": "d1", "text": "DM me for the clinic", "clinic_promotion": 1, "misinformation": 0}]
    fake = types.ModuleType("moderation.decision_labels")
    fake.training_examples = lambda: decisions
    monkeypatch.setitem(sys.modules, "moderation.decision_labels", fake)
    seen = {}
    current = trained_instance / "models" / (trained_instance / "models" / "CURRENT").read_text().strip()

    def fake_train(instance_dir, data_paths=None, extra_examples=None, progress=True, **kw):
        seen.update(instance=instance_dir, extra=extra_examples)
        return current
    import moderation.classifier.train as train_mod
    monkeypatch.setattr(train_mod, "train_model", fake_train)
    result = run(make_app(trained_instance), "train", "--include-decisions")
    assert result.exit_code == 0, result.output
    assert seen["extra"] == decisions and str(seen["instance"]) == str(trained_instance)
    assert "Including 1 examples from moderator decisions" in result.output


def test_ensure_model_installs_the_shipped_classifier_into_an_empty_instance(tmp_path):
    import moderation.worker_cli  # noqa: F401  (adds ensure-model to the group)
    from moderation.classifier import artifact
    from moderation.classifier.shipped import shipped_version_dir
    first = run(make_app(tmp_path, FORUM_INSTANCE_DIR=str(tmp_path)), "ensure-model")
    assert first.exit_code == 0, first.output
    assert f"Classifier {shipped_version_dir().name} installed" in first.output
    assert artifact.read_current(tmp_path) == shipped_version_dir().name
    again = run(make_app(tmp_path, FORUM_INSTANCE_DIR=str(tmp_path)), "ensure-model")
    assert again.exit_code == 0 and "is ready" in again.output


def test_ensure_model_says_what_to_do_when_nothing_is_shipped(tmp_path, monkeypatch):
    import moderation.worker_cli  # noqa: F401
    from moderation.classifier import shipped
    monkeypatch.setattr(shipped, "SHIPPED_DIR", tmp_path / "nothing-here")
    result = run(make_app(tmp_path / "instance", FORUM_INSTANCE_DIR=str(tmp_path / "instance")), "ensure-model")
    assert result.exit_code != 0 and "moderation train" in result.output
