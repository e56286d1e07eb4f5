#!/bin/sh
# Bad input: corrupt files derived at test time from good fixtures.
#
# Each corruption is "this field, this value", computed from the fixture by
# tests/poke (class- and byte-order-aware), so that the file reaches one
# named check in src/validate.c, src/dynamic.c or src/strtab.c; the test
# then expects that check's message.  For every case elfpatch runs a query
# (--print-rpath --print-needed --print-interpreter) and two in-place edits
# (--set-rpath /x, --remove-rpath), and each run must
#   - exit with status 1 (not 2, not a signal, not a hang),
#   - print exactly one line on stderr, "elfpatch: FILE: <message>",
#   - leave the file byte-identical.
# A few corruptions are legitimate files (extended numbering, no section
# headers); those must be accepted.
. "${top_srcdir:-.}/tests/lib.sh"

POKE=${POKE:-$top_builddir/tests/poke}
[ -x "$POKE" ] || { echo "Bail out! $POKE not built (make check builds it)"; exit 99; }
# A hang is a failure, not a stuck test suite.
if command -v timeout >/dev/null 2>&1; then
	RUN="timeout 30"
else
	RUN=
fi

QUERY="--print-rpath --print-needed --print-interpreter"
# Fixtures covering the four class x byte-order combinations.
FIXTURE_SET="armhf/hello ppc/hello x86_64/hello s390x/hello"

n_cases=0

# run_op FILE EXPECT OPTIONS...: runs one elfpatch invocation on FILE.
# EXPECT is `ok` (exit 0), `any` (exit 0, or a clean failure as below), or
# a glob the message after "elfpatch: FILE: " must match (a clean failure).
# Sets `why` and returns 1 when the run breaks the rules.  A file that is
# not a readable regular one is compared by its `ls -ld` line; try()
# compares the contents of the others.  A successful edit may change FILE;
# the caller restores it.  Shell built-ins where possible: this runs thousands of times.
run_op() {
	_f=$1 _exp=$2
	shift 2
	[ -f "$SCRATCH/.case" ] || _meta=$(ls -ld "$_f" 2>&1)
	# shellcheck disable=SC2086
	$RUN "$ELFPATCH" "$@" "$_f" >/dev/null 2>"$SCRATCH/.err"
	_st=$?
	why=
	if [ "$_st" -eq 0 ]; then
		case $_exp in
		ok|any) return 0 ;;
		esac
		why="$*: exit 0, expected failure \"$_exp\""
		return 1
	fi
	_lines=0 _err='' _l=''
	while IFS= read -r _l; do
		_lines=$((_lines + 1))
		_err="$_err${_err:+ / }$_l"
	done <"$SCRATCH/.err"
	if [ -n "$_l" ]; then
		# a last line without its newline
		_lines=$((_lines + 1))
		_err="$_err${_err:+ / }$_l"
	fi
	if [ "$_st" -ne 1 ]; then
		why="$*: exit status $_st (1 expected; 124 = hang, 128+ = signal): $_err"
		return 1
	fi
	if [ "$_exp" = ok ]; then
		why="$*: failed, expected success: $_err"
		return 1
	fi
	if [ "$_lines" -ne 1 ] || [ -n "$_l" ]; then
		why="$*: $_lines lines on stderr, expected one whole line: $_err"
		return 1
	fi
	case $_err in
	"elfpatch: $_f: "*) ;;
	*)
		why="$*: stderr does not start with \"elfpatch: $_f: \": $_err"
		return 1 ;;
	esac
	if [ "$_exp" != any ]; then
		# shellcheck disable=SC2254
		case ${_err#"elfpatch: $_f: "} in
		$_exp) ;;
		*)
			why="$*: message \"${_err#"elfpatch: $_f: "}\" does not match \"$_exp\""
			return 1 ;;
		esac
	fi
	if [ ! -f "$SCRATCH/.case" ] && [ "$(ls -ld "$_f" 2>&1)" != "$_meta" ]; then
		why="$*: failed but changed $_f"
		return 1
	fi
	return 0
}

