#!/bin/sh
# Odd layouts that patchelf edits and elfpatch used to refuse (issue 14),
# each derived at test time from the fixtures: with objcopy, elfpatch's
# own --only-keep-debug, or tests/poke.
. "${top_srcdir:-.}/tests/lib.sh"
need_cmd readelf

POKE=${POKE:-$top_builddir/tests/poke}
[ -x "$POKE" ] || { echo "Bail out! $POKE not built (make check builds it)"; exit 99; }

# one_line_refusal NAME FILE EXPECTED ELFPATCH-ARGS...: exit 1, exactly
# the line "elfpatch: FILE: EXPECTED" (a glob), FILE byte-identical.
one_line_refusal() {
	_n=$1 _f=$2 _exp=$3
	shift 3
	cp "$_f" "$SCRATCH/.before"
	"$ELFPATCH" "$@" "$_f" >/dev/null 2>"$SCRATCH/.err"
	_st=$?
	_err=$(cat "$SCRATCH/.err")
	# shellcheck disable=SC2254
	case $_err in
	"elfpatch: $_f: "$_exp) _ok=1 ;;
	*) _ok=0 ;;
	esac
	if [ "$_st" -eq 1 ] && [ "$_ok" -eq 1 ] && [ "$(wc -l <"$SCRATCH/.err")" -eq 1 ] &&
		cmp -s "$_f" "$SCRATCH/.before"; then
		pass "$_n"
	else
		fail "$_n" "exit $_st" "$_err" "$(cmp "$_f" "$SCRATCH/.before" 2>&1)"
	fi
}

# warnings FILE: readelf's complaints (it prints them on stderr).
warnings() {
	readelf -aW "$1" 2>&1 >/dev/null | grep -v '^$' || true
}

# new_warnings ORIG NEW: readelf's complaints about NEW it has not about ORIG.
new_warnings() {
	warnings "$1" | sort >"$SCRATCH/warn.a"
	warnings "$2" | sort >"$SCRATCH/warn.b"
	comm -13 "$SCRATCH/warn.a" "$SCRATCH/warn.b"
}

# new_lint ORIG NEW [-d]: eu-elflint messages NEW has and ORIG has not.
new_lint() {
	command -v eu-elflint >/dev/null 2>&1 || return 0
	# shellcheck disable=SC2086
	eu-elflint --gnu-ld ${3:-} "$1" 2>&1 | sed "s|$1||" | sort >"$SCRATCH/lint.a"
	# shellcheck disable=SC2086
	eu-elflint --gnu-ld ${3:-} "$2" 2>&1 | sed "s|$2||" | sort >"$SCRATCH/lint.b"
	comm -13 "$SCRATCH/lint.a" "$SCRATCH/lint.b"
}

# runs T PROG LIBDIR NAME: PROG prints its greeting with the libraries
# of LIBDIR (under qemu-user for foreign targets).
runs() {
	_out=$(FIXTURE_LIBDIR=$3 "$RUN_FIXTURE" "$1" "$2" 2>&1)
	if [ $? -eq 77 ]; then
		skip "$4" "no qemu or sysroot"
	else
		check_eq "$4" "hello from libgreet, world" "$_out"
	fi
}
# runs_edited T F FILE LIBDIR DIR: the edited fixture F runs: a library
# under the fixture hello (as DIR/libgreet.so.1), a program itself.
runs_edited() {
	if [ "$2" = libgreet.so ]; then
		mkdir -p "$5"
		cp "$3" "$5/libgreet.so.1"
		runs "$1" hello "$5" "$1/$2: hello runs with it"
	else
		runs "$1" "$3" "$4" "$1/$2: runs"
	fi
}

# phdr_index FILE TYPE K: index of the K-th (from 1) program header of
# TYPE (a p_type number).
phdr_index() {
	_i=0 _k=0 _n=$("$POKE" "$1" ehdr.e_phnum)
	while [ $_i -lt "$_n" ]; do
		if [ "$("$POKE" "$1" "phdr.$_i.p_type")" -eq "$2" ]; then
			_k=$((_k + 1))
			[ $_k -eq "$3" ] && { echo $_i; return 0; }
		fi
		_i=$((_i + 1))
	done
	return 1
}

