"""`flask --app wsgi moderation ...`: train, evaluate and run the moderation classifier from the shell.

(The worker-side commands, `worker`, `backfill` and `ensure-model`, live in moderation/worker_cli.py and are
added to the same group.)

    flask --app wsgi moderation train [--include-decisions] [--data FILE.jsonl ...]
    flask --app wsgi moderation evaluate [--data FILE.jsonl] [--no-baselines] [--baseline-train FILE] [--json]
    flask --app wsgi moderation classify --input IN.jsonl --output OUT.jsonl

Models live in <instance>/models/ (the instance folder is app.config["FORUM_INSTANCE_DIR"] when set,
else app.instance_path). This module imports neither torch nor transformers; the commands load them
when they run.
"""
from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

moderation_cli = AppGroup("moderation", help="Moderation classifier commands (train, evaluate, classify).")

CLASSIFY_BATCH = 64


def _instance_dir() -> Path:
    return Path(current_app.config.get("FORUM_INSTANCE_DIR") or current_app.instance_path)


def _config_thresholds() -> tuple[dict | None, float | None]:
    return current_app.config.get("CLASSIFIER_THRESHOLDS"), current_app.config.get("CLASSIFIER_HOLD_THRESHOLD")


def _config_holds() -> dict | None:
    return current_app.config.get("CLASSIFIER_HOLD_THRESHOLDS")


def _load_classifier():
    from moderation.classifier import ModelUnavailable, load_classifier
    thresholds, hold = _config_thresholds()
    try:
        return load_classifier(_instance_dir(), thresholds=thresholds, hold_threshold=hold,
                               hold_thresholds=_config_holds())
    except ModelUnavailable as exc:
        raise click.ClickException(f"model unavailable: {exc}") from exc
    except ValueError as exc:  # bad CLASSIFIER_THRESHOLDS / CLASSIFIER_HOLD_THRESHOLD
        raise click.ClickException(str(exc)) from exc


def _metrics_table(metrics: dict, title: str) -> str:
    from moderation.classifier.common import LABELS
    lines = [title, f"{'label':<17} {'thr':>5} {'prec':>6} {'recall':>6} {'F1':>6} {'PR-AUC':>7} {'HN-FPR':>7}"]
    for label in LABELS:
        r = metrics["labels"][label]
        lines.append(f"{label:<17} {r['threshold']:>5.2f} {r['precision']:>6.3f} {r['recall']:>6.3f} {r['f1']:>6.3f} "
                     f"{r['pr_auc']:>7.3f} {r['hard_negative_fpr']:>7.3f}")
    lines.append(f"{'macro-F1':<17} {'':>5} {'':>6} {'':>6} {metrics['macro_f1']:>6.3f} {'':>7} "
                 f"{metrics['hard_negative_fpr']:>7.3f}")
    return "\n".join(lines)


def _decision_examples() -> list[dict]:
    try:
        module = importlib.import_module("moderation.decision_labels")
    except ModuleNotFoundError as exc:
        if exc.name != "moderation.decision_labels":
            raise
        raise click.ClickException(
            "--include-decisions needs moderation/decision_labels.py (a training_examples() function that turns "
            "moderator decisions into training lines), and that module does not exist yet. "
            "Train without --include-decisions for now.") from None
    if not hasattr(module, "training_examples"):
        raise click.ClickException("moderation.decision_labels has no training_examples() function")
    examples = list(module.training_examples())
    click.echo(f"Including {len(examples)} examples from moderator decisions")
    return examples


@moderation_cli.command("train")
@click.option("--include-decisions", is_flag=True,
              help="Also train on moderator decisions (moderation.decision_labels.training_examples()).")
