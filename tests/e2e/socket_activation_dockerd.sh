#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# socket_activation_dockerd.sh - socket activation under load, through a real
# dockerd: sd_listen (tests/e2e/sd_listen.c) holds the plugin's listening
# socket as systemd does for portcullis.socket and runs `portcullis serve` on
# it (fd 3, LISTEN_FDS=1, LISTEN_PID); a private dockerd uses that socket as
# its authorization plugin. Parallel loops of docker commands run for
# LOAD_S seconds while Portcullis is SIGKILLed and restarted on the held
# socket KILLS times. The claim: while the plugin is down between requests,
# dockerd's connections wait in the socket's backlog, so no Docker call is
# lost; a denial stays a denial across every restart; every allowed command
# has its decision in the audit log.
#
# One thing a restart can break, counted apart and shown with dockerd's exact
# error: a call the killed Portcullis had accepted and not yet answered. Its
# connection is reset, dockerd's plugin client retries it with the request
# body already consumed (an empty body), Portcullis answers that with HTTP 500
# ("empty request body (a retried call?)"), and the docker command fails.
# That is a call caught mid-request, not one made while the plugin was down;
# any other failure fails the run.
#
# Why "dockerd never saw a refused connection" is asserted on its own: without
# a held socket, dockerd (20.10) retries a refused call after 1 s, 2 s, 4 s,
# ... with its body intact, so a short outage delays commands (by seconds)
# rather than failing them. What the held socket adds is that nothing is
# refused or retried at all: calls wait in the backlog and are answered as
# soon as Portcullis is back. Hence the backlog is sampled in every down
# window, and dockerd's log must show no "connection refused" and no retry
# that a SIGKILL does not explain.
#
# One line per case (`ok - ...` / `not ok - ...: details`, details as `# `
# lines on stderr), then `N passed, N failed`.
#
# Usage: tests/e2e/socket_activation_dockerd.sh PATH_TO_PORTCULLIS [PATH_TO_SD_LISTEN]
#   (make e2e-socket-dockerd). As root, with docker.io, busybox-static, openssl,
#   curl, jq and ss (iproute2). Without SD_LISTEN, sd_listen.c is compiled with
#   ${CC:-cc}. PC_KEEP=1 keeps the temp dir with every log and every command's
#   output. About 30 s.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$HERE/lib.sh"
# shellcheck source=tests/e2e/assert.sh
. "$HERE/assert.sh"

LOAD_S=20                             # how long the loops of docker commands run
KILLS=6                               # SIGKILLs, spread over the load
DOWN_MS=(300 1000 200 2000 500 1500)  # how long Portcullis stays down after each
RESTART_MS=5000                       # sd_listen's RestartSec: only a fallback, the
                                      # test restarts it (SIGUSR1) after DOWN_MS
CMD_TIMEOUT=30                        # bound on one docker command
# Loops: KIND:COUNT. vol: volume create + rm; run: docker run + docker rm;
# ps: docker ps; deny: mallory's volume create, which the policy denies.
# Not `docker run --rm`: when a SIGKILL catches the start call in flight,
# dockerd fails it before starting the container, so it never exits and is
# never auto-removed, and the CLI waits for that removal forever; a plain run
# reports the failed start instead, and the test can tell why it failed.
LOOPS=(vol:2 run:2 ps:1 deny:1)
RETRIED='empty request body (a retried call?)'

SDL_PID=""
STOP=""
WORKERS=()
KILL_ERR=""

# --- processes ----------------------------------------------------------------------

# The loops stop first, however the run ends; then lib.sh's cleanup stops
# dockerd, sd_listen (PC_PLUGIN_PID, with its Portcullis), any leftover
# docker CLI, and removes the spec file and the temp dir.
on_exit() {
	local rc=$? pid
	trap '' INT TERM HUP
	set +e
	[ -z "$STOP" ] || touch "$STOP" 2>/dev/null
	for pid in "${WORKERS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	(exit "$rc")
	pc_cleanup
}

