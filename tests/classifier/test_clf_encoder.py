"""Encoder details: tokenizer parity with transformers, windows for long posts, sentence pooling."""
import json
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[2] / "moderation" / "data"


@pytest.fixture(scope="module")
def encoder(trained_instance):
    """The packaged encoder, exported to int8 (the frozen-method model's): it is compared with fp32 torch."""
    from moderation.classifier import load_classifier
    return load_classifier(trained_instance).encoder


def test_runtime_tokenizer_matches_transformers_autotokenizer():
    from moderation.classifier.encoder import FastTokenizer, load_tokenizer
    texts = [json.loads(line)["text"] for line in (DATA / "heldout.jsonl").read_text().splitlines()[:150]]
    texts += ["", "😀🙏", "Ünïcödé façade — naïve café", "WhatsApp +52 998 123 4567 $18,500!!!", "x" * 3000]
    fast, auto = FastTokenizer(), load_tokenizer()
    ids, offsets = fast.encode(texts)
    for text, i, o in zip(texts, ids, offsets):
        ref = auto(text, add_special_tokens=False, return_offsets_mapping=True)
        assert ref["input_ids"] == i
        assert [tuple(x) for x in ref["offset_mapping"]] == [tuple(x) for x in o]


def test_short_post_embedding_is_the_usual_sentence_embedding(encoder):
    """For a post that fits one window, the embedding is mean pooling + L2 norm of [CLS] post [SEP]."""
    text = "My neurologist suggested switching to Ocrevus after two relapses this year."
    (enc,) = encoder.encode_posts([text])
    tok = encoder.tokenizer
    ids, _ = tok.encode([text])
    seq = np.array([[tok.cls_token_id] + ids[0] + [tok.sep_token_id]], dtype=np.int64)
    h = encoder.hidden_states(seq, np.ones_like(seq))[0]
    ref = h.mean(0) / np.linalg.norm(h.mean(0))
    assert np.allclose(enc.embedding, ref, atol=1e-5)
    assert abs(np.linalg.norm(enc.embedding) - 1) < 1e-5
    assert enc.n_windows == 1 and len(enc.windows) == 1
    # the sentence sums add up to the post's token sum (minus [CLS]/[SEP])
    assert np.allclose(enc.sentence_sums.sum(0) + h[0] + h[-1], h.sum(0), atol=1e-3)


def test_long_posts_are_cut_into_capped_windows(encoder):
    sentence = "Fatigue has been bad this week but the physio exercises help a little. "
    (enc,) = encoder.encode_posts([sentence * 2000])
    assert enc.n_windows > encoder.max_windows
    assert len(enc.windows) == encoder.max_windows
    spans = enc.window_spans
    assert spans[0][0] == 0 and spans == sorted(spans)
    assert all(b > a for a, b in spans)


def test_rule_hit_windows_are_kept(encoder):
    filler = "I walked to the shop and back and then had a rest on the sofa with the cat. " * 3000
    pos = len(filler) // 2
    text = filler[:pos] + " WhatsApp +52 998 123 4567 for the price list. " + filler[pos:]
    (enc,) = encoder.encode_posts([text], priority_chars=[[pos + 1]])
    assert any(a <= pos + 1 < b for a, b in enc.window_spans)


def test_int8_embeddings_stay_close_to_fp32(encoder):
    """The shipped int8 ONNX encoder vs the fp32 PyTorch model on the same posts."""
    from moderation.classifier.encoder import Encoder
    texts = [json.loads(line)["text"] for line in (DATA / "heldout.jsonl").read_text().splitlines()[:40]]
    fp32 = Encoder("torch-fp32", threads=2)
    a = np.stack([e.embedding for e in fp32.encode_posts(texts)])
    b = np.stack([e.embedding for e in encoder.encode_posts(texts)])
    cos = (a * b).sum(1)
    assert cos.mean() > 0.97 and cos.min() > 0.93


def test_parallel_sessions_give_the_same_embeddings_as_one(encoder):
    """Batches run on a pool of single-threaded sessions; results must come back to the right posts."""
    from moderation.classifier.encoder import Encoder
    onnx_path = encoder.onnx_path
    texts = [json.loads(line)["text"] for line in (DATA / "heldout.jsonl").read_text().splitlines()[:60]]
    texts.append("Long post. " * 400)
    one = Encoder(encoder.backend, onnx_path=onnx_path, threads=1).encode_posts(texts)
    two = Encoder(encoder.backend, onnx_path=onnx_path, threads=2).encode_posts(texts)
    assert len(encoder._sessions) == encoder.threads
    for a, b in zip(one, two):
        assert np.array_equal(a.embedding, b.embedding)
        assert np.array_equal(a.sentence_sums, b.sentence_sums)
        assert np.array_equal(a.sentence_counts, b.sentence_counts)
