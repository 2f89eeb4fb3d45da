#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run.sh - Portcullis against a no-op plugin on the same HTTP stack, side by side.
#
#   run.sh bench BUILD       the figures of tests/bench/README.md (make bench)
#   run.sh micro BUILD       the decision core in-process, 10 vs 1,000 rules (make bench-micro)
#   run.sh callgrind BUILD   instructions per decision and where they go (make callgrind)
#   run.sh smoke BUILD       every program once, briefly: the tools work (seconds, no figures)
#   run.sh quick BUILD       the same-core rows of `bench` only (a minute; while optimising)
#   run.sh calibrate BUILD   what N us of CPU per answer, a plain cJSON read of the
#                            request, or decoding its body alone, costs a ratio
#                            (make bench-calibrate)
#   run.sh versus BUILD BIN  this build's portcullis against another one (BIN), side by
#                            side as against the ceiling: is a change faster (make bench-versus)
#
# Method (README.md has the why): our server and the ceiling (noop) run at the
# same time, pinned with taskset; one client alternates A, B, A, B over a
# keep-alive connection to each and we compare median latencies, so noise
# from the shared machine lands on both. Placements: everything on one core
# (our CPU cost against the HTTP stack's), client and servers on different
# cores (what dockerd sees). At 4 connections two identical generators (both
# on CPU 0) load both servers (both on CPU 1) over the same interval; median
# ratio of requests/s over 7 rounds. The ceiling against itself comes first:
# the noise floor.
#
# Every process started here is killed on exit (by pid), and every program
# has its own time limit: servers run under timeout(1), the bench programs
# stop by themselves. Ctrl-C stops at once; a SIGTERM to this script alone
# takes effect when the measurement in progress ends (under a minute).
set -eu

