#!/bin/sh
# ldconfig.sh: elfpatch --ldconfig writes the ld.so.cache the target's own
# ldconfig writes, byte for byte, and --print-cache reads it back.
#
# 1. The dependency fixture roots (data/deps/TARGET/root, with two
#    glibc-hwcaps subdirectories added) for armhf, aarch64 and x86_64: the
#    cache and the links are compared with what the target's ldconfig -r
#    writes under qemu-user when Debian's libc-bin is at hand, else with
#    data/deps/ldcache/TARGET.cache.  Those were written by that same
#    ldconfig (Debian bookworm's libc-bin 2.36-9+deb12u14, run as
#    `qemu-arm ldconfig -r ROOT`, natively for amd64) on the same trees;
#    ELFPATCH_LDCONFIG_REGEN=1 writes them again.  The fixture roots have no
#    libc.so.6 to take the generator string from: it is given in
#    ELFPATCH_LDCONFIG_GENERATOR.
# 2. Debian's libc6 and libc-bin for armhf, arm64 and amd64 (downloaded by
#    tests/fetch-target-libc.sh into ${ELFPATCH_DEBS:-tests/debs}), with the
#    fixture tree, a glibc-hwcaps subdirectory and an ld.so.conf include
#    directory: the cache, the links and ldconfig -p's listing are
#    compared, and the target's ld.so under qemu finds libconf.so.1, which
#    only the cache names (/opt/conf/lib is nowhere else on its path);
#    also the old and compat formats (ldconfig -c).
# 3. --print-deps follows the cache; bad caches and unsafe destinations.
# Checks skip when qemu, the packages or root (ldconfig -r chroots) are
# missing.
. "${top_srcdir:-.}/tests/lib.sh"

DEBS=${ELFPATCH_DEBS:-$top_builddir/tests/debs}
GEN_FIXED="ldconfig (Debian GLIBC 2.36-9+deb12u14) stable release version 2.36"
NOSTATX=$top_builddir/tests/nostatx

# fixture target -> "debian-arch qemu triplet interp"
info() {
	case $1 in
	armhf) echo "armhf qemu-arm arm-linux-gnueabihf /lib/ld-linux-armhf.so.3" ;;
	aarch64) echo "arm64 qemu-aarch64 aarch64-linux-gnu /lib/ld-linux-aarch64.so.1" ;;
	x86_64) echo "amd64 qemu-x86_64 x86_64-linux-gnu /lib64/ld-linux-x86-64.so.2" ;;
	esac
}

# run_target QEMU PROGRAM ARGS...: natively for amd64 on x86_64.
run_target() {
	_q=$1
	shift
	if [ "$_q" = qemu-x86_64 ] && [ "$(uname -m)" = x86_64 ]; then
		"$@"
	else
		"$_q" "$@"
	fi
}

# Where the target's ldconfig is (extracted once per arch), or nothing.
debian_root() {	# arch
	_d=$SCRATCH/deb-$1
	if [ ! -d "$_d" ]; then
		for p in libc6 libc-bin; do
			set -- "$1" "$DEBS"/${p}_*_"$1".deb
			[ -f "$2" ] || return 0
			command -v dpkg-deb >/dev/null 2>&1 || return 0
			mkdir -p "$_d" && dpkg-deb -x "$2" "$_d" || return 0
		done
	fi
	[ -x "$_d/sbin/ldconfig" ] && echo "$_d"
}

# ldconfig -r chroots: root, or a user namespace that maps us to root.
as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	else
		unshare -r "$@"
	fi
}

can_chroot() {
	[ "$(id -u)" = 0 ] || unshare -r true 2>/dev/null
}

# The links of a tree, "name -> target" sorted.
links() {	# root
	(cd "$1" && find . -type l | LC_ALL=C sort | while read -r l; do
		printf '%s -> %s\n' "$l" "$(readlink "$l")"
	done)
}

add_hwcaps() {	# root
	for h in x86-64-v3 x86-64-v2; do
		mkdir -p "$1/usr/lib/glibc-hwcaps/$h" &&
		cp "$1/usr/lib/libA.so.1" "$1/usr/lib/glibc-hwcaps/$h/" || return 1
	done
	mkdir -p "$1/opt/conf/lib/glibc-hwcaps/empty"
}

# compare_trees NAME REF OURS: the caches and the links.
compare_trees() {
	if cmp "$2/etc/ld.so.cache" "$3/etc/ld.so.cache" >/dev/null 2>&1; then
		pass "$1: ld.so.cache byte-identical ($(wc -c <"$3/etc/ld.so.cache") bytes)"
	else
		fail "$1: ld.so.cache byte-identical" \
			"$(cmp "$2/etc/ld.so.cache" "$3/etc/ld.so.cache" 2>&1)" \
			"ldconfig:" "$(LC_ALL=C ldconfig -p -C "$2/etc/ld.so.cache" 2>&1)" \
			"elfpatch:" "$("$ELFPATCH" --print-cache --root "$3" 2>&1)"
	fi
	check_eq "$1: the same soname links" "$(links "$2")" "$(links "$3")"
}

