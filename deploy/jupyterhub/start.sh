#!/usr/bin/env bash
# Start the course's JupyterHub without systemd (as root, in the foreground):
#
#   deploy/jupyterhub/start.sh                         # stop with Ctrl-C or SIGTERM
#   nohup deploy/jupyterhub/start.sh >> /var/log/course-hub.log 2>&1 &   # in the background
#
# The hub starts the proxy and, on demand, each user's server; stopping the hub
# (SIGTERM or SIGINT) stops them all. Extra arguments go to jupyterhub.
# PREFIX: $COURSE_HUB_PREFIX or /srv/why-deep-networks-train.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export COURSE_HUB_PREFIX=${COURSE_HUB_PREFIX:-/srv/why-deep-networks-train}
[ "$(id -u)" = 0 ] || { echo "run as root: the hub starts each user's server as that user" >&2; exit 1; }
for need in hub-env/bin/jupyterhub proxy/node_modules/.bin/configurable-http-proxy \
            env/bin/jupyterhub-singleuser etc/jupyter/nbgrader_config.py; do
    [ -e "$COURSE_HUB_PREFIX/$need" ] || {
        echo "$COURSE_HUB_PREFIX/$need is missing: see book/instructor.md, 'Teaching a class on JupyterHub'" >&2
        exit 1; }
done
umask 077
cd "$COURSE_HUB_PREFIX/hub"
exec "$COURSE_HUB_PREFIX/hub-env/bin/jupyterhub" -f "$HERE/jupyterhub_config.py" "$@"
