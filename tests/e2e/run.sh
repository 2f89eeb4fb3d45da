#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh - Portcullis end to end: the real docker CLI and curl, as several TLS
# users and over the unix socket, against a private dockerd that uses the
# plugin. One line per case (`ok - ...` / `not ok - ...: details`), then
# `N passed, N failed`; exit 1 if any case failed.
#
# Usage: tests/e2e/run.sh PATH_TO_PORTCULLIS    (as root; PC_KEEP=1 keeps logs)
#
# Users: admin and root (unix socket, `unauthenticated: root`) may do anything;
# alice may run containers; bob may ping, see the version and list containers;
# carol may only ping and list; mallory has no rule. See policies/base.yaml.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$HERE/lib.sh"
POLICIES=$HERE/policies

PASSED=0
FAILED=0
WHY=""
OUT=""
CODE=""
CREATE_BODY='{"Image":"bb:latest","Cmd":["/bin/true"],"HostConfig":{"NetworkMode":"none"}}'

# --- reporting -------------------------------------------------------------------

# flat TEXT: one line, at most 700 characters, for a `not ok` detail.
flat() {
	local s
	s=$(printf '%s' "$*" | tr '\n\t' '  ' | tr -s ' ')
	[ "${#s}" -le 700 ] || s="${s:0:700}..."
	printf '%s' "$s"
}

summary() { echo "$PASSED passed, $FAILED failed"; }

# A setup failure ends the run, but still as a `not ok` line and the summary.
pc_die() {
	if [ "$BASHPID" != $$ ]; then
		printf 'error: %s\n' "$*" >&2
		exit 1
	fi
	echo "not ok - the private dockerd with the plugin is set up: $(printf '%s' "$*" | tr '\n\t' '  ' | tr -s ' ')"
	FAILED=$((FAILED + 1))
	summary
	exit 1
}

# t NAME FUNCTION: run one case; the function returns non-zero with WHY set.
t() {
	local name=$1
	shift
	WHY=""
	if "$@"; then
		echo "ok - $name"
		PASSED=$((PASSED + 1))
	else
		echo "not ok - $name: ${WHY:-failed}"
		FAILED=$((FAILED + 1))
	fi
}

# --- assertions (each sets WHY and returns 1 on failure) ---------------------------

# succeeds DESC CMD...: CMD exits 0; its output is in OUT.
succeeds() {
	local desc=$1 rc=0
	shift
	OUT=$("$@" 2>&1) || rc=$?
	[ "$rc" = 0 ] && return 0
	WHY="$desc: exit $rc: $(flat "$OUT")"
	return 1
}

# fails DESC CMD...: CMD exits non-zero; its output is in OUT.
fails() {
	local desc=$1 rc=0
	shift
	OUT=$("$@" 2>&1) || rc=$?
	[ "$rc" != 0 ] && return 0
	WHY="$desc: expected a failure, got exit 0: $(flat "$OUT")"
	return 1
}

# has DESC TEXT...: OUT contains every TEXT (fixed strings).
has() {
	local desc=$1 s
	shift
	for s in "$@"; do
		if [[ "$OUT" != *"$s"* ]]; then
			WHY="$desc: expected '$s' in: $(flat "$OUT")"
			return 1
		fi
	done
}

lacks() {
	local desc=$1 s
	shift
	for s in "$@"; do
		if [[ "$OUT" == *"$s"* ]]; then
			WHY="$desc: did not expect '$s' in: $(flat "$OUT")"
			return 1
		fi
	done
}

# http USER METHOD TARGET [CURL-ARGS...]: one request over TLS as USER;
# status in CODE, body in OUT. TARGET is sent as is (no dot-segment or
# slash clean-up by curl).
http() {
	local user=$1 method=$2 target=$3 m
	shift 3
	case $method in
	HEAD) m=(--head) ;;
	*) m=(-X "$method") ;;
	esac
	rm -f "$PC_DIR/body"
	CODE=$(curl_as "$user" --path-as-is -o "$PC_DIR/body" -w '%{http_code}' "${m[@]}" \
		"$@" "$PC_URL$target" 2>&1) || true
	OUT=$(cat "$PC_DIR/body" 2>/dev/null || true)
}