# dk WHO ARGS...: the docker CLI as WHO (anon: the unix socket, "root" for the
# policy; else WHO's TLS certificate), bounded by CMD_TIMEOUT.
dk() {
	local who=$1 u
	shift
	if [ "$who" = anon ]; then
		timeout -k 5 "$CMD_TIMEOUT" docker -H "unix://$PC_DOCKER_SOCK" "$@"
	else
		u=$PC_DIR/users/$who
		timeout -k 5 "$CMD_TIMEOUT" docker --tlsverify --tlscacert "$PC_DIR/certs/ca.pem" \
			--tlscert "$u/cert.pem" --tlskey "$u/key.pem" -H "tcp://127.0.0.1:$PC_PORT" "$@"
	fi
}

# one ID KIND WHO ARGS...: one docker command; prints "ID KIND RC START_US
# END_US", its output goes to $PC_DIR/out/ID. Returns its exit status.
one() {
	local id=$1 kind=$2 who=$3 rc=0 t0
	shift 3
	t0=$(pc_now_us)
	dk "$who" "$@" >"$PC_DIR/out/$id" 2>&1 || rc=$?
	printf '%s %s %s %s %s\n' "$id" "$kind" "$rc" "$t0" "$(pc_now_us)"
	return "$rc"
}

# worker KIND N: loop KIND's commands until LOAD_END (or STOP); one line per
# command in $PC_DIR/res/KIND.N.
worker() {
	local kind=$1 w=$2 i=0 n
	while [ ! -e "$STOP" ] && (($(pc_now_us) < LOAD_END)); do
		i=$((i + 1))
		n=sa-$kind$w-$i
		case $kind in
		vol) one "$n" vcreate anon volume create "$n" && one "$n.rm" vrm anon volume rm "$n" ;;
		run) one "$n" run anon run --name "$n" --network none bb:latest true && one "$n.rm" crm anon rm "$n" ;;
		ps) one "$n" ps anon ps -aq ;;
		deny) one "$n" deny mallory volume create "$n" ;;
		esac || true
	done >"$PC_DIR/res/$kind.$w"
}

# --- the plugin under sd_listen ----------------------------------------------------------

sd_log() { cat "$PC_DIR/sd.log" 2>/dev/null; }

serving_count() { grep -c 'serving' "$PC_DIR/sd.log" 2>/dev/null || true; }

# backlog: dockerd's connections waiting in the held socket's accept queue
# (a listening socket's Recv-Q).
backlog() { ss -xlnH 2>/dev/null | awk -v p="$PC_PLUGIN_SOCK" '$5 == p { print $3; exit }'; }

_sd_up() { [ "$(serving_count)" -ge 1 ] || ! pc_alive "$SDL_PID"; }

# kill_restart K DOWN_MS: SIGKILL the running Portcullis, leave it down for
# DOWN_MS while sampling the backlog, restart it (SIGUSR1 to sd_listen) and wait
# until the new one serves. Appends "K OLD_PID KILL_US RESTART_US UP_US
# MAX_BACKLOG" to $PC_DIR/kills; KILL_ERR on failure.
kill_restart() {
	local k=$1 down=$2 old before t0 t1 until max=0 b
	old=$(cat "$PC_DIR/portcullis.pid" 2>/dev/null || true)
	pc_alive "$old" || { KILL_ERR="kill $k: no portcullis running (pid file: '$old')"; return 1; }
	before=$(serving_count)
	# Taken before the kill: dockerd can log a reset call before $(...) returns.
	t0=$(pc_now_us)
	kill -KILL "$old"
	# sd_listen takes SIGUSR1 only once it has reaped the old process.
	pc_wait_until 5 grep -q "pid $old killed by signal 9" "$PC_DIR/sd.log" ||
		{ KILL_ERR="kill $k: sd_listen did not see pid $old die: $(flat "$(sd_log | tail -n 3)")"; return 1; }
	until=$((t0 + down * 1000))
	while (($(pc_now_us) < until)); do
		b=$(backlog)
		[ "${b:-0}" -le "$max" ] || max=$b
		sleep 0.05
	done
	t1=$(pc_now_us)
	kill -USR1 "$SDL_PID"
	_served() { [ "$(serving_count)" -gt "$before" ]; }
	pc_wait_until 10 _served ||
		{ KILL_ERR="kill $k: no new portcullis serving 10 s after the restart: $(flat "$(sd_log | tail -n 3)")"; return 1; }
	echo "$k $old $t0 $t1 $(pc_now_us) $max" >>"$PC_DIR/kills"
}