mode=${1:-}
build=${2:-build}
other=${3:-}
case $mode in bench|quick|micro|callgrind|smoke|calibrate) ;; versus) [ -x "$other" ] ;; *) false ;; esac || {
	echo "usage: run.sh bench|quick|micro|callgrind|smoke|calibrate BUILD | versus BUILD PORTCULLIS" >&2
	exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
corpus=${PORTCULLIS_CORPUS:-/work/shared/corpus/tls-alice.jsonl}
bin=$build/bench
run=$build/bench/run
portcullis=$build/portcullis
pids=""			# timeout(1) wrappers of the servers started, killed on exit
server_limit=1800	# seconds: no server outlives this, whatever happens to us

for p in "$portcullis" "$bin/loadgen" "$bin/noop" "$bin/micro"; do
	[ -x "$p" ] || { echo "run.sh: $p is missing (make bench-build)" >&2; exit 1; }
done
[ -r "$corpus" ] || { echo "run.sh: corpus $corpus not readable (PORTCULLIS_CORPUS)" >&2; exit 1; }

# The ceiling is only a ceiling if it runs MHD as the plugin does.
mhd_names() { grep -o 'MHD_USE_[A-Z][A-Z_]*\|MHD_OPTION_[A-Z][A-Z_]*' "$1" | grep -v MHD_OPTION_END | sort -u; }
if [ -r "$here/../../plugin/server.c" ] &&
   [ "$(mhd_names "$here/../../plugin/server.c")" != "$(mhd_names "$here/noop.c")" ]; then
	echo "run.sh: WARNING: tests/bench/noop.c no longer sets libmicrohttpd up as" >&2
	echo "        plugin/server.c does (MHD_USE_/MHD_OPTION_ names differ): update noop.c" >&2
fi

cleanup() {
	for pid in $pids; do
		pkill -TERM -P "$pid" 2>/dev/null || true	# the server under this timeout
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in $pids; do
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -KILL "$pid" 2>/dev/null || true
	done
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
rm -rf "$run"
mkdir -p "$run"

# ------------------------------------------------------------------ helpers

# start NAME CPUS CMD...: run CMD pinned to CPUS under timeout(1), so that it
# ends by itself even if this script is killed; wait for $run/NAME.sock.
# pid_NAME is the server (for pin, rss, callgrind_control), wrap_NAME the
# timeout process (TERM to it reaches the server).
start() {
	_n=$1 _c=$2
	shift 2
	taskset -c "$_c" timeout -k 5 "$server_limit" "$@" 2>"$run/$_n.err" &
	_w=$!
	pids="$pids $_w"
	eval "wrap_$_n=$_w"
	_i=0
	_p=
	while [ -z "$_p" ] || [ ! -S "$run/$_n.sock" ]; do
		if ! kill -0 "$_w" 2>/dev/null || [ $_i -ge 200 ]; then
			echo "run.sh: $_n did not start:" >&2
			cat "$run/$_n.err" >&2
			exit 1
		fi
		sleep 0.05
		_i=$((_i + 1))
		[ -n "$_p" ] || _p=$(pgrep -P "$_w" | head -1)
	done
	eval "pid_$_n=$_p"
}

# stop NAME: SIGTERM, and wait for it (bounded).
stop() {
	eval "_w=\$wrap_$1"
	kill -TERM "$_w" 2>/dev/null || true
	_i=0
	while kill -0 "$_w" 2>/dev/null && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
	kill -KILL "$_w" 2>/dev/null || true
	wait "$_w" 2>/dev/null || true
	# forget it: a pid of ours that has ended may be reused by someone else
	_rest=
	for _x in $pids; do [ "$_x" = "$_w" ] || _rest="$_rest $_x"; done
	pids=$_rest
}

# pin NAME CPUS: move every thread of a running server.
pin() {
	eval "_p=\$pid_$1"
	taskset -a -p -c "$2" "$_p" >/dev/null
}

# place PLACEMENT: the CPUs of the client and the servers for same-core or
# diff-core, in $client and $servers.
place() {
	client=0
	if [ "$1" = same-core ]; then servers=0; else servers=1; fi
}

# kv KEY LINE: the value of KEY=value in a loadgen/micro output line.
kv() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# ceiling SPEC: the same request without our expected answer (noop allows all).
ceiling() {
	printf '%s\n' "$1" | sed 's/,expect=[a-z]*//'
}

rss_kib() {
	eval "_p=\$pid_$1"
	awk '/^VmRSS:/ { print $2 }' "/proc/$_p/status"
}

hwm_kib() {
	eval "_p=\$pid_$1"
	awk '/^VmHWM:/ { print $2 }' "/proc/$_p/status"
}

# ------------------------------------------------------------------ policies and requests

mt_profiles=tests/bench/policies/multi-tenant.yaml
mt_plain=tests/bench/policies/multi-tenant-noprofiles.yaml
if "$portcullis" check "$here/policies/multi-tenant.yaml" >/dev/null 2>&1; then
	policy=$here/policies/multi-tenant.yaml
	policy_note="$mt_profiles (tenants under profile tenant, extends restricted)"
	deny_spec="$corpus:12,expect=deny"
	deny_note="alice: create --privileged --pid host -v docker.sock (denied by the profile)"
else
	policy=$here/policies/multi-tenant-noprofiles.yaml
	policy_note="$mt_plain (this tree refuses profiles: NO container constraints measured)"
	deny_spec="$corpus:12,user=mallory,expect=deny"
	deny_note="mallory: create --privileged ... (no rule: default deny)"
fi
"$here/policies/gen.sh" 10 100 >"$run/rules-10.yaml"
"$here/policies/gen.sh" 1000 10000 >"$run/rules-1000.yaml"

# name|spec|what  (corpus lines: tls-alice.jsonl, alice over TLS)
scenarios="create-allow|$corpus:7,expect=allow|alice: run -d --name web -u 1000 --cap-drop ALL --read-only -v /srv/data:/data:ro ...
create-deny|$deny_spec|$deny_note
bodiless|$corpus:15,expect=allow|alice: GET /v1.41/containers/web/json
ping|$corpus:0,expect=allow|alice: HEAD /_ping
authzres|$corpus:8,expect=allow|alice: AuthZRes of the web create (201, 90-byte body)
authzres-1m|$corpus:85,res-body=1048576,expect=allow|alice: AuthZRes of GET /images/json with a 1 MiB listing"

# spec_of NAME: the request spec of scenario NAME.
spec_of() {
	printf '%s\n' "$scenarios" | awk -F'|' -v n="$1" '$1 == n { print $2 }'
}

# Every scenario decides as named before anything is timed.
preflight() {
	printf '%s\n' "$scenarios" | while IFS='|' read -r name spec what; do
		"$bin/micro" --policy "$policy" --req "$spec" --min-batch-ms 0.01 --batches 1 \
			>/dev/null 2>"$run/preflight.err" || {
			echo "run.sh: scenario $name does not decide as expected ($what):" >&2
			cat "$run/preflight.err" >&2
			exit 1
		}
	done
}

# ------------------------------------------------------------------ measurements

fmt_pair() {	# LABEL NAME LINE: one table row from a loadgen pair line
	printf '%-11s %-13s %8s %8s %8s %8s %8s %8s  %5s\n' "$1" "$2" \
		"$(kv a_p50_us "$3")" "$(kv a_p99_us "$3")" "$(kv a_rps "$3")" \
		"$(kv b_p50_us "$3")" "$(kv b_p99_us "$3")" "$(kv b_rps "$3")" "$(kv ratio "$3")"
}

# pair A B CLIENT_CPUS SPEC [loadgen options]: 3 runs, the median by ratio.
pair() {
	a=$1 b=$2 cpus=$3 spec=$4
	shift 4
	: >"$run/pair.out"
	for _ in 1 2 3; do
		: >"$run/audit.log"
		taskset -c "$cpus" "$bin/loadgen" pair --a "$run/$a.sock" --b "$run/$b.sock" \
			--req "$spec" --b-expects-any "$@" >>"$run/pair.out"
	done
	awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^ratio=/) print substr($i, 7), $0 }' \
		"$run/pair.out" | sort -n | sed -n '2p' | cut -d' ' -f2-
}

