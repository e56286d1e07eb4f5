#!/bin/sh
# The patched programs run (under qemu-user, x86_64 natively) and find
# their library where the edit says: through an emptied or removed RPATH
# plus LD_LIBRARY_PATH, through a new $ORIGIN RPATH alone, under a
# replaced DT_NEEDED name.  Each case that relies on the edit has a
# control: the unedited program fails the same way.  Runs are skipped
# when qemu or the target's sysroot is missing (run-fixture.sh exits 77).
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/edit-lib.sh"

HELLO="hello from libgreet, world"

# edited NAME SRC DST ARGS...: DST is SRC edited by ARGS (a TAP line).
edited() {
	_n=$1 _src=$2 _dst=$3
	shift 3
	mkdir -p "${_dst%/*}"
	fresh "$_src" "$_dst"
	check_run "$_n" "$@" "$_dst"
}

# no_section_headers FILE: zeroes e_shoff, e_shnum and e_shstrndx.
no_section_headers() {
	case $(od -An -tu1 -j4 -N1 "$1" | tr -d ' ') in
	2) _shoff=40 _shoffsz=8 _shnum=60 ;;
	*) _shoff=32 _shoffsz=4 _shnum=48 ;;
	esac
	dd if=/dev/zero of="$1" bs=1 seek=$_shoff count=$_shoffsz conv=notrunc 2>/dev/null &&
		dd if=/dev/zero of="$1" bs=1 seek=$_shnum count=4 conv=notrunc 2>/dev/null || exit 99
}

for t in $TARGETS; do
	lib=$FIXTURES/$t/libgreet.so
	L=$SCRATCH/$t/lib
	mkdir -p "$L"
	cp "$lib" "$L/libgreet.so.1"

	for f in hello hello-nopie hello-runpath; do
		[ -f "$FIXTURES/$t/$f" ] || continue
		id=$t/$f
		orig=$FIXTURES/$t/$f

		# RPATH emptied: found through LD_LIBRARY_PATH.
		edited "$id --set-rpath ''" "$orig" "$SCRATCH/$t/empty/$f" --set-rpath ''
		run_program "$id --set-rpath '': runs" "$HELLO" "$t" "$SCRATCH/$t/empty/$f" "$L"

		# RPATH removed.
		edited "$id --remove-rpath" "$orig" "$SCRATCH/$t/removed/$f" --remove-rpath
		run_program "$id --remove-rpath: runs" "$HELLO" "$t" "$SCRATCH/$t/removed/$f" "$L"
	done

	orig=$FIXTURES/$t/hello
	id=$t/hello

	# RPATH $ORIGIN, the library beside the program, no LD_LIBRARY_PATH.
	O=$SCRATCH/$t/origin
	mkdir -p "$O"
	cp "$lib" "$O/libgreet.so.1"
	fresh "$orig" "$O/unedited"
	run_fails "$id control: not found without \$ORIGIN" "$t" "$O/unedited" /nonexistent
	edited "$id --set-rpath '\$ORIGIN'" "$orig" "$O/hello" --set-rpath '$ORIGIN'
	run_program "$id --set-rpath '\$ORIGIN': finds libgreet through RPATH" "$HELLO" "$t" \
		"$O/hello" /nonexistent

	# DT_NEEDED renamed: only libgreet.so (no .so.1) in the library dir.
	N=$SCRATCH/$t/renamed
	mkdir -p "$N"
	cp "$lib" "$N/libgreet.so"
	fresh "$orig" "$N/unedited"
	run_fails "$id control: libgreet.so.1 not found" "$t" "$N/unedited" "$N"
	edited "$id --replace-needed libgreet.so.1 libgreet.so" "$orig" "$N/hello" \
		--replace-needed libgreet.so.1 libgreet.so
	run_program "$id --replace-needed: runs with libgreet.so" "$HELLO" "$t" "$N/hello" "$N"

	# A dependency added in the room --remove-rpath made.
	edited "$id --remove-rpath --add-needed libm.so.6" "$orig" "$SCRATCH/$t/added/hello" \
		--remove-rpath --add-needed libm.so.6
	run_program "$id --remove-rpath --add-needed libm.so.6: runs" "$HELLO" "$t" \
		"$SCRATCH/$t/added/hello" "$L"

	# Without section headers: everything is found through PT_DYNAMIC.
	X=$SCRATCH/$t/noshdr
	mkdir -p "$X"
	fresh "$orig" "$X/orig"
	no_section_headers "$X/orig"
	set_base "$X/orig"
	inspect "$X/orig"
	xneeded=$R_NEEDED
	edited "$id without section headers: --set-rpath ''" "$X/orig" "$X/empty" --set-rpath ''
	check_edit "$id without section headers: --set-rpath ''" "$X/empty"
	check_eq "$id without section headers: RPATH empty" "RPATH=" "$R_RPATH"
	check_absent "$id without section headers: old path gone" buildroot-2026.02 "$X/empty"
	run_program "$id without section headers: --set-rpath '': runs" "$HELLO" "$t" "$X/empty" "$L"
	edited "$id without section headers: --remove-rpath --add-needed libm.so.6" "$X/orig" \
		"$X/added" --remove-rpath --add-needed libm.so.6
	check_edit "$id without section headers: --remove-rpath --add-needed" "$X/added"
	check_eq "$id without section headers: --remove-rpath --add-needed: values" \
		"none|libm.so.6 $xneeded" "$R_RPATH|$R_NEEDED"
	run_program "$id without section headers: --remove-rpath --add-needed: runs" "$HELLO" \
		"$t" "$X/added" "$L"

	# The edited library serves the unedited program.
	edited "$t/libgreet.so --remove-rpath --set-soname libg.so.1" "$lib" \
		"$SCRATCH/$t/elib/libgreet.so.1" --remove-rpath --set-soname libg.so.1
	run_program "$id with the edited libgreet.so: runs" "$HELLO" "$t" "$orig" "$SCRATCH/$t/elib"
done

# The seed scenario end to end: an ARM hard-float program that leaked a
# host build directory into its RPATH, cleared in place, runs on the
# target (here qemu-arm with the Debian armhf sysroot).
S=$SCRATCH/seed
mkdir -p "$S"
fresh "$FIXTURES/armhf/hello" "$S/hello"
cp "$FIXTURES/armhf/libgreet.so" "$S/libgreet.so.1"
inspect "$S/hello"
check "seed: armhf hello has a host RPATH" test "$R_RPATH" = \
	"RPATH=$(expect_value armhf hello rpath)"
check_run "seed: elfpatch --set-rpath ''" --set-rpath '' "$S/hello"
inspect "$S/hello"
check_eq "seed: RPATH now empty" "RPATH=" "$R_RPATH"
check_absent "seed: no trace of the host path" buildroot-2026.02 "$S/hello"
run_program "seed: runs under qemu-arm" "$HELLO" armhf "$S/hello" "$S"

done_testing