# --- results -----------------------------------------------------------------------------

# results: every command's line ("ID KIND RC START_US END_US").
results() { cat "$PC_DIR"/res/* 2>/dev/null; }

# should_succeed: the lines of the commands the policy allows.
should_succeed() { results | awk '$2 != "deny"'; }

# by_kind: "KIND N (F failed), ..." for command lines on stdin.
by_kind() {
	awk '{ n[$2]++; if ($3 != 0) f[$2]++ }
		END { split("vcreate vrm run crm ps deny", o, " ")
			for (i = 1; i <= 6; i++) if (o[i] in n) { printf "%s%s %d (%d failed)", s, o[i], n[o[i]], f[o[i]]; s = ", " } }'
}

# first_error ID: the line of the command's output that says why it failed.
first_error() {
	grep -m1 -E 'Error|error|denied' "$PC_DIR/out/$1" 2>/dev/null ||
		head -n 1 "$PC_DIR/out/$1" 2>/dev/null || true
}

# retried ID: the command's output shows the plugin's answer to an empty
# body: the killed Portcullis had its call in flight, dockerd retried it.
retried() { grep -qF "$RETRIED" "$PC_DIR/out/$1" 2>/dev/null; }

# empty_body_calls: the API calls dockerd failed on the plugin's answer to
# their retry: "TIME_US PHASE METHOD PATH" (PATH without API version, query
# or container ID).
empty_body_calls() {
	local ts rest
	grep -F "$RETRIED" "$PC_DIR/dockerd.log" 2>/dev/null |
		grep -E 'msg="AuthZ(Request|Response) for ' |
		sed -E 's/^time="([^"]*)".*msg="AuthZ(Request|Response) for ([A-Z]+) ([^ ?]*)[^ ]* returned error.*/\1 \2 \3 \4/;
			s#/v1\.[0-9]+/#/#; s#/[0-9a-f]{64}(/|$)#/ID\1#' |
		while read -r ts rest; do
			printf '%s %s\n' "$(date -u -d "$ts" +%s%6N 2>/dev/null || echo 0)" "$rest"
		done
}

# in_flight ID START_US END_US: the command failed because a SIGKILL caught
# one of its calls in flight: its output shows the plugin's answer to the
# retry or, for docker run's attach (an HTTP upgrade, whose error body the CLI
# drops), "received 500" while dockerd failed an attach that way.
in_flight() {
	retried "$1" && return 0
	[ -f "$PC_DIR/empty-body" ] || empty_body_calls >"$PC_DIR/empty-body"
	grep -q 'received 500' "$PC_DIR/out/$1" 2>/dev/null || return 1
	awk -v s="$2" -v e="$3" '$1 >= s && $1 <= e && $4 ~ /\/attach$/ { f = 1 } END { exit !f }' \
		"$PC_DIR/empty-body"
}

