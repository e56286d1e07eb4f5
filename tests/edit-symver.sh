#!/bin/sh
# --clear-symbol-version: the named symbols' .gnu.version entries become
# VER_NDX_GLOBAL (1), as with patchelf, and the version requirements no
# symbol uses any more leave .gnu.version_r (or, when none would be left,
# are neutralised), so that the real loader runs the program against a
# library that lacks the version.
#
# Part 1, the committed fixtures of every target: glibc's own versions.
# Part 2, built here with each target's cross compiler from
# data/src/symver (skipped without it): libv.so.1 with versions VER_1 and
# VER_2 to link against, an older libv.so.1 without VER_2 to run with.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/edit-lib.sh"

W=$SCRATCH/w
W2=$SCRATCH/w2
POKE=${POKE:-$top_builddir/tests/poke}
[ -x "$POKE" ] || { echo "Bail out! $POKE not built (make check builds it)"; exit 99; }

# requirements FILE: "file:version" for each Vernaux, in table order
# (readelf -V), space-separated.
requirements() {
	readelf -VW "$1" | awk '
		/^Version needs section/ { on = 1; next }
		/^Version (symbols|definition)/ { on = 0 }
		on && /File:/ { f = $0; sub(/.*File: /, "", f); sub(/ +Cnt:.*/, "", f) }
		on && /Name:/ {
			n = $0; sub(/.*Name: /, "", n); sub(/ +Flags:.*/, "", n)
			printf "%s%s:%s", sep, f, n; sep = " "
		}
		END { print "" }'
}

# imports FILE: "symbol@version" of each versioned undefined dynamic
# symbol, one a line.
imports() {
	readelf --dyn-syms -W "$1" | awk '$7 == "UND" && $8 ~ /@/ { print $8 }'
}

# sym_version FILE SYMBOL: how readelf names SYMBOL in .dynsym ("s@V" or "s").
sym_version() {
	readelf --dyn-syms -W "$1" | awk -v s="$2" '$8 == s || index($8, s "@") == 1 { print $8 }'
}

# regions FILE: offset-size pairs of .gnu.version, .gnu.version_r, .dynstr,
# .dynamic and the section header table: where the edit may write.
regions() {
	readelf -SW "$1" | sed 's/^ *\[ *[0-9]*\] //' | while read -r _nm _ty _ad _off _sz _rest; do
		case $_nm in
		.gnu.version | .gnu.version_r | .dynstr | .dynamic) printf '%d %d ' "0x$_off" "0x$_sz" ;;
		esac
	done
	readelf -hW "$1" | awk '
		/Start of section headers/ { off = $5 }
		/Size of section headers/ { sz = $5 }
		/Number of section headers/ { n = $5 }
		END { print off, sz * n }'
}

# ---- part 1: the fixtures, glibc's versions ------------------------------

