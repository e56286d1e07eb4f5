#!/bin/sh
# How many dynamic symbols a file has when no section header says so:
# DT_HASH's nchain (its words are 8 bytes on 64-bit s390x), else the
# chains of DT_GNU_HASH, which tell nothing when the table is empty (a
# program that exports nothing).  An edit that counted too few symbols
# took the names of the others for free bytes and wrote over them.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/edit-lib.sh"

SYMS=$DATA/syms

# names FILE: the names of FILE's dynamic symbols (versions dropped;
# section symbols, whose names readelf takes from the section headers,
# left out).
names() {
	readelf --dyn-syms -W "$1" |
		awk 'NR > 3 && $8 != "" && $4 != "SECTION" { sub(/@.*/, "", $8); print $8 }' | sort -u
}

# kept NAME ORIG FILE: every dynamic symbol name of ORIG is still in FILE.
kept() {
	_missing=
	for _n in $(names "$2"); do
		grep -q -a -F -e "$_n" "$3" || _missing="$_missing $_n"
	done
	check_eq "$1" "" "$_missing"
}

for t in armhf aarch64 x86_64 ppc s390x; do
	for f in prog-old libsym.so.1; do
		id=$t/$f
		W=$SCRATCH/$t-$f
		cp "$SYMS/$t/$f" "$W" && chmod u+w "$W" || exit 99
		check_run "$id --strip-section-headers" --strip-section-headers "$W"
		check_run "$id without section headers: --add-needed" --add-needed libm.so.6 "$W"
		kept "$id without section headers: --add-needed wrote over no symbol name" \
			"$SYMS/$t/$f" "$W"
		[ "$f" = prog-old ] && run_program "$id without section headers, --add-needed: runs" \
			"sym_old(1) = 42" "$t" "$W" "$SYMS/$t"
	done
done

done_testing