@click.option("--data", "data_paths", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Training JSONL (repeatable). Default: moderation/data/train.jsonl.")
@click.option("--method", type=click.Choice(["finetune", "frozen"]), default="finetune", show_default=True,
              help="finetune: train the encoder with the heads (minutes); frozen: heads on the packaged encoder.")
@click.option("--epochs", type=click.IntRange(1, 20), default=None, help="Fine-tuning epochs (default 3).")
def train_command(include_decisions: bool, data_paths: tuple[str, ...], method: str, epochs: int | None) -> None:
    """Train the classifier and write a new versioned model to <instance>/models/."""
    from moderation.classifier.train import DataError, train_model
    extra = _decision_examples() if include_decisions else None
    try:
        path = train_model(_instance_dir(), data_paths=list(data_paths) or None, extra_examples=extra,
                           progress=True, log=click.echo, method=method, epochs=epochs)
    except DataError as exc:
        raise click.ClickException(f"bad training data: {exc}") from exc
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    held = manifest.get("metrics", {}).get("heldout")
    click.echo("")
    if held:
        click.echo(_metrics_table(held, f"Held-out metrics ({held['n']} posts, {held['hard_negatives']} hard negatives):"))
    else:
        validation = manifest["metrics"].get("out_of_fold") or manifest["metrics"]["calibration"]
        click.echo("No held-out file found; metrics on the training data's validation part:")
        click.echo(_metrics_table(validation, ""))
    click.echo(f"\nModel {manifest['version']} is now current (hold threshold {manifest['hold_threshold']:.2f}).")


@moderation_cli.command("evaluate")
@click.option("--data", "data_path", type=click.Path(exists=True, dir_okay=False),
              help="Labelled JSONL to evaluate on. Default: moderation/data/heldout.jsonl.")
@click.option("--no-baselines", is_flag=True, help="Only the model, not the keyword and TF-IDF baselines.")
@click.option("--baseline-train", "baseline_train", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="What the baselines train on (repeatable). Default: moderation/data/train.jsonl.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON instead of a table.")
@click.option("--leave-one-genre-out", "logo", is_flag=True,
              help="Train each system without one genre and test on it, for every genre (long: one fine-tuning "
                   "per genre). Uses the whole corpus (moderation/data/corpus), not the current model.")
@click.option("--genre", "genres", multiple=True, help="With --leave-one-genre-out: only these genres.")
@click.option("--system", "systems", multiple=True, type=click.Choice(["finetune", "frozen", "tfidf_lr"]),
              help="With --leave-one-genre-out: only these systems (default all three).")
@click.option("--epochs", type=click.IntRange(1, 20), default=None, help="Fine-tuning epochs per fold (default 3).")
@click.option("--output", "output_path", type=click.Path(dir_okay=False), help="Also write the metrics as JSON here.")
def evaluate_command(data_path: str | None, no_baselines: bool, baseline_train: tuple[str, ...], as_json: bool,
                     logo: bool, genres: tuple[str, ...], systems: tuple[str, ...], epochs: int | None,
                     output_path: str | None) -> None:
    """Precision, recall, F1, PR-AUC per label, macro-F1, false positives, per genre: model vs baselines."""
    if logo:
        _evaluate_logo(list(genres), tuple(systems), epochs, as_json, output_path)
        return
    from moderation.classifier.evaluate import evaluate, format_report
    from moderation.classifier.train import DataError
    clf = _load_classifier()
    try:
        result = evaluate(data_path=data_path, train_paths=list(baseline_train) or None, baselines=not no_baselines,
                          progress=not as_json, classifier=clf)
    except DataError as exc:
        raise click.ClickException(f"bad evaluation data: {exc}") from exc
    click.echo(json.dumps(result, indent=2) if as_json else format_report(result))
    if output_path:
        Path(output_path).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def _evaluate_logo(genres: list[str], systems: tuple[str, ...], epochs: int | None, as_json: bool,
                   output_path: str | None) -> None:
    from moderation.classifier.generalization import SYSTEMS, format_logo, leave_one_genre_out, write_json
    from moderation.classifier.splits import CorpusError, read_corpus
    try:
        rows = read_corpus()
    except CorpusError as exc:
        raise click.ClickException(f"bad corpus: {exc}") from exc
    unknown = sorted(set(genres) - {r["genre"] for r in rows})
    if unknown:
        raise click.ClickException(f"no such genre: {', '.join(unknown)}")
    result = leave_one_genre_out(rows, systems or SYSTEMS, epochs=epochs, genres=genres or None,
                                 log=(lambda msg: click.echo(msg, err=True)))
    click.echo(json.dumps(result, indent=2) if as_json else format_logo(result))
    if output_path:
        write_json(result, output_path)


def _read_classify_input(path: Path) -> list[tuple[object, str]]:
    """Parse and validate every line first; raise one error naming every bad line."""
    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{path}: not UTF-8 text ({exc})") from exc
    records, errors = [], []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {n}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict):
            errors.append(f"line {n}: expected a JSON object with \"id\" and \"text\"")
            continue
        missing = [k for k in ("id", "text") if k not in obj]
        if missing:
            errors.append(f"line {n}: missing {', '.join(repr(k) for k in missing)}")
            continue
        if not isinstance(obj["text"], str):
            errors.append(f"line {n}: \"text\" must be a string")
            continue
        if not isinstance(obj["id"], (str, int)) or isinstance(obj["id"], bool):
            errors.append(f"line {n}: \"id\" must be a string or an integer")
            continue
        records.append((obj["id"], obj["text"]))
    if errors:
        shown = errors[:50]
        more = f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else ""
        raise click.ClickException(f"{path}: {len(errors)} bad line(s), nothing written:\n  "
                                   + "\n  ".join(shown) + more)
    return records


@moderation_cli.command("classify")
@click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL, one {\"id\", \"text\"} per line.")
@click.option("--output", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="JSONL to write: {\"id\", \"scores\", \"flagged\", \"reasons\"} per line, in input order.")
def classify_command(input_path: Path, output_path: Path) -> None:
    """Score every post in a JSONL file (no database needed)."""
    records = _read_classify_input(input_path)
    out_dir = output_path.resolve().parent
    if not out_dir.is_dir():
        raise click.ClickException(f"output folder {out_dir} does not exist")
    clf = _load_classifier()
    fd, tmp = tempfile.mkstemp(prefix=f".{output_path.name}.", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out, \
                click.progressbar(length=len(records), label="Classifying", file=sys.stderr) as bar:
            for s in range(0, len(records), CLASSIFY_BATCH):
                batch = records[s:s + CLASSIFY_BATCH]
                for (rid, _), score in zip(batch, clf.score([t for _, t in batch])):
                    out.write(json.dumps({"id": rid, "scores": score.scores, "flagged": score.flagged,
                                          "reasons": score.reasons}, ensure_ascii=False) + "\n")
                bar.update(len(batch))
        os.replace(tmp, output_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    click.echo(f"Wrote {len(records)} scores to {output_path} (model {clf.version})", err=True)
