#!/bin/sh
# Libraries renamed by --rename-dynamic-symbols load, and their symbols
# resolve: the programs of data/syms run under qemu-user with the target's
# sysroot (-L /usr/<triplet>: qemu-arm, qemu-aarch64, qemu-ppc,
# qemu-s390x) and natively on x86-64, against the renamed library; the
# control runs show that they fail without the rename.  Every target's
# hello fails with greet renamed and runs again with it renamed back.
# Skipped without qemu-arm and qemu-aarch64 (a target whose sysroot is
# missing is skipped by data/run-fixture.sh).
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/edit-lib.sh"

need_cmd qemu-arm qemu-aarch64

SYMS=$DATA/syms
M=$SCRATCH/map
printf 'sym_old sym_new\n' >"$M.same"
printf 'sym_old sym_renamed_to_a_much_longer_name\n' >"$M.long"
printf 'sym_renamed_to_a_much_longer_name sym_new\n' >"$M.short"
printf 'sym_old sym_new\nsym_a sym_b\nsym_b sym_a\n' >"$M.swap"
printf 'sym_old sym_a\n' >"$M.import"
printf 'greet greet_renamed\n' >"$M.greet"
printf 'greet_renamed greet\n' >"$M.back"
OUT="sym_new(1) = 42, sym_total() = 277"

# setup T: $D, a directory with the target's symbol fixtures.
setup() {
	D=$SCRATCH/$1
	rm -rf "$D" && mkdir "$D" && cp "$SYMS/$1"/* "$D" && chmod u+w "$D"/* || exit 99
}

# rename NAME MAP FILE [ARGS...]: one edit that must succeed.
rename() {
	_n=$1 _m=$2 _f=$3
	shift 3
	check_run "$_n" "$@" --rename-dynamic-symbols "$_m" "$_f"
}

for t in armhf aarch64 x86_64 ppc s390x; do
	setup "$t"
	run_fails "$t: prog fails with the library as built (no sym_new)" "$t" "$D/prog" "$D"
	rename "$t: sym_old -> sym_new in place" "$M.same" "$D/libsym.so.1"
	run_program "$t: prog runs with sym_old renamed in place" "$OUT" "$t" "$D/prog" "$D"

	setup "$t"
	rename "$t: to a longer name (growth)" "$M.long" "$D/libsym.so.1"
	run_fails "$t: prog fails with the longer name" "$t" "$D/prog" "$D"
	rename "$t: then to sym_new" "$M.short" "$D/libsym.so.1"
	run_program "$t: prog runs with the library grown and renamed twice" "$OUT" "$t" \
		"$D/prog" "$D"

	setup "$t"
	rename "$t: sym_old -> sym_new, sym_a and sym_b swapped" "$M.swap" "$D/libsym.so.1"
	run_program "$t: prog runs with sym_a and sym_b swapped" "$OUT" "$t" "$D/prog" "$D"

	# Found through .dynamic alone.
	setup "$t"
	check_run "$t: --strip-section-headers" --strip-section-headers "$D/libsym.so.1"
	rename "$t: sym_old -> sym_new without section headers" "$M.same" "$D/libsym.so.1"
	run_program "$t: prog runs with the library renamed without section headers" "$OUT" \
		"$t" "$D/prog" "$D"

	# An import of the program: it calls sym_a (1 + 1) instead.
	setup "$t"
	rename "$t: prog-old's import sym_old -> sym_a" "$M.import" "$D/prog-old"
	run_program "$t: prog-old calls sym_a" "sym_old(1) = 2" "$t" "$D/prog-old" "$D"
done

for t in $TARGETS; do
	D=$SCRATCH/greet-$t
	mkdir "$D" && cp "$FIXTURES/$t/libgreet.so" "$D" && chmod u+w "$D/libgreet.so" &&
		ln -s libgreet.so "$D/libgreet.so.1" || exit 99
	rename "$t: greet -> greet_renamed" "$M.greet" "$D/libgreet.so"
	run_fails "$t: hello fails with greet renamed" "$t" hello "$D"
	rename "$t: greet_renamed -> greet" "$M.back" "$D/libgreet.so"
	run_program "$t: hello runs with greet renamed back" "hello from libgreet, world" "$t" \
		hello "$D"
done

done_testing
