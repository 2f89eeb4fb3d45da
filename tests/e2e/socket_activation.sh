#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# socket_activation.sh - Portcullis under socket activation, without systemd:
# sd_listen (tests/e2e/sd_listen.c) holds the listening socket as systemd does
# for portcullis.socket, runs `portcullis serve` with it as fd 3 (LISTEN_FDS=1,
# LISTEN_PID) and restarts it whenever it exits, like portcullis.service's
# Restart=always. The claim under test: while the socket is held, a request
# made when Portcullis is down (SIGKILL, or SIGTERM) is not refused; it waits
# in the listen backlog and the next Portcullis answers it. One line per case
# (`ok - ...` / `not ok - ...: details`), then `N passed, N failed`.
#
# Usage: tests/e2e/socket_activation.sh PATH_TO_PORTCULLIS [PATH_TO_SD_LISTEN]
# Without SD_LISTEN, sd_listen.c is compiled with ${CC:-cc}. Needs curl; not
# root (everything lives in a private temp dir). PC_KEEP=1 keeps that dir.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Only the helpers (pc_wait_until, pc_alive, pc_stop_pid, ...); no dockerd here.
# shellcheck source=tests/e2e/lib.sh
. "$HERE/lib.sh"
# shellcheck source=tests/e2e/assert.sh
. "$HERE/assert.sh"

# sd_listen's "RestartSec". The test does not rely on it: it restarts
# Portcullis itself (SIGUSR1 to sd_listen) once the requests are waiting, so a
# slow machine cannot make a restart come first. It only bounds a down window.
RESTART_MS=30000
BURST=20        # requests sent in each down window
KILLS=5         # down windows after SIGKILL
LOOP=200        # sequential requests in the loop case
LOOP_KILLS=4    # SIGKILLs during the loop

PASSED=0
FAILED=0
WHY=""
D=""
SDL_PID=""
SENT=0 # requests answered with {"Allow":true}: each must leave one audit line
REQ='{"RequestMethod":"GET","RequestUri":"/v1.41/version","RequestHeaders":{"User-Agent":"socket-activation-test"}}'



setup_failed() {
	echo "not ok - sd_listen runs portcullis on a held socket: $*"
	FAILED=$((FAILED + 1))
	summary
	exit 1
}

cleanup() {
	local rc=$? pid
	trap '' INT TERM HUP
	set +e
	if [ -n "$SDL_PID" ]; then
		pc_stop_pid "$SDL_PID" 15 >/dev/null 2>&1
	fi
	# sd_listen passes SIGTERM on, and its child dies with it (PDEATHSIG);
	# this is for the case sd_listen itself had to be killed.
	if [ -n "$D" ] && [ -f "$D/pid" ]; then
		pid=$(cat "$D/pid")
		pc_alive "$pid" && pc_stop_pid "$pid" 10 >/dev/null 2>&1
	fi
	if [ -n "$D" ] && [ -d "$D" ]; then
		if [ "${PC_KEEP:-0}" = 1 ]; then pc_log "kept $D"; else rm -rf "$D"; fi
	fi
	exit "$rc"
}

# service_pid: the pid of the Portcullis now running (or last started).
service_pid() { cat "$D/pid" 2>/dev/null; }