for t in $TARGETS; do
	for f in $(edit_fixtures "$t"); do
		begin_fixture "$t" "$f"
		osum=$(sum "$orig")
		req=$(requirements "$orig")
		imp=$(imports "$orig")
		first=${imp%%
*}
		s=${first%@*} v=${first#*@}
		# V goes unless another import still uses it.
		left=$(printf '%s\n' "$imp" | grep -c "@$v\$")
		want=$req
		[ "$left" -eq 1 ] && want=$(echo " $req " | sed "s/ libc\.so\.6:$v / /; s/^ //; s/ $//")
		# None left (a non-PIE imports only __libc_start_main): neutralised.
		want=${want:-libc.so.6:libc.so.6}
		fresh "$orig" "$W"
		check_run "$id --clear-symbol-version $s" --clear-symbol-version "$s" "$W"
		check_edit "$id --clear-symbol-version $s" "$W"
		check_eq "$id --clear-symbol-version $s: global" "$s" "$(sym_version "$W" "$s")"
		check_eq "$id --clear-symbol-version $s: requirements" "$want" "$(requirements "$W")"
		check_bytes "$id --clear-symbol-version $s: bytes" "$orig" "$W" 100000 $(regions "$orig")
		if [ "$f" != libgreet.so ]; then
			run_program "$id --clear-symbol-version $s: runs" "hello from libgreet, world" \
				"$t" "$W" "$FIXTURES/$t"
		fi
		# The same through @FILE, as patchelf reads it.
		printf '%s' "$s" >"$SCRATCH/sym"
		fresh "$orig" "$W2"
		check_run "$id --clear-symbol-version @FILE" --clear-symbol-version "@$SCRATCH/sym" "$W2"
		check "$id --clear-symbol-version @FILE: same result" cmp "$W" "$W2"

		# Every versioned import cleared: no requirement is needed, but
		# one stays, neutralised (libc's base version, "libc.so.6").
		fresh "$orig" "$W"
		set --
		for i in $imp; do
			set -- "$@" --clear-symbol-version "${i%@*}"
		done
		check_run "$id --clear-symbol-version (all)" "$@" "$W"
		check_edit "$id --clear-symbol-version (all)" "$W"
		check_eq "$id --clear-symbol-version (all): versioned imports" "" "$(imports "$W")"
		check_eq "$id --clear-symbol-version (all): one neutral requirement" \
			"libc.so.6:libc.so.6" "$(requirements "$W")"
		check_eq "$id --clear-symbol-version (all): DT_VERNEEDNUM" 1 \
			"$(readelf -dW "$W" | awk '/\(VERNEEDNUM\)/ { print $3 }')"
		if [ "$f" != libgreet.so ]; then
			run_program "$id --clear-symbol-version (all): runs" \
				"hello from libgreet, world" "$t" "$W" "$FIXTURES/$t"
		fi

		# Nothing to do: no such symbol, or one without a version.
		fresh "$orig" "$W"
		check_run "$id --clear-symbol-version (no such symbol)" \
			--clear-symbol-version no_such_symbol "$W"
		check_unchanged "$id --clear-symbol-version (no such symbol): unchanged" "$osum" "$W"
		check_run "$id --clear-symbol-version __gmon_start__" \
			--clear-symbol-version __gmon_start__ "$W"
		check_unchanged "$id --clear-symbol-version __gmon_start__: unchanged" "$osum" "$W"
		"$ELFPATCH" --dry-run --clear-symbol-version "$s" "$W" >"$SCRATCH/.dry" 2>&1
		check_unchanged "$id --dry-run --clear-symbol-version: unchanged" "$osum" "$W"
		check "$id --dry-run --clear-symbol-version: says what" \
			grep -q 'clear-symbol-version' "$SCRATCH/.dry"
	done
done

# Bad input: one line, exit 1, the file untouched.
for t in armhf x86_64; do
	fresh "$FIXTURES/$t/hello-static" "$W"
	check_bad_input "$t/hello-static --clear-symbol-version" "$(sum "$W")" "$W" \
		--clear-symbol-version puts
done
fresh "$FIXTURES/armhf/hello" "$W"
"$POKE" "$W" dyn.VERSYM.d_tag 0x6ffffdfd >/dev/null
check_bad_input "armhf/hello without DT_VERSYM --clear-symbol-version" "$(sum "$W")" "$W" \
	--clear-symbol-version abort
# sstripped, a PIE that exports nothing: no count, and .gnu.version must
# not be written past its end.
fresh "$FIXTURES/aarch64/hello" "$W"
"$ELFPATCH" --strip-section-headers "$W"
check_bad_input "aarch64/hello sstripped --clear-symbol-version" "$(sum "$W")" "$W" \
	--clear-symbol-version abort
fresh "$FIXTURES/s390x/hello" "$W"
"$POKE" "$W" dyn.VERNEED.d_val max >/dev/null
check_bad_input "s390x/hello, DT_VERNEED outside the file, --clear-symbol-version" \
	"$(sum "$W")" "$W" --clear-symbol-version __cxa_finalize

# ---- part 2: libv with and without VER_2, under the real loader ----------

# cross_cc TARGET: the C compiler for a target, if installed.
cross_cc() {
	case $1 in
	armhf) _cc=arm-linux-gnueabihf-gcc ;;
	armel) _cc=arm-linux-gnueabi-gcc ;;
	aarch64) _cc=aarch64-linux-gnu-gcc ;;
	x86_64) _cc=x86_64-linux-gnu-gcc ;;
	i386) _cc=i686-linux-gnu-gcc ;;
	ppc) _cc=powerpc-linux-gnu-gcc ;;
	s390x) _cc=s390x-linux-gnu-gcc ;;
	*) return 1 ;;
	esac
	if ! command -v "$_cc" >/dev/null 2>&1; then
		[ "$1" = x86_64 ] && [ "$(uname -m)" = x86_64 ] || return 1
		_cc=gcc
	fi
	echo "$_cc"
}