# try NAME FILE QUERY_EXPECT EDIT_EXPECT: the query and both edits on FILE
# (restored after a successful edit); one TAP line.
try() {
	_name=$1 _file=$2 _qexp=$3 _eexp=$4 _why=
	n_cases=$((n_cases + 1))
	rm -f "$SCRATCH/.case"
	if [ -f "$_file" ] && [ -r "$_file" ]; then
		cp -p "$_file" "$SCRATCH/.case"
	fi
	# Contents are compared once, after the three runs: a successful edit
	# is undone at once, so any difference is a failed run's doing.
	# shellcheck disable=SC2086
	run_op "$_file" "$_qexp" $QUERY || _why="$_why${_why:+; }$why"
	for _edit in "--set-rpath /x" --remove-rpath; do
		# shellcheck disable=SC2086
		run_op "$_file" "$_eexp" $_edit || _why="$_why${_why:+; }$why"
		[ "$_st" -ne 0 ] || [ ! -f "$SCRATCH/.case" ] || cp -p "$SCRATCH/.case" "$_file"
	done
	if [ -f "$SCRATCH/.case" ] && ! cmp -s "$_file" "$SCRATCH/.case"; then
		_why="$_why${_why:+; }a failed run changed the file"
	fi
	if [ -z "$_why" ]; then
		pass "$_name"
	else
		fail "$_name" "$_why"
	fi
}

# Truncations come by the hundred, so they run in batches: given many
# files, elfpatch must report each bad one on exactly one line of its own,
# in order, go on with the next, and exit 1 at the end.  That checks what
# try() checks, for every file, with one process per run instead of
# hundreds.  batch_add FILE EXPECT NAME queues a file (EXPECT as for try);
# batch_run NAME runs the query and both edits over the queue and prints
# one TAP line per file and one per run.
TAB=$(printf '\t')

batch_add() {
	n_cases=$((n_cases + 1))
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$SCRATCH/batch"
}

batch_run() {
	_files=$(cut -f1 "$SCRATCH/batch")
	# shellcheck disable=SC2086
	cksum $_files >"$SCRATCH/batch.sum"
	rm -f "$SCRATCH"/batch.why.*
	for _op in "$QUERY" "--set-rpath /x" --remove-rpath; do
		# shellcheck disable=SC2086
		$RUN "$ELFPATCH" $_op $_files >/dev/null 2>"$SCRATCH/.err"
		_st=$?
		_i=0
		exec 4<"$SCRATCH/.err"
		while IFS=$TAB read -r _f _exp _name; do
			_i=$((_i + 1))
			if ! IFS= read -r _l <&4; then
				echo "$_op: no message" >>"$SCRATCH/batch.why.$_i"
				continue
			fi
			# shellcheck disable=SC2254
			case $_l in
			"elfpatch: $_f: "$_exp) ;;
			*) echo "$_op: \"$_l\", expected \"elfpatch: $_f: $_exp\"" \
				>>"$SCRATCH/batch.why.$_i" ;;
			esac
		done <"$SCRATCH/batch"
		_extra=
		while IFS= read -r _l <&4 || [ -n "$_l" ]; do
			_extra="$_extra${_extra:+ / }$_l"
			_l=
		done
		exec 4<&-
		if [ "$_st" -eq 1 ] && [ -z "$_extra" ]; then
			pass "$1: $_op exits 1, one message per file"
		else
			fail "$1: $_op exits 1, one message per file" \
				"exit status $_st (124 = hang, 128+ = signal)" "extra output: $_extra"
		fi
		# shellcheck disable=SC2086
		if ! cksum $_files | cmp -s - "$SCRATCH/batch.sum"; then
			_i=0
			# shellcheck disable=SC2086
			cksum $_files | while read -r _sum _size _f; do
				_i=$((_i + 1))
				read -r _osum _osize _of <&5
				[ "$_sum $_size" = "$_osum $_osize" ] ||
					echo "$_op: failed but changed the file" >>"$SCRATCH/batch.why.$_i"
			done 5<"$SCRATCH/batch.sum"
		fi
	done
	_i=0
	while IFS=$TAB read -r _f _exp _name; do
		_i=$((_i + 1))
		if [ -f "$SCRATCH/batch.why.$_i" ]; then
			fail "$_name" "$(cat "$SCRATCH/batch.why.$_i")"
		else
			pass "$_name"
		fi
	done <"$SCRATCH/batch"
}

# bad NAME EXPECT SPEC=VALUE...: a copy of the current fixture with the
# fields poked, which every run must reject with a message matching EXPECT.
# edit_only NAME EXPECT SPEC=VALUE...: the same for checks only edits make
# (the string table model); the query may succeed.
# good NAME SPEC=VALUE...: a poked copy that is still a valid file.
derive() {
	_d=$SCRATCH/case
	cp "$FIX" "$_d" && chmod u+w "$_d" || return 1
	# poke refuses a value the field already holds, so each one corrupts.
	for _pv in "$@"; do
		"$POKE" "$_d" "${_pv%%=*}" "${_pv#*=}" || return 1
	done
}

