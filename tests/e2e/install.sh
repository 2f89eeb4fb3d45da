#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# install.sh - `make install` and `make uninstall` into temporary DESTDIRs, and
# what was installed: the tree and its modes, the default policy's decisions,
# the systemd units (systemd-analyze verify), the man pages, the logrotate
# snippet, and the service's sandbox as far as it can be checked without
# systemd running: every system call Portcullis makes is one the unit's
# SystemCallFilter allows (strace), and Portcullis works as root without any
# capability on a read-only file system but for its log directory (setpriv,
# unshare). A check whose tool is missing is reported `ok - ... # SKIP why`.
# One line per case, then `N passed, N failed`; exit 1 if any case failed.
#
# Usage: tests/e2e/install.sh PATH_TO_PORTCULLIS     (make e2e-install)
# The binary is installed as it is (make -o): it is not rebuilt. Needs make;
# the sandbox case needs root. PC_KEEP=1 keeps the temp dir.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# Only the helpers (pc_wait_until, pc_alive, pc_stop_pid, ...); no dockerd here.
# shellcheck source=tests/e2e/lib.sh
. "$HERE/lib.sh"
# shellcheck source=tests/e2e/assert.sh
. "$HERE/assert.sh"

PASSED=0
FAILED=0
SKIPPED=0
WHY=""
OUT=""
D=""
BG_PID=""

# --- reporting --------------------------------------------------------------------



# t NAME FUNCTION: 0 passes, 77 is a skip (WHY says why), anything else fails.
t() {
	local name=$1 rc=0
	shift
	WHY=""
	"$@" || rc=$?
	case $rc in
	0)
		echo "ok - $name"
		PASSED=$((PASSED + 1))
		;;
	77)
		echo "ok - $name # SKIP $WHY"
		SKIPPED=$((SKIPPED + 1))
		;;
	*)
		echo "not ok - $name: ${WHY:-failed}"
		FAILED=$((FAILED + 1))
		;;
	esac
}

skip() {
	WHY=$*
	return 77
}



cleanup() {
	local rc=$?
	trap '' INT TERM HUP
	set +e
	if [ -n "$BG_PID" ]; then
		[ -z "$SERVE_PID" ] || kill -TERM "$SERVE_PID" 2>/dev/null
		pc_stop_pid "$BG_PID" 10 >/dev/null 2>&1
		[ -z "$SERVE_PID" ] || ! pc_alive "$SERVE_PID" || kill -KILL "$SERVE_PID"
		BG_PID=""
	fi
	if [ -n "$D" ] && [ -d "$D" ]; then
		if [ "${PC_KEEP:-0}" = 1 ]; then pc_log "kept $D"; else rm -rf --one-file-system "$D"; fi
	fi
	exit "$rc"
}

# mk ARGS...: make in the repository, installing the given binary as it is.
mk() { make -C "$REPO" --no-print-directory -o "$BUILD/portcullis" BUILD="$BUILD" "$@"; }

# tree DIR: "path mode" for every file and symlink under DIR, sorted.
tree() { (cd "$1" && find . \( -type f -o -type l \) -printf '%P %m\n' | LC_ALL=C sort); }

# --- the install tree ---------------------------------------------------------------

A_FILES="etc/logrotate.d/portcullis 644
etc/portcullis/policy.yaml 644
usr/local/lib/systemd/system/portcullis.service 644
usr/local/lib/systemd/system/portcullis.socket 644
usr/local/sbin/portcullis 755
usr/local/share/man/man5/portcullis-policy.5 644
usr/local/share/man/man8/portcullis.8 644"

B_FILES="etc/logrotate.d/portcullis 644
etc/portcullis/policy.yaml 644
lib/systemd/system/portcullis.service 644
lib/systemd/system/portcullis.socket 644
usr/sbin/portcullis 755
usr/share/man/man5/portcullis-policy.5 644
usr/share/man/man8/portcullis.8 644"

case_tree() {
	local got
	succeeds "make install DESTDIR=$D/a" mk install DESTDIR="$D/a" || return 1
	got=$(tree "$D/a")
	if [ "$got" != "$A_FILES" ]; then
		WHY="installed: $(flat "$got"); expected: $(flat "$A_FILES")"
		return 1
	fi
	[ "$(stat -c %a "$D/a/etc/portcullis")" = 755 ] ||
		{ WHY="/etc/portcullis has mode $(stat -c %a "$D/a/etc/portcullis")"; return 1; }
	cmp -s "$D/a/usr/local/sbin/portcullis" "$BIN" || { WHY="the installed binary differs from $BIN"; return 1; }
	cmp -s "$D/a/etc/portcullis/policy.yaml" "$REPO/contrib/portcullis.yaml" ||
		{ WHY="policy.yaml is not contrib/portcullis.yaml"; return 1; }
}

