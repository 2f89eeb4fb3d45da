#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# examples.sh - the example policies in contrib/policies/, end to end: one
# private dockerd, and the plugin restarted on the same socket with each
# policy in turn. For each, the real docker CLI shows commands the policy
# allows and commands it denies, with the plugin's message:
#
#   admin-host-cis  a CIS-compliant docker run passes; --privileged, the Docker
#                   socket, a Docker Hub pull and swarm init are denied; the
#                   break-glass identity may create a privileged container
#   multi-tenant    bob's labelled container runs; he cannot run one without
#                   the label, stop alice's, list hers or run --privileged
#   ci-runner       dry-run: a privileged create is allowed and logged as
#                   would-deny; plugin and swarm management are denied anyway
#
# One line per case (`ok - ...` / `not ok - ...: details`), then
# `N passed, N failed`; exit 1 if any case failed.
#
# Usage: tests/e2e/examples.sh PATH_TO_PORTCULLIS    (as root; PC_KEEP=1 keeps logs)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$HERE/lib.sh"
# shellcheck source=tests/e2e/assert.sh
. "$HERE/assert.sh"
EXAMPLES=$(cd "$HERE/../../contrib/policies" && pwd)

LABEL=io.portcullis.owner
# An image name the examples' `images` lists allow: bb:latest, re-tagged.
IMAGE=registry.example.com/base/bb:latest

# What admin-host-cis (cis) requires of a docker run.
CIS_RUN=(run --rm --network none --read-only -u 1000:1000 --security-opt no-new-privileges
	-m 64m --cpus 0.5 --pids-limit 50)
# What multi-tenant's tenant profile (restricted) requires; the owner label is
# added per user.
TENANT_RUN=(--network none --cap-drop ALL --security-opt no-new-privileges -u 1000:1000
	-m 64m --cpus 0.5 --pids-limit 50)
# What ci-runner's ci-job profile wants: limits.
CI_RUN=(--network none -m 64m --cpus 0.5 --pids-limit 50)

# denied_by RULE DESC CMD...: CMD fails with the plugin's denial from RULE;
# the denial's text is in OUT for more `has` checks.
denied_by() {
	local rule=$1 desc=$2
	shift 2
	fails "$desc" "$@" || return 1
	has "$desc" "$(denied_by_plugin)rule \"$rule\": "
}

# use_policy NAME: restart the plugin, on the same socket, with
# contrib/policies/NAME.yaml; dockerd keeps running.
use_policy() {
	pc_stop_plugin || pc_die "the plugin did not stop cleanly before $1"
	pc_start_plugin "$EXAMPLES/$1.yaml"
}

# audit_wait N PATTERN...: wait (bounded) until a line after line N of the
# audit log matches every PATTERN (grep -E); the lines after N are in OUT.
_audit_match() {
	local p lines
	lines=$(tail -n +"$(($1 + 1))" "$PC_AUDIT" 2>/dev/null || true)
	shift
	for p in "$@"; do
		lines=$(printf '%s\n' "$lines" | grep -E -- "$p" || true)
	done
	[ -n "$lines" ]
}
audit_wait() {
	local n=$1
	shift
	pc_wait_until 5 _audit_match "$n" "$@" || true
	OUT=$(tail -n +"$((n + 1))" "$PC_AUDIT" 2>/dev/null || true)
}

# --- admin-host-cis -----------------------------------------------------------------

cis_compliant_run() {
	succeeds "admin: CIS-compliant docker run" as_user admin "${CIS_RUN[@]}" "$IMAGE" /bin/true || return 1
	lacks "admin: CIS-compliant docker run" "authorization denied"
}

cis_root_compliant_run() {
	succeeds "root (unix socket): CIS-compliant docker run" as_anon "${CIS_RUN[@]}" "$IMAGE" /bin/true
}

cis_privileged() {
	denied_by admins "admin: docker run --privileged" \
		as_user admin "${CIS_RUN[@]}" --privileged "$IMAGE" /bin/true || return 1
	has "admin: docker run --privileged" "HostConfig.Privileged=true is not allowed (profile host-cis)"
}

