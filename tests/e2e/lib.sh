# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# lib.sh - run Portcullis behind a private, real dockerd, and talk to it as
# several users. Sourced by tests/e2e/run.sh and contrib/demo.sh.
#
#   pc_init PORTCULLIS [PREFIX]   temp dir $PC_DIR, unique plugin name $PC_NAME,
#                                 and the cleanup trap
#   pc_make_certs NAME...         a CA, dockerd's server certificate and one TLS
#                                 client certificate per NAME (CN=NAME, O=tenants)
#   pc_start_plugin POLICY        `portcullis serve` on $PC_DIR/plugin.sock with a
#                                 copy of POLICY ($PC_POLICY), registered as $PC_NAME
#   pc_register_socket SOCKET     register $PC_NAME for a socket served by someone
#                                 else (a socket-activation holder) instead
#   pc_start_dockerd              dockerd with --authorization-plugin=$PC_NAME, on
#                                 $PC_DOCKER_SOCK and TLS on 127.0.0.1:$PC_PORT
#   pc_import_busybox WHO         image bb:latest from busybox-static; WHO is a
#                                 certificate name, or "anon" for the unix socket
#   as_user NAME ARGS...          the docker CLI over TLS with NAME's certificate
#   as_anon ARGS...               the docker CLI over the unix socket (no identity)
#   curl_as NAME ARGS...          curl over TLS with NAME's certificate; URLs start
#                                 with $PC_URL
#   pc_reload_policy POLICY       swap the policy file atomically and send SIGHUP
#   pc_stop_plugin                SIGTERM the plugin; returns its exit status
#
# Guarantees, because a test that leaks a dockerd poisons the machine:
# - Everything started here is stopped by an EXIT trap, on success, on failure
#   and on Ctrl-C: dockerd first (kill, then wait until its pid is gone), then
#   the plugin; the spec file is removed, mounts left under $PC_DIR unmounted and
#   $PC_DIR deleted (kept with PC_KEEP=1, for its logs).
# - Every wait is bounded in time; a daemon that does not come up fails with the
#   tail of its log.
# - Names are unique per run (plugin name, temp dir, port, containerd
#   namespace), so a run cannot clash with another dockerd on the machine.

PC_BIN=""
PC_DIR=""
PC_NAME=""
PC_SPEC=""
PC_POLICY=""
PC_AUDIT=""
PC_PLUGIN_SOCK=""
PC_PLUGIN_PID=""
PC_DOCKER_SOCK=""
PC_DOCKERD_PID=""
PC_PORT=""
# shellcheck disable=SC2034 # for the scripts that source this file
PC_URL=""
PC_SPEC_DIR=/etc/docker/plugins

pc_log() { printf '# %s\n' "$*" >&2; }

pc_die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# pc_now_us: wall-clock time in microseconds.
pc_now_us() { local t=$EPOCHREALTIME; printf '%s\n' "${t/./}"; }

# pc_wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds (0) or
# SECONDS have passed (1).
pc_wait_until() {
	local deadline=$(($(pc_now_us) + $1 * 1000000))
	shift
	until "$@"; do
		(($(pc_now_us) < deadline)) || return 1
		sleep 0.1
	done
}

# pc_alive PID: the process exists and is not a zombie (kill -0 succeeds on a
# zombie, which would turn every wait for an exited child into a timeout).
pc_alive() {
	local st
	[ -n "${1:-}" ] || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	case $st in
	"" | Z* | X*) return 1 ;;
	esac
}

pc_dead() { ! pc_alive "$1"; }

# pc_stop_pid PID SECONDS: SIGTERM, wait up to SECONDS for the pid to vanish,
# then SIGKILL and wait again (bounded). Returns 1 only if it would not die.
# PC_EXIT_STATUS is its exit status when PID is a child of this shell, else 0.
PC_EXIT_STATUS=0
pc_stop_pid() {
	local pid=$1 secs=$2
	PC_EXIT_STATUS=0
	if pc_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		if ! pc_wait_until "$secs" pc_dead "$pid"; then
			pc_log "pid $pid ignored SIGTERM for ${secs}s; sending SIGKILL"
			kill -KILL "$pid" 2>/dev/null
			pc_wait_until 10 pc_dead "$pid" || return 1
		fi
	fi
	wait "$pid" 2>/dev/null || PC_EXIT_STATUS=$?
	[ "$PC_EXIT_STATUS" != 127 ] || PC_EXIT_STATUS=0 # not our child: nothing to reap
}

