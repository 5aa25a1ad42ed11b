"""Character n-gram TF-IDF features, concatenated to the sentence embedding in the heads' input.

Why: a mean-pooled sentence embedding blurs the surface cues that separate a claim stated as fact from the
same claim quoted or asked about ("is it true that...", "myth:", "do your own research"), and it is thrown by
misspellings. Character n-grams inside word boundaries (scikit-learn's "char_wb") keep those cues and are
robust to "tecfedera"-style typos. On grouped cross-validation of the training data they raised
out-of-fold PR-AUC for both labels; bench/README-classifier.md has the comparison.

Stored in heads.npz as plain arrays (the vocabulary as a unicode array, idf as floats), so loading needs no
pickle. The transform is written out (counts -> 1 + log tf -> x idf -> L2) instead of restoring a fitted
TfidfVectorizer, which keeps artifacts readable across scikit-learn versions.

Counting. char_wb n-grams never cross a word, so a text's counts are the sum of its words' counts. Each
distinct word's vocabulary indices are worked out once and cached, which makes transform() several times
faster than scikit-learn's CountVectorizer (the worker counts every post and every sentence it explains);
tests check the two give the same matrix.
"""
from __future__ import annotations

import numpy as np
from scipy import sparse

ANALYZER = "char_wb"
NGRAM_RANGE = (2, 5)
MIN_DF = 2
VOCAB_KEY = "lexical.vocab"
IDF_KEY = "lexical.idf"
WORD_CACHE_SIZE = 200_000     # distinct words whose n-gram indices are kept (~27 MB per 100,000)


class Lexical:
    """A fitted character n-gram TF-IDF transform (sublinear tf, smooth idf, L2-normalised rows)."""

    def __init__(self, vocab: np.ndarray, idf: np.ndarray):
        self.vocab = np.asarray(vocab)
        self.idf = np.asarray(idf, dtype=np.float64)
        if self.vocab.ndim != 1 or self.idf.shape != self.vocab.shape:
            raise ValueError("lexical vocabulary and idf must be 1-D arrays of the same length")
        self._index = {g: i for i, g in enumerate(self.vocab.tolist())}
        self._words: dict[str, np.ndarray] = {}

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
        X = self.counts(texts)
        X.data = (1.0 + np.log(X.data)) * self.idf[X.indices]
        return normalize(X, norm="l2", copy=False)

    def counts(self, texts: list[str]) -> sparse.csr_matrix:
        """N-gram counts, as scikit-learn's CountVectorizer(analyzer="char_wb", lowercase=True) counts them."""
        words: list[np.ndarray] = []
        n_words = np.zeros(len(texts), dtype=np.int64)
        cache = self._words
        for r, text in enumerate(texts):
            before = len(words)
            words.extend(cache.get(w) if w in cache else self._word_ids(w) for w in (text or "").lower().split())
            n_words[r] = len(words) - before
        word_rows = np.repeat(np.arange(len(texts)), n_words)
        rows_all = np.repeat(word_rows, np.fromiter(map(len, words), dtype=np.int64, count=len(words)))
        cols_all = np.concatenate(words) if words else np.zeros(0, np.int32)
        X = sparse.csr_matrix((np.ones(len(cols_all)), (rows_all, cols_all)), shape=(len(texts), self.size))
        X.sum_duplicates()
        return X

    def _word_ids(self, word: str) -> np.ndarray:
        """Vocabulary indices of the word's n-grams (with repeats): scikit-learn's _char_wb_ngrams for one word."""
        w = " " + word + " "
        grams = []
        for n in range(NGRAM_RANGE[0], NGRAM_RANGE[1] + 1):
            grams.extend(w[k:k + n] for k in range(max(1, len(w) - n + 1)))
            if len(w) <= n:
                break
        index = self._index
        ids = np.fromiter((index[g] for g in grams if g in index), dtype=np.int32)
        if len(self._words) < WORD_CACHE_SIZE:
            self._words[word] = ids
        return ids

    def arrays(self) -> dict[str, np.ndarray]:
        return {VOCAB_KEY: self.vocab, IDF_KEY: self.idf}

    @classmethod
    def from_arrays(cls, arrays: dict) -> "Lexical | None":
        if VOCAB_KEY not in arrays:
            return None
        return cls(arrays[VOCAB_KEY], arrays[IDF_KEY])
