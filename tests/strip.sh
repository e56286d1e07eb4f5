#!/bin/sh
# Stripping in place (--strip-debug, --strip-all, --remove-section,
# --keep-section): for every target's fixtures with debug information the
# result keeps every loadable byte, gives readelf and eu-elflint nothing
# new to say, still runs, and is no bigger than 1.01 x GNU strip's.
. "${top_srcdir:-.}/tests/lib.sh"

need_cmd readelf eu-elflint cmp

# GNU strip for a target: the cross one, else binutils-multiarch's.
gnu_strip() {
	case $1 in
	armhf) _t=arm-linux-gnueabihf ;;
	armel) _t=arm-linux-gnueabi ;;
	aarch64|aarch64-64k) _t=aarch64-linux-gnu ;;
	x86_64) _t=x86_64-linux-gnu ;;
	i386) _t=i686-linux-gnu ;;
	ppc) _t=powerpc-linux-gnu ;;
	s390x) _t=s390x-linux-gnu ;;
	esac
	if command -v "$_t-strip" >/dev/null 2>&1; then
		echo "$_t-strip"
	else
		echo strip
	fi
}

# The file bytes of each PT_LOAD, in program header order, less the ELF
# header (its e_shoff, e_shnum and e_shstrndx change; ehdr_rest checks
# the rest) and the program header table that follows it (p_offset of a
# load that moves changes; the tests compare the headers apart).
load_bytes_past_headers() {
	load_bytes "$1" "$(readelf -hW "$1" | awk -F: '
		/Size of this header/ { eh = $2 + 0 }
		/Start of program headers/ { po = $2 + 0 }
		/Size of program headers/ { ps = $2 + 0 }
		/Number of program headers/ { pn = $2 + 0 }
		END { print (po == eh ? po + ps * pn : eh) }')"
}

ehdr_rest() {
	readelf -hW "$1" | grep -v -e 'Start of section headers' -e 'Number of section headers' -e 'Section header string table index'
}

# readelf -aW must print no warning or error on stderr.
readelf_clean() {
	_err=$(readelf -aW "$1" 2>&1 >/dev/null)
	[ -z "$_err" ] || { echo "$_err"; return 1; }
}

# eu-elflint complaints of FILE that ORIG did not have (names normalized:
# section numbers shift when sections go).
new_lint() {
	eu-elflint --gnu-ld "$1" 2>&1 | sed -e "s|$1|FILE|g" -e 's/section \[ *[0-9]*\]/section/g' \
		-e 's/symbol [0-9]*/symbol/g' | grep -v '^No errors$' | sort -u >"$SCRATCH/lint.new"
	eu-elflint --gnu-ld "$2" 2>&1 | sed -e "s|$2|FILE|g" -e 's/section \[ *[0-9]*\]/section/g' \
		-e 's/symbol [0-9]*/symbol/g' | grep -v '^No errors$' | sort -u >"$SCRATCH/lint.old"
	comm -23 "$SCRATCH/lint.new" "$SCRATCH/lint.old"
}

sections() {
	readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\) .*/\1/p' | tr '\n' ' '
}

# Runs TARGET's program with its libgreet from LIBDIR; 77 when it cannot.
runs() {
	FIXTURE_LIBDIR=$3 "$RUN_FIXTURE" "$1" "$2" >"$SCRATCH/run.out" 2>&1
	_st=$?
	[ $_st -eq 0 ] && grep -q 'hello' "$SCRATCH/run.out" && return 0
	return $_st
}

check_runs() {
	runs "$2" "$3" "$4"
	case $? in
	0) pass "$1" ;;
	77) skip "$1" "cannot run $2 programs here" ;;
	*) fail "$1" "$(cat "$SCRATCH/run.out")" ;;
	esac
}

