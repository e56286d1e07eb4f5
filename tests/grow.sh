#!/bin/sh
# Growth: edits that do not fit are made in appended space, the result
# loads and runs, nothing existing moves, and what fits never grows.
. "${top_srcdir:-.}/tests/lib.sh"
need_cmd readelf

LONG=$(i=0; while [ $i -lt 140 ]; do printf '/opt/a/rather/long/path/%03d:' $i; i=$((i + 1)); done)
LONG="${LONG}\$ORIGIN"

# warnings FILE: readelf's complaints (it prints them on stderr).
warnings() {
	readelf -aW "$1" 2>&1 >/dev/null | grep -v '^$' || true
}

# new_lint ORIG NEW: eu-elflint messages NEW has and ORIG has not.
new_lint() {
	command -v eu-elflint >/dev/null 2>&1 || return 0
	eu-elflint --gnu-ld "$1" 2>&1 | sed "s|$1||" | sort >"$SCRATCH/lint.a"
	eu-elflint --gnu-ld "$2" 2>&1 | sed "s|$2||" | sort >"$SCRATCH/lint.b"
	comm -13 "$SCRATCH/lint.a" "$SCRATCH/lint.b"
}

# loads_unchanged ORIG NEW: every PT_LOAD of ORIG is still in NEW, and
# its bytes are unchanged but for the ELF and program headers and the old
# .dynamic (DT_STRTAB may point at a new .dynstr).
loads_unchanged() {
	readelf -lW "$1" | awk '$1 == "LOAD" { print $2, $3, $5, $6, $7 }' >"$SCRATCH/l.a"
	readelf -lW "$2" | awk '$1 == "LOAD" { print $2, $3, $5, $6, $7 }' >"$SCRATCH/l.b"
	while read -r off vaddr filesz memsz flags; do
		grep -q "^$off $vaddr [^ ]* [^ ]* $flags" "$SCRATCH/l.b" || { echo "lost $off"; return 1; }
	done <"$SCRATCH/l.a"
	while read -r off vaddr filesz memsz flags; do
		echo $((off)) $((off + filesz))
	done <"$SCRATCH/l.a" >"$SCRATCH/l.dec"
	dyn=$(readelf -lW "$1" | awk '$1 == "DYNAMIC" { print $2, $5 }')
	# The old .dynstr and interpreter string are zeroed once unused.
	zeroed=$(readelf -SW "$1" | sed 's/^ *\[ *[0-9]*\]//' | awk '$1 == ".dynstr" { print $4, $5 }'
		readelf -lW "$1" | awk '$1 == "INTERP" { print $2, $5 }')
	echo "$zeroed" | sed 's/0x//g' | while read -r zo zs; do
		[ -n "$zo" ] && echo $((0x$zo)) $((0x$zo + 0x$zs))
	done >"$SCRATCH/zeroed"
	# The program header table may be rewritten in place (non-PIE).
	phend=$(readelf -hW "$1" | awk -F: '/Start of program headers/ { o = $2 + 0 }
		/Size of program headers/ { s = $2 + 0 } /Number of program headers/ { n = $2 + 0 }
		END { print o + s * n }')
	set -- "$1" "$2" $dyn
	cmp -l "$1" "$2" 2>/dev/null | awk -v doff=$(($3)) -v dend=$(($3 + $4)) -v phend="$phend" \
		-v loads="$SCRATCH/l.dec" '
		BEGIN { while ((getline l < loads) > 0) { split(l, f, " "); lo[++n] = f[1]; hi[n] = f[2] }
			while ((getline l < "'"$SCRATCH/zeroed"'") > 0) { split(l, f, " "); zl[++z] = f[1]; zh[z] = f[2] } }
		{ o = $1 - 1; if (o < phend || (o >= doff && o < dend)) next
		  for (i = 1; i <= z; i++) if (o >= zl[i] && o < zh[i] && $3 == 0) next
		  for (i = 1; i <= n; i++) if (o >= lo[i] && o < hi[i]) { printf "byte %d changed\n", o; bad = 1; exit } }
		END { exit bad }'
}

# dynstr_bytes ORIG FILE: the sha256 of FILE's bytes where ORIG's .dynstr is.
dynstr_bytes() {
	set -- "$2" $(readelf -SW "$1" | sed 's/^ *\[ *[0-9]*\]//' |
		awk '$1 == ".dynstr" { print $4, $5 }')
	tail -c +$((0x$2 + 1)) "$1" | head -c $((0x$3)) | sha256sum
}

# runs T PROG LIBDIR [NAME]: PROG runs with the libraries of LIBDIR.
runs() {
	t=$1 prog=$2 libdir=$3 name=${4:-"$1: $(basename "$2") runs"}
	[ -f "$prog" ] || return 0
	out=$(FIXTURE_LIBDIR=$libdir "$RUN_FIXTURE" "$t" "$prog" 2>&1)
	st=$?
	if [ $st -eq 77 ]; then
		skip "$name" "no qemu or sysroot"
	else
		check_eq "$name" "hello from libgreet, world" "$out"
	fi
}

for t in $TARGETS; do
	d="$SCRATCH/$t"
	mkdir -p "$d"
	cp "$FIXTURES/$t/libgreet.so" "$d/libgreet.so.1"
	for f in hello hello-nopie libgreet.so; do
		[ -f "$FIXTURES/$t/$f" ] || continue
		orig="$FIXTURES/$t/$f"
		w="$d/$f"
		cp "$orig" "$w"
		check "$t/$f: 4 KiB RPATH by growth" "$ELFPATCH" --set-rpath "$LONG" "$w"
		check_eq "$t/$f: RPATH reads back" "$LONG" "$("$ELFPATCH" --print-rpath "$w")"
		check_eq "$t/$f: the old host build path left the file" 0 \
			"$(grep -c buildroot-2026.02 "$w")"
		# patchelf's --no-clobber-old-sections: the old .dynstr stays as
		# it was, for programs that read it at its old address.
		cp "$orig" "$d/keep"
		check "$t/$f: --no-clobber-old-sections growth" "$ELFPATCH" \
			--no-clobber-old-sections --set-rpath "$LONG" "$d/keep"
		check_eq "$t/$f: --no-clobber-old-sections: old .dynstr kept" \
			"$(dynstr_bytes "$orig" "$orig")" "$(dynstr_bytes "$orig" "$d/keep")"
		check_eq "$t/$f: --no-clobber-old-sections: RPATH reads back" "$LONG" \
			"$("$ELFPATCH" --print-rpath "$d/keep")"
		check "$t/$f: five more DT_NEEDED" "$ELFPATCH" --add-needed liba.so.1 \
			--add-needed libb.so.1 --add-needed libc.so.6 --add-needed libd.so.1 \
			--add-needed libe.so.1 --add-needed libf.so.1 "$w"
		check_eq "$t/$f: needed list" \
			"$(printf 'libf.so.1\nlibe.so.1\nlibd.so.1\nlibb.so.1\nliba.so.1\n'; "$ELFPATCH" --print-needed "$orig")" \
			"$("$ELFPATCH" --print-needed "$w")"
		check_eq "$t/$f: readelf has no warnings" "" "$(warnings "$w")"
		check_eq "$t/$f: no new eu-elflint complaints" "" "$(new_lint "$orig" "$w")"
		check "$t/$f: existing segments untouched" loads_unchanged "$orig" "$w"
		check "$t/$f: --check passes" "$ELFPATCH" --check "$w"
		if [ "$f" != libgreet.so ]; then
			interp=$("$ELFPATCH" --print-interpreter "$orig")
			long="$(dirname "$interp")/./././././././././././././././././$(basename "$interp")"
			check "$t/$f: longer interpreter" "$ELFPATCH" --set-interpreter "$long" "$w"
			check_eq "$t/$f: interpreter reads back" "$long" \
				"$("$ELFPATCH" --print-interpreter "$w")"
		fi
		check "$t/$f: entries removed after growth" "$ELFPATCH" --remove-needed liba.so.1 \
			--remove-needed libb.so.1 --remove-needed libd.so.1 \
			--remove-needed libe.so.1 --remove-needed libf.so.1 "$w"
	done
	[ -f "$d/libgreet.so" ] && cp "$d/libgreet.so" "$d/libgreet.so.1"
	runs "$t" "$d/hello" "$d"
	runs "$t" "$d/hello-nopie" "$d"
	# $ORIGIN at the end of the grown RPATH finds the library.
	runs "$t" "$d/hello" /nonexistent
done

# Repeated growth extends the appended segment instead of adding pages.
w=$(copy_fixture aarch64-64k hello)
size0=$(stat -c %s "$w")
"$ELFPATCH" --add-needed libx0.so.1 "$w"
size1=$(stat -c %s "$w")
i=1
while [ $i -le 9 ]; do
	"$ELFPATCH" --add-needed "libx$i.so.1" "$w" || break
	i=$((i + 1))
done
size10=$(stat -c %s "$w")
check_eq "64 KiB pages: ten growths succeed" 10 "$i"
[ $((size10 - size1)) -lt 65536 ] && pass "64 KiB pages: nine more growths add less than a page ($((size10 - size1)) B)" \
	|| fail "64 KiB pages: repeated growth adds pages" "$size1 -> $size10"
align=$(readelf -lW "$w" | awk '$1 == "LOAD" { a = $NF } END { print a }')
check_eq "64 KiB pages: new segment keeps the file's alignment" 0x10000 "$align"
check_eq "64 KiB pages: the first growth adds at most one page plus content" 1 \
	"$([ $((size1 - size0)) -le $((65536 + 4096)) ] && echo 1 || echo "$size0 -> $size1")"
d="$SCRATCH/a64k"; mkdir -p "$d"; cp "$FIXTURES/aarch64-64k/libgreet.so" "$d/libgreet.so.1"
"$ELFPATCH" --remove-needed libx0.so.1 --remove-needed libx1.so.1 --remove-needed libx2.so.1 \
	--remove-needed libx3.so.1 --remove-needed libx4.so.1 --remove-needed libx5.so.1 \
	--remove-needed libx6.so.1 --remove-needed libx7.so.1 --remove-needed libx8.so.1 \
	--remove-needed libx9.so.1 "$w"
runs aarch64-64k "$w" "$d"

# What fits never grows; --no-grow refuses and leaves the file alone.
w=$(copy_fixture x86_64 hello)
s=$(stat -c %s "$w")
"$ELFPATCH" --set-rpath /short "$w"
check_eq "a shorter RPATH does not grow the file" "$s" "$(stat -c %s "$w")"
w=$(copy_fixture armhf hello)
sum=$(cksum <"$w")
check_fails "--no-grow refuses an edit that does not fit" "$ELFPATCH" --no-grow --set-rpath "$LONG" "$w"
check_eq "--no-grow leaves the file byte-identical" "$sum" "$(cksum <"$w")"
"$ELFPATCH" --no-grow --set-rpath "$LONG" "$w" 2>"$SCRATCH/err"
grep -q 'bytes missing\|missing)' "$SCRATCH/err" && pass "--no-grow names the missing bytes" \
	|| fail "--no-grow names the missing bytes" "$(cat "$SCRATCH/err")"
w=$(copy_fixture armhf libgreet.so)
"$ELFPATCH" --page-size 65536 --add-needed libq.so.1 "$w"
check_eq "--page-size sets the new segment's alignment" 0x10000 \
	"$(readelf -lW "$w" | awk '$1 == "LOAD" { a = $NF } END { print a }')"

# The program header table never moves (a non-PIE executable's PT_PHDR
# entry, or else a PT_NOTE entry, maps the new bytes), so GNU strip and
# eu-strip can still rewrite grown programs and libraries, and the results
# run.  Libraries are checked by running the original program against the
# stripped library.
gnu_strip() {
	case $1 in
	armhf) echo arm-linux-gnueabihf-strip ;; armel) echo arm-linux-gnueabi-strip ;;
	aarch64*) echo aarch64-linux-gnu-strip ;; i386) echo i686-linux-gnu-strip ;;
	ppc) echo powerpc-linux-gnu-strip ;; s390x) echo s390x-linux-gnu-strip ;; *) echo strip ;;
	esac
}
# strip_runs T DIR PROG LIB TOOL NAME: TOOL strips the grown PROG or LIB,
# the program runs with the library.
strip_runs() {
	t=$1 d=$2 prog=$3 lib=$4 name=$6
	mkdir -p "$d/$name"
	if [ "$prog" = "$d/libgreet.so.1" ]; then
		out="$d/$name/libgreet.so.1" run="$FIXTURES/$t/hello"
	else
		out="$d/$name/$(basename "$prog")" run="$out"
		cp "$lib" "$d/$name/libgreet.so.1"
	fi
	case $5 in
	eu-strip) eu-strip -o "$out" "$prog" 2>"$SCRATCH/err" ;;
	*) "$5" -o "$out" "$prog" 2>"$SCRATCH/err" ;;
	esac
	check_eq "$t/$(basename "$prog"): $name strips the grown file silently" "" "$(cat "$SCRATCH/err")"
	runs "$t" "$run" "$d/$name" "$t/$(basename "$prog"): runs after $name"
}
for t in $TARGETS; do
	d="$SCRATCH/strip-$t"
	mkdir -p "$d"
	cp "$FIXTURES/$t/libgreet.so" "$d/lib.orig"
	for f in hello hello-nopie libgreet.so.1; do
		src="$FIXTURES/$t/$f"
		[ "$f" = libgreet.so.1 ] && src="$FIXTURES/$t/libgreet.so"
		[ -f "$src" ] || continue
		cp "$src" "$d/$f"
		"$ELFPATCH" --set-rpath "$LONG" --add-needed libc.so.6 --add-needed libm.so.6 \
			"$d/$f" 2>/dev/null
		check_eq "$t/$f: program headers stay put" \
			"$(readelf -hW "$src" | grep 'Start of program headers')" \
			"$(readelf -hW "$d/$f" | grep 'Start of program headers')"
		gs=$(gnu_strip "$t")
		if command -v "$gs" >/dev/null 2>&1; then
			strip_runs "$t" "$d" "$d/$f" "$d/lib.orig" "$gs" gnu
		else
			skip "$t/$f: runs after GNU strip" "$gs not installed"
		fi
		if command -v eu-strip >/dev/null 2>&1; then
			strip_runs "$t" "$d" "$d/$f" "$d/lib.orig" eu-strip eu
		else
			skip "$t/$f: runs after eu-strip" "eu-strip not installed"
		fi
	done
