"""The web process imports moderation modules and must never load torch, transformers or onnxruntime."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_light_modules_do_not_import_torch_or_transformers():
    code = (
        "import sys\n"
        "import moderation.cli, moderation.classifier, moderation.classifier.rules\n"
        "import moderation.classifier.text, moderation.classifier.common, moderation.classifier.artifact\n"
        "from moderation.classifier import load_classifier, Score, ModelUnavailable, LABELS\n"
        "from moderation.cli import moderation_cli\n"
        "heavy = [m for m in ('torch', 'transformers', 'onnxruntime', 'sklearn') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_rules_work_without_numpy_or_torch():
    code = (
        "import sys\n"
        "sys.modules['numpy'] = None\n"   # any numpy import would now fail
        "from moderation.classifier.rules import apply_rules, rule_features\n"
        "hits = apply_rules('Packages from $18,500, WhatsApp +52 998 123 4567, DM me')\n"
        "assert any(h.reason == 'rule: price mentioned ($18,500)' for h in hits), [h.reason for h in hits]\n"
        "assert 'torch' not in sys.modules\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
