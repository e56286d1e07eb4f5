#!/bin/sh
# Replays every input the fuzzer ever failed on (tests/fuzz/regressions/)
# through the built elfpatch: all queries, --check, --report, and the
# edits the fuzz harness plans, as --dry-run.  Each run must end by exit (a
# rejected file is fine), not by a signal, a sanitizer report or a hang,
# and must leave the file as it was.  Then the strips and the command of
# issue 16 run for real, in place, under a file size limit (a regression
# fails here instead of filling the disk): each must leave the file as it
# was or no larger, but for the new tables of growth an edit needs.
# Needs no clang.  An input named
# *.todo is a known, still open bug: it is reported as an expected failure
# (TAP TODO), and as an unexpected pass, which fails the suite, once fixed,
# so that its name loses the .todo.
. "${top_srcdir:-.}/tests/lib.sh"

REGRESSIONS=$top_srcdir/tests/fuzz/regressions
if command -v timeout >/dev/null 2>&1; then
	RUN="timeout 10"
else
	RUN=
fi
LONG=/a/very/long/run/path/that/does/not/fit/anywhere/$(printf '%0200d' 0)
# Issue 16's run path (strip-grows-to-4gib grew to 4 GiB with it).
RPATH16=/a/very/long/run/path/that/will/not/fit/in/the/string/table/of/any
# 8 MiB in dash's 512-byte blocks (16 in bash's): a file that reaches it
# gets SIGXFSZ, a failure below, not a full disk.
FSIZE_BLOCKS=16384

# xfail NAME WHY: an expected failure (lib.sh has no TODO helper).
xfail() {
	_tap_n=$((_tap_n + 1))
	echo "not ok $_tap_n - $1 # TODO $2"
}

# crashed WHAT STATUS: true, with `why` set, when the run whose stderr is
# in $SCRATCH/.err exited with STATUS 2 or more, or a sanitizer reported
# (a sanitizer build exits 1 after its report).
crashed() {
	if [ "$2" -ge 2 ]; then
		why="$1: exit status $2 (124 = hang, 153 = file size limit, 128+ = signal): $(head -c 2000 "$SCRATCH/.err")"
		return 0
	fi
	if grep -q -e 'Sanitizer' -e 'runtime error:' -e 'BUG at' "$SCRATCH/.err"; then
		why="$1: $(grep -m3 -e 'Sanitizer' -e 'runtime error:' -e 'BUG at' "$SCRATCH/.err")"
		return 0
	fi
	return 1
}

# run OPTIONS...: one run on a scratch copy of $file; sets `why` on failure.
run() {
	cp "$file" "$SCRATCH/input" && chmod u+w "$SCRATCH/input"
	$RUN "$ELFPATCH" "$@" "$SCRATCH/input" >/dev/null 2>"$SCRATCH/.err"
	crashed "elfpatch $* FILE" $? && return 1
	if ! cmp -s "$file" "$SCRATCH/input"; then
		why="elfpatch $* FILE changed the file"
		return 1
	fi
	return 0
}

# growth_end OPTIONS...: where the new tables of growth end if the edit
# needs them (its --dry-run says so), else 0.
growth_end() {
	$RUN "$ELFPATCH" --dry-run "$@" "$SCRATCH/input" 2>/dev/null | sed -n \
		's/.*would write \([0-9]*\) bytes at offset \(0x[0-9a-f]*\): growth: new tables.*/\1 \2/p' |
		{ read -r _len _off && echo $((_off + _len)) || echo 0; }
}

# for_real OPTIONS...: one run in place on a scratch copy of $file, within
# FSIZE_BLOCKS; sets `why` on failure.
for_real() {
	cp "$file" "$SCRATCH/input" && chmod u+w "$SCRATCH/input"
	_was=$(wc -c <"$file")
	_max=$(growth_end "$@")
	[ "$_max" -gt "$_was" ] || _max=$_was
	(ulimit -f "$FSIZE_BLOCKS" && exec $RUN "$ELFPATCH" "$@" "$SCRATCH/input") \
		>/dev/null 2>"$SCRATCH/.err"
	_st=$?
	crashed "elfpatch $* FILE (for real)" "$_st" && return 1
	if [ "$_st" -ne 0 ] && ! cmp -s "$file" "$SCRATCH/input"; then
		why="elfpatch $* FILE (for real) failed but changed the file"
		return 1
	fi
	_now=$(wc -c <"$SCRATCH/input")
	if [ "$_now" -gt "$_max" ]; then
		why="elfpatch $* FILE (for real): $_was bytes became $_now (growth allows $_max)"
		return 1
	fi
	return 0
}

# strip_for_real: strips, and issue 16's command, for real.
strip_for_real() {
	for_real --strip-all &&
	for_real --strip-debug &&
	for_real --remove-section .comment &&
	for_real --strip-section-headers &&
	for_real --strip-all --set-rpath "$RPATH16"
}

# replay: every option set in turn, stopping at the first failure.
replay() {
	run --print-interpreter --print-os-abi --print-soname --print-rpath \
		--print-execstack --print-needed &&
	run --dry-run --set-rpath '' &&
	run --dry-run --set-rpath /x &&
	run --dry-run --set-rpath "$LONG" &&
	run --dry-run --set-rpath /opt/lib --force-rpath &&
	run --dry-run --remove-rpath &&
	run --dry-run --add-needed libextra.so.1 &&
	run --dry-run --replace-needed libc.so.6 libc-new.so.6 &&
	run --dry-run --remove-needed libc.so.6 &&
	run --dry-run --set-interpreter /lib/ld-new.so.1 &&
	run --dry-run --set-soname libnew.so.1 &&
	run --dry-run --no-default-lib &&
	run --dry-run --clear-execstack &&
	run --dry-run --set-execstack &&
	run --dry-run --set-os-abi linux &&
	run --dry-run --convert-rpath &&
	run --dry-run --add-rpath /y --convert-runpath &&
	run --dry-run --set-rpath /z --add-needed liba.so --set-soname libs.so --no-default-lib &&
	run --dry-run --strip-debug &&
	run --dry-run --strip-all &&
	run --dry-run --remove-section .comment &&
	run --dry-run --strip-section-headers &&
	run --dry-run --compress-debug-sections &&
	run --dry-run --decompress-debug-sections &&
	run --dry-run --strip-all --set-rpath "$LONG" &&
	run --check &&
	run --report --json &&
	run --dry-run --report --strip-all --set-rpath "$RPATH16" &&
	strip_for_real
}

n=0
for file in "$REGRESSIONS"/*; do
	[ -f "$file" ] || continue
	base=$(basename "$file")
	case $base in README*) continue ;; esac
	n=$((n + 1))
	why=
	if replay; then
		case $base in
		*.todo) pass "$base: queries, dry-run and real edits end cleanly # TODO fixed: drop .todo" ;;
		*) pass "$base: queries, dry-run and real edits end cleanly" ;;
		esac
	elif [ "${base%.todo}" != "$base" ]; then
		xfail "$base: queries, dry-run and real edits end cleanly" "known bug: $why"
	else
		fail "$base: queries, dry-run and real edits end cleanly" "$why"
	fi
done
[ "$n" -gt 0 ] || skip "regression inputs" "none recorded yet in tests/fuzz/regressions"

done_testing
