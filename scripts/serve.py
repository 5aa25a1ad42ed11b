"""`make run`'s launcher: start each command given (the web server, the worker) side by side; Ctrl-C or
SIGTERM stops them all and exits 0; if one ends by itself, the others are stopped and its status returned.

    python scripts/serve.py "flask --app wsgi moderation worker" "gunicorn wsgi:app"

Each command runs in its own process group, so a terminal's Ctrl-C reaches only this launcher (and make),
which then sends SIGTERM to every command and waits for it. (The Makefile used `trap 'kill 0'`, which
signalled make itself and ended in "make: *** [run] Segmentation fault".)
"""
from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import time
from typing import Sequence

GRACE_SECONDS = 10.0
POLL_SECONDS = 0.2


class Stop(Exception):
    """SIGINT or SIGTERM arrived."""


def _raise_stop(signum: int, _frame) -> None:
    raise Stop(signal.Signals(signum).name)


def start(commands: Sequence[Sequence[str]], children: list[subprocess.Popen]) -> None:
    """Each command in its own process group; `children` holds those started even if a signal interrupts."""
    for command in commands:
        children.append(subprocess.Popen(list(command), process_group=0))


def stop(children: Sequence[subprocess.Popen], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM to each command still running; SIGKILL to any still there after `grace` seconds."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _first_ended(children: Sequence[subprocess.Popen]) -> subprocess.Popen | None:
    return next((child for child in children if child.poll() is not None), None)


def serve(commands: Sequence[Sequence[str]], grace: float = GRACE_SECONDS) -> int:
    """Run the commands until a signal (exit 0) or until one of them ends (its status, or 1)."""
    previous = {s: signal.signal(s, _raise_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    children: list[subprocess.Popen] = []
    try:
        start(commands, children)
        while (ended := _first_ended(children)) is None:
            time.sleep(POLL_SECONDS)
        print(f"serve: {shlex.join(ended.args)} stopped (status {ended.returncode}); stopping the rest.",
              file=sys.stderr, flush=True)
        return ended.returncode or 1
    except Stop as why:
        print(f"\nserve: {why}: stopping the web server and the worker.", file=sys.stderr, flush=True)
        return 0
    finally:
        for s in previous:
            signal.signal(s, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown short
        stop(children, grace)
        for s, handler in previous.items():
            signal.signal(s, handler)


def main(argv: Sequence[str]) -> int:
    if not argv:
        print("usage: serve.py 'COMMAND ...' ['COMMAND ...' ...]", file=sys.stderr)
        return 2
    return serve([shlex.split(command) for command in argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
