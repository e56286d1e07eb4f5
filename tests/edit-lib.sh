# Helpers shared by the edit and safety tests; source after tests/lib.sh.
#
# Every value is read back with binutils' readelf (never with elfpatch),
# validity is judged by readelf's and eu-elflint's diagnostics compared
# with those of the unedited fixture, and the bytes an edit may touch are
# bounded by the regions (.dynamic, .dynstr, ...) it is meant to change.
# Hundreds of edits are checked, so each helper spawns as few processes
# as it can: `inspect` reads a file with one readelf run into R_* shell
# variables, which the checks then compare.

need_cmd readelf cmp sha256sum awk

HAVE_ELFLINT=no
command -v eu-elflint >/dev/null 2>&1 && HAVE_ELFLINT=yes
HAVE_PATCHELF=no
command -v patchelf >/dev/null 2>&1 && HAVE_PATCHELF=yes

# The programs and the library every target has (aarch64-64k: two of them).
edit_fixtures() {
	for _f in hello hello-nopie hello-runpath libgreet.so; do
		[ -f "$FIXTURES/$1/$_f" ] && echo "$_f"
	done
}

sum() {
	_s=$(sha256sum <"$1")
	echo "${_s%% *}"
}

# fresh SRC DST: DST becomes a writable copy of SRC (an existing writable
# DST keeps its mode: one process, not three).
fresh() {
	if [ -f "$2" ] && [ -w "$2" ] && [ ! -L "$2" ]; then
		cp "$1" "$2" || exit 99
	else
		rm -f "$2" && cp "$1" "$2" && chmod u+w "$2" || exit 99
	fi
}

# known_fail NAME [DIAG...]: a failure, or, while $KNOWN_BUG names a bug
# reported but not fixed yet, a TAP TODO item ("not ok ... # TODO", which
# the driver counts as an expected failure).  Passes stay plain "ok", so
# the fix shows as passing checks, not as unexpected passes.
known_fail() {
	if [ -n "${KNOWN_BUG:-}" ]; then
		_tap_n=$((_tap_n + 1))
		echo "not ok $_tap_n - $1 # TODO known bug: $KNOWN_BUG"
		shift
		tap_diag "$@"
	else
		fail "$@"
	fi
}