libdir_of() {
	mkdir -p "$SCRATCH/lib-$1"
	cp "$FIXTURES/$1/libgreet.so" "$SCRATCH/lib-$1/libgreet.so.1"
	echo "$SCRATCH/lib-$1"
}

# table_bytes FILE: the program header table's bytes, in hex.
table_bytes() {
	_o=$("$POKE" "$1" ehdr.e_phoff) _l=$(($("$POKE" "$1" ehdr.e_phnum) * $("$POKE" "$1" ehdr.e_phentsize)))
	tail -c +$((_o + 1)) "$1" | head -c $_l | od -An -tx1 | tr -d ' \n'
}
# in_first_load FILE: e_phoff's table lies in the first PT_LOAD's file
# image (where Linux before 5.18 finds it when that load's p_vaddr equals
# its p_offset plus a constant, as in every fixture).
in_first_load() {
	# shellcheck disable=SC2046
	set -- "$1" "$("$POKE" "$1" ehdr.e_phoff)" \
		$(($("$POKE" "$1" ehdr.e_phnum) * $("$POKE" "$1" ehdr.e_phentsize))) \
		$(readelf -lW "$1" | awk '$1 == "LOAD" { print $2, $5; exit }')
	[ "$2" -ge $(($4)) ] && [ $(($2 + $3)) -le $(($4 + $5)) ] && echo yes || echo no
}
# load_at FILE OFFSET: "VADDR" of the PT_LOAD at file offset OFFSET, decimal.
load_at() {
	readelf -lW "$1" | awk '$1 == "LOAD" { print $2, $3 }' | while read -r _o _v; do
		[ $((_o)) -eq "$2" ] && echo $((_v))
	done
}
# cover_table FILE: .comment's header says its bytes are the program
# header table (its own bytes are left behind, unused).
cover_table() {
	"$POKE" "$1" shdr..comment.sh_offset "$("$POKE" "$1" ehdr.e_phoff)" &&
		"$POKE" "$1" shdr..comment.sh_size \
			$(($("$POKE" "$1" ehdr.e_phnum) * $("$POKE" "$1" ehdr.e_phentsize)))
}

# ---- 1. PT_DYNAMIC without file contents -------------------------------
# A separate debug file keeps the program headers over NOBITS sections:
# .dynamic (and, from objcopy, .interp) have no bytes in the file.  The
# queries print what is there, edits that do not need .dynamic work, the
# others are refused in one line.
for t in $TARGETS; do
	for f in hello libgreet.so; do
		src=$FIXTURES/$t/$f
		[ -f "$src" ] || continue
		mkdir -p "$SCRATCH/dbg-$t"
		cp "$src" "$SCRATCH/dbg-$t/$f"
		for tool in elfpatch objcopy; do
			d=$SCRATCH/dbg-$t/$f.$tool
			if [ $tool = elfpatch ]; then
				if ! "$ELFPATCH" --only-keep-debug "$d" "$SCRATCH/dbg-$t/$f"; then
					fail "$t/$f: $tool --only-keep-debug"
					continue
				fi
			elif ! command -v objcopy >/dev/null 2>&1 ||
				! objcopy --only-keep-debug "$src" "$d" 2>/dev/null; then
				skip "$t/$f: $tool --only-keep-debug" "objcopy cannot read $t"
				continue
			fi
			check_eq "$t/$f.$tool: PT_DYNAMIC has no file contents" 0 \
				$(($(readelf -lW "$d" | awk '$1 == "DYNAMIC" { print $5 }')))
			check_eq "$t/$f.$tool: --print-rpath prints an empty line" "" \
				"$("$ELFPATCH" --print-rpath "$d" 2>&1)"
			check_eq "$t/$f.$tool: --print-needed and --print-soname print nothing" "" \
				"$("$ELFPATCH" --print-needed --print-soname "$d" 2>&1)"
			check "$t/$f.$tool: the queries succeed" "$ELFPATCH" --print-rpath \
				--print-needed --print-soname --print-execstack --print-os-abi "$d"
			one_line_refusal "$t/$f.$tool: --set-rpath refused in one line" "$d" \
				"cannot edit dynamic entries: the dynamic section is not in the file*" \
				--set-rpath /x
			one_line_refusal "$t/$f.$tool: --add-needed refused in one line" "$d" \
				"cannot edit dynamic entries: the dynamic section is not in the file*" \
				--add-needed libx.so.1
			check "$t/$f.$tool: --set-os-abi works" "$ELFPATCH" --set-os-abi linux "$d"
			[ $f = hello ] || continue
			# objcopy's .interp is NOBITS too: the interpreter is "".
			want=$("$ELFPATCH" --print-interpreter "$src")
			[ $tool = objcopy ] && want=
			check_eq "$t/$f.$tool: --print-interpreter prints what is there" "$want" \
				"$("$ELFPATCH" --print-interpreter "$d" 2>&1)"
			cp "$d" "$d.orig"
			check "$t/$f.$tool: --set-interpreter works" "$ELFPATCH" \
				--set-interpreter /lib/ld-elfpatch-test.so.1 "$d"
			check_eq "$t/$f.$tool: the interpreter reads back" /lib/ld-elfpatch-test.so.1 \
				"$("$ELFPATCH" --print-interpreter "$d" 2>&1)"
			check_eq "$t/$f.$tool: readelf has no new warnings" "" "$(new_warnings "$d.orig" "$d")"
			check_eq "$t/$f.$tool: no new eu-elflint -d complaints" "" \
				"$(new_lint "$d.orig" "$d" -d)"
		done
	done
