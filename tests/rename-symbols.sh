#!/bin/sh
# --rename-dynamic-symbols, read back with readelf and eu-elflint: the new
# names with their versions and values, every relocation still naming the
# same symbol after the reordering DT_GNU_HASH needs, only the tables of
# the rename written, in place or grown; the same as patchelf 0.18+ where
# one is installed; refusals that leave the file as it was.  That the
# renamed files load and resolve is tests/rename-run.sh's part.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/edit-lib.sh"

SYMS=$DATA/syms
SYM_TARGETS="armhf aarch64 x86_64 ppc s390x"
POKE=${POKE:-$top_builddir/tests/poke}
W=$SCRATCH/w
M=$SCRATCH/map
printf 'sym_old sym_new\n' >"$M.same"
printf 'sym_old sym_renamed_to_a_much_longer_name\n' >"$M.long"
printf 'sym_old sym_new\nsym_a sym_b\nsym_b sym_a\n' >"$M.swap"
printf 'no_such_symbol other_name\n' >"$M.absent"
printf 'sym_old sym_a\n' >"$M.import"

# syms FILE: each dynamic symbol as "value size type bind vis ndx
# name@version", sorted: what a rename must keep, apart from the names.
syms() {
	readelf --dyn-syms -W "$1" | awk 'NR > 3 && NF >= 8 { $1 = ""; print }' | sort
}

# relocs FILE: each dynamic relocation as "offset type symbol", sorted:
# after a reordering, each must still name the symbol it named.
relocs() {
	readelf -rW "$1" | awk '$1 ~ /^[0-9a-f]+$/ && NF >= 3 {
		s = ($4 ~ /^[0-9a-f]+$/) ? $5 : ""; print $1, $3, s }' | sort
}

# renamed SED FILE: syms (or relocs, with RELOCS=1) of FILE with the
# names changed by the sed script SED: what the renamed file must show.
renamed() {
	if [ "${RELOCS:-0}" = 1 ]; then relocs "$2"; else syms "$2"; fi | sed "$1" | sort
}

# regions FILE: "offset size" of the sections a rename may write.
regions() {
	readelf -SW "$1" | sed 's/^ *\[ *[0-9]*\] *//' | awk '
		$1 ~ /^\.(dynstr|dynsym|gnu\.version|hash|gnu\.hash|rela?\.(dyn|plt))$/ {
			print $4, $5 }' | while read -r _o _s; do
		printf '%d %d ' "$((0x$_o))" "$((0x$_s))"
	done
}

# same_as_patchelf NAME ORIG MAP: patchelf (0.18 or later) on ORIG gives
# the symbols elfpatch gave ($W), section indices apart (patchelf renumbers
# the sections it moves).  Skipped without such a patchelf, or where it
# fails (0.19 on s390x: ".hash table header out of range").
same_as_patchelf() {
	if [ "$HAVE_PATCHELF" != yes ] ||
		! patchelf --help 2>&1 | grep -q -e --rename-dynamic-symbols; then
		skip "$1" "no patchelf with --rename-dynamic-symbols"
		return
	fi
	rm -f "$SCRATCH/.pe"
	if ! patchelf --rename-dynamic-symbols "$3" --output "$SCRATCH/.pe" "$2" \
		>"$SCRATCH/.pout" 2>&1; then
		skip "$1" "patchelf failed: $(head -n1 "$SCRATCH/.pout")"
		return
	fi
	check_eq "$1" "$(syms "$SCRATCH/.pe" | cut -d' ' -f2-6,8-)" "$(syms "$W" | cut -d' ' -f2-6,8-)"
}

# refused NAME WHO FILE ARGS...: elfpatch exits 1 with one line
# "elfpatch: WHO: ..." and leaves FILE byte-identical.
refused() {
	_n=$1 _who=$2 _f=$3
	shift 3
	_sum=$(sum "$_f")
	"$ELFPATCH" "$@" "$_f" >"$SCRATCH/.out" 2>"$SCRATCH/.err"
	_st=$?
	_lines=$(wc -l <"$SCRATCH/.err")
	_line=$(head -n1 "$SCRATCH/.err")
	case "$_st $_lines $_line" in
	"1 1 elfpatch: $_who: "*) pass "$_n: exit 1, one line" ;;
	*) fail "$_n: exit 1, one line" "exit status $_st" "$(cat "$SCRATCH/.err")" ;;
	esac
	check_unchanged "$_n: file unchanged" "$_sum" "$_f"
}