case_units() {
	local u=$D/a/usr/local/lib/systemd/system
	succeeds "installed binary --version" "$D/a/usr/local/sbin/portcullis" --version || return 1
	[ "$OUT" = "$("$BIN" --version)" ] || { WHY="--version: $OUT"; return 1; }
	OUT=$(cat "$u/portcullis.service")
	has "portcullis.service" \
		"ExecStart=/usr/local/sbin/portcullis serve --policy /etc/portcullis/policy.yaml --audit-log /var/log/portcullis/audit.log" \
		"ExecReload=/bin/kill -HUP \$MAINPID" "Requires=portcullis.socket" "Before=docker.service" \
		"Restart=always" "CapabilityBoundingSet=" "ProtectSystem=strict" "LogsDirectory=portcullis" || return 1
	OUT=$(cat "$u/portcullis.socket")
	has "portcullis.socket" "ListenStream=/run/docker/plugins/portcullis.sock" "SocketMode=0600" \
		"Before=docker.service" "WantedBy=sockets.target"
}

# eval_as WANT USER METHOD URI: the default policy decides a request as WANT
# (allow|deny); USER empty means no TLS identity (dockerd's unix socket).
eval_as() {
	local want=$1 user=$2 method=$3 uri=$4 req rc=0
	req="{\"RequestMethod\":\"$method\",\"RequestUri\":\"$uri\""
	[ -z "$user" ] || req="$req,\"User\":\"$user\",\"UserAuthNMethod\":\"TLS\""
	req="$req}"
	OUT=$(printf '%s' "$req" | "$BIN" eval --policy "$D/a/etc/portcullis/policy.yaml" - 2>&1) || rc=$?
	case $want:$rc in
	allow:0 | deny:1) return 0 ;;
	esac
	WHY="${user:-the unix socket}: $method $uri: expected $want, got exit $rc: $(flat "$OUT")"
	return 1
}

case_default_policy() {
	succeeds "portcullis check" "$BIN" check "$D/a/etc/portcullis/policy.yaml" || return 1
	eval_as allow "" POST /v1.41/containers/create || return 1
	has "root" '"user": "root"' '"rule": "admins"' || return 1
	eval_as allow "" POST /v1.41/plugins/portcullis/disable || return 1
	eval_as deny bob GET /_ping || return 1
	eval_as deny bob GET /v1.41/containers/json || return 1
	has "bob" '"rule": null' 'default: deny' || return 1
	eval_as deny bob POST /v1.41/plugins/portcullis/disable || return 1
	has "bob" '"rule": "no-plugins"'
}

case_keep_policy() {
	echo "# changed by the admin" >>"$D/a/etc/portcullis/policy.yaml"
	cp "$D/a/etc/portcullis/policy.yaml" "$D/changed.yaml"
	succeeds "make install again" mk install DESTDIR="$D/a" || return 1
	has "make install" "kept $D/a/etc/portcullis/policy.yaml" || return 1
	cmp -s "$D/a/etc/portcullis/policy.yaml" "$D/changed.yaml" ||
		{ WHY="the changed policy was replaced"; return 1; }
}

case_prefix_usr() {
	local got
	succeeds "make install PREFIX=/usr DESTDIR=$D/b" mk install PREFIX=/usr DESTDIR="$D/b" || return 1
	got=$(tree "$D/b")
	if [ "$got" != "$B_FILES" ]; then
		WHY="installed: $(flat "$got"); expected: $(flat "$B_FILES")"
		return 1
	fi
	OUT=$(grep '^ExecStart=' "$D/b/lib/systemd/system/portcullis.service")
	has "portcullis.service" "ExecStart=/usr/sbin/portcullis serve "
}

# --- what the installed files say ----------------------------------------------------

