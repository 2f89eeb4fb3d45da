#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# protocol.sh - the plugin protocol as dockerd speaks it, driven with curl over
# the unix socket (no dockerd): handshake, 404s, failures that must be HTTP 500
# and never an allow, keep-alive, a slow client that must not block others,
# reload that keeps the old policy on error, SIGTERM exit status.
#
#   tests/e2e/protocol.sh build/portcullis
set -uo pipefail

BIN=$(readlink -f "${1:?usage: protocol.sh PATH_TO_PORTCULLIS}")
D=$(mktemp -d /tmp/portcullis-proto.XXXXXX)
SOCK=$D/p.sock
PID=
pass=0
fail=0

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	jobs -p | xargs -r kill 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1: $2"; }

# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected [$2], got [$3]"; fi
}

# contains NAME NEEDLE HAYSTACK
contains() {
	case "$3" in *"$2"*) ok "$1" ;; *) not_ok "$1" "[$2] not in [$3]" ;; esac
}

# post PATH [DATA-FILE] -> prints "STATUS BODY"
post() {
	local data=()
	[ $# -ge 2 ] && data=(--data-binary "@$2")
	curl -s --max-time 10 --unix-socket "$SOCK" -o "$D/out" -w '%{http_code}' \
		-X POST "${data[@]}" "http://plugin.moby.localhost$1" >"$D/code" 2>/dev/null
	echo "$(cat "$D/code") $(cat "$D/out" 2>/dev/null)"
}

wait_for_socket() {
	local i
	for i in $(seq 1 100); do
		[ -S "$SOCK" ] && return 0
		sleep 0.05
	done
	return 1
}

cat >"$D/policy.yaml" <<'EOF'
version: 1
rules:
  - name: ping-only
    users: ["*"]
    actions: [SystemPing, SystemPingHead]
EOF

"$BIN" serve --policy "$D/policy.yaml" --socket "$SOCK" --audit-log "$D/audit.log" 2>"$D/stderr" &
PID=$!
wait_for_socket || { echo "plugin did not start: $(cat "$D/stderr")"; exit 1; }

check "socket is mode 0600" "600" "$(stat -c %a "$SOCK")"
check "Plugin.Activate implements authz" '200 {"Implements":["authz"]}' "$(post /Plugin.Activate)"
check "unknown path is 404" "404" "$(post /Plugin.Nope | cut -d' ' -f1)"
check "GET on a plugin path is 404" "404" \
	"$(curl -s --unix-socket "$SOCK" -o /dev/null -w '%{http_code}' http://x/Plugin.Activate)"

printf '{"RequestMethod":"GET","RequestUri":"/_ping"}\n' >"$D/ping.json"
check "allowed request" '200 {"Allow":true}' "$(post /AuthZPlugin.AuthZReq "$D/ping.json")"
check "response phase allowed" '200 {"Allow":true}' "$(post /AuthZPlugin.AuthZRes "$D/ping.json")"

printf '{"RequestMethod":"GET","RequestUri":"/v1.41/info"}' >"$D/info.json"
r=$(post /AuthZPlugin.AuthZReq "$D/info.json")
contains "denied request is a 200 with Allow false" '200 {"Allow":false,"Msg":"no rule allows SystemInfo for user \"anonymous\"' "$r"

# dockerd's retry after a transport error arrives with an empty body
: >"$D/empty"
r=$(post /AuthZPlugin.AuthZReq "$D/empty")
contains "empty body is HTTP 500 with Err" '500 {"Allow":false,"Err":"envelope: empty request body' "$r"
printf '{"RequestMethod":"GET","RequestUri":"/_ping"' >"$D/trunc.json"
contains "truncated JSON is HTTP 500" '500 {"Allow":false,"Err":' "$(post /AuthZPlugin.AuthZReq "$D/trunc.json")"
printf '{"RequestMethod":"GET","RequestURI":"/_ping"}' >"$D/docs.json"
contains "RequestURI spelling is refused" '500 {"Allow":false,"Err":"envelope: key' \
	"$(post /AuthZPlugin.AuthZReq "$D/docs.json")"
printf '{"RequestMethod":"GET","RequestUri":"/_ping","RequestBody":"!!"}' >"$D/b64.json"
contains "bad base64 is HTTP 500" '500 {"Allow":false' "$(post /AuthZPlugin.AuthZReq "$D/b64.json")"

# Oversized: 9 MiB of padding inside a valid-looking envelope.
{ printf '{"RequestMethod":"GET","RequestUri":"/_ping","X":"'; head -c 9437184 /dev/zero | tr '\0' a; printf '"}'; } >"$D/big.json"
contains "oversized envelope is HTTP 500" '500 {"Allow":false,"Err":"portcullis: request too large"}' \
	"$(post /AuthZPlugin.AuthZReq "$D/big.json")"

# Keep-alive: several requests on one connection (curl reuses it).
n=$(curl -s --unix-socket "$SOCK" -X POST --data-binary "@$D/ping.json" \
	http://x/AuthZPlugin.AuthZReq http://x/AuthZPlugin.AuthZReq http://x/AuthZPlugin.AuthZReq \
	-w '%{num_connects}\n' -o /dev/null | awk '{ s += $1 } END { print s }')
check "three requests over one keep-alive connection" "1" "$n"

# A slow client (1 byte/s body) must not hold up anyone else.
head -c 4000 /dev/zero | tr '\0' ' ' >"$D/slow.json"
curl -s --unix-socket "$SOCK" --limit-rate 1 -X POST --data-binary "@$D/slow.json" \
	http://x/AuthZPlugin.AuthZReq -o /dev/null &
slow=$!
sleep 0.5
t0=$(date +%s%N)
r=$(post /AuthZPlugin.AuthZReq "$D/ping.json")
t1=$(date +%s%N)
check "answers while a slow client is connected" '200 {"Allow":true}' "$r"
if [ $(((t1 - t0) / 1000000)) -lt 2000 ]; then ok "slow client does not delay others"; else not_ok "slow client does not delay others" "$(((t1 - t0) / 1000000)) ms"; fi
kill $slow 2>/dev/null

# Parallel requests all answered.
pids=()
for i in $(seq 1 20); do
	curl -s --max-time 10 --unix-socket "$SOCK" -X POST --data-binary "@$D/ping.json" \
		http://x/AuthZPlugin.AuthZReq -w ' %{http_code}' >"$D/par.$i" &
	pids+=($!)
done
wait "${pids[@]}"
ans=$(for f in "$D"/par.*; do tr -d '\n' <"$f"; echo; done | grep -c '^{"Allow":true} 200$')
check "20 concurrent requests answered" "20" "$ans"

# Reload: an invalid policy is rejected and the old one kept; a valid one applies.
cp "$D/policy.yaml" "$D/good.yaml"
printf 'version: 1\nrules: [\n' >"$D/policy.yaml"
kill -HUP "$PID"
sleep 0.3
contains "invalid reload is logged with FILE:LINE:COL" "$D/policy.yaml:" "$(cat "$D/stderr")"
check "old policy kept after invalid reload" '200 {"Allow":true}' "$(post /AuthZPlugin.AuthZReq "$D/ping.json")"
cat >"$D/policy.yaml" <<'EOF'
version: 1
default: allow
rules: []
EOF
kill -HUP "$PID"
sleep 0.3
check "valid reload applies" '200 {"Allow":true}' "$(post /AuthZPlugin.AuthZReq "$D/info.json")"

# Audit: one line per decision, valid fields. Batched, so the last records
# may still be on their way: wait (up to 3 s) for the tenth.
for _ in $(seq 60); do [ "$(wc -l <"$D/audit.log")" -ge 10 ] && break; sleep 0.05; done
lines=$(wc -l <"$D/audit.log")
if [ "$lines" -ge 10 ]; then ok "audit log has a line per decision ($lines)"; else not_ok "audit log lines" "$lines"; fi
contains "audit records a denial" '"action":"SystemInfo","object":null,"phase":"request","decision":"deny"' "$(cat "$D/audit.log")"
contains "audit records an error" '"decision":"error"' "$(cat "$D/audit.log")"
mv "$D/audit.log" "$D/audit.log.1"
kill -USR1 "$PID"
sleep 0.3
post /AuthZPlugin.AuthZReq "$D/ping.json" >/dev/null
# Records are written in batches, at most 5 ms late on an idle machine:
# wait for the new file's first one, up to 3 s on a busy one.
for _ in $(seq 60); do [ -s "$D/audit.log" ] && break; sleep 0.05; done
if [ -s "$D/audit.log" ]; then ok "SIGUSR1 reopens the audit log"; else not_ok "SIGUSR1 reopens the audit log" "no new file"; fi

kill -TERM "$PID"
wait "$PID"
check "SIGTERM exits 0" "0" "$?"
PID=
if [ -e "$SOCK" ]; then not_ok "socket removed on exit" "still there"; else ok "socket removed on exit"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