# status DESC WANT: the last http call answered WANT.
status() {
	[ "$CODE" = "$2" ] && return 0
	WHY="$1: expected HTTP $2, got $CODE: $(flat "$OUT")"
	return 1
}

# create_as USER TARGET [CURL-ARGS...]: POST a container-create body.
create_as() {
	local user=$1 target=$2
	shift 2
	http "$user" POST "$target" -H 'Content-Type: application/json' -d "$CREATE_BODY" "$@"
}

# The plugin's denial, as dockerd relays it.
denied_by_plugin() { printf 'authorization denied by plugin %s: ' "$PC_NAME"; }

# denied_for DESC ACTION USER: OUT is the plugin's denial of ACTION for USER
# when no rule matches (default: deny). In a JSON body (curl) dockerd escapes
# the quotes around the user name.
denied_for() {
	local desc=$1 action=$2 user=$3 q='"'
	[[ "$OUT" != *'{"message"'* ]] || q='\"'
	has "$desc" "$(denied_by_plugin)no rule allows $action for user $q$user$q (default: deny)"
}

container_ids() { as_anon ps -aq --no-trunc | sort; }

# --- audit log -----------------------------------------------------------------------

audit_count() {
	if [ -f "$PC_AUDIT" ]; then wc -l <"$PC_AUDIT"; else echo 0; fi
}

_audit_has_at_least() { [ "$(audit_count)" -ge "$1" ]; }

# audit_after N WANT: wait (bounded) for WANT lines after line N; they are in
# OUT, and a short pause catches extra lines that should not be there.
audit_after() {
	pc_wait_until 5 _audit_has_at_least $(($1 + $2)) || true
	sleep 0.2
	OUT=$(tail -n +"$(($1 + 1))" "$PC_AUDIT" 2>/dev/null || true)
	local n
	n=$(printf '%s' "$OUT" | grep -c . || true)
	[ "$n" = "$2" ] && return 0
	WHY="expected $2 audit line(s), got $n: $(flat "$OUT")"
	return 1
}

# jf KEY VALUE: a regex for "KEY":"VALUE" (VALUE a plain word) in a JSON line.
jf() { printf '"%s"[[:space:]]*:[[:space:]]*"%s"' "$1" "$2"; }

# audit_line DESC PATTERN...: exactly one line of OUT matches every PATTERN
# (grep -E).
audit_line() {
	local desc=$1 p lines=$OUT
	shift
	for p in "$@"; do
		lines=$(printf '%s\n' "$lines" | grep -E -- "$p" || true)
	done
	if [ "$(printf '%s' "$lines" | grep -c .)" != 1 ]; then
		WHY="$desc: expected one audit line matching $*; audit lines: $(flat "$OUT")"
		return 1
	fi
}

# --- cases ------------------------------------------------------------------------

case_allowed_run() {
	succeeds "alice: docker run" as_user alice run --rm --network none bb:latest /bin/true
}

case_denied_run() {
	fails "bob: docker run" as_user bob run --rm --network none bb:latest /bin/true || return 1
	has "bob: docker run" "Error response from daemon" || return 1
	denied_for "bob: docker run" ContainerCreate bob
}

case_denied_is_403() {
	create_as bob /v1.41/containers/create
	status "bob: POST /v1.41/containers/create" 403 || return 1
	denied_for "bob: POST /v1.41/containers/create" ContainerCreate bob
}

case_deny_rule_named() {
	fails "alice: docker plugin ls" as_user alice plugin ls || return 1
	has "alice: docker plugin ls" \
		"$(denied_by_plugin)rule \"no-plugins\": PluginList is denied to user \"alice\""
}

case_version_allowed() {
	succeeds "alice: docker version" as_user alice version --format '{{.Server.Version}}' || return 1
	has "alice: docker version" "20.10" || return 1
	lacks "alice: docker version" "authorization denied"
}