pc_require() {
	local missing=""
	[ "$(id -u)" = 0 ] || pc_die "must run as root (it starts a private dockerd)"
	command -v dockerd >/dev/null || missing="$missing docker.io"
	command -v docker >/dev/null || missing="$missing docker.io"
	command -v openssl >/dev/null || missing="$missing openssl"
	command -v curl >/dev/null || missing="$missing curl"
	[ -x /bin/busybox ] || missing="$missing busybox-static"
	[ -z "$missing" ] || pc_die "missing packages; run: apt-get install -y$missing"
	if command -v dpkg-query >/dev/null &&
		! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
		pc_die "/bin/busybox must be the static one; run: apt-get install -y busybox-static"
	fi
	[ -n "${EPOCHREALTIME:-}" ] || pc_die "bash 5 or newer is needed"
}

# A signal ends the run through the EXIT trap, which cleans up.
pc_on_signal() { exit "$1"; }

# pc_init PORTCULLIS [PREFIX]
pc_init() {
	local bin=${1:-} prefix=${2:-pc-e2e} rnd
	[ -n "$bin" ] || pc_die "usage: $0 PATH_TO_PORTCULLIS"
	[ -x "$bin" ] || pc_die "$bin: not an executable (build it with: make)"
	pc_require
	PC_BIN=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

	# The docker CLI must not pick up the caller's contexts, config or env.
	unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_API_VERSION
	export DOCKER_CLI_HINTS=false

	trap pc_cleanup EXIT
	trap 'pc_on_signal 130' INT
	trap 'pc_on_signal 143' TERM
	trap 'pc_on_signal 129' HUP

	# Short path: unix socket paths (ours and containerd's) max out at 108 bytes.
	PC_DIR=$(mktemp -d "/tmp/$prefix.XXXXXX")
	chmod 0700 "$PC_DIR"
	# Lower case only: dockerd first parses the name as an image reference.
	rnd=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
	PC_NAME="$prefix-$rnd"
	PC_SPEC="$PC_SPEC_DIR/$PC_NAME.spec"
	[ ! -e "$PC_SPEC" ] || pc_die "$PC_SPEC already exists"
	PC_POLICY=$PC_DIR/policy.yaml
	PC_AUDIT=$PC_DIR/audit.log
	PC_PLUGIN_SOCK=$PC_DIR/plugin.sock
	PC_DOCKER_SOCK=$PC_DIR/docker.sock
	export DOCKER_CONFIG=$PC_DIR/cli-config
	mkdir -p "$DOCKER_CONFIG"
}

# --- certificates -------------------------------------------------------------

# _pc_sign DIR SUBJECT EXTENSIONS: an EC key and a certificate signed by the CA.
_pc_sign() {
	local d=$1 subj=$2 ext=$3 ca=$PC_DIR/certs
	mkdir -p "$d"
	printf '%s\n' "$ext" >"$d/ext.cnf"
	if ! openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-keyout "$d/key.pem" -out "$d/req.csr" -subj "$subj" 2>"$d/openssl.log" ||
		! openssl x509 -req -in "$d/req.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" \
			-set_serial "0x$(openssl rand -hex 12)" -days 2 -extfile "$d/ext.cnf" \
			-out "$d/cert.pem" 2>>"$d/openssl.log"; then
		pc_die "openssl failed for $subj: $(cat "$d/openssl.log")"
	fi
}

# pc_make_certs NAME...: $PC_DIR/certs/{ca.pem,server/}, $PC_DIR/users/NAME/.
pc_make_certs() {
	local c=$PC_DIR/certs u
	mkdir -p "$c"
	openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-keyout "$c/ca.key" -out "$c/ca.pem" -days 2 -subj "/CN=Portcullis e2e CA $PC_NAME" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>"$c/openssl.log" ||
		pc_die "openssl failed for the CA: $(cat "$c/openssl.log")"
	_pc_sign "$c/server" "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth"
	for u in "$@"; do
		_pc_sign "$PC_DIR/users/$u" "/CN=$u/O=tenants" "keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
	done
}

# --- plugin --------------------------------------------------------------------

_pc_plugin_up() { [ -S "$PC_PLUGIN_SOCK" ] || { pc_alive "$PC_PLUGIN_PID" || return 0; return 1; }; }

# pc_start_plugin POLICY: start the plugin on a copy of POLICY and register it.
# Extra serve options come from the array PC_PLUGIN_ARGS.
PC_PLUGIN_ARGS=()
pc_start_plugin() {
	cp "$1" "$PC_POLICY"
	"$PC_BIN" serve --policy "$PC_POLICY" --socket "$PC_PLUGIN_SOCK" \
		--audit-log "$PC_AUDIT" "${PC_PLUGIN_ARGS[@]}" >>"$PC_DIR/plugin.log" 2>&1 &
	PC_PLUGIN_PID=$!
	pc_wait_until 10 _pc_plugin_up || pc_die "plugin socket did not appear within 10 s:
$(tail -n 20 "$PC_DIR/plugin.log")"
	[ -S "$PC_PLUGIN_SOCK" ] || pc_die "the plugin exited at start:
$(tail -n 20 "$PC_DIR/plugin.log")"
	mkdir -p "$PC_SPEC_DIR"
	printf 'unix://%s\n' "$PC_PLUGIN_SOCK" >"$PC_SPEC"
}

