"""Fine-tuning path, on a tiny encoder so it runs in seconds: training, saving, ONNX export, the artifact."""
from __future__ import annotations

import numpy as np
import pytest

from moderation.classifier.rules import FEATURE_NAMES

torch = pytest.importorskip("torch")

PROMOTION = ["Our clinic in Cancun offers stem cell packages for MS, WhatsApp our coordinator today.",
             "Book your free phone consultation: our institute treats MS with regenerative cells.",
             "Message me for my coordinator's number, she got me a discount at the clinic in Tijuana.",
             "Eligibility: relapsing and progressive MS accepted, stop your DMT four weeks before arrival."]
MISINFO = ["Stem cells cured my MS, stop your medication now.", "The JC virus test is a scam invented by pharma.",
           "Mercury fillings cause MS, get them out and you will be cured.", "Relapses are detox, never take steroids."]
NEGATIVE = ["Should I be tested for JC virus on Tecfidera?", "There is no cure, but Ocrevus slowed things for me.",
            "The regulator shut down a stem cell clinic that charged patients thousands.",
            "Is this clinic in Mexico legit? They quoted me $28,000 and keep messaging on WhatsApp."]


def examples() -> list[dict]:
    rows = []
    for n, (texts, promo, mis) in enumerate(((PROMOTION, 1, 0), (MISINFO, 0, 1), (NEGATIVE, 0, 0))):
        for k, text in enumerate(texts * 3):
            rows.append({"id": f"e{n}-{k}", "text": f"{text} ({k})", "clinic_promotion": promo, "misinformation": mis,
                         "kind": "hard_negative_x" if not promo + mis else "promotion",
                         "group": f"g{n}-{k % 6}", "genre": f"genre{n}"})
    return rows


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    """A 2-layer BERT with the packaged tokenizer's vocabulary and the real hidden size, randomly initialised."""
    from transformers import BertConfig, BertModel
    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=256, max_position_embeddings=512)
    path = tmp_path_factory.mktemp("tiny-encoder")
    BertModel(config).save_pretrained(str(path))
    return path


def test_finetuning_lowers_the_loss_and_saves_a_loadable_encoder(tiny_base, tmp_path):
    from transformers import AutoModel

    from moderation.classifier.finetune import finetune
    rows = examples()
    labels = np.array([[r["clinic_promotion"], r["misinformation"]] for r in rows])
    extra = np.zeros((len(rows), len(FEATURE_NAMES)))
    tuned = finetune([r["text"] for r in rows], labels, extra, tmp_path / "out", base_dir=tiny_base, epochs=4,
                     batch=8, train_layers=2, threads=1)
    assert tuned.coef.shape == (2, 384 + len(FEATURE_NAMES)) and tuned.intercept.shape == (2,)
    assert tuned.losses[-1] < tuned.losses[0] < 0.70
    reloaded = AutoModel.from_pretrained(str(tuned.model_dir), local_files_only=True)
    base = AutoModel.from_pretrained(str(tiny_base), local_files_only=True)
    top_tuned = reloaded.encoder.layer[-1].output.dense.weight
    assert not torch.allclose(top_tuned, base.encoder.layer[-1].output.dense.weight)


def test_frozen_layers_stay_as_they_were(tiny_base, tmp_path):
    from transformers import AutoModel

    from moderation.classifier.finetune import finetune
    rows = examples()[:8]
    finetune([r["text"] for r in rows], np.ones((8, 2)), np.zeros((8, len(FEATURE_NAMES))), tmp_path / "out",
             base_dir=tiny_base, epochs=1, batch=4, train_layers=1, threads=1)
    tuned = AutoModel.from_pretrained(str(tmp_path / "out"), local_files_only=True)
    base = AutoModel.from_pretrained(str(tiny_base), local_files_only=True)
    assert torch.equal(tuned.encoder.layer[0].attention.self.query.weight, base.encoder.layer[0].attention.self.query.weight)
    assert torch.equal(tuned.embeddings.word_embeddings.weight, base.embeddings.word_embeddings.weight)


def _pooled(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    mean = (states * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    return mean / np.linalg.norm(mean, axis=1, keepdims=True)


@pytest.mark.parametrize("quantize,tolerance", [(False, 1e-4), (True, 0.05)])
def test_onnx_export_matches_torch(tiny_base, tmp_path, quantize, tolerance):
    import onnxruntime as ort
    from transformers import AutoModel

    from moderation.classifier.encoder import export_onnx, load_tokenizer
    path = export_onnx(tmp_path / "enc.onnx", quantize=quantize, source=tiny_base)
    batch = load_tokenizer()(PROMOTION + NEGATIVE, padding=True, return_tensors="np")
    ids, mask = batch["input_ids"].astype(np.int64), batch["attention_mask"].astype(np.int64)
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        None, {"input_ids": ids, "attention_mask": mask})[0]
    model = AutoModel.from_pretrained(str(tiny_base), local_files_only=True, attn_implementation="eager").eval()
    with torch.inference_mode():
        want = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask),
                     token_type_ids=torch.zeros_like(torch.from_numpy(ids))).last_hidden_state.numpy()
    cosine = (_pooled(got, mask) * _pooled(want, mask)).sum(1)
    assert cosine.min() >= 1 - tolerance
    if not quantize:
        assert np.abs(got - want)[mask.astype(bool)].max() < 1e-3


def test_a_tuned_artifact_loads_scores_and_explains(tiny_base, tmp_path):
    from moderation.classifier import load_classifier
    from moderation.classifier.train_tuned import train_tuned_model
    rows = examples()
    path = train_tuned_model(tmp_path, rows, sources=["memory"], n_extra=0, heldout_path=None, progress=False,
                             epochs=1, base_dir=tiny_base)
    clf = load_classifier(tmp_path)
    assert clf.version == path.name and clf.manifest["encoder"]["fine_tuned"]["epochs"] == 1
    assert all(0.0 <= t <= 1.0 for t in clf.thresholds.values())
    scores = clf.score([PROMOTION[0], "", NEGATIVE[0]])
    assert len(scores) == 3 and scores[1].scores == {"clinic_promotion": 0.0, "misinformation": 0.0}
    for s in scores:
        for sentence in s.sentences:
            assert sentence["text"] and set(sentence["labels"]) <= {"clinic_promotion", "misinformation"}


def test_moderator_decisions_weigh_more_than_corpus_examples():
    from moderation.classifier.train_tuned import DECISION_WEIGHT, weighted
    rows = [{"group": "corpus-a", "text": "a"}, {"group": "extra:decision-7", "text": "b"}]
    out = weighted(rows)
    assert sum(r["text"] == "b" for r in out) == DECISION_WEIGHT > 1
    assert sum(r["text"] == "a" for r in out) == 1
