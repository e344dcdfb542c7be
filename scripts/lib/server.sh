# Sourced by scripts that start a Latchkey (or peer) server of their own.
#
#   wait_for_server BASE_URL        waits up to 30 s for BASE_URL/api/openapi.json
#                                   (or, for the Node peer, any answer on /api); 1 on timeout
#   sign_in_cookie BASE EMAIL ORG PASSWORD
#                                   signs in with a password; prints `latchkey_session=…`

wait_for_server() {
  local base=$1
  for _ in $(seq 300); do
    # Any HTTP answer means it listens (the peer has no openapi.json: 404).
    curl -sS -o /dev/null "$base/api/openapi.json" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no server answered at $base within 30 s" >&2
  return 1
}

sign_in_cookie() {
  local base=$1 email=$2 org=$3 password=$4
  curl -fsS -D - -o /dev/null -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"org\":\"$org\",\"password\":\"$password\"}" \
    "$base/api/login/password" | sed -n 's/^set-cookie: \(latchkey_session=[^;]*\).*/\1/Ip' | tr -d '\r'
}
