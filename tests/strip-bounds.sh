#!/bin/sh
# Size bounds (issue 16): a strip never makes a file larger than the edits
# of the same run need, no plan writes or grows beyond what its content
# needs, and nothing allocates what a field claims before checking it
# against the file.  Each case is a fixture with fields poked by
# tests/poke, in the four class x byte-order combinations, and each edit
# runs in place under a file size limit, so that a regression fails here
# instead of filling the disk.  A refused edit exits 1 with one line,
# "elfpatch: FILE: why", and leaves the file as it was.
. "${top_srcdir:-.}/tests/lib.sh"

need_cmd readelf cmp
POKE=${POKE:-$top_builddir/tests/poke}
[ -x "$POKE" ] || { echo "Bail out! $POKE not built (make check builds it)"; exit 99; }
if command -v timeout >/dev/null 2>&1; then
	RUN="timeout 60"
else
	RUN=
fi
# 8 MiB in dash's 512-byte blocks (16 in bash's): SIGXFSZ, not a full disk.
FSIZE_BLOCKS=16384
FIXTURE_SET="armhf ppc x86_64 s390x"
LONG=/opt/$(printf '%0300d' 0)
CASE=$SCRATCH/case

# edit FILE OPTIONS...: elfpatch in place, within FSIZE_BLOCKS; sets st.
edit() {
	_f=$1
	shift
	# shellcheck disable=SC2086
	(ulimit -f "$FSIZE_BLOCKS" && exec $RUN "$ELFPATCH" "$@" "$_f") >"$SCRATCH/.out" \
		2>"$SCRATCH/.err"
	st=$?
}

# refused NAME GLOB FILE OPTIONS...: exit 1, one line matching
# "elfpatch: FILE: GLOB", FILE unchanged.
refused() {
	_n=$1 _g=$2 _f=$3
	shift 3
	cp "$_f" "$SCRATCH/before"
	edit "$_f" "$@"
	_msg=$(cat "$SCRATCH/.err")
	if [ "$st" -ne 1 ]; then
		fail "$_n" "exit status $st, expected 1 (153: file size limit)" "$_msg"
	elif [ "$(wc -l <"$SCRATCH/.err")" -ne 1 ]; then
		fail "$_n" "expected one line on stderr" "$_msg"
	elif ! cmp -s "$_f" "$SCRATCH/before"; then
		fail "$_n" "refused, but changed the file"
	else
		# shellcheck disable=SC2254
		case $_msg in
		"elfpatch: $_f: "$_g) pass "$_n" ;;
		*) fail "$_n" "message:  $_msg" "expected: elfpatch: $_f: $_g" ;;
		esac
	fi
}

# no_larger NAME FILE OPTIONS...: exit 0, FILE no larger than it was.
no_larger() {
	_n=$1 _f=$2
	shift 2
	_was=$(wc -c <"$_f")
	edit "$_f" "$@"
	_now=$(wc -c <"$_f")
	if [ "$st" -ne 0 ]; then
		fail "$_n" "exit status $st" "$(cat "$SCRATCH/.err")"
	elif [ "$_now" -gt "$_was" ]; then
		fail "$_n" "$_was bytes became $_now"
	else
		pass "$_n"
	fi
}

# derive SPEC=VALUE...: $CASE, a copy of $FIX with the fields poked.
derive() {
	cp "$FIX" "$CASE" && chmod u+w "$CASE" || return 1
	for _pv in "$@"; do
		"$POKE" "$CASE" "${_pv%%=*}" "${_pv#*=}" || return 1
	done
}

# every_load FIELD VALUE: SPEC=VALUE for that field of each PT_LOAD of $FIX.
every_load() {
	_i=0
	while _t=$("$POKE" "$FIX" "phdr.$_i.p_type" 2>/dev/null); do
		[ "$_t" -eq 1 ] && echo "phdr.$_i.$1=$2"
		_i=$((_i + 1))
	done
}

# The first SHF_COMPRESSED debug section of FILE.
compressed_section() {
	readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] \(\.debug[^ ]*\) .* [A-Z]*C[A-Z]* .*/\1/p' |
		head -1
}

SIXTY_FOUR_K="shdr..debug_aranges.sh_addralign=0x10000 shdr..debug_info.sh_addralign=0x10000
	shdr..debug_abbrev.sh_addralign=0x10000 shdr..debug_line.sh_addralign=0x10000
	shdr..debug_str.sh_addralign=0x10000 shdr..symtab.sh_addralign=0x10000"