# audit_tsv: PHASE DECISION ACTION OBJECT USER NAME per audit record (NAME:
# the "Name" of the request body, from --audit-envelopes; - when none).
audit_tsv() {
	jq -r '[.phase, .decision, (.action // "-"), (.object // "-"), .user,
		((.envelope.RequestBody // "") | if . == "" then "-"
			else (@base64d | fromjson? | .Name? // "-") end)] | @tsv' "$PC_AUDIT"
}

# --- cases -------------------------------------------------------------------------------

case_preflight() {
	succeeds "root: docker volume create" dk anon volume create sa-pre || return 1
	succeeds "root: docker volume rm" dk anon volume rm sa-pre || return 1
	fails "mallory: docker volume create" dk mallory volume create sa-pre-deny || return 1
	has "mallory: docker volume create" "$DENY_MSG" || return 1
	grep -q 'serving .* on the systemd socket' "$PC_DIR/sd.log" ||
		{ WHY="no 'serving ... on the systemd socket' in its log: $(flat "$(sd_log | tail -n 3)")"; return 1; }
	[ ! -e "$PC_DIR/own.sock" ] || { WHY="portcullis created its --socket path too"; return 1; }
}

case_restarts() {
	local n windows waited
	[ -z "$KILL_ERR" ] || { WHY=$KILL_ERR; return 1; }
	n=$(grep -c . "$PC_DIR/kills" 2>/dev/null || true)
	[ "$n" = "$KILLS" ] || { WHY="$n of $KILLS kills and restarts done"; return 1; }
	windows=$(awk '{ printf "%s%d ms (backlog %d)", (NR > 1 ? ", " : ""), ($5 - $3) / 1000, $6 }' "$PC_DIR/kills")
	echo "# down windows, SIGKILL to serving again: $windows" >&2
	# Each down window must have had calls to hold, or it proved nothing.
	waited=$(awk '$6 > 0' "$PC_DIR/kills" | grep -c . || true)
	[ "$waited" = "$KILLS" ] && return 0
	WHY="$((KILLS - waited)) of $KILLS down windows had no dockerd connection waiting in the backlog (the load did not reach the plugin while it was down): $windows"
	return 1
}

case_no_lost_command() {
	local total failed=() caught=() line id kind rc t0 t1 n
	total=$(should_succeed | grep -c . || true)
	[ "$total" -gt 0 ] || { WHY="no command ran"; return 1; }
	[ -f "$PC_DIR/empty-body" ] || empty_body_calls >"$PC_DIR/empty-body"
	while read -r id kind rc t0 t1; do
		[ "$rc" != 0 ] || continue
		if in_flight "$id" "$t0" "$t1"; then
			caught+=("$id")
		else
			failed+=("$id")
		fi
	done < <(should_succeed)
	echo "# $total commands that the policy allows: $(should_succeed | by_kind)" >&2
	n=$(grep -c . "$PC_DIR/empty-body" || true)
	if [ "$n" -gt 0 ]; then
		echo "# dockerd failed $n API calls on the plugin's 500 to their retry: $(cut -d' ' -f2- "$PC_DIR/empty-body" |
			sort | uniq -c | sort -rn | awk '{ $1 = $1 "x"; print }' | paste -sd, -)" >&2
		! grep -q ' /_ping$' "$PC_DIR/empty-body" ||
			echo "# (a failed /_ping does not fail the command: the docker CLI goes on without it)" >&2
	fi
	if [ "${#caught[@]}" -gt 0 ]; then
		echo "# ${#caught[@]} commands failed because a SIGKILL caught a call of theirs in flight (reset, retried by dockerd with an empty body):" >&2
		for id in "${caught[@]}"; do
			line=$(should_succeed | awk -v i="$id" '$1 == i')
			echo "#   $id ($(awk '{ print $2 }' <<<"$line"), exit $(awk '{ print $3 }' <<<"$line")): $(flat "$(first_error "$id")")" >&2
		done
	fi
	if [ "${#caught[@]}" -gt "$n" ]; then
		WHY="${#caught[@]} commands failed on an empty body, but dockerd failed only $n calls that way"
		return 1
	fi
	[ "${#failed[@]}" = 0 ] && return 0
	WHY="${#failed[@]} of $total commands failed otherwise; first: ${failed[0]}: $(flat "$(first_error "${failed[0]}")")"
	for id in "${failed[@]}"; do
		echo "#   lost: $id: $(flat "$(first_error "$id")")" >&2
	done
	return 1
}

# The commands running while Portcullis was down (from before a SIGKILL to
# after the restart), and those started meanwhile: their calls waited in the
# backlog. None may fail, bar calls the SIGKILL caught in flight.
case_across_down_windows() {
	local n started bad first
	should_succeed | awk 'NR == FNR { k[NR] = $3; r[NR] = $4; nk = NR; next }
		{ for (i = 1; i <= nk; i++) if ($4 < r[i] && $5 > k[i]) { print; break } }' \
		"$PC_DIR/kills" - >"$PC_DIR/across-down"
	n=$(grep -c . "$PC_DIR/across-down" || true)
	started=$(awk 'NR == FNR { k[NR] = $3; r[NR] = $4; nk = NR; next }
		{ for (i = 1; i <= nk; i++) if ($4 >= k[i] && $4 < r[i]) { print; break } }' \
		"$PC_DIR/kills" "$PC_DIR/across-down" | grep -c . || true)
	echo "# $n commands ran while portcullis was down, $started of them started then: $(by_kind <"$PC_DIR/across-down"); the longest took $(awk '{ d = $5 - $4; if (d > m) m = d } END { printf "%d", m / 1000 }' "$PC_DIR/across-down") ms" >&2
	[ "$n" -gt 0 ] || { WHY="no command ran while portcullis was down"; return 1; }
	bad=0 first=""
	while read -r id _ rc t0 t1; do
		[ "$rc" != 0 ] || continue
		in_flight "$id" "$t0" "$t1" && continue
		bad=$((bad + 1))
		[ -n "$first" ] || first="$id: $(flat "$(first_error "$id")")"
	done <"$PC_DIR/across-down"
	[ "$bad" = 0 ] && return 0
	WHY="$bad of $n failed; first: $first"
	return 1
}

# retries: dockerd's plugin client logs each call it retries ("Unable to
# connect to plugin: ...: ERROR, retrying in 1s"): "TIME_US ENDPOINT: ERROR".
retries() {
	local ts rest
	grep 'Unable to connect to plugin' "$PC_DIR/dockerd.log" 2>/dev/null |
		sed -E 's/^time="([^"]*)".*AuthZPlugin\.(AuthZRe[qs]): Post [^ ]*: (.*), retrying in.*/\1 \2: \3/;
			s/(read|write|dial) unix [^:]*:/\1 unix:/' |
		while read -r ts rest; do
			printf '%s %s\n' "$(date -u -d "$ts" +%s%6N 2>/dev/null || echo 0)" "$rest"
		done
}

case_never_refused() {
	local refused tally late
	refused=$(grep -c 'connection refused' "$PC_DIR/dockerd.log" || true)
	retries >"$PC_DIR/retries"
	tally=$(cut -d' ' -f2- "$PC_DIR/retries" | sort | uniq -c | sort -rn |
		awk '{ $1 = $1 "x"; print }' | paste -sd';' - || true)
	echo "# dockerd's plugin client retried: ${tally:-nothing}" >&2
	[ "$refused" = 0 ] || {
		WHY="$refused 'connection refused' in dockerd.log: $(flat "$(grep -m2 'connection refused' "$PC_DIR/dockerd.log")")"
		return 1
	}
	# Each retry must be a call the SIGKILL reset: logged within 1 s of one.
	late=$(awk 'NR == FNR { k[NR] = $3; nk = NR; next }
		{ for (i = 1; i <= nk; i++) if ($1 >= k[i] && $1 <= k[i] + 1000000) next; print }' \
		"$PC_DIR/kills" "$PC_DIR/retries")
	[ -z "$late" ] && return 0
	WHY="dockerd retried calls that no SIGKILL explains: $(flat "$late")"
	return 1
}

case_denied_every_time() {
	local n denied=0 allowed=0 midway=0 other=() id rc t0 t1 allows_in_log
	n=$(results | awk '$2 == "deny"' | grep -c . || true)
	[ "$n" -gt 0 ] || { WHY="mallory's loop ran no command"; return 1; }
	while read -r id _ rc t0 t1; do
		if [ "$rc" = 0 ]; then
			allowed=$((allowed + 1))
		elif grep -qF "$DENY_MSG" "$PC_DIR/out/$id"; then
			denied=$((denied + 1))
		elif in_flight "$id" "$t0" "$t1"; then
			midway=$((midway + 1)) # failed, not allowed: see case_no_lost_command
		else
			other+=("$id")
		fi
	done < <(results | awk '$2 == "deny"')
	allows_in_log=$(audit_tsv | awk -F'\t' '$5 == "mallory" && $3 == "VolumeCreate" && $2 != "deny"' | grep -c . || true)
	echo "# mallory: $n volume creates, $denied denied by the rule, $allowed allowed, $midway caught in flight by a SIGKILL, ${#other[@]} failed otherwise" >&2
	[ "$allowed" = 0 ] || { WHY="$allowed of $n of mallory's volume creates succeeded"; return 1; }
	[ "$allows_in_log" = 0 ] || { WHY="$allows_in_log non-deny decisions for mallory's VolumeCreate in the audit log"; return 1; }
	OUT=$(dk anon volume ls -q 2>&1) || { WHY="docker volume ls: $(flat "$OUT")"; return 1; }
	lacks "volumes left" "sa-deny" || return 1
	[ "${#other[@]}" = 0 ] && return 0
	WHY="${#other[@]} failed, but not with the denial; first: ${other[0]}: $(flat "$(first_error "${other[0]}")")"
	return 1
}

case_audit_complete() {
	local tsv missing=() id kind rc want has_ps ok_ps bad_lines
	bad_lines=$(jq -c . "$PC_AUDIT" 2>&1 >/dev/null | head -n 1 || true)
	[ -z "$bad_lines" ] || { WHY="the audit log is not whole JSON lines: $(flat "$bad_lines")"; return 1; }
	tsv=$(audit_tsv | awk -F'\t' '$1 == "request" && $2 == "allow"')
	while read -r id kind rc _; do
		[ "$rc" = 0 ] || continue
		case $kind in
		vcreate) want=$(printf 'VolumeCreate\t-\troot\t%s' "$id") ;;
		vrm) want=$(printf 'VolumeDelete\tvolume:%s\troot\t' "${id%.rm}") ;;
		run) want=$(printf 'ContainerCreate\tcontainer:%s\troot\t' "$id") ;;
		crm) want=$(printf 'ContainerDelete\tcontainer:%s\troot\t' "${id%.rm}") ;;
		*) continue ;;
		esac
		grep -qF "$want" <<<"$tsv" || missing+=("$id")
	done < <(should_succeed)
	ok_ps=$(should_succeed | awk '$2 == "ps" && $3 == 0' | grep -c . || true)
	has_ps=$(awk -F'\t' '$3 == "ContainerList"' <<<"$tsv" | grep -c . || true)
	echo "# $(wc -l <"$PC_AUDIT") audit records by $(serving_count) runs of portcullis ($(audit_tsv | awk -F'\t' '{ n[$2]++ } END { for (k in n) printf "%s %d ", k, n[k] }'))" >&2
	[ "${#missing[@]}" = 0 ] ||
		{ WHY="${#missing[@]} succeeded commands without an allow in the audit log: $(flat "${missing[*]}")"; return 1; }
	[ "$has_ps" -ge "$ok_ps" ] && return 0
	WHY="$ok_ps docker ps succeeded, $has_ps ContainerList allows logged"
	return 1
}