for t in $SYM_TARGETS; do
	orig=$SYMS/$t/libsym.so.1
	id=$t/libsym.so.1
	set_base "$orig"
	size=$(wc -c <"$orig")
	oregions=$(regions "$orig")

	# A name of the same length goes over the old one: no growth.
	fresh "$orig" "$W"
	check_run "$id sym_old -> sym_new" --rename-dynamic-symbols "$M.same" "$W"
	check_edit "$id sym_old -> sym_new" "$W"
	check_eq "$id sym_old -> sym_new: symbols, versions and values" \
		"$(renamed 's/ sym_old@/ sym_new@/' "$orig")" "$(syms "$W")"
	check_eq "$id sym_old -> sym_new: each relocation names the same symbol" \
		"$(RELOCS=1 renamed 's/ sym_old@/ sym_new@/' "$orig")" "$(relocs "$W")"
	check_eq "$id sym_old -> sym_new: in place" "$size" "$(wc -c <"$W")"
	# shellcheck disable=SC2086
	check_bytes "$id sym_old -> sym_new: only the symbol and hash tables change" \
		"$orig" "$W" 100000 $oregions
	check "$id sym_old -> sym_new: the symbols were reordered" \
		test "$(readelf --dyn-syms -W "$orig" | awk '$8 ~ /^sym_old@/ { print $1 }')" != \
		"$(readelf --dyn-syms -W "$W" | awk '$8 ~ /^sym_new@/ { print $1 }')"
	same_as_patchelf "$id sym_old -> sym_new: same symbols as patchelf" "$orig" "$M.same"
	cp "$W" "$SCRATCH/inplace"

	# A longer one needs room: .dynstr grows.
	fresh "$orig" "$W"
	check_run "$id longer name" --rename-dynamic-symbols "$M.long" "$W"
	check_edit "$id longer name" "$W"
	check_eq "$id longer name: symbols" \
		"$(renamed 's/ sym_old@/ sym_renamed_to_a_much_longer_name@/' "$orig")" "$(syms "$W")"
	check "$id longer name: the file grew" test "$(wc -c <"$W")" -gt "$size"
	fresh "$orig" "$W"
	check_refused "$id longer name, --no-grow" "$(sum "$W")" "$W" --no-grow \
		--rename-dynamic-symbols "$M.long"
	check "$id longer name, --no-grow: says how many bytes are missing" \
		grep -q 'missing' "$SCRATCH/.eout"

	# Names that trade places, and one renamed onto another's old name.
	fresh "$orig" "$W"
	check_run "$id swap sym_a and sym_b" --rename-dynamic-symbols "$M.swap" "$W"
	check_edit "$id swap sym_a and sym_b" "$W"
	check_eq "$id swap sym_a and sym_b: symbols" \
		"$(renamed 's/ sym_old@/ sym_new@/; s/ sym_a@/ sym_X@/; s/ sym_b@/ sym_a@/; s/ sym_X@/ sym_b@/' \
			"$orig")" "$(syms "$W")"
	check_eq "$id swap sym_a and sym_b: relocations" \
		"$(RELOCS=1 renamed 's/ sym_old@/ sym_new@/; s/ sym_a@/ sym_X@/; s/ sym_b@/ sym_a@/; s/ sym_X@/ sym_b@/' \
			"$orig")" "$(relocs "$W")"

	# Nothing to rename: nothing written.
	fresh "$orig" "$W"
	check_run "$id absent name" --rename-dynamic-symbols "$M.absent" "$W"
	check_unchanged "$id absent name: file unchanged" "$(sum "$orig")" "$W"
	fresh "$orig" "$W"
	check_run "$id --dry-run" --dry-run --rename-dynamic-symbols "$M.same" "$W"
	check_unchanged "$id --dry-run: file unchanged" "$(sum "$orig")" "$W"
	check "$id --dry-run: says .dynsym would be written" grep -q 'dynsym' "$SCRATCH/.eout"
	fresh "$orig" "$W"
	rm -f "$SCRATCH/out"
	check_run "$id --output" --rename-dynamic-symbols "$M.same" --output "$SCRATCH/out" "$W"
	check_unchanged "$id --output: input unchanged" "$(sum "$orig")" "$W"
	check "$id --output: the in-place result" cmp "$SCRATCH/inplace" "$SCRATCH/out"

	# An undefined symbol (an import) of a program.
	porig=$SYMS/$t/prog-old
	set_base "$porig"
	fresh "$porig" "$W"
	check_run "$t/prog-old import sym_old -> sym_a" --rename-dynamic-symbols "$M.import" "$W"
	check_edit "$t/prog-old import sym_old -> sym_a" "$W"
	check_eq "$t/prog-old import sym_old -> sym_a: symbols" \
		"$(renamed 's/ sym_old@/ sym_a@/' "$porig")" "$(syms "$W")"
	same_as_patchelf "$t/prog-old import: same symbols as patchelf" "$porig" "$M.import"
