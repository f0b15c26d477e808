#!/usr/bin/env bash
# Build the environment every user's server runs: the course's package (its wheel,
# `make dist`), JupyterLab, nbgrader and jupyterhub-singleuser, pinned by
# requirements-student.txt, from /usr/bin/python3, in a folder every user can read.
#
#   deploy/jupyterhub/build_env.sh dist/lecture_kit-*.whl [ENV_DIR]
#
# ENV_DIR defaults to PREFIX/env (PREFIX: $COURSE_HUB_PREFIX or
# /srv/why-deep-networks-train). Run it again with a new wheel to update the course
# package for everyone (servers pick it up at their next start); the rest of the
# environment is rebuilt only when requirements-student.txt changes.
#
# Why /usr/bin/python3: each server runs as its user, so the Python and everything
# under it must be readable by every user. A venv made from a Python under /root
# (pyenv, mode 0700) fails there with "Permission denied".
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WHEEL=${1:?usage: build_env.sh path/to/lecture_kit-*.whl [ENV_DIR]}
PREFIX=${COURSE_HUB_PREFIX:-/srv/why-deep-networks-train}
ENV=${2:-$PREFIX/env}
PYTHON=${PYTHON:-/usr/bin/python3}
[ -f "$WHEEL" ] || { echo "no wheel at $WHEEL (make dist builds it)" >&2; exit 1; }
WHEEL=$(cd "$(dirname "$WHEEL")" && pwd)/$(basename "$WHEEL")

# Every folder above the Python and the environment must let others through.
readable_by_all() {
    local p
    p=$(realpath -m "$1")
    while [ "$p" != "/" ]; do
        if [ -e "$p" ] && [ $(( 0$(stat -c %a "$p") & 01 )) -eq 0 ]; then
            echo "$p (mode $(stat -c %a "$p")) does not let other users through: $2" >&2
            return 1
        fi
        p=$(dirname "$p")
    done
}
readable_by_all "$(realpath "$PYTHON")" "use a Python outside it (PYTHON=/usr/bin/python3)"
readable_by_all "$(dirname "$ENV")" "build the environment in a shared folder"

want=$(cat "$HERE/requirements-student.txt" | sha256sum | cut -c1-64)
if [ "$(cat "$ENV/.built" 2>/dev/null)" != "$want" ]; then
    echo "== the students' environment into $ENV (a few minutes)"
    rm -rf "$ENV"
    "$PYTHON" -m venv "$ENV"
    "$ENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "$HERE/requirements-student.txt"
    # Students get the Assignments panel only: the formgrader, the course list and
    # the "create assignment" toolbar are for the instructor (add_users.sh
    # --instructor turns them back on for that user).
    for ext in formgrader course_list; do
        "$ENV/bin/jupyter" server extension disable --sys-prefix \
            "nbgrader.server_extensions.$ext" >/dev/null 2>&1
    done
    for plugin in formgrader course-list create-assignment; do
        "$ENV/bin/jupyter" labextension disable --level=sys_prefix \
            "@jupyter/nbgrader:$plugin" >/dev/null 2>&1
    done
    echo "$want" > "$ENV/.built"
fi
echo "== $(basename "$WHEEL") into $ENV"
"$ENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    --force-reinstall "$WHEEL"
chmod -R a+rX "$ENV"
# What a student's kernel imports: the installed course package, not a checkout.
(cd / && "$ENV/bin/python" -c "import lecture_kit, lecture_kit.check, nbgrader; print('lecture_kit', lecture_kit.__version__ if hasattr(lecture_kit, '__version__') else '', 'from', lecture_kit.__file__)")
