"""Import benchmark: N generated posts into a fresh SQLite instance and a fresh PostgreSQL database.

    .venv/bin/python bench/import_bench.py                 # 100,000 posts, both databases
    .venv/bin/python bench/import_bench.py --posts 20000 --only sqlite
    .venv/bin/python bench/import_bench.py --processes 1   # render in one process, to compare
    .venv/bin/python bench/import_bench.py --nice -10      # favour the import on a busy shared machine

For each database: `flask db upgrade` on an empty database, then the import in a fresh
interpreter (the same two calls the `forum import` command makes: validate_file, import_rows)
timed from the outside, with the time of each step (check, render, write) from inside; then
the real `flask --app wsgi forum import FILE` again, which must report 0 new posts.
Target: 100,000 posts in under 120 s on SQLite. Numbers go in bench/README-forum.md.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    DEFAULT_PG, FLASK, ROOT, forum_env, generate_jsonl, machine, nice_prefix, postgres_database, postgres_reachable,
    upgrade,
)

CHILD = r"""
import json, resource, sys, time
from contextlib import contextmanager
from forum import create_app
from forum import importer

steps = {}

def cpu():   # this process and its finished children (the rendering pool)
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

@contextmanager
def timed(label, length):
    class Bar:
        def update(self, n): pass
    start, used = time.perf_counter(), cpu()
    yield Bar()
    steps[label] = (round(time.perf_counter() - start, 1), round(cpu() - used, 1))

app = create_app()
processes = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] != "auto" else None
with app.app_context():
    result = importer.validate_file(sys.argv[1], progress=timed)
    assert result.ok, result.report()[:5]
    summary = importer.import_rows(result.rows, progress=timed, processes=processes)
print(json.dumps({"steps": steps, "summary": summary.line(), "posts": summary.posts}))
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_import(env: dict, path: Path, processes: str, nice: int = 0) -> dict:
    load = os.getloadavg()[0]
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run([*nice_prefix(nice), sys.executable, "-c", CHILD, str(path), processes], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    cpu = _children_cpu() - cpu     # the importer and its rendering processes (not the database server)
    if done.returncode != 0:
        raise SystemExit(f"import failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["seconds"] = round(seconds, 1)
    result["cpu_seconds"] = round(cpu, 1)
    result["load"] = round(load, 1)
    result["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    result["posts_per_second"] = round(result["posts"] / seconds)
    start = time.perf_counter()
    again = subprocess.run([*nice_prefix(nice), *FLASK, "forum", "import", str(path)], cwd=ROOT, env=env,
                           capture_output=True, text=True)
    result["reimport_seconds"] = round(time.perf_counter() - start, 1)
    result["reimport"] = again.stdout.strip().splitlines()[-1] if again.stdout.strip() else again.stderr[-500:]
    if again.returncode != 0 or "0 new posts" not in again.stdout:
        raise SystemExit(f"re-import did not report 0 new posts:\n{again.stdout}\n{again.stderr[-2000:]}")
    return result


def report(name: str, result: dict) -> None:
    steps = ", ".join(f"{k.lower()} {wall} s ({cpu} s CPU)" for k, (wall, cpu) in result["steps"].items())
    print(f"{name:<11} {result['posts']:>8,} posts in {result['seconds']:>6.1f} s "
          f"= {result['posts_per_second']:>6,} posts/s"
          f"\n{'':<11} {steps}; the rest is start-up and look-ups")
    print(f"{'':<11} importer CPU {result['cpu_seconds']} s (all its processes), "
          f"peak memory {result['max_rss_mb']} MB; "
          f"load average before: {result['load']}")
    print(f"{'':<11} {result['summary']}")
    print(f"{'':<11} re-import: {result['reimport_seconds']} s, \"{result['reimport']}\"")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--processes", default="auto", help="rendering processes: auto (default) or a number")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="admin URL used to create and drop the database")
    parser.add_argument("--nice", type=int, default=0,
                        help="run the import at this nice level (e.g. -10 on a machine shared with other busy work)")
    parser.add_argument("--keep", action="store_true", help="keep the databases and the file")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="forum-import-bench-"))
    path = work / "posts.jsonl"
    start = time.perf_counter()
    info = generate_jsonl(path, args.posts)
    print(f"machine: {machine()}" + (f"; importer at nice {args.nice}" if args.nice else ""))
    print(f"file: {info['posts']:,} posts, {info['threads']:,} threads, {info['authors']:,} authors, "
          f"{info['bytes'] / 1e6:.1f} MB (generated in {time.perf_counter() - start:.1f} s)")

    try:
        if args.only in (None, "sqlite"):
            env = forum_env(work / "sqlite-instance", None)
            upgrade(env)
            report("SQLite", run_import(env, path, args.processes, args.nice))
        if args.only in (None, "postgres"):
            if not postgres_reachable(args.pg_url):
                print("PostgreSQL: not reachable, skipped")
            else:
                with postgres_database(args.pg_url, keep=args.keep) as url:
                    env = forum_env(work / "pg-instance", url)
                    upgrade(env)
                    report("PostgreSQL", run_import(env, path, args.processes, args.nice))
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
