#!/usr/bin/env bash
# Lay out the course's folder on the hub machine (run once, as root):
#
#   deploy/jupyterhub/setup_course.sh [PREFIX]     # default /srv/why-deep-networks-train
#
#   PREFIX/etc/jupyter/nbgrader_config.py   the exchange, for every user's nbgrader
#   PREFIX/etc/{students,instructors,admins}.txt   who may log in (add_users.sh fills them)
#   PREFIX/exchange/   nbgrader's exchange: everyone may write (1777, like /tmp); nbgrader
#                      keeps each submission and feedback file private inside it
#   PREFIX/hub/        the hub's database and secrets: root only (0700)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PREFIX=${1:-${COURSE_HUB_PREFIX:-/srv/why-deep-networks-train}}
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
install -d -m 0755 "$PREFIX" "$PREFIX/etc" "$PREFIX/etc/jupyter"
install -d -m 1777 "$PREFIX/exchange"
install -d -m 0700 "$PREFIX/hub"
install -m 0644 "$HERE/nbgrader_config.py" "$PREFIX/etc/jupyter/nbgrader_config.py"
for roster in students instructors admins; do
    [ -e "$PREFIX/etc/$roster.txt" ] || install -m 0644 /dev/null "$PREFIX/etc/$roster.txt"
done
echo "course folder ready: $PREFIX"
