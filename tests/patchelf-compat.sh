#!/bin/sh
# The same edits through patchelf and elfpatch, on every fixture of every
# target, compared by the queries (--print-interpreter, --print-os-abi,
# --print-soname, --print-rpath, --print-execstack, --print-needed: the
# standard output and the exit status; messages are worded differently
# and not compared), by readelf's view of the dynamic entries the edits
# touch, and by the version requirements.  Then the command line: exit
# statuses where a script could depend on them.
#
# Every difference README.md and the man page document is named in
# expected_difference() below, with its reason; such a check passes when
# the difference is there, so a change on either side shows up.  Debian
# bookworm's patchelf is 0.14: what it lacks (--print-os-abi,
# --set-os-abi, --print-execstack, --set-execstack, --clear-execstack,
# --add-debug-tag, ...) is skipped check by check.  The finer points of
# each edit are in tests/edit-*.sh; this script is the side-by-side view.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/edit-lib.sh"

[ "$HAVE_PATCHELF" = yes ] || skip_all "patchelf not installed"
PATCHELF_VERSION=$(patchelf --version 2>/dev/null | sed -n 's/^patchelf //p')
P=$SCRATCH/p
E=$SCRATCH/e
QUERIES="--print-interpreter --print-os-abi --print-soname --print-rpath --print-execstack
--print-needed"

# patchelf_has OPTION: the installed patchelf lists OPTION in its help
# (patchelf 0.14 takes an option it does not know for a file name).
PATCHELF_HELP=$(patchelf --help 2>&1)
patchelf_has() {
	case $PATCHELF_HELP in
	*"[$1]"* | *"[$1 "*) return 0 ;;
	esac
	return 1
}

# PQ: the queries the installed patchelf has; LQ: those it lacks.
PQ= LQ=
for q in $QUERIES; do
	if patchelf_has "$q"; then PQ="$PQ $q"; else LQ="$LQ $q"; fi
done

# first_unique_import FILE: a versioned import whose version no other
# import uses (its requirement goes with --clear-symbol-version), else
# the first versioned import.
first_unique_import() {
	readelf --dyn-syms -W "$1" | awk '$7 == "UND" && $8 ~ /@/ {
			s = $8; v = s; sub(/@.*/, "", s); sub(/^[^@]*@/, "", v)
			sym[++n] = s; ver[n] = v; uses[v]++ }
		END { for (i = 1; i <= n; i++) if (uses[ver[i]] == 1) { print sym[i]; exit }
			if (n) print sym[1] }'
}