case_version_denied() {
	fails "carol: docker version" as_user carol version || return 1
	has "carol: docker version" "Client:" || return 1
	denied_for "carol: docker version" SystemVersion carol
}

case_ping() {
	http carol GET /_ping
	status "carol: GET /_ping" 200 || return 1
	has "carol: GET /_ping" OK || return 1
	http carol HEAD /_ping
	status "carol: HEAD /_ping" 200 || return 1
	http mallory GET /_ping
	status "mallory: GET /_ping" 403 || return 1
	denied_for "mallory: GET /_ping" SystemPing mallory || return 1
	http mallory HEAD /_ping
	status "mallory: HEAD /_ping" 403
}

case_per_user() {
	succeeds "alice: docker images" as_user alice images || return 1
	fails "bob: docker images" as_user bob images || return 1
	denied_for "bob: docker images" ImageList bob
}

case_unix_is_unauthenticated() {
	local n
	fails "alice: docker volume ls" as_user alice volume ls || return 1
	denied_for "alice: docker volume ls" VolumeList alice || return 1
	n=$(audit_count)
	succeeds "unix socket: GET /v1.41/volumes" curl -sSf --max-time 30 \
		--unix-socket "$PC_DOCKER_SOCK" http://localhost/v1.41/volumes || return 1
	audit_after "$n" 2 || return 1
	audit_line "unix socket, request phase" "$(jf phase request)" "$(jf user root)" \
		"$(jf authn none)" "$(jf action VolumeList)" "$(jf decision allow)" "$(jf rule admins)"
}

case_percent_encoded() {
	create_as bob /v1.41/containers/%63reate
	status "bob: POST /v1.41/containers/%63reate" 403 || return 1
	denied_for "bob: POST /v1.41/containers/%63reate" ContainerCreate bob
}

case_version_zeros() {
	create_as bob /v01.041/containers/create
	status "bob: POST /v01.041/containers/create" 403 || return 1
	denied_for "bob: POST /v01.041/containers/create" ContainerCreate bob
}

case_absolute_form() {
	create_as bob / --request-target 'http://x/v1.41/containers/create'
	status "bob: POST http://x/v1.41/containers/create" 403 || return 1
	denied_for "bob: POST http://x/v1.41/containers/create" ContainerCreate bob
}

case_unclean_never_creates() {
	local before after target
	before=$(container_ids) || { WHY="docker ps -a failed: $(flat "$before")"; return 1; }
	for target in //containers/create /v1.41//containers/create /v1.41/containers/./create \
		/v1.41/images/../containers/create /v1.41/containers/create/; do
		create_as bob "$target"
		case $CODE in
		2??)
			WHY="bob: POST $target answered $CODE: $(flat "$OUT")"
			return 1
			;;
		esac
	done
	after=$(container_ids) || { WHY="docker ps -a failed: $(flat "$after")"; return 1; }
	[ "$before" = "$after" ] && return 0
	WHY="containers appeared: $(flat "$(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after"))")"
	return 1
}

case_audit_allowed() {
	local n
	n=$(audit_count)
	http bob GET /v1.41/containers/json
	status "bob: GET /v1.41/containers/json" 200 || return 1
	audit_after "$n" 2 || return 1
	audit_line "request phase" "$(jf phase request)" "$(jf user bob)" "$(jf authn TLS)" \
		"$(jf method GET)" "$(jf uri /v1.41/containers/json)" "$(jf action ContainerList)" \
		"$(jf decision allow)" "$(jf rule bob-looks)" || return 1
	audit_line "response phase" "$(jf phase response)" "$(jf user bob)" \
		"$(jf action ContainerList)" "$(jf decision allow)"
}

case_audit_denied() {
	local n
	n=$(audit_count)
	create_as bob /v1.41/containers/create
	status "bob: POST /v1.41/containers/create" 403 || return 1
	# dockerd asks for no response-phase decision after a denial: one line.
	audit_after "$n" 1 || return 1
	audit_line "denial" "$(jf phase request)" "$(jf user bob)" "$(jf authn TLS)" \
		"$(jf method POST)" "$(jf action ContainerCreate)" "$(jf decision deny)" \
		'"rule"[[:space:]]*:[[:space:]]*null' 'no rule allows ContainerCreate'
}