done
# A dynamic segment of size 0 in a program: nothing to print, nothing to edit.
w=$(copy_fixture armhf hello)
"$POKE" "$w" phdr.DYNAMIC.p_filesz 0 && "$POKE" "$w" phdr.DYNAMIC.p_memsz 0
check_eq "PT_DYNAMIC of size 0: the queries print nothing" "" \
	"$("$ELFPATCH" --print-needed --print-soname "$w" 2>&1)"
one_line_refusal "PT_DYNAMIC of size 0: --remove-rpath refused in one line" "$w" \
	"cannot edit dynamic entries: the dynamic section is not in the file*" --remove-rpath
check "PT_DYNAMIC of size 0: --set-interpreter works" "$ELFPATCH" \
	--set-interpreter /lib/ld-linux-armhf.so.3.longer "$w"

# ---- 2. A program header table inside a section's bytes -----------------
# .comment is pointed at the table: the table's bytes are now a section's
# contents too.  elfpatch leaves them as they are and moves the table
# where every loader finds it (after the first PT_LOAD's contents), as
# patchelf moves it.
for t in $TARGETS; do
	lib=$(libdir_of "$t")
	for f in hello hello-nopie libgreet.so; do
		[ -f "$FIXTURES/$t/$f" ] || continue
		w=$SCRATCH/sec-$t-$f
		cp "$FIXTURES/$t/$f" "$w"
		cover_table "$w" || { fail "$t/$f: poke .comment over the table"; continue; }
		cp "$w" "$w.orig"
		old=$(table_bytes "$w")
		check_eq "$t/$f: a table inside a section's bytes is read" \
			"$("$ELFPATCH" --print-needed "$FIXTURES/$t/$f")" "$("$ELFPATCH" --print-needed "$w" 2>&1)"
		"$ELFPATCH" --add-needed libm.so.6 "$w" 2>"$SCRATCH/err"
		check_eq "$t/$f: --add-needed works, silently" "0 " "$? $(cat "$SCRATCH/err")"
		check_eq "$t/$f: the section's bytes stay as they were" "$old" \
			"$(tail -c +$(($("$POKE" "$w" shdr..comment.sh_offset) + 1)) "$w" |
				head -c "$("$POKE" "$w" shdr..comment.sh_size)" | od -An -tx1 | tr -d ' \n')"
		check_eq "$t/$f: the table moved, into the first segment" "yes" \
			"$([ "$("$POKE" "$w" ehdr.e_phoff)" != "$("$POKE" "$w.orig" ehdr.e_phoff)" ] &&
				in_first_load "$w")"
		check_eq "$t/$f: DT_NEEDED added" "libm.so.6" "$("$ELFPATCH" --print-needed "$w" | head -n 1)"
		check_eq "$t/$f: readelf has no new warnings" "" "$(new_warnings "$w.orig" "$w")"
		check_eq "$t/$f: no new eu-elflint complaints" "" "$(new_lint "$w.orig" "$w")"
		check "$t/$f: --check passes" "$ELFPATCH" --check "$w"
		runs_edited "$t" "$f" "$w" "$lib" "$SCRATCH/seclib-$t"
		[ $f = libgreet.so ] && continue
		# A program header edit that needs no new bytes moves the table too.
		x=$SCRATCH/sec-$t-$f.x
		cp "$w.orig" "$x"
		one_line_refusal "$t/$f: --set-execstack --no-grow refused in one line" "$x" \
			"--set-execstack: the program header table lies inside section .comment*" \
			--no-grow --set-execstack
		check "$t/$f: --set-execstack" "$ELFPATCH" --set-execstack "$x"
		check_eq "$t/$f: execstack reads back" "execstack: X" "$("$ELFPATCH" --print-execstack "$x")"
		check_eq "$t/$f: ... the section's bytes unchanged, the table moved" "$old yes" \
			"$(table_bytes "$w.orig") $(in_first_load "$x")"
		check "$t/$f: --check passes after --set-execstack" "$ELFPATCH" --check "$x"
		runs "$t" "$x" "$lib" "$t/$f: runs with an executable stack"
	done