for t in $TARGETS; do
	for f in hello-debug libgreet.so; do
		[ -f "$FIXTURES/$t/$f" ] || continue
		readelf -SW "$FIXTURES/$t/$f" | grep -q '\.debug_info' || continue
		gs=$(gnu_strip "$t")
		for mode in strip-debug strip-all; do
			id="$t/$f --$mode"
			orig=$FIXTURES/$t/$f
			mkdir -p "$SCRATCH/$t-$mode"
			dst=$SCRATCH/$t-$mode/$f
			copy_fixture "$t" "$f" "$dst" >/dev/null
			check "$id: succeeds" "$ELFPATCH" "--$mode" "$dst"
			load_bytes_past_headers "$orig" >"$SCRATCH/load.old"
			load_bytes_past_headers "$dst" >"$SCRATCH/load.new"
			check "$id: every PT_LOAD's bytes unchanged" cmp "$SCRATCH/load.old" "$SCRATCH/load.new"
			check_eq "$id: ELF header unchanged but for the section table fields" \
				"$(ehdr_rest "$orig")" "$(ehdr_rest "$dst")"
			check_eq "$id: program headers unchanged" \
				"$(readelf -lW "$orig" | sed -n '/^Program Headers/,/^$/p')" \
				"$(readelf -lW "$dst" | sed -n '/^Program Headers/,/^$/p')"
			check "$id: readelf -aW has no warnings" readelf_clean "$dst"
			check_eq "$id: eu-elflint --gnu-ld, no new complaints" "" "$(new_lint "$dst" "$orig")"
			secs=$(sections "$dst")
			case $secs in
			*.debug*) fail "$id: no debug section left" "$secs" ;;
			*) pass "$id: no debug section left" ;;
			esac
			case $mode in
			strip-debug) want=".symtab" ;;
			*) want="" ;;
			esac
			case " $secs " in
			*" .symtab "*) has=.symtab ;;
			*) has= ;;
			esac
			check_eq "$id: .symtab kept only by --strip-debug" "$want" "$has"
			"$gs" "--$mode" -o "$SCRATCH/gnu" "$orig"
			ours=$(wc -c <"$dst")
			gnu=$(wc -c <"$SCRATCH/gnu")
			if [ $((ours * 100)) -le $((gnu * 101)) ]; then
				pass "$id: $ours bytes, GNU strip $gnu"
			else
				fail "$id: $ours bytes, GNU strip $gnu" "more than 1% above GNU strip"
			fi
			check_eq "$id: the same sections as GNU strip" "$(sections "$SCRATCH/gnu")" "$secs"
			if [ "$f" = libgreet.so ]; then
				ln -sf libgreet.so "$SCRATCH/$t-$mode/libgreet.so.1"
				check_runs "$id: hello runs with it" "$t" hello "$SCRATCH/$t-$mode"
			else
				check_runs "$id: runs" "$t" "$dst" "$FIXTURES/$t"
			fi
			cp "$dst" "$SCRATCH/again"
			check "$id: a second run succeeds" "$ELFPATCH" "--$mode" "$SCRATCH/again"
			check "$id: and changes nothing" cmp "$dst" "$SCRATCH/again"
		done
	done
done

