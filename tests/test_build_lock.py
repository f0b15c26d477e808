"""Two builds of one checkout never run at once (``release_kit.build_lock``).

setuptools stages an sdist in ``<checkout>/lecture_kit-<version>/``: when two
test workers built the wheel of the checkout together (the wheel test and the
student-kit test), one deleted the other's staged files and the build failed.
Here the build command is replaced by one that records when it runs.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import _book  # noqa: F401 - puts tools/ on sys.path
import release_kit  # tools/ is on sys.path (_book)


def _recording_build(events: list, lock: threading.Lock):
    def run(cmd, **kwargs):
        outdir = Path(cmd[cmd.index("--outdir") + 1])
        with lock:
            events.append(("start", outdir.name))
        time.sleep(0.3)
        (outdir / "lecture_kit-0.1.0-py3-none-any.whl").write_bytes(b"")
        with lock:
            events.append(("end", outdir.name))

        class Done:
            returncode = 0
            stdout = stderr = ""
        return Done()
    return run


def test_builds_of_one_checkout_take_turns(tmp_path, monkeypatch):
    events: list = []
    monkeypatch.setattr(release_kit.subprocess, "run",
                        _recording_build(events, threading.Lock()))
    root = tmp_path / "checkout"
    root.mkdir()
    wheels = {}

    def build(name):
        wheels[name] = release_kit.build_wheel(root, tmp_path / name)

    threads = [threading.Thread(target=build, args=(f"out{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(wheels) == ["out0", "out1", "out2"]
    assert [kind for kind, _ in events] == ["start", "end"] * 3, events
    assert all(events[i][1] == events[i + 1][1] for i in range(0, 6, 2)), events


def test_builds_of_different_checkouts_do_not_wait_for_each_other(tmp_path, monkeypatch):
    events: list = []
    monkeypatch.setattr(release_kit.subprocess, "run",
                        _recording_build(events, threading.Lock()))
    threads = []
    for i in range(2):
        root = tmp_path / f"checkout{i}"
        root.mkdir()
        threads.append(threading.Thread(target=release_kit.build_wheel,
                                        args=(root, tmp_path / f"out{i}")))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert [kind for kind, _ in events][:2] == ["start", "start"], events
