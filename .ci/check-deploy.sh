#!/usr/bin/env bash
# CI: the deployment examples in deploy/ pass their own checkers: systemd-analyze verify for the
# units (any warning fails) and nginx -t for the reverse proxy (with a throw-away certificate in
# place of the example's certbot paths).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d /tmp/partnerpuls-deploy.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

out=$(systemd-analyze verify deploy/partnerpuls.service deploy/partnerpuls-backup.service deploy/partnerpuls-backup.timer 2>&1) || {
  echo "$out"
  exit 1
}
if [ -n "$out" ]; then
  echo "systemd-analyze verify warned:"
  echo "$out"
  exit 1
fi
echo "systemd-analyze verify: deploy/*.service, deploy/*.timer ok"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=partnerpuls.test -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
sed -e "s|/etc/letsencrypt/live/partnerpuls.region.example.se/fullchain.pem|$tmp/cert.pem|" \
  -e "s|/etc/letsencrypt/live/partnerpuls.region.example.se/privkey.pem|$tmp/key.pem|" deploy/nginx-partnerpuls.conf >"$tmp/site.conf"
cat >"$tmp/nginx.conf" <<CONF
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events {}
http {
  include /etc/nginx/mime.types;
  include $tmp/site.conf;
}
CONF
nginx -q -t -c "$tmp/nginx.conf" -p "$tmp"
echo "nginx -t: deploy/nginx-partnerpuls.conf ok"