# The awk program behind `inspect`: a key=value summary of `readelf -aW`,
# plus "diag=" for each Warning/Error line not in the file `base`.
_summary_awk='
BEGIN { while ((getline l < base) > 0) seen[l] = 1 }
function unname(s,   i) {
	while (name != "" && (i = index(s, name)) > 0)
		s = substr(s, 1, i - 1) "FILE" substr(s, i + length(name))
	return s
}
/(^|: )(Warning|Error)/ { d = unname($0); if (!(d in seen)) print "diag=" d; next }
/^ *OS\/ABI:/ { sub(/^ *OS\/ABI: */, ""); print "osabi=" $0; next }
/^ *\[Requesting program interpreter: / {
	sub(/^ *\[Requesting program interpreter: /, ""); sub(/\]$/, ""); print "interp=" $0; next
}
/^ *Start of program headers: / { print "phoff=" $5; next }
/^ *Size of program headers: / { print "phentsize=" $5; next }
/^ *Number of program headers: / { print "phnum=" $5; next }
/^ *\[ *[0-9]+\] \.(dynstr|gnu\.version_r) / {
	s = $0; sub(/^ *\[ *[0-9]+\] /, "", s); split(s, f, " ")
	print "sec" f[1] "=" f[4] " " f[5]; next
}
$1 == "GNU_STACK" { print "stack=" $7; next }
$1 == "INTERP" { print "interp_seg=" $2 " " $5; next }
$1 == "DYNAMIC" && $2 ~ /^0x/ { print "dyn_seg=" $2 " " $5; next }
/^Dynamic section at offset .* contains [0-9]+ entr/ {
	sub(/.* contains /, ""); sub(/ entr.*/, ""); print "entries=" $0; next
}
/^ *0x[0-9a-f]+ \(FLAGS_1\)/ { sub(/.*Flags: */, ""); sub(/ +$/, ""); print "flags1=" $0; next }
/^ *0x[0-9a-f]+ \((NEEDED|SONAME|RPATH|RUNPATH)\)/ {
	tag = $2; gsub(/[()]/, "", tag)
	v = $0; sub(/^[^[]*\[/, "", v); sub(/\]$/, "", v)
	print "dyn=" tag "=" v; next
}
/^  [0-9a-f]+: Version: [0-9]+ +File: / {
	v = $0; sub(/.*File: /, "", v); sub(/ +Cnt:.*/, "", v); print "verneed=" v; next
}
'

# inspect FILE [BASE]: runs readelf -aW on FILE once and sets
#   R_RPATH   "RPATH=value", "RUNPATH=value" or "none"
#   R_NEEDED  the DT_NEEDED values, space-separated, in order
#   R_SONAME  R_INTERP  R_FLAGS1  R_STACK (GNU_STACK flags)  R_OSABI
#   R_ENTRIES (readelf's dynamic entry count)  R_VERNEED (vn_file names)
#   R_DYN     NEEDED/SONAME/RPATH/RUNPATH/FLAGS_1 as TAG=value lines
#   R_DYNSEG / R_INTERPSEG: "offset size" of PT_DYNAMIC / PT_INTERP
#   R_DYNSTR / R_VERNEEDSEC: "offset size" of .dynstr / .gnu.version_r
#   R_PHDRS   "offset size" of the program header table
#   R_DIAG    readelf warning/error lines not in the file BASE
inspect() {
	readelf -aW "$1" 2>&1 |
		awk -v base="${2:-/dev/null}" -v name="$1" "$_summary_awk" >"$SCRATCH/.sum"
	R_RPATH=none R_NEEDED= R_SONAME= R_INTERP= R_FLAGS1= R_STACK= R_OSABI= R_ENTRIES=
	R_VERNEED= R_DYN= R_DIAG= R_DYNSEG= R_INTERPSEG= R_DYNSTR= R_VERNEEDSEC=
	_phoff=0 _phentsize=0 _phnum=0
	while IFS= read -r _l; do
		_v=${_l#*=}
		case $_l in
		diag=*) R_DIAG="$R_DIAG$_v
" ;;
		osabi=*) R_OSABI=$_v ;;
		interp=*) R_INTERP=$_v ;;
		interp_seg=*) R_INTERPSEG="$((${_v% *})) $((${_v#* }))" ;;
		dyn_seg=*) R_DYNSEG="$((${_v% *})) $((${_v#* }))" ;;
		sec.dynstr=*) R_DYNSTR="$((0x${_v% *})) $((0x${_v#* }))" ;;
		sec.gnu.version_r=*) R_VERNEEDSEC="$((0x${_v% *})) $((0x${_v#* }))" ;;
		phoff=*) _phoff=$_v ;;
		phentsize=*) _phentsize=$_v ;;
		phnum=*) _phnum=$_v ;;
		stack=*) R_STACK=$_v ;;
		entries=*) R_ENTRIES=$_v ;;
		flags1=*)
			R_FLAGS1=$_v
			R_DYN="${R_DYN}FLAGS_1=$_v
"
			;;
		verneed=*) R_VERNEED="${R_VERNEED:+$R_VERNEED }$_v" ;;
		dyn=*)
			R_DYN="$R_DYN$_v
"
			case $_v in
			NEEDED=*) R_NEEDED="${R_NEEDED:+$R_NEEDED }${_v#NEEDED=}" ;;
			SONAME=*) R_SONAME=${_v#SONAME=} ;;
			RPATH=* | RUNPATH=*) R_RPATH=$_v ;;
			esac
			;;
		esac
	done <"$SCRATCH/.sum"
	R_PHDRS="$_phoff $((_phentsize * _phnum))"
}

# set_base ORIG: records the diagnostics of an unedited file, against
# which `check_edit` judges the edited ones (once per fixture).
set_base() {
	readelf -aW "$1" 2>&1 |
		awk -v name="$1" "$_summary_awk" | sed -n 's/^diag=//p' >"$SCRATCH/.base.re"
	if [ "$HAVE_ELFLINT" = yes ]; then
		eu-elflint --gnu-ld "$1" >"$SCRATCH/.base.lint" 2>&1
	fi
	BASE=$1
}

