#!/usr/bin/env bash
# Run the test suite as if on a host where agentmail is deployed per the README, with a hostile twist:
# /etc/agentmail/agentmail.env is root:mail 640 and every value in it points somewhere wrong, and
# /var/lib/agentmail is a root-owned 700 directory holding a root-owned sends/.  A test that read either
# would fail.  Both exist only inside a private mount namespace (overlays over /etc and /var/lib, discarded
# at the end): the host's real /etc and /var/lib are never written.  Needs root (unshare, mount).
#
#   make test-deployed-host            # the whole suite
#   tests/stack/deployed_host.sh tests/e2e   # arguments replace the default "tests" given to pytest
#   AGENTMAIL_TEST_PYTEST_ARGS="-n 3 --dist loadgroup"   # options put before them (make passes its workers)
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${AGENTMAIL_DEPLOYED_HOST_WORK:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "deployed_host.sh needs root (a private mount namespace)" >&2; exit 1; }
    work=$(mktemp -d /tmp/agentmail-deployed-host-XXXXXX)
    trap 'rm -rf "$work"' EXIT
    status=0
    AGENTMAIL_DEPLOYED_HOST_WORK=$work unshare --mount --propagation private "$0" "$@" || status=$?
    exit $status
fi

work=$AGENTMAIL_DEPLOYED_HOST_WORK
for top in etc var-lib; do mkdir -p "$work/$top/upper" "$work/$top/work"; done
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$work/etc/upper,workdir=$work/etc/work" /etc
mount -t overlay overlay -o "lowerdir=/var/lib,upperdir=$work/var-lib/upper,workdir=$work/var-lib/work" /var/lib

install -d -m 755 /etc/agentmail
cat > /etc/agentmail/agentmail.env <<'EOF'
# hostile: a test that reads this file talks to nothing that works
AGENTBBS_MAIL_ADDR_DOMAIN=hostile.invalid
AGENTBBS_MAIL_DOMAIN=hostile.invalid
AGENTBBS_MAIL_IMAP_ADDR=127.0.0.1:9
AGENTBBS_MAIL_SMTP_ADDR=127.0.0.1:9
AGENTBBS_MAIL_MASTER_USER=hostile
AGENTBBS_MAIL_MASTER_PASS=hostile-master-pass
AGENTMAIL_STATE_DIR=/var/lib/agentmail
AGENTMAIL_SEND_PER_HOUR=1
AGENTMAIL_SSH_USER=nobody
EOF
chown root:mail /etc/agentmail/agentmail.env
chmod 640 /etc/agentmail/agentmail.env
install -d -o root -g root -m 700 /var/lib/agentmail /var/lib/agentmail/sends
echo "deployed-host run: hostile /etc/agentmail/agentmail.env and /var/lib/agentmail in a private namespace" >&2
# shellcheck disable=SC2086  # the options are words
.venv/bin/pytest -q ${AGENTMAIL_TEST_PYTEST_ARGS:-} "${@:-tests}"
# Nothing may have used the host's state directory.
left=$(find /var/lib/agentmail -mindepth 1 ! -path /var/lib/agentmail/sends | head -5)
if [ -n "$left" ]; then
    echo "the suite wrote into /var/lib/agentmail: $left" >&2
    exit 1
fi
