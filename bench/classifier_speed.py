"""Classifier speed benchmark: fp32 baseline vs the configurations we can choose from.

    python bench/classifier_speed.py                 # everything (two trainings for the F1 columns: ~5 min)
    python bench/classifier_speed.py --skip-f1       # speed, load time and memory only (~2 min)
    python bench/classifier_speed.py --skip-f1 --worker-instance instance   # ... with an existing model
    python bench/classifier_speed.py --json out.json # also write the numbers as JSON

Posts: deterministic ~120-token posts stitched from the held-out data (moderation/data/heldout.jsonl).
Every configuration runs in its own subprocess (so imports, load time and peak RSS are its own), with
2 threads, after one warm-up batch:

- baseline: transformers AutoModel fp32, batches of 64, every post padded/truncated to 128 tokens
- torch-fp32 / torch-int8 / onnx-fp32 / onnx-int8: moderation.classifier.encoder.Encoder, posts sorted by
  length and padded per batch (dynamic padding), batches of 16; int8 = dynamic quantization
- worker: the whole Classifier.score() path with the chosen encoder (onnx-int8): rules, windows, heads,
  sentence reasons — what the worker actually pays per post, called on 64 posts at a time as the worker
  calls it (WORKER_BATCH_SIZE); "worker" on the held-out mix (two thirds flagged, so most need reasons),
  "worker-forum" on everyday forum posts

Every configuration is timed --repeat times (default 3) in its process; the median is reported, with the
slowest and fastest run, because this shared machine's speed drifts by several percent from run to run.

Macro-F1: heads trained on each encoder's own embeddings (fp32 torch vs int8 ONNX), scored on heldout.jsonl.
Numbers go in bench/README-classifier.md; nothing here asserts a target.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

THREADS = 2
REPEAT = 3
N_POSTS = 512
TARGET_TOKENS = 120


def make_posts(n: int = N_POSTS, target: int = TARGET_TOKENS) -> list[str]:
    """~target-token posts built by joining held-out posts in file order (deterministic)."""
    from moderation.classifier.encoder import FastTokenizer   # no torch in the measured process
    tok = FastTokenizer()

    def n_tokens(text):
        return len(tok.encode([text])[0][0]) + 2   # + [CLS] [SEP]
    rows = [json.loads(line)["text"] for line in (ROOT / "moderation/data/heldout.jsonl").read_text().splitlines()]
    posts, cur, i = [], [], 0
    while len(posts) < n:
        cur.append(rows[i % len(rows)])
        i += 1
        text = " ".join(cur)
        if n_tokens(text) >= target - 10:
            words = text.split()
            while n_tokens(" ".join(words)) > target + 5 and len(words) > 5:
                words = words[:-3]
            posts.append(" ".join(words))
            cur = []
    return posts


def make_forum_posts(n: int = N_POSTS, target: int = TARGET_TOKENS, seed: int = 7) -> list[str]:
    """~target-token everyday posts as the worker reads them: bench/common.py's generated forum posts
    (the import benchmarks' posts), rendered from Markdown to plain text, kept when within 20 tokens of target.
    Unlike make_posts(), which joins held-out posts (two thirds of them promotion or misinformation), few of
    these are flagged, as on a real forum, so few need their reasons worked out."""
    import random

    from bench.common import author_names, post_body
    from forum.markup import plain_text, render_markdown
    from moderation.classifier.encoder import FastTokenizer
    tok, rng = FastTokenizer(), random.Random(seed)
    authors = author_names(50, rng)
    posts: list[str] = []
    while len(posts) < n:
        text = plain_text(render_markdown(post_body(rng, authors)))
        if abs(len(tok.encode([text])[0][0]) + 2 - target) <= 20:
            posts.append(text)
    return posts


def peak_rss_mb() -> float:
    """VmHWM of this process. (ru_maxrss is no good here: on Linux it survives exec, so a child started
    by a big parent reports the parent's peak.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# --------------------------------------------------------------------------- one configuration per process
def worker(config: str, instance: str | None, onnx_dir: str | None = None, repeat: int = REPEAT) -> dict:
    t0 = time.perf_counter()
    if config == "baseline":
        import torch
        from transformers import AutoModel, AutoTokenizer

        from moderation.classifier.encoder import model_dir
        torch.set_num_threads(THREADS)
        tok = AutoTokenizer.from_pretrained(str(model_dir()))
        model = AutoModel.from_pretrained(str(model_dir())).eval()
        load_s = time.perf_counter() - t0

        def run(texts):
            out = []
            with torch.inference_mode():
                for s in range(0, len(texts), 64):
                    enc = tok(texts[s:s + 64], padding="max_length", truncation=True, max_length=128,
                              return_tensors="pt")
                    h = model(**enc).last_hidden_state
                    m = enc["attention_mask"].unsqueeze(-1).float()
                    out.append(torch.nn.functional.normalize((h * m).sum(1) / m.sum(1), dim=-1))
            return out
    elif config in ("worker", "worker-forum"):
        from config import Config
        from moderation.classifier import load_classifier
        clf = load_classifier(instance)
        load_s = time.perf_counter() - t0

        call = Config.WORKER_BATCH_SIZE    # posts per score() call, as the worker makes them

        def run(texts):
            return [r for s in range(0, len(texts), call) for r in clf.score(texts[s:s + call])]
    else:
        from moderation.classifier.encoder import Encoder
        onnx_path = Path(onnx_dir) / f"{config}.onnx" if config.startswith("onnx") else None  # exported by main()
        enc = Encoder(config, onnx_path=onnx_path, threads=THREADS)
        load_s = time.perf_counter() - t0

        def run(texts):
            return enc.encode_posts(texts)
    posts = make_forum_posts() if config == "worker-forum" else make_posts()
    run(posts[:32])                        # warm-up
    rates, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        run(posts)
        rates.append(len(posts) / (time.perf_counter() - t))
        cpus.append(time.process_time() - c)
    rates.sort()
    cpu = sorted(cpus)[len(cpus) // 2]
    # process_time counts the CPU of all this process's threads; on a machine shared with other jobs it is
    # far less distorted than wall time. posts / (cpu / THREADS) is what 2 idle cores would do if both
    # threads were busy all the time (an upper bound; the wall figure is the lower bound).
    return {"config": config, "posts_per_s": round(rates[len(rates) // 2], 1), "slowest_run": round(rates[0], 1),
            "fastest_run": round(rates[-1], 1), "load_s": round(load_s, 2),
            "peak_rss_mb": round(peak_rss_mb(), 0), "posts": len(posts), "cpu_s": round(cpu, 2),
            "cpu_ms_per_post": round(1000 * cpu / len(posts), 2),
            "idle_estimate_posts_per_s": round(len(posts) / (cpu / THREADS), 1)}


def run_worker(config: str, instance: str | None = None, onnx_dir: str | None = None, repeat: int = REPEAT) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(THREADS), MODERATION_CLASSIFIER_THREADS=str(THREADS),
               TOKENIZERS_PARALLELISM="false")
    cmd = [sys.executable, __file__, "--worker", config, "--repeat", str(repeat)] \
        + (["--instance", instance] if instance else []) \
        + (["--onnx-dir", onnx_dir] if onnx_dir else [])
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"{config} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cold_load(instance: str) -> dict:
    """Fresh interpreter: import + load_classifier + first score (what a worker start costs)."""
    code = ("import time,sys; t=time.perf_counter();"
            "from moderation.classifier import load_classifier;"
            f"c=load_classifier({instance!r}); t1=time.perf_counter(); c.score(['hello']);"
            "hwm=[l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1];"
            "print(round(t1-t,2), round(int(hwm)/1024), 'torch' in sys.modules)")
    env = dict(os.environ, MODERATION_CLASSIFIER_THREADS=str(THREADS))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    load_s, rss, torch_loaded = out.stdout.split()[-3:]
    return {"cold_load_s": float(load_s), "rss_after_load_mb": float(rss), "torch_imported": torch_loaded == "True"}


def main() -> int:
    ap = argparse.ArgumentParser(description="classifier speed benchmark")
    ap.add_argument("--worker")
    ap.add_argument("--repeat", type=int, default=REPEAT, help="timed runs per configuration (median reported)")
    ap.add_argument("--instance")
    ap.add_argument("--onnx-dir")
    ap.add_argument("--worker-instance", help="measure the worker with this instance's current model instead of "
                                              "training one (only with --skip-f1)")
    ap.add_argument("--skip-f1", action="store_true", help="skip the two trainings for the macro-F1 columns")
    ap.add_argument("--json", type=Path, help="write the results here as JSON")
    ap.add_argument("--configs", default="baseline,torch-fp32,torch-int8,onnx-fp32,onnx-int8")
    args = ap.parse_args()
    repeat = max(1, args.repeat)
    if args.worker:
        print(json.dumps(worker(args.worker, args.instance, args.onnx_dir, repeat)))
        return 0

    load = os.getloadavg()
    print(f"cpu count {os.cpu_count()}, threads {THREADS}, load average {load[0]:.1f} (others' work skews timings)")
    results = {"load_average_start": load[0], "speed": [], "f1": {}}
    from moderation.classifier.encoder import export_onnx
    onnx_dir = tempfile.mkdtemp(prefix="clfbench-onnx-")
    for config in ("onnx-fp32", "onnx-int8"):
        if config in args.configs:
            export_onnx(Path(onnx_dir) / f"{config}.onnx", quantize=config == "onnx-int8")
    for config in args.configs.split(","):
        r = run_worker(config, onnx_dir=onnx_dir, repeat=repeat)
        results["speed"].append(r)
        print(f"  {config:<11} {r['posts_per_s']:>7.1f} posts/s wall ({r['slowest_run']:.0f}-{r['fastest_run']:.0f}), "
              f"{r.get('cpu_ms_per_post', 0):>6.2f} CPU-ms/post "
              f"(idle estimate {r.get('idle_estimate_posts_per_s', 0):>6.1f} posts/s)  load {r['load_s']:.2f}s  "
              f"peak RSS {r['peak_rss_mb']:.0f} MB")

    from moderation.classifier.train import train_model
    tmp = Path(tempfile.mkdtemp(prefix="clfbench-"))
    backends = ["onnx-int8"] if args.skip_f1 else ["torch-fp32", "onnx-int8"]
    for backend in backends:
        inst = tmp / backend
        if args.worker_instance and args.skip_f1:
            inst = Path(args.worker_instance)
        else:
            train_model(inst, backend=backend, progress=False,
                        heldout_path=None if args.skip_f1 else ROOT / "moderation/data/heldout.jsonl")
        from moderation.classifier.artifact import check_artifact
        manifest = check_artifact(inst)
        if not args.skip_f1:
            held = manifest["metrics"]["heldout"]
            results["f1"][backend] = {"macro_f1": held["macro_f1"], "hard_negative_fpr": held["hard_negative_fpr"],
                                      **{f"f1_{k}": v["f1"] for k, v in held["labels"].items()}}
            print(f"  heads on {backend:<10} held-out macro-F1 {held['macro_f1']:.3f} "
                  f"(HN-FPR {held['hard_negative_fpr']:.3f})")
        if backend == "onnx-int8":
            w = run_worker("worker", str(inst), repeat=repeat)
            results["worker"] = {**w, **cold_load(str(inst))}
            print(f"  worker (Classifier.score, onnx-int8): {w['posts_per_s']:.1f} posts/s wall "
                  f"({w['slowest_run']:.0f}-{w['fastest_run']:.0f}), "
                  f"{w.get('cpu_ms_per_post', 0):.2f} CPU-ms/post (idle estimate "
                  f"{w.get('idle_estimate_posts_per_s', 0):.1f} posts/s), peak RSS "
                  f"{w['peak_rss_mb']:.0f} MB; cold start {results['worker']['cold_load_s']:.2f}s "
                  f"(torch imported: {results['worker']['torch_imported']})")
            wf = results["worker_forum_posts"] = run_worker("worker-forum", str(inst), repeat=repeat)
            print(f"  worker on everyday forum posts: {wf['posts_per_s']:.1f} posts/s wall "
                  f"({wf['slowest_run']:.0f}-{wf['fastest_run']:.0f}), "
                  f"{wf.get('cpu_ms_per_post', 0):.2f} CPU-ms/post")
    results["load_average_end"] = os.getloadavg()[0]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