# load4 A B SPEC_A SPEC_B: 7 rounds of two 4-connection generators started
# together; prints the round with the median ratio rps(A)/rps(B), then the
# lowest and highest ratio of the 7.
load4() {
	a=$1 b=$2
	: >"$run/load4.out"
	for _ in 1 2 3 4 5 6 7; do
		: >"$run/audit.log"
		at=$(($(date +%s%3N) + 250))
		taskset -c 0 "$bin/loadgen" load --socket "$run/$a.sock" --conns 4 --req "$3" \
			--seconds 1 --warmup-seconds 0.3 --start-at "$at" >"$run/la.out" &
		la=$!
		taskset -c 0 "$bin/loadgen" load --socket "$run/$b.sock" --conns 4 --req "$4" \
			--seconds 1 --warmup-seconds 0.3 --start-at "$at" >"$run/lb.out" &
		lb=$!
		wait "$la" || { echo "run.sh: loadgen on $a failed" >&2; exit 1; }
		wait "$lb" || { echo "run.sh: loadgen on $b failed" >&2; exit 1; }
		ra=$(cat "$run/la.out") rb=$(cat "$run/lb.out")
		echo "$(awk -v x="$(kv rps "$ra")" -v y="$(kv rps "$rb")" 'BEGIN { printf "%.3f", x / y }') $ra | $rb" \
			>>"$run/load4.out"
	done
	sort -n "$run/load4.out" >"$run/load4.sorted"
	echo "$(sed -n '4p' "$run/load4.sorted") | $(head -1 "$run/load4.sorted" | cut -d' ' -f1)-$(tail -1 "$run/load4.sorted" | cut -d' ' -f1)"
}

fmt_load4() {	# NAME LINE
	l=$2
	ra=${l#* } ra=${ra%% | *} rb=${l#* | } rb=${rb%% | *}
	printf '%-11s %-13s %8s %8s %8s %8s %8s %8s  %5s  (%s)\n' "4 conns" "$1" \
		"$(kv p50_us "$ra")" "$(kv p99_us "$ra")" "$(kv rps "$ra")" \
		"$(kv p50_us "$rb")" "$(kv p99_us "$rb")" "$(kv rps "$rb")" "${l%% *}" "${l##* | }"
}

header() {
	printf '%-11s %-13s %8s %8s %8s %8s %8s %8s  %5s\n' placement request \
		"p50 us" "p99 us" "rps" "p50 us" "p99 us" "rps" ratio
	printf '%-11s %-13s %26s %26s\n' "" "" "------------ ours --------" \
		"--------- ceiling --------"
}

# target NAME OK DETAIL: one line of the summary.
targets=""
target() {
	targets="$targets$(printf '%-4s %-52s %s' "$2" "$1" "$3")
"
}
ge() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x >= y) }' && echo MET || echo MISS; }
le() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x <= y) }' && echo MET || echo MISS; }

bench() {
	cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	echo "portcullis bench: $(nproc) CPUs ($cpu_model), $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "policy:  $policy_note"
	echo "corpus:  $corpus"
	echo "ratio = ceiling/ours (p50 latency at 1 connection, requests/s at 4): 1.00 = free"
	if awk -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN { exit !(l > 1.0) }'; then
		echo "NOTE: the machine is busy (load average above 1 before we start): other processes"
		echo "      share the cores, the noise floor shows how much that moves the ratios"
	fi
	echo
	start ours 0 "$portcullis" serve --policy "$policy" --socket "$run/ours.sock" \
		--audit-log "$run/audit.log"
	start noop 0 "$bin/noop" --socket "$run/noop.sock" --max-seconds 900
	start noop2 0 "$bin/noop" --socket "$run/noop2.sock" --max-seconds 900
	floor_spec=$(ceiling "$corpus:7")

	header
	placements="same-core diff-core"
	[ "$mode" = quick ] && placements=same-core
	for placement in $placements; do
		place $placement
		pin ours $servers
		pin noop $servers
		pin noop2 $servers
		line=$(pair noop noop2 $client "$floor_spec" --pairs 10000 --warmup 1000)
		fmt_pair "$placement" "noise floor" "$line"
		if [ $placement = same-core ]; then floor_same=$(kv ratio "$line"); else floor_diff=$(kv ratio "$line"); fi
		printf '%s\n' "$scenarios" | while IFS='|' read -r name spec what; do
			case $name in
			*-1m) line=$(pair ours noop $client "$spec" --pairs 200 --warmup 20) ;;
			*) line=$(pair ours noop $client "$spec" --pairs 10000 --warmup 1000) ;;
			esac
			fmt_pair "$placement" "$name" "$line"
			echo "$placement $name $line" >>"$run/results"
		done
	done
	if [ "$mode" = quick ]; then
		stop ours
		stop noop
		stop noop2
		return 0
	fi
	# 4 connections: both generators on CPU 0, both servers on CPU 1 (left
	# unpinned, where each pair of threads lands decides the figure: the
	# ceiling against itself then reads anywhere from 0.9 to 5).
	pin ours 1
	pin noop 1
	pin noop2 1
	line=$(load4 noop noop2 "$floor_spec" "$floor_spec")
	fmt_load4 "noise floor" "$line"
	floor_4=${line%% *}
	printf '%s\n' "$scenarios" | while IFS='|' read -r name spec what; do
		line=$(load4 ours noop "$spec" "$(ceiling "$spec")")
		fmt_load4 "$name" "$line"
		echo "4conn $name ${line%% *}" >>"$run/results"
	done
	echo
	echo "(ours: build/portcullis serve, audit log to a file; ceiling: tests/bench/noop.c;"
	echo " same-core: client and servers on CPU 0; diff-core: client CPU 0, servers CPU 1;"
	echo " 4 conns: generators on CPU 0, servers on CPU 1, median of 7 rounds of 1 s"
	echo "          (lowest-highest of the 7 in brackets);"
	echo " 1 conn: median of 3 runs of 10,000 pairs; rps at 1 conn = 1 / mean latency)"
	echo
	printf '%s\n' "$scenarios" | while IFS='|' read -r name spec what; do
		printf '  %-13s %s\n' "$name" "$what"
	done
	echo

	stop ours
	stop noop
	stop noop2
	memory
	echo
	scale
	echo
	summary
}

