#!/usr/bin/env bash
# `npm start`: builds what is missing, then serves the token service locally on workerd at
# http://127.0.0.1:8787 (wrangler dev, wrangler.toml) with a local KV kept in .wrangler/state,
# so users and tokens survive a restart. Prints curl lines that work once the server is up.
# Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh build
bash scripts/build.sh

# The `elastic` password is a secret; locally it lives in the git-ignored .dev.vars. Its
# documented local default is "changeme" (edit the file to change it; restart to apply).
if [ ! -f .dev.vars ]; then
  printf '# Local secrets for wrangler dev (git-ignored). The password of the `elastic` superuser:\nELASTIC_PASSWORD=changeme\n' > .dev.vars
  echo "[serve] created .dev.vars with the local default ELASTIC_PASSWORD=changeme"
fi
# TOKEN_SECRET keys every refreshed token pair: random per checkout, made once and kept (also
# added to a .dev.vars made before it existed), so that local tokens keep refreshing across
# restarts. It is never printed.
if ! grep -q '^TOKEN_SECRET=' .dev.vars; then
  if [ -n "$(tail -c 1 .dev.vars)" ]; then echo >> .dev.vars; fi # a last line without its newline
  secret="$(node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("base64url"))')"
  printf '# The secret refreshed token pairs are derived with (random, at least 32 characters):\nTOKEN_SECRET=%s\n' "$secret" >> .dev.vars
  echo "[serve] added a random TOKEN_SECRET to .dev.vars"
fi

url=http://127.0.0.1:8787
export WRANGLER_SEND_METRICS=false
node node_modules/wrangler/bin/wrangler.js dev --ip 127.0.0.1 --port 8787 --persist-to .wrangler/state \
  --show-interactive-dev-session=false &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null' EXIT INT TERM

# Ready when it answers at all (a 401 without credentials); give up after 60 s.
for _ in $(seq 1 120); do
  if curl -s -o /dev/null "$url/"; then break; fi
  kill -0 "$server" 2>/dev/null || { echo "[serve] wrangler dev exited" >&2; exit 1; }
  sleep 0.5
done
curl -s -o /dev/null "$url/" || { echo "[serve] no answer from $url after 60 s" >&2; exit 1; }

# The password is read from .dev.vars by the commands themselves, never printed.
cat <<EOF

[serve] edge-token is up at $url.
[serve] The console: $url/_console/ (sign in as elastic, password in .dev.vars). Or try, from this folder:

  PW="\$(sed -n 's/^ELASTIC_PASSWORD=//p' .dev.vars)"
  curl -s -u "elastic:\$PW" $url/_security/_authenticate
  curl -s -u "elastic:\$PW" -X PUT $url/_security/user/token_user \\
    -H 'Content-Type: application/json' -d '{"password":"s3krit-password","roles":["superuser"],"full_name":"Token User"}'
  TOKEN="\$(curl -s -u "elastic:\$PW" -X POST $url/_security/oauth2/token -H 'Content-Type: application/json' \\
    -d '{"grant_type":"password","username":"token_user","password":"s3krit-password"}' | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')"
  curl -s -H "Authorization: Bearer \$TOKEN" $url/_security/_authenticate
  curl -s -u "elastic:\$PW" -X DELETE $url/_security/oauth2/token -H 'Content-Type: application/json' -d "{\"token\":\"\$TOKEN\"}"
  curl -s -H "Authorization: Bearer \$TOKEN" $url/_security/_authenticate     # now 401: token expired

EOF
wait "$server"
