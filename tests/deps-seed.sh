#!/bin/sh
# deps-seed.sh: the seed scenario end to end on ARM (armhf).
#
# A root filesystem with the C library but without libgreet; the dynamic
# "hello" fixture in it.  --print-deps names libgreet.so.1 missing and
# exits 1; the program does not start under qemu; --install-missing copies
# libgreet from --library-path with its RPATH cleared; --print-deps is
# then happy, the program runs under qemu, and --compare against the
# static build prints the break-even.  Then the same with a root
# filesystem that lacks the C library too (break-even above 1), stripping,
# a chain of missing libraries, and what --install-missing refuses.
. "${top_srcdir:-.}/tests/lib.sh"

armhf_seed_setup
have_qemu=0
command -v qemu-arm >/dev/null 2>&1 && have_qemu=1

# rootfs DIR [with-libc]: the loader, maybe the C library, hello.
rootfs() {
	mkdir -p "$1/lib/$T" "$1/usr/bin" "$1/usr/lib" &&
	cp "$CROSS/ld-linux-armhf.so.3" "$1/lib/$T/" &&
	ln -s "$T/ld-linux-armhf.so.3" "$1/lib/ld-linux-armhf.so.3" &&
	{ [ -z "${2:-}" ] || cp "$CROSS/libc.so.6" "$1/lib/$T/"; } &&
	cp "$ARMHF/hello" "$1/usr/bin/hello"
}

run_hello() {	# root
	qemu-arm -L "$1" "$1/usr/bin/hello" 2>&1
}

R=$SCRATCH/rootfs
rootfs "$R" with-libc || { echo "Bail out! cannot make the root filesystem"; exit 99; }

# 1. What is missing.
OUT=$("$ELFPATCH" --print-deps --root "$R" "$R/usr/bin/hello" 2>/dev/null)
check_eq "--print-deps: exit status 1 while libgreet is missing" 1 $?
case $OUT in
*"	libgreet.so.1 => not found"*) pass "--print-deps: libgreet.so.1 => not found" ;;
*) fail "--print-deps: libgreet.so.1 => not found" "$OUT" ;;
esac
if [ $have_qemu = 1 ]; then
	OUT=$(run_hello "$R")
	case $OUT in
	*"libgreet.so.1: cannot open shared object file"*) pass "qemu: hello does not start yet" ;;
	*) fail "qemu: hello does not start yet" "$OUT" ;;
	esac
else
	skip "qemu: hello does not start yet" "qemu-arm not installed"
fi

# 2. Closing the gap.
OUT=$("$ELFPATCH" --install-missing /usr/lib --root "$R" --library-path "$ARMHF" \
	"$R/usr/bin/hello" 2>&1)
check_eq "--install-missing: exit status 0" 0 $?
check_eq "--install-missing: says what it copied" \
	"installed libgreet.so.1 -> /usr/lib/libgreet.so.1 (from $ARMHF/libgreet.so.1, $(wc -c <"$ARMHF/libgreet.so" | tr -d ' ') bytes; RPATH cleared)" \
	"$OUT"
check "--install-missing: a file, not a link" test -f "$R/usr/lib/libgreet.so.1" -a ! -L "$R/usr/lib/libgreet.so.1"
check_eq "--install-missing: the copy's RPATH is empty" "" \
	"$("$ELFPATCH" --print-rpath "$R/usr/lib/libgreet.so.1")"
check_eq "--install-missing: the source is untouched" \
	"$(expect_value armhf libgreet.so rpath)" "$("$ELFPATCH" --print-rpath "$ARMHF/libgreet.so")"
OUT=$("$ELFPATCH" --print-deps --root "$R" "$R/usr/bin/hello" 2>&1)
check_eq "--print-deps: exit status 0 now" 0 $?
case $OUT in
*"	libgreet.so.1 => /usr/lib/libgreet.so.1"*) pass "--print-deps: libgreet.so.1 => /usr/lib/libgreet.so.1" ;;
*) fail "--print-deps: libgreet.so.1 => /usr/lib/libgreet.so.1" "$OUT" ;;
esac
if [ $have_qemu = 1 ]; then
	check_eq "qemu: hello runs in the root filesystem" "hello from libgreet, world" "$(run_hello "$R")"
else
	skip "qemu: hello runs in the root filesystem" "qemu-arm not installed"
fi
OUT=$("$ELFPATCH" --install-missing /usr/lib --root "$R" --library-path "$ARMHF" "$R/usr/bin/hello")
check_eq "--install-missing again: nothing to install" "nothing to install" "$OUT"

# 3. The footprint: the static build against the dynamic one.
S=$ARMHF/hello-static
rm "$R/usr/lib/libgreet.so.1"
OUT=$("$ELFPATCH" --compare "$S" "$R/usr/bin/hello" --root "$R" --library-path "$ARMHF" 2>&1)
check_eq "--compare: exit status 0" 0 $?
case $OUT in
*"static: "*" B each; dynamic: "*" B each + 1 shared library of "*" not in the rootfs; dynamic wins from "*)
	pass "--compare: the break-even line" ;;
