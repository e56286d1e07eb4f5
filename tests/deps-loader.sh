#!/bin/sh
# deps-loader.sh: --print-deps against the target's own dynamic loader.
#
# For armhf, aarch64 and x86_64, a root filesystem is made from the
# dependency-chain fixtures (data/deps/TARGET/root) plus the C library and
# ld.so of the cross sysroot (the host's for x86_64), in Debian's multiarch
# layout, with an ld.so.cache of its ld.so.conf directories.  The target's
# ld.so then lists what it loads (LD_TRACE_LOADED_OBJECTS=1 LD_VERBOSE=1,
# what `ldd -v` runs): under qemu-user -L for ARM, natively in a chroot
# (unshare -r) for x86_64.  Its output, load addresses and the linux-vdso
# line removed, must be byte for byte what elfpatch --print-deps prints:
# the same libraries, from the same paths, in the same order, and the same
# symbol versions.  Each program is compared without and with an
# LD_LIBRARY_PATH (--library-path), and the hello fixtures with decoys of
# another class, machine, byte order or float ABI ahead of the real
# libgreet.so.1.  x86_64 is also compared on this machine itself (--root /).
. "${top_srcdir:-.}/tests/lib.sh"

NOSTATX=$top_builddir/tests/nostatx
LDCACHE=$top_builddir/tests/ldcache
ELFPATCH_PLATFORM=
export ELFPATCH_PLATFORM
identical=0
compared=0

# target -> "triplet sysroot-libdir loader PT_INTERP cache-flags decoys"
info() {
	case $1 in
	armhf)	echo "arm-linux-gnueabihf /usr/arm-linux-gnueabihf/lib ld-linux-armhf.so.3" \
		     "/lib/ld-linux-armhf.so.3 0x0903 armel,i386,ppc,aarch64" ;;
	aarch64) echo "aarch64-linux-gnu /usr/aarch64-linux-gnu/lib ld-linux-aarch64.so.1" \
		     "/lib/ld-linux-aarch64.so.1 0x0a03 armhf,x86_64,s390x" ;;
	x86_64)	echo "x86_64-linux-gnu /lib/x86_64-linux-gnu ld-linux-x86-64.so.2" \
		     "/lib64/ld-linux-x86-64.so.2 0x0303 i386,aarch64,s390x" ;;
	esac
}

# ld.so.conf directories, as ldconfig reads them (absolute includes only,
# which is what the fixtures use).
conf_dirs() {	# root file
	[ -f "$1$2" ] || return 0
	sed 's/#.*//' "$1$2" | while read -r w rest; do
		case $w in
		'') ;;
		include)
			# Patterns are matched inside the root (which has no blank
			# or wildcard in its name), not on this machine.
			set -f
			for p in $rest; do
				set +f
				for f in $1$p; do
					[ -f "$f" ] && conf_dirs "$1" "${f#"$1"}"
				done
			done
			set +f ;;
		hwcap) ;;
		*) d=$(printf '%s' "$w" | sed 's:/*$::'); [ -d "$1$d" ] && echo "$d" ;;
		esac
	done
}