# layout FILE: what the edits may change, from one readelf run: NEEDED,
# SONAME, RPATH/RUNPATH and FLAGS_1 in order, how many DT_DEBUG entries
# (where they are is a documented difference nothing depends on), then
# "needs" and each version requirement, "file:version", in order.
layout() {
	readelf -dVW "$1" 2>/dev/null | awk '
		/^ *0x[0-9a-f]+ \((NEEDED|SONAME|RPATH|RUNPATH)\)/ {
			t = $2; gsub(/[()]/, "", t); v = $0; sub(/^[^[]*\[/, "", v); sub(/\]$/, "", v)
			print t "=" v }
		/^ *0x[0-9a-f]+ \(FLAGS_1\)/ { v = $0; sub(/.*Flags: */, "", v); sub(/ +$/, "", v)
			print "FLAGS_1=" v }
		/^ *0x[0-9a-f]+ \(DEBUG\)/ { debug++ }
		/^Version needs section/ { on = 1; printf "DEBUG x%d\nneeds", debug; printed = 1 }
		/^Version (symbols|definition)/ { on = 0 }
		on && /File:/ { f = $0; sub(/.*File: /, "", f); sub(/ +Cnt:.*/, "", f) }
		on && /Name:/ { n = $0; sub(/.*Name: /, "", n); sub(/ +Flags:.*/, "", n); printf " %s:%s", f, n }
		END { if (!printed) printf "DEBUG x%d\nneeds", debug; print "" }'
}

# expected_difference CASE WHAT: the documented difference (name: reason)
# between patchelf's and elfpatch's WHAT after edit CASE on $t/$f ($orig,
# $sym), or nothing.
expected_difference() {
	case "$1 $2" in
	"set-rpath layout" | "add-rpath layout" | "shrink-rpath layout" | "no-sort layout")
		if [ "$(readelf -dW "$orig" | grep -c '(RPATH)')" -gt 0 ]; then
			echo "keeps-rpath: patchelf turns DT_RPATH into DT_RUNPATH, which changes" \
				"how the libraries' own dependencies are found; elfpatch keeps the" \
				"entry's type (--convert-rpath on request)"
		fi
		;;
	"no-default-lib layout")
		# patchelf 0.14 to 0.19.0 at least (its noDefaultLib() stores
		# d_val without its byte-order conversion).
		[ "$(expect_value "$t" hello data)" = msb ] &&
			echo "nodeflib-byteswap: patchelf sets DF_1_NODEFLIB in the host's" \
				"byte order, another flag on a big-endian file"
		;;
	"clear-symbol-version layout")
		# Only when the symbol's version is used by nothing else.
		if [ "$(readelf --dyn-syms -W "$orig" | awk -v s="$sym" '
			$7 == "UND" && index($8, s "@") == 1 { v = $8; sub(/^[^@]*/, "", v) }
			$7 == "UND" { all[++n] = $8 }
			END { for (i = 1; i <= n; i++) if (all[i] ~ v "$") c++; print c }')" = 1 ]; then
			echo "symver-requirement: elfpatch also drops the version requirement no" \
				"symbol uses any more; patchelf leaves it, and ld.so still demands the version"
		fi
		;;
	esac
}

# compare CASE WHAT PATCHELF_VIEW ELFPATCH_VIEW
compare() {
	_why=$(expected_difference "$1" "$2")
	if [ -z "$_why" ]; then
		check_eq "$id $1: $2: same" "$3" "$4"
	elif [ "$3" != "$4" ]; then
		pass "$id $1: $2: differs as documented (${_why%%:*})"
	else
		fail "$id $1: $2: differs as documented (${_why%%:*})" "$_why" \
			"but both give: $3"
	fi
}

# queries TOOL QUERIES FILE: TOOL's answers to all QUERIES at once (both
# print them in the same order), and its exit status.
queries() {
	_tool=$1 _f=$3
	# shellcheck disable=SC2086 # QUERIES are words
	"$_tool" $2 "$_f" 2>/dev/null
	echo "exit $?"
}

# run_case CASE ARGS...: the edit through both tools (--output), then the
# queries patchelf has (each tool reading its own result), those it lacks
# (elfpatch reading both results), and the layout.
run_case() {
	_case=$1
	shift
	rm -f "$P" "$E"
	if ! patchelf_has "$1"; then
		skip "$id $_case: compared with patchelf" "patchelf $PATCHELF_VERSION lacks $1"
		return
	fi
	if ! patchelf "$@" --output "$P" "$orig" >"$SCRATCH/.pout" 2>&1; then
		skip "$id $_case: compared with patchelf" \
			"patchelf $PATCHELF_VERSION: $(head -n1 "$SCRATCH/.pout")"
		return
	fi
	if ! "$ELFPATCH" "$@" --output "$E" "$orig" >"$SCRATCH/.eout" 2>&1; then
		fail "$id $_case: elfpatch succeeds where patchelf does" "elfpatch $*" \
			"$(cat "$SCRATCH/.eout")"
		return
	fi
	compare "$_case" "${pq# }" "$(queries patchelf "$pq" "$P")" "$(queries "$ELFPATCH" "$pq" "$E")"
	if [ -n "$lq" ]; then
		compare "$_case" "${lq# } (elfpatch reads both)" \
			"$(queries "$ELFPATCH" "$lq" "$P")" "$(queries "$ELFPATCH" "$lq" "$E")"
	fi
	compare "$_case" layout "$(layout "$P")" "$(layout "$E")"
}

