#!/bin/sh
# Replays every input the fuzzer ever failed on (tests/fuzz/regressions/)
# through the built elfpatch: all queries, --check, --report, and the
# edits the fuzz harness plans, as --dry-run.  Each run must end by exit (a
# rejected file is fine), not by a signal, a sanitizer report or a hang,
# and must leave the file as it was.  Needs no clang.  An input named
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

# xfail NAME WHY: an expected failure (lib.sh has no TODO helper).
xfail() {
	_tap_n=$((_tap_n + 1))
	echo "not ok $_tap_n - $1 # TODO $2"
}

# run OPTIONS...: one run on a scratch copy of $file; sets `why` on failure.
run() {
	cp "$file" "$SCRATCH/input" && chmod u+w "$SCRATCH/input"
	$RUN "$ELFPATCH" "$@" "$SCRATCH/input" >/dev/null 2>"$SCRATCH/.err"
	_st=$?
	if [ "$_st" -ge 2 ]; then
		why="elfpatch $* FILE: exit status $_st (124 = hang, 128+ = signal): $(head -c 2000 "$SCRATCH/.err")"
		return 1
	fi
	# A sanitizer build exits 1 after its report: look for one.
	if grep -q -e 'Sanitizer' -e 'runtime error:' -e 'BUG at' "$SCRATCH/.err"; then
		why="elfpatch $* FILE: $(grep -m3 -e 'Sanitizer' -e 'runtime error:' -e 'BUG at' "$SCRATCH/.err")"
		return 1
	fi
	if ! cmp -s "$file" "$SCRATCH/input"; then
		why="elfpatch $* FILE changed the file"
		return 1
	fi
	return 0
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
	run --report --json
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
		*.todo) pass "$base: queries and dry-run edits end cleanly # TODO fixed: drop .todo" ;;
		*) pass "$base: queries and dry-run edits end cleanly" ;;
		esac
	elif [ "${base%.todo}" != "$base" ]; then
		xfail "$base: queries and dry-run edits end cleanly" "known bug: $why"
	else
		fail "$base: queries and dry-run edits end cleanly" "$why"
	fi
done
[ "$n" -gt 0 ] || skip "regression inputs" "none recorded yet in tests/fuzz/regressions"

done_testing