done

# libgreet.so of every target (DT_GNU_HASH only): greet and back.
printf 'greet greet_renamed\n' >"$M.greet"
printf 'greet_renamed greet\n' >"$M.back"
for t in $TARGETS; do
	orig=$FIXTURES/$t/libgreet.so
	id=$t/libgreet.so
	set_base "$orig"
	fresh "$orig" "$W"
	check_run "$id greet -> greet_renamed" --rename-dynamic-symbols "$M.greet" "$W"
	check_edit "$id greet -> greet_renamed" "$W"
	check_eq "$id greet -> greet_renamed: symbols" \
		"$(renamed 's/ greet$/ greet_renamed/' "$orig")" "$(syms "$W")"
	check_run "$id and back" --rename-dynamic-symbols "$M.back" "$W"
	check_edit "$id and back" "$W"
	check_eq "$id and back: the symbols it had" "$(syms "$orig")" "$(syms "$W")"
done

# ---- refused: one line, exit 1, the file as it was --------------------

L=$SCRATCH/lib.so
cp "$SYMS/x86_64/libsym.so.1" "$L" && chmod u+w "$L" || exit 99
printf 'sym_old\n' >"$M.one"
printf 'sym_old sym_new extra\n' >"$M.three"
printf 'sym_old@LIBSYM_1.0 sym_new\n' >"$M.version"
printf 'sym_old sym_new\n\nsym_a x\nsym_old y\n' >"$M.twice"
printf 'sym_old sym_new\0\n' >"$M.nul"
refused "map: a line with one name" "$M.one:1" "$L" --rename-dynamic-symbols "$M.one"
refused "map: a line with three names" "$M.three:1" "$L" --rename-dynamic-symbols "$M.three"
refused "map: a name with a version" "$M.version:1" "$L" --rename-dynamic-symbols "$M.version"
refused "map: a name renamed twice" "$M.twice:4" "$L" --rename-dynamic-symbols "$M.twice"
refused "map: a NUL byte" "$M.nul" "$L" --rename-dynamic-symbols "$M.nul"
refused "map: missing" "$M.missing" "$L" --rename-dynamic-symbols "$M.missing"
fresh "$FIXTURES/x86_64/hello-static" "$W"
refused "a static program" "$W" "$W" --rename-dynamic-symbols "$M.same"

if [ -x "$POKE" ]; then
	# poked P SPEC VALUE: a copy of the x86_64 library with one field changed.
	poked() {
		fresh "$SYMS/x86_64/libsym.so.1" "$SCRATCH/p" && "$POKE" "$SCRATCH/p" "$1" "$2" >/dev/null
	}
	gh=$("$POKE" "$L" shdr..gnu.hash.sh_offset)
	poked "u32@$((gh + 8))" 3 &&
		refused "a Bloom filter size that is no power of two" "$SCRATCH/p" "$SCRATCH/p" \
			--rename-dynamic-symbols "$M.same"
	h=$("$POKE" "$L" shdr..hash.sh_offset)
	poked "u32@$((h + 4))" max &&
		refused "DT_HASH counts more symbols than the file holds" "$SCRATCH/p" "$SCRATCH/p" \
			--rename-dynamic-symbols "$M.same"
	r=$("$POKE" "$L" shdr..rela.plt.sh_offset)
	poked "u32@$((r + 12))" 4000 &&
		refused "a relocation names a symbol beyond .dynsym" "$SCRATCH/p" "$SCRATCH/p" \
			--rename-dynamic-symbols "$M.same"
	poked ehdr.e_machine 8 &&
		refused "MIPS: no reordering" "$SCRATCH/p" "$SCRATCH/p" \
			--rename-dynamic-symbols "$M.same"
	check "MIPS: says why" grep -q 'MIPS' "$SCRATCH/.err"
else
	skip "poked files" "tests/poke not built"
fi

done_testing
