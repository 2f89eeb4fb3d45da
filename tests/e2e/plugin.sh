#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# plugin.sh - Portcullis as a managed (v2) plugin in a private, real dockerd:
# `docker plugin create` from the directory `make plugin` builds, the policy
# mount pointed at a test directory (`docker plugin set policy.source=DIR`),
# `docker plugin enable`, then dockerd restarted with
# --authorization-plugin=NAME:latest. One line per case (`ok - ...` /
# `not ok - ...: details`), then `N passed, N failed`; exit 1 if any failed.
#
# Usage: tests/e2e/plugin.sh PLUGIN_DIR      (as root; make e2e-plugin)
#   PLUGIN_DIR holds config.json and rootfs/ (make plugin: build/plugin).
#   PC_KEEP=1 keeps the temp dir and its logs.
#
# Users: root (unix socket, `unauthenticated: root`) and admin (TLS) may do
# anything; bob (TLS) may ping, ask the version and list containers; nobody
# but the admins may touch plugins.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$HERE/lib.sh"
# shellcheck source=tests/e2e/assert.sh
. "$HERE/assert.sh"

PASSED=0
FAILED=0
WHY=""
OUT=""
PLUGIN="" # NAME:latest once created
PLUGIN_ID=""
POLICY_DIR=""

# --- reporting (as in run.sh) -----------------------------------------------------



pc_die() {
	if [ "$BASHPID" != $$ ]; then
		printf 'error: %s\n' "$*" >&2
		exit 1
	fi
	echo "not ok - the private dockerd and the managed plugin are set up: $(flat "$*")"
	FAILED=$((FAILED + 1))
	summary
	exit 1
}





# --- dockerd with or without the plugin -------------------------------------------

# start_dockerd [AUTHZ]: lib.sh's pc_start_dockerd, but with the authorization
# plugin optional (a managed plugin can only be created and enabled through a
# running dockerd) and named as given. The log is appended to, across restarts.
start_dockerd() {
	local authz=()
	[ -z "${1:-}" ] || authz=("--authorization-plugin=$1")
	PC_PORT=$(pc_free_port) || pc_die "no free loopback port found"
	# shellcheck disable=SC2034 # lib.sh's curl_as uses it
	PC_URL=https://127.0.0.1:$PC_PORT
	echo "--- dockerd ${authz[*]}" >>"$PC_DIR/dockerd.log"
	pc_spawn_dockerd PC_DOCKERD_PID "$PC_DIR" "$PC_DOCKER_SOCK" "$PC_PORT" "$PC_NAME" \
		"${authz[@]}"
}

stop_dockerd() {
	pc_stop_pid "$PC_DOCKERD_PID" 30 || return 1
	PC_DOCKERD_PID=""
}