cis_docker_sock() {
	denied_by admins "admin: docker run -v /var/run/docker.sock" \
		as_user admin "${CIS_RUN[@]}" -v /var/run/docker.sock:/var/run/docker.sock:ro \
		"$IMAGE" /bin/true || return 1
	has "admin: docker run -v /var/run/docker.sock" "HostConfig.Binds[0] mounts " \
		"(sensitive host path /var/run/docker.sock) (profile host-cis)"
}

cis_plain_run() {
	denied_by admins "admin: plain docker run" \
		as_user admin run --rm --network none "$IMAGE" /bin/true || return 1
	has "admin: plain docker run" "HostConfig.ReadonlyRootfs is not true" \
		"User is not set" "HostConfig.Memory is unlimited, limit 8g" \
		"HostConfig.SecurityOpt does not contain no-new-privileges"
}

cis_pull_hub() {
	denied_by admins "admin: docker pull busybox" as_user admin pull busybox:latest || return 1
	# The CLI sends fromImage=busybox or docker.io/library/busybox (newer ones).
	has "admin: docker pull busybox" "fromImage=" \
		"with tag=latest (docker.io/library/busybox:latest), allowed: registry.example.com/** (profile host-cis)"
}

cis_swarm() {
	denied_by no-swarm "breakglass: docker swarm init" \
		as_user breakglass swarm init --advertise-addr 127.0.0.1 || return 1
	has "breakglass: docker swarm init" 'SwarmInit is denied to user "breakglass"'
}

cis_breakglass() {
	local n
	n=$(audit_count)
	succeeds "breakglass: docker create --privileged" \
		as_user breakglass create --name ex-breakglass --network none --privileged "$IMAGE" /bin/true || return 1
	audit_wait "$n" "$(jf action ContainerCreate)" "$(jf phase request)"
	audit_line "the audit log names break-glass" "$(jf phase request)" "$(jf user breakglass)" \
		"$(jf action ContainerCreate)" "$(jf decision allow)" "$(jf rule break-glass)"
}

cis_exec() {
	succeeds "admin: docker run -d (CIS-compliant)" as_user admin run -d --name ex-cis \
		"${CIS_RUN[@]:2}" "$IMAGE" sleep 600 || return 1
	denied_by admins "admin: docker exec without -u" as_user admin exec ex-cis id || return 1
	has "admin: docker exec without -u" "User is not set, so the container's user applies"
	succeeds "admin: docker exec -u 1000" as_user admin exec -u 1000 ex-cis id || return 1
	has "admin: docker exec -u 1000" "uid=1000"
}

# --- multi-tenant -------------------------------------------------------------------

label_of() { printf '%s=%s' "$LABEL" "$1"; }

mt_setup() {
	local u
	for u in alice bob; do
		as_user "$u" run -d --name "$u-c" --label "$(label_of "$u")" "${TENANT_RUN[@]}" \
			"$IMAGE" sleep 600 >/dev/null ||
			pc_die "$u cannot run a labelled container under multi-tenant: $(as_user "$u" \
				create --label "$(label_of "$u")" "${TENANT_RUN[@]}" "$IMAGE" true 2>&1)"
	done
	ALICE_ID=$(as_anon inspect -f '{{.Id}}' alice-c)
}

mt_bob_runs() {
	succeeds "bob: labelled, restricted docker run" \
		as_user bob run --rm --label "$(label_of bob)" "${TENANT_RUN[@]}" "$IMAGE" id || return 1
	has "bob: labelled, restricted docker run" "uid=1000"
}

mt_bob_unlabelled() {
	denied_by tenants "bob: docker run without the owner label" \
		as_user bob run --rm "${TENANT_RUN[@]}" "$IMAGE" /bin/true || return 1
	has "bob: docker run without the owner label" \
		"ContainerCreate must carry the label $LABEL=bob (add --label $LABEL=bob)"
}

mt_bob_stops_alice() {
	local ref
	for ref in alice-c "${ALICE_ID:0:12}"; do
		denied_by tenants "bob: docker stop $ref" as_user bob stop -t 1 "$ref" || return 1
		has "bob: docker stop $ref" "container $ref belongs to \"alice\"" || return 1
	done
	succeeds "alice-c still runs" as_anon inspect -f '{{.State.Running}}' alice-c || return 1
	has "alice-c still runs" true
}