[ -x "$ELFPATCH" ] || skip_all "elfpatch not built"

# ---- 1. the fixture roots ------------------------------------------------
for t in armhf aarch64 x86_64; do
	set -- $(info "$t")
	arch=$1 qemu=$2
	ours=$SCRATCH/fx-$t-ours ref=$SCRATCH/fx-$t-ref
	cp -R "$DATA/deps/$t/root" "$ours" && chmod -R u+w "$ours" && add_hwcaps "$ours" ||
		{ fail "$t fixture: make the root"; continue; }
	cp -R "$ours" "$ref"
	deb=$(debian_root "$arch")
	expected=$DATA/deps/ldcache/$t.cache
	if [ -n "$deb" ] && command -v "$qemu" >/dev/null 2>&1 && can_chroot; then
		gen=$(grep -a -o 'ldconfig ([^)]*) [a-z]* release version [0-9.]*' \
			"$deb/sbin/ldconfig" | head -n 1)
		as_root sh -c "$(command -v "$qemu" 2>/dev/null || echo "$qemu") \"\$1\" -r \"\$2\"" \
			sh "$deb/sbin/ldconfig" "$ref" >"$SCRATCH/ref.log" 2>&1
		if [ "${ELFPATCH_LDCONFIG_REGEN:-}" = 1 ]; then
			mkdir -p "$top_srcdir/data/deps/ldcache"
			cp "$ref/etc/ld.so.cache" "$top_srcdir/data/deps/ldcache/$t.cache"
		fi
		what="$t fixture, the target's ldconfig -r"
	elif [ -f "$expected" ]; then
		gen=$GEN_FIXED
		mkdir -p "$ref/etc" && cp "$expected" "$ref/etc/ld.so.cache"
		# ldconfig created no link in these trees (checked when it runs).
		what="$t fixture, data/deps/ldcache/$t.cache"
	else
		skip "$t fixture: ld.so.cache byte-identical" "no reference cache"
		continue
	fi
	check "$t fixture: elfpatch --ldconfig" \
		env ELFPATCH_LDCONFIG_GENERATOR="$gen" "$ELFPATCH" --ldconfig --root "$ours"
	compare_trees "$what" "$ref" "$ours"
done