# build TARGET CC DIR: DIR/new/libv.so.1 (VER_1, VER_2), DIR/old/libv.so.1
# (VER_1 only), DIR/new/libw.so.1 and the programs p1, p2, pw.
build() {
	_s=$DATA/src/symver _d=$3
	mkdir -p "$_d/new" "$_d/old" "$_d/oldw" &&
		$2 -shared -fPIC -O2 -Wl,-soname,libv.so.1 -Wl,--version-script="$_s/v2.map" \
			"$_s/v.c" -o "$_d/new/libv.so.1" &&
		$2 -shared -fPIC -O2 -Wl,-soname,libv.so.1 -Wl,--version-script="$_s/v1.map" \
			"$_s/v.c" -o "$_d/old/libv.so.1" &&
		$2 -shared -fPIC -O2 -nostdlib -Wl,-soname,libw.so.1 "$_s/w.c" \
			"$_d/new/libv.so.1" -o "$_d/new/libw.so.1" &&
		$2 -O2 "$_s/p1.c" "$_d/new/libv.so.1" -o "$_d/p1" &&
		$2 -O2 "$_s/p2.c" "$_d/new/libv.so.1" -o "$_d/p2" &&
		$2 -O2 "$_s/pw.c" -Wl,-rpath-link,"$_d/new" "$_d/new/libw.so.1" -o "$_d/pw" &&
		cp "$_d/old/libv.so.1" "$_d/oldw/libv.so.1"
}

