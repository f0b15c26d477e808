"""Find the Chromium the browser tests drive, or install Debian's (standard library only).

One discovery function, :func:`find_chromium`, is used by the tests
(``tests/_book.py``) and by ``make test`` / ``.ci/run`` (``make chromium`` runs
this file before anything else). Where it looks, in order:

1. ``$CHROMIUM``: an explicit path (an error if it is not an executable file);
2. on ``PATH``: ``chromium``, ``chromium-browser``, ``google-chrome``,
   ``google-chrome-stable``, ``chrome``;
3. Playwright's own browsers (``$PLAYWRIGHT_BROWSERS_PATH``, else
   ``~/.cache/ms-playwright``): the newest ``chromium-*`` full browser, then the
   newest ``chromium_headless_shell-*``.

Usage::

    python3 tools/chromium.py            # print the browser found; exit 1 if none
    python3 tools/chromium.py --ensure   # same, but install Debian's chromium and
                                         # chromium-driver when none is found and we
                                         # are root; otherwise one message saying how
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
DEBIAN_PACKAGES = ("chromium", "chromium-driver")
INSTALL_COMMAND = "sudo apt-get install -y chromium chromium-driver"

# Inside a Playwright browser folder (chromium-1234/...), by Playwright version.
_PLAYWRIGHT_EXES = {
    "chromium": ("chrome-linux64/chrome", "chrome-linux/chrome",
                 "chrome-mac/Chromium.app/Contents/MacOS/Chromium",
                 "chrome-win/chrome.exe", "chrome-win64/chrome.exe"),
    "chromium_headless_shell": ("chrome-headless-shell-linux64/chrome-headless-shell",
                                "chrome-linux/headless_shell"),
}


class ChromiumError(RuntimeError):
    """``$CHROMIUM`` names something that is not an executable file."""


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _revision(folder: Path) -> int:
    match = re.search(r"-(\d+)$", folder.name)
    return int(match.group(1)) if match else -1


def playwright_dir(env=None) -> Path:
    """Where Playwright keeps its browsers (``$PLAYWRIGHT_BROWSERS_PATH`` or the default)."""
    env = os.environ if env is None else env
    custom = env.get("PLAYWRIGHT_BROWSERS_PATH", "")
    if custom and custom != "0":
        return Path(custom).expanduser()
    home = Path(env.get("HOME") or Path.home())
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "ms-playwright"
    return Path(env.get("XDG_CACHE_HOME") or home / ".cache") / "ms-playwright"


def find_chromium(env=None) -> Path | None:
    """The Chromium to use, or ``None`` when there is none (see the module docstring).

    ``env`` defaults to ``os.environ``; only ``CHROMIUM``, ``PATH``, ``HOME``,
    ``XDG_CACHE_HOME`` and ``PLAYWRIGHT_BROWSERS_PATH`` are read.
    """
    env = os.environ if env is None else env
    explicit = env.get("CHROMIUM", "").strip()
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_absolute():
            found = shutil.which(explicit, path=env.get("PATH", ""))
            path = Path(found) if found else path
        if not _executable(path):
            raise ChromiumError(f"CHROMIUM={explicit!r} is not an executable file: "
                                "point it at a Chromium or Chrome binary, or unset it")
        return path.resolve()
    for name in NAMES:
        found = shutil.which(name, path=env.get("PATH", ""))
        if found:
            return Path(found)
    base = playwright_dir(env)
    for kind, inside in _PLAYWRIGHT_EXES.items():
        folders = sorted(base.glob(f"{kind}-*"), key=_revision, reverse=True)
        for folder in folders:
            for rel in inside:
                if _executable(folder / rel):
                    return folder / rel
    return None


def where_looked(env=None) -> str:
    env = os.environ if env is None else env
    return (f"$CHROMIUM (unset), {', '.join(NAMES)} on PATH, "
            f"and Playwright's browsers in {playwright_dir(env)}")


def missing_message(env=None) -> str:
    """The one message shown when there is no Chromium and we cannot install it."""
    return (
        "make test needs Chromium for its browser tests, and none was found "
        f"(looked at {where_looked(env)}).\n"
        f"Install Debian's packages as root, then run make test again:\n\n"
        f"    {INSTALL_COMMAND}\n\n"
        "or point CHROMIUM at an existing browser: CHROMIUM=/path/to/chrome make test"
    )


def install_debian_packages() -> int:
    """``apt-get update`` then install chromium and chromium-driver (as root)."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print("== installing Debian's chromium and chromium-driver for the browser tests",
          flush=True)
    for cmd in (["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                 *DEBIAN_PACKAGES]):
        code = subprocess.call(cmd, env=env, stdout=subprocess.DEVNULL)
        if code:
            print(f"`{' '.join(cmd)}` failed with exit code {code}", file=sys.stderr)
            return code
    return 0


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    ensure = "--ensure" in args
    try:
        found = find_chromium()
    except ChromiumError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if found is None and ensure and hasattr(os, "geteuid") and os.geteuid() == 0 \
            and shutil.which("apt-get"):
        code = install_debian_packages()
        if code:
            return code
        found = find_chromium()
    if found is None:
        print(missing_message(), file=sys.stderr)
        return 1
    print(f"chromium: {found}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
