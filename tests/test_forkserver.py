"""tools/forkserver.py: the warm zygote that forks the grader's workers.

The zygote here serves a small job function written for the test (exit with a
given status, sleep, raise, print), so every property is checked against what
the job did, not against the module's own bookkeeping.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from _book import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import forkserver  # noqa: E402

JOB = """
import os, sys, time
sys.path.insert(0, {tools!r})
import forkserver

def run(kind, arg, out):
    with open(out, "w") as fh:
        fh.write(f"{{os.getpid()}} {{os.getsid(0)}} {{os.getppid()}}")
    print("to stdout", flush=True)
    print("to stderr:", kind, file=sys.stderr, flush=True)
    if kind == "exit":
        return int(arg)
    if kind == "sleep":
        time.sleep(float(arg))
        return 0
    if kind == "raise":
        raise ValueError(arg)
    if kind == "sysexit":
        sys.exit(int(arg))

sys.exit(forkserver.serve(run))
"""


@pytest.fixture
def zygote(tmp_path):
    z = forkserver.Zygote([sys.executable, "-c", JOB.format(tools=str(ROOT / "tools"))],
                          tmp_path / "zygote.log", start_timeout=120)
    yield z
    for pid in list(z.status):
        z.status.pop(pid)
    z.close(timeout=30)


def _ids(path: Path) -> tuple[int, int, int]:
    pid, sid, ppid = map(int, path.read_text().split())
    return pid, sid, ppid


def test_exit_status_pid_session_and_logs(zygote, tmp_path):
    out, log = tmp_path / "ids", tmp_path / "w.log"
    worker = zygote.start(["exit", "7", out], log)
    assert worker.wait(timeout=60) == 7
    pid, sid, ppid = _ids(out)
    assert pid == worker.pid and sid == pid, "the worker leads a session of its own"
    assert ppid == zygote.pid
    text = log.read_text()
    assert "to stderr: exit" in text and "to stdout" not in text


def test_statuses_of_several_workers_are_not_mixed_up(zygote, tmp_path):
    workers = {code: zygote.start(["exit", str(code), tmp_path / f"i{code}"],
                                  tmp_path / f"l{code}") for code in (0, 3, 5, 9)}
    assert {code: w.wait(timeout=60) for code, w in workers.items()} == {0: 0, 3: 3, 5: 5, 9: 9}
    assert len({w.pid for w in workers.values()}) == 4


def test_kill_is_reported_as_the_signal(zygote, tmp_path):
    worker = zygote.start(["sleep", "60", tmp_path / "ids"], tmp_path / "w.log")
    with pytest.raises(subprocess.TimeoutExpired):
        worker.wait(timeout=0.3)
    assert worker.poll() is None
    os.killpg(worker.pid, signal.SIGKILL)       # the grader kills a worker's whole group
    assert worker.wait(timeout=60) == -signal.SIGKILL


def test_an_exception_exits_1_with_its_traceback_in_the_log(zygote, tmp_path):
    log = tmp_path / "w.log"
    assert zygote.start(["raise", "broken job", tmp_path / "ids"], log).wait(timeout=60) == 1
    assert "ValueError: broken job" in log.read_text()
    assert zygote.start(["sysexit", "4", tmp_path / "ids2"], log).wait(timeout=60) == 4


def test_close_waits_for_running_workers(zygote, tmp_path):
    worker = zygote.start(["sleep", "1", tmp_path / "ids"], tmp_path / "w.log")
    started = time.monotonic()
    zygote.close(timeout=60)
    assert time.monotonic() - started >= 0.5, "the zygote ended before its worker"
    assert zygote.proc.returncode == 0


def test_a_dead_zygote_is_an_error_and_its_orphans_are_seen_ending(zygote, tmp_path):
    worker = zygote.start(["sleep", "0.5", tmp_path / "ids"], tmp_path / "w.log")
    zygote.proc.kill()
    zygote.proc.wait()
    assert worker.wait(timeout=60) is not None
    with pytest.raises(forkserver.ZygoteError):
        zygote.start(["exit", "0", tmp_path / "ids2"], tmp_path / "w2.log")


def test_a_zygote_that_cannot_start_is_an_error(tmp_path):
    z = forkserver.Zygote([sys.executable, "-c", "import sys; sys.exit(3)"],
                          tmp_path / "z.log", start_timeout=60)
    with pytest.raises(forkserver.ZygoteError):
        z.start(["x"], tmp_path / "w.log")
    z.close()