# Files grown by patchelf: its appended load sits after the debug
# sections and moves down by whole pages (same bytes, same addresses, the
# offset still congruent); files grown by elfpatch keep the program
# header table in the appended load, which therefore stays.
phdrs_but_offsets() {
	readelf -lW "$1" | sed -n '/^Program Headers/,/^$/p' | awk '{ $2 = ""; print }'
}
long=/opt/$(printf '%0300d' 0)
for t in armhf x86_64 s390x; do
	for grower in patchelf elfpatch; do
		id="$t/hello-debug grown by $grower, --strip-debug"
		if [ $grower = patchelf ] && ! command -v patchelf >/dev/null 2>&1; then
			skip "$id" "patchelf not installed"
			continue
		fi
		f=$(copy_fixture $t hello-debug "$SCRATCH/$t-$grower")
		if [ $grower = patchelf ]; then
			patchelf --set-rpath "$long" "$f"
		else
			"$ELFPATCH" --set-rpath "$long" "$f"
		fi
		cp "$f" "$SCRATCH/grown"
		check "$id: succeeds" "$ELFPATCH" --strip-debug "$f"
		load_bytes_past_headers "$SCRATCH/grown" >"$SCRATCH/load.old"
		load_bytes_past_headers "$f" >"$SCRATCH/load.new"
		check "$id: every PT_LOAD's bytes unchanged" cmp "$SCRATCH/load.old" "$SCRATCH/load.new"
		check_eq "$id: program headers unchanged but for offsets" \
			"$(phdrs_but_offsets "$SCRATCH/grown")" "$(phdrs_but_offsets "$f")"
		check "$id: readelf -aW has no new warnings" sh -c \
			"[ \"\$(readelf -aW '$f' 2>&1 >/dev/null)\" = \"\$(readelf -aW '$SCRATCH/grown' 2>&1 >/dev/null)\" ]"
		check_eq "$id: eu-elflint --gnu-ld, no new complaints" "" \
			"$(new_lint "$f" "$SCRATCH/grown")"
		check_runs "$id: runs" $t "$f" "$FIXTURES/$t"
		"$(gnu_strip $t)" --strip-debug -o "$SCRATCH/gnu" "$SCRATCH/grown" 2>/dev/null
		ours=$(wc -c <"$f")
		gnu=$(wc -c <"$SCRATCH/gnu")
		last=$(readelf -lW "$SCRATCH/grown" | awk '$1 == "LOAD" { o = $2; l = $5 } END { print o, l }')
		end=$(( ${last% *} + ${last#* } ))
		if [ $grower = patchelf ]; then
			[ "$ours" -lt "$end" ] && pass "$id: the appended load moved down" \
				|| fail "$id: the appended load moved down" "$ours bytes, load ended at $end"
			if [ $((ours * 100)) -le $((gnu * 101)) ]; then
				pass "$id: $ours bytes, GNU strip $gnu"
			else
				fail "$id: $ours bytes, GNU strip $gnu" "more than 1% above GNU strip"
			fi
		else
			check_eq "$id: the appended load (holding the program headers) stays" \
				"$last" "$(readelf -lW "$f" | awk '$1 == "LOAD" { o = $2; l = $5 } END { print o, l }')"
			[ "$ours" -le "$(wc -c <"$SCRATCH/grown")" ] \
				&& pass "$id: $ours bytes, no bigger (GNU strip: $gnu)" \
				|| fail "$id: no bigger" "$ours bytes"
		fi
	done
done

# One invocation, one plan: a dynamic edit and the strip together.
t=armhf
f=$(copy_fixture $t hello-debug)
check "--set-rpath '' --strip: succeeds" "$ELFPATCH" --set-rpath '' --strip "$f"
check_eq "--set-rpath '' --strip: rpath cleared" "" "$("$ELFPATCH" --print-rpath "$f")"
case $(sections "$f") in
*.debug*) fail "--set-rpath '' --strip: debug sections gone" ;;
*) pass "--set-rpath '' --strip: debug sections gone" ;;
esac
check "--set-rpath '' --strip: readelf -aW has no warnings" readelf_clean "$f"
check_runs "--set-rpath '' --strip: runs" $t "$f" "$FIXTURES/$t"

# --output leaves the input alone.
f=$(copy_fixture $t libgreet.so)
cp "$f" "$SCRATCH/orig"
check "--strip-all --output: succeeds" "$ELFPATCH" --strip-all --output "$SCRATCH/out.so" "$f"
check "--strip-all --output: input untouched" cmp "$f" "$SCRATCH/orig"
check "--strip-all --output: output is valid" readelf_clean "$SCRATCH/out.so"
case $(sections "$SCRATCH/out.so") in
*.symtab*|*.debug*) fail "--strip-all --output: output stripped" ;;
*) pass "--strip-all --output: output stripped" ;;
esac

