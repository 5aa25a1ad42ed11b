"""Character n-gram TF-IDF features, concatenated to the sentence embedding in the heads' input.

Why: a mean-pooled sentence embedding blurs the surface cues that separate a claim stated as fact from the
same claim quoted or asked about ("is it true that...", "myth:", "do your own research"), and it is thrown by
misspellings. Character n-grams inside word boundaries (scikit-learn's "char_wb") keep those cues and are
robust to "tecfedera"-style typos. On grouped cross-validation of the training data they raised
out-of-fold PR-AUC for both labels; bench/README-classifier.md has the comparison.

Stored in heads.npz as plain arrays (the vocabulary as a unicode array, idf as floats), so loading needs no
pickle. The transform is written out (counts -> 1 + log tf -> x idf -> L2) instead of restoring a fitted
TfidfVectorizer, which keeps artifacts readable across scikit-learn versions.
"""
from __future__ import annotations

import numpy as np

ANALYZER = "char_wb"
NGRAM_RANGE = (2, 5)
MIN_DF = 2
VOCAB_KEY = "lexical.vocab"
IDF_KEY = "lexical.idf"


class Lexical:
    """A fitted character n-gram TF-IDF transform (sublinear tf, smooth idf, L2-normalised rows)."""

    def __init__(self, vocab: np.ndarray, idf: np.ndarray):
        from sklearn.feature_extraction.text import CountVectorizer
        self.vocab = np.asarray(vocab)
        self.idf = np.asarray(idf, dtype=np.float64)
        if self.vocab.ndim != 1 or self.idf.shape != self.vocab.shape:
            raise ValueError("lexical vocabulary and idf must be 1-D arrays of the same length")
        self._counts = CountVectorizer(analyzer=ANALYZER, ngram_range=NGRAM_RANGE, lowercase=True,
                                       vocabulary={g: i for i, g in enumerate(self.vocab.tolist())}, dtype=np.float64)

    @property
    def size(self) -> int:
        return int(self.vocab.shape[0])

    @classmethod
    def fit(cls, texts: list[str]) -> "Lexical":
        from sklearn.feature_extraction.text import TfidfVectorizer
        vec = TfidfVectorizer(analyzer=ANALYZER, ngram_range=NGRAM_RANGE, lowercase=True, min_df=MIN_DF,
                              sublinear_tf=True)
        vec.fit([t or "" for t in texts])
        vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
        return cls(np.array(vocab, dtype=str), vec.idf_)

    def transform(self, texts: list[str]):
        """Sparse (len(texts), size) matrix of L2-normalised TF-IDF rows."""
        from sklearn.preprocessing import normalize
        X = self._counts.transform([t or "" for t in texts]).tocsr()
        X.data = (1.0 + np.log(X.data)) * self.idf[X.indices]
        return normalize(X, norm="l2", copy=False)

    def arrays(self) -> dict[str, np.ndarray]:
        return {VOCAB_KEY: self.vocab, IDF_KEY: self.idf}

    @classmethod
    def from_arrays(cls, arrays: dict) -> "Lexical | None":
        if VOCAB_KEY not in arrays:
            return None
        return cls(arrays[VOCAB_KEY], arrays[IDF_KEY])