case_systemd_verify() {
	local v=$D/verify u
	command -v systemd-analyze >/dev/null || { skip "systemd-analyze not found (Debian package systemd)"; return; }
	# verify wants ExecStart= to exist and man: pages to open: point both at
	# the DESTDIR (--root= would also move /bin/kill and the targets there).
	mkdir -p "$v"
	for u in socket service; do
		sed "s|/usr/local/sbin/portcullis|$D/a/usr/local/sbin/portcullis|" \
			"$D/a/usr/local/lib/systemd/system/portcullis.$u" >"$v/portcullis.$u"
	done
	succeeds "systemd-analyze verify" env MANPATH="$D/a/usr/local/share/man" \
		systemd-analyze verify "$v/portcullis.socket" "$v/portcullis.service" || return 1
	[ -z "$OUT" ] || { WHY="systemd-analyze verify: $(flat "$OUT")"; return 1; }
}

case_man() {
	local p warn
	command -v man >/dev/null || { skip "man not found (Debian package man-db)"; return; }
	for p in man8/portcullis.8 man5/portcullis-policy.5; do
		succeeds "man -l $p" env LC_ALL=C MANWIDTH=80 man -l "$D/a/usr/local/share/man/$p" || return 1
		has "man -l $p" "NAME" "SEE ALSO" || return 1
		if command -v groff >/dev/null; then
			warn=$(groff -man -ww -z "$D/a/usr/local/share/man/$p" 2>&1)
			[ -z "$warn" ] || { WHY="groff warns about $p: $(flat "$warn")"; return 1; }
		fi
	done
}

case_logrotate() {
	command -v logrotate >/dev/null || { skip "logrotate not found (Debian package logrotate)"; return; }
	succeeds "logrotate -d" logrotate -d -s "$D/logrotate.state" "$D/a/etc/logrotate.d/portcullis" || return 1
	has "logrotate -d" "/var/log/portcullis/audit.log"
}

# --- the sandbox ----------------------------------------------------------------------

# exercise DIR BIN [WRAPPER...]: run BIN serve under WRAPPER with its socket and
# log in DIR: three requests, SIGHUP, a log rotation with SIGUSR1, one more
# request, SIGTERM (exit 0). Signals go to the portcullis process: BG_PID, or
# its child when WRAPPER stays its parent (SERVE_IS_CHILD=1, as strace does).
# The capability sets it runs with are left in DIR/caps. Returns non-zero with
# WHY set; its output is in DIR/serve.log. Whatever happens, nothing it started
# is left running.
exercise() {
	local dir=$1 bin=$2 rc=0
	shift 2
	"$@" "$bin" serve --policy "$dir/etc/policy.yaml" --socket "$dir/run/portcullis.sock" \
		--audit-log "$dir/log/audit.log" >"$dir/serve.log" 2>&1 &
	BG_PID=$!
	SERVE_PID=""
	_exercise "$dir" || rc=1
	# On a failure: SIGTERM to portcullis itself (strace blocks it for itself),
	# then to the wrapper, each bounded.
	if pc_alive "$BG_PID"; then
		[ -z "$SERVE_PID" ] || kill -TERM "$SERVE_PID" 2>/dev/null
		pc_wait_until 10 pc_dead "$BG_PID" || pc_stop_pid "$BG_PID" 5 >/dev/null 2>&1
		[ -z "$SERVE_PID" ] || ! pc_alive "$SERVE_PID" || kill -KILL "$SERVE_PID"
	fi
	wait "$BG_PID" 2>/dev/null || true
	BG_PID=""
	return "$rc"
}

SERVE_PID=""
_decisions_at_least() { [ "$(grep -c '"decision"' "$1" 2>/dev/null)" -ge "$2" ]; }

