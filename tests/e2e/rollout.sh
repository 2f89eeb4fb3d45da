#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# rollout.sh - a safe rollout end to end, as an operator would do it, on a
# private real dockerd (tests/e2e/lib.sh) with contrib/policies/demo.yaml:
#
#   1. serve --dry-run: bob's commands that the policy would deny succeed, and
#      the audit log says which ones and why (would-deny), with the request
#      recorded (--audit-envelopes) and its Env values redacted; the metrics
#      endpoint counts them;
#   2. replay that audit log against the policy enforced, and against a
#      tightened one: every changed decision is reported, by rule and user;
#   3. portcullis test: the shipped case file and one written from the audit
#      log pass;
#   4. the policy file in dry-run, then switched to enforce with SIGHUP while
#      loops of docker commands run: no allowed command fails, and afterwards
#      the denied one is refused; a broken reload is refused, audited, counted.
#
# One line per case (`ok - ...` / `not ok - ...: details`), then
# `N passed, N failed`; exit 1 if any case failed.
#
# Usage: tests/e2e/rollout.sh PATH_TO_PORTCULLIS   (as root; PC_KEEP=1 keeps logs)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$HERE/lib.sh"
# shellcheck source=tests/e2e/assert.sh
. "$HERE/assert.sh"
DEMO=$ROOT/contrib/policies/demo.yaml
DEMO_CASES=$ROOT/contrib/policies/demo.cases.yaml

PASSED=0
FAILED=0
WHY=""
OUT=""
RC=0
METRICS_SOCK=""

# --- reporting ---------------------------------------------------------------------

# exits DESC WANT CMD...: CMD exits with status WANT; its output is in OUT.
exits() {
	local desc=$1 want=$2
	shift 2
	RC=0
	OUT=$("$@" 2>&1) || RC=$?
	[ "$RC" = "$want" ] && return 0
	WHY="$desc: expected exit $want, got $RC: $(flat "$OUT")"
	return 1
}

# --- the plugin, with the rollout options --------------------------------------------

# start_plugin POLICY ARGS...: pc_start_plugin with extra serve options.
start_plugin() {
	local policy=$1
	shift
	PC_PLUGIN_ARGS=("$@")
	pc_start_plugin "$policy"
}