for t in $TARGETS; do
	[ "$t" = aarch64-64k ] && continue
	D=$SCRATCH/$t
	if ! cc=$(cross_cc "$t"); then
		skip "$t libv: built and run" "no C compiler for $t"
		continue
	fi
	if ! build "$t" "$cc" "$D" >"$SCRATCH/.build" 2>&1; then
		skip "$t libv: built and run" "$cc failed: $(head -n1 "$SCRATCH/.build")"
		continue
	fi
	# The control: linked against VER_2, p1 does not run without it.
	run_fails "$t/p1 needs VER_2: does not run with the old libv" "$t" "$D/p1" "$D/old"

	# p1: VER_2 goes, VER_1 (g, h) stays in libv's entry.
	set_base "$D/p1"
	req=$(requirements "$D/p1")
	fresh "$D/p1" "$W"
	check_run "$t/p1 --clear-symbol-version f" --clear-symbol-version f "$W"
	check_edit "$t/p1 --clear-symbol-version f" "$W"
	check_eq "$t/p1 --clear-symbol-version f: VER_2 gone" \
		"$(echo " $req " | sed 's/ libv\.so\.1:VER_2 / /; s/^ //; s/ $//')" "$(requirements "$W")"
	check_eq "$t/p1 --clear-symbol-version f: VER_2's name zeroed in .dynstr" 0 \
		"$(readelf -p .dynstr "$W" | grep -c VER_2)"
	run_program "$t/p1 --clear-symbol-version f: runs with the old libv" "f+g+h=6" \
		"$t" "$W" "$D/old"
	if [ "$HAVE_PATCHELF" = yes ] &&
		patchelf --clear-symbol-version f --output "$W2" "$D/p1" >/dev/null 2>&1; then
		run_fails "$t/p1 patchelf --clear-symbol-version f: still needs VER_2" \
			"$t" "$W2" "$D/old"
	else
		skip "$t/p1 patchelf --clear-symbol-version f: still needs VER_2" \
			"patchelf missing or failed"
	fi

	# g alone: h still uses VER_1, so every requirement stays.
	fresh "$D/p1" "$W"
	check_run "$t/p1 --clear-symbol-version g" --clear-symbol-version g "$W"
	check_edit "$t/p1 --clear-symbol-version g" "$W"
	check_eq "$t/p1 --clear-symbol-version g: VER_1 still used" "$req" "$(requirements "$W")"
	check_bytes "$t/p1 --clear-symbol-version g: one .gnu.version entry" "$D/p1" "$W" 2 \
		$(regions "$D/p1")
	# g and h: VER_1 goes, its index (2) stays unused.
	check_run "$t/p1 --clear-symbol-version h" --clear-symbol-version h "$W"
	check_edit "$t/p1 --clear-symbol-version g, h" "$W"
	check_eq "$t/p1 --clear-symbol-version g, h: VER_1 gone" \
		"$(echo " $req " | sed 's/ libv\.so\.1:VER_1 / /; s/^ //; s/ $//')" "$(requirements "$W")"
	run_program "$t/p1 --clear-symbol-version g, h: runs" "f+g+h=6" "$t" "$W" "$D/new"

	# p2: libv's only requirement goes, and with it libv's entry.
	set_base "$D/p2"
	fresh "$D/p2" "$W"
	run_fails "$t/p2 needs VER_2: does not run with the old libv" "$t" "$D/p2" "$D/old"
	check_run "$t/p2 --clear-symbol-version f" --clear-symbol-version f "$W"
	check_edit "$t/p2 --clear-symbol-version f" "$W"
	check_eq "$t/p2 --clear-symbol-version f: no requirement on libv" "" \
		"$(requirements "$W" | tr ' ' '\n' | grep '^libv')"
	check_eq "$t/p2 --clear-symbol-version f: DT_VERNEEDNUM" 1 \
		"$(readelf -dW "$W" | awk '/\(VERNEEDNUM\)/ { print $3 }')"
	run_program "$t/p2 --clear-symbol-version f: runs with the old libv" "f=1" \
		"$t" "$W" "$D/old"

	# libw: its only requirement; it stays, neutralised (libv's base
	# version), and libw then loads with the old libv.
	set_base "$D/new/libw.so.1"
	run_fails "$t/libw needs VER_2: pw does not run with the old libv" "$t" "$D/pw" "$D/oldw"
	cp "$D/new/libw.so.1" "$D/oldw/libw.so.1"
	check_run "$t/libw --clear-symbol-version f" --clear-symbol-version f "$D/oldw/libw.so.1"
	check_edit "$t/libw --clear-symbol-version f" "$D/oldw/libw.so.1"
	check_eq "$t/libw --clear-symbol-version f: neutral requirement" "libv.so.1:libv.so.1" \
		"$(requirements "$D/oldw/libw.so.1")"
	run_program "$t/libw --clear-symbol-version f: pw runs with the old libv" "w=11" \
		"$t" "$D/pw" "$D/oldw"

	# A table not laid out as linkers write it (the first entry's vn_cnt
	# short of its chain, which ld.so ignores): the requirement is
	# neutralised where it is, nothing packed.
	fresh "$D/p1" "$W"
	cnt=$("$POKE" "$W" verneed.vn_cnt)
	"$POKE" "$W" verneed.vn_cnt $((cnt - 1)) >/dev/null
	set_base "$W"
	cp "$W" "$W2"
	check_run "$t/p1 (odd vn_cnt) --clear-symbol-version f" --clear-symbol-version f "$W"
	check_edit "$t/p1 (odd vn_cnt) --clear-symbol-version f" "$W"
	check_bytes "$t/p1 (odd vn_cnt) --clear-symbol-version f: versym and one Vernaux" \
		"$W2" "$W" 14 $(regions "$W2")
	run_program "$t/p1 (odd vn_cnt) --clear-symbol-version f: runs with the old libv" \
		"f+g+h=6" "$t" "$W" "$D/old"
done

done_testing