for t in $FIXTURE_SET; do
	FIX=$FIXTURES/$t/hello-debug
	id=$t/hello-debug
	size=$(wc -c <"$FIX" | tr -d ' ')
	if [ "$("$POKE" "$FIX" ident.4)" -eq 2 ]; then
		big=0x100000000
	else
		big=0x80000000
	fi

	# The cause: an empty section asking for 4 GiB (2 GiB) alignment after
	# the removed one took the section header table there.
	derive shdr..debug_aranges.sh_size=0 shdr..debug_aranges.sh_addralign=$big
	cp "$CASE" "$SCRATCH/empty-aligned"
	no_larger "$id: empty section aligned to $big: --remove-section .comment, no larger" \
		"$CASE" --remove-section .comment
	check "$id: empty section aligned to $big: the result validates" \
		"$ELFPATCH" --check "$CASE"
	cp "$SCRATCH/empty-aligned" "$CASE"
	check "$id: empty section aligned to $big: --dry-run --report" \
		"$ELFPATCH" --dry-run --report --strip-all --set-rpath "$LONG" "$CASE"

	# A section with bytes cannot honestly move to such an alignment.
	derive shdr..debug_info.sh_addralign=$big
	refused "$id: .debug_info aligned to $big: strip refused" \
		"cannot move section .debug_info: its alignment $big is beyond 64 KiB" \
		"$CASE" --remove-section .comment
	refused "$id: .debug_info aligned to $big: --only-keep-debug refused" \
		"--only-keep-debug: section .debug_info alignment $big is beyond 64 KiB" \
		"$CASE" --only-keep-debug "$SCRATCH/debug"
	if [ -e "$SCRATCH/debug" ]; then
		fail "$id: .debug_info aligned to $big: no debug file written"
	else
		pass "$id: .debug_info aligned to $big: no debug file written"
	fi

	# (b) Alignments each allowed, whose padding together is more than
	# the few pages a plan may add to its content: refused on the plan's
	# numbers, before anything is written (or simulated, for --report).
	# shellcheck disable=SC2086
	derive $SIXTY_FOUR_K
	refused "$id: six sections aligned to 64 KiB: strip refused" \
		"planned result of * bytes is beyond the * the edits can need (* in the file, * added)" \
		"$CASE" --remove-section .comment
	refused "$id: six sections aligned to 64 KiB: --dry-run --report refused" \
		"planned result of * bytes is beyond the * the edits can need (* in the file, * added)" \
		"$CASE" --dry-run --report --remove-section .comment
	refused "$id: six sections aligned to 64 KiB: --only-keep-debug refused" \
		"--only-keep-debug: the debug file would be * bytes, more than the input's $size" \
		"$CASE" --only-keep-debug "$SCRATCH/debug"

	# (b) on the growth path: with a 1 GiB p_align and the notes kept, the
	# new segment of a program would start 1 GiB into the file.
	# shellcheck disable=SC2046
	derive $(every_load p_align 0x40000000)
	cp "$CASE" "$SCRATCH/before"
	edit "$CASE" --keep-note-segment --set-rpath "$LONG"
	grew=$(($(wc -c <"$CASE") - size))
	if [ "$st" -eq 1 ] && cmp -s "$CASE" "$SCRATCH/before" &&
		grep -q 'planned result of .* bytes is beyond' "$SCRATCH/.err"; then
		pass "$id: PT_LOAD aligned to 1 GiB: growth refused"
	elif [ "$st" -eq 0 ] && [ "$grew" -lt 65536 ]; then
		pass "$id: PT_LOAD aligned to 1 GiB: growth by $grew bytes"
	else
		fail "$id: PT_LOAD aligned to 1 GiB: growth refused or small" \
			"exit status $st, grew by $grew bytes" "$(cat "$SCRATCH/.err")"
	fi

	# (a) A strip alone never makes the file larger: one section asking
	# for page alignment its old offset does not have would.
	derive shdr..symtab.sh_addralign=0x1000
	refused "$id: .symtab aligned to 4 KiB: strip that would grow refused" \
		"stripping would make the file larger: * bytes, was $size" \
		"$CASE" --remove-section .comment
	# ... but it may grow by what an edit of the same run needs.
	derive
	edit "$CASE" --strip-debug --set-rpath "$LONG"
	if [ "$st" -eq 0 ] && [ "$("$ELFPATCH" --print-rpath "$CASE")" = "$LONG" ]; then
		pass "$id: --strip-debug with growth for --set-rpath"
	else
		fail "$id: --strip-debug with growth for --set-rpath" "exit status $st" \
			"$(cat "$SCRATCH/.err")"
	fi

	# A compression header claiming 8 GiB (ELF32: 4 GiB) of debug data is
	# refused before anything that size is allocated.
	derive
	"$ELFPATCH" --compress-debug-sections "$CASE"
	sec=$(compressed_section "$CASE")
	if [ -z "$sec" ]; then
		fail "$id: a compressed section to poke" "$(readelf -SW "$CASE")"
	else
		off=$("$POKE" "$CASE" "shdr.$sec.sh_offset")
		if [ "$big" = 0x100000000 ]; then
			"$POKE" "$CASE" "u64@$((off + 8))" 0x200000000
		else
			"$POKE" "$CASE" "u32@$((off + 4))" 0xffffffff
		fi
		refused "$id: $sec claiming 8 GiB uncompressed: refused" \
			"$sec: uncompressed size * is not plausible for * compressed bytes" \
			"$CASE" --decompress-debug-sections
		refused "$id: $sec claiming 8 GiB uncompressed: --dry-run --report refused" \
			"$sec: uncompressed size * is not plausible for * compressed bytes" \
			"$CASE" --dry-run --report --decompress-debug-sections
	fi

	# A symbol table without a string table (sh_link 0): --strip-all used
	# to remove section 0 with it, shifting every header down by one.
	derive shdr..symtab.sh_link=0
	first=$(readelf -SW "$FIX" | sed -n 's/^ *\[ *1\] \([^ ]*\) .*/\1/p')
	no_larger "$id: .symtab with sh_link 0: --strip-all" "$CASE" --strip-all
	check_eq "$id: .symtab with sh_link 0: section 1 is still $first" "$first" \
		"$(readelf -SW "$CASE" | sed -n 's/^ *\[ *1\] \([^ ]*\) .*/\1/p')"
done

done_testing