# beside NAME LABEL SPEC: server NAME against the ceiling (noop), in both
# placements, one row each.
beside() {
	for placement in same-core diff-core; do
		place $placement
		pin noop $servers
		pin "$1" $servers
		fmt_pair "$placement" "$2" "$(pair "$1" noop $client "$3" --pairs 10000 --warmup 1000)"
	done
}

# calibrate: the ceiling against a copy of itself that stays busy N us
# before each answer (noop --spin-us), in both placements: the ratio a
# plugin whose whole decision costs N us of CPU can reach on this machine,
# whatever it does in them. Read a target off it: the N where it is crossed
# (on different cores, past about 3 us the pair moves to quicker wake-ups and
# the ratio stops being a scale: README.md, round 8). Then noop --read-body
# against the ceiling: what a plugin reads that parses the request with cJSON
# and does nothing else, before any decision; and noop --touch-body: what one
# reads that only decodes the body, no JSON.
calibrate() {
	echo "portcullis bench calibrate: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "ours = noop --spin-us N (busy N us, then allow), then noop --read-body (parse, then"
	echo "allow) and noop --touch-body (decode, then allow); ceiling = noop; the create request"
	echo
	start noop 0 "$bin/noop" --socket "$run/noop.sock" --max-seconds 900
	spec=$(ceiling "$corpus:7")
	header
	for us in 0 1 2 3 5 8 12; do
		start spin 0 "$bin/noop" --socket "$run/spin.sock" --spin-us $us --max-seconds 900
		beside spin "spin $us us" "$spec"
		stop spin
	done
	# the least a plugin that checks bodies must do, with cJSON: parse; and
	# under it, the least any plugin that looks at a body does: decode it
	for how in read-body touch-body; do
		start read 0 "$bin/noop" --socket "$run/read.sock" --$how --max-seconds 900
		beside read "$how" "$corpus:7,expect=allow"
		stop read
	done
	# an experiment (make bench-simdjson): the request read by simdjson
	if [ -x "$bin/noop-simdjson" ]; then
		start read 0 "$bin/noop-simdjson" --socket "$run/read.sock" --read-body --max-seconds 900
		beside read read-simdjson "$corpus:7,expect=allow"
		stop read
		# 2 placements x 3 runs x 11,000 pairs: every create's body read
		grep -qx 'noop: read 66000 bodies' "$run/read.err" || {
			echo "calibrate: noop-simdjson did not read every body sent:" >&2
			cat "$run/read.err" >&2
			exit 1
		}
	fi
	stop noop
	echo
	echo "(1 conn: median of 3 runs of 10,000 pairs, as in bench; read-body = noop --read-body:"
	echo " the envelope and the body it carries parsed with cJSON, nothing checked, then allowed;"
	echo " touch-body = noop --touch-body: the body found by a byte search, decoded from base64"
	echo " and passed over once, no JSON read: what receiving and decoding a body costs;"
	echo " read-simdjson, if built (make bench-simdjson): read-body with simdjson, not cJSON)"
}

# versus: this build against another portcullis (a copy of the binary before
# a change), both serving the bench policy, each scenario in both placements,
# each order: which server a pair asks first matters when one of them does
# work after its answer (that work lands in the other's round trip), so the
# ratio is the geometric mean of the two orders. ratio = the other's p50 /
# this one's: above 1.00 this build is faster.
versus() {
	echo "portcullis bench versus: $portcullis (ours) against $other"
	echo "load average $(cut -d' ' -f1-3 /proc/loadavg); ratio > 1.00: ours is faster"
	echo
	start ours 0 "$portcullis" serve --policy "$policy" --socket "$run/ours.sock" \
		--audit-log "$run/audit.log"
	start other 0 "$other" serve --policy "$policy" --socket "$run/other.sock" \
		--audit-log "$run/audit.log"
	printf '%-11s %-13s %11s %11s %7s\n' placement request "ours first" "other first" ratio
	for placement in same-core diff-core; do
		place $placement
		pin ours $servers
		pin other $servers
		printf '%s\n' "$scenarios" | while IFS='|' read -r name spec what; do
			case $name in *-1m) continue ;; esac
			fwd=$(kv ratio "$(pair ours other $client "$spec" --pairs 10000 --warmup 1000)")
			rev=$(kv ratio "$(pair other ours $client "$spec" --pairs 10000 --warmup 1000)")
			awk -v p="$placement" -v n="$name" -v f="$fwd" -v r="$rev" 'BEGIN {
				printf "%-11s %-13s %11.3f %11.3f %7.3f\n", p, n, f, 1 / r, sqrt(f / r) }'
		done
	done
	stop ours
	stop other
}

