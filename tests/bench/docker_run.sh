#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# docker_run.sh - what Portcullis costs a whole `docker run --rm`, end to end:
# the issue's "an e2e `docker run --rm` with the plugin within 5% of the same
# without it". A measurement, never a pass/fail test: it prints figures.
#
# Two private dockerds side by side, the same in every flag but one:
#   A  --authorization-plugin: BUILD/portcullis serve with the bench's realistic
#      policy (tests/bench/policies/multi-tenant.yaml), audit log to a file as
#      deployed (batched writer, the default);
#   B  no authorization plugin.
# Each has its own data root, exec root, unix socket, TLS port and containerd
# namespace under one temp dir (never the system's /var/run/docker.sock), and
# bb:latest imported (busybox-static).
#
# The command, on both: as alice, a TLS user of the group `tenants`, whose
# rule carries the profile `tenant` (extends `restricted`): so the create is
# checked against the profile for real, and the command carries what the
# profile requires (non-root user, no capabilities, no-new-privileges, memory,
# CPU and pids limits):
#   docker run --rm --network none -u 1000:1000 --cap-drop ALL
#     --security-opt no-new-privileges -m 64m --cpus 0.5 --pids-limit 50
#     bb:latest true
# DR_AS=anon runs `docker run --rm --network none bb:latest true` over the
# unix socket instead: the anonymous user is root, in `admins` (every action,
# no profile).
#
# Method: WARMUP rounds, then ROUNDS rounds of A then B, strictly alternating
# (every A follows a B and every B an A), so the machine's noise lands on both.
# Each command is timed from fork to exit with CLOCK_MONOTONIC (a 30-line C
# helper compiled here with ${CC:-cc}: bash has no monotonic clock). Nothing is
# pinned: docker spawns many processes (CLI, dockerd, containerd, shim, runc).
# Printed: median and p90 per command with and without the plugin, the ratio
# without/with (1.00 = free), the per-round ratios' median and quartiles, a
# 90% bootstrap interval of the ratio of medians (what this many rounds can
# resolve), and the AuthZ calls the plugin decided per `docker run` (audit
# records of the measured rounds / ROUNDS), by action and phase, with the
# plugin's own decision time (the records' latency_us).
#
# Usage: tests/bench/docker_run.sh PATH_TO_PORTCULLIS_BUILD_DIR
#   (make bench-docker). As root, with docker.io, busybox-static, openssl,
#   curl and a C compiler. Environment: ROUNDS (20), WARMUP (2), DR_AS
#   (alice | anon), PC_KEEP=1 keeps the temp dir with every log. About a
#   minute with the defaults.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$HERE/../e2e/lib.sh"

ROUNDS=${ROUNDS:-20}
WARMUP=${WARMUP:-2}
DR_AS=${DR_AS:-alice}
CMD_TIMEOUT=60 # bound on one docker command
POLICY=$HERE/policies/multi-tenant.yaml

# The plugin-less dockerd (B): lib.sh runs one dockerd, so B is started here
# as pc_start_dockerd starts A, in $PC_DIR/b.
B_DIR=""
B_SOCK=""
B_PORT=""
B_PID=""
DOCKER_ARGV=()      # the docker CLI and its identity options
declare -A HOSTS=() # A and B: the -H of each dockerd

usage() { pc_die "usage: $0 BUILD_DIR (with BUILD_DIR/portcullis; ROUNDS, WARMUP, DR_AS=alice|anon)"; }

# --- processes -----------------------------------------------------------------

# B first, then lib.sh's cleanup: A's dockerd, the plugin, leftover containerd
# and shims of either (both live under $PC_DIR), mounts, spec file, temp dir.
on_exit() {
	local rc=$?
	trap '' INT TERM HUP
	set +e
	if [ -n "$B_PID" ]; then
		pc_stop_pid "$B_PID" 30 >/dev/null 2>&1 || pc_log "dockerd B (pid $B_PID) would not stop"
		B_PID=""
	fi
	(exit "$rc")
	pc_cleanup
}