# plugin_pids: the processes of the plugin (its portcullis): dockerd puts them
# in a cgroup named after the plugin id.
plugin_pids() {
	local f pid
	[ -n "$PLUGIN_ID" ] || return 0
	for f in /proc/[0-9]*/cgroup; do
		pid=${f#/proc/}
		pid=${pid%/cgroup}
		grep -q "/$PLUGIN_ID\$" "$f" 2>/dev/null && printf '%s\n' "$pid"
	done
	return 0
}

# Remove the plugin while dockerd still runs, then stop dockerd, then anything
# left of the plugin (its process, if dockerd had to be killed, and the
# host's /run/docker/plugins/<id>), then lib.sh's cleanup.
plugin_cleanup() {
	local rc=$? pid m
	set +e
	trap '' INT TERM HUP
	if [ -n "$PLUGIN" ] && [ -n "$PC_DOCKERD_PID" ] && pc_alive "$PC_DOCKERD_PID"; then
		timeout 30 docker -H "unix://$PC_DOCKER_SOCK" plugin disable -f "$PLUGIN" >/dev/null 2>&1
		timeout 30 docker -H "unix://$PC_DOCKER_SOCK" plugin rm -f "$PLUGIN" >/dev/null 2>&1
	fi
	if [ -n "$PC_DOCKERD_PID" ]; then
		pc_stop_pid "$PC_DOCKERD_PID" 30 >/dev/null 2>&1 || pc_log "dockerd would not stop"
		PC_DOCKERD_PID=""
	fi
	for pid in $(plugin_pids); do
		pc_log "stopping the plugin's leftover pid $pid"
		pc_stop_pid "$pid" 5 >/dev/null 2>&1
	done
	if [ -n "$PLUGIN_ID" ] && [ -d "/run/docker/plugins/$PLUGIN_ID" ]; then
		awk -v d="/run/docker/plugins/$PLUGIN_ID" '$2 == d || index($2, d "/") == 1 { print $2 }' \
			/proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
		rm -rf --one-file-system "/run/docker/plugins/$PLUGIN_ID"
	fi
	(exit "$rc")
	pc_cleanup
}

# --- policies ---------------------------------------------------------------------

write_policy() { # write_policy EXTRA_BOB_ACTION...: atomically, as an editor would
	local extra="" a
	for a in "$@"; do extra="$extra, $a"; done
	cat >"$POLICY_DIR/policy.yaml.new" <<EOF
version: 1
unauthenticated: root
default: deny
groups:
  admins: [root, admin]
rules:
  - {name: admins, users: ["@admins"], actions: ["*"]}
  - {name: no-plugins, users: ["*"], actions: ["Plugin*"], effect: deny}
  - {name: bob, users: [bob], actions: ["SystemPing*", SystemVersion, ContainerList$extra]}
EOF
	mv -f "$POLICY_DIR/policy.yaml.new" "$POLICY_DIR/policy.yaml"
}

# The plugin's denial, as dockerd relays it: a managed plugin is named by its
# full reference.
denied_by_plugin() { printf 'authorization denied by plugin %s: ' "$PLUGIN"; }

# --- cases ------------------------------------------------------------------------

case_create() {
	succeeds "docker plugin create $PC_NAME $PLUGIN_DIR" \
		as_anon plugin create "$PC_NAME" "$PLUGIN_DIR" || return 1
	PLUGIN=$PC_NAME:latest
	succeeds "docker plugin inspect" as_anon plugin inspect -f '{{.Id}} {{.Enabled}}' "$PLUGIN" || return 1
	PLUGIN_ID=${OUT%% *}
	[ "${OUT#* }" = false ] || { WHY="created enabled: $OUT"; return 1; }
}

case_privileges() {
	local want
	want='types=["docker.authz/1.0"] socket=portcullis.sock network= caps=0 alldevices=false'
	want="$want devices=0 ipchost=false pidhost=false propagated= mounts=policy:/etc/portcullis:rbind,ro:[source]"
	succeeds "docker plugin inspect" as_anon plugin inspect -f \
		'types={{json .Config.Interface.Types}} socket={{.Config.Interface.Socket}} network={{.Config.Network.Type}} caps={{len .Config.Linux.Capabilities}} alldevices={{.Config.Linux.AllowAllDevices}} devices={{len .Config.Linux.Devices}} ipchost={{.Config.IpcHost}} pidhost={{.Config.PidHost}} propagated={{.Config.PropagatedMount}} mounts={{range .Config.Mounts}}{{.Name}}:{{.Destination}}:{{join .Options ","}}:{{.Settable}}{{end}}' \
		"$PLUGIN" || return 1
	[ "$OUT" = "$want" ] && return 0
	WHY="expected: $want; got: $(flat "$OUT")"
	return 1
}

case_set_enable() {
	succeeds "docker plugin set policy.source" \
		as_anon plugin set "$PLUGIN" "policy.source=$POLICY_DIR" || return 1
	succeeds "docker plugin enable" as_anon plugin enable "$PLUGIN" || return 1
	succeeds "docker plugin inspect" as_anon plugin inspect \
		-f '{{.Enabled}} {{range .Settings.Mounts}}{{.Source}}{{end}}' "$PLUGIN" || return 1
	[ "$OUT" = "true $POLICY_DIR" ] && return 0
	WHY="expected 'true $POLICY_DIR', got: $(flat "$OUT")"
	return 1
}

case_restart_with_plugin() {
	stop_dockerd || { WHY="dockerd would not stop"; return 1; }
	start_dockerd "$PLUGIN"
	succeeds "root: docker info" as_anon info --format '{{json .Plugins.Authorization}}' || return 1
	has "docker info lists the authorization plugin" "$PLUGIN"
}

case_allowed() {
	succeeds "admin: docker ps" as_user admin ps || return 1
	succeeds "root (unix socket): docker plugin ls" as_anon plugin ls || return 1
	has "docker plugin ls" "$PC_NAME" || return 1
	succeeds "bob: docker ps" as_user bob ps
}

case_denied() {
	fails "bob: docker run" as_user bob run --rm --network none bb:latest /bin/true || return 1
	has "bob: docker run" "Error response from daemon: $(denied_by_plugin)" \
		"no rule allows ContainerCreate for user \"bob\" (default: deny)"
}

case_disable_denied() {
	fails "bob: docker plugin disable" as_user bob plugin disable "$PLUGIN" || return 1
	has "bob: docker plugin disable" \
		"$(denied_by_plugin)rule \"no-plugins\": PluginDisable is denied to user \"bob\"" || return 1
	fails "bob: docker plugin disable --force" as_user bob plugin disable -f "$PLUGIN" || return 1
	has "bob: docker plugin disable --force" "$(denied_by_plugin)" || return 1
	succeeds "docker plugin inspect" as_anon plugin inspect -f '{{.Enabled}}' "$PLUGIN" || return 1
	[ "$OUT" = true ] || { WHY="the plugin is no longer enabled: $OUT"; return 1; }
	# Still in dockerd's chain: bob is still refused.
	fails "bob: docker volume ls" as_user bob volume ls || return 1
	has "bob: docker volume ls" "$(denied_by_plugin)"
}

# The plugin's output, as dockerd logs it: stdout (the audit log) at level
# info, stderr at level error, each line tagged plugin=ID.
_audit_seen() { grep -F "plugin=$PLUGIN_ID" "$PC_DIR/dockerd.log" | grep -q PluginDisable; }

case_audit_in_dockerd_log() {
	pc_wait_until 5 _audit_seen || true
	OUT=$(grep -F "plugin=$PLUGIN_ID" "$PC_DIR/dockerd.log" | grep -F PluginDisable | tail -n 1)
	has "dockerd.log" 'level=info' '\"user\":\"bob\"' '\"action\":\"PluginDisable\"' \
		'\"decision\":\"deny\"' '\"rule\":\"no-plugins\"'
}

_bob_may_list_images() { as_user bob images >/dev/null 2>&1; }

case_sighup_reload() {
	local pids
	fails "bob: docker images before the reload" as_user bob images || return 1
	write_policy ImageList
	pids=$(plugin_pids)
	[ "$(printf '%s\n' "$pids" | grep -c .)" = 1 ] ||
		{ WHY="expected one process in the plugin's rootfs, found: $(flat "$pids")"; return 1; }
	kill -HUP "$pids"
	if ! pc_wait_until 10 _bob_may_list_images; then
		WHY="bob still may not list images 10 s after SIGHUP: $(flat "$(as_user bob images 2>&1)")"
		return 1
	fi
	succeeds "the plugin runs on" as_anon plugin inspect -f '{{.Enabled}}' "$PLUGIN"
}

case_admin_disables() {
	succeeds "admin: docker plugin disable" as_user admin plugin disable "$PLUGIN" || return 1
	# Out of the chain at once, until dockerd reloads its configuration: bob's
	# volume listing is no longer refused. Why PluginDisable must be denied.
	succeeds "bob: docker volume ls once the plugin is disabled" as_user bob volume ls
}

# --- main ---------------------------------------------------------------------------

START=$(pc_now_us)
PLUGIN_DIR=${1:-}
if [ -z "$PLUGIN_DIR" ] || [ ! -f "$PLUGIN_DIR/config.json" ] ||
	[ ! -x "$PLUGIN_DIR/rootfs/usr/sbin/portcullis" ]; then
	echo "usage: $0 PLUGIN_DIR (with config.json and rootfs/; make plugin)" >&2
	exit 2
fi
PLUGIN_DIR=$(cd "$PLUGIN_DIR" && pwd)
pc_init "$PLUGIN_DIR/rootfs/usr/sbin/portcullis" pc-plugin
trap plugin_cleanup EXIT
POLICY_DIR=$PC_DIR/policy
mkdir -p "$POLICY_DIR"
write_policy
"$PC_BIN" check "$POLICY_DIR/policy.yaml" >/dev/null || pc_die "the test policy is invalid"
pc_make_certs admin bob
start_dockerd # no authorization plugin yet

t "docker plugin create makes a disabled plugin from the plugin directory (config.json, rootfs)" case_create
[ -n "$PLUGIN_ID" ] || pc_die "no plugin to test"
t "the plugin is an authz plugin on portcullis.sock that asks for nothing but the read-only policy mount" case_privileges
t "docker plugin set policy.source=DIR points the policy mount at a directory, and the plugin enables" case_set_enable
t "dockerd restarted with --authorization-plugin=NAME:latest starts with the plugin in its chain" case_restart_with_plugin
t "allowed commands run (admin over TLS, root over the unix socket, bob's docker ps)" case_allowed
t "a denied command is refused with the plugin's message (bob: docker run)" case_denied
t "a non-admin cannot disable the plugin (bob: docker plugin disable [-f]); it stays enabled and in the chain" case_disable_denied
t "the audit log goes to dockerd's log (--audit-log -: level=info, plugin=ID)" case_audit_in_dockerd_log
t "SIGHUP to the plugin's process reloads the policy from the mounted directory" case_sighup_reload
t "an admin may disable the plugin, which takes it out of dockerd's chain at once" case_admin_disables

summary
pc_log "plugin e2e took $((($(pc_now_us) - START) / 1000000)) s"
[ "$FAILED" = 0 ]
