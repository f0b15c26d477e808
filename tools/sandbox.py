"""Start one command (a student's Jupyter kernel) inside a sandbox.

Usage: ``python tools/sandbox.py CONFIG.json -- COMMAND...`` (``tools/grading.py``
writes the configuration and puts this in front of the kernel's command line).

What the command gets (see ``book/instructor.md``, "What the grading sandbox
guarantees"):

* **isolation "namespaces"** (as root, or as a user allowed to create user
  namespaces): new mount, PID, network, IPC and UTS namespaces. The command
  sees a file system assembled from scratch on a tmpfs and entered with
  ``chroot``: the system directories (``/usr``, ``/etc``, the Python
  installation and the virtual environment) bound read-only, ``lecture_kit``
  bound read-only, an empty private ``/tmp`` and home folder (tmpfs, size
  limited) holding only copies of the files named in the configuration, and
  the folder of the kernel's connection sockets (ZeroMQ over Unix sockets:
  there is no network interface but a downed loopback). Nothing else of the
  host exists inside: not the repository, ``book/``, ``grading/``, other
  students or ``/root``. As root the command runs as the unprivileged numeric
  uid/gid of the configuration with no supplementary groups and no
  capabilities; as another user it runs as that user, without capabilities,
  in a user namespace. The command is PID 1 of its PID namespace: when it ends
  or is killed, the kernel kills every process left in the namespace
  (double-forked ``setsid`` daemons included).
* **isolation "none"** (no namespaces available): only the limits below, a new
  session, and the grader's subreaper clean-up. The command can read and
  write whatever the grading user can.
* Always: resource limits (address space, processes, file size, open files,
  CPU seconds, no core files) and ``PR_SET_NO_NEW_PRIVS``.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import signal
import sys
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME, ST_RELATIME = 1024, 2048, 1 << 21, 4096
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0,
          data: str | None = None) -> None:
    enc = (lambda s: None if s is None else os.fsencode(s))
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags),
                       enc(data)), f"mount {source} on {target}")


def prctl(option: int, arg: int) -> None:
    _check(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0),
                       ctypes.c_ulong(0), ctypes.c_ulong(0)), "prctl")


def set_limits(limits: dict) -> None:
    """Apply the resource limits of the configuration (values in bytes / counts / seconds)."""
    table = {"as": resource.RLIMIT_AS, "nproc": resource.RLIMIT_NPROC,
             "fsize": resource.RLIMIT_FSIZE, "nofile": resource.RLIMIT_NOFILE,
             "cpu": resource.RLIMIT_CPU, "core": resource.RLIMIT_CORE}
    for key, value in limits.items():
        if key in table and value is not None:
            resource.setrlimit(table[key], (int(value), int(value)))


def _inside(root: str, path: str) -> str:
    return os.path.join(root, path.lstrip("/"))


def _bind(root: str, path, writable: bool = False) -> None:
    """Bind host ``path`` (or ``[source, place]``) under ``root``, read-only unless ``writable``."""
    path, place = (path, path) if isinstance(path, str) else path
    if not os.path.lexists(path):
        return
    target = _inside(root, place)
    if os.path.islink(path) and os.path.dirname(path) == "/":
        # merged /usr: /bin -> usr/bin etc. stay symlinks
        if not os.path.lexists(target):
            os.symlink(os.readlink(path), target)
        return
    real = os.path.realpath(path)
    if os.path.isdir(real):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            open(target, "a").close()
    mount(real, target, None, MS_BIND | MS_REC)
    # A user namespace may not drop the flags the original mount has (they are
    # locked): keep them, add nosuid, nodev and (unless writable) read-only.
    have = os.statvfs(real).f_flag
    keep = (have & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME
                    | MS_NODIRATIME)) | (MS_RELATIME if have & ST_RELATIME else 0)
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | keep | (0 if writable else MS_RDONLY)
    mount(None, target, None, flags)


def build_root(cfg: dict) -> None:
    """Assemble the sandbox's file system under ``cfg["root"]`` and ``chroot`` into it."""
    root = cfg["root"]
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("sandbox", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=8m,mode=0755")
    # /dev: a few harmless devices only
    dev = _inside(root, "/dev")
    os.makedirs(dev, exist_ok=True)
    mount("sandbox-dev", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
    for name in ("null", "zero", "full", "random", "urandom"):
        if os.path.exists(f"/dev/{name}"):
            open(os.path.join(dev, name), "a").close()
            mount(f"/dev/{name}", os.path.join(dev, name), None, MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, os.path.join(dev, name))
    uid, gid = cfg["uid"], cfg["gid"]
    for path, size in (("/dev/shm", cfg["tmp_mb"]), ("/tmp", cfg["tmp_mb"]),
                       (cfg["home"], cfg["home_mb"])):
        target = _inside(root, path)
        os.makedirs(target, exist_ok=True)
        owner = f",uid={uid},gid={gid}" if cfg["mode"] == "root" else ""
        mount("sandbox-tmp", target, "tmpfs", MS_NOSUID | MS_NODEV,
              f"size={int(size)}m,mode={'1777' if path != cfg['home'] else '0700'}{owner}")
    for path in cfg["ro"]:
        _bind(root, path)
    for path in cfg.get("rw", []):
        _bind(root, path, writable=True)
    proc = _inside(root, "/proc")
    os.makedirs(proc, exist_ok=True)
    try:
        mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError:
        pass  # a user namespace in a container may not mount proc: the kernel runs without
    home = _inside(root, cfg["home"])
    for source, name in cfg.get("copy", []):
        dest = os.path.join(home, name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if os.path.isdir(source):
            shutil.copytree(source, dest, symlinks=False)
        elif os.path.isfile(source):
            shutil.copyfile(source, dest)
    if cfg["mode"] == "root":
        for dirpath, dirnames, filenames in os.walk(home):
            for n in dirnames + filenames:
                os.lchown(os.path.join(dirpath, n), uid, gid)
    mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chroot(root)
    os.chdir(cfg["home"])


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def run_isolated(cfg: dict, cmd: list[str], env: dict) -> int:
    """Namespaces + chroot + unprivileged ids; return the command's exit status."""
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    outer_uid, outer_gid = os.getuid(), os.getgid()
    if cfg["mode"] == "userns":
        unshare(flags | CLONE_NEWUSER)
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{outer_uid} {outer_uid} 1\n")
        _write("/proc/self/gid_map", f"{outer_gid} {outer_gid} 1\n")
    else:
        unshare(flags)
    alive_r, alive_w = os.pipe()
    pid = os.fork()
    if pid == 0:                                   # PID 1 of the new namespace
        try:
            os.close(alive_w)
            build_root(cfg)
            os.setsid()
            set_limits(cfg["limits"])
            if cfg["mode"] == "root":
                os.setgroups([])
                os.setgid(cfg["gid"])
                os.setuid(cfg["uid"])
            prctl(PR_SET_NO_NEW_PRIVS, 1)
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            os.set_blocking(alive_r, False)
            try:
                if os.read(alive_r, 1) == b"":     # the launcher already died
                    os._exit(1)
            except BlockingIOError:
                pass
            os.close(alive_r)
            os.execve(cmd[0], cmd, env)
        except BaseException as exc:  # noqa: BLE001 - report, never fall back to no sandbox
            try:
                os.write(2, f"sandbox: {type(exc).__name__}: {exc}\n".encode())
            finally:
                os._exit(70)
    os.close(alive_r)

    def forward(signum, _frame):
        # PID 1 of a namespace ignores signals it has no handler for: "terminate"
        # becomes SIGKILL, which also ends every process of the namespace.
        if signum in (signal.SIGTERM, signal.SIGHUP):
            signum = signal.SIGKILL
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT,
                signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, forward)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:
            return 1
    return os.waitstatus_to_exitcode(status) if status else 0


def run_plain(cfg: dict, cmd: list[str], env: dict) -> None:
    """No namespaces: limits, a new session and no new privileges, then exec."""
    try:
        os.setsid()
    except OSError:
        pass
    set_limits(cfg["limits"])
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    os.chdir(cfg["plain_home"])
    os.execve(cmd[0], cmd, env)


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    cfg = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    cmd = argv[3:]
    env = dict(cfg["env"])
    if cfg["mode"] == "none":
        env["HOME"] = cfg["plain_home"]
        run_plain(cfg, cmd, env)
        return 70
    env["HOME"] = cfg["home"]
    if cfg["mode"] == "root":
        # the kernel reads its connection file (written 0600 by the grader) as its own user
        for i, arg in enumerate(cmd[:-1]):
            if arg == "-f" and os.path.dirname(os.path.abspath(cmd[i + 1])) == cfg["conn"]:
                os.chown(cmd[i + 1], cfg["uid"], cfg["gid"])
    code = run_isolated(cfg, cmd, env)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
