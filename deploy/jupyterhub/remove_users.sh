#!/usr/bin/env bash
# Remove users of the class (end of term, or a test): stop their processes, delete
# the account and its home (userdel -r) and take them off the rosters.
#
#   deploy/jupyterhub/remove_users.sh NAME...
#
# Stop their servers from the hub first (admin page or REST API); processes still
# running as the user are then ended by their process id.
set -euo pipefail
PREFIX=${COURSE_HUB_PREFIX:-/srv/why-deep-networks-train}
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
for name in "$@"; do
    if id "$name" >/dev/null 2>&1; then
        uid=$(id -u "$name")
        [ "$uid" -ge 1000 ] || { echo "refusing to remove system user $name" >&2; exit 1; }
        for signal in TERM KILL; do
            pids=$(ps -o pid= -u "$uid" || true)
            [ -z "$pids" ] && break
            kill -s "$signal" $pids 2>/dev/null || true
            sleep 1
        done
        userdel -r "$name" 2>/dev/null || userdel -r -f "$name"
    fi
    for roster in students instructors admins; do
        f="$PREFIX/etc/$roster.txt"
        [ -f "$f" ] && sed -i "/^$name\$/d" "$f"
    done
    echo "$name removed"
done