bad() {
	_n=$1 _e=$2
	shift 2
	if derive "$@" 2>"$SCRATCH/.perr"; then
		try "$T: $_n" "$SCRATCH/case" "$_e" "$_e"
	else
		fail "$T: $_n" "cannot derive: $* $(cat "$SCRATCH/.perr")"
	fi
}

edit_only() {
	_n=$1 _e=$2
	shift 2
	if derive "$@" 2>"$SCRATCH/.perr"; then
		try "$T: $_n" "$SCRATCH/case" any "$_e"
	else
		fail "$T: $_n" "cannot derive: $* $(cat "$SCRATCH/.perr")"
	fi
}

# readable NAME MESSAGE POKES...: the query prints what the file has and
# succeeds; the edits are refused with MESSAGE.
readable() {
	_n=$1 _e=$2
	shift 2
	if derive "$@" 2>"$SCRATCH/.perr"; then
		try "$T: $_n" "$SCRATCH/case" ok "$_e"
	else
		fail "$T: $_n" "cannot derive: $* $(cat "$SCRATCH/.perr")"
	fi
}

good() {
	_n=$1
	shift
	if derive "$@" 2>"$SCRATCH/.perr"; then
		try "$T: $_n" "$SCRATCH/case" ok ok
	else
		fail "$T: $_n" "cannot derive: $* $(cat "$SCRATCH/.perr")"
	fi
}

# get SPEC: a field of the current (good) fixture.
get() {
	"$POKE" "$FIX" "$1"
}

# ---- field corruptions, per fixture ------------------------------------

