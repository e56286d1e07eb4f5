#!/bin/sh
# demo.sh - the main job on the bundled sample binaries (called by
# bootstrap.sh; runs on its own after a build too).
#
# Usage: ./demo.sh [DIR]     (default DIR: ./demo, emptied first)
# Env:   ELFPATCH  the program to use (default: src/elfpatch of this tree)
#
# It copies the seed fixtures - an ARM32 hard-float program whose RPATH
# points into a host build directory, the shared library it needs, and the
# AArch64 build of the same program - into DIR, shows what they carry, then
# clears the RPATH in place the way a packager would and shows the result.
# Each step is a shell function; add later steps (strip, report, ...) as
# functions of their own and call them at the bottom.
set -eu

here=$(cd "$(dirname "$0")" && pwd -P)
ELFPATCH=${ELFPATCH:-$here/src/elfpatch}
dir=${1:-./demo}
bin=$here/data/bin

# run CMD...: echo the command (arguments quoted where needed, $ELFPATCH
# shown as elfpatch), run it.
run() {
	line='$'
	for a in "$@"; do
		[ "$a" = "$ELFPATCH" ] && a=elfpatch
		case $a in
		''|*[!A-Za-z0-9_./:=@%+,-]*) a="'$a'" ;;
		esac
		line="$line $a"
	done
	printf '%s\n' "$line"
	"$@"
}

# rpath_of FILE: elfpatch's answer, and the entry's tag as readelf sees it.
rpath_of() {
	printf '%s: [%s]' "$1" "$("$ELFPATCH" --print-rpath "$1")"
	tag=$(LC_ALL=C readelf -dW "$1" 2>/dev/null | sed -n 's/.*(\(RPATH\|RUNPATH\)).*/\1/p')
	printf '  (%s)\n' "${tag:-no RPATH/RUNPATH entry}"
}

copy_fixtures() {
	echo "== copying the sample binaries into $dir"
	rm -rf "$dir"
	mkdir -p "$dir/armhf" "$dir/aarch64"
	cp "$bin/armhf/hello" "$bin/armhf/libgreet.so" "$dir/armhf/"
	ln -s libgreet.so "$dir/armhf/libgreet.so.1"
	cp "$bin/aarch64/hello" "$dir/aarch64/"
}

show() {
	echo "== what they carry"
	run "$ELFPATCH" --print-interpreter --print-rpath --print-needed "$dir/armhf/hello"
	run "$ELFPATCH" --print-soname --print-rpath --print-needed "$dir/armhf/libgreet.so"
	run "$ELFPATCH" --print-interpreter --print-rpath --print-needed "$dir/aarch64/hello"
}

clear_rpath() {
	echo "== clearing the host build paths (in place)"
	run "$ELFPATCH" --set-rpath '' "$dir/armhf/hello"
	run "$ELFPATCH" --remove-rpath "$dir/armhf/libgreet.so"
	echo "== RPATH afterwards (hello: empty, entry kept; libgreet.so: entry gone)"
	rpath_of "$dir/armhf/hello"
	rpath_of "$dir/armhf/libgreet.so"
	if grep -q /home/builder "$dir/armhf/hello" "$dir/armhf/libgreet.so"; then
		echo "demo: a host build path is still in the files" >&2
		return 1
	fi
	echo "(no /home/builder path left in either file)"
}

run_patched() {
	echo "== running the patched ARM program (qemu-arm, library from $dir/armhf)"
	st=0
	FIXTURE_LIBDIR=$dir/armhf "$here/data/run-fixture.sh" armhf "$dir/armhf/hello" || st=$?
	case $st in
	0)	;;
	77)	echo "(skipped: qemu-user or the armhf sysroot is not installed)" ;;
	*)	echo "demo: the patched program failed (exit status $st)" >&2
		return 1 ;;
	esac
}

strip_report() {
	echo "== stripping them in place (symbols, debug information), with the size report"
	run "$ELFPATCH" --strip-all --report "$dir/armhf/hello" "$dir/armhf/libgreet.so" \
		"$dir/aarch64/hello"
}

# The static build against the dynamic one plus the library it needs, in a
# root filesystem that has the C library (from the armhf sysroot) but not
# libgreet: each library the root lacks is counted once.
deployed_cost() {
	echo "== what they cost deployed in a root filesystem without libgreet"
	sysroot=/usr/arm-linux-gnueabihf/lib
	if [ ! -f "$sysroot/libc.so.6" ] || [ ! -f "$sysroot/ld-linux-armhf.so.3" ]; then
		echo "(skipped: the armhf sysroot, libc6-armhf-cross, is not installed)"
		return 0
	fi
	root=$dir/rootfs
	mkdir -p "$root/lib/arm-linux-gnueabihf"
	cp "$sysroot/libc.so.6" "$sysroot/ld-linux-armhf.so.3" "$root/lib/arm-linux-gnueabihf/"
	ln -s arm-linux-gnueabihf/ld-linux-armhf.so.3 "$root/lib/ld-linux-armhf.so.3"
	cp "$bin/armhf/hello-static" "$dir/armhf/"
	run "$ELFPATCH" --report --root "$root" --library-path "$dir/armhf" \
		"$dir/armhf/hello" "$dir/armhf/hello-static"
}

# The image gets what the target's ldconfig would give it, without
# running it: libgreet in a directory only /etc/ld.so.conf names, its
# soname link and the cache, written by elfpatch; then the target's own
# ld.so (under qemu-arm, the image as its root) finds the library through
# that cache alone: hello's RPATH is empty.
loader_cache() {
	echo "== the image's loader cache, written by elfpatch, and the program run through it"
	root=$dir/rootfs
	if [ ! -d "$root/lib" ]; then
		echo "(skipped: the armhf sysroot, libc6-armhf-cross, is not installed)"
		return 0
	fi
	mkdir -p "$root/usr/bin" "$root/opt/greet/lib" "$root/etc"
	cp "$dir/armhf/hello" "$root/usr/bin/"
	cp "$dir/armhf/libgreet.so" "$root/opt/greet/lib/libgreet.so.1.0"
	echo /opt/greet/lib >"$root/etc/ld.so.conf"
	run "$ELFPATCH" --ldconfig --root "$root"
	run "$ELFPATCH" --print-cache --root "$root"
	run "$ELFPATCH" --print-deps --root "$root" "$root/usr/bin/hello"
	if ! command -v qemu-arm >/dev/null 2>&1; then
		echo "(not run: qemu-user is not installed)"
		return 0
	fi
	out=$(run qemu-arm -L "$root" "$root/usr/bin/hello") || {
		printf '%s\n' "$out"
		echo "demo: the program did not run through the cache" >&2
		return 1
	}
	printf '%s\n' "$out"
	echo "(and without the cache the loader cannot find libgreet:)"
	mv "$root/etc/ld.so.cache" "$root/etc/ld.so.cache.off"
	if qemu-arm -L "$root" "$root/usr/bin/hello" 2>&1; then
		echo "demo: the program ran without the cache: the demo proves nothing" >&2
		return 1
	fi
	mv "$root/etc/ld.so.cache.off" "$root/etc/ld.so.cache"
}

copy_fixtures
show
clear_rpath
strip_report
deployed_cost
run_patched
loader_cache
echo "== demo done"