result() {	# PLACEMENT NAME KEY
	l=$(grep "^$1 $2 " "$run/results" | head -1)
	kv "$3" "$l"
}

# Resident memory of our server with the 1,000-rule policy over 1,000,000 requests.
memory() {
	u=lastuser
	: >"$run/audit.log"
	start big 0,1 "$portcullis" serve --policy "$run/rules-1000.yaml" --socket "$run/big.sock" \
		--audit-log "$run/audit.log"
	set --
	for _ in 1 2 3; do
		set -- "$@" --req "$corpus:7,user=$u,expect=allow" --req "$corpus:12,user=mallory,expect=deny" \
			--req "$corpus:15,user=$u,expect=allow" --req "$corpus:0,user=$u,expect=allow" \
			--req "$corpus:8,user=$u,expect=allow"
	done
	set -- "$@" --req "$corpus:85,user=$u,res-body=65536,expect=allow"
	r0=$(rss_kib big)
	"$bin/loadgen" load --socket "$run/big.sock" --conns 4 "$@" --count 100000 >/dev/null
	r1=$(rss_kib big)
	: >"$run/audit.log"
	"$bin/loadgen" load --socket "$run/big.sock" --conns 4 "$@" --count 450000 >/dev/null
	r2=$(rss_kib big)
	: >"$run/audit.log"
	l=$("$bin/loadgen" load --socket "$run/big.sock" --conns 4 "$@" --count 450000)
	r3=$(rss_kib big)
	h=$(hwm_kib big)
	stop big
	rm -f "$run/audit.log"
	echo "memory: 1,000-rule/10,000-user policy, 4 conns, the 5 small requests and a 64 KiB AuthZRes:"
	echo "  RSS at start $r0 KiB; after 100,000 requests $r1 KiB, 550,000 $r2 KiB, 1,000,000 $r3 KiB"
	echo "  (peak $h KiB; $(kv rps "$l") requests/s over the last 450,000)"
	echo "mem $h $((r3 - r1)) $((r3 - r2))" >>"$run/results"
}

# Decision time, 10 rules against 1,000 rules, in-process and side by side;
# and decide()'s instructions under callgrind, which no neighbour can move.
scale() {
	echo "scale, in-process (micro), batches alternating between the two policies, user 'lastuser'"
	echo "decided by the last team rule of each (gen.sh 10 100, gen.sh 1000 10000):"
	"$bin/micro" --policy "$run/rules-10.yaml" --policy2 "$run/rules-1000.yaml" --batches 21 \
		--req "$corpus:7,user=lastuser,expect=allow" --req "$corpus:15,user=lastuser,expect=allow" \
		>"$run/scale.out"
	printf '  %-13s %10s %10s %6s %10s %10s %6s %9s %9s %6s\n' request "decide 10" "decide 1k" \
		ratio "core 10" "core 1k" ratio "instr 10" "instr 1k" ratio
	n=0
	tail -n +2 "$run/scale.out" | while read -r l; do
		n=$((n + 1))
		if [ $n = 1 ]; then name=create-allow line=7; else name=bodiless line=15; fi
		i10=- i1k=- ir=-
		if command -v valgrind >/dev/null; then
			i10=$(decide_instructions "$run/rules-10.yaml" "$corpus:$line,user=lastuser")
			i1k=$(decide_instructions "$run/rules-1000.yaml" "$corpus:$line,user=lastuser")
			ir=$(awk -v a="$i10" -v b="$i1k" 'BEGIN { printf "%.3f", b / a }')
		fi
		printf '  %-13s %8s ns %8s ns %6s %8s ns %8s ns %6s %9s %9s %6s\n' "$name" \
			"$(kv decide_ns "$l")" "$(kv decide2_ns "$l")" "$(kv decide_ratio "$l")" \
			"$(kv core_ns "$l")" "$(kv core2_ns "$l")" "$(kv core_ratio "$l")" "$i10" "$i1k" "$ir"
		echo "scale $name $(kv decide_ratio "$l") $(kv core_ratio "$l") $ir" >>"$run/results"
	done
	echo "  (instr: instructions per decide() under callgrind, exact; the times move with the"
	echo "   neighbours by more than the difference between the policies)"
}

# decide_instructions POLICY SPEC: instructions per decide() call (callgrind, 1,000 calls).
decide_instructions() {
	valgrind --tool=callgrind --callgrind-out-file="$run/cgd.out" --collect-atstart=no \
		--toggle-collect=decide_loop "$bin/micro" --policy "$1" --req "$2" \
		--callgrind-decide 1000 >/dev/null 2>&1
	awk '/^totals:/ { printf "%d", $2 / 1000 }' "$run/cgd.out"
}

