"""The Classifier: encoder + rules + one calibrated logistic head per label."""
from __future__ import annotations

import bisect
import math
import numbers
from pathlib import Path

import numpy as np

from . import artifact
from .common import HOLD_LABEL, LABELS, ModelUnavailable, Score
from .encoder import MAX_WINDOWS, WINDOW_TOKENS
from .lexical import Lexical
from .rules import FEATURE_NAMES, RuleHit, apply_rules, load_clinic_domains, DEFAULT_DOMAINS_FILE, rule_features
from .text import has_content, looks_english, shorten

SCORE_CHUNK = 16          # posts per chunk in score(): small enough that little is left to do after the encoder
# A shorter post cannot have more than MAX_WINDOWS windows (a token covers at least one character and two
# neighbouring windows hold more than one window's worth of tokens), so it needs no rule hits to pick windows.
LONG_POST_CHARS = (MAX_WINDOWS - 1) * (WINDOW_TOKENS - 2) // 2
NON_ENGLISH_CAP = 0.05     # a post the encoder cannot read scores at most this much unless a rule fired
SENTENCES_PER_LABEL = 2    # top driving sentences reported per label
REPORT_FRACTION = 0.5      # report driving sentences once a label's score reaches this fraction of its threshold


def build_features(embeddings: np.ndarray, rule_feats: np.ndarray, use_rules: bool, rule_scale: float,
                   lexical=None):
    """Head input: [embedding (384) | rule features * rule_scale | character n-gram TF-IDF].

    The rule block is left out when use_rules is False and the n-gram block when lexical (a sparse matrix
    from Lexical.transform) is None; with n-grams the result is a sparse CSR matrix, else a dense array.
    """
    X = np.asarray(embeddings, dtype=np.float32)
    if use_rules:
        X = np.hstack([X, np.asarray(rule_feats, dtype=np.float32) * np.float32(rule_scale)])
    if lexical is None:
        return X
    from scipy import sparse
    return sparse.hstack([sparse.csr_matrix(X, dtype=np.float64), lexical]).tocsr()


class Head:
    """Logistic regression with a Platt sigmoid on top: p = sigmoid(a * (w.x + b0) + b)."""

    def __init__(self, label: str, coef: np.ndarray, intercept: float, platt: tuple[float, float]):
        self.label = label
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)
        self.a, self.b = float(platt[0]), float(platt[1])

    def decision(self, dense: np.ndarray, lex=None) -> np.ndarray:
        """w.x + b0 for the rows [dense | lex] (lex: sparse n-gram rows or None), without stacking them."""
        d = dense.shape[1]
        z = dense @ self.coef[:d] + self.intercept
        if lex is not None:
            z = z + np.asarray(lex @ self.coef[d:]).ravel()
        return z

    def calibrate(self, z: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.a * z + self.b, -60, 60)))

    def proba(self, dense: np.ndarray, lex=None) -> np.ndarray:
        return self.calibrate(self.decision(dense, lex))


def _load_claims_encoder(version_dir: Path, manifest: dict):
    from .encoder import Encoder, EncoderUnavailable, sha256_file
    entry = manifest.get("claims_encoder")
    if not entry:
        return None
    path = version_dir / entry["file"]
    if not path.is_file() or sha256_file(path) != entry.get("sha256"):
        raise ModelUnavailable(f"{path} is missing or corrupt: the artifact is incomplete; "
                               "train again with `flask --app wsgi moderation train`")
    try:
        return Encoder("onnx-int8", onnx_path=path, threads=1)
    except EncoderUnavailable as exc:
        raise ModelUnavailable(f"{version_dir.name}: {exc}") from exc


def _check_threshold(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)) \
            or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
    return float(value)


