"""From token states to post, window and sentence embeddings (mean pooling), batch by batch.

Each encoded window is reduced as soon as its forward pass ends, on the thread that ran it: the token
states are summed per window and per sentence, and only those sums are kept (a few KB per window instead
of the whole (tokens, 384) state matrix). PendingEncoding.result() adds the sums up per post.
"""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

EMBED_DIM = 384


@dataclass
class PostEncoding:
    """What one forward pass yields for one post."""
    embedding: np.ndarray                      # (384,) L2-normalised mean over all encoded tokens
    windows: np.ndarray                        # (n_windows_encoded, 384) L2-normalised per-window means
    sentences: list[tuple[int, int]]           # char spans of the sentences that were encoded
    sentence_sums: np.ndarray                  # (n_sentences, 384) sum of token states per sentence
    sentence_counts: np.ndarray                # (n_sentences,) tokens per sentence
    total_tokens: int                          # tokens pooled into embedding (incl. [CLS]/[SEP] per window)
    post_norm: float                           # norm of the unnormalised mean (to decompose the logit)
    n_windows: int = 1                         # windows in the whole post
    truncated_chars: bool = False              # text past MAX_CHARS was not encoded
    empty: bool = False                        # nothing to encode
    window_spans: list[tuple[int, int]] = field(default_factory=list)  # char span of each encoded window


@dataclass
class PostPlan:
    """How one post is cut: its sentences (char spans), its windows and which of them are encoded."""
    sentences: list[tuple[int, int]]
    window_spans: list[tuple[int, int]]        # char span of each selected window
    n_windows: int
    truncated_chars: bool


@dataclass
class WindowJob:
    post: int                                  # index of the post in the submitted list
    slot: int                                  # position of the window among the post's selected windows
    tokens: list[int]                          # [CLS] window [SEP]
    sentence_of_token: np.ndarray              # sentence index of each inner token (len(tokens) - 2)


@dataclass
class WindowSums:
    """One window's token states, summed: all tokens, and each run of tokens of one sentence."""
    total: np.ndarray
    n_tokens: int
    sentence_ids: np.ndarray
    sentence_sums: np.ndarray
    sentence_counts: np.ndarray


def reduce_window(states: np.ndarray, sentence_of_token: np.ndarray) -> WindowSums:
    """states: (tokens, 384) for [CLS] inner tokens [SEP]. A window's inner tokens run through its
    sentences in order, so each sentence is one contiguous run, summed at once."""
    states = states.astype(np.float64)
    inner, labels = states[1:-1], sentence_of_token
    if len(labels):
        starts = np.concatenate(([0], np.flatnonzero(np.diff(labels)) + 1))
        sums = np.add.reduceat(inner, starts, axis=0)
        counts = np.diff(np.append(starts, len(labels)))
        ids = labels[starts]
    else:
        sums, counts, ids = np.zeros((0, states.shape[1])), np.zeros(0, np.int64), np.zeros(0, np.int64)
    return WindowSums(states.sum(0), len(states), ids, sums, counts)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def _empty_encoding(truncated: bool) -> PostEncoding:
    d = EMBED_DIM
    return PostEncoding(np.zeros(d, np.float32), np.zeros((0, d), np.float32), [], np.zeros((0, d), np.float32),
                        np.zeros(0, np.int64), 0, 0.0, 0, truncated, True)


class PendingEncoding:
    """Posts whose windows are queued on (or running in) the encoder's threads. result() blocks."""

    def __init__(self, plans: list[PostPlan | None], batches: list[list[WindowJob]],
                 sums: list[Future] | None, run: Callable[[list[WindowJob]], list[WindowSums]],
                 truncated: list[bool]):
        self._plans, self._batches, self._sums, self._run, self._truncated = plans, batches, sums, run, truncated
        self._result: list[PostEncoding] | None = None

    def result(self) -> list[PostEncoding]:
        if self._result is None:
            done = [f.result() for f in self._sums] if self._sums is not None else map(self._run, self._batches)
            self._result = self._assemble(done)
        return self._result

    def _assemble(self, done) -> list[PostEncoding]:
        n, d = len(self._plans), EMBED_DIM
        post_sum = np.zeros((n, d))
        post_cnt = np.zeros(n, dtype=np.int64)
        windows: list[dict[int, np.ndarray]] = [{} for _ in range(n)]
        sent_sum = [np.zeros((len(p.sentences), d)) if p else None for p in self._plans]
        sent_cnt = [np.zeros(len(p.sentences), np.int64) if p else None for p in self._plans]
        for batch, reduced in zip(self._batches, done):
            for job, ws in zip(batch, reduced):
                i = job.post
                post_sum[i] += ws.total
                post_cnt[i] += ws.n_tokens
                windows[i][job.slot] = _unit(ws.total / ws.n_tokens)
                sent_sum[i][ws.sentence_ids] += ws.sentence_sums
                sent_cnt[i][ws.sentence_ids] += ws.sentence_counts
        out = []
        for i, plan in enumerate(self._plans):
            if plan is None or post_cnt[i] == 0:
                out.append(_empty_encoding(self._truncated[i]))
                continue
            mean = post_sum[i] / post_cnt[i]
            norm = float(np.linalg.norm(mean))
            keep = np.nonzero(sent_cnt[i])[0]
            out.append(PostEncoding(
                embedding=(mean / max(norm, 1e-12)).astype(np.float32),
                windows=np.stack([windows[i][k] for k in sorted(windows[i])]).astype(np.float32),
                sentences=[plan.sentences[k] for k in keep],
                sentence_sums=sent_sum[i][keep].astype(np.float32),
                sentence_counts=sent_cnt[i][keep],
                total_tokens=int(post_cnt[i]),
                post_norm=norm,
                n_windows=plan.n_windows,
                truncated_chars=plan.truncated_chars,
                window_spans=plan.window_spans,
            ))
        return out