for t in $TARGETS; do
	# The queries on each fixture as it is.
	for f in $(fixtures_of "$t"); do
		orig=$FIXTURES/$t/$f
		id=$t/$f
		for q in $QUERIES; do
			if ! patchelf_has "$q"; then
				skip "$id: $q as patchelf's" "patchelf $PATCHELF_VERSION lacks $q"
				continue
			fi
			check_eq "$id: $q as patchelf's" \
				"$(patchelf "$q" "$orig" 2>/dev/null; echo "exit $?")" \
				"$("$ELFPATCH" "$q" "$orig" 2>/dev/null; echo "exit $?")"
		done
	done

	for f in $(edit_fixtures "$t"); do
		orig=$FIXTURES/$t/$f
		id=$t/$f
		# --print-interpreter fails on a library (both exit 1, compared
		# above) and would hide the other answers.
		pq=$PQ lq=$LQ
		if [ "$f" = libgreet.so ]; then
			pq=$(echo "$PQ" | sed 's/--print-interpreter//')
			lq=$(echo "$LQ" | sed 's/--print-interpreter//')
		fi
		sym=$(first_unique_import "$orig")
		run_case set-rpath --set-rpath /opt/x
		run_case add-rpath --add-rpath /opt/y
		run_case remove-rpath --remove-rpath
		run_case force-rpath --force-rpath --set-rpath /opt/x
		run_case shrink-rpath --shrink-rpath
		run_case no-sort --no-sort --set-rpath /opt/x
		run_case add-needed --add-needed libz.so.1
		run_case remove-needed --remove-needed libgreet.so.1
		run_case replace-needed --replace-needed libc.so.6 libx.so.6
		run_case no-default-lib --no-default-lib
		run_case set-os-abi --set-os-abi linux
		run_case set-execstack --set-execstack
		run_case clear-execstack --clear-execstack
		run_case add-debug-tag --add-debug-tag
		run_case clear-symbol-version --clear-symbol-version "$sym"
		case $f in
		libgreet.so) run_case set-soname --set-soname libnew.so.1 ;;
		*) run_case set-interpreter --set-interpreter /lib/ld-elfpatch.so.1 ;;
		esac
	done
done

# The command line: exit statuses.  Equal where patchelf's is part of
# what a script sees; a usage error is 2 in elfpatch (patchelf: 1), a
# documented difference.
orig=$FIXTURES/armhf/hello
cp "$orig" "$SCRATCH/h"
# cli CASE WHY-OR-EMPTY ARGS...: the exit status of both tools.
cli() {
	_case=$1 _why=$2
	shift 2
	patchelf "$@" >/dev/null 2>&1
	_p=$?
	"$ELFPATCH" "$@" >/dev/null 2>&1
	_e=$?
	if [ -z "$_why" ]; then
		check_eq "command line, $_case: exit status as patchelf's" "$_p" "$_e"
	elif [ "$_p" != "$_e" ]; then
		pass "command line, $_case: exit status differs as documented (${_why%%:*})"
	else
		fail "command line, $_case: exit status differs as documented (${_why%%:*})" \
			"$_why" "but both exit $_p"
	fi
}
usage="usage-exit: a usage error exits 2 in elfpatch, 1 in patchelf, so that a
script can tell a bad command line from a file that failed"
cli "a missing @FILE" "" --set-rpath "@$SCRATCH/none" "$SCRATCH/h"
cli "a missing input file" "" --print-rpath "$SCRATCH/none"
cli "--version" "" --version
cli "no input file" "$usage" --print-rpath
cli "--output with two files" "$usage" --print-rpath --output "$SCRATCH/o" "$SCRATCH/h" "$SCRATCH/h"
cli "an unknown option" "unknown-option: elfpatch refuses an unknown option (exit 2);
patchelf takes it for a file name and fails on it (exit 1)" --no-such-option "$SCRATCH/h"

done_testing