# ---- 2. Debian's C library, the fixtures, hwcaps and includes ------------
for t in armhf aarch64 x86_64; do
	set -- $(info "$t")
	arch=$1 qemu=$2 triplet=$3 interp=$4
	deb=$(debian_root "$arch")
	why=
	[ -n "$deb" ] || why="no libc6/libc-bin $arch in $DEBS (tests/fetch-target-libc.sh)"
	[ -n "$why" ] || command -v "$qemu" >/dev/null 2>&1 || why="$qemu not installed"
	[ -n "$why" ] || can_chroot || why="not root, and unshare -r does not work"
	if [ -n "$why" ]; then
		for n in --ldconfig cache links print-cache ld.so without old old-links old-p \
			compat compat-links compat-p; do
			skip "$arch libc: $n" "$why"
		done
		continue
	fi
	ours=$SCRATCH/deb-$t-ours ref=$SCRATCH/deb-$t-ref
	cp -R "$deb" "$ours" && cp -R "$DATA/deps/$t/root/." "$ours/" && chmod -R u+w "$ours" &&
		add_hwcaps "$ours" || { fail "$arch libc: make the root"; continue; }
	rm -f "$ours/etc/ld.so.cache"
	# x86-64: a library marked as needing x86-64-v3 (its ISA level goes
	# into the entry's hwcap).
	if [ "$t" = x86_64 ]; then
		echo 'int v3(int x) { return x * 3; }' >"$SCRATCH/v3.c"
		${CC:-cc} -shared -fPIC -O2 -march=x86-64-v3 -mneeded -Wl,-soname,libv3.so.1 \
			-o "$ours/usr/lib/glibc-hwcaps/x86-64-v3/libv3.so.1" "$SCRATCH/v3.c" \
			2>/dev/null || rm -f "$ours/usr/lib/glibc-hwcaps/x86-64-v3/libv3.so.1"
	fi
	cp -R "$ours" "$ref"
	as_root sh -c "$(command -v "$qemu") \"\$1\" -r \"\$2\"" sh "$ref/sbin/ldconfig" "$ref" \
		>"$SCRATCH/ref.log" 2>&1
	check "$arch libc: elfpatch --ldconfig" "$ELFPATCH" --ldconfig --root "$ours"
	compare_trees "$arch libc" "$ref" "$ours"
	want=$(run_target "$qemu" "$ref/sbin/ldconfig" -r "$ours" -p 2>&1)
	got=$("$ELFPATCH" --print-cache --root "$ours" 2>&1)
	check_eq "$arch libc: --print-cache = ldconfig -p ($(echo "$got" | head -n 1))" "$want" "$got"
	# The loader finds libconf.so.1 through the cache, and only so.
	trace() {
		"$NOSTATX" "$qemu" -L "$1" -E LD_TRACE_LOADED_OBJECTS=1 "$1$interp" /usr/bin/prog 2>&1 |
			grep 'libconf\.so\.1'
	}
	check_eq "$arch libc: the target's ld.so finds libconf.so.1 through the cache" \
		"	libconf.so.1 => /opt/conf/lib/libconf.so.1" "$(trace "$ours" | sed 's/ (0x.*//')"
	rm "$ref/etc/ld.so.cache"
	check_eq "$arch libc: without the cache it does not" \
		"	libconf.so.1 => not found" "$(trace "$ref")"
	# ldconfig -c old and compat, on the tree without glibc-hwcaps (with
	# them, glibc 2.36 writes the old entries at the wrong index).
	for f in old compat; do
		o=$SCRATCH/deb-$t-$f-ours r=$SCRATCH/deb-$t-$f-ref
		cp -R "$deb" "$o" && cp -R "$DATA/deps/$t/root/." "$o/" && chmod -R u+w "$o" &&
			rm -f "$o/etc/ld.so.cache" && cp -R "$o" "$r" ||
			{ fail "$arch libc: make the root for --format $f"; continue; }
		as_root sh -c "$(command -v "$qemu") \"\$1\" -r \"\$2\" -c $f" sh \
			"$r/sbin/ldconfig" "$r" >"$SCRATCH/ref.log" 2>&1
		"$ELFPATCH" --ldconfig --format "$f" --root "$o"
		compare_trees "$arch libc, --format $f" "$r" "$o"
		check_eq "$arch libc, --format $f: --print-cache = ldconfig -p" \
			"$(run_target "$qemu" "$r/sbin/ldconfig" -r "$o" -p 2>&1)" \
			"$("$ELFPATCH" --print-cache --root "$o" 2>&1)"
		rm -rf "$o" "$r"
	done
done

# ---- --print-deps follows the cache ---------------------------------------
r=$SCRATCH/fx-armhf-ours
if [ -f "$r/etc/ld.so.cache" ]; then
	# The cache names /opt/conf/lib; ld.so.conf no longer does.
	: >"$r/etc/ld.so.conf.d/deps.conf"
	out=$("$ELFPATCH" --debug --print-deps --root "$r" "$r/usr/bin/prog" 2>&1)
	case $out in
	*"search cache=/etc/ld.so.cache"*"libconf.so.1 => /opt/conf/lib/libconf.so.1"*)
		pass "--print-deps finds libconf.so.1 through the cache, and --debug says so" ;;
	*)	fail "--print-deps finds libconf.so.1 through the cache, and --debug says so" "$out" ;;
	esac
	rm "$r/etc/ld.so.cache"
	out=$("$ELFPATCH" --print-deps --root "$r" "$r/usr/bin/prog" 2>&1)
	case $out in
	*"libconf.so.1 => not found"*) pass "... and without the cache, not" ;;
	*)	fail "... and without the cache, not" "$out" ;;
	esac
fi

# ---- bad input -------------------------------------------------------------
bad=$SCRATCH/bad
mkdir -p "$bad/etc"
if [ -f "$DATA/deps/ldcache/armhf.cache" ]; then
	head -c 100 "$DATA/deps/ldcache/armhf.cache" >"$bad/etc/ld.so.cache"
	out=$("$ELFPATCH" --print-cache --root "$bad" 2>&1)
	check_eq "--print-cache on a truncated cache: one line, exit 1" \
		"elfpatch: $bad/etc/ld.so.cache: more entries than the file holds:1" "$out:$?"
fi
printf 'ld.so-1.7.0\0\377\377\377\377' >"$bad/etc/ld.so.cache"
out=$("$ELFPATCH" --print-cache --root "$bad" 2>&1)
check_eq "--print-cache on an old-format header with a huge count" \
	"elfpatch: $bad/etc/ld.so.cache: more entries than the file holds:1" "$out:$?"
rm "$bad/etc/ld.so.cache"
ln -s /dev/null "$bad/etc/ld.so.cache"
check_fails "--ldconfig never replaces a link to a device" "$ELFPATCH" --ldconfig --root "$bad"
check_eq "... which is left as it was" "/dev/null" "$(readlink "$bad/etc/ld.so.cache")"

done_testing