# pc_register_socket SOCKET: register $PC_NAME for a listening socket that is
# not pc_start_plugin's (one held by tests/e2e/sd_listen.c, say): the spec file
# points at SOCKET, which becomes $PC_PLUGIN_SOCK for pc_start_dockerd's check.
# The caller starts what serves it; with its pid in $PC_PLUGIN_PID, the cleanup
# stops it (SIGTERM, after dockerd) as it stops pc_start_plugin's plugin.
pc_register_socket() {
	[ -S "$1" ] || pc_die "$1 is not a socket (start its holder first)"
	PC_PLUGIN_SOCK=$1
	mkdir -p "$PC_SPEC_DIR"
	printf 'unix://%s\n' "$PC_PLUGIN_SOCK" >"$PC_SPEC"
}

# pc_reload_policy POLICY: rename(2) a copy into place, so the plugin never
# reads a half-written file, then SIGHUP.
pc_reload_policy() {
	cp "$1" "$PC_POLICY.new"
	mv -f "$PC_POLICY.new" "$PC_POLICY"
	kill -HUP "$PC_PLUGIN_PID"
}

# pc_stop_plugin: SIGTERM; returns the plugin's exit status (bounded wait;
# 137 when it had to be killed).
pc_stop_plugin() {
	local pid=$PC_PLUGIN_PID
	[ -n "$pid" ] || return 0
	pc_stop_pid "$pid" 10 || return 1
	PC_PLUGIN_PID=""
	return "$PC_EXIT_STATUS"
}

# --- dockerd -------------------------------------------------------------------

# pc_free_port: a loopback TCP port nothing on the machine is using now.
pc_free_port() {
	local _ p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 40000))
		if ! grep -qi "$(printf ':%04X ' "$p")" /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	return 1
}

# pc_dockerd_answers PID SOCK PORT: the dockerd PID answers on its unix SOCK
# and its TLS PORT (any HTTP status counts: the policy in use may deny the
# probe), or it has died (checked by the caller).
pc_dockerd_answers() {
	pc_alive "$1" || return 0
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
		--unix-socket "$2" http://localhost/_ping 2>/dev/null) || true
	[ -n "$code" ] && [ "$code" != 000 ] || return 1
	(exec 3<>"/dev/tcp/127.0.0.1/$3") 2>/dev/null
}

# pc_dockerd_log_tail [DIR]: dockerd's errors, else its last lines (most are
# noise), from DIR/dockerd.log (default: $PC_DIR's).
pc_dockerd_log_tail() {
	local f=${1:-$PC_DIR}/dockerd.log
	grep -E 'level=(error|fatal)|^failed|^Error' "$f" 2>/dev/null | tail -n 5 | grep . ||
		tail -n 10 "$f" 2>/dev/null
}

# pc_spawn_dockerd VAR DIR SOCK PORT NAMESPACE [ARG...]: start a private
# dockerd with all its state under DIR, on unix SOCK and TLS 127.0.0.1:PORT
# (the certificates of $PC_DIR/certs), its pid in the variable VAR at once
# (so the caller's cleanup stops it whatever happens next), and wait until it
# answers. ARGs go to dockerd (--authorization-plugin=...). Its log is
# appended to DIR/dockerd.log.
pc_spawn_dockerd() {
	local var=$1 dir=$2 sock=$3 port=$4 ns=$5 c=$PC_DIR/certs pid
	shift 5
	echo '{}' >"$dir/daemon.json"
	# --config-file: not /etc/docker/daemon.json, whose "hosts" etc. would clash.
	# --containerd-namespace: unique, in case dockerd finds a system containerd.
	dockerd --config-file "$dir/daemon.json" \
		--data-root "$dir/root" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
		-H "unix://$sock" \
		-H "tcp://127.0.0.1:$port" --tlsverify --tlscacert "$c/ca.pem" \
		--tlscert "$c/server/cert.pem" --tlskey "$c/server/key.pem" \
		--iptables=false --ip-masq=false --bridge=none --storage-driver=vfs \
		--containerd-namespace "$ns" --containerd-plugins-namespace "$ns-plugins" \
		"$@" >>"$dir/dockerd.log" 2>&1 &
	pid=$!
	printf -v "$var" '%s' "$pid"
	pc_wait_until 30 pc_dockerd_answers "$pid" "$sock" "$port" ||
		pc_die "dockerd did not answer within 30 s; $dir/dockerd.log:
$(pc_dockerd_log_tail "$dir")"
	pc_alive "$pid" || pc_die "dockerd exited at start; $dir/dockerd.log:
$(pc_dockerd_log_tail "$dir")"
}

