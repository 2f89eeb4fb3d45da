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
# shellcheck source=tests/e2e/assert.sh
. "$HERE/assert.sh"
POLICIES=$HERE/policies

CREATE_BODY='{"Image":"bb:latest","Cmd":["/bin/true"],"HostConfig":{"NetworkMode":"none"}}'

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

_engine_logged() { grep -q 'portcullis: engine ' "$PC_DIR/plugin.log"; }

# The plugin reads dockerd's version once dockerd is up and says which of its
# weaknesses apply: Debian's 20.10 drops bodies of 1 MiB or more.
case_engine_weaknesses_logged() {
	local v
	v=$(as_anon version -f '{{.Server.Version}}') || { WHY="docker version failed"; return 1; }
	pc_wait_until 15 _engine_logged || { WHY="no engine line in the plugin log"; return 1; }
	OUT=$(cat "$PC_DIR/plugin.log")
	has "plugin log" "portcullis: engine $v (API " || return 1
	case $v in
	2[0-8].* | 29.[0-2].* | 29.3.0*) has "plugin log" "WARNING: engine" "CVE-2026-34040" ;;
	*) lacks "plugin log" "CVE-2026-34040" ;;
	esac
}

case_sigterm() {
	local rc=0
	pc_stop_plugin || rc=$?
	[ "$rc" = 0 ] && return 0
	WHY="exit status $rc; plugin log: $(flat "$(tail -n 5 "$PC_DIR/plugin.log")")"
	return 1
}


# --- container constraints (profile "tenant" extends restricted; user dave) ---------

# What restricted + tenant require of a docker run; each denial case adds one thing.
TENANT_RUN=(run --rm --network none --cap-drop ALL --security-opt no-new-privileges
	-u 1000:1000 -m 64m --pids-limit 50)

# tenant_denied DESC FIELD ARGS...: dave's docker ARGS fails with the plugin's
# denial from rule "tenants" naming FIELD and the profile.
tenant_denied() {
	local desc=$1 field=$2
	shift 2
	fails "$desc" as_user dave "$@" || return 1
	has "$desc" "$(denied_by_plugin)rule \"tenants\": " "$field" "(profile tenant)"
}

case_tenant_compliant() {
	succeeds "dave: compliant docker run" as_user dave "${TENANT_RUN[@]}" bb:latest /bin/true
}
case_tenant_privileged() {
	tenant_denied "docker run --privileged" "HostConfig.Privileged" \
		"${TENANT_RUN[@]}" --privileged bb:latest /bin/true
}
case_tenant_docker_sock() {
	tenant_denied "docker run -v /var/run/docker.sock" "HostConfig.Binds" \
		"${TENANT_RUN[@]}" -v /var/run/docker.sock:/var/run/docker.sock bb:latest /bin/true
}
case_tenant_cap_add() {
	tenant_denied "docker run --cap-add SYS_ADMIN" "HostConfig.CapAdd" \
		"${TENANT_RUN[@]}" --cap-add SYS_ADMIN bb:latest /bin/true
}
case_tenant_pid_host() {
	tenant_denied "docker run --pid host" "HostConfig.PidMode" \
		"${TENANT_RUN[@]}" --pid host bb:latest /bin/true
}
case_tenant_seccomp() {
	tenant_denied "docker run --security-opt seccomp=unconfined" "HostConfig.SecurityOpt" \
		"${TENANT_RUN[@]}" --security-opt seccomp=unconfined bb:latest /bin/true
}
case_tenant_bind_volume() {
	tenant_denied "docker volume create (local, o=bind, device=/etc)" "DriverOpts" \
		volume create --driver local --opt type=none --opt o=bind --opt device=/etc evil || return 1
	tenant_denied "docker run --mount type=volume with inline bind options" "HostConfig.Mounts" \
		"${TENANT_RUN[@]}" --mount 'type=volume,src=evil2,dst=/x,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/etc' \
		bb:latest /bin/true || return 1
	fails "the volume was not created" as_anon volume inspect evil
}
# An administrator's bind-backed volume is /etc, whoever mounts it by name:
# the plugin inspects the volume through dockerd (--docker-host).
case_tenant_admin_volume_by_name() {
	as_anon volume create --driver local --opt type=none --opt o=bind --opt device=/etc \
		adminetc >/dev/null || { WHY="root cannot create the volume"; return 1; }
	tenant_denied "docker run -v adminetc:/x (a bind of /etc made by root)" "HostConfig.Binds[0]" \
		"${TENANT_RUN[@]}" -v adminetc:/x:ro bb:latest /bin/true || return 1
	has "names /etc" "/etc"
}

case_tenant_exec_privileged() {
	tenant_denied "docker exec --privileged -u root" "Privileged" \
		exec --privileged -u root e2e-target id
}
case_tenant_update_memory() {
	tenant_denied "docker update --memory 1g" "Memory" update --memory 1g e2e-target || return 1
	succeeds "docker update within the limit" as_user dave update --memory 128m --memory-swap 256m e2e-target
}
case_tenant_json_differential() {
	local body
	for body in '{"Image":"bb:latest","hostconfig":{"privileged":true}}' \
		'{"Image":"bb:latest","HostConfig":{"\u0050rivileged":true}}' \
		'{"Image":"bb:latest","HostConfig":{"Privileged":false,"privileged":true}}'; do
		http dave POST /v1.41/containers/create -H 'Content-Type: application/json' -d "$body"
		status "create $body" 403 || return 1
	done
}

# --- main ---------------------------------------------------------------------------

START=$(pc_now_us)
pc_init "${1:-}"
pc_make_certs admin alice bob carol mallory dave
PC_PLUGIN_ARGS=(--docker-host "unix://$PC_DOCKER_SOCK")
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
as_anon run -d --name e2e-target --network none bb:latest sleep 600 >/dev/null ||
	pc_die "cannot start the exec/update target container"
t "a compliant docker run passes the tenant profile (dave)" case_tenant_compliant
t "docker run --privileged is denied naming HostConfig.Privileged" case_tenant_privileged
t "docker run -v /var/run/docker.sock is denied naming HostConfig.Binds" case_tenant_docker_sock
t "docker run --cap-add SYS_ADMIN is denied naming HostConfig.CapAdd" case_tenant_cap_add
t "docker run --pid host is denied naming HostConfig.PidMode" case_tenant_pid_host
t "docker run --security-opt seccomp=unconfined is denied naming HostConfig.SecurityOpt" case_tenant_seccomp
t "a bind-backed named volume is denied (volume create and inline --mount)" case_tenant_bind_volume
t "a bind-backed volume created by an admin is denied when a tenant mounts it by name" case_tenant_admin_volume_by_name
t "docker exec --privileged -u root is denied" case_tenant_exec_privileged
t "docker update lifting the memory cap is denied; within the cap it passes" case_tenant_update_memory
t "JSON read as dockerd reads it: case-folded, escaped and duplicate keys are denied" case_tenant_json_differential
t "the audit log has one request and one response line for an allowed call" case_audit_allowed
t "the audit log has one deny line naming user, action and reason for a denied call" case_audit_denied
t "SIGHUP reloads the policy: bob may run containers after the swap" case_sighup_reload
t "SIGHUP with an invalid policy keeps the running policy" case_sighup_invalid_kept
t "the plugin logs which weaknesses of this engine apply and what it does about them" case_engine_weaknesses_logged
t "SIGTERM stops the plugin with exit status 0" case_sigterm

summary
pc_log "e2e took $((($(pc_now_us) - START) / 1000000)) s"
[ "$FAILED" = 0 ]