# ask OUTFILE: one AuthZReq over the held socket; OUTFILE gets
# "HTTP_CODE SECONDS BODY". Bounded by curl's --max-time.
ask() {
	local out=$1 res body
	res=$(curl -sS --max-time 20 --unix-socket "$D/portcullis.sock" -o "$out.body" \
		-w '%{http_code} %{time_total}' -X POST \
		--data-binary "$REQ" http://portcullis/AuthZPlugin.AuthZReq 2>"$out.err") || true
	body=$(cat "$out.body" 2>/dev/null || true)
	printf '%s %s\n' "${res:-000 0}" "$body" >"$out"
}

# answered OUTFILE: the request was allowed ({"Allow":true}, HTTP 200).
answered() { [[ "$(cat "$1")" =~ ^200\ [0-9.]+\ \{\"Allow\":true\}$ ]]; }

# kill_and_wait SIGNAL: signal the running Portcullis and wait until it is gone;
# prints its pid.
kill_and_wait() {
	local pid
	pid=$(service_pid)
	pc_alive "$pid" || { WHY="portcullis (pid $pid) was not running"; return 1; }
	kill "-$1" "$pid"
	pc_wait_until 10 pc_dead "$pid" || { WHY="pid $pid still alive 10 s after SIG$1"; return 1; }
	printf '%s\n' "$pid"
}

# backlog: connections waiting on the held socket (ss: a listening socket's
# Recv-Q); empty when ss (Debian package iproute2) is missing.
backlog() {
	command -v ss >/dev/null || return 0
	ss -xlnH 2>/dev/null | awk -v p="$D/portcullis.sock" '$5 == p { print $3; exit }'
}

_backlog_full() { [ "$(backlog)" = "$BURST" ]; }

# restart_now: end the down window (sd_listen starts Portcullis at once).
restart_now() { kill -USR1 "$SDL_PID"; }

# burst_while_down OLD_PID TAG: BURST concurrent requests sent while no
# Portcullis runs; all must still be waiting when it is restarted, and all
# must be answered after.
burst_while_down() {
	local old=$1 tag=$2 i bad=0 pids=() line
	for i in $(seq 1 "$BURST"); do
		ask "$D/r.$tag.$i" &
		pids+=($!)
	done
	# Until every request is in the socket's backlog (or, without ss, a while).
	if [ -n "$(backlog)" ]; then
		pc_wait_until 20 _backlog_full ||
			{ WHY="only $(backlog) of $BURST connections reached the backlog in 20 s"; bad=1; }
	else
		sleep 1
	fi
	for i in "${pids[@]}"; do
		pc_alive "$i" || { WHY="a request ended while portcullis was down: $(cat "$D"/r."$tag".* 2>/dev/null | head -n 1)"; bad=1; }
	done
	[ "$(service_pid)" = "$old" ] || { WHY="portcullis was restarted before the test said so"; bad=1; }
	restart_now
	wait "${pids[@]}" 2>/dev/null || true
	[ "$bad" = 0 ] || return 1
	for i in $(seq 1 "$BURST"); do
		line=$(cat "$D/r.$tag.$i")
		if answered "$D/r.$tag.$i"; then
			SENT=$((SENT + 1))
		else
			bad=$((bad + 1))
			[ -n "$WHY" ] || WHY="request $i: $line $(cat "$D/r.$tag.$i.err" 2>/dev/null)"
		fi
	done
	if [ "$bad" != 0 ]; then
		WHY="$bad of $BURST requests sent while portcullis was down failed; first: $WHY"
		return 1
	fi
	pc_wait_until 10 pc_alive "$(service_pid)" || { WHY="no portcullis after the restart"; return 1; }
}

# --- cases ------------------------------------------------------------------------

case_serves_passed_socket() {
	ask "$D/first"
	answered "$D/first" || { WHY="answer: $(cat "$D/first") $(cat "$D/first.err")"; return 1; }
	SENT=$((SENT + 1))
	if [ -e "$D/own.sock" ]; then
		WHY="portcullis created its --socket path too"
		return 1
	fi
	grep -q 'on the systemd socket' "$D/sd.log" || {
		WHY="no 'serving ... on the systemd socket' in its log: $(tail -n 3 "$D/sd.log")"
		return 1
	}
}

case_sigkill_backlog() {
	local k old total_bad=0 why=""
	running || { WHY="no portcullis running"; return 1; }
	for k in $(seq 1 "$KILLS"); do
		old=$(kill_and_wait KILL) || return 1
		burst_while_down "$old" "kill$k" || { total_bad=$((total_bad + 1)); why=$WHY; }
	done
	[ "$total_bad" = 0 ] && return 0
	WHY="$total_bad of $KILLS down windows lost requests; last: $why"
	return 1
}

case_sigterm_keeps_socket() {
	local old
	running || { WHY="no portcullis running"; return 1; }
	old=$(kill_and_wait TERM) || return 1
	# sd_listen logs the exit once it has reaped the process.
	pc_wait_until 5 grep -q "pid $old exited" "$D/sd.log" || true
	if ! grep -q "pid $old exited with status 0" "$D/sd.log"; then
		WHY="portcullis did not exit 0 on SIGTERM: $(grep "pid $old" "$D/sd.log" | tail -n 1)"
		restart_now
		return 1
	fi
	if [ ! -S "$D/portcullis.sock" ]; then
		WHY="the socket file is gone after SIGTERM"
		restart_now
		return 1
	fi
	burst_while_down "$old" term
}

# running: make sure a portcullis runs (after a failed case left it down).
running() {
	pc_alive "$(service_pid)" && return 0
	restart_now
	pc_wait_until 10 pc_alive "$(service_pid)"
}

case_loop_with_kills() {
	local i failed=0 every=$((LOOP / LOOP_KILLS)) kills=0 first=""
	running || { WHY="no portcullis running"; return 1; }
	for i in $(seq 1 "$LOOP"); do
		if [ $((i % every)) = $((every / 2)) ]; then
			kill_and_wait KILL >/dev/null || return 1
			kills=$((kills + 1))
			# Down for 0.3 s; the next request is sent at once and waits.
			(sleep 0.3 && restart_now) &
		fi
		ask "$D/loop"
		if answered "$D/loop"; then
			SENT=$((SENT + 1))
		else
			failed=$((failed + 1))
			[ -n "$first" ] || first="request $i: $(cat "$D/loop") $(cat "$D/loop.err")"
		fi
	done
	echo "# loop: $LOOP requests, $kills SIGKILLs, $failed failed" >&2
	[ "$failed" = 0 ] && return 0
	WHY="$failed of $LOOP requests failed; first: $first"
	return 1
}

case_audit_complete() {
	local lines starts
	_decisions() { grep -c '"decision"' "$D/audit.log"; }
	pc_wait_until 5 test "$(_decisions)" -ge "$SENT" || true
	lines=$(_decisions)
	starts=$(grep -c 'started pid' "$D/sd.log")
	echo "# $SENT requests answered by $starts runs of portcullis, $lines decisions logged" >&2
	[ "$lines" = "$SENT" ] && return 0
	WHY="$SENT requests answered, $lines decisions in the audit log"
	return 1
}

case_stop() {
	local rc=0
	pc_stop_pid "$SDL_PID" 15 || rc=1
	rc=$((rc + PC_EXIT_STATUS))
	SDL_PID=""
	[ "$rc" = 0 ] && [ ! -e "$D/portcullis.sock" ] && return 0
	WHY="sd_listen exit status $PC_EXIT_STATUS; log: $(tail -n 3 "$D/sd.log" | tr '\n' ' ')"
	return 1
}

# --- main -------------------------------------------------------------------------

START=$(pc_now_us)
BIN=${1:-}
SDL=${2:-}
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
	pc_die "usage: $0 PATH_TO_PORTCULLIS [PATH_TO_SD_LISTEN]"
fi
command -v curl >/dev/null || pc_die "curl is missing; run: apt-get install -y curl"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
D=$(mktemp -d /tmp/pc-sock.XXXXXX)
if [ -z "$SDL" ]; then
	SDL=$D/sd_listen
	"${CC:-cc}" -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$SDL" "$HERE/sd_listen.c" ||
		pc_die "cannot compile $HERE/sd_listen.c"
fi
cat >"$D/policy.yaml" <<'EOF'
version: 1
unauthenticated: root
rules:
  - {name: root, users: [root], actions: ["*"]}
EOF

# --audit-sync: "every answered request left its record" holds across SIGKILL
# only when each record is written before its answer (spec/audit.md); the
# default batched writing can lose the last 5 ms of records to a SIGKILL.
"$SDL" -r "$RESTART_MS" -p "$D/pid" -t 120 "$D/portcullis.sock" -- \
	"$BIN" serve --policy "$D/policy.yaml" --socket "$D/own.sock" \
	--audit-log "$D/audit.log" --audit-sync 2>"$D/sd.log" &
SDL_PID=$!
_up() { grep -q 'serving' "$D/sd.log" 2>/dev/null || ! pc_alive "$SDL_PID"; }
pc_wait_until 10 _up || setup_failed "no 'serving' line within 10 s: $(tail -n 3 "$D/sd.log" | tr '\n' ' ')"
pc_alive "$SDL_PID" || setup_failed "sd_listen exited: $(tail -n 3 "$D/sd.log" | tr '\n' ' ')"

t "portcullis serves the socket passed as fd 3 (LISTEN_FDS=1, LISTEN_PID) and binds none of its own" case_serves_passed_socket
t "requests sent while portcullis is down after SIGKILL wait in the backlog and are all answered after the restart ($KILLS kills x $BURST concurrent requests)" case_sigkill_backlog
t "on SIGTERM portcullis exits 0 and leaves the passed socket in place; requests sent meanwhile are answered" case_sigterm_keeps_socket
t "a loop of $LOOP requests with $LOOP_KILLS SIGKILLs in between loses none" case_loop_with_kills
t "every answered request left exactly one decision in the audit log, across all restarts" case_audit_complete
t "stopping the socket holder stops portcullis with status 0 and removes the socket" case_stop

summary
pc_log "socket activation took $((($(pc_now_us) - START) / 1000)) ms"
[ "$FAILED" = 0 ]
