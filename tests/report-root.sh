#!/bin/sh
# report-root.sh: --report with --root, the deployed cost of each program.
#
# An armhf root filesystem with the loader and the C library but without
# libgreet; the dynamic "hello" fixture twice (two files, two inodes), the
# static one, and libgreet on --library-path.  Expected numbers come from
# stat(1) on the files and from GNU strip's result, never from elfpatch:
# each program costs its own size; libgreet is charged to the first program
# that loads it and only noted for the second; a library given as a FILE
# is counted in its own row; a library the root already holds costs
# nothing; an edit that drops the DT_NEEDED entry drops the charge (the
# file is resolved as written).
. "${top_srcdir:-.}/tests/lib.sh"

armhf_seed_setup

size() { stat -L -c %s "$1"; }

R=$SCRATCH/root
B=$SCRATCH/build
mkdir -p "$R/lib/$T" "$R/usr/lib" "$B" &&
cp "$CROSS/ld-linux-armhf.so.3" "$CROSS/libc.so.6" "$R/lib/$T/" &&
ln -s "$T/ld-linux-armhf.so.3" "$R/lib/ld-linux-armhf.so.3" &&
cp "$ARMHF/hello" "$B/hello" && cp "$ARMHF/hello" "$B/hello2" &&
cp "$ARMHF/hello-static" "$B/hello-static" ||
	{ echo "Bail out! cannot make the root filesystem"; exit 99; }

H=$(size "$B/hello") S=$(size "$B/hello-static") L=$(size "$ARMHF/libgreet.so.1")

# row FILE: "own libraries deployed" of FILE's row in the deployed table.
row() {
	printf '%s\n' "$OUT" | sed -n '/^deployed in /,$p' |
		awk -v f="$1" '$4 == f && NF == 4 { print $1, $2, $3 }'
}

# 1. Two programs needing the same missing library, and a static one.
OUT=$("$ELFPATCH" --report --root "$R" --library-path "$ARMHF" \
	"$B/hello" "$B/hello2" "$B/hello-static" 2>"$SCRATCH/err")
check_eq "exit status 0" 0 $?
check_eq "no message on stderr" "" "$(cat "$SCRATCH/err")"
check_eq "first program: own size + libgreet" "$H $L $((H + L))" "$(row "$B/hello")"
check_eq "second program: libgreet not charged again" "$H 0 $H" "$(row "$B/hello2")"
check_eq "static program: no libraries" "$S 0 $S" "$(row "$B/hello-static")"
check_eq "total: each library once" "$((2 * H + S)) $L $((2 * H + S + L))" "$(row total)"
case $OUT in
*"+ libgreet.so.1  $L  ($ARMHF/libgreet.so.1)"*) pass "the charged library is named with its size and place" ;;
*) fail "the charged library is named with its size and place" "$OUT" ;;
esac
case $OUT in
*"= libgreet.so.1  counted above"*) pass "the second program says libgreet was counted above" ;;
*) fail "the second program says libgreet was counted above" "$OUT" ;;
esac
case $OUT in
*libc.so.6*|*ld-linux*) fail "libraries the root holds are not listed" "$OUT" ;;
*) pass "libraries the root holds are not listed" ;;
esac
check "report alone changes nothing" cmp -s "$ARMHF/hello" "$B/hello"

# 2. The same as JSON.
if [ $have_jq = 1 ]; then
	J=$("$ELFPATCH" --json --root "$R" --library-path "$ARMHF" \
		"$B/hello" "$B/hello2" "$B/hello-static" 2>/dev/null)
	check_eq "json: first program's libraries" "$L" \
		"$(printf '%s' "$J" | jq '.files[0].deployed.libraries')"
	check_eq "json: libgreet charged to the first program" "here $L" \
		"$(printf '%s' "$J" | jq -r '.files[0].deployed.needs[0] | "\(.counted) \(.size)"')"
	check_eq "json: and counted earlier for the second" "earlier" \
		"$(printf '%s' "$J" | jq -r '.files[1].deployed.needs[0].counted')"
	check_eq "json: total deployed" "$((2 * H + S + L))" \
		"$(printf '%s' "$J" | jq '.total.deployed.total')"
	check_eq "json: root" "$R" "$(printf '%s' "$J" | jq -r '.root')"
else
	for n in libraries charged earlier total root; do
		skip "json: $n" "jq not installed"
	done
fi

# 3. The library is itself one of the FILEs: its own row counts it.
OUT=$("$ELFPATCH" --report --root "$R" --library-path "$ARMHF" \
	"$B/hello" "$ARMHF/libgreet.so.1" 2>/dev/null)