metrics() { curl -sS --max-time 10 --unix-socket "$METRICS_SOCK" http://portcullis/metrics; }

# --- audit log ---------------------------------------------------------------------

# audit_since N: the audit lines after line N, in OUT (after a short settle).
audit_since() {
	sleep 0.3
	OUT=$(tail -n +"$(($1 + 1))" "$PC_AUDIT" 2>/dev/null || true)
}

jf() { printf '"%s":"%s"' "$1" "$2"; }

# audit_line DESC PATTERN...: at least one line of OUT has every fixed PATTERN;
# that line is in LINE.
LINE=""
audit_line() {
	local desc=$1 p lines=$OUT
	shift
	for p in "$@"; do
		lines=$(printf '%s\n' "$lines" | grep -F -- "$p" || true)
	done
	LINE=$(printf '%s\n' "$lines" | head -n 1)
	[ -n "$LINE" ] && return 0
	WHY="$desc: no audit line with $*; audit lines: $(flat "$OUT")"
	return 1
}

# --- 1. dry-run ----------------------------------------------------------------------

AUDIT_MARK=0

case_dry_run_commands_succeed() {
	AUDIT_MARK=$(audit_count)
	succeeds "bob: docker images" as_user bob images || return 1
	succeeds "bob: docker volume create" as_user bob volume create rollout-v1 || return 1
	succeeds "bob: docker volume ls" as_user bob volume ls || return 1
	has "bob: docker volume ls" rollout-v1 || return 1
	succeeds "bob: docker run with a secret in its environment" as_user bob run --rm \
		--network none -e ROLLOUT_SECRET=hunter2 bb:latest /bin/true || return 1
	succeeds "bob: docker create" as_user bob create --name rollout-c1 --network none \
		bb:latest /bin/true || return 1
	succeeds "bob: docker rm" as_user bob rm rollout-c1
}

case_dry_run_audited() {
	audit_since "$AUDIT_MARK"
	audit_line "docker images" "$(jf user bob)" "$(jf action ImageList)" "$(jf phase request)" \
		"$(jf decision would-deny)" "$(jf mode dry-run)" \
		'no rule allows ImageList for user \"bob\" (default: deny)' || return 1
	audit_line "docker volume create" "$(jf action VolumeCreate)" "$(jf decision would-deny)" \
		'no rule allows VolumeCreate for user \"bob\"' || return 1
	audit_line "docker rm" "$(jf action ContainerDelete)" "$(jf decision would-deny)" \
		"$(jf object container:rollout-c1)" || return 1
	# What the policy allows is still "allow", by its rule.
	audit_line "docker run" "$(jf action ContainerCreate)" "$(jf decision allow)" \
		"$(jf rule bob-runs-containers)" "$(jf mode dry-run)" || return 1
	# The response phase of a would-deny request is audited too.
	audit_line "docker images, response" "$(jf action ImageList)" "$(jf phase response)"
}

case_envelope_recorded_redacted() {
	local body
	audit_since "$AUDIT_MARK"
	audit_line "docker run" "$(jf action ContainerCreate)" "$(jf phase request)" \
		'"envelope":{"User":"bob","UserAuthNMethod":"TLS","RequestMethod":"POST"' || return 1
	body=$(printf '%s' "$LINE" | grep -o '"RequestBody":"[^"]*"' | cut -d'"' -f4 | base64 -d) || {
		WHY="no decodable RequestBody in: $(flat "$LINE")"
		return 1
	}
	OUT=$body
	has "the recorded create body" '"Image":"bb:latest"' '"ROLLOUT_SECRET="' || return 1
	lacks "the recorded create body" hunter2 || return 1
	OUT=$(cat "$PC_AUDIT")
	lacks "the audit log" hunter2 "$(printf 'hunter2' | base64)"
}

case_metrics_count_dry_run() {
	succeeds "GET /metrics" metrics || return 1
	has "metrics" 'portcullis_dry_run_forced 1' \
		'portcullis_decisions_total{phase="request",decision="would-deny",rule="",action="ImageList"} ' \
		'portcullis_decisions_total{phase="request",decision="allow",rule="bob-runs-containers",action="ContainerCreate"} ' \
		'portcullis_decision_duration_seconds_count ' 'portcullis_audit_write_errors_total 0' || return 1
	# Non-zero: the ImageList would-deny sample is at least 1.
	if ! printf '%s\n' "$OUT" | grep -Eq '^portcullis_decisions_total\{phase="request",decision="would-deny",rule="",action="ImageList"\} [1-9]'; then
		WHY="the would-deny ImageList counter is zero: $(flat "$OUT")"
		return 1
	fi
}

# --- 2. replay -----------------------------------------------------------------------

case_replay_enforced() {
	cp "$PC_AUDIT" "$PC_DIR/dry-run.log"
	exits "replay --policy demo.yaml" 1 "$PC_BIN" replay --policy "$DEMO" "$PC_DIR/dry-run.log" ||
		return 1
	has "replay against the policy enforced" \
		"bob GET /v1.41/images/json (ImageList): would-deny (no rule) -> deny (no rule): no rule allows ImageList for user \"bob\" (default: deny)" \
		"bob POST /v1.41/volumes/create (VolumeCreate): would-deny (no rule) -> deny (no rule)" \
		"bob DELETE /v1.41/containers/rollout-c1 (ContainerDelete): would-deny" \
		"changes by rule (recorded -> candidate):" "changes by user:" \
		"  \"bob\": " "would-deny -> deny: " || return 1
	# Allowed traffic is unchanged; nothing of bob's docker run appears.
	lacks "replay against the policy enforced" "(ContainerCreate)" "note: " || return 1
	printf '%s\n' "$OUT" | grep -Eq '^[0-9]+ replayed, [1-9][0-9]* changed, [0-9]+ unchanged, [0-9]+ skipped' || {
		WHY="no summary line: $(flat "$OUT")"
		return 1
	}
}

case_replay_tightened() {
	# bob loses ContainerCreate: his docker run and docker create would break.
	sed 's/"Container{List,Inspect,Create,Attach,Wait,Start}"/"Container{List,Inspect,Attach,Wait,Start}"/' \
		"$DEMO" >"$PC_DIR/tight.yaml"
	succeeds "the tightened policy is valid" "$PC_BIN" check "$PC_DIR/tight.yaml" || return 1
	exits "replay --policy tight.yaml" 1 "$PC_BIN" replay --policy "$PC_DIR/tight.yaml" \
		"$PC_DIR/dry-run.log" || return 1
	has "replay against the tightened policy" \
		"(ContainerCreate): allow (rule \"bob-runs-containers\") -> deny (no rule): no rule allows ContainerCreate for user \"bob\"" \
		"  \"bob-runs-containers\" -> (no rule): 2 (allow -> deny: 2)" || return 1
	exits "replay --json" 1 "$PC_BIN" replay --json --policy "$PC_DIR/tight.yaml" \
		"$PC_DIR/dry-run.log" || return 1
	has "replay --json" '"old":{"decision":"allow","rule":"bob-runs-containers"},"new":{"decision":"deny","rule":null,"mode":"enforce"' \
		'"by_user":[{"user":"bob","changed":'
}

case_replay_unchanged_and_broken() {
	# The same policy in dry-run decides everything as recorded: exit 0.
	sed 's/^mode: enforce/mode: dry-run/' "$DEMO" >"$PC_DIR/dry.yaml"
	exits "replay --policy dry.yaml" 0 "$PC_BIN" replay --policy "$PC_DIR/dry.yaml" \
		"$PC_DIR/dry-run.log" || return 1
	has "replay, same decisions" " 0 changed, " || return 1
	# A log that is not an audit log: exit 2 at FILE:LINE.
	{ head -n 2 "$PC_DIR/dry-run.log"; echo 'not a record'; } >"$PC_DIR/broken.log"
	exits "replay of a broken log" 2 "$PC_BIN" replay --policy "$DEMO" "$PC_DIR/broken.log" ||
		return 1
	has "replay of a broken log" "$PC_DIR/broken.log:3: not a JSON audit record"
}

# --- 3. policy tests ------------------------------------------------------------------

case_shipped_cases_pass() {
	succeeds "portcullis test demo.yaml demo.cases.yaml" "$PC_BIN" test "$DEMO" "$DEMO_CASES" ||
		return 1
	printf '%s\n' "$OUT" | grep -Eq '^[1-9][0-9]* passed, 0 failed$' || {
		WHY="unexpected summary: $(flat "$OUT")"
		return 1
	}
}

# A case file written from what the audit log shows: the would-deny of
# `docker images` becomes a test that it is denied once enforced.
case_cases_from_audit_pass() {
	local env
	env=$(grep -F "$(jf action ImageList)" "$PC_DIR/dry-run.log" | grep -F "$(jf phase request)" |
		head -n 1 | sed 's/.*"envelope"://; s/}$//')
	[ -n "$env" ] || { WHY="no ImageList envelope in the audit log"; return 1; }
	cat >"$PC_DIR/bob.cases.yaml" <<EOF
cases:
  - name: bob may not list images (recorded by the dry-run)
    envelope: '${env//\'/\'\'}'
    expect: deny
    reason: no rule allows ImageList for user "bob"
    rule: null
    action: ImageList
  - name: bob may still run containers
    user: bob
    method: POST
    uri: /v1.41/containers/create
    body: {Image: "bb:latest", Cmd: [/bin/true], Env: [A=b]}
    expect: allow
    rule: bob-runs-containers
EOF
	succeeds "portcullis test -v demo.yaml bob.cases.yaml" "$PC_BIN" test -v "$DEMO" \
		"$PC_DIR/bob.cases.yaml" || return 1
	has "portcullis test" "ok - $PC_DIR/bob.cases.yaml:2: bob may not list images" "2 passed, 0 failed" ||
		return 1
	# The same file fails against the tightened policy: exit 1, with the reason.
	exits "portcullis test tight.yaml bob.cases.yaml" 1 "$PC_BIN" test "$PC_DIR/tight.yaml" \
		"$PC_DIR/bob.cases.yaml" || return 1
	has "portcullis test tight.yaml" "not ok - $PC_DIR/bob.cases.yaml:8: bob may still run containers: expected allow, got deny" \
		"1 passed, 1 failed"
}

# --- 4. dry-run to enforce with SIGHUP, under load ------------------------------------

# loop_as_bob N FILE: N rounds of allowed commands; each failure appended to FILE.
loop_as_bob() {
	local i out
	for i in $(seq 1 "$1"); do
		out=$(as_user bob ps -a 2>&1) || printf 'round %s: docker ps: %s\n' "$i" "$(flat "$out")" >>"$2"
		out=$(as_user bob run --rm --network none bb:latest /bin/true 2>&1) ||
			printf 'round %s: docker run: %s\n' "$i" "$(flat "$out")" >>"$2"
	done
}

case_restart_with_file_in_dry_run() {
	local rc=0
	pc_stop_plugin || rc=$?
	[ "$rc" = 0 ] || { WHY="the --dry-run plugin exited with $rc"; return 1; }
	# The operator's file: the policy, with its default mode dry-run.
	sed 's/^mode: enforce/mode: dry-run/' "$DEMO" >"$PC_DIR/demo-dry.yaml"
	grep -q '^mode: dry-run' "$PC_DIR/demo-dry.yaml" || { WHY="no mode line in demo.yaml"; return 1; }
	start_plugin "$PC_DIR/demo-dry.yaml" --metrics "unix:$METRICS_SOCK"
	sleep 0.5
	succeeds "bob: docker images with the file in dry-run" as_user bob images || return 1
	succeeds "GET /metrics" metrics || return 1
	has "metrics" 'portcullis_dry_run_forced 0'
}

case_sighup_to_enforce_under_load() {
	local failures=$PC_DIR/loop-failures pids=() p mark
	: >"$failures"
	mark=$(audit_count)
	loop_as_bob 6 "$failures" &
	pids+=($!)
	loop_as_bob 6 "$failures" &
	pids+=($!)
	loop_as_bob 6 "$failures" &
	pids+=($!)
	sleep 2
	pc_reload_policy "$DEMO"
	for p in "${pids[@]}"; do wait "$p" || true; done
	if [ -s "$failures" ]; then
		WHY="allowed commands failed around the reload: $(flat "$(cat "$failures")")"
		return 1
	fi
	audit_since "$mark"
	audit_line "the reload" '"event":"reload"' '"result":"ok"' "$(jf policy "$PC_POLICY")" ||
		return 1
	# Requests were decided before and after the swap, by the same rule.
	audit_line "before the swap" "$(jf action ContainerList)" "$(jf mode dry-run)" \
		"$(jf decision allow)" || return 1
	audit_line "after the swap" "$(jf action ContainerList)" "$(jf mode enforce)" \
		"$(jf decision allow)"
}

case_denied_after_enforce() {
	local rc=0
	OUT=$(as_user bob images 2>&1) || rc=$?
	[ "$rc" != 0 ] || { WHY="bob: docker images succeeded after the switch to enforce"; return 1; }
	has "bob: docker images" "$(denied_by_plugin)no rule allows ImageList for user \"bob\" (default: deny)"
}

case_bad_reload_kept() {
	local mark
	mark=$(audit_count)
	printf 'version: 1\nrules:\n  - name: x\n    users: [bob]\n    actions: [Imagelist]\n' \
		>"$PC_DIR/bad.yaml"
	pc_reload_policy "$PC_DIR/bad.yaml"
	sleep 1
	pc_alive "$PC_PLUGIN_PID" || { WHY="the plugin died on a bad reload"; return 1; }
	audit_since "$mark"
	audit_line "the refused reload" '"event":"reload"' '"result":"error"' \
		"$PC_POLICY:5:15: " || return 1
	succeeds "GET /metrics" metrics || return 1
	has "metrics" 'portcullis_reloads_total{result="ok"} 1' \
		'portcullis_reloads_total{result="error"} 1' \
		'portcullis_policy_last_reload_successful 0' || return 1
	# The enforced policy is still the one running.
	succeeds "bob: docker ps" as_user bob ps || return 1
	OUT=$(as_user bob images 2>&1) && { WHY="bob: docker images allowed after a bad reload"; return 1; }
	has "bob: docker images" "no rule allows ImageList"
}

case_sigterm() {
	local rc=0
	pc_stop_plugin || rc=$?
	[ "$rc" = 0 ] && return 0
	WHY="exit status $rc; plugin log: $(flat "$(tail -n 5 "$PC_DIR/plugin.log")")"
	return 1
}

# --- main ------------------------------------------------------------------------------

pc_init "${1:-}" pc-rollout
{ [ -f "$DEMO" ] && [ -f "$DEMO_CASES" ]; } || pc_die "missing $DEMO or $DEMO_CASES"
METRICS_SOCK=$PC_DIR/metrics.sock
pc_make_certs admin bob
start_plugin "$DEMO" --dry-run --audit-envelopes --metrics "unix:$METRICS_SOCK"
pc_start_dockerd
pc_import_busybox admin
START=$(pc_now_us)

t "in dry-run, bob's commands the policy would deny succeed (images, volume create/ls, rm)" \
	case_dry_run_commands_succeed
t "the audit log shows each would-deny with its reason, and allows by their rule" \
	case_dry_run_audited
t "the audit record keeps the docker run request, with Env values redacted" \
	case_envelope_recorded_redacted
t "the metrics endpoint counts the would-deny decisions" case_metrics_count_dry_run
t "replay of the dry-run log against the policy enforced lists what would break, by rule and user" \
	case_replay_enforced
t "replay against a tightened policy shows bob's docker run would now be denied" \
	case_replay_tightened
t "replay with the same decisions exits 0; a log that is not an audit log exits 2 at FILE:LINE" \
	case_replay_unchanged_and_broken
t "portcullis test passes the shipped demo case file" case_shipped_cases_pass
t "a case file written from the audit log passes, and fails against the tightened policy" \
	case_cases_from_audit_pass
t "the plugin restarted with the policy file in dry-run serves bob's docker images" \
	case_restart_with_file_in_dry_run
t "SIGHUP to enforce while docker commands run: no allowed command fails" \
	case_sighup_to_enforce_under_load
t "after the switch to enforce, the would-deny command is refused with its reason" \
	case_denied_after_enforce
t "a broken policy on SIGHUP is refused, audited and counted; the enforced one stays" \
	case_bad_reload_kept
t "SIGTERM stops the plugin with exit status 0" case_sigterm

summary
pc_log "rollout e2e took $((($(pc_now_us) - START) / 1000000)) s"
[ "$FAILED" = 0 ]