done

# Which entry the new PT_LOAD takes.  x86-64 maps .note.gnu.property by a
# PT_NOTE and by PT_GNU_PROPERTY: that PT_NOTE goes, silently, and the
# build-id note keeps its segment.  ARM has one note segment: it goes, with
# a warning; --keep-note-segment keeps it and moves the table instead.
notes() { readelf -lW "$1" | awk '$1 == "NOTE" || $1 == "GNU_PROPERTY" { print $1, $2 }'; }
w=$(copy_fixture x86_64 hello)
"$ELFPATCH" --set-rpath "$LONG" "$w" 2>"$SCRATCH/err"
check_eq "x86_64 PIE: no warning when a duplicate note entry is taken" "" "$(cat "$SCRATCH/err")"
check_eq "x86_64 PIE: build-id note segment and property segment kept" \
	"$(notes "$FIXTURES/x86_64/hello" | grep -v 'NOTE 0x000338')" "$(notes "$w")"
w=$(copy_fixture armhf hello)
"$ELFPATCH" --set-rpath "$LONG" "$w" 2>"$SCRATCH/err"
check_eq "armhf PIE: the note segment's entry taken, with a warning" \
	"elfpatch: $w: warning: the new segment takes the PT_NOTE entry (the notes stay in place; see --keep-note-segment)" \
	"$(cat "$SCRATCH/err")"