# start_dockerd_b: pc_start_dockerd's dockerd without --authorization-plugin.
start_dockerd_b() {
	B_DIR=$PC_DIR/b
	B_SOCK=$B_DIR/docker.sock
	mkdir -p "$B_DIR"
	B_PORT=$(pc_free_port) || pc_die "no free loopback port found"
	[ "$B_PORT" != "$PC_PORT" ] || B_PORT=$(pc_free_port) || pc_die "no free loopback port found"
	pc_spawn_dockerd B_PID "$B_DIR" "$B_SOCK" "$B_PORT" "$PC_NAME-b"
}

# import_busybox_b: pc_import_busybox's tar (already made for A) into B.
import_busybox_b() {
	local out
	out=$(timeout --foreground -k 10 90 docker -H "unix://$B_SOCK" import "$PC_DIR/bb.tar" \
		bb:latest 2>&1) || pc_die "docker import into B failed: $out"
}

# --- timing --------------------------------------------------------------------

# mtime CMD...: runs CMD (its stdout to our stderr), prints the microseconds
# from before fork to after its exit on CLOCK_MONOTONIC, exits with its status.
build_mtime() {
	cat >"$PC_DIR/mtime.c" <<-'EOF'
	#define _GNU_SOURCE
	#include <errno.h>
	#include <stdio.h>
	#include <sys/wait.h>
	#include <time.h>
	#include <unistd.h>

	int main(int argc, char **argv)
	{
		struct timespec a, b;
		pid_t pid;
		int st;

		if (argc < 2)
			return 2;
		clock_gettime(CLOCK_MONOTONIC, &a);
		pid = fork();
		if (pid < 0)
			return 125;
		if (pid == 0) {
			dup2(2, 1);
			execvp(argv[1], argv + 1);
			_exit(127);
		}
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				return 125;
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("%lld\n", (long long)(b.tv_sec - a.tv_sec) * 1000000 +
		       (b.tv_nsec - a.tv_nsec) / 1000);
		return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	EOF
	"${CC:-cc}" -O2 -o "$PC_DIR/mtime" "$PC_DIR/mtime.c" 2>"$PC_DIR/mtime.log" ||
		pc_die "could not compile the timing helper with ${CC:-cc}: $(cat "$PC_DIR/mtime.log")"
}

RUN_ARGS=()
# timed_run A|B: one `docker run --rm`; prints its microseconds. A failure
# (a denial, a timeout) ends the run: a failed command measures nothing.
timed_run() {
	local us log=$PC_DIR/cmd.log
	if ! us=$("$PC_DIR/mtime" timeout --foreground -k 10 "$CMD_TIMEOUT" \
		"${DOCKER_ARGV[@]}" -H "${HOSTS[$1]}" run "${RUN_ARGS[@]}" 2>"$log"); then
		pc_die "docker run on $1 failed (or took over ${CMD_TIMEOUT}s): $(tail -n 5 "$log")"
	fi
	printf '%s\n' "$us"
}

# audit_lines: lines in the audit log (the writer thread appends every 5 ms:
# wait for the count to stay put for 100 ms).
audit_lines() {
	local n m
	n=$(wc -l <"$PC_AUDIT")
	while :; do
		sleep 0.1
		m=$(wc -l <"$PC_AUDIT")
		[ "$m" != "$n" ] || break
		n=$m
	done
	printf '%s\n' "$n"
}

# stats FILE: "median p90 mean" of the microseconds in FILE, in ms (p90 by
# nearest rank).
stats() {
	sort -n "$1" | awk '{ v[NR] = $1; s += $1 }
		END {
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			k = int(0.9 * NR); if (k < 0.9 * NR) k++
			printf "%.1f %.1f %.1f\n", m / 1000, v[k] / 1000, s / NR / 1000 }'
}

# bootstrap A B: the 5th and 95th percentiles of median(B)/median(A) over
# 2,000 resamples of the rounds (pairs (a_i, b_i) drawn with replacement): how
# far the ratio of medians can be trusted with this many rounds and this noise.
bootstrap() {
	paste "$1" "$2" | awk '
		function median(x, n,   i, j, t) {
			for (i = 2; i <= n; i++) {
				t = x[i]
				for (j = i - 1; j >= 1 && x[j] > t; j--) x[j + 1] = x[j]
				x[j + 1] = t
			}
			return (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
		}
		{ a[NR] = $1; b[NR] = $2 }
		END {
			srand(1)
			for (k = 0; k < 2000; k++) {
				for (i = 1; i <= NR; i++) { j = int(rand() * NR) + 1; x[i] = a[j]; y[i] = b[j] }
				printf "%.4f\n", median(y, NR) / median(x, NR)
			}
		}' | sort -n | awk '{ v[NR] = $1 } END { printf "%.3f-%.3f\n", v[int(0.05 * NR)], v[int(0.95 * NR)] }'
}

# --- main ----------------------------------------------------------------------

main() {
	local build=${1:-} r i ta tb n0 n1 calls who sa sb ma pa mea mb pb meb
	[ -n "$build" ] || usage
	[ -x "$build/portcullis" ] || pc_die "$build/portcullis: not an executable (make BUILD=$build $build/portcullis)"
	case $DR_AS in alice | anon) ;; *) usage ;; esac
	[[ $ROUNDS =~ ^[1-9][0-9]*$ && $WARMUP =~ ^[0-9]+$ ]] || usage
	command -v "${CC:-cc}" >/dev/null || pc_die "no C compiler (${CC:-cc}) for the timing helper"

	pc_init "$build/portcullis" pc-bench-dr
	trap on_exit EXIT
	build_mtime
	pc_make_certs alice
	pc_start_plugin "$POLICY"
	pc_start_dockerd
	pc_import_busybox anon
	start_dockerd_b
	import_busybox_b

	if [ "$DR_AS" = anon ]; then
		DOCKER_ARGV=(docker)
		HOSTS=([A]="unix://$PC_DOCKER_SOCK" [B]="unix://$B_SOCK")
		RUN_ARGS=(--rm --network none bb:latest true)
		who="anonymous (unix socket; policy user root, rule admins, no profile)"
	else
		local u=$PC_DIR/users/alice
		DOCKER_ARGV=(docker --tlsverify --tlscacert "$PC_DIR/certs/ca.pem"
			--tlscert "$u/cert.pem" --tlskey "$u/key.pem")
		HOSTS=([A]="tcp://127.0.0.1:$PC_PORT" [B]="tcp://127.0.0.1:$B_PORT")
		RUN_ARGS=(--rm --network none -u 1000:1000 --cap-drop ALL
			--security-opt no-new-privileges -m 64m --cpus 0.5 --pids-limit 50
			bb:latest true)
		who="alice (TLS, group tenants, rule tenants, profile tenant extends restricted)"
	fi

	echo "portcullis bench-docker: $(nproc) CPUs, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "dockerd $(dockerd --version | sed 's/^Docker version //'), docker CLI" \
		"$(docker --version | sed 's/^Docker version //'), storage driver vfs"
	echo "policy:  ${POLICY#"$HERE/"} (tests/bench/)"
	echo "as:      $who"
	echo "command: docker run ${RUN_ARGS[*]}"
	echo "A: dockerd --authorization-plugin (portcullis serve, audit log to a file); B: no plugin"
	echo "$WARMUP warm-up rounds, then $ROUNDS rounds of A then B, alternating; wall time per"
	echo "command, fork to exit, CLOCK_MONOTONIC"
	echo

	for ((i = 0; i < WARMUP; i++)); do
		timed_run A >/dev/null
		timed_run B >/dev/null
	done
	n0=$(audit_lines)
	: >"$PC_DIR/a.us"
	: >"$PC_DIR/b.us"
	: >"$PC_DIR/ratio"
	for ((r = 0; r < ROUNDS; r++)); do
		ta=$(timed_run A)
		tb=$(timed_run B)
		echo "$ta" >>"$PC_DIR/a.us"
		echo "$tb" >>"$PC_DIR/b.us"
		awk -v a="$ta" -v b="$tb" 'BEGIN { printf "%.4f\n", b / a }' >>"$PC_DIR/ratio"
	done
	n1=$(audit_lines)
	# The measured rounds' records (a reload event has no "phase"; none happens).
	awk -v lo="$n0" -v hi="$n1" 'NR > lo && NR <= hi && /"phase":/' "$PC_AUDIT" >"$PC_DIR/measured.audit"
	calls=$(wc -l <"$PC_DIR/measured.audit")

	sa=$(stats "$PC_DIR/a.us")
	sb=$(stats "$PC_DIR/b.us")
	read -r ma pa mea <<<"$sa"
	read -r mb pb meb <<<"$sb"
	printf '%-22s %10s %10s %10s\n' "" "median ms" "p90 ms" "mean ms"
	printf '%-22s %10s %10s %10s\n' "A: with the plugin" "$ma" "$pa" "$mea"
	printf '%-22s %10s %10s %10s\n' "B: without" "$mb" "$pb" "$meb"
	awk -v ma="$ma" -v mb="$mb" -v pa="$pa" -v pb="$pb" 'BEGIN {
		printf "ratio without/with:    %.3f (medians), %.3f (p90s); 1.00 = free\n", mb / ma, pb / pa
		printf "difference of medians: %+.1f ms per docker run\n", ma - mb }'
	sort -n "$PC_DIR/ratio" | awk '{ v[NR] = $1 } END {
		q1 = v[int((NR + 3) / 4)]; q3 = v[int((3 * NR + 3) / 4)]
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "per-round ratio B/A:   median %.3f, quartiles %.3f-%.3f, range %.3f-%.3f\n",
			m, q1, q3, v[1], v[NR] }'
	echo "ratio of medians, 90% bootstrap interval (rounds resampled in pairs, 2,000 times):"
	echo "                       $(bootstrap "$PC_DIR/a.us" "$PC_DIR/b.us")"
	echo "rounds:                $ROUNDS (after $WARMUP warm-up rounds each)"
	awk -v c="$calls" -v r="$ROUNDS" 'BEGIN {
		printf "AuthZ calls decided:   %d in %d rounds = %.2f per docker run\n", c, r, c / r }'
	echo
	echo "per docker run, by action and phase (audit records of the measured rounds / $ROUNDS;"
	echo "us: the plugin's latency_us, first byte of the call to the decision):"
	awk -v r="$ROUNDS" '
		function field(k,   s) {
			if (!match($0, "\"" k "\":(\"[^\"]*\"|[0-9]+|null)")) return "-"
			s = substr($0, RSTART + length(k) + 3, RLENGTH - length(k) - 3)
			gsub(/"/, "", s)
			return s
		}
		{
			key = sprintf("%-6s %-22s %-8s %-5s", field("method"), field("action"),
				field("phase"), field("decision"))
			if (!(key in n)) order[++k] = key
			l = field("latency_us") + 0
			n[key]++; us[key] += l; tot += l
			if (l > mx[key]) mx[key] = l
		}
		END {
			printf "  %-6s %-22s %-8s %-5s %8s %9s %8s\n", "method", "action", "phase",
				"dec", "per run", "mean us", "max us"
			for (i = 1; i <= k; i++)
				printf "  %s %8.2f %9.1f %8d\n", order[i], n[order[i]] / r,
					us[order[i]] / n[order[i]], mx[order[i]]
			printf "  plugin decision time per docker run: %.0f us (sum of latency_us / %d)\n", tot / r, r
		}' "$PC_DIR/measured.audit"
}

main "$@"