# Every volume dockerd has: its create was allowed (a create allowed in the
# request phase can exist though its command failed in the response phase).
case_no_unchecked_volume() {
	local vols allowed unchecked
	vols=$(dk anon volume ls -q 2>&1) || { WHY="docker volume ls: $(flat "$vols")"; return 1; }
	allowed=$(audit_tsv | awk -F'\t' '$1 == "request" && $2 == "allow" && $3 == "VolumeCreate" { print $6 }' | sort -u)
	unchecked=$(comm -23 <(printf '%s\n' "$vols" | grep . | sort -u) <(printf '%s\n' "$allowed") || true)
	echo "# $(printf '%s\n' "$vols" | grep -c . || true) volumes left (creates whose command failed after the plugin allowed them)" >&2
	[ -z "$unchecked" ] && return 0
	WHY="volumes created without an allow in the audit log: $(flat "$unchecked")"
	return 1
}

case_stop() {
	local rc=0
	pc_stop_pid "$SDL_PID" 15 || rc=1
	rc=$((rc + PC_EXIT_STATUS))
	PC_PLUGIN_PID=""
	[ "$rc" = 0 ] && [ ! -e "$PC_PLUGIN_SOCK" ] && return 0
	WHY="sd_listen exit status $PC_EXIT_STATUS; log: $(flat "$(sd_log | tail -n 3)")"
	return 1
}

