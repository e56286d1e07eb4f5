#!/bin/sh
# run-fuzz.sh [SECONDS]: builds the libFuzzer harness with clang and fuzzes
# elfpatch's read side for SECONDS (default 60).  Exits 0 when nothing was
# found, 1 on a finding (the input is printed and kept), 77 when clang or
# libFuzzer is missing, 99 on a setup error.
#
# Environment:
#   FUZZ_DIR       scratch directory (default /tmp/elfpatch-fuzz-$USER); the
#                  corpus there grows from run to run
#   FUZZ_BUILDDIR  a configured build directory whose config.h to use
#                  (`make fuzz` passes its own); without it, a minimal
#                  config.h is written
#   FUZZ_JOBS      parallel fuzzing processes (default 1)
#   FUZZ_MAX_LEN   largest input (default 80000: every dynamic fixture)
#   FUZZ_MALLOC_MB largest single allocation (default 256): a larger one is
#                  a finding (nothing may allocate what a field claims
#                  before checking it against the file's size)
#   FUZZ_RSS_MB    resident memory limit (default 1024)
#   CC             the compiler (default clang)
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=${1:-60}
dir=${FUZZ_DIR:-${TMPDIR:-/tmp}/elfpatch-fuzz-$(id -un)}
jobs=${FUZZ_JOBS:-1}
max_len=${FUZZ_MAX_LEN:-80000}
malloc_mb=${FUZZ_MALLOC_MB:-256}
rss_mb=${FUZZ_RSS_MB:-1024}
cc=${CC:-clang}
case $cc in *clang*) ;; *) cc=clang ;; esac

command -v "$cc" >/dev/null 2>&1 || { echo "run-fuzz.sh: $cc not found: skipped" >&2; exit 77; }
mkdir -p "$dir/build" "$dir/corpus" "$dir/findings" || exit 99

# config.h: the build directory's, or a minimal one that is enough for the
# sources (the configure checks only decide whether we build at all).
if [ -n "${FUZZ_BUILDDIR:-}" ] && [ -f "$FUZZ_BUILDDIR/config.h" ]; then
	inc=$FUZZ_BUILDDIR
else
	inc=$dir/build
	cat >"$inc/config.h" <<'EOF'
#define _GNU_SOURCE 1
#define _FILE_OFFSET_BITS 64
#define HAVE_ELF_H 1
#define PACKAGE "elfpatch"
#define PACKAGE_NAME "elfpatch"
#define PACKAGE_STRING "elfpatch fuzz"
#define PACKAGE_VERSION "fuzz"
#define PACKAGE_BUGREPORT "https://github.com/elfpatch/elfpatch/issues"
#define VERSION "fuzz"
EOF
fi

# The program's sources as Makefile.am lists them (not src/*.c, which may
# hold work in progress), without main().
sources=$(sed -n '/^src_elfpatch_SOURCES *=/,/[^\\]$/p' "$top/Makefile.am" \
	| tr ' \t\\' '\n\n\n' | grep '^src/.*\.c$' | grep -v '^src/main\.c$' \
	| sed "s|^|$top/|")
[ -n "$sources" ] || { echo "run-fuzz.sh: no sources in $top/Makefile.am" >&2; exit 99; }
bin=$dir/build/fuzz-elfpatch
echo "run-fuzz.sh: building $bin"
# shellcheck disable=SC2086
if ! "$cc" -g -O1 -std=c11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -I"$inc" -I"$top/src" -o "$bin" \
	"$here/fuzz-elfpatch.c" $sources -lz; then
	echo "run-fuzz.sh: cannot build the harness (no libFuzzer?)" >&2
	exit 77
fi

# Seeds: every fixture (symlinks are copies of others) and every input
# that ever failed, except known open bugs (*.todo), which would stop the
# run at once.
seeds=$dir/seeds
rm -rf "$seeds" && mkdir -p "$seeds" || exit 99
for f in "$top"/data/bin/*/* "$here"/regressions/*; do
	[ -f "$f" ] && [ ! -L "$f" ] || continue
	case $(basename "$f") in README*|*.todo) continue ;; esac
	cp "$f" "$seeds/$(echo "$f" | sed "s|^$top/||; s|/|_|g")"
done

# An allocation above $malloc_mb MiB is a finding, whatever its size:
# libFuzzer's -malloc_limit_mb reports those that succeed, and ASan, which
# must not return NULL for them (elfpatch would just say "out of
# memory"), those beyond what it can allocate at all.
ASAN_OPTIONS=allocator_may_return_null=0:max_allocation_size_mb=$malloc_mb${ASAN_OPTIONS:+:$ASAN_OPTIONS}
export ASAN_OPTIONS
limits="-rss_limit_mb=$rss_mb -malloc_limit_mb=$malloc_mb"

echo "run-fuzz.sh: fuzzing for $seconds s ($jobs job(s)), corpus $dir/corpus, $limits"
start=$(date +%s)
rm -f "$dir"/findings/* "$dir"/fuzz-*.log
# -close_fd_mask=3 silences elfpatch's own messages; libFuzzer and the
# sanitizers keep reporting on a duplicate of stderr.
if [ "$jobs" -gt 1 ]; then
	# shellcheck disable=SC2086
	(cd "$dir" && "$bin" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
		$limits -close_fd_mask=3 -print_final_stats=1 \
		-artifact_prefix="$dir/findings/" -jobs="$jobs" -workers="$jobs" \
		"$dir/corpus" "$seeds" >"$dir/fuzz-main.log" 2>&1)
	status=$?
	cat "$dir"/fuzz-*.log >"$dir/fuzz.log" 2>/dev/null
else
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 $limits \
		-close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$dir/findings/" \
		"$dir/corpus" "$seeds" >"$dir/fuzz.log" 2>&1
	status=$?
fi
end=$(date +%s)
grep -E '^stat::number_of_executed_units|^Done [0-9]+ runs' "$dir/fuzz.log" | sed 's/^/run-fuzz.sh: /'
echo "run-fuzz.sh: $((end - start)) s"

found=0
for f in "$dir"/findings/*; do
	[ -f "$f" ] || continue
	found=1
	echo "run-fuzz.sh: FINDING: $f"
	od -A x -t x1z "$f" | head -20
done
if [ "$found" -ne 0 ] || [ "$status" -ne 0 ]; then
	grep -A40 -E 'ERROR: |SUMMARY: |BUG at|deadly signal|timeout|out-of-memory' "$dir/fuzz.log" | head -80
	echo "run-fuzz.sh: findings above; reproduce with: $bin FILE" >&2
	echo "run-fuzz.sh: then copy FILE to tests/fuzz/regressions/ (tests/fuzz-regressions.sh replays it)" >&2
	exit 1
fi
echo "run-fuzz.sh: no findings"
exit 0