for T in $FIXTURE_SET; do
	FIX=$FIXTURES/$T
	size=$(wc -c <"$FIX" | tr -d ' ')
	ehsize=$(get ehdr.e_ehsize)
	phent=$(get ehdr.e_phentsize)
	phnum=$(get ehdr.e_phnum)
	phoff=$(get ehdr.e_phoff)
	shent=$(get ehdr.e_shentsize)
	shnum=$(get ehdr.e_shnum)
	shoff=$(get ehdr.e_shoff)
	shstrndx=$(get ehdr.e_shstrndx)
	dynent=$(get dyn.0.@size)
	load=$(get phdr.LOAD.@index)
	dynph=$(get phdr.DYNAMIC.@index)
	strsz=$(get dyn.STRSZ.d_val)
	names_size=$(get "shdr.$shstrndx.sh_size")
	dynsym=$(get shdr..dynsym.@index)
	dynstr=$(get shdr..dynstr.@index)
	nsyms=$(($(get shdr..dynsym.sh_size) / $(get shdr..dynsym.sh_entsize)))

	# The untouched fixture passes, so every failure below is the poke's.
	cp "$FIX" "$SCRATCH/good" && chmod u+w "$SCRATCH/good"
	try "$T: good fixture is accepted" "$SCRATCH/good" ok ok

	# e_ident (validate.c check_ident)
	bad "bad magic byte 0" "not an ELF file" ident.0=0x7e
	bad "bad magic byte 3" "not an ELF file" ident.3=0x66
	bad "ELF class 0" "unknown ELF class 0" ident.4=0
	bad "ELF class 3" "unknown ELF class 3" ident.4=3
	bad "wrong ELF class" "*" ident.4=$((3 - $(get ident.4)))
	bad "byte order 0" "unknown ELF byte order 0" ident.5=0
	bad "byte order 3" "unknown ELF byte order 3" ident.5=3
	bad "wrong byte order" "*" ident.5=$((3 - $(get ident.5)))
	bad "EI_VERSION 0" "unknown ELF version 0" ident.6=0
	bad "EI_VERSION 2" "unknown ELF version 2" ident.6=2
	bad "e_version 0" "unknown ELF version 0 in e_version" ehdr.e_version=0
	bad "e_version max" "unknown ELF version * in e_version" ehdr.e_version=max
	bad "e_ehsize 0" "bad ELF header size 0" ehdr.e_ehsize=0
	bad "e_ehsize + 1" "bad ELF header size $((ehsize + 1))" ehdr.e_ehsize=$((ehsize + 1))

	# Section header table and counts (read_section_zero, resolve_counts)
	bad "e_shentsize - 1" "bad section header size $((shent - 1))" \
		ehdr.e_shentsize=$((shent - 1))
	bad "e_shentsize 0" "bad section header size 0" ehdr.e_shentsize=0
	bad "e_shoff past the end" "section header table lies outside the file" \
		ehdr.e_shoff=$((size - shent + 1))
	bad "e_shoff = size" "section header table lies outside the file" ehdr.e_shoff=$size
	bad "e_shoff max" "section header table lies outside the file" ehdr.e_shoff=max
	bad "e_shoff wraps" "section header table lies outside the file" ehdr.e_shoff=max-7
	bad "e_shoff 0 with e_shnum" "section count without a section header table" ehdr.e_shoff=0
	bad "e_shoff 0 with PN_XNUM" "section count without a section header table" \
		ehdr.e_shoff=0 ehdr.e_shnum=0 ehdr.e_phnum=0xffff
	good "no section headers" ehdr.e_shoff=0 ehdr.e_shnum=0 ehdr.e_shstrndx=0
	bad "e_shnum 0, sh_size 0" "empty section header table" ehdr.e_shnum=0
	good "extended e_shnum" shdr.0.sh_size=$shnum ehdr.e_shnum=0
	bad "e_shnum past the end" "section header table lies outside the file" \
		ehdr.e_shnum=$((shnum + 1))
	bad "extended e_shnum huge" "section header table lies outside the file" \
		shdr.0.sh_size=max ehdr.e_shnum=0
	bad "e_shstrndx = e_shnum" "section name table index $shnum out of range" \
		ehdr.e_shstrndx=$shnum
	good "extended e_shstrndx" ehdr.e_shstrndx=0xffff shdr.0.sh_link=$shstrndx
	bad "extended e_shstrndx out of range" "section name table index 4294967295 out of range" \
		ehdr.e_shstrndx=0xffff shdr.0.sh_link=max
	# gABI: SHN_XINDEX puts the index in section 0's sh_link, 0 otherwise;
	# the other reserved values name no section; no section headers, no index.
	bad "e_shstrndx SHN_XINDEX with sh_link 0" \
		"section name table index is SHN_XINDEX, but section 0 holds none (sh_link 0)" \
		ehdr.e_shstrndx=0xffff
	bad "e_shstrndx SHN_LORESERVE" "section name table index 0xff00 is a reserved index" \
		ehdr.e_shstrndx=0xff00
	bad "e_shstrndx SHN_HIRESERVE - 1" "section name table index 0xfffe is a reserved index" \
		ehdr.e_shstrndx=0xfffe shdr.0.sh_size=0x10000 ehdr.e_shnum=0
	bad "e_shstrndx without section headers" \
		"section name table index $shstrndx without a section header table" \
		ehdr.e_shoff=0 ehdr.e_shnum=0
	bad "e_shstrndx SHN_XINDEX without section headers" \
		"section name table index 65535 without a section header table" \
		ehdr.e_shoff=0 ehdr.e_shnum=0 ehdr.e_shstrndx=0xffff

	# Program header table (load_phdrs)
	bad "e_phentsize + 1" "bad program header size $((phent + 1))" \
		ehdr.e_phentsize=$((phent + 1))
	bad "e_phentsize 0" "bad program header size 0" ehdr.e_phentsize=0
	bad "e_phoff past the end" "program header table lies outside the file" \
		ehdr.e_phoff=$((size - phnum * phent + 1))
	bad "e_phoff max" "program header table lies outside the file" ehdr.e_phoff=max
	bad "e_phoff wraps" "program header table lies outside the file" ehdr.e_phoff=max-15
	bad "e_phnum 0xfffe" "program header table lies outside the file" ehdr.e_phnum=0xfffe
	good "extended e_phnum" ehdr.e_phnum=0xffff shdr.0.sh_info=$phnum
	bad "extended e_phnum huge" "program header table lies outside the file" \
		ehdr.e_phnum=0xffff shdr.0.sh_info=max

	# Segments
	bad "PT_LOAD p_offset = size" "segment $load lies outside the file" \
		phdr.LOAD.p_offset=$size
	bad "PT_LOAD p_offset wraps" "segment $load lies outside the file" phdr.LOAD.p_offset=max-15
	bad "PT_LOAD p_filesz > size" "segment $load lies outside the file" \
		phdr.LOAD.p_filesz=$((size + 1)) phdr.LOAD.p_memsz=$((size + 1))
	bad "PT_LOAD p_filesz max" "segment $load lies outside the file" \
		phdr.LOAD.p_filesz=max phdr.LOAD.p_memsz=max
	bad "PT_DYNAMIC p_filesz > size" "segment $dynph lies outside the file" \
		phdr.DYNAMIC.p_filesz=$((size + 1))
	bad "PT_INTERP p_offset max" "segment $(get phdr.INTERP.@index) lies outside the file" \
		phdr.INTERP.p_offset=max
	bad "PT_LOAD p_filesz > p_memsz" "segment $load has file size above memory size" \
		phdr.LOAD.p_memsz=$(($(get phdr.LOAD.p_filesz) - 1))
	bad "PT_LOAD p_align 3" "segment $load alignment is not a power of two" phdr.LOAD.p_align=3
	bad "PT_LOAD p_align 0x1001" "segment $load alignment is not a power of two" \
		phdr.LOAD.p_align=0x1001
	bad "PT_LOAD wraps the address space" "segment $load wraps around the address space" \
		phdr.LOAD.p_vaddr=max-15

	# Sections (load_shdrs, check_names, check_overlaps)
	bad ".dynstr sh_offset = size" "section $dynstr lies outside the file" \
		shdr..dynstr.sh_offset=$size
	bad ".dynstr sh_offset wraps" "section $dynstr lies outside the file" \
		shdr..dynstr.sh_offset=max-15
	bad ".dynstr sh_size > size" "section $dynstr lies outside the file" \
		shdr..dynstr.sh_size=$((size + 1))
	bad ".dynstr sh_size max" "section $dynstr lies outside the file" shdr..dynstr.sh_size=max
	# An empty section's sh_offset is still a place in the file (issue 16:
	# the strip layout moved sections placed far past the end).
	comment=$(get shdr..comment.@index)
	bad "empty .comment past the end" "section $comment lies outside the file" \
		shdr..comment.sh_size=0 shdr..comment.sh_offset=$((size + 1))
	bad "empty .comment sh_offset max" "section $comment lies outside the file" \
		shdr..comment.sh_size=0 shdr..comment.sh_offset=max
	good "empty .comment at the end" shdr..comment.sh_size=0 shdr..comment.sh_offset=$size
	bad ".dynsym sh_link = e_shnum" "section $dynsym links to missing section $shnum" \
		shdr..dynsym.sh_link=$shnum
	bad ".dynsym sh_link max" "section $dynsym links to missing section 4294967295" \
		shdr..dynsym.sh_link=max
	bad "name table is PROGBITS" "section name table is not a string table" \
		"shdr.$shstrndx.sh_type=1"
	bad "name table is empty" "section name table is not a string table" \
		"shdr.$shstrndx.sh_size=0"
	bad "name table unterminated" "section name table is not NUL-terminated" \
		"shdr.$shstrndx.sh_size=$((names_size - 1))"
	bad "sh_name = name table size" "section 1 name lies outside the name table" \
		shdr.1.sh_name=$names_size
	bad "sh_name max" "section $dynsym name lies outside the name table" \
		shdr..dynsym.sh_name=max
	bad ".dynstr overlaps .dynsym" "section contents overlaps section contents" \
		shdr..dynstr.sh_offset="$(get shdr..dynsym.sh_offset)"
	bad ".comment overlaps the ELF header" "*overlaps*ELF header*" shdr..comment.sh_offset=1
	bad ".comment overlaps the program headers" "*overlaps*" \
		shdr..comment.sh_offset=$((phoff + phent))
	bad ".comment overlaps the section headers" "*overlaps*" \
		shdr..comment.sh_offset=$((shoff + shent))

	# .dynamic (dynamic.c)
	# No bytes in the file, as in a separate debug file: nothing to print.
	readable "PT_DYNAMIC p_filesz 0" \
		"cannot edit dynamic entries: the dynamic section is not in the file*" \
		phdr.DYNAMIC.p_filesz=0
	bad "PT_DYNAMIC smaller than one entry" "dynamic segment is too small" \
		phdr.DYNAMIC.p_filesz=$((dynent - 1))
	bad "no DT_NULL" "dynamic section has no DT_NULL terminator" \
		phdr.DYNAMIC.p_filesz=$(($(get dyn.NULL.@index) * dynent))
	bad "DT_STRSZ without DT_STRTAB" "dynamic section has DT_STRSZ without DT_STRTAB" \
		dyn.STRTAB.d_tag=21
	bad "DT_STRTAB without DT_STRSZ" "dynamic section has DT_STRTAB without DT_STRSZ" \
		dyn.STRSZ.d_tag=21
	bad "DT_STRSZ 0" "dynamic string table is empty" dyn.STRSZ.d_val=0
	bad "DT_STRSZ max" "dynamic string table lies outside the loaded file contents" \
		dyn.STRSZ.d_val=max
	bad "DT_STRTAB max" "dynamic string table lies outside the loaded file contents" \
		dyn.STRTAB.d_val=max-15
	bad "DT_STRTAB unmapped" "dynamic string table lies outside the loaded file contents" \
		dyn.STRTAB.d_val=$(($(get phdr.LOAD.p_vaddr) + $(get phdr.LOAD.p_filesz) - 1))
	bad "DT_NEEDED without a string table" \
		"dynamic entry $(get dyn.NEEDED.@index) names a string but there is no DT_STRTAB" \
		dyn.STRTAB.d_tag=21 dyn.STRSZ.d_tag=21
	needed=$(get dyn.NEEDED.@index)
	bad "DT_NEEDED = DT_STRSZ" "dynamic entry $needed names a string outside DT_STRSZ" \
		dyn.NEEDED.d_val=$strsz
	bad "DT_NEEDED max" "dynamic entry $needed names a string outside DT_STRSZ" \
		dyn.NEEDED.d_val=max
	# gABI: a string table's last byte is a NUL.  DT_STRSZ cut inside the
	# first needed name, or one byte short (the last string, a version or
	# the RPATH, then runs on past the table).
	bad "DT_STRSZ cuts DT_NEEDED's string" \
		"dynamic string table is not NUL-terminated (DT_STRSZ $(($(get dyn.NEEDED.d_val) + 1)))" \
		dyn.STRSZ.d_val=$(($(get dyn.NEEDED.d_val) + 1))
	bad "last .dynstr string unterminated" \
		"dynamic string table is not NUL-terminated (DT_STRSZ $((strsz - 1)))" \
		dyn.STRSZ.d_val=$((strsz - 1))
	bad "DT_RPATH outside DT_STRSZ" \
		"dynamic entry $(get dyn.RPATH.@index) names a string outside DT_STRSZ" \
		dyn.RPATH.d_val=$strsz

	# The string table model, built for edits only (strtab.c)
	edit_only "symbol name outside DT_STRSZ" \
		"symbol name lies outside the dynamic string table" \
		sym.$((nsyms - 1)).st_name=$strsz
	edit_only "vn_file outside DT_STRSZ" \
		"version file name lies outside the dynamic string table" verneed.vn_file=$strsz
	edit_only "vna_name outside DT_STRSZ" \
		"version name lies outside the dynamic string table" vernaux.vna_name=max
	edit_only "DT_VERNEED without DT_VERNEEDNUM" "version table without a count" \
		dyn.VERNEEDNUM.d_tag=21
	edit_only "DT_VERNEED unmapped" "version table lies outside the file" \
		dyn.VERNEED.d_val=max-7
	edit_only "vn_aux outside the file" "version table lies outside the file" \
		verneed.vn_aux=0x7ffffff0
	edit_only "vn_next outside the file" "version table lies outside the file" \
		verneed.vn_next=0x7ffffff0 dyn.VERNEEDNUM.d_val=2

	# ---- truncations ----------------------------------------------------
	# The section header table ends the fixture, so every truncation must be
	# refused, with a message that depends on what the cut leaves.
	if [ $((shoff + shnum * shent)) -ne "$size" ]; then
		fail "$T: section headers end the file" "e_shoff $shoff + $shnum * $shent != $size"
		continue
	fi
	trunc_at() {
		if [ "$1" -lt 16 ]; then
			_m="not an ELF file"
		elif [ "$1" -lt "$ehsize" ]; then
			_m="truncated ELF header"
		else
			_m="section header table lies outside the file"
		fi
		batch_add "$SCRATCH/trunc/$1" "$_m" "$T: truncated to $1 bytes"
		lens="$lens $1"
	}
	rm -rf "$SCRATCH/trunc" "$SCRATCH/batch"
	mkdir "$SCRATCH/trunc"
	lens=
	# Every length up to 256 for one ELF32 and one ELF64 fixture (the other
	# two add nothing: which check fires depends on the class only).
	case $T in
	armhf/*|s390x/*) i=1 ;;
	*) i=257 ;;
	esac
	while [ $i -le 256 ]; do
		trunc_at $i
		i=$((i + 1))
	done
	# A spread through the file, and the edges of what validation reads.
	step=$(((size - 257) / 48 + 1))
	i=257
	while [ $i -lt "$size" ]; do
		trunc_at $i
		i=$((i + step))
	done
	for i in $((phoff + phnum * phent - 1)) $(($(get phdr.DYNAMIC.p_offset) + 1)) \
		$(($(get shdr..dynstr.sh_offset) + strsz - 1)) $shoff $((shoff + 1)) \
		$((shoff + shent)) $((size - shent)) $((size - 1)); do
		case " $lens " in
		*" $i "*) ;;
		*) trunc_at $i ;;
		esac
	done
	# shellcheck disable=SC2086
	"$POKE" "$FIX" cut "$SCRATCH/trunc" $lens || fail "$T: cut truncated copies"
	batch_run "$T: truncations"
done

# ---- symbols and the sections they name --------------------------------
# gABI: st_shndx is a section header table index (or a reserved value;
# SHN_XINDEX defers to an SHT_SYMTAB_SHNDX section).  Only a strip reads
# and renumbers them in .symtab: a symbol that names a section the file
# lacks is refused there, in one line, and the file is left alone; the
# queries and dynamic edits, which never read st_shndx, are unaffected.
# A section with no name (sh_name 0: gABI "no name") is a section: its
# symbols keep naming it (patchelf skips them, keyed by section name).

# sym_at FILE N FIELD: file offset of .symtab entry N's st_shndx or st_info.
sym_at() {
	_base=$(($("$POKE" "$1" shdr..symtab.sh_offset) + $2 * $("$POKE" "$1" shdr..symtab.sh_entsize)))
	case $3.$("$POKE" "$1" ident.4) in
	st_shndx.1) echo $((_base + 14)) ;; st_shndx.2) echo $((_base + 6)) ;;
	st_info.1) echo $((_base + 12)) ;; st_info.2) echo $((_base + 4)) ;;
	esac
}
# strip_case NAME FILE EXPECT: a query, an RPATH edit (both succeed) and
# --strip-debug (EXPECT, as run_op takes it); the file must be unchanged
# unless the strip succeeded.
strip_case() {
	_why=
	cp -p "$2" "$SCRATCH/.keep"
	run_op "$2" ok $QUERY || _why="$why"
	run_op "$2" ok --set-rpath /x || _why="$_why $why"
	cp -p "$SCRATCH/.keep" "$2"
	run_op "$2" "$3" --strip-debug || _why="$_why $why"
	if [ "$3" != ok ] && ! cmp -s "$2" "$SCRATCH/.keep"; then
		_why="$_why; the refused strip changed the file"
	fi
	if [ -z "$_why" ]; then pass "$1"; else fail "$1" "$_why"; fi
}
for T in $FIXTURE_SET; do
	FIX=$FIXTURES/$T
	shnum=$(get ehdr.e_shnum)
	# main, in .text: the last symbol named main in .symtab.
	main=$(readelf -sW "$FIX" | awk '$8 == "main" { n = $1 } END { sub(":", "", n); print n }')
	text=$(get shdr..text.@index)
	w=$SCRATCH/sym-$T
	mkdir -p "$(dirname "$w")"
	cp "$FIX" "$w" && chmod u+w "$w"
	"$POKE" "$w" "u16@$(sym_at "$w" "$main" st_shndx)" "$shnum"
	strip_case "$T: symbol naming section e_shnum refused by --strip-debug" "$w" \
		"symbol $main of .symtab names section $shnum, which does not exist"
	cp "$FIX" "$w"
	"$POKE" "$w" "u16@$(sym_at "$w" "$main" st_shndx)" 0xffff
	strip_case "$T: SHN_XINDEX without SHT_SYMTAB_SHNDX refused by --strip-debug" "$w" \
		"symbol $main of .symtab has SHN_XINDEX but the table has no SHT_SYMTAB_SHNDX section"
	cp "$FIX" "$w"
	"$POKE" "$w" shdr..text.sh_name 0
	strip_case "$T: symbols in a section with no name: --strip-debug" "$w" ok
	# The strip drops STT_FILE entries: main's index changes, its section's not.
	m2=$(readelf -sW "$w" | awk '$8 == "main" { n = $1 } END { sub(":", "", n); print n }')
	ndx=$("$POKE" "$w" "u16@$(sym_at "$w" "$m2" st_shndx)")
	check_eq "$T: ... main still names that section" "$(get shdr..text.sh_addr) $text" \
		"$("$POKE" "$w" "shdr.$ndx.sh_addr") $ndx"
done

# ---- whole-file garbage -------------------------------------------------

FIX=$FIXTURES/x86_64/hello
T=misc

: >"$SCRATCH/empty"
try "empty file" "$SCRATCH/empty" "file is empty" "file is empty"
printf '\177ELF' >"$SCRATCH/magic"
try "just \\177ELF" "$SCRATCH/magic" "not an ELF file" "not an ELF file"
printf '\177ELF\002\001\001' >"$SCRATCH/ident7"
try "seven ident bytes" "$SCRATCH/ident7" "not an ELF file" "not an ELF file"
printf '#!/bin/sh\necho hello\n' >"$SCRATCH/script"
try "text file" "$SCRATCH/script" "not an ELF file" "not an ELF file"
head -c 64 /dev/zero >"$SCRATCH/zeros"
try "64 zero bytes" "$SCRATCH/zeros" "not an ELF file" "not an ELF file"

random_bytes() {
	if command -v perl >/dev/null 2>&1; then
		perl -e 'srand($ARGV[0]); print map { chr(int(rand(256))) } 1..$ARGV[1]' "$1" "$2"
	else
		head -c "$2" /dev/urandom
	fi
}
for seed in 1 2 3 4; do
	random_bytes $seed 4096 >"$SCRATCH/random"
	try "random bytes (seed $seed)" "$SCRATCH/random" "not an ELF file" "not an ELF file"
done
# A good e_ident over random bytes reaches the header checks.
for cls in 1 2; do
	for data in 1 2; do
		for seed in 1 2; do
			# shellcheck disable=SC2059
			printf "\\177ELF\\00$cls\\00$data\\001" >"$SCRATCH/rident"
			random_bytes $seed 4089 >>"$SCRATCH/rident"
			try "ident class $cls data $data, random bytes (seed $seed)" \
				"$SCRATCH/rident" "*" "*"
		done
	done
done

mkdir "$SCRATCH/dir"
try "directory" "$SCRATCH/dir" "is a directory" "is a directory"
if command -v mkfifo >/dev/null 2>&1 && mkfifo "$SCRATCH/fifo"; then
	try "FIFO" "$SCRATCH/fifo" "not a regular file" "not a regular file"
else
	skip "FIFO" "mkfifo not available"
fi
try "/dev/null" /dev/null "not a regular file" "not a regular file"
try "non-existent path" "$SCRATCH/missing" "cannot open: No such file or directory" \
	"cannot open: No such file or directory"
if [ -e "$SCRATCH/missing" ]; then
	fail "non-existent path stays absent" "an edit created $SCRATCH/missing"
else
	pass "non-existent path stays absent"
fi
try "path through a regular file" "$SCRATCH/script/x" "cannot open: Not a directory" \
	"cannot open: Not a directory"
# Root reads any file: as root, run a copy of elfpatch as nobody (the
# build directory may not be open to nobody; the scratch directory is
# opened for traversal only).
cp "$FIX" "$SCRATCH/unreadable" && chmod 0 "$SCRATCH/unreadable"
if [ "$(id -u)" -ne 0 ]; then
	try "unreadable file" "$SCRATCH/unreadable" "cannot open: Permission denied" \
		"cannot open: Permission denied"
elif command -v setpriv >/dev/null 2>&1 && cp "$ELFPATCH" "$SCRATCH/elfpatch-copy" &&
	chmod 755 "$SCRATCH/elfpatch-copy" && chmod 711 "$SCRATCH"; then
	_run=$RUN _elfpatch=$ELFPATCH
	RUN="$RUN setpriv --reuid=65534 --regid=65534 --clear-groups"
	ELFPATCH=$SCRATCH/elfpatch-copy
	try "unreadable file (as nobody)" "$SCRATCH/unreadable" "cannot open: Permission denied" \
		"cannot open: Permission denied"
	RUN=$_run ELFPATCH=$_elfpatch
	chmod 700 "$SCRATCH"
else
	skip "unreadable file" "running as root without setpriv"
fi

echo "# $n_cases bad-input cases, each run as a query and two edits"
done_testing