# make_root TARGET DIR: the fixture tree + libc + ld.so + ld.so.cache.
make_root() {
	set -- "$1" "$2" $(info "$1")
	_t=$1 _r=$2 triplet=$3 libdir=$4 ldso=$5 interp=$6 flags=$7
	cp -R "$DATA/deps/$_t/root" "$_r" || return 1
	chmod -R u+w "$_r"
	mkdir -p "$_r/lib/$triplet" "$_r${interp%/*}" || return 1
	cp "$libdir/libc.so.6" "$libdir/$ldso" "$_r/lib/$triplet/" || return 1
	if [ "$_t" = x86_64 ]; then
		# Debian's own link is absolute: it must resolve inside the root.
		ln -s "/lib/$triplet/$ldso" "$_r$interp"
	else
		ln -s "$triplet/$ldso" "$_r$interp"
	fi
	if [ "$_t" = x86_64 ] && command -v ldconfig >/dev/null 2>&1; then
		mkdir -p "$_r/var/cache/ldconfig"
		ldconfig -r "$_r" 2>/dev/null
	else
		set --
		for d in $(conf_dirs "$_r" /etc/ld.so.conf); do
			for f in "$_r$d"/lib*.so*; do
				[ -f "$f" ] || continue
				so=$(LC_ALL=C readelf -dW "$f" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
				set -- "$@" "${so:-${f##*/}}=$d/${f##*/}"
			done
		done
		"$LDCACHE" "$_r/etc/ld.so.cache" "$flags" "$@"
	fi
}

# The loader's answer, addresses and the vDSO taken out, SYSROOT's prefix
# taken off the loader's own path (run as SYSROOT/lib/ld...so).
normalize() {	# root
	sed -e "s|$1||g" -e 's/ (0x[0-9a-f]*)$//' -e 's|^	\(/[^ ]*\) => \1$|	\1|' |
		grep -v 'linux-vdso\.so'
}

# real TARGET ROOT PROGRAM [LIBRARY_PATH]
real() {
	_t=$1 _r=$2 _p=$3 _llp=${4:-}
	set -- $(info "$_t")
	interp=$4
	case $_t in
	x86_64)
		if [ "$chroot_ok" = 1 ]; then
			unshare -r -R "$_r" /.elfpatch-test/env LD_TRACE_LOADED_OBJECTS=1 \
				LD_VERBOSE=1 ${_llp:+LD_LIBRARY_PATH=$_llp} "$interp" "$_p"
		else
			"$NOSTATX" qemu-x86_64 -L "$_r" -E LD_TRACE_LOADED_OBJECTS=1 -E LD_VERBOSE=1 \
				${_llp:+-E LD_LIBRARY_PATH=$_llp} "$_r$interp" "$_p"
		fi ;;
	armhf)
		# qemu's default CPU says AT_PLATFORM v8l; an ARMv7 board, v7l.
		"$NOSTATX" qemu-arm -cpu cortex-a15 -L "$_r" -E LD_TRACE_LOADED_OBJECTS=1 \
			-E LD_VERBOSE=1 ${_llp:+-E LD_LIBRARY_PATH=$_llp} "$_r$interp" "$_p" ;;
	aarch64)
		"$NOSTATX" qemu-aarch64 -L "$_r" -E LD_TRACE_LOADED_OBJECTS=1 -E LD_VERBOSE=1 \
			${_llp:+-E LD_LIBRARY_PATH=$_llp} "$_r$interp" "$_p" ;;
	esac 2>"$SCRATCH/real.err" | normalize "$_r"
}

compare() {	# name target root program [library-path]
	name=$1
	shift
	compared=$((compared + 1))
	# A chroot sees none of this machine's directories: the library
	# path's are copied to the same place inside (where elfpatch, which
	# reads them outside, never looks).
	if [ "$1" = x86_64 ] && [ "$chroot_ok" = 1 ] && [ -n "${4:-}" ]; then
		for d in $(echo "$4" | tr ':;' '  '); do
			[ -d "$d" ] && mkdir -p "$2$d" && cp -R "$d/." "$2$d/"
		done
	fi
	want=$(real "$@")
	got=$("$ELFPATCH" --print-deps --root "$2" ${4:+--library-path "$4"} "$2$3" 2>/dev/null)
	if [ -z "$want" ]; then
		fail "$name" "the loader printed nothing:" "$(cat "$SCRATCH/real.err")"
	elif [ "$want" = "$got" ]; then
		identical=$((identical + 1))
		pass "$name"
	else
		fail "$name" "ld.so:" "$want" "elfpatch:" "$got"
	fi
}

can_run() {	# target: prints why not, if not
	set -- "$1" $(info "$1")
	[ -f "$3/libc.so.6" ] && [ -f "$3/$4" ] || { echo "no $3/libc.so.6"; return; }
	case $1 in
	x86_64)
		[ "$(uname -m)" = x86_64 ] || { echo "not an x86_64 machine"; return; }
		[ "$chroot_ok" = 1 ] || command -v qemu-x86_64 >/dev/null 2>&1 ||
			echo "neither unshare -r nor qemu-x86_64 works" ;;
	armhf) command -v qemu-arm >/dev/null 2>&1 || echo "qemu-arm not installed" ;;
	aarch64) command -v qemu-aarch64 >/dev/null 2>&1 || echo "qemu-aarch64 not installed" ;;
	esac
}

