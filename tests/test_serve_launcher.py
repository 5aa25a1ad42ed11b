"""scripts/serve.py, what `make run` starts: Ctrl-C stops the web server and the worker, and says so cleanly."""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVE = ROOT / "scripts" / "serve.py"
SLEEPER = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(60)"


def _command(code: str, *args: str) -> str:
    return shlex.join([sys.executable, "-c", code, *args])


def _pids(files: list[Path], timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    while not all(f.exists() and f.read_text() for f in files):
        assert time.monotonic() < deadline, "the commands did not start"
        time.sleep(0.05)
    return [int(f.read_text()) for f in files]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_every_command_and_exits_0(tmp_path, signum):
    files = [tmp_path / "web.pid", tmp_path / "worker.pid"]
    launcher = subprocess.Popen([sys.executable, str(SERVE), *(_command(SLEEPER, str(f)) for f in files)],
                                stderr=subprocess.PIPE, text=True)
    pids = _pids(files)

    launcher.send_signal(signum)
    _, err = launcher.communicate(timeout=20)

    assert launcher.returncode == 0
    assert "stopping the web server and the worker" in err and "Traceback" not in err
    assert not any(_running(pid) for pid in pids)


def test_when_one_command_ends_the_others_are_stopped_and_its_status_returned(tmp_path):
    survivor = tmp_path / "worker.pid"
    launcher = subprocess.run(
        [sys.executable, str(SERVE), _command(SLEEPER, str(survivor)),
         _command("import time, sys; time.sleep(1); sys.exit(3)")],
        capture_output=True, text=True, timeout=30)
    assert launcher.returncode == 3 and "status 3" in launcher.stderr
    assert not _running(int(survivor.read_text()))


def test_a_command_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path):
    sys.path.insert(0, str(SERVE.parent))
    try:
        import serve
    finally:
        sys.path.remove(str(SERVE.parent))
    stubborn = subprocess.Popen([sys.executable, "-c",
                                 "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                                 "print('ready', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    assert stubborn.stdout.readline().strip() == "ready"
    serve.stop([stubborn], grace=0.5)
    assert stubborn.returncode == -signal.SIGKILL