# --remove-section, --keep-section and refusals.
f=$(copy_fixture $t hello-debug)
check "--remove-section .comment: succeeds" "$ELFPATCH" --remove-section .comment "$f"
secs=$(sections "$f")
case " $secs " in
*" .comment "*) fail "--remove-section .comment: gone" "$secs" ;;
*" .debug_info "*) pass "--remove-section .comment: gone, nothing else" ;;
*) fail "--remove-section .comment: gone, nothing else" "$secs" ;;
esac
check "--remove-section .comment: valid" readelf_clean "$f"
f=$(copy_fixture $t hello-debug)
check "--remove-section '.debug_[il]*': succeeds" "$ELFPATCH" --remove-section '.debug_[il]*' "$f"
check_eq "--remove-section '.debug_[il]*': exactly those gone" \
	"$(sections "$FIXTURES/$t/hello-debug" | tr ' ' '\n' | grep -v '^\.debug_[il]' | tr '\n' ' ')" \
	"$(sections "$f")"
f=$(copy_fixture $t hello-debug)
cp "$f" "$SCRATCH/orig"
check_fails "--remove-section .text: refused" "$ELFPATCH" --remove-section .text "$f"
grep -q 'allocated section' "$SCRATCH/.out" && pass "--remove-section .text: says why" \
	|| fail "--remove-section .text: says why" "$(cat "$SCRATCH/.out")"
check "--remove-section .text: file untouched" cmp "$f" "$SCRATCH/orig"
check_fails "--remove-section .shstrtab: refused" "$ELFPATCH" --remove-section .shstrtab "$f"
check_fails "--remove-section .strtab while .symtab stays: refused" \
	"$ELFPATCH" --remove-section .strtab "$f"
check "refusals: file untouched" cmp "$f" "$SCRATCH/orig"
check "--strip-debug --keep-section .debug_line: succeeds" \
	"$ELFPATCH" --strip-debug --keep-section .debug_line "$f"
check_eq "--keep-section .debug_line: the only debug section left" ".debug_line" \
	"$(sections "$f" | tr ' ' '\n' | grep '^\.debug')"
check "--keep-section: valid" readelf_clean "$f"
f=$(copy_fixture $t hello-debug)
check "--strip-all --keep-section .symtab: succeeds" \
	"$ELFPATCH" --strip-all --keep-section .symtab "$f"
case " $(sections "$f") " in
*" .symtab .strtab "*) pass "--strip-all --keep-section .symtab: .symtab and .strtab kept" ;;
*) fail "--strip-all --keep-section .symtab: .symtab and .strtab kept" "$(sections "$f")" ;;
esac
check "--strip-all --keep-section .symtab: valid" readelf_clean "$f"

# Not an executable or shared library: refused, untouched.
f=$(copy_fixture $t hello-debug)
if [ -x "${top_builddir:-.}/tests/poke" ]; then
	"${top_builddir:-.}/tests/poke" "$f" ehdr.e_type 1
	cp "$f" "$SCRATCH/orig"
	check_fails "ET_REL: refused" "$ELFPATCH" --strip "$f"
	check "ET_REL: untouched" cmp "$f" "$SCRATCH/orig"
else
	skip "ET_REL: refused" "tests/poke not built"
fi

# No section header table: nothing to strip, nothing written.
f=$(copy_fixture $t hello-debug)
check "--strip-section-headers: succeeds" "$ELFPATCH" --strip-section-headers "$f"
cp "$f" "$SCRATCH/orig"
check "--strip on a file without sections: succeeds" "$ELFPATCH" --strip "$f"
check "--strip on a file without sections: unchanged" cmp "$f" "$SCRATCH/orig"

# Nothing to remove: nothing written (the name table is not rebuilt).
for t in armhf x86_64; do
	f=$(copy_fixture $t hello-static)
	check_eq "$t hello-static --strip-debug: nothing to change" "$f: nothing to change" \
		"$("$ELFPATCH" --dry-run --strip-debug "$f")"
	"$ELFPATCH" --strip-debug "$f"
	check "$t hello-static --strip-debug: byte-identical" cmp "$f" "$FIXTURES/$t/hello-static"
done

done_testing