# --- main --------------------------------------------------------------------------------

START=$(pc_now_us)
BIN=${1:-}
SDL=${2:-}
pc_init "$BIN" pc-sad
trap on_exit EXIT
command -v jq >/dev/null || pc_die "jq is missing; run: apt-get install -y jq"
command -v ss >/dev/null || pc_die "ss is missing; run: apt-get install -y iproute2"
if [ -z "$SDL" ]; then
	SDL=$PC_DIR/sd_listen
	"${CC:-cc}" -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$SDL" "$HERE/sd_listen.c" ||
		pc_die "cannot compile $HERE/sd_listen.c"
fi
[ -x "$SDL" ] || pc_die "$SDL: not an executable"
mkdir -p "$PC_DIR/res" "$PC_DIR/out"
STOP=$PC_DIR/stop
pc_make_certs mallory
cat >"$PC_POLICY" <<'EOF'
version: 1
unauthenticated: root
default: deny
rules:
  - {name: root, users: [root], actions: ["*"]}
  - {name: mallory-pings, users: [mallory], actions: ["SystemPing*"]}
  - {name: no-volumes-for-mallory, users: [mallory], actions: [VolumeCreate], effect: deny}
EOF
DENY_MSG="authorization denied by plugin $PC_NAME: rule \"no-volumes-for-mallory\": VolumeCreate is denied to user \"mallory\""