_exercise() {
	local dir=$1 rc=0
	pc_wait_until 10 test -S "$dir/run/portcullis.sock" ||
		{ WHY="no socket within 10 s: $(flat "$(tail -n 5 "$dir/serve.log")")"; return 1; }
	SERVE_PID=$BG_PID
	[ "${SERVE_IS_CHILD:-0}" = 0 ] || SERVE_PID=$(child_of "$BG_PID")
	[ -n "$SERVE_PID" ] || { WHY="no portcullis process under pid $BG_PID"; return 1; }
	grep '^Cap' "/proc/$SERVE_PID/status" >"$dir/caps" 2>/dev/null || true
	for _ in 1 2 3; do ask "$dir" || return 1; done
	kill -HUP "$SERVE_PID"
	pc_wait_until 5 grep -q reloaded "$dir/serve.log" || { WHY="no reload after SIGHUP"; return 1; }
	# records are batched: the three are in the file before it is moved away
	pc_wait_until 5 _decisions_at_least "$dir/log/audit.log" 3 || true
	mv "$dir/log/audit.log" "$dir/log/audit.log.1"
	kill -USR1 "$SERVE_PID"
	sleep 0.2
	ask "$dir" || return 1
	pc_wait_until 5 grep -q '"decision"' "$dir/log/audit.log" ||
		{ WHY="no new audit.log after SIGUSR1: $(flat "$(tail -n 5 "$dir/serve.log")")"; return 1; }
	# Three decisions (other records, such as a reload's, may be there too).
	[ "$(grep -c '"decision"' "$dir/log/audit.log.1")" = 3 ] ||
		{ WHY="the rotated log has $(grep -c '"decision"' "$dir/log/audit.log.1") decisions, not 3"; return 1; }
	kill -TERM "$SERVE_PID"
	pc_wait_until 10 pc_dead "$BG_PID" || { WHY="still running 10 s after SIGTERM"; return 1; }
	wait "$BG_PID" || rc=$?
	[ "$rc" = 0 ] && return 0
	WHY="exit status $rc on SIGTERM: $(flat "$(tail -n 5 "$dir/serve.log")")"
	return 1
}

# child_of PID: the pid of PID's only child.
child_of() {
	local f
	for f in /proc/[0-9]*/stat; do
		# Field 4 is the parent pid; the command name (field 2) has no spaces here.
		[ "$(cut -d' ' -f4 "$f" 2>/dev/null)" = "$1" ] && { f=${f#/proc/}; echo "${f%/stat}"; return 0; }
	done
	return 0
}

ask() {
	local res
	res=$(curl -sS --max-time 10 --unix-socket "$1/run/portcullis.sock" -X POST \
		--data-binary '{"RequestMethod":"GET","RequestUri":"/_ping"}' \
		http://portcullis/AuthZPlugin.AuthZReq 2>&1) || true
	[ "$res" = '{"Allow":true}' ] && return 0
	WHY="request: $(flat "$res")"
	return 1
}

# sandbox_dir DIR: a policy (0600) and the socket and log directories (0700).
sandbox_dir() {
	mkdir -p "$1/etc" "$1/run" "$1/log"
	chmod 0700 "$1" "$1/etc" "$1/run" "$1/log"
	printf 'version: 1\nunauthenticated: root\nrules:\n  - {name: root, users: [root], actions: ["*"]}\n' \
		>"$1/etc/policy.yaml"
	chmod 0600 "$1/etc/policy.yaml"
}

# expand_filter SET...: the system calls systemd-analyze lists for each set.
expand_filter() {
	local s x
	for s in "$@"; do
		case $s in
		@*)
			systemd-analyze syscall-filter "$s" | sed '1d; /^[[:space:]]*#/d; s/^[[:space:]]*//; /^$/d' |
				while read -r x; do
					case $x in
					@*) expand_filter "$x" ;;
					*) echo "$x" ;;
					esac
				done
			;;
		*) echo "$s" ;;
		esac
	done
}

case_syscalls() {
	local unit=$D/a/usr/local/lib/systemd/system/portcullis.service line allow="" deny="" used bad=""
	command -v strace >/dev/null || { skip "strace not found (Debian package strace)"; return; }
	command -v systemd-analyze >/dev/null || { skip "systemd-analyze not found (Debian package systemd)"; return; }
	command -v curl >/dev/null || { skip "curl not found"; return; }
	while read -r line; do
		line=${line#SystemCallFilter=}
		case $line in
		\~*) deny="$deny ${line#\~}" ;;
		*) allow="$allow $line" ;;
		esac
	done < <(grep '^SystemCallFilter=' "$unit")
	# shellcheck disable=SC2086 # word splitting of the sets is meant
	expand_filter $allow | sort -u >"$D/allowed"
	# shellcheck disable=SC2086
	expand_filter $deny | sort -u >"$D/denied"
	sandbox_dir "$D/st"
	SERVE_IS_CHILD=1 exercise "$D/st" "$D/a/usr/local/sbin/portcullis" \
		strace -f -qq -o "$D/strace.log" || return 1
	used=$(sed -n 's/^[0-9]*[[:space:]]*\([a-z_0-9]*\)(.*/\1/p' "$D/strace.log" | sort -u)
	[ -n "$used" ] || { WHY="strace recorded no system call"; return 1; }
	for line in $used; do
		if ! grep -qx "$line" "$D/allowed" || grep -qx "$line" "$D/denied"; then
			bad="$bad $line"
		fi
	done
	echo "# portcullis made $(printf '%s\n' "$used" | grep -c .) distinct system calls" >&2
	[ -z "$bad" ] && return 0
	WHY="not allowed by SystemCallFilter=$allow ~$deny:$bad"
	return 1
}