# begin_fixture TARGET FILE: the start of each fixture's edits.  Sets
# orig (the fixture) and id ("TARGET/FILE"), makes it the base of
# `check_edit` (set_base), inspects it (R_*), and sets regions (the
# offset-size pairs of .dynamic and .dynstr, where an edit may write) and
# dynsz (the size of .dynamic).
begin_fixture() {
	orig=$FIXTURES/$1/$2
	id=$1/$2
	set_base "$orig"
	inspect "$orig"
	regions="$R_DYNSEG $R_DYNSTR"
	dynsz=${R_DYNSEG#* }
}

# check_edit NAME NEW: inspects NEW (setting R_*) and checks that readelf
# and eu-elflint say nothing about it that they did not say about the
# file given to `set_base` (two TAP lines).
check_edit() {
	inspect "$2" "$SCRATCH/.base.re"
	if [ -z "$R_DIAG" ]; then
		pass "$1: readelf -aW: no new warnings"
	else
		known_fail "$1: readelf -aW: no new warnings" "$R_DIAG"
	fi
	if [ "$HAVE_ELFLINT" != yes ]; then
		skip "$1: eu-elflint: no new complaints" "eu-elflint not installed"
		return
	fi
	eu-elflint --gnu-ld "$2" >"$SCRATCH/.lint" 2>&1
	_n=0
	while IFS= read -r _x; do
		_n=$((_n + 1))
		_l=$_x
	done <"$SCRATCH/.lint"
	if [ "$_n" -eq 1 ] && [ "$_l" = "No errors" ]; then
		pass "$1: eu-elflint --gnu-ld: no new complaints"
		return
	fi
	_new=$(awk -v name="$2" -v oname="$BASE" '
		function unname(s, n,   i) {
			while (n != "" && (i = index(s, n)) > 0)
				s = substr(s, 1, i - 1) "FILE" substr(s, i + length(n))
			return s
		}
		NR == FNR { seen[unname($0, oname)] = 1; next }
		$0 != "No errors" && !(unname($0, name) in seen) { print }
	' "$SCRATCH/.base.lint" "$SCRATCH/.lint")
	if [ -z "$_new" ]; then
		pass "$1: eu-elflint --gnu-ld: no new complaints"
	else
		known_fail "$1: eu-elflint --gnu-ld: no new complaints" "$_new"
	fi
}

# slurp FILE: the file's contents in $SLURP, without spawning a process.
slurp() {
	SLURP=
	while IFS= read -r _x; do
		SLURP="${SLURP:+$SLURP
}$_x"
	done <"$1"
}

# check_bytes NAME ORIG NEW MAX [OFF SIZE]...: NEW has ORIG's size, at most
# MAX bytes differ, and all of them lie in the given regions.
check_bytes() {
	_name=$1 _a=$2 _b=$3 _max=$4
	shift 4
	cmp -l "$_a" "$_b" 2>&1 | awk -v r="$*" -v max="$_max" '
		BEGIN { n = split(r, a, " ") }
		$1 == "cmp:" { print "sizes differ: " $0; next }
		{
			off = $1 - 1; c++; in_ = 0
			for (i = 1; i < n; i += 2)
				if (off >= a[i] && off < a[i] + a[i + 1])
					in_ = 1
			if (!in_ && out++ < 5)
				printf "changed outside the edit regions: offset %d\n", off
		}
		END {
			if (c > max)
				printf "%d bytes changed, at most %d expected\n", c, max
		}' >"$SCRATCH/.bytes"
	slurp "$SCRATCH/.bytes"
	_res=$SLURP
	if [ -z "$_res" ]; then
		pass "$_name"
	else
		fail "$_name" "$_res" "regions (offset size): $*"
	fi
}

# check_unchanged NAME SUM FILE: FILE still has the sha256 SUM.
check_unchanged() {
	check_eq "$1" "$2" "$(sum "$3")"
}

# check_absent NAME STRING FILE: STRING occurs nowhere in FILE's bytes.
check_absent() {
	_c=$(grep -c -a -F -e "$2" "$3")
	check_eq "$1" 0 "${_c:-0}"
}

# check_run NAME ARGS...: elfpatch succeeds; its output is in $SCRATCH/.eout.
check_run() {
	_n=$1
	shift
	if "$ELFPATCH" "$@" >"$SCRATCH/.eout" 2>&1; then
		pass "$_n: elfpatch succeeds"
	else
		fail "$_n: elfpatch succeeds" "elfpatch $*" "$(cat "$SCRATCH/.eout")"
	fi
}

# check_refused NAME SUM FILE ARGS...: elfpatch fails cleanly (no crash),
# says why, and FILE keeps the sha256 SUM.
check_refused() {
	_n=$1 _s=$2 _f=$3
	shift 3
	"$ELFPATCH" "$@" "$_f" >"$SCRATCH/.eout" 2>&1
	_st=$?
	if [ "$_st" -ne 0 ] && [ "$_st" -lt 128 ] && grep -q '^elfpatch: ' "$SCRATCH/.eout"; then
		pass "$_n: refused with a message"
	else
		fail "$_n: refused with a message" "elfpatch $* $_f" "exit status $_st" \
			"$(cat "$SCRATCH/.eout")"
	fi
	check_unchanged "$_n: file unchanged" "$_s" "$_f"
}

# check_bad_input NAME SUM FILE ARGS...: the bad-input rule, strictly:
# exit status 1, exactly one line on the output, "elfpatch: FILE: why",
# and FILE keeps the sha256 SUM.
check_bad_input() {
	_n=$1 _s=$2 _f=$3
	shift 3
	"$ELFPATCH" "$@" "$_f" >"$SCRATCH/.eout" 2>&1
	_st=$?
	_lines=$(wc -l <"$SCRATCH/.eout")
	if [ "$_st" -eq 1 ] && [ "$_lines" -eq 1 ] && grep -q "^elfpatch: $_f: " "$SCRATCH/.eout"; then
		pass "$_n: one line, exit 1"
	else
		fail "$_n: one line, exit 1" "elfpatch $* $_f" "exit status $_st" \
			"$(cat "$SCRATCH/.eout")"
	fi
	check_unchanged "$_n: file unchanged" "$_s" "$_f"
}

# dyn_summary FILE: NEEDED, SONAME, RPATH/RUNPATH and FLAGS_1 as TAG=value
# lines, in .dynamic order: the part patchelf and elfpatch must agree on.
dyn_summary() {
	readelf -dW "$1" 2>/dev/null | sed -n \
		-e 's/^ *0x[0-9a-f]* (\(NEEDED\|SONAME\|RPATH\|RUNPATH\)) *[^[]*\[\(.*\)\]$/\1=\2/p' \
		-e 's/^ *0x[0-9a-f]* (FLAGS_1) *Flags: *\(.*[^ ]\) *$/FLAGS_1=\1/p'
}

# cross_check NAME ORIG PATCHELF-ARGS...: Debian's patchelf, run on ORIG
# with --output, gives the dynamic values elfpatch gave (R_DYN, from the
# last `check_edit`).  Skipped when patchelf is missing or fails: the
# comparison means something only where both succeed.
cross_check() {
	_name=$1 _orig=$2
	shift 2
	if [ "$HAVE_PATCHELF" != yes ]; then
		skip "$_name" "patchelf not installed"
		return
	fi
	rm -f "$SCRATCH/.patchelf"
	if ! patchelf "$@" --output "$SCRATCH/.patchelf" "$_orig" >"$SCRATCH/.pout" 2>&1; then
		skip "$_name" "patchelf failed: $(head -n1 "$SCRATCH/.pout")"
		return
	fi
	dyn_summary "$SCRATCH/.patchelf" >"$SCRATCH/.pdyn"
	slurp "$SCRATCH/.pdyn"
	check_eq "$_name" "$SLURP" "${R_DYN%
}"
}

