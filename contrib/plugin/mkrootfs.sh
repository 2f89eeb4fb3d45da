#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mkrootfs.sh - the managed (v2) plugin directory that `docker plugin create`
# takes: OUT/config.json and OUT/rootfs/.
#
# Usage: contrib/plugin/mkrootfs.sh PORTCULLIS OUT VERSION      (or: make plugin)
#
# The rootfs holds the binary as /usr/sbin/portcullis and exactly the shared
# libraries ldd(1) lists for it (the dynamic loader included, each at the path
# ldd prints, symlinks resolved), plus the directories the plugin's mounts land
# on: /etc/portcullis (the policy, bound read-only from the host) and
# /run/docker/plugins (where dockerd binds the host's /run/docker/plugins/<id>
# and looks for Interface.Socket). Nothing else: no shell, no /etc/passwd, no
# certificates; Portcullis reads nothing but its policy.
#
# config.json is contrib/plugin/config.json with @VERSION@ filled in.
set -euo pipefail

die() {
	printf 'mkrootfs.sh: %s\n' "$*" >&2
	exit 1
}

if [ $# != 3 ] || [ -z "$2" ]; then die "usage: $0 PORTCULLIS OUT VERSION"; fi
BIN=$1 OUT=$2 VERSION=$3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ -x "$BIN" ] || die "$BIN: not an executable (build it with: make)"
command -v ldd >/dev/null || die "ldd not found (Debian package libc-bin)"

ROOT=$OUT/rootfs
rm -rf "$ROOT" "$OUT/config.json"
mkdir -p "$ROOT/usr/sbin" "$ROOT/etc/portcullis" "$ROOT/run/docker/plugins"
chmod 0755 "$ROOT" "$ROOT/usr" "$ROOT/usr/sbin" "$ROOT/etc" "$ROOT/etc/portcullis" "$ROOT/run" \
	"$ROOT/run/docker" "$ROOT/run/docker/plugins"
install -m 0755 "$BIN" "$ROOT/usr/sbin/portcullis"

# ldd prints "soname => /path (0x...)" for a library, "/path (0x...)" for the
# dynamic loader, "linux-vdso.so.1 (0x...)" for the kernel's vDSO (no file),
# "soname => not found" for a missing one, and "not a dynamic executable" for a
# static binary (nothing to copy).
ldd_out=$(LC_ALL=C ldd "$BIN" 2>&1) || {
	case $ldd_out in
	*"not a dynamic executable"*) ldd_out="" ;;
	*) die "ldd $BIN failed: $ldd_out" ;;
	esac
}
nlibs=0
while read -r first arrow path _; do
	[ -n "$first" ] || continue
	case $arrow in
	"=>")
		[ "$path" != "not" ] || die "ldd: $first not found"
		lib=$path
		;;
	*)
		case $first in
		/*) lib=$first ;; # the dynamic loader
		*) continue ;;     # linux-vdso.so.1: provided by the kernel
		esac
		;;
	esac
	[ -f "$lib" ] || die "ldd listed $lib, which is not a file"
	mkdir -p "$ROOT$(dirname "$lib")"
	# -L: the file itself, under the name ldd resolved (the soname).
	cp -L "$lib" "$ROOT$lib"
	case $arrow in
	"=>") chmod 0644 "$ROOT$lib" ;;
	*) chmod 0755 "$ROOT$lib" ;; # the kernel execs the loader
	esac
	nlibs=$((nlibs + 1))
done <<<"$ldd_out"

sed "s/@VERSION@/$VERSION/g" "$HERE/config.json" >"$OUT/config.json"
chmod 0644 "$OUT/config.json"

# As root, prove the rootfs is complete: the binary runs inside it alone.
if [ "$(id -u)" = 0 ] && command -v chroot >/dev/null; then
	out=$(chroot "$ROOT" /usr/sbin/portcullis --version 2>&1) ||
		die "the binary does not run inside $ROOT: $out"
fi
printf 'plugin: %s (config.json, rootfs: portcullis and %d shared objects, %s)\n' \
	"$OUT" "$nlibs" "$(du -sh "$ROOT" | cut -f1)"
