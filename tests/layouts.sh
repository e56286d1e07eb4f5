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
	eu-elflint --gnu-ld $3 "$1" 2>&1 | sed "s|$1||" | sort >"$SCRATCH/lint.a"
	eu-elflint --gnu-ld $3 "$2" 2>&1 | sed "s|$2||" | sort >"$SCRATCH/lint.b"
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
				"$ELFPATCH" --only-keep-debug "$d" "$SCRATCH/dbg-$t/$f" || { fail "$t/$f: $tool --only-keep-debug"; continue; }
			elif ! command -v objcopy >/dev/null 2>&1 ||
				! objcopy --only-keep-debug "$src" "$d" 2>/dev/null; then
				skip "$t/$f: $tool --only-keep-debug" "objcopy cannot read $t"
				continue
			fi
			check_eq "$t/$f.$tool: PT_DYNAMIC has no file contents" 0 \
				"$(readelf -lW "$d" | awk '$1 == "DYNAMIC" { print $5 + 0 }')"
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

done_testing
