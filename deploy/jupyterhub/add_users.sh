#!/usr/bin/env bash
# Create the Linux users of the class, with private homes, and let them log in:
#
#   deploy/jupyterhub/add_users.sh --instructor alice
#   deploy/jupyterhub/add_users.sh --student s001 s002 s003 ...     # or: < roster.txt
#
# Homes are made with mode 0700 (useradd -K HOME_MODE=0700): Debian's default 0755
# lets every user read everyone's notebooks, the instructor's sources included.
# An instructor also gets ~/course, the nbgrader course folder (with its
# nbgrader_config.py), and the formgrader back in JupyterLab.
# Set passwords for PAM with `passwd NAME` (or use your institution's authenticator).
# PREFIX: $COURSE_HUB_PREFIX or /srv/why-deep-networks-train (setup_course.sh first).
set -euo pipefail
PREFIX=${COURSE_HUB_PREFIX:-/srv/why-deep-networks-train}
ENV=$PREFIX/env
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
[ -d "$PREFIX/etc" ] || { echo "$PREFIX/etc is missing: run setup_course.sh first" >&2; exit 1; }
role=${1:-}
case "$role" in
    --student) roster=students.txt ;;
    --instructor) roster=instructors.txt ;;
    *) echo "usage: add_users.sh --student|--instructor NAME... (or names on stdin)" >&2; exit 2 ;;
esac
shift
names=("$@")
[ ${#names[@]} -gt 0 ] || mapfile -t names < <(grep -v '^\s*\(#\|$\)' || true)

for name in "${names[@]}"; do
    [[ "$name" =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] \
        || { echo "not a valid user name: '$name' (lower case, digits, - and _)" >&2; exit 1; }
    if ! id "$name" >/dev/null 2>&1; then
        useradd --create-home -K HOME_MODE=0700 --shell /bin/bash "$name"
    fi
    home=$(getent passwd "$name" | cut -d: -f6)
    chmod 0700 "$home"      # also for accounts that existed before
    grep -qx "$name" "$PREFIX/etc/$roster" || echo "$name" >> "$PREFIX/etc/$roster"
    if [ "$role" = --instructor ]; then
        install -d -o "$name" -g "$name" -m 0700 "$home/course"
        cat > "$home/course/nbgrader_config.py" <<CONFIG
# The nbgrader course folder of $name (made by add_users.sh). Everyone's settings
# (course id, exchange) come from $PREFIX/etc/jupyter/nbgrader_config.py.
c = get_config()  # noqa: F821
c.CourseDirectory.root = "$home/course"
CONFIG
        chown "$name:$name" "$home/course/nbgrader_config.py"
        # The formgrader and "create assignment" tools, off for students, on for this user.
        install -d -o "$name" -g "$name" -m 0700 "$home/.jupyter"
        cat > "$home/.jupyter/jupyter_server_config.json" <<CONFIG
{"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": true,
                                       "nbgrader.server_extensions.course_list": true}}}
CONFIG
        install -d -o "$name" -g "$name" -m 0700 "$home/.jupyter/labconfig"
        cat > "$home/.jupyter/labconfig/page_config.json" <<CONFIG
{"disabledExtensions": {"@jupyter/nbgrader:formgrader": false,
                        "@jupyter/nbgrader:course-list": false,
                        "@jupyter/nbgrader:create-assignment": false}}
CONFIG
        chown "$name:$name" "$home/.jupyter/jupyter_server_config.json" \
            "$home/.jupyter/labconfig/page_config.json"
    fi
    echo "$name: ${roster%.txt} (home $home, mode $(stat -c %a "$home"))"
done
echo "restart the hub (or wait for its next start) to let new users in"
