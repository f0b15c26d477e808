# JupyterHub for a class taking "Why deep networks train" (book/instructor.md,
# "Teaching a class on JupyterHub"). Started by start.sh as root:
#
#     deploy/jupyterhub/start.sh            # = jupyterhub -f deploy/jupyterhub/jupyterhub_config.py
#
# Everything the hub keeps lives under one folder, PREFIX (default
# /srv/why-deep-networks-train, or $COURSE_HUB_PREFIX), laid out by the scripts
# beside this file:
#
#   PREFIX/hub-env/   JupyterHub itself (build_hub.sh, requirements.txt), root only
#   PREFIX/proxy/     configurable-http-proxy from npm (build_hub.sh, package-lock.json)
#   PREFIX/env/       the environment every user's server runs (build_env.sh): the
#                     course's wheel, JupyterLab, nbgrader; readable by everyone
#   PREFIX/etc/       students.txt and instructors.txt (one Linux user name a line,
#                     written by add_users.sh), jupyter/nbgrader_config.py (the exchange,
#                     for everyone), jupyterhub_local.py (your institution's settings)
#   PREFIX/exchange/  nbgrader's exchange (mode 1777), where assignments and feedback pass
#   PREFIX/hub/       the hub's database, cookie secret and logs (mode 0700)
#
# Each user is a Linux user with a private home (add_users.sh: mode 0700), and
# their server runs as that user (LocalProcessSpawner): a student can neither
# read another student's work nor the instructor's source notebooks.

import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by JupyterHub)

PREFIX = Path(os.environ.get("COURSE_HUB_PREFIX", "/srv/why-deep-networks-train"))
ENV = PREFIX / "env"
ETC = PREFIX / "etc"
STATE = PREFIX / "hub"


def roster(name):
    """User names listed in PREFIX/etc/<name> (add_users.sh keeps them), one a line."""
    path = ETC / name
    if not path.exists():
        return set()
    return {line.strip() for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#")}


# --- Where the hub listens -------------------------------------------------
# The public address: put a TLS-terminating reverse proxy (nginx, your
# institution's load balancer) in front of it, or give JupyterHub a certificate
# with c.JupyterHub.ssl_cert / ssl_key. Never serve a class over plain HTTP.
c.JupyterHub.bind_url = os.environ.get("COURSE_HUB_URL", "http://:8000")
# The hub's own API, reached by the proxy and the users' servers: loopback only.
c.JupyterHub.hub_bind_url = "http://127.0.0.1:8081"

# --- The hub's state ---------------------------------------------------------
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
# configurable-http-proxy from npm (build_hub.sh: `npm ci` in PREFIX/proxy).
c.ConfigurableHTTPProxy.command = [str(PREFIX / "proxy" / "node_modules" / ".bin" /
                                       "configurable-http-proxy")]
# Stopping the hub stops the proxy and every user's server (the defaults, stated).
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# --- Who may log in ------------------------------------------------------------
# The authenticator is your institution's choice. The default below is PAM: the
# Linux accounts made by add_users.sh, with the passwords you set (passwd NAME).
# For single sign-on install e.g. `oauthenticator` or `ldapauthenticator` into
# PREFIX/hub-env and set it in PREFIX/etc/jupyterhub_local.py, e.g.
#     c.JupyterHub.authenticator_class = "generic-oauth"
# Whatever logs people in, their hub name must be their Linux user name
# (LocalProcessSpawner runs each server as the Linux user of that name).
c.JupyterHub.authenticator_class = "pam"
instructors = roster("instructors.txt")
c.Authenticator.allowed_users = roster("students.txt") | instructors
# Hub admins (full control, including opening anyone's server): the operators
# listed in PREFIX/etc/admins.txt, none by default.
c.Authenticator.admin_users = roster("admins.txt")
# Instructors see the admin page, who is running, and can start and stop
# servers, but cannot open a student's server (no `access:servers`).
c.JupyterHub.load_roles = [{
    "name": "instructor",
    "description": "teaches the course: sees and restarts servers, opens none",
    "scopes": ["admin-ui", "list:users", "read:users", "admin:servers"],
    "users": sorted(instructors),
}]

# --- Each user's server ------------------------------------------------------
# LocalProcessSpawner (the default): each server is a process of its Linux user.
# SystemdSpawner or SudoSpawner would need systemd as PID 1 or sudo; this needs neither.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(ENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    # nbgrader runs helpers (alembic) by name: the environment's bin comes first.
    "PATH": f"{ENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    # Everyone's nbgrader reads the exchange from PREFIX/etc/jupyter/nbgrader_config.py.
    "JUPYTER_CONFIG_PATH": str(ETC / "jupyter"),
    "COURSE_HUB_PREFIX": str(PREFIX),
    # The course's explorers run live in JupyterLab; one BLAS thread per student.
    "LECTURE_KIT_EXPLORERS": "live",
    "OPENBLAS_NUM_THREADS": "1",
}
# A server starts in 3.5-7.5 s on two cores and takes ~150 MB; allow for a busy
# machine at the start of a lab session.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 60

# Institution-specific settings (authenticator, TLS, idle culling, limits) go in
# PREFIX/etc/jupyterhub_local.py, so that this file can be replaced by the next
# version of the course unchanged. It is read last and may override anything above.
_local = ETC / "jupyterhub_local.py"
if _local.exists():
    load_subconfig(str(_local))  # noqa: F821 (provided by JupyterHub)