check_eq "armhf PIE: the notes keep their bytes and section" \
	"$(readelf -nW "$FIXTURES/armhf/hello")" "$(readelf -nW "$w")"
mkdir -p "$SCRATCH/keep"
w=$(copy_fixture armhf hello "$SCRATCH/keep/hello")
"$ELFPATCH" --keep-note-segment --set-rpath "$LONG" "$w" 2>"$SCRATCH/err"
check_eq "--keep-note-segment: no warning" "" "$(cat "$SCRATCH/err")"
check_eq "--keep-note-segment: the note segment stays" "$(notes "$FIXTURES/armhf/hello")" "$(notes "$w")"
check_eq "--keep-note-segment: the table moved instead" 1 \
	"$(readelf -hW "$w" | awk -F: '/Start of program headers/ { print ($2 + 0 > 52) }')"
cp "$FIXTURES/armhf/libgreet.so" "$SCRATCH/keep/libgreet.so.1"
runs armhf "$w" "$SCRATCH/keep"

# Killed after any step, a growing edit leaves a loadable file that is the
# old one or the new one (each edit whole).
for t in armhf x86_64; do
	w=$(copy_fixture "$t" hello "$SCRATCH/fault-$t")
	steps=$("$ELFPATCH" --dry-run --set-rpath "$LONG" --add-needed libz.so.1 "$w" | grep -c 'would')
	old_rpath=$("$ELFPATCH" --print-rpath "$w")
	old_needed=$("$ELFPATCH" --print-needed "$w")
	k=1
	bad=
	while [ $k -le "$steps" ]; do
		cp "$FIXTURES/$t/hello" "$w"
		ELFPATCH_FAULT_AFTER=$k "$ELFPATCH" --set-rpath "$LONG" --add-needed libz.so.1 "$w" 2>/dev/null
		st=$?
		[ $st -eq 137 ] || [ $k -eq "$steps" ] || bad="$bad step $k: status $st;"
		[ -z "$(warnings "$w")" ] || bad="$bad step $k: readelf warns;"
		"$ELFPATCH" --check "$w" 2>/dev/null || bad="$bad step $k: --check fails;"
		r=$("$ELFPATCH" --print-rpath "$w")
		[ "$r" = "$old_rpath" ] || [ "$r" = "$LONG" ] || bad="$bad step $k: rpath is neither;"
		n=$("$ELFPATCH" --print-needed "$w")
		[ "$n" = "$old_needed" ] || [ "$n" = "$(printf 'libz.so.1\n%s' "$old_needed")" ] \
			|| bad="$bad step $k: needed is neither;"
		k=$((k + 1))
	done
	check_eq "$t: killed after each of $steps steps, the file is old or new" "" "$bad"
done

done_testing