summary() {
	echo "targets (issue: performance):"
	for n in create-allow create-deny; do
		r=$(result same-core $n ratio)
		target "same-core ratio >= 0.6, $n" "$(ge "$r" 0.6)" "$r (floor $floor_same)"
	done
	r=$(result same-core authzres ratio)
	target "same-core ratio >= 0.9, authzres" "$(ge "$r" 0.9)" "$r"
	for n in bodiless ping; do
		r=$(result same-core $n ratio)
		target "same-core ratio >= 0.7, $n" "$(ge "$r" 0.7)" "$r"
	done
	for n in create-allow create-deny bodiless ping authzres; do
		r=$(result diff-core $n ratio)
		target "diff-core ratio >= 0.95, $n" "$(ge "$r" 0.95)" "$r (floor $floor_diff)"
		a=$(result diff-core $n a_p99_us) b=$(result diff-core $n b_p99_us)
		x=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')
		target "diff-core p99 <= 2x ceiling's, $n" "$(le "$x" 2)" "${a} vs ${b} us (${x}x)"
	done
	for n in create-allow create-deny bodiless ping authzres; do
		r=$(awk -v n="$n" '$1 == "4conn" && $2 == n { print $3 }' "$run/results")
		target "4 conns ratio >= 0.6, $n" "$(ge "$r" 0.6)" "$r (floor $floor_4)"
	done
	grep '^scale ' "$run/results" >"$run/scale.res"
	while read -r _ n d c i; do
		if [ "$i" = - ]; then
			target "1,000 rules decide <= 1.5x 10 rules, $n" "$(le "$d" 1.5)" \
				"decide() time x$d, core x$c (no valgrind: times only)"
		else
			target "1,000 rules decide <= 1.5x 10 rules, $n" "$(le "$i" 1.5)" \
				"decide() instructions x$i, time x$d, core x$c"
		fi
	done <"$run/scale.res"
	read -r _ peak growth late <<-EOF
	$(grep '^mem ' "$run/results")
	EOF
	target "RSS < 16 MiB with 1,000 rules, 1M requests" "$(le "$peak" 16384)" "peak $peak KiB"
	target "RSS flat over 1,000,000 requests (< 256 KiB)" "$(le "$late" 256)" \
		"+$late KiB from 550k to 1M, +$growth KiB from 100k"
	printf '%s' "$targets"
	echo "(authzres-1m has no target; the noise floor is the ceiling against itself;"
	echo " on different cores, about 3 us of CPU per answer on a cold CPU is what 0.95 allows:"
	echo " make bench-calibrate, and tests/bench/README.md, round 8)"
}

# ------------------------------------------------------------------ other modes

micro() {
	echo "decision core in-process (micro): ns per request, fastest of 11 batches of >= 20 ms"
	echo "policy: $policy_note; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
	set --
	while IFS='|' read -r name spec what; do
		set -- "$@" --req "$spec"
	done <<-EOF
	$scenarios
	EOF
	"$bin/micro" --policy "$policy" --audit "$run/micro-audit.log" "$@" >"$run/micro.out"
	printf '  %-13s %8s %9s %8s %8s %9s %9s\n' request bytes decode decide format core \
		"+write"
	n=0
	tail -n +2 "$run/micro.out" | while read -r l; do
		n=$((n + 1))
		name=$(printf '%s\n' "$scenarios" | sed -n "${n}p" | cut -d'|' -f1)
		printf '  %-13s %8s %9s %8s %8s %9s %9s\n' "$name" "$(kv bytes "$l")" \
			"$(kv decode_ns "$l")" "$(kv decide_ns "$l")" "$(kv format_ns "$l")" \
			"$(kv core_ns "$l")" "$(kv record_ns "$l")"
	done
	echo "  (ns; +write = audit_record to a file: format + one write(2))"
	echo
	cold_core
	echo
	scale
}

# cold_core: the core on a cold CPU (micro --cold): the same decision warm,
# after 8 MiB written, after a qsort of random ints, after both; medians.
cold_core() {
	set --
	for name in create-allow create-deny bodiless; do
		set -- "$@" --req "$(spec_of "$name")"
	done
	taskset -c 1 "$bin/micro" --policy "$policy" "$@" --cold 1000 >"$run/cold.out"
	echo "the core on a cold CPU (micro --cold: median ns of 1,000 of each, taking turns):"
	printf '  %-13s %8s %11s %11s %11s\n' request warm "8 MiB after" "qsort after" "both after"
	n=0
	for name in create-allow create-deny bodiless; do
		n=$((n + 1))
		l=$(sed -n "$((n + 1))p" "$run/cold.out")
		printf '  %-13s %8s %11s %11s %11s\n' "$name" "$(kv warm_ns "$l")" \
			"$(kv evicted_ns "$l")" "$(kv shaken_ns "$l")" "$(kv both_ns "$l")"
	done
	echo "  (8 MiB written: the decision's code and data gone from L1 and L2; qsort of 20,000"
	echo "   random ints: its branches taught the predictor, ours forgotten)"
}