class Classifier:
    """Scores posts. Build it with moderation.classifier.load_classifier()."""

    def __init__(self, version_dir: Path, manifest: dict, arrays: dict, encoder, clinic_domains: frozenset[str],
                 thresholds: dict | None = None, hold_threshold: float | None = None,
                 hold_thresholds: dict | None = None):
        self.version_dir = Path(version_dir)
        self.manifest = manifest
        self.version: str = manifest["version"]
        self.encoder = encoder
        self.clinic_domains = clinic_domains
        feats = manifest["features"]
        self.use_rules = bool(feats.get("use_rules", True))
        self.rule_scale = float(feats.get("rule_scale", 1.0))
        if self.use_rules and list(feats.get("rule_features", [])) != list(FEATURE_NAMES):
            raise ModelUnavailable(f"{self.version}: trained with rule features {feats.get('rule_features')}, "
                                   f"this code has {list(FEATURE_NAMES)}; retrain with `flask --app wsgi moderation train`")
        self.heads = {label: Head(label, arrays[f"{label}.coef"], arrays[f"{label}.intercept"][0],
                                  tuple(arrays[f"{label}.platt"])) for label in LABELS}
        self.mu = np.asarray(arrays.get("mu", np.zeros(int(feats.get("embedding_dim", 384)))), dtype=np.float64)
        self.emb_dim = int(feats.get("embedding_dim", 384))
        self.lexical: Lexical | None = Lexical.from_arrays(arrays)
        self.dense_dim = self.emb_dim + (len(FEATURE_NAMES) if self.use_rules else 0)

        base = {label: float(manifest["thresholds"][label]) for label in LABELS}
        for label, value in (thresholds or {}).items():
            if label not in LABELS:
                raise ValueError(f"CLASSIFIER_THRESHOLDS: unknown label {label!r} (labels: {', '.join(LABELS)})")
            base[label] = _check_threshold(f"threshold for {label}", value)
        self.thresholds: dict[str, float] = base
        self.hold_thresholds = self._hold_thresholds(manifest, hold_threshold, hold_thresholds)
        self.hold_threshold: float = self.hold_thresholds.get(HOLD_LABEL, 1.01)

    @staticmethod
    def _hold_thresholds(manifest: dict, hold_threshold: float | None, overrides: dict | None) -> dict[str, float]:
        """Per label: a score at or above it holds the post for review before anyone sees it. The manifest's
        `hold_thresholds` (older artifacts: `hold_threshold`, for clinic_promotion only), then the
        configured overrides: hold_threshold for clinic_promotion, hold_thresholds per label."""
        base = {label: float(v) for label, v in (manifest.get("hold_thresholds")
                                                 or {HOLD_LABEL: manifest["hold_threshold"]}).items()}
        if hold_threshold is not None:
            base[HOLD_LABEL] = hold_threshold
        base.update(overrides or {})
        unknown = sorted(set(base) - set(LABELS))
        if unknown:
            raise ValueError(f"hold thresholds: unknown label {unknown[0]!r} (labels: {', '.join(LABELS)})")
        return {label: _check_threshold(f"hold threshold for {label}", v) for label, v in base.items()}

    @property
    def claims_encoder(self):
        """The untuned encoder shipped beside a fine-tuned one, for matching known claims (None if absent).

        Loaded on first use with one thread: the worker embeds only the claims and the sentences of posts
        the model already finds suspicious."""
        if not hasattr(self, "_claims_encoder"):
            self._claims_encoder = _load_claims_encoder(self.version_dir, self.manifest)
        return self._claims_encoder

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, instance_dir: str | Path, thresholds: dict | None = None,
             hold_threshold: float | None = None, hold_thresholds: dict | None = None) -> "Classifier":
        version = artifact.read_current(instance_dir)
        version_dir = artifact.models_dir(instance_dir) / version
        domains = load_clinic_domains(DEFAULT_DOMAINS_FILE, Path(instance_dir) / "clinic_domains.txt")
        return cls.from_dir(version_dir, thresholds=thresholds, hold_threshold=hold_threshold, clinic_domains=domains,
                            hold_thresholds=hold_thresholds)

    @classmethod
    def from_dir(cls, version_dir: str | Path, thresholds: dict | None = None, hold_threshold: float | None = None,
                 clinic_domains: frozenset[str] | None = None, encoder=None,
                 hold_thresholds: dict | None = None) -> "Classifier":
        from .encoder import Encoder, EncoderUnavailable, sha256_file
        version_dir = Path(version_dir)
        manifest = artifact.read_manifest(version_dir)
        arrays = artifact.load_heads(version_dir, manifest)
        if encoder is None:
            enc = manifest["encoder"]
            backend = enc.get("backend", "torch-fp32")
            onnx_path = None
            if backend.startswith("onnx"):
                onnx_path = version_dir / enc.get("file", artifact.ENCODER_FILE)
                if not onnx_path.is_file():
                    raise ModelUnavailable(f"{onnx_path} is missing: the artifact is incomplete; "
                                           "train again with `flask --app wsgi moderation train`")
                if enc.get("sha256") and sha256_file(onnx_path) != enc["sha256"]:
                    raise ModelUnavailable(f"{onnx_path} is corrupt (sha256 does not match the manifest); "
                                           "train again with `flask --app wsgi moderation train`")
            try:
                encoder = Encoder(backend, onnx_path=onnx_path, window_tokens=int(enc.get("window_tokens", 256)),
                                  max_windows=int(enc.get("max_windows", 16)))
            except EncoderUnavailable as exc:
                raise ModelUnavailable(f"{version_dir.name}: {exc}") from exc
        if clinic_domains is None:
            clinic_domains = load_clinic_domains(DEFAULT_DOMAINS_FILE)
        return cls(version_dir, manifest, arrays, encoder, clinic_domains, thresholds, hold_threshold, hold_thresholds)

    # ------------------------------------------------------------------ scoring
    def _dense(self, emb: np.ndarray, rule_feats: np.ndarray) -> np.ndarray:
        return build_features(np.atleast_2d(emb), np.atleast_2d(rule_feats), self.use_rules, self.rule_scale)

    def _probabilities(self, dense: np.ndarray, lex) -> dict[str, np.ndarray]:
        """Each head's calibrated probabilities for rows [dense | lex] (lex: n-gram rows or None)."""
        return {label: head.proba(dense, lex) for label, head in self.heads.items()}

    def score(self, texts: list[str]) -> list[Score]:
        """Score posts (any length; empty, emoji-only or non-English posts are fine). Same order as texts.

        Posts go through in chunks: every chunk's forward passes are queued on the encoder's threads at
        once, and while they run this thread applies the rules, counts n-grams and works out the reasons
        of the chunks already encoded, so both cores stay busy until the last chunk.
        """
        if isinstance(texts, str):
            raise TypeError("score() takes a list of texts, not a single string")
        texts = ["" if t is None else str(t) for t in texts]
        chunks = [texts[s:s + SCORE_CHUNK] for s in range(0, len(texts), SCORE_CHUNK)]
        queued = [self._submit(chunk) for chunk in chunks]
        out: list[Score] = []
        for chunk, (hits, to_encode, pending) in zip(chunks, queued):
            out.extend(self._score_chunk(chunk, hits, to_encode, pending))
        return out

    def _submit(self, texts: list[str]):
        """Queue the posts with words in them on the encoder. Only posts long enough to exceed the window
        cap need their rule hits first (windows with hits are kept); the others' rules run later."""
        to_encode = [i for i, t in enumerate(texts) if has_content(t)]
        hits = [apply_rules(t, self.clinic_domains) if len(t) > LONG_POST_CHARS else None for t in texts]
        pending = self.encoder.submit_posts([texts[i] for i in to_encode],
                                            [[h.start for h in hits[i] or ()] for i in to_encode])
        return hits, to_encode, pending

    def _score_chunk(self, texts: list[str], hits: list, to_encode: list[int], pending) -> list[Score]:
        hits = [h if h is not None else apply_rules(t, self.clinic_domains) for t, h in zip(texts, hits)]
        lex = self.lexical.transform([texts[i] for i in to_encode]) if self.lexical is not None and to_encode else None
        enc_of = {i: e for i, e in zip(to_encode, pending.result()) if not e.empty}
        if lex is not None:
            lex = lex[[row for row, i in enumerate(to_encode) if i in enc_of]]
        post_p, lex_rows = self._post_probabilities(hits, enc_of, lex)
        scored = {i: self._label_scores(texts[i], hits[i], enc, post_p[i]) for i, enc in enc_of.items()}
        explain = [i for i, (scores, _) in scored.items() if self._flagged(scores) and enc_of[i].sentences]
        sent_lex = self._sentence_lexical(texts, enc_of, explain)
        out = []
        for i, text in enumerate(texts):
            scores, notes = scored.get(i, ({label: 0.0 for label in LABELS}, []))
            sentences = self._driving_sentences(text, enc_of[i], hits[i], scores, lex_rows.get(i), sent_lex[i]) \
                if i in sent_lex else []
            if i not in enc_of and text.strip():
                notes = ["note: no words to score (emoji or symbols only)"]
            out.append(self._result(scores, notes, sentences, hits[i]))
        return out

    def _post_probabilities(self, hits: list[list[RuleHit]], enc_of: dict, lex) -> tuple[dict, dict]:
        """Whole-post probabilities per label for every encoded post (rows of lex in enc_of's order)."""
        if not enc_of:
            return {}, {}
        idx = list(enc_of)
        rf = np.array([rule_features(hits[i]) for i in idx], dtype=np.float32)
        probs = self._probabilities(self._dense(np.stack([enc_of[i].embedding for i in idx]), rf), lex)
        post_p = {i: {label: float(probs[label][row]) for label in LABELS} for row, i in enumerate(idx)}
        lex_rows = {i: lex[row] for row, i in enumerate(idx)} if lex is not None else {}
        return post_p, lex_rows

    def _label_scores(self, text: str, hits: list[RuleHit], enc, post_p: dict) -> tuple[dict, list[str]]:
        """Final scores of one encoded post (max over windows, non-English cap) and notes for moderators."""
        notes: list[str] = []
        scores = dict(post_p)
        if len(enc.windows) > 1:
            rf = np.asarray(rule_features(hits), dtype=np.float32)
            lex = self.lexical.transform([text[a:b] for a, b in enc.window_spans]) if self.lexical else None
            window_p = self._probabilities(self._dense(enc.windows, np.repeat(rf[None, :], len(enc.windows), 0)), lex)
            for label, p in window_p.items():
                scores[label] = max(scores[label], float(p.max()))
        if enc.n_windows > 1:
            shown = len(enc.windows)
            notes.append(f"note: long post scored in {shown} of {enc.n_windows} windows"
                         + (" (first, last, rule hits, evenly spaced)" if shown < enc.n_windows else "")
                         + "; score is the highest window or whole-post score")
        if enc.truncated_chars:
            notes.append("note: text after the first 400,000 characters was not read by the model")
        if not looks_english(text):
            if not hits:
                scores = {label: min(p, NON_ENGLISH_CAP) for label, p in scores.items()}
            notes.append("note: post does not look like English; the model reads English only"
                         + ("" if hits else f", so its scores are capped at {NON_ENGLISH_CAP}"))
        return scores, notes

    def _flagged(self, scores: dict) -> bool:
        """Reasons are worked out for flagged posts only: nothing else is stored or shown to moderators."""
        return any(scores[label] >= self.thresholds[label] for label in LABELS)

    def _report_labels(self, scores: dict) -> list[str]:
        return [label for label in LABELS if scores[label] >= REPORT_FRACTION * self.thresholds[label]]

    def _sentence_lexical(self, texts: list[str], enc_of: dict, explain: list[int]) -> dict:
        """N-gram rows of every sentence of the posts to explain, transformed in one call, split per post."""
        if self.lexical is None:
            return {i: None for i in explain}
        spans = [(i, a, b) for i in explain for a, b in enc_of[i].sentences]
        if not spans:
            return {}
        matrix = self.lexical.transform([texts[i][a:b] for i, a, b in spans])
        out, row = {}, 0
        for i in explain:
            n = len(enc_of[i].sentences)
            out[i] = matrix[row:row + n]
            row += n
        return out

    def _result(self, scores: dict, notes: list[str], sentences: list[dict], hits: list[RuleHit]) -> Score:
        scores = {label: round(float(min(1.0, max(0.0, p))), 4) for label, p in scores.items()}
        flagged = [label for label in LABELS if scores[label] >= self.thresholds[label]]
        holding = [label for label, t in self.hold_thresholds.items() if scores[label] >= t]
        hold = bool(holding)
        reasons: list[str] = []
        for label in flagged:
            reasons.append(f"model: {label} {scores[label]:.2f} (threshold {self.thresholds[label]:.2f})")
        for label in holding:
            reasons.append(f"hold: {label} {scores[label]:.2f} >= hold threshold {self.hold_thresholds[label]:.2f}")
        for s in sentences:
            for label in s["labels"]:
                if label in flagged:
                    reasons.append(f"sentence ({label} {s['scores'][label]:.2f}): \"{shorten(s['text'], 160)}\"")
        reasons.extend(h.reason for h in hits)
        reasons.extend(notes)
        return Score(scores=scores, flagged=flagged, hold=hold, reasons=reasons, sentences=sentences,
                     rules=[h.as_dict() for h in hits])

    def _lexical_contributions(self, post_row, sent_lex) -> dict[str, np.ndarray] | None:
        """Per label, the n-gram part of the post's logit split by sentence: each n-gram's post-level
        TF-IDF value x weight is shared equally among the sentences it occurs in."""
        if sent_lex is None or post_row is None:
            return None
        sent_lex = sent_lex.tocsr()
        cols = sent_lex.indices
        rows = np.repeat(np.arange(sent_lex.shape[0]), np.diff(sent_lex.indptr))
        _, inverse, spread = np.unique(cols, return_inverse=True, return_counts=True)
        share = post_row.toarray().ravel()[cols] / spread[inverse]
        return {label: np.bincount(rows, weights=share * head.coef[self.dense_dim + cols], minlength=sent_lex.shape[0])
                for label, head in self.heads.items()}

    def _driving_sentences(self, text: str, enc, hits: list[RuleHit], scores: dict, lex_row, sent_lex) -> list[dict]:
        """Sentences that pushed each label's score up, ranked by their share of the post's logit."""
        report = self._report_labels(scores)
        if not report or not enc.sentences:
            return []
        counts = enc.sentence_counts.astype(np.float64)
        ok = counts > 0
        means = np.zeros_like(enc.sentence_sums, dtype=np.float64)
        means[ok] = enc.sentence_sums[ok] / counts[ok, None]
        norms = np.linalg.norm(means, axis=1, keepdims=True)
        emb = means / np.maximum(norms, 1e-12)
        # rule features of each sentence: the post's hits that start inside it
        sent_hits: list[list[RuleHit]] = [[] for _ in enc.sentences]
        starts = [a for a, _ in enc.sentences]
        for h in hits:
            k = bisect.bisect_right(starts, h.start) - 1
            if 0 <= k < len(enc.sentences) and h.start < enc.sentences[k][1]:
                sent_hits[k].append(h)
        srf = np.array([rule_features(sh) for sh in sent_hits], dtype=np.float32)
        sent_p = self._probabilities(self._dense(emb, srf), sent_lex)
        lex_c = self._lexical_contributions(lex_row, sent_lex)
        N = float(enc.total_tokens)
        picked: dict[int, list[str]] = {}
        contrib_of: dict[int, float] = {}
        for label in report:
            head = self.heads[label]
            w_e = head.coef[: self.emb_dim]
            c = (counts / N) * (means @ w_e / max(enc.post_norm, 1e-12) - float(w_e @ self.mu))
            if self.use_rules:
                w_r = head.coef[self.emb_dim:self.dense_dim] * self.rule_scale
                fired_in = srf.sum(0)
                share = np.divide(srf, np.maximum(fired_in, 1.0))
                c = c + share @ w_r
            if lex_c is not None:
                c = c + lex_c[label]
            order = np.argsort(-c)
            flagged = scores[label] >= self.thresholds[label]
            n = 0
            for k in order:
                if n >= SENTENCES_PER_LABEL:
                    break
                if c[k] <= 0 and not (flagged and n == 0):
                    break
                if not flagged and sent_p[label][k] < REPORT_FRACTION * self.thresholds[label]:
                    continue
                picked.setdefault(int(k), []).append(label)
                contrib_of[int(k)] = max(contrib_of.get(int(k), -1e9), float(c[k]))
                n += 1
        out = []
        for k in sorted(picked, key=lambda k: -contrib_of[k]):
            a, b = enc.sentences[k]
            out.append({
                "text": shorten(text[a:b], 300),
                "scores": {label: round(float(sent_p[label][k]), 4) for label in LABELS},
                "labels": picked[k],
                "contribution": round(contrib_of[k], 4),
                "start": a,
                "end": b,
            })
        return out
