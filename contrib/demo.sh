#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# demo.sh - Portcullis in one minute: a private dockerd that asks the plugin
# about every API call, the example policy contrib/policies/demo.yaml, a few
# docker commands allowed and denied, and the audit log they leave. Everything
# is torn down at the end (also on Ctrl-C). Needs root and the Debian packages
# docker.io busybox-static openssl curl.
#
# Usage: contrib/demo.sh PATH_TO_PORTCULLIS      (or: make demo)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$HERE/../tests/e2e/lib.sh"

if [ -t 1 ]; then BOLD=$'\e[1m' DIM=$'\e[2m' OFF=$'\e[0m'; else BOLD="" DIM="" OFF=""; fi

step() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$OFF"; }

# quote ARGS...: the words as one would type them (single-quoted when needed).
quote() {
	local a out=""
	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9_.,:/=+-]*) out="$out '${a//\'/\'\\\'\'}'" ;;
		*) out="$out $a" ;;
		esac
	done
	printf '%s' "${out# }"
}

# show WHO DOCKER-ARGS...: print the command, run it as WHO (a certificate
# name, or "anonymous" for the unix socket) and say how it ended.
show() {
	local who=$1 rc=0
	shift
	printf '%s$ docker %s%s   %s# as %s%s\n' "$BOLD" "$(quote "$@")" "$OFF" "$DIM" "$who" "$OFF"
	if [ "$who" = anonymous ]; then as_anon "$@" 2>&1 || rc=$?; else as_user "$who" "$@" 2>&1 || rc=$?; fi
	if [ "$rc" = 0 ]; then echo "-> allowed"; else echo "-> refused (exit $rc)"; fi
}

pc_init "${1:-}" portcullis-demo
POLICY=$HERE/policies/demo.yaml

step "Setting up: a CA, TLS client certificates for admin and bob, the plugin, a private dockerd"
pc_make_certs admin bob
pc_start_plugin "$POLICY"
pc_start_dockerd
cat <<INFO
plugin:  $PC_BIN serve --policy $PC_POLICY (a copy of $POLICY)
         --socket $PC_PLUGIN_SOCK --audit-log $PC_AUDIT
dockerd: --authorization-plugin=$PC_NAME, TLS on 127.0.0.1:$PC_PORT, unix socket $PC_DOCKER_SOCK
policy:  admin may do everything; bob may list, inspect and run containers;
         anonymous (the unix socket, no certificate) may only ping and ask the version.
INFO

step "admin imports a busybox image (admin may do everything)"
printf '%s$ docker import bb.tar bb:latest%s   %s# as admin%s\n' "$BOLD" "$OFF" "$DIM" "$OFF"
pc_import_busybox admin
echo "-> allowed"

step "bob runs a container: allowed by rule bob-runs-containers"
show bob run --rm --network none bb:latest echo "hello from a container bob runs"
show bob ps -a

step "bob creates a volume: no rule allows VolumeCreate for bob, so the default (deny) applies"
show bob volume create data

step "anonymous, on the unix socket, asks the version (allowed) and lists containers (refused)"
show anonymous version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}'
show anonymous ps

step "The audit log ($PC_AUDIT): one JSON line per decision"
pc_wait_until 2 test -s "$PC_AUDIT" || true
echo "$(wc -l <"$PC_AUDIT") decisions were logged. bob's container create and every denial:"
grep -E '"user": *"bob".*"action": *"ContainerCreate"|"decision": *"deny"' "$PC_AUDIT" || true

step "Tearing down: dockerd, the plugin, /etc/docker/plugins/$PC_NAME.spec and $PC_DIR"