# functions --inclusive=yes|no FILE: callgrind_annotate's function list, >= 2%.
functions() {
	callgrind_annotate "$1" --auto=no --threshold=100 "$2" 2>/dev/null |
		awk '/\[/ && match($0, /\( *[0-9.]+%\)/) {
			pct = substr($0, RSTART + 1, RLENGTH - 3) + 0
			if (pct >= 2 && pct < 99.9) { sub(/\[.*\//, "["); print "  " $0 } }'
}

# events FILE NAME...: the sum of callgrind events NAME (I1mr, D1mw, ...) in
# FILE's totals, whatever their order on its "events:" line.
events() {
	_f=$1
	shift
	awk -v want="$*" '
		/^events:/ { for (i = 2; i <= NF; i++) col[$i] = i }
		/^totals:/ { n = split(want, w, " "); s = 0
			for (j = 1; j <= n; j++) if (w[j] in col) s += $(col[w[j]])
			print s }' "$_f"
}

# The cache model: this CPU's L1s (32 KiB, 8 ways) and its L2 (1 MiB) as the
# last level, so an "LL" miss is a line that came from L3 or memory.
CACHE_SIM="--cache-sim=yes --I1=32768,8,64 --D1=32768,8,64 --LL=1048576,16,64"

# cache_lines: lines missed per decision, warm (the same decision over and
# over) and cold (micro --callgrind-cold: 8 MiB written before each), and
# where a cold create misses them. Deterministic, like the instruction counts:
# the figure to drive down for the different-core ratio (README.md).
cache_lines() {
	k=200
	echo "cache lines missed per decision (callgrind's cache model: 32 KiB L1i and L1d, 1 MiB L2"
	echo "as on this CPU). warm: the same decision over and over; cold: 8 MiB of data written"
	echo "before each, as after other work or idle (it leaves the model's L1i alone: the code"
	echo "lines it pushes out of L2 show in the L2 columns). branches: conditional and indirect"
	echo "per decision, and how many callgrind's predictor (a 2-bit counter per branch, no"
	echo "history) misses warm: the branches whose way changes within a decision, which a CPU"
	echo "whose predictor was taken by other work must guess again:"
	printf '  %-13s %9s %9s   %9s %9s %9s   %9s %9s\n' "" "warm L1i" "L1d" "cold L1d" "L2 code" \
		"L2 data" "branches" "missed"
	# shellcheck disable=SC2086 # CACHE_SIM is a list of options
	printf '%s\n' "$scenarios" | while IFS='|' read -r name spec what; do
		case $name in *-1m) continue ;; esac
		valgrind --tool=callgrind $CACHE_SIM --branch-sim=yes --callgrind-out-file="$run/cw.$name" \
			--collect-atstart=no --toggle-collect=core_loop "$bin/micro" --policy "$policy" \
			--req "$spec" --callgrind $k >/dev/null 2>&1
		valgrind --tool=callgrind $CACHE_SIM --branch-sim=yes --callgrind-out-file="$run/cc.$name" \
			--collect-atstart=no --toggle-collect=cold_once "$bin/micro" --policy "$policy" \
			--req "$spec" --callgrind-cold $k >/dev/null 2>&1
		printf '  %-13s %9s %9s   %9s %9s %9s   %9s %9s\n' "$name" \
			$(($(events "$run/cw.$name" I1mr) / k)) $(($(events "$run/cw.$name" D1mr D1mw) / k)) \
			$(($(events "$run/cc.$name" D1mr D1mw) / k)) $(($(events "$run/cc.$name" ILmr) / k)) \
			$(($(events "$run/cc.$name" DLmr DLmw) / k)) \
			$(($(events "$run/cw.$name" Bc Bi) / k)) $(($(events "$run/cw.$name" Bcm Bim) / k))
	done
	echo "where a cold create-allow misses them (inclusive; per decision):"
	printf '  %-24s %9s %9s %9s %9s %9s %9s\n' "" instr "L1i" "L1d" "L2 code" "L2 data" \
		"br missed"
	callgrind_annotate --inclusive=yes --show=Ir,I1mr,D1mr,D1mw,ILmr,DLmr,DLmw,Bcm,Bim \
		"$run/cc.create-allow" 2>/dev/null |
		awk -v k=$k '/\[/ { for (f in want) if (index($0, ":" f " [")) {
				line = $0
				gsub(/\( *[0-9.]+%\)/, "", line)	# "1,234 (5.6%)"; a zero is "." alone
				split(line, v, " ")
				for (i = 1; i <= 9; i++) { gsub(/,/, "", v[i]); x[i] = v[i] == "." ? 0 : v[i] + 0 }
				printf "  %-24s %9d %9d %9d %9d %9d %9d\n", want[f], x[1] / k, x[2] / k,
					(x[3] + x[4]) / k, x[5] / k, (x[6] + x[7]) / k, (x[8] + x[9]) / k
				delete want[f] } }
			BEGIN { want["envelope_decode_flags"] = "envelope"
				want["body_facts"] = "body under guides"
				want["constraints_check"] = "constraints"
				want["audit_format"] = "audit record" }'
}