_bob_may_inspect() {
	http bob GET /v1.41/containers/portcullis-e2e-no-such-container/json
	[ "$CODE" = 404 ]
}

case_sighup_reload() {
	succeeds "reload.yaml is valid" "$PC_BIN" check "$POLICIES/reload.yaml" || return 1
	pc_reload_policy "$POLICIES/reload.yaml"
	# Applied once ContainerInspect turns from 403 into dockerd's 404.
	if ! pc_wait_until 10 _bob_may_inspect; then
		WHY="bob still denied ContainerInspect 10 s after SIGHUP: HTTP $CODE: $(flat "$OUT")"
		return 1
	fi
	succeeds "bob: docker run after reload" as_user bob run --rm --network none bb:latest /bin/true
}

case_sighup_invalid_kept() {
	fails "portcullis check invalid.yaml" "$PC_BIN" check "$POLICIES/invalid.yaml" || return 1
	pc_reload_policy "$POLICIES/invalid.yaml"
	sleep 1
	if ! pc_alive "$PC_PLUGIN_PID"; then
		WHY="the plugin exited after SIGHUP with an invalid policy: $(flat "$(tail -n 5 "$PC_DIR/plugin.log")")"
		return 1
	fi
	succeeds "bob: docker run after a bad reload" as_user bob run --rm --network none bb:latest /bin/true || return 1
	succeeds "alice: docker run after a bad reload" as_user alice run --rm --network none bb:latest /bin/true
}

case_sigterm() {
	local rc=0
	pc_stop_plugin || rc=$?
	[ "$rc" = 0 ] && return 0
	WHY="exit status $rc; plugin log: $(flat "$(tail -n 5 "$PC_DIR/plugin.log")")"
	return 1
}

# --- main ---------------------------------------------------------------------------

START=$(pc_now_us)
pc_init "${1:-}"
pc_make_certs admin alice bob carol mallory
pc_start_plugin "$POLICIES/base.yaml"
pc_start_dockerd
pc_import_busybox anon # root, via `unauthenticated: root`

t "an allowed user runs a container (alice: docker run --rm bb:latest /bin/true)" case_allowed_run
t "a denied docker run fails with the plugin's reason (bob: ContainerCreate)" case_denied_run
t "the denial reaches a TLS client as HTTP 403 (bob: POST /containers/create)" case_denied_is_403
t "a deny rule is named in the denial (alice: docker plugin ls, rule no-plugins)" case_deny_rule_named
t "docker version shows the server version to a user allowed SystemVersion (alice)" case_version_allowed
t "docker version shows the denial for the server part without SystemVersion (carol)" case_version_denied
t "_ping answers users the policy allows and is denied to a user with no rule (carol, mallory)" case_ping
t "the same command is allowed for one user and denied for another (docker images: alice, bob)" case_per_user
t "a unix-socket caller without a certificate is the unauthenticated user (root)" case_unix_is_unauthenticated
t "a percent-encoded path is decided as the endpoint dockerd routes it to (/v1.41/containers/%63reate)" case_percent_encoded
t "a version prefix with leading zeros is decided as ContainerCreate (/v01.041/containers/create)" case_version_zeros
t "an absolute-form request target is decided as ContainerCreate (http://x/v1.41/containers/create)" case_absolute_form
t "a create sent to a non-clean path never creates a container (//containers/create, ./, ../)" case_unclean_never_creates
t "the audit log has one request and one response line for an allowed call" case_audit_allowed
t "the audit log has one deny line naming user, action and reason for a denied call" case_audit_denied
t "SIGHUP reloads the policy: bob may run containers after the swap" case_sighup_reload
t "SIGHUP with an invalid policy keeps the running policy" case_sighup_invalid_kept
t "SIGTERM stops the plugin with exit status 0" case_sigterm

summary
pc_log "e2e took $((($(pc_now_us) - START) / 1000000)) s"
[ "$FAILED" = 0 ]
