"""Fine-tune the sentence encoder end to end for the two labels (torch, at training time only).

Frozen sentence embeddings with linear heads know a post's topic but hardly its stance: "stem cells cured
my MS, stop your meds" and "no, stem cells did not cure anyone, don't stop your meds" embed close together.
Here the encoder's top layers are trained together with the heads, so the pooled embedding itself learns to
separate asserting a claim from asking about or refuting it, and selling a clinic from warning about one.

The model trained is exactly what the worker computes: [CLS] tokens [SEP] -> MiniLM -> mean over tokens ->
L2 normalisation -> [embedding | rule features] -> one logistic output per label. So after export to ONNX
int8 the heads keep their meaning, the post logit still splits into per-sentence contributions (reasons),
and the worker needs neither torch nor the fp32 weights.

Training uses the first FT_MAX_TOKENS tokens of each post (most posts are shorter); the bottom layers stay
frozen (on 2 CPU cores this halves the time of a pass, and keeps what the pretrained model knows about
English). Everything is seeded.
"""
from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FT_MAX_TOKENS = 128
FT_EPOCHS = 3
FT_BATCH = 16
FT_LR = 5e-5              # encoder layers being trained
FT_HEAD_LR = 3e-3         # the linear heads (they start from zero)
FT_TRAIN_LAYERS = 3       # top transformer layers updated; the embeddings and lower layers stay frozen
FT_WARMUP = 0.1           # share of the steps with a linearly rising learning rate


@dataclass
class FineTuned:
    """The result: a transformers model folder with the tuned encoder, and the heads' weights."""
    model_dir: Path
    coef: np.ndarray          # (labels, embedding_dim + rule features)
    intercept: np.ndarray     # (labels,)
    losses: list[float]       # mean training loss per epoch


def _tokenize(texts: list[str], max_tokens: int) -> list[list[int]]:
    from .encoder import FastTokenizer
    tok = FastTokenizer()
    ids, _ = tok.encode(texts)
    return [[tok.cls_token_id] + row[: max_tokens - 2] + [tok.sep_token_id] for row in ids]


def _batches(lengths: list[int], batch: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of posts of similar length (little padding), in a shuffled order."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = batch * 32
    out = []
    for s in range(0, len(order), pool):
        chunk = sorted(order[s:s + pool], key=lambda i: lengths[i])
        out.extend(chunk[b:b + batch] for b in range(0, len(chunk), batch))
    rng.shuffle(out)
    return out


def _padded(torch, rows: list[list[int]]):
    width = max(len(r) for r in rows)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
    return ids, mask


def _build(torch, base: Path, n_extra: int, n_labels: int, train_layers: int):
    from transformers import AutoModel
    bert = AutoModel.from_pretrained(str(base), local_files_only=True, attn_implementation="eager")
    layers = bert.encoder.layer
    frozen = list(bert.embeddings.parameters())
    for layer in layers[: max(0, len(layers) - train_layers)]:
        frozen.extend(layer.parameters())
    for p in frozen:
        p.requires_grad_(False)
    head = torch.nn.Linear(bert.config.hidden_size + n_extra, n_labels)
    torch.nn.init.zeros_(head.weight)
    torch.nn.init.zeros_(head.bias)
    return bert, head


def pooled(torch, bert, ids, mask):
    """Mean of the last layer's token states over the real tokens, L2-normalised (the worker's embedding)."""
    states = bert(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
    m = mask.unsqueeze(-1).to(states.dtype)
    mean = (states * m).sum(1) / m.sum(1).clamp(min=1.0)
    return torch.nn.functional.normalize(mean, dim=-1)


def finetune(texts: list[str], labels: np.ndarray, extra: np.ndarray, out_dir: str | Path, *,
             base_dir: str | Path | None = None, epochs: int = FT_EPOCHS, batch: int = FT_BATCH,
             max_tokens: int = FT_MAX_TOKENS, train_layers: int = FT_TRAIN_LAYERS, seed: int = 0,
             progress: bool = False, threads: int | None = None) -> FineTuned:
    """Train the encoder's top layers and a linear head on [pooled embedding | extra] for labels (n, k).

    extra: per-post features fed to the head beside the embedding (the rule features). The tuned encoder is
    saved to out_dir as a transformers model folder (the tokenizer stays the packaged one).
    """
    import torch

    from .encoder import _offline_env, default_threads, model_dir
    _offline_env()
    torch.manual_seed(seed)
    torch.set_num_threads(threads or default_threads())
    rng = random.Random(seed)
    labels = np.asarray(labels, dtype=np.float32).reshape(len(texts), -1)
    extra = np.asarray(extra, dtype=np.float32).reshape(len(texts), -1)
    rows = _tokenize(texts, max_tokens)
    bert, head = _build(torch, Path(base_dir or model_dir()), extra.shape[1], labels.shape[1], train_layers)
    params = [{"params": [p for p in bert.parameters() if p.requires_grad], "lr": FT_LR},
              {"params": list(head.parameters()), "lr": FT_HEAD_LR}]
    optimizer = torch.optim.AdamW(params, weight_decay=0.01)
    plan = [_batches([len(r) for r in rows], batch, rng) for _ in range(epochs)]
    total = sum(len(p) for p in plan)
    warmup = max(1, int(total * FT_WARMUP))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    losses = []
    bert.train()
    with _progress(progress, total, "Fine-tuning the encoder") as bar:
        for epoch_plan in plan:
            epoch_loss = []
            for idx in epoch_plan:
                ids, mask = _padded(torch, [rows[i] for i in idx])
                features = torch.cat([pooled(torch, bert, ids, mask), torch.from_numpy(extra[idx])], dim=-1)
                loss = loss_fn(head(features), torch.from_numpy(labels[idx]))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
                epoch_loss.append(float(loss.detach()))
                bar.update(1)
            losses.append(float(np.mean(epoch_loss)))
    out_dir = Path(out_dir)
    bert.eval().save_pretrained(str(out_dir))
    return FineTuned(out_dir, head.weight.detach().numpy().astype(np.float64),
                     head.bias.detach().numpy().astype(np.float64), losses)


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def _progress(show: bool, length: int, label: str):
    if not show:
        return _NoBar()
    import click
    return click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True, show_eta=True)