mt_bob_his_own() {
	succeeds "bob: docker exec -u 1000 in bob-c" as_user bob exec -u 1000 bob-c id || return 1
	has "bob: docker exec in bob-c" "uid=1000" || return 1
	succeeds "bob: docker logs bob-c" as_user bob logs bob-c
}

mt_listing() {
	denied_by tenants "bob: docker ps" as_user bob ps || return 1
	has "bob: docker ps" "add --filter label=$LABEL=bob" || return 1
	succeeds "bob: docker ps --filter label=$LABEL=bob" \
		as_user bob ps -a --filter "label=$LABEL=bob" --format '{{.Names}}' || return 1
	has "bob sees his container" bob-c || return 1
	lacks "bob does not see alice's" alice-c
}

mt_privileged() {
	denied_by tenants "bob: labelled docker run --privileged" \
		as_user bob run --rm --label "$(label_of bob)" "${TENANT_RUN[@]}" --privileged \
		"$IMAGE" /bin/true || return 1
	has "bob: labelled docker run --privileged" "HostConfig.Privileged=true is not allowed (profile tenant)"
}

mt_no_pull() {
	fails "bob: docker pull" as_user bob pull "$IMAGE" || return 1
	denied_for "bob: docker pull" ImageCreate bob
}

mt_admin() {
	succeeds "admin: docker ps, unfiltered" as_user admin ps --format '{{.Names}}' || return 1
	has "admin sees both tenants" alice-c bob-c || return 1
	succeeds "admin: docker rm -f alice-c bob-c" as_user admin rm -f alice-c bob-c
}

# --- ci-runner ----------------------------------------------------------------------

ci_compliant() {
	local n
	n=$(audit_count)
	succeeds "ci: docker run with limits" as_user ci run --rm "${CI_RUN[@]}" bb:latest /bin/true || return 1
	audit_wait "$n" "$(jf action ContainerCreate)" "$(jf phase request)"
	audit_line "ContainerCreate is allowed by ci-jobs" "$(jf phase request)" "$(jf user ci)" \
		"$(jf action ContainerCreate)" "$(jf decision allow)" "$(jf rule ci-jobs)" || return 1
	lacks "no would-deny for a compliant run" '"would-deny"'
}

ci_privileged_would_deny() {
	local n
	n=$(audit_count)
	succeeds "ci: docker create --privileged (dry-run)" \
		as_user ci create --name ex-ci-dind --privileged "${CI_RUN[@]}" bb:latest /bin/true || return 1
	succeeds "the container exists" as_anon inspect -f '{{.HostConfig.Privileged}}' ex-ci-dind || return 1
	has "the container is privileged" true || return 1
	audit_wait "$n" "$(jf action ContainerCreate)" "$(jf decision would-deny)"
	audit_line "the audit log records a would-deny" "$(jf phase request)" "$(jf user ci)" \
		"$(jf action ContainerCreate)" "$(jf decision would-deny)" "$(jf rule ci-jobs)" \
		"$(jf mode dry-run)" 'HostConfig.Privileged=true is not allowed \(profile ci-job\)'
}

ci_unlimited_would_deny() {
	local n
	n=$(audit_count)
	succeeds "ci: docker create without limits (dry-run)" \
		as_user ci create --network none bb:latest /bin/true || return 1
	audit_wait "$n" "$(jf decision would-deny)"
	audit_line "the audit log records the missing limits" "$(jf user ci)" \
		"$(jf action ContainerCreate)" "$(jf decision would-deny)" \
		'HostConfig.Memory is unlimited, limit 4g' 'HostConfig.NanoCpus is unlimited, limit 4 CPUs' \
		'HostConfig.PidsLimit(=0)? is unlimited, limit 4096'
}

ci_plugin_denied() {
	local n
	n=$(audit_count)
	denied_by ci-never "ci: docker plugin disable" as_user ci plugin disable portcullis || return 1
	has "ci: docker plugin disable" 'PluginDisable is denied to user "ci"' || return 1
	audit_wait "$n" "$(jf action PluginDisable)"
	audit_line "the audit log records an enforced deny" "$(jf user ci)" \
		"$(jf action PluginDisable)" "$(jf decision deny)" "$(jf rule ci-never)" "$(jf mode enforce)"
}

