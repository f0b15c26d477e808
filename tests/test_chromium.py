"""Finding Chromium (tools/chromium.py) and what `make test` does without one.

The discovery function is tried on fake executables in temporary folders. The
Makefile's `chromium` step is run for real in a copy of the Makefile and the
tool: as an unprivileged user with no Chromium on PATH it must stop with one
message and the exact command, before anything else runs; as root it must call
apt-get (a recording stand-in here) and then carry on.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from _book import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import chromium  # noqa: E402


def _exe(path: Path, body: str = "#!/bin/sh\nexit 0\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def empty_env(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    return {"PATH": str(tmp_path / "nobin"), "HOME": str(home)}


def test_nothing_found_is_none(empty_env):
    assert chromium.find_chromium(empty_env) is None


@pytest.mark.parametrize("name", chromium.NAMES)
def test_every_name_on_path_is_found(tmp_path, empty_env, name):
    exe = _exe(tmp_path / "bin" / name)
    env = dict(empty_env, PATH=f"{tmp_path / 'nobin'}:{tmp_path / 'bin'}")
    assert chromium.find_chromium(env) == exe


def test_path_order_prefers_chromium(tmp_path, empty_env):
    _exe(tmp_path / "bin" / "google-chrome")
    exe = _exe(tmp_path / "bin" / "chromium")
    assert chromium.find_chromium(dict(empty_env, PATH=str(tmp_path / "bin"))) == exe


def test_a_non_executable_file_on_path_is_not_a_browser(tmp_path, empty_env):
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "chromium").write_text("not a program")
    assert chromium.find_chromium(dict(empty_env, PATH=str(tmp_path / "bin"))) is None


def test_explicit_chromium_variable_wins(tmp_path, empty_env):
    _exe(tmp_path / "bin" / "chromium")
    mine = _exe(tmp_path / "elsewhere" / "my-chrome")
    env = dict(empty_env, PATH=str(tmp_path / "bin"), CHROMIUM=str(mine))
    assert chromium.find_chromium(env) == mine.resolve()


def test_explicit_chromium_variable_that_is_wrong_is_an_error(tmp_path, empty_env):
    _exe(tmp_path / "bin" / "chromium")
    env = dict(empty_env, PATH=str(tmp_path / "bin"), CHROMIUM=str(tmp_path / "missing"))
    with pytest.raises(chromium.ChromiumError, match="CHROMIUM=.*missing.*not an executable"):
        chromium.find_chromium(env)


def test_playwright_browser_in_the_cache_is_found_newest_first(empty_env):
    cache = Path(empty_env["HOME"]) / ".cache" / "ms-playwright"
    _exe(cache / "chromium-1090" / "chrome-linux" / "chrome")
    newest = _exe(cache / "chromium-1200" / "chrome-linux64" / "chrome")
    _exe(cache / "chromium_headless_shell-1300" / "chrome-linux" / "headless_shell")
    assert chromium.find_chromium(empty_env) == newest


def test_playwright_headless_shell_is_the_last_resort(empty_env):
    cache = Path(empty_env["HOME"]) / ".cache" / "ms-playwright"
    shell = _exe(cache / "chromium_headless_shell-1300" / "chrome-linux" / "headless_shell")
    (cache / "chromium-1200").mkdir()          # an interrupted download: no executable
    assert chromium.find_chromium(empty_env) == shell


def test_playwright_browsers_path_variable(tmp_path, empty_env):
    exe = _exe(tmp_path / "pw" / "chromium-1200" / "chrome-linux" / "chrome")
    assert chromium.find_chromium(dict(empty_env, PLAYWRIGHT_BROWSERS_PATH=str(tmp_path / "pw"))) \
        == exe


def test_the_browser_fixture_uses_the_discovery_function(monkeypatch, tmp_path):
    import _book

    mine = _exe(tmp_path / "my-chrome")
    monkeypatch.setenv("CHROMIUM", str(mine))
    assert _book.chromium_executable() == mine.resolve()
    monkeypatch.delenv("CHROMIUM")
    monkeypatch.setenv("PATH", str(tmp_path / "nobin"))
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(AssertionError, match="apt-get install -y chromium chromium-driver"):
        _book.chromium_executable()


# ---------------------------------------------------------------------------
# make test without a Chromium, for real
# ---------------------------------------------------------------------------

def _sandbox(tmp_path: Path, tools: dict[str, str]) -> tuple[Path, Path]:
    """A copy of the Makefile and tools/chromium.py, and a bin folder with only ``tools``."""
    repo = tmp_path / "repo"
    (repo / "tools").mkdir(parents=True)
    for name in ("Makefile", "requirements.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, repo / name)
    shutil.copy(ROOT / "tools" / "chromium.py", repo / "tools" / "chromium.py")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name, target in tools.items():
        (bindir / name).symlink_to(target)
    home = tmp_path / "home"
    home.mkdir()
    for p in (tmp_path, repo, repo / "tools", bindir, home):
        p.chmod(0o777)
    return repo, bindir


@pytest.fixture
def open_tmp():
    """A temporary folder an unprivileged user can enter (pytest's own is private)."""
    path = Path(tempfile.mkdtemp(prefix="kit-chromium-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _basic_tools() -> dict[str, str]:
    # The system's interpreter, as on a bare machine (and one an ordinary user can run:
    # this venv's may live in root's private home).
    system = Path("/usr/bin/python3")
    tools = {"python3": str(system) if system.exists() else os.path.realpath(sys.executable)}
    for name in ("make", "id", "rm", "test", "touch", "env", "cat", "sh"):
        found = shutil.which(name)
        assert found, f"{name} is needed to run make here"
        tools[name] = found
    return tools


def test_make_test_without_chromium_as_a_user_stops_with_one_message(open_tmp):
    tmp_path = open_tmp
    repo, bindir = _sandbox(tmp_path, _basic_tools())
    env = {"PATH": str(bindir), "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}
    cmd = [str(bindir / "make"), "-C", str(repo), "test"]
    if os.geteuid() == 0:                      # become an ordinary user for real
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to drop root for this test"
        nobody = pwd.getpwnam("nobody")
        cmd = [setpriv, f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
               "--clear-groups", "--"] + cmd
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert out.count("none was found") == 1, out
    assert "sudo apt-get install -y chromium chromium-driver" in out
    assert "CHROMIUM=/path/to/chrome make test" in out
    # it stopped before anything else: no venv, no pip, no pytest
    assert not (repo / ".venv").exists()
    for word in ("-m venv", "-m pip", "-m pytest", ".venv/bin"):
        assert word not in out, out


@pytest.mark.skipif(os.geteuid() != 0, reason="the root path of make chromium needs root")
def test_make_chromium_as_root_installs_debian_packages(tmp_path):
    log = tmp_path / "apt.log"
    tools = _basic_tools()
    repo, bindir = _sandbox(tmp_path, tools)
    # A stand-in apt-get: records its arguments, and "installs" chromium on install.
    _exe(bindir / "apt-get",
         f"#!/bin/sh\necho \"$@\" >> {log}\n"
         f"case \"$*\" in *install*) printf '#!/bin/sh\\n' > {bindir}/chromium; "
         f"{shutil.which('chmod')} +x {bindir}/chromium;; esac\n")
    env = {"PATH": str(bindir), "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}
    result = subprocess.run([str(bindir / "make"), "-C", str(repo), "chromium"],
                            env=env, capture_output=True, text=True, timeout=120)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    calls = log.read_text().splitlines()
    assert calls[0].split() == ["update", "-qq"]
    assert calls[1].split()[-2:] == ["chromium", "chromium-driver"]
    assert "install" in calls[1].split()
    assert f"chromium: {bindir / 'chromium'}" in out


def test_ci_run_is_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text()
    commands = [ln.strip() for ln in script.splitlines()
                if ln.strip() and not ln.strip().startswith(("#", "set ", "cd ", "start=", "echo"))]
    assert commands == ["make test"]
    assert "make test" in (ROOT / "README.md").read_text()