done
# An allocated section holding the table: .interp grown backwards over it.
w=$(copy_fixture armhf hello)
ph=$("$POKE" "$w" ehdr.e_phoff)
iend=$(($("$POKE" "$w" shdr..interp.sh_offset) + $("$POKE" "$w" shdr..interp.sh_size)))
"$POKE" "$w" shdr..interp.sh_offset "$ph" && "$POKE" "$w" shdr..interp.sh_addr "$ph" &&
	"$POKE" "$w" shdr..interp.sh_size $((iend - ph))
interp=$("$ELFPATCH" --print-interpreter "$w")
long="$(dirname "$interp")/./././././././././././././././././$(basename "$interp")"
check "armhf .interp holding the table: a longer interpreter" "$ELFPATCH" --set-interpreter "$long" "$w"
check_eq "armhf .interp holding the table: it reads back" "$long" "$("$ELFPATCH" --print-interpreter "$w")"
check "armhf .interp holding the table: --check passes" "$ELFPATCH" --check "$w"
runs armhf "$w" "$(libdir_of armhf)" "armhf .interp holding the table: runs"

# ---- 3. A writable and executable segment the input already has --------
# Old SPARC and some embedded toolchains map data W+X.  Growth renumbers
# the program headers (a non-PIE program's PT_PHDR entry is taken, or the
# new PT_LOAD is inserted after the last one), so the W+X segment of the
# input gets another index; it is the same segment, not one the edit
# introduced, and the edit goes ahead.
LONG=$(i=0; while [ $i -lt 60 ]; do printf '/opt/a/rather/long/path/%03d:' $i; i=$((i + 1)); done)
LONG="${LONG}\$ORIGIN"
for t in $TARGETS; do
	lib=$(libdir_of "$t")
	for f in hello hello-nopie; do
		[ -f "$FIXTURES/$t/$f" ] || continue
		for how in default --keep-note-segment; do
			w=$SCRATCH/wx-$t-$f$how
			cp "$FIXTURES/$t/$f" "$w"
			nl=$(readelf -lW "$w" | grep -c '^  LOAD')
			k=$(phdr_index "$w" 1 "$nl")
			off=$("$POKE" "$w" "phdr.$k.p_offset")
			"$POKE" "$w" "phdr.$k.p_flags" 7
			opt=
			[ $how = default ] || opt=$how
			# shellcheck disable=SC2086
			check "$t/$f ($how): growth of a file with a W+X segment" "$ELFPATCH" $opt \
				--set-rpath "$LONG" "$w"
			msg=$("$ELFPATCH" --check "$w" 2>&1)
			n=$(echo "$msg" | sed -n 's/.*loadable segment \([0-9]*\) is writable and executable$/\1/p')
			check_eq "$t/$f ($how): --check reports the input's W+X segment only" \
				"elfpatch: $w: loadable segment $n is writable and executable" "$msg"
			check_eq "$t/$f ($how): ... at its new index" "$off" \
				"$([ -n "$n" ] && "$POKE" "$w" "phdr.$n.p_offset")"
			runs "$t" "$w" "$lib" "$t/$f ($how): runs after growth"
		done
	done