check_eq "library given as FILE: program not charged for it" "$H 0 $H" "$(row "$B/hello")"
check_eq "library given as FILE: counted once in the total" "$((H + L)) 0 $((H + L))" "$(row total)"
case $OUT in
*"= libgreet.so.1  counted in its own row"*) pass "library given as FILE: said so" ;;
*) fail "library given as FILE: said so" "$OUT" ;;
esac

# 4. Not found: a warning, listed, not counted; the report still succeeds.
OUT=$("$ELFPATCH" --report --root "$R" "$B/hello" 2>"$SCRATCH/err")
check_eq "not found: exit status 0" 0 $?
check_eq "not found: one warning" \
	"elfpatch: $B/hello: warning: libgreet.so.1 not found: its size is not counted" \
	"$(cat "$SCRATCH/err")"
check_eq "not found: nothing charged" "$H 0 $H" "$(row "$B/hello")"
case $OUT in
*"! libgreet.so.1  not found, not counted"*) pass "not found: listed" ;;
*) fail "not found: listed" "$OUT" ;;
esac

# 5. The root holds the library: nothing to add.
cp "$ARMHF/libgreet.so.1" "$R/usr/lib/libgreet.so.1"
OUT=$("$ELFPATCH" --report --root "$R" --library-path "$ARMHF" "$B/hello" 2>/dev/null)
check_eq "library in the root: costs nothing" "$H 0 $H" "$(row "$B/hello")"
rm "$R/usr/lib/libgreet.so.1"

# 6. Resolved as written: an edit that drops the need drops the charge.
cp "$ARMHF/hello" "$B/edited"
OUT=$("$ELFPATCH" --remove-needed libgreet.so.1 --report --root "$R" --library-path "$ARMHF" \
	"$B/edited" 2>/dev/null)
check_eq "after --remove-needed: nothing charged" "$H 0 $H" "$(row "$B/edited")"

# 7. Stripping the programs counts the libraries stripped too (as GNU strip
# would leave them), and the program at its stripped size.
STRIP=$T-strip
if command -v "$STRIP" >/dev/null 2>&1; then
	"$STRIP" --strip-all -o "$SCRATCH/lib.s" "$ARMHF/libgreet.so.1"
	cp "$ARMHF/hello-debug" "$B/hello-debug"
	"$STRIP" --strip-all -o "$SCRATCH/hello.s" "$B/hello-debug"
	LS=$(size "$SCRATCH/lib.s") HS=$(size "$SCRATCH/hello.s")
	OUT=$("$ELFPATCH" --strip-all --report --root "$R" --library-path "$ARMHF" \
		"$B/hello-debug" 2>/dev/null)
	check_eq "--strip-all: program and library at their stripped sizes" \
		"$HS $LS $((HS + LS))" "$(row "$B/hello-debug")"
	case $OUT in
	*"(libraries it lacks, each counted once, stripped)"*) pass "--strip-all: the heading says stripped" ;;
	*) fail "--strip-all: the heading says stripped" "$OUT" ;;
	esac
	"$STRIP" --strip-debug -o "$SCRATCH/lib.d" "$ARMHF/libgreet.so.1"
	cp "$ARMHF/hello-debug" "$B/hello-debug"
	"$STRIP" --strip-debug -o "$SCRATCH/hello.d" "$B/hello-debug"
	LD=$(size "$SCRATCH/lib.d") HD=$(size "$SCRATCH/hello.d")
	OUT=$("$ELFPATCH" --strip --report --root "$R" --library-path "$ARMHF" \
		"$B/hello-debug" 2>/dev/null)
	check_eq "--strip: program and library stripped of debug information only" \
		"$HD $LD $((HD + LD))" "$(row "$B/hello-debug")"
else
	skip "--strip: program and library stripped of debug information only" "$STRIP not installed"
	skip "--strip-all: program and library at their stripped sizes" "$STRIP not installed"
	skip "--strip-all: the heading says stripped" "$STRIP not installed"
fi

# 8. --root without a command that uses it is a usage error.
"$ELFPATCH" --root "$R" "$B/hello" >/dev/null 2>"$SCRATCH/err"
check_eq "--root alone: exit status 2" 2 $?
check_eq "--root alone: says what it needs" \
	"elfpatch: --root and --library-path need --print-deps, --install-missing, --compare, --report or --build-resolution-cache" \
	"$(cat "$SCRATCH/err")"

done_testing