need_cmd readelf
[ -x "$NOSTATX" ] && [ -x "$LDCACHE" ] || skip_all "test helpers not built (make check builds them)"
"$NOSTATX" true 2>/dev/null || skip_all "seccomp unavailable: qemu would answer statx() wrongly"

chroot_ok=0
if unshare -r -R / true 2>/dev/null; then
	chroot_ok=1
fi

for t in armhf aarch64 x86_64; do
	why=$(can_run "$t")
	r=$SCRATCH/root-$t
	if [ -z "$why" ] && ! make_root "$t" "$r" >"$SCRATCH/make.log" 2>&1; then
		why="cannot make the root: $(cat "$SCRATCH/make.log")"
	fi
	if [ -n "$why" ]; then
		for n in 1 2 3 4 5 6 7 8 9; do
			skip "$t: comparison $n with the target's ld.so" "$why"
		done
		continue
	fi
	if [ "$t" = x86_64 ] && [ "$chroot_ok" = 1 ]; then
		mkdir -p "$r/.elfpatch-test" && cp "$(command -v env)" "$r/.elfpatch-test/"
	fi
	# LD_LIBRARY_PATH: a libA that wins over DT_RUNPATH, not over DT_RPATH.
	llp=$SCRATCH/llp-$t
	mkdir -p "$llp" && cp "$r/usr/lib/libA.so.1" "$llp/"
	for p in prog prog-ok prog-ver; do
		compare "$t: $p: --print-deps = ld.so" "$t" "$r" "/usr/bin/$p"
		compare "$t: $p with a library path: --print-deps = ld.so" "$t" "$r" "/usr/bin/$p" "$llp"
	done
	# Decoys: libgreet.so.1 of other targets ahead of the right one.
	path=
	for d in $(set -- $(info "$t"); echo "$6" | tr , ' '); do
		mkdir -p "$SCRATCH/decoy-$t-$d"
		cp "$FIXTURES/$d/libgreet.so" "$SCRATCH/decoy-$t-$d/libgreet.so.1"
		path=$path$SCRATCH/decoy-$t-$d:
	done
	mkdir -p "$SCRATCH/right-$t" && cp "$FIXTURES/$t/libgreet.so" "$SCRATCH/right-$t/libgreet.so.1"
	path=$path$SCRATCH/right-$t
	for p in hello hello-runpath hello-norpath; do
		cp "$FIXTURES/$t/$p" "$r/usr/bin/$p"
		compare "$t: $p behind decoys: --print-deps = ld.so" "$t" "$r" "/usr/bin/$p" "$path"
	done
done

# x86_64 on this machine: its own loader, ld.so.conf and directories.
if [ "$(uname -m)" = x86_64 ] && [ -f /etc/ld.so.conf ]; then
	n=$SCRATCH/native
	mkdir -p "$n" && cp -R "$DATA/deps/x86_64/root/usr" "$n/"
	n=$(cd "$n" && pwd -P)
	for p in prog prog-ok prog-ver; do
		compared=$((compared + 1))
		want=$(LD_TRACE_LOADED_OBJECTS=1 LD_VERBOSE=1 "$n/usr/bin/$p" 2>/dev/null | normalize '^$')
		got=$("$ELFPATCH" --print-deps "$n/usr/bin/$p" 2>/dev/null)
		if [ "$want" = "$got" ]; then
			identical=$((identical + 1))
			pass "x86_64 here: $p: --print-deps = ldd"
		else
			fail "x86_64 here: $p: --print-deps = ldd" "ldd:" "$want" "elfpatch:" "$got"
		fi
	done
else
	for p in prog prog-ok prog-ver; do
		skip "x86_64 here: $p: --print-deps = ldd" "not an x86_64 machine"
	done
fi

echo "# identical to the real loader: $identical of $compared comparisons"
done_testing
