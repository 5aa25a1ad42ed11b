"""Thread page benchmark: one page of 20 posts served by gunicorn (2 workers), loaded with wrk.

    .venv/bin/python bench/thread_page_bench.py                    # SQLite and PostgreSQL, 30 s each
    .venv/bin/python bench/thread_page_bench.py --only sqlite --duration 10 --connections 4
    .venv/bin/python bench/thread_page_bench.py --only postgres --show-profile --nice -10
    .venv/bin/python bench/thread_page_bench.py --only postgres --no-vacuum   # the state before VACUUM

For each database: a fresh database, `flask db upgrade`, a forum of --posts generated posts
brought in with `forum import`, a member with a password, every post marked clean (what the
moderation worker does after an import: it rewrites every row). On PostgreSQL the tables are then
vacuumed and analysed, as autovacuum would do on a normally configured server (this machine's
server runs with autovacuum = off, see bench/README-forum.md); --no-vacuum skips that and shows
the page with an empty visibility map. Then gunicorn -w 2 on 127.0.0.1 and
wrk (--latency, a Lua script for p95) against /t/<id>, page 1 of a thread with more than 20 posts:
first as a visitor, then logged in (one more query for the member, the unread count, the
watch button and the read marker). Then one request is profiled in-process: how many SQL
queries, how long they take, how long the templates take.
Target: >= 200 requests/s with p95 <= 100 ms. Only 127.0.0.1 is contacted; every run is bounded.
wrk comes from Debian (apt-get install -y wrk).
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    DEFAULT_PG, FLASK, ROOT, VENV_BIN, forum_env, generate_jsonl, machine, nice_prefix, postgres_database,
    postgres_reachable, renice_postgres_backends, upgrade,
)

PASSWORD = "bench password for a member"
LUA = r"""
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
               + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRKJSON {"requests": %d, "seconds": %.3f, "errors": %d, "non2xx3xx": %d, ' ..
    '"p50_ms": %.2f, "p90_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "mean_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, errors, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
end
"""

SETUP = r"""
import json, random
from sqlalchemy import select, update
from forum import create_app
from forum.accounts import service
from forum.extensions import db
from forum.models import Post, Reaction, Thread, User

app = create_app()
with app.app_context():
    member = service.register("bench_member", "bench@example.org", __PASSWORD__)
    thread = db.session.scalar(select(Thread).where(Thread.post_count >= 40).order_by(Thread.post_count).limit(1))
    db.session.execute(update(Post).values(moderation_state="clean", search_dirty=False))
    users = list(db.session.scalars(select(User.id).where(User.is_imported).limit(50)))
    posts = list(db.session.scalars(select(Post.id).where(Post.thread_id == thread.id).order_by(Post.number).limit(20)))
    rng = random.Random(1)
    for post_id in posts:                    # some 'helpful' marks, as on a real thread
        for user_id in rng.sample(users, rng.randint(0, 5)):
            db.session.add(Reaction(post_id=post_id, user_id=user_id, kind="helpful"))
    db.session.commit()
    print(json.dumps({"thread": thread.id, "posts_in_thread": thread.post_count}))
"""

PROFILE = r"""
import cProfile, io, json, pstats, sys, time
import flask.templating
from sqlalchemy import event
from forum import create_app
from forum.extensions import db

app = create_app()
path, cookie, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
stats = {}
original = flask.templating._render

def reset():
    stats.update(sql_s=0.0, queries=0, template_s=0.0, template_sql_s=0.0, in_template=False)

reset()

def timed_render(*args, **kwargs):
    start = time.perf_counter()
    stats["in_template"] = True
    try:
        return original(*args, **kwargs)
    finally:
        stats["in_template"] = False
        stats["template_s"] += time.perf_counter() - start

flask.templating._render = timed_render
with app.app_context():
    @event.listens_for(db.engine, "before_cursor_execute")
    def before(conn, cursor, statement, params, context, executemany):
        conn.info["bench_t"] = time.perf_counter()

    @event.listens_for(db.engine, "after_cursor_execute")
    def after(conn, cursor, statement, params, context, executemany):
        spent = time.perf_counter() - conn.info["bench_t"]
        stats["sql_s"] += spent
        stats["queries"] += 1
        if stats["in_template"]:
            stats["template_sql_s"] += spent     # lazy loads fired from the template count as SQL

client = app.test_client()
headers = {}
if cookie == "member":                      # log in through the form, as wrk's member did
    import re
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    client.post("/login", data={"csrf_token": token.group(1) or token.group(2), "login": "bench_member",
                                "password": sys.argv[4]})
    assert "bench_member" in client.get(path).get_data(as_text=True), "member not logged in"
reset()
for _ in range(20):
    assert client.get(path, headers=headers).status_code == 200
reset()
start, cpu = time.perf_counter(), time.process_time()
for _ in range(count):
    client.get(path, headers=headers)
total, cpu = time.perf_counter() - start, time.process_time() - cpu
measured = dict(stats)                      # before the profiled requests below add to it
profile = cProfile.Profile()
profile.enable()
for _ in range(50):
    client.get(path, headers=headers)
profile.disable()
out = io.StringIO()
pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(15)
ms = lambda seconds: round(seconds / count * 1000, 2)
print("PROFILEJSON " + json.dumps({
    "ms_per_request": ms(total), "cpu_ms_per_request": ms(cpu), "queries": round(measured["queries"] / count, 1),
    "sql_ms": ms(measured["sql_s"]), "template_ms": ms(measured["template_s"] - measured["template_sql_s"]),
}))
print(out.getvalue())
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(env: dict, posts: int, work: Path, nice: int = 0) -> dict:
    upgrade(env)
    data = work / "forum.jsonl"
    if not data.exists():
        generate_jsonl(data, posts, seed=7)
    subprocess.run([*nice_prefix(nice), *FLASK, "forum", "import", str(data)], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    done = subprocess.run([sys.executable, "-c", SETUP.replace("__PASSWORD__", repr(PASSWORD))], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_gunicorn(env: dict, port: int, log: Path, nice: int = 0) -> subprocess.Popen:
    command = [*nice_prefix(nice), str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{log.read_text()[-2000:]}")
            time.sleep(0.3)
    stop(proc)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def login_cookie(port: int) -> str:
    """Log the bench member in like a browser; returns the Cookie header for wrk."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"http://127.0.0.1:{port}/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    form = urllib.parse.urlencode({"csrf_token": token.group(1) or token.group(2), "login": "bench_member",
                                   "password": PASSWORD}).encode()
    opener.open(f"http://127.0.0.1:{port}/login", data=form, timeout=10).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "session=" not in cookie:
        raise SystemExit("could not log the bench member in")
    return cookie


def run_wrk(url: str, seconds: int, connections: int, lua: Path, cookie: str | None, nice: int = 0) -> dict:
    command = [*nice_prefix(nice), "wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "5s",
               "--latency", "-s", str(lua)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60)
    line = next((l for l in done.stdout.splitlines() if l.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk failed:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line[len("WRKJSON "):])
    result["rps"] = round(result["requests"] / result["seconds"], 1)
    return result


def profile(env: dict, path: str, cookie: str | None, count: int = 200, nice: int = 0) -> tuple[dict, str]:
    who = "member" if cookie else ""
    command = [*nice_prefix(nice), sys.executable, "-c", PROFILE, path, who, str(count), PASSWORD]
    done = subprocess.run(command, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    line = next((l for l in done.stdout.splitlines() if l.startswith("PROFILEJSON ")), None)
    if line is None:
        raise SystemExit(f"profile failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return json.loads(line[len("PROFILEJSON "):]), done.stdout.split(line, 1)[1]


def vacuum_postgres(database_url: str) -> str:
    """VACUUM (ANALYZE) the benchmark database; returns the server's autovacuum setting.

    The setup above rewrites every post (as the moderation worker does after an import), which leaves
    a dead twin of every row and an empty visibility map: index-only scans (the per-author post counts)
    then visit the table for every index entry. A server with autovacuum on (the default) cleans this
    up within a minute or so; this machine's server has autovacuum off, so the benchmark does it.
    """
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
            return conn.scalar(text("SHOW autovacuum"))
    finally:
        engine.dispose()


def bench_database(name: str, env: dict, args, work: Path, lua: Path) -> None:
    info = prepare(env, args.posts, work, args.nice)
    path = f"/t/{info['thread']}"
    url = env.get("DATABASE_URL")
    if url and url.startswith("postgresql"):
        if args.no_vacuum:
            state = "not vacuumed (--no-vacuum): empty visibility map, no planner statistics"
        else:
            state = f"VACUUM (ANALYZE) after the setup; server autovacuum = {vacuum_postgres(url)}"
        print(f"\n{name}: {state}")
    print(f"\n{name}: /t/{info['thread']}, page 1 of a thread of {info['posts_in_thread']} posts (20 shown), "
          f"wrk -t2 -c{args.connections} -d{args.duration}s")
    run_suite(env, path, args, work, lua, name)


def run_suite(env: dict, path: str, args, work: Path, lua: Path, name: str) -> None:
    port = free_port()
    proc = start_gunicorn(env, port, work / f"gunicorn-{name}.log", args.nice)
    try:
        url = f"http://127.0.0.1:{port}{path}"
        cookie = login_cookie(port)
        for label, who in (("visitor", None), ("member", cookie)):
            run_wrk(url, 5, args.connections, lua, who, args.nice)      # warm-up: caches, connections
            renice_postgres_backends(env.get("DATABASE_URL"), args.nice)
            load = os.getloadavg()[0]
            r = run_wrk(url, args.duration, args.connections, lua, who, args.nice)
            verdict = "meets" if r["rps"] >= 200 and r["p95_ms"] <= 100 else "MISSES"
            print(f"  {label:<8} {r['rps']:7.1f} req/s   p50 {r['p50_ms']:6.1f} ms   p90 {r['p90_ms']:6.1f} ms   "
                  f"p95 {r['p95_ms']:6.1f} ms   p99 {r['p99_ms']:6.1f} ms   errors {r['errors']}   "
                  f"load avg {load:.1f}   ({verdict} target)")
    finally:
        stop(proc)
    for label, who in (("visitor", None), ("member", cookie)):
        summary, top = profile(env, path, who, nice=args.nice)
        rest = summary["ms_per_request"] - summary["sql_ms"] - summary["template_ms"]
        print(f"  one {label} request in-process: {summary['ms_per_request']} ms "
              f"({summary['cpu_ms_per_request']} ms CPU) = "
              f"{summary['queries']} SQL queries {summary['sql_ms']} ms + templates {summary['template_ms']} ms "
              f"+ the rest {rest:.2f} ms (routing, session, ORM objects, Flask/Werkzeug)")
        if args.show_profile:
            print(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--duration", type=int, default=30, help="seconds of load per run (default 30)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent wrk connections (default 8)")
    parser.add_argument("--posts", type=int, default=100_000, help="posts in the forum behind the page")
    parser.add_argument("--no-vacuum", action="store_true",
                        help="PostgreSQL: skip the VACUUM (ANALYZE) after the setup (shows the page with an empty "
                             "visibility map, as measured before the fix)")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--nice", type=int, default=0,
                        help="run gunicorn, wrk, the profile and this database's PostgreSQL backends at this nice "
                             "level (e.g. -10 on a machine shared with other busy work; needs root)")
    parser.add_argument("--show-profile", action="store_true", help="print the cProfile top functions")
    args = parser.parse_args()
    if not 1 <= args.duration <= 120:
        raise SystemExit("--duration must be between 1 and 120 seconds")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install -y wrk)")

    work = Path(tempfile.mkdtemp(prefix="forum-page-bench-"))
    lua = work / "p95.lua"
    lua.write_text(LUA)
    print(f"machine: {machine()}; forum of {args.posts:,} imported posts"
          + (f"; benchmark processes at nice {args.nice}" if args.nice else ""))
    try:
        if args.only in (None, "sqlite"):
            bench_database("SQLite", forum_env(work / "sqlite-instance", None, limiter=True), args, work, lua)
        if args.only in (None, "postgres"):
            if not postgres_reachable(args.pg_url):
                print("\nPostgreSQL: not reachable, skipped")
            else:
                with postgres_database(args.pg_url) as url:
                    bench_database("PostgreSQL", forum_env(work / "pg-instance", url, limiter=True), args, work, lua)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