case_no_capabilities() {
	local caps
	[ "$(id -u)" = 0 ] || { skip "not root (needs unshare -m and setpriv)"; return; }
	if ! command -v setpriv >/dev/null || ! command -v unshare >/dev/null; then
		skip "setpriv or unshare not found (Debian package util-linux)"
		return
	fi
	sandbox_dir "$D/sb"
	# In a private mount namespace the socket and log directories stay
	# writable (systemd's socket, LogsDirectory=) and / becomes read-only
	# (ProtectSystem=strict); then no capability in any set, no way to regain
	# one (CapabilityBoundingSet=, NoNewPrivileges=). Each step execs in
	# place, so the pid is portcullis' own.
	# shellcheck disable=SC2016 # expanded by the inner shell
	exercise "$D/sb" "$D/a/usr/local/sbin/portcullis" \
		unshare -m --propagation private sh -c '
			mount --bind "$1" "$1" && mount --bind "$2" "$2" && mount -o remount,bind,ro / &&
			shift 2 && exec setpriv --bounding-set=-all --inh-caps=-all --no-new-privs -- "$@"' \
		sandbox "$D/sb/run" "$D/sb/log" || return 1
	caps=$(cat "$D/sb/caps")
	for c in CapInh CapPrm CapEff CapBnd CapAmb; do
		if ! grep -q "^$c:[[:space:]]*0*$" <<<"$caps"; then
			WHY="it ran with capabilities: $(flat "$caps")"
			return 1
		fi
	done
}

# --- uninstall --------------------------------------------------------------------------

case_uninstall() {
	local got
	succeeds "make uninstall DESTDIR=$D/a" mk uninstall DESTDIR="$D/a" || return 1
	has "make uninstall" "kept $D/a/etc/portcullis/policy.yaml" || return 1
	got=$(tree "$D/a")
	[ "$got" = "etc/portcullis/policy.yaml 644" ] || { WHY="left after uninstall: $(flat "$got")"; return 1; }
	succeeds "make uninstall PREFIX=/usr DESTDIR=$D/b" mk uninstall PREFIX=/usr DESTDIR="$D/b" || return 1
	got=$(tree "$D/b")
	[ -z "$got" ] || { WHY="left after uninstalling the unchanged default: $(flat "$got")"; return 1; }
	[ ! -e "$D/b/etc/portcullis" ] || { WHY="/etc/portcullis was left"; return 1; }
}

# --- main ---------------------------------------------------------------------------------

START=$(pc_now_us)
BIN=${1:-}
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
	echo "usage: $0 PATH_TO_PORTCULLIS" >&2
	exit 2
fi
command -v make >/dev/null || pc_die "make not found"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
BUILD=$(dirname "$BIN")
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
D=$(mktemp -d /tmp/pc-install.XXXXXX)
chmod 0755 "$D"

t "make install puts exactly the binary, man pages, units, logrotate snippet and default policy in DESTDIR, with their modes" case_tree
t "the installed binary runs, and the units name it and the socket dockerd looks for" case_units
t "the default policy is valid, lets root (the unix socket) do anything and refuses everyone else, plugins included" case_default_policy
t "make install again keeps a policy the admin changed" case_keep_policy
t "PREFIX=/usr installs to /usr/sbin, /usr/share/man and /lib/systemd/system" case_prefix_usr
t "systemd-analyze verify accepts the installed units" case_systemd_verify
t "the man pages render with man -l, without groff warnings" case_man
t "logrotate accepts the installed snippet" case_logrotate
t "every system call portcullis makes (serve, requests, SIGHUP, SIGUSR1, SIGTERM) is allowed by the unit's SystemCallFilter" case_syscalls
t "portcullis serves, reloads and reopens its log as root without any capability on a read-only root file system" case_no_capabilities
t "make uninstall removes everything but a changed policy; an unchanged default policy goes too" case_uninstall

summary
[ "$SKIPPED" = 0 ] || pc_log "$SKIPPED skipped"
pc_log "install checks took $((($(pc_now_us) - START) / 1000)) ms"
[ "$FAILED" = 0 ]