ci_swarm_denied() {
	denied_by ci-never "ci: docker swarm init" as_user ci swarm init --advertise-addr 127.0.0.1 || return 1
	has "ci: docker swarm init" 'SwarmInit is denied to user "ci"'
}

# --- main ---------------------------------------------------------------------------

START=$(pc_now_us)
pc_init "${1:-}" pc-ex
pc_make_certs admin breakglass alice bob ci
# multi-tenant's ownership checks ask dockerd; the other two ignore it.
PC_PLUGIN_ARGS=(--docker-host "unix://$PC_DOCKER_SOCK")

for p in admin-host-cis multi-tenant ci-runner; do
	"$PC_BIN" check "$EXAMPLES/$p.yaml" >/dev/null 2>&1 ||
		pc_die "contrib/policies/$p.yaml does not load: $("$PC_BIN" check "$EXAMPLES/$p.yaml" 2>&1)"
done

echo "# admin-host-cis"
pc_start_plugin "$EXAMPLES/admin-host-cis.yaml"
pc_start_dockerd
pc_import_busybox anon # root, an admin; an import names no image to check
# Tagging into a name the allowlist allows is refused under the profile (it
# could launder any content into that name): break-glass does it, as an
# operator would to publish a vetted local image.
as_user breakglass tag bb:latest "$IMAGE" >/dev/null 2>&1 ||
	pc_die "break-glass cannot tag bb:latest as $IMAGE: $(as_user breakglass tag bb:latest "$IMAGE" 2>&1)"
t "admin-host-cis: a CIS-compliant docker run passes (admin)" cis_compliant_run
t "admin-host-cis: the unix-socket caller is root, an admin under the same profile" cis_root_compliant_run
t "admin-host-cis: docker run --privileged is denied (CIS 5.5)" cis_privileged
t "admin-host-cis: docker run -v /var/run/docker.sock is denied (CIS 5.32)" cis_docker_sock
t "admin-host-cis: a plain docker run is denied with every missing setting named" cis_plain_run
t "admin-host-cis: docker pull from Docker Hub is denied (images: your registry)" cis_pull_hub
t "admin-host-cis: docker exec needs -u non-root (CIS 5.24)" cis_exec
t "admin-host-cis: break-glass may create a privileged container, and the audit log names it" cis_breakglass
t "admin-host-cis: docker swarm init is denied to everyone (CIS 5.1)" cis_swarm
as_user admin rm -f ex-cis ex-breakglass >/dev/null 2>&1 || true

echo "# multi-tenant"
use_policy multi-tenant
mt_setup
t "multi-tenant: bob's labelled container runs under the tenant profile" mt_bob_runs
t "multi-tenant: a docker run without the owner label is denied, naming the label" mt_bob_unlabelled
t "multi-tenant: bob cannot stop alice's container, by name or short ID" mt_bob_stops_alice
t "multi-tenant: bob may exec in and read the logs of his own container" mt_bob_his_own
t "multi-tenant: docker ps must be filtered to the caller's label, and then shows only his" mt_listing
t "multi-tenant: a labelled docker run --privileged is denied (profile tenant)" mt_privileged
t "multi-tenant: tenants cannot pull (no rule allows ImageCreate)" mt_no_pull
t "multi-tenant: an admin sees and removes both tenants' containers" mt_admin

echo "# ci-runner"
use_policy ci-runner
t "ci-runner: a job container with limits is allowed by ci-jobs, no would-deny" ci_compliant
t "ci-runner: a privileged create is allowed, and logged as would-deny (dry-run)" ci_privileged_would_deny
t "ci-runner: a create without limits is allowed, and logged with every missing limit" ci_unlimited_would_deny
t "ci-runner: docker plugin disable is denied even in dry-run (rule ci-never)" ci_plugin_denied
t "ci-runner: docker swarm init is denied even in dry-run (rule ci-never)" ci_swarm_denied

summary
pc_log "examples e2e took $((($(pc_now_us) - START) / 1000000)) s"
[ "$FAILED" = 0 ]