pc_start_dockerd() {
	[ -S "$PC_PLUGIN_SOCK" ] || pc_die "start the plugin before dockerd (dockerd checks it at start)"
	PC_PORT=$(pc_free_port) || pc_die "no free loopback port found"
	# shellcheck disable=SC2034 # for the scripts that source this file
	PC_URL=https://127.0.0.1:$PC_PORT
	pc_spawn_dockerd PC_DOCKERD_PID "$PC_DIR" "$PC_DOCKER_SOCK" "$PC_PORT" "$PC_NAME" \
		--authorization-plugin="$PC_NAME"
}

# --- clients -------------------------------------------------------------------

# Calls are bounded too: a dockerd whose plugin is gone retries for ~15 s.
as_anon() {
	timeout --foreground 90 docker -H "unix://$PC_DOCKER_SOCK" "$@"
}

as_user() {
	local u=$1 d=$PC_DIR/users/$1
	shift
	[ -f "$d/cert.pem" ] || pc_die "no certificate for user $u (pc_make_certs $u)"
	timeout --foreground 90 docker --tlsverify --tlscacert "$PC_DIR/certs/ca.pem" \
		--tlscert "$d/cert.pem" --tlskey "$d/key.pem" -H "tcp://127.0.0.1:$PC_PORT" "$@"
}

curl_as() {
	local d=$PC_DIR/users/$1
	shift
	curl -sS --max-time 60 --cacert "$PC_DIR/certs/ca.pem" \
		--cert "$d/cert.pem" --key "$d/key.pem" "$@"
}

# pc_import_busybox WHO: bb:latest, a busybox-static rootfs, imported by WHO
# (a certificate name, or anon), who must be allowed ImageCreate at this time.
pc_import_busybox() {
	local r=$PC_DIR/bb-rootfs c out
	mkdir -p "$r/bin"
	cp /bin/busybox "$r/bin/busybox"
	for c in sh true false id ls cat sleep echo env; do ln -sf busybox "$r/bin/$c"; done
	tar -C "$r" -cf "$PC_DIR/bb.tar" .
	if [ "$1" = anon ]; then
		out=$(as_anon import "$PC_DIR/bb.tar" bb:latest 2>&1)
	else
		out=$(as_user "$1" import "$PC_DIR/bb.tar" bb:latest 2>&1)
	fi || pc_die "docker import as $1 failed: $out"
}

# --- cleanup -------------------------------------------------------------------

# _pc_leftovers: pids of processes whose command line names $PC_DIR (the
# containerd and shims of our dockerd if it had to be killed).
_pc_leftovers() {
	local f pid
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[ "$pid" != $$ ] || continue
		# Processes come and go while we look: a vanished one is no leftover.
		{ tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF "$PC_DIR/" && printf '%s\n' "$pid"
	done
	return 0
}

pc_cleanup() {
	local rc=$? pid m
	trap '' INT TERM HUP
	set +e
	if [ -n "$PC_DOCKERD_PID" ]; then
		pc_stop_pid "$PC_DOCKERD_PID" 30 >/dev/null 2>&1 ||
			pc_log "dockerd (pid $PC_DOCKERD_PID) would not stop"
		PC_DOCKERD_PID=""
	fi
	if [ -n "$PC_PLUGIN_PID" ]; then
		pc_stop_pid "$PC_PLUGIN_PID" 10 >/dev/null 2>&1
		PC_PLUGIN_PID=""
	fi
	if [ -n "$PC_DIR" ] && [ -d "$PC_DIR" ]; then
		for pid in $(_pc_leftovers); do
			pc_log "stopping leftover pid $pid: $({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null)"
			pc_stop_pid "$pid" 5 >/dev/null 2>&1
		done
		# Deepest first; -l so one busy mount does not keep the rest.
		awk -v d="$PC_DIR/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r |
			while read -r m; do
				umount -l "$m" 2>/dev/null || pc_log "could not unmount $m"
			done
	fi
	[ -n "$PC_SPEC" ] && rm -f "$PC_SPEC"
	if [ -n "$PC_DIR" ] && [ -d "$PC_DIR" ]; then
		if [ "${PC_KEEP:-0}" = 1 ]; then
			pc_log "kept $PC_DIR"
		else
			# --one-file-system: never follow into anything still mounted.
			rm -rf --one-file-system "$PC_DIR"
		fi
	fi
	PC_DIR=""
	exit "$rc"
}
