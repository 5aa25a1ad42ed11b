"""A stand-in for the sentence encoder in tests: no model, same contract (L2-normalised rows)."""
from __future__ import annotations

import re
import zlib

import numpy as np

STOP = frozenset("a an the is are be of to and or your you my it that this for with in on at i".split())
DIM = 2048


def bow_embed(texts: list[str]) -> np.ndarray:
    """Bag of words (stop words out, plural s off), hashed into DIM buckets, rows L2-normalised."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            if word in STOP or word in {"not", "no", "don", "t", "doesn", "isn"}:
                continue
            out[row, zlib.crc32(word.rstrip("s").encode()) % DIM] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-12)
