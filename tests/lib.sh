# Shared helpers for elfpatch's TAP test scripts.  Source it first:
#   . "${srcdir:-.}/tests/lib.sh"
# Each script gets a private scratch directory ($SCRATCH), removed on exit,
# emits one TAP line per named check, and ends with `done_testing`, which
# prints the plan (so a script that dies early is reported as an error).
# `skip_all REASON` skips the whole script (TAP "1..0 # SKIP", exit 77).

set -u
LC_ALL=C
export LC_ALL

: "${srcdir:=.}"
: "${top_srcdir:=$srcdir}"
: "${top_builddir:=.}"
: "${ELFPATCH:=$top_builddir/src/elfpatch}"
DATA="$top_srcdir/data"
FIXTURES="$DATA/bin"
EXPECT="$DATA/expect"
RUN_FIXTURE="$DATA/run-fixture.sh"
# Targets with fixtures, in the order tests report them.
TARGETS="armhf armel aarch64 aarch64-64k x86_64 i386 ppc s390x"

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/elfpatch-test.XXXXXX") || exit 99
trap 'rm -rf "$SCRATCH"' EXIT

_tap_n=0
_tap_failed=0

# ok_ NAME: record a pass; not_ok NAME [DIAG...]: record a failure.
pass() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1"
}

# tap_diag LINE...: diagnostics under a result, each line as "# ...".
tap_diag() {
	for _l in "$@"; do
		printf '%s\n' "$_l" | sed 's/^/# /'
	done
}

fail() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $1"
	shift
	tap_diag "$@"
}

skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP ${2:-}"
}

# check NAME CMD...: passes when CMD exits 0; its output goes to the log.
check() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then
		pass "$_name"
	else
		fail "$_name" "command: $*" "$_out"
	fi
}

# check_fails NAME CMD...: passes when CMD exits non-zero (and not by a
# signal: status 128+ counts as a crash).
check_fails() {
	_name=$1
	shift
	"$@" >"$SCRATCH/.out" 2>&1
	_st=$?
	if [ "$_st" -ne 0 ] && [ "$_st" -lt 128 ]; then
		pass "$_name"
	else
		fail "$_name" "command: $*" "exit status $_st" "$(cat "$SCRATCH/.out")"
	fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected: $2" "actual:   $3"
	fi
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 77
}

need_cmd() {
	for _c in "$@"; do
		command -v "$_c" >/dev/null 2>&1 || skip_all "$_c not installed"
	done
}

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

# expect_value TARGET FIXTURE KEY: values recorded from readelf by
# data/make-fixtures.sh (one per line for keys that repeat).
expect_value() {
	sed -n "s/^$3=//p" "$EXPECT/$1/$2.txt"
}

# fixtures_of TARGET: the fixture files (no symlinks) of a target.
fixtures_of() {
	for _f in "$FIXTURES/$1"/*; do
		[ -f "$_f" ] && [ ! -L "$_f" ] && basename "$_f"
	done
}

# copy_fixture TARGET NAME [DEST]: a writable copy in the scratch dir.
copy_fixture() {
	_dst=${3:-$SCRATCH/$1-$2}
	cp "$FIXTURES/$1/$2" "$_dst" && chmod u+w "$_dst" && echo "$_dst"
}

# load_bytes FILE [FROM]: the file bytes of each PT_LOAD, in program header
# order, less those before offset FROM (default: the end of the ELF header,
# whose section table fields a strip changes; the tests compare the
# headers apart).
load_bytes() {
	_from=${2:-$(readelf -hW "$1" | sed -n 's/^ *Size of this header: *\([0-9]*\).*/\1/p')}
	readelf -lW "$1" | awk '$1 == "LOAD" { print $2, $5 }' | while read -r _off _len; do
		_off=$((_off)) _len=$((_len))
		if [ $_off -lt $_from ]; then
			_len=$((_len - (_from - _off)))
			_off=$_from
		fi
		[ $_len -gt 0 ] && tail -c +$((_off + 1)) "$1" | head -c $_len
	done
}

# armhf_seed_setup: T, CROSS (the armhf C library) and ARMHF (the fixtures)
# for the seed scenario's ARM tests; skips the script without that C
# library.  ELFPATCH_PLATFORM is emptied: the loader under qemu-arm does
# not know $PLATFORM either.
armhf_seed_setup() {
	T=arm-linux-gnueabihf
	CROSS=/usr/$T/lib
	ARMHF=$FIXTURES/armhf
	[ -f "$CROSS/libc.so.6" ] && [ -f "$CROSS/ld-linux-armhf.so.3" ] ||
		skip_all "no armhf C library in $CROSS (apt-get install libc6-armhf-cross)"
	ELFPATCH_PLATFORM=
	export ELFPATCH_PLATFORM
	have_jq=0
	command -v jq >/dev/null 2>&1 && have_jq=1
}