*) fail "--compare: the break-even line" "$OUT" ;;
esac
# break_even JSON: recomputed here from the JSON's own figures.
break_even() {	# json
	printf '%s' "$1" | jq -r '
		(.per_program_static - .per_program_dynamic) as $gain
		| "\(.break_even) \((.libraries_not_in_root_size / $gain | floor) + 1)"'
}
if [ $have_jq = 1 ]; then
	J=$("$ELFPATCH" --json --compare "$S" "$R/usr/bin/hello" --root "$R" --library-path "$ARMHF")
	check_eq "--compare --json: the static file's size" "$(wc -c <"$S" | tr -d ' ')" \
		"$(printf '%s' "$J" | jq .static.size)"
	check_eq "--compare --json: libgreet is the one library not in the rootfs" "libgreet.so.1" \
		"$(printf '%s' "$J" | jq -r '[.libraries[] | select(.in_root | not) | .name] | join(" ")')"
	check_eq "--compare --json: libc.so.6 is in the rootfs" "true" \
		"$(printf '%s' "$J" | jq '.libraries[] | select(.name == "libc.so.6") | .in_root')"
	set -- $(break_even "$J")
	check_eq "--compare --json: break-even = libraries / (static - dynamic) + 1" "$2" "$1"
else
	for n in 1 2 3 4; do skip "--compare --json $n" "jq not installed"; done
fi

# A root filesystem without the C library: it comes from the cross
# sysroot, counted once, and dynamic linking pays off later.
B=$SCRATCH/bare
rootfs "$B"
OUT=$("$ELFPATCH" --compare "$S" "$B/usr/bin/hello" --root "$B" --library-path "$ARMHF:$CROSS" 2>&1)
case $OUT in
*"+ 2 shared libraries of "*" not in the rootfs; dynamic wins from "*" programs"*)
	pass "--compare without libc in the rootfs: 2 libraries to pay for" ;;
*) fail "--compare without libc in the rootfs: 2 libraries to pay for" "$OUT" ;;
esac
if [ $have_jq = 1 ]; then
	J=$("$ELFPATCH" --json --compare "$S" "$B/usr/bin/hello" --root "$B" --library-path "$ARMHF:$CROSS")
	set -- $(break_even "$J")
	check_eq "--compare without libc: break-even recomputed" "$2" "$1"
	case $1 in
	[2-9]|[1-9][0-9]*) pass "--compare without libc: more than one program needed ($1)" ;;
	*) fail "--compare without libc: more than one program needed" "$1" ;;
	esac
else
	skip "--compare without libc: break-even recomputed" "jq not installed"
	skip "--compare without libc: more than one program needed" "jq not installed"
fi

# 4. Installing the C library too, stripped.
OUT=$("$ELFPATCH" --install-missing /lib/$T --strip-all --root "$B" --library-path "$ARMHF:$CROSS" \
	"$B/usr/bin/hello" 2>&1)
check_eq "--install-missing --strip-all: exit status 0" 0 $?
case $OUT in
*"installed libgreet.so.1 -> /lib/$T/libgreet.so.1"*"stripped"*"installed libc.so.6 -> /lib/$T/libc.so.6"*|\
*"installed libc.so.6 -> /lib/$T/libc.so.6"*"installed libgreet.so.1 -> /lib/$T/libgreet.so.1"*"stripped"*)
	pass "--install-missing: libgreet and libc installed" ;;
*) fail "--install-missing: libgreet and libc installed" "$OUT" ;;
esac
if LC_ALL=C readelf -SW "$B/lib/$T/libgreet.so.1" | grep -q '\.symtab'; then
	fail "--strip-all: the installed libgreet has no .symtab"
else
	pass "--strip-all: the installed libgreet has no .symtab"
fi
check "--strip-all: smaller than the source" test "$(wc -c <"$B/lib/$T/libgreet.so.1")" -lt \
	"$(wc -c <"$ARMHF/libgreet.so")"
if [ $have_qemu = 1 ]; then
	check_eq "qemu: hello runs in the once bare root filesystem" "hello from libgreet, world" \
		"$(run_hello "$B")"
else
	skip "qemu: hello runs in the once bare root filesystem" "qemu-arm not installed"
fi

# 5. A chain: a library found on --library-path needs one more.
C=$SCRATCH/chain
cp -R "$DATA/deps/armhf/root" "$C" && chmod -R u+w "$C" && rootfs "$C" with-libc
L=$SCRATCH/buildout
mkdir -p "$L" && mv "$C/usr/lib/chain/libB.so.1" "$C/usr/lib/chain/libC.so.1" "$L/"
OUT=$("$ELFPATCH" --install-missing /usr/lib --root "$C" --library-path "$L" "$C/usr/bin/prog-ok" 2>&1)
check_eq "--install-missing: libB, then the libC it needs" "0 libB.so.1 libC.so.1" \
	"$? $(printf '%s\n' "$OUT" | sed -n 's/^installed \([^ ]*\) .*/\1/p' | tr '\n' ' ' | sed 's/ $//')"
check "--install-missing: prog-ok resolves in the root now" \
	"$ELFPATCH" --print-deps --root "$C" "$C/usr/bin/prog-ok"

# 6. What it refuses or cannot do.
D=$SCRATCH/dry
rootfs "$D" with-libc
OUT=$("$ELFPATCH" --dry-run --install-missing /usr/lib --root "$D" --library-path "$ARMHF" \
	"$D/usr/bin/hello" 2>&1)
check "--dry-run: says what it would install" test "${OUT#would install libgreet.so.1 -> /usr/lib/libgreet.so.1}" != "$OUT"
check "--dry-run: installs nothing" test ! -e "$D/usr/lib/libgreet.so.1"
check_fails "--install-missing into a directory the loader does not search" \
	"$ELFPATCH" --install-missing /opt/elsewhere --root "$D" --library-path "$ARMHF" "$D/usr/bin/hello"
check_fails "--install-missing: what --library-path lacks stays missing" \
	"$ELFPATCH" --install-missing /usr/lib --root "$D" --library-path "$SCRATCH/empty" "$D/usr/bin/hello"

done_testing