done

# ---- 4. Where a moved table goes: found by every kernel -----------------
# Linux before 5.18 passes AT_PHDR = first PT_LOAD's p_vaddr - p_offset +
# e_phoff, and so does qemu-user 7.2, so these runs under qemu are what an
# old kernel does.  With --keep-note-segment (or no spare entry), the
# table moves right after the first PT_LOAD's contents: no padding.
for t in $TARGETS; do
	lib=$(libdir_of "$t")
	for f in hello hello-nopie libgreet.so; do
		[ -f "$FIXTURES/$t/$f" ] || continue
		w=$SCRATCH/keep-$t-$f
		cp "$FIXTURES/$t/$f" "$w"
		check "$t/$f: --keep-note-segment --add-needed" "$ELFPATCH" --keep-note-segment \
			--add-needed libm.so.6 "$w"
		align=$(($(readelf -lW "$w" | awk '$1 == "LOAD" { a = $NF } END { print a }')))
		grown=$(($(wc -c <"$w") - $(wc -c <"$FIXTURES/$t/$f")))
		check_eq "$t/$f: the file grows by less than one alignment unit" yes \
			"$([ $grown -lt "$align" ] && echo yes || echo "$grown >= $align")"
		check_eq "$t/$f: the table lies in the first PT_LOAD" yes "$(in_first_load "$w")"
		check_eq "$t/$f: readelf has no warnings" "" "$(warnings "$w")"
		check_eq "$t/$f: no new eu-elflint complaints" "" "$(new_lint "$FIXTURES/$t/$f" "$w")"
		check "$t/$f: --check passes" "$ELFPATCH" --check "$w"
		runs_edited "$t" "$f" "$w" "$lib" "$SCRATCH/keeplib-$t"
	done
done

# A PowerPC PIE (ELF32 MSB, 64 KiB alignment) with a 1 MiB .bss: the new
# segment lies above 0x130000, far beyond the file's end, so the table
# cannot go there without 1.1 MiB of padding (elfpatch used to put it at
# the smallest place, with a warning; qemu-ppc crashed).  After the first
# segment's contents it needs none.
lib=$(libdir_of ppc)
big_bss() {
	_k=$(phdr_index "$1" 1 2)
	"$POKE" "$1" "phdr.$_k.p_memsz" $(($("$POKE" "$1" "phdr.$_k.p_memsz") + 0x100000)) &&
		"$POKE" "$1" shdr..bss.sh_size $(($("$POKE" "$1" shdr..bss.sh_size) + 0x100000))
}
# no_gap FILE: the first PT_LOAD reaches to the second one's bytes, so
# nothing after it is unused.
no_gap() {
	_a=$(phdr_index "$1" 1 1) _b=$(phdr_index "$1" 1 2)
	_e=$("$POKE" "$1" "phdr.$_b.p_offset")
	"$POKE" "$1" "phdr.$_a.p_filesz" "$_e" && "$POKE" "$1" "phdr.$_a.p_memsz" "$_e"
}
w=$(copy_fixture ppc hello "$SCRATCH/ppc-bss")
big_bss "$w" || fail "ppc: poke a 1 MiB .bss"
runs ppc "$w" "$lib" "ppc 1 MiB .bss: the input runs"
cp "$w" "$SCRATCH/ppc-bss-nogap"
"$ELFPATCH" --keep-note-segment --add-needed libm.so.6 "$w" 2>"$SCRATCH/err"
check_eq "ppc 1 MiB .bss: --keep-note-segment growth, silently" "0 " "$? $(cat "$SCRATCH/err")"
check_eq "ppc 1 MiB .bss: the table lies in the first PT_LOAD" yes "$(in_first_load "$w")"
check_eq "ppc 1 MiB .bss: no new eu-elflint complaints" "" \
	"$(new_lint "$SCRATCH/ppc-bss-nogap" "$w")"
