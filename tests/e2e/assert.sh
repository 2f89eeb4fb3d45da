# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# assert.sh - reporting and assertions shared by the e2e suites (run.sh,
# owner.sh, ...): one line per case (`ok - ...` / `not ok - ...: details`),
# then `N passed, N failed`. Sourced after lib.sh; uses CREATE_BODY if set.

PASSED=0
FAILED=0
WHY=""
OUT=""
CODE=""

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

# audit_count: the lines in the log now. It also notes the time (as the
# records spell it, in $PC_AUDIT.t0: it runs in a subshell), so that
# audit_after leaves out a record of an earlier call that the batched writer
# appends only after this count (spec/audit.md: up to 5 ms later, more on a
# loaded machine; one CI run saw it).
audit_count() {
	{ date -u +%Y-%m-%dT%H:%M:%S.%6NZ >"$PC_AUDIT.t0"; } 2>/dev/null || true
	if [ -f "$PC_AUDIT" ]; then wc -l <"$PC_AUDIT"; else echo 0; fi
}

# The records after line N stamped no earlier than audit_count's time, but
# for the plugin's own calls to dockerd (its GET /version once dockerd is up,
# engine.c; ownership lookups), which may land in any check's window (a CI
# run saw the version call in one, on the slower ASan build).
_audit_new() {
	tail -n +"$(($1 + 1))" "$PC_AUDIT" 2>/dev/null |
		awk -v t0="$(cat "$PC_AUDIT.t0" 2>/dev/null)" \
			'match($0, /"time":"[^"]*"/) && substr($0, RSTART + 8, RLENGTH - 9) >= t0 &&
			 index($0, "\"rule\":\"(portcullis ownership lookup)\"") == 0'
}

_audit_has_at_least() { [ "$(_audit_new "$1" | grep -c .)" -ge "$2" ]; }

# audit_after N WANT: wait (bounded) for WANT lines after line N; they are in
# OUT, and a short pause catches extra lines that should not be there.
audit_after() {
	pc_wait_until 5 _audit_has_at_least "$1" "$2" || true
	sleep 0.2
	OUT=$(_audit_new "$1")
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