callgrind() {
	command -v valgrind >/dev/null || { echo "run.sh: valgrind is not installed" >&2; exit 1; }
	n=1000
	echo "instructions per decision (callgrind, $n decisions each, decode + decide + audit format):"
	printf '%s\n' "$scenarios" | while IFS='|' read -r name spec what; do
		case $name in *-1m) k=5 ;; *) k=$n ;; esac
		valgrind --tool=callgrind --callgrind-out-file="$run/cg.$name" --collect-atstart=no \
			--toggle-collect=core_loop "$bin/micro" --policy "$policy" --req "$spec" \
			--callgrind $k >/dev/null 2>&1
		ir=$(awk '/^totals:/ { print $2 }' "$run/cg.$name")
		printf '  %-13s %12s instructions\n' "$name" "$((ir / k))"
	done
	echo
	echo "where they go, create-allow: inclusive (a function and what it calls), >= 2%:"
	functions --inclusive=yes "$run/cg.create-allow"
	echo "and self (the function's own instructions), >= 2%:"
	functions --inclusive=no "$run/cg.create-allow"
	echo "(libcjson has no symbols: its 0x... entries are cJSON's static parse functions)"
	echo
	cache_lines
	echo
	echo "whole server over HTTP (callgrind on the process, user space only, 2,000 requests"
	echo "after 200 of warm-up; kernel time is not counted):"
	for srv in ours noop; do
		for name in create-allow bodiless; do
			spec=$(spec_of "$name")
			[ $srv = noop ] && spec=$(ceiling "$spec")
			if [ $srv = ours ]; then
				set -- "$portcullis" serve --policy "$policy" --socket "$run/cgs.sock" \
					--audit-log "$run/audit.log"
			else
				set -- "$bin/noop" --socket "$run/cgs.sock" --max-seconds 300
			fi
			rm -f "$run/cgs.sock" "$run"/cgs.out*
			start cgs 0,1 valgrind --tool=callgrind --callgrind-out-file="$run/cgs.out" "$@"
			"$bin/loadgen" load --socket "$run/cgs.sock" --req "$spec" --count 200 >/dev/null
			# shellcheck disable=SC2154 # set by start()
			callgrind_control -z "$pid_cgs" >/dev/null 2>&1
			"$bin/loadgen" load --socket "$run/cgs.sock" --req "$spec" --count 2000 >/dev/null
			callgrind_control -d "$pid_cgs" >/dev/null 2>&1
			stop cgs
			ir=$(awk '/^totals:/ { print $2 }' "$run/cgs.out.1" 2>/dev/null || echo 0)
			printf '  %-5s %-13s %10s instructions per request\n' "$srv" "$name" $((ir / 2000))
		done
	done
}

smoke() {
	start ours 0,1 "$portcullis" serve --policy "$policy" --socket "$run/ours.sock" \
		--audit-log "$run/audit.log"
	start noop 0,1 "$bin/noop" --socket "$run/noop.sock" --max-seconds 60
	start spin 0,1 "$bin/noop" --socket "$run/spin.sock" --spin-us 2000 --max-seconds 60
	printf '%s\n' "$scenarios" | while IFS='|' read -r name spec what; do
		"$bin/loadgen" pair --a "$run/ours.sock" --b "$run/noop.sock" --req "$spec" \
			--b-expects-any --pairs 100 --warmup 10 >/dev/null
	done
	# calibrate's slowed ceiling spins before it answers, so no answer can
	# come sooner: a lower bound, which a busy machine cannot break (it only
	# adds), and which one that does not spin misses by 30 times
	line=$("$bin/loadgen" pair --a "$run/spin.sock" --b "$run/noop.sock" \
		--req "$(ceiling "$corpus:7")" --b-expects-any --pairs 100 --warmup 5)
	awk -v a="$(kv a_p50_us "$line")" 'BEGIN { exit !(a >= 2000) }' || {
		echo "bench smoke: noop --spin-us 2000 answered in $(kv a_p50_us "$line") us (p50)" >&2
		exit 1
	}
	# the reading ceilings must really read: every create's body parsed
	# (--read-body), or decoded and passed over (--touch-body)
	for how in read-body touch-body; do
		start read 0,1 "$bin/noop" --socket "$run/read.sock" --$how --max-seconds 60
		"$bin/loadgen" pair --a "$run/read.sock" --b "$run/noop.sock" \
			--req "$corpus:7,expect=allow" --b-expects-any --pairs 100 --warmup 10 >/dev/null
		"$bin/loadgen" load --socket "$run/read.sock" --req "$corpus:15,expect=allow" \
			--count 20 >/dev/null
		stop read
		grep -qx 'noop: read 110 bodies' "$run/read.err" || {
			echo "bench smoke: noop --$how did not read the 110 create bodies sent:" >&2
			cat "$run/read.err" >&2
			exit 1
		}
	done
	"$bin/loadgen" load --socket "$run/ours.sock" --conns 4 --req "$corpus:7,expect=allow" \
		--count 400 >/dev/null
	"$bin/micro" --policy "$policy" --req "$corpus:7,expect=allow" --min-batch-ms 1 \
		--batches 3 >/dev/null
	echo "bench smoke: loadgen, noop and micro work on $(printf '%s\n' "$scenarios" | wc -l) scenarios"
}

preflight
case $mode in
bench|quick) bench ;;
micro) micro ;;
callgrind) callgrind ;;
smoke) smoke ;;
calibrate) calibrate ;;
versus) versus ;;
esac