# sd_listen holds $PC_PLUGIN_SOCK; bounded by -t should this script die hard.
# --audit-sync: the audit log is checked for every allowed command across
# SIGKILLs, which only synchronous writing promises (spec/audit.md).
"$SDL" -r "$RESTART_MS" -p "$PC_DIR/portcullis.pid" -t 150 "$PC_PLUGIN_SOCK" -- \
	"$PC_BIN" serve --policy "$PC_POLICY" --socket "$PC_DIR/own.sock" \
	--audit-log "$PC_AUDIT" --audit-envelopes --audit-sync 2>"$PC_DIR/sd.log" &
SDL_PID=$!
PC_PLUGIN_PID=$SDL_PID # stopped by the cleanup, after dockerd
pc_wait_until 10 _sd_up || pc_die "no 'serving' line within 10 s: $(sd_log | tail -n 3)"
pc_alive "$SDL_PID" || pc_die "sd_listen exited: $(sd_log | tail -n 3)"
pc_register_socket "$PC_PLUGIN_SOCK"
pc_start_dockerd
pc_import_busybox anon
pc_log "dockerd and portcullis up after $((($(pc_now_us) - START) / 1000)) ms"

t "dockerd's plugin is portcullis on the socket sd_listen holds: root's calls allowed, mallory's volume create denied" case_preflight

LOAD_START=$(pc_now_us)
LOAD_END=$((LOAD_START + LOAD_S * 1000000))
for l in "${LOOPS[@]}"; do
	for w in $(seq 1 "${l#*:}"); do
		worker "${l%:*}" "$w" &
		WORKERS+=($!)
	done
done
for k in $(seq 1 "$KILLS"); do
	at=$((LOAD_START + k * LOAD_S * 1000000 / (KILLS + 1)))
	now=$(pc_now_us)
	[ "$now" -ge "$at" ] || sleep "$(printf '%d.%06d' $(((at - now) / 1000000)) $(((at - now) % 1000000)))"
	if ! kill_restart "$k" "${DOWN_MS[$((k - 1))]}"; then
		# Leave a Portcullis running for the rest of the load.
		kill -USR1 "$SDL_PID" 2>/dev/null || true
		break
	fi
done
_workers_done() {
	local p
	for p in "${WORKERS[@]}"; do pc_alive "$p" && return 1; done
	return 0
}
pc_wait_until $((CMD_TIMEOUT + 15)) _workers_done || pc_die "the docker loops did not end $((CMD_TIMEOUT + 15)) s after the load"
wait "${WORKERS[@]}" 2>/dev/null || true
WORKERS=()
pc_log "load: $LOAD_S s, $(results | grep -c . || true) docker commands, $(grep -c . "$PC_DIR/kills" 2>/dev/null || echo 0) SIGKILLs and restarts"

t "$KILLS SIGKILLs of portcullis under load, each restarted on the held socket; in every down window dockerd's connections waited in its backlog" case_restarts
t "no docker command the policy allows failed, other than calls a SIGKILL caught in flight" case_no_lost_command
t "every docker command running while portcullis was down succeeded, bar calls a SIGKILL caught in flight" case_across_down_windows
t "dockerd never saw a refused connection to the plugin" case_never_refused
t "mallory's volume create was denied every time, never allowed across the restarts" case_denied_every_time
t "the audit log (whole JSON lines) has an allow for every docker command that succeeded" case_audit_complete
t "every volume dockerd has had its create allowed by the plugin" case_no_unchecked_volume
t "stopping sd_listen stops portcullis with status 0 and removes the socket" case_stop

summary
pc_log "socket activation through dockerd took $((($(pc_now_us) - START) / 1000)) ms"
[ "$FAILED" = 0 ]
