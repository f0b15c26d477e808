"""A warm parent that forks one worker per job, so that no worker pays for the imports.

The grader runs every student in a process of its own (a *worker* that drives
nbgrader and the student's sandboxed kernels). Importing nbgrader, nbconvert and
nbformat costs about three CPU seconds per process; forking a process that has
imported them already costs a few milliseconds. A :class:`Zygote` is that parent:
started once per grading run, it reads one job a line on its standard input,
forks a child for it (in a new session, standard input and output on
``/dev/null``, standard error into the job's log file) and reports the child's
pid, and later its exit status, on its standard output.

:meth:`Zygote.start` returns a :class:`Worker`, which offers the part of
:class:`subprocess.Popen` the grader uses: ``pid``, ``poll()``, ``wait()``,
``kill()`` and ``returncode`` (negative: killed by that signal).

Only trusted code runs in the zygote and its children; student code runs in the
kernels the workers start, each through ``tools/sandbox.py`` with a fresh
interpreter (``exec``), never in a fork of this process.

The protocol, one JSON object a line::

    parent -> zygote   {"args": [...], "stderr": "/path/to/worker.log"}
    zygote -> parent   {"pid": 1234}                  right after the fork
    zygote -> parent   {"exit": 1234, "status": 0}    when child 1234 has ended
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

# ---------------------------------------------------------------------------
# The zygote's side
# ---------------------------------------------------------------------------

def _send(message: dict) -> None:
    """Write one protocol line on fd 1, unbuffered (a child never flushes it again)."""
    data = (json.dumps(message) + "\n").encode()
    try:
        while data:
            data = data[os.write(1, data):]
    except BrokenPipeError:                # the parent is gone; children finish anyway
        pass


def _child(run, request: dict) -> None:
    """In the forked child: detach, redirect, run the job, and never return."""
    code = 1
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        log = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(log, 2)
        os.close(null)
        os.close(log)
        code = int(run(*request["args"]) or 0)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:                  # noqa: BLE001 - reported in the job's log
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(run) -> int:
    """The zygote's loop: fork ``run(*args)`` for every request until input ends
    and every child has ended. ``run`` returns the child's exit status."""
    children: set[int] = set()
    buffer, closed = b"", False
    while not closed or children:
        ready, _, _ = select.select([] if closed else [0], [], [], 0.05)
        if ready:
            chunk = os.read(0, 65536)
            closed = not chunk
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    _child(run, request)
                children.add(pid)
                _send({"pid": pid})
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                children.clear()
                break
            if pid == 0:
                break
            children.discard(pid)
            _send({"exit": pid, "status": os.waitstatus_to_exitcode(status)})
    return 0


# ---------------------------------------------------------------------------
# The parent's side
# ---------------------------------------------------------------------------

class ZygoteError(RuntimeError):
    """The zygote did not start or died; the caller may start workers another way."""


class Zygote:
    """``Zygote(cmd, log)`` starts ``cmd`` (a program that calls :func:`serve`),
    with its own standard error in the file ``log``."""

    def __init__(self, cmd: list[str], log: Path, start_timeout: float = 600.0):
        self.start_timeout = start_timeout
        with open(log, "ab") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=err)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self._buffer = b""
        self._pids: list[int] = []
        self.status: dict[int, int] = {}
        self.dead = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def pump(self) -> None:
        """Read every message that has arrived, without waiting."""
        while not self.dead:
            try:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
            except BlockingIOError:
                return
            if not chunk:
                self.dead = True
                return
            self._buffer += chunk
            while b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                message = json.loads(line)
                if "pid" in message:
                    self._pids.append(message["pid"])
                else:
                    self.status[message["exit"]] = message["status"]

    def start(self, args: list[str], stderr: Path) -> Worker:
        """Fork a worker running ``run(*args)``, its standard error into ``stderr``."""
        if self.dead or self.proc.poll() is not None:
            raise ZygoteError("the zygote is not running")
        line = (json.dumps({"args": [str(a) for a in args], "stderr": str(stderr)}) + "\n")
        try:
            self.proc.stdin.write(line.encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            self.dead = True
            raise ZygoteError(f"the zygote stopped reading: {exc}") from None
        deadline = time.monotonic() + self.start_timeout
        while not self._pids:
            self.pump()
            if self.dead:
                raise ZygoteError("the zygote ended before it started the worker")
            if time.monotonic() > deadline:
                raise ZygoteError(f"the zygote did not answer in {self.start_timeout:.0f} s")
            select.select([self.proc.stdout], [], [], 0.1)
        return Worker(self, self._pids.pop(0))

    def close(self, timeout: float = 60.0) -> None:
        """End the zygote (after its children: they are waited for, not killed)."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


class Worker:
    """A forked worker, seen through the zygote that is its parent."""

    def __init__(self, zygote: Zygote, pid: int):
        self.zygote, self.pid = zygote, pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.zygote.pump()
            if self.pid in self.zygote.status:
                self.returncode = self.zygote.status.pop(self.pid)
            elif self.zygote.dead and not _alive(self.pid):
                self.returncode = -signal.SIGKILL        # its parent died: status unknown
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout)
            time.sleep(0.05)
        return self.returncode

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _alive(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