check_eq "ppc 1 MiB .bss: no padding" yes \
	"$([ $(($(wc -c <"$w") - $(wc -c <"$FIXTURES/ppc/hello"))) -lt 65536 ] && echo yes)"
runs ppc "$w" "$lib" "ppc 1 MiB .bss: runs under qemu-ppc (AT_PHDR as before Linux 5.18)"
# No unused bytes after the first segment: every kernel finds the table
# only at the start of a new segment whose address less offset is the
# first one's; that costs padding up to the end of the .bss.
w=$SCRATCH/ppc-bss-nogap
no_gap "$w" || fail "ppc: poke the first segment over the gap"
runs ppc "$w" "$lib" "ppc no gap, 1 MiB .bss: the input runs"
one_line_refusal "ppc no gap, 1 MiB .bss: refused without --phdr-padding" "$w" \
	"cannot grow: the program headers must move, and where every kernel finds them costs * bytes of padding (see --phdr-padding)" \
	--keep-note-segment --add-needed libm.so.6
check "ppc no gap, 1 MiB .bss: --phdr-padding" "$ELFPATCH" --phdr-padding --keep-note-segment \
	--add-needed libm.so.6 "$w"
phoff=$("$POKE" "$w" ehdr.e_phoff)
check_eq "ppc no gap, 1 MiB .bss: a new segment holds the table, at address = offset" \
	"$phoff" "$(load_at "$w" "$phoff")"
check "ppc no gap, 1 MiB .bss: --check passes" "$ELFPATCH" --check "$w"
check_eq "ppc no gap, 1 MiB .bss: readelf has no warnings" "" "$(warnings "$w")"
runs ppc "$w" "$lib" "ppc no gap, 1 MiB .bss: runs under qemu-ppc"
# A table inside .comment that must move, with nothing else to append:
# the new segment holds just the table.  The same file with that segment
# one alignment unit higher in memory is one only Linux 5.18 and later
# load: --check says why, and qemu-ppc, like older kernels, fails on it.
w=$(copy_fixture ppc hello "$SCRATCH/ppc-only-table")
big_bss "$w" && no_gap "$w" && cover_table "$w"
check "ppc no gap, table in a section: --phdr-padding --set-execstack" "$ELFPATCH" \
	--phdr-padding --set-execstack "$w"
check "ppc no gap, table in a section: --check passes" "$ELFPATCH" --check "$w"
runs ppc "$w" "$lib" "ppc no gap, table in a section: runs under qemu-ppc"
cp "$w" "$SCRATCH/ppc-high"
k=$(phdr_index "$w" 1 3)
for spec in "phdr.$k.p_vaddr" "phdr.$k.p_paddr" phdr.PHDR.p_vaddr phdr.PHDR.p_paddr; do
	"$POKE" "$SCRATCH/ppc-high" "$spec" $(($("$POKE" "$w" "$spec") + 0x10000))
done
check_eq "ppc: --check names a table old kernels do not find" \
	"elfpatch: $SCRATCH/ppc-high: the program header table is not in a loadable segment at the first one's address less offset (Linux before 5.18 would not find it)" \
	"$("$ELFPATCH" --check "$SCRATCH/ppc-high" 2>&1)"
out=$(FIXTURE_LIBDIR=$lib "$RUN_FIXTURE" ppc "$SCRATCH/ppc-high" 2>&1)
case $? in
77) skip "ppc: qemu-ppc does not find that table" "no qemu or sysroot" ;;
0) fail "ppc: qemu-ppc does not find that table" "it ran: $out" ;;
*) pass "ppc: qemu-ppc does not find that table" ;;
esac
# Without the .bss, the padding stays within two alignment units: no option.
w=$(copy_fixture ppc hello "$SCRATCH/ppc-nogap")
no_gap "$w"
check "ppc no gap: --keep-note-segment growth" "$ELFPATCH" --keep-note-segment \
	--add-needed libm.so.6 "$w"
runs ppc "$w" "$lib" "ppc no gap: runs under qemu-ppc"

done_testing