# The distinctive part of each fixture's original RPATH/RUNPATH: after the
# entry is cleared it must not stay anywhere in the file.
old_path_marker() {
	case $1 in
	hello-runpath) echo /opt/host/build/lib ;;
	*) echo buildroot-2026.02 ;;
	esac
}

# entsize TARGET: the size of a .dynamic entry.
entsize() {
	case $(expect_value "$1" hello class) in
	ELF64) echo 16 ;;
	*) echo 8 ;;
	esac
}

# run_program NAME EXPECTED TARGET PROGRAM LIBDIR: runs a (patched) program
# with data/run-fixture.sh; skipped when qemu or the sysroot is missing.
run_program() {
	_out=$(FIXTURE_LIBDIR=$5 "$RUN_FIXTURE" "$3" "$4" 2>&1)
	_st=$?
	if [ "$_st" -eq 77 ]; then
		skip "$1" "$(printf '%s\n' "$_out" | tail -n1)"
	elif [ "$_st" -eq 0 ] && [ "$_out" = "$2" ]; then
		pass "$1"
	else
		fail "$1" "exit status $_st" "expected: $2" "output:   $_out"
	fi
}

# run_fails NAME TARGET PROGRAM LIBDIR: the control case: the program must
# not run (its library is not found).
run_fails() {
	_out=$(FIXTURE_LIBDIR=$4 "$RUN_FIXTURE" "$2" "$3" 2>&1)
	_st=$?
	if [ "$_st" -eq 77 ]; then
		skip "$1" "$(printf '%s\n' "$_out" | tail -n1)"
	elif [ "$_st" -ne 0 ]; then
		pass "$1"
	else
		fail "$1" "ran although its library should not be found" "$_out"
	fi
}
