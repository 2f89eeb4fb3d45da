#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# owner.sh - multi-tenant ownership end to end: TLS users alice and bob under
# one `owner: required` rule on a real dockerd. bob cannot touch alice's
# container (by full ID, short ID prefix or name), her volume, her network or
# her namespaces; he can do all of that to his own; an admin can do it to
# both; a plugin restart in between changes nothing; a forged lookup token
# from a client is denied.
#
# Usage: tests/e2e/owner.sh PATH_TO_PORTCULLIS    (as root; PC_KEEP=1 keeps logs)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$HERE/lib.sh"
# shellcheck source=tests/e2e/assert.sh
. "$HERE/assert.sh"

LABEL=io.portcullis.owner
RUN_OPTS=(--network none)

# as_tenant USER ARGS...: docker as USER, with USER's owner label on creates.
label_of() { printf '%s=%s' "$LABEL" "$1"; }

# refused DESC USER ARGS...: the plugin refuses USER's docker ARGS because an
# object belongs to someone else.
refused() {
	local desc=$1 user=$2
	shift 2
	fails "$desc" as_user "$user" "$@" || return 1
	has "$desc" "$(denied_by_plugin)rule \"tenants\": " "belongs to"
}

# --- setup ---------------------------------------------------------------------

setup_objects() {
	local u
	for u in alice bob; do
		as_user "$u" volume create --label "$(label_of "$u")" "$u-vol" >/dev/null ||
			pc_die "$u cannot create her/his volume"
		as_user "$u" run -d --name "$u-c" --label "$(label_of "$u")" "${RUN_OPTS[@]}" \
			-v "$u-vol:/data" bb:latest sleep 600 >/dev/null ||
			pc_die "$u cannot run her/his container: $(as_user "$u" run -d --name "$u-x" \
				--label "$(label_of "$u")" "${RUN_OPTS[@]}" bb:latest true 2>&1)"
	done
	ALICE_ID=$(as_anon inspect -f '{{.Id}}' alice-c)
	ALICE_SHORT=${ALICE_ID:0:12}
}

# --- cases ---------------------------------------------------------------------

case_create_needs_label() {
	fails "bob: docker create without the owner label" as_user bob create "${RUN_OPTS[@]}" bb:latest true || return 1
	has "create without label" "must carry the label $LABEL=bob (add --label $LABEL=bob)"
}

# Every way bob can name alice's container, for every call the issue lists.
case_bob_cannot_touch_alice() {
	local ref
	for ref in alice-c "$ALICE_ID" "$ALICE_SHORT"; do
		refused "stop $ref" bob stop -t 1 "$ref" || return 1
		refused "exec $ref" bob exec "$ref" id || return 1
		refused "logs $ref" bob logs "$ref" || return 1
		refused "cp from $ref" bob cp "$ref:/etc/hostname" "$PC_DIR/stolen" || return 1
		refused "commit $ref" bob commit "$ref" bb:stolen || return 1
		refused "rename $ref" bob rename "$ref" mine || return 1
		refused "inspect $ref" bob inspect "$ref" || return 1
		refused "rm $ref" bob rm -f "$ref" || return 1
	done
}

case_bob_cannot_join_alice() {
	refused "--volumes-from alice-c" bob create --label "$(label_of bob)" "${RUN_OPTS[@]}" \
		--volumes-from alice-c bb:latest true || return 1
	refused "--network container:alice-c" bob create --label "$(label_of bob)" \
		--network container:alice-c bb:latest true || return 1
	refused "--pid container:alice-c" bob create --label "$(label_of bob)" "${RUN_OPTS[@]}" \
		--pid container:alice-c bb:latest true || return 1
	refused "-v alice-vol:/x" bob create --label "$(label_of bob)" "${RUN_OPTS[@]}" \
		-v alice-vol:/x bb:latest true || return 1
	refused "volume rm alice-vol" bob volume rm alice-vol
}

case_bob_can_touch_his_own() {
	succeeds "bob: exec in his container" as_user bob exec bob-c id || return 1
	succeeds "bob: logs of his container" as_user bob logs bob-c || return 1
	succeeds "bob: cp from his container" as_user bob cp bob-c:/etc/hostname "$PC_DIR/mine" || return 1
	succeeds "bob: inspect by short ID" as_user bob inspect "$(as_anon inspect -f '{{.Id}}' bob-c | cut -c1-12)" || return 1
	succeeds "bob: --volumes-from his container" as_user bob create --label "$(label_of bob)" \
		"${RUN_OPTS[@]}" --volumes-from bob-c bb:latest true || return 1
	succeeds "bob: --pid container:bob-c" as_user bob create --label "$(label_of bob)" \
		"${RUN_OPTS[@]}" --pid container:bob-c bb:latest true || return 1
	succeeds "bob: mounts his volume" as_user bob create --label "$(label_of bob)" \
		"${RUN_OPTS[@]}" -v bob-vol:/x bb:latest true || return 1
	succeeds "bob: rename his container" as_user bob rename bob-c bob-c2 || return 1
	succeeds "bob: rename it back" as_user bob rename bob-c2 bob-c
}

case_listing_filtered() {
	fails "bob: docker ps unfiltered" as_user bob ps || return 1
	has "bob: docker ps unfiltered" "add --filter label=$LABEL=bob" || return 1
	succeeds "bob: docker ps filtered to his label" as_user bob ps -a --filter "label=$LABEL=bob" || return 1
	has "bob sees his container" bob-c || return 1
	lacks "bob does not see alice's" alice-c
}

case_admin_touches_both() {
	succeeds "admin: inspect alice-c" as_user admin inspect alice-c || return 1
	succeeds "admin: exec in bob-c" as_user admin exec bob-c id || return 1
	succeeds "admin: docker ps" as_user admin ps
}

case_restart_changes_nothing() {
	pc_stop_plugin || { WHY="plugin did not stop cleanly"; return 1; }
	pc_start_plugin "$POLICY"
	refused "after restart: bob stops alice-c by short ID" bob stop -t 1 "$ALICE_SHORT" || return 1
	succeeds "after restart: bob execs in bob-c" as_user bob exec bob-c id
}

case_forged_token_denied() {
	http admin GET /v1.41/containers/alice-c/json -H 'X-Portcullis-Token: guess'
	status "admin GET with a forged token header" 403 || return 1
	has "forged token" "X-Portcullis-Token header is reserved"
}

# --- main ----------------------------------------------------------------------

START=$(pc_now_us)
pc_init "${1:-}"
POLICY=$HERE/policies/owner.yaml
pc_make_certs admin alice bob
PC_PLUGIN_ARGS=(--docker-host "unix://$PC_DOCKER_SOCK")
pc_start_plugin "$POLICY"
pc_start_dockerd
pc_import_busybox anon
setup_objects

t "a create without the caller's owner label is denied, naming the label to add" case_create_needs_label
t "bob cannot stop, exec, logs, cp, commit, rename, inspect or rm alice's container by name, ID or short ID" case_bob_cannot_touch_alice
t "bob cannot --volumes-from, join the network or pid namespace of, or mount the volume of alice" case_bob_cannot_join_alice
t "bob can do all of that to his own" case_bob_can_touch_his_own
t "listing is allowed only filtered to the caller's label" case_listing_filtered
t "an admin touches both tenants' objects" case_admin_touches_both
t "a plugin restart changes nothing: ownership lives in dockerd's labels" case_restart_changes_nothing
t "a client forging the lookup token header is denied" case_forged_token_denied

summary
pc_log "owner e2e took $((($(pc_now_us) - START) / 1000000)) s"
[ "$FAILED" = 0 ]
