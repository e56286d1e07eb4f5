#!/bin/sh
# Crash safety of stripping in place: for every step k of the plan, a fresh
# copy is stripped with ELFPATCH_FAULT_AFTER=k (SIGKILL after the k-th
# write), and what is left must be a valid ELF file (readelf -aW silent,
# no new eu-elflint complaints, it still runs) with either the old or the
# new section set; after the last step it is the finished result.
. "${top_srcdir:-.}/tests/lib.sh"

need_cmd readelf eu-elflint cmp

sections() {
	readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\) .*/\1/p' | tr '\n' ' '
}

lint() {
	eu-elflint --gnu-ld "$1" 2>&1 | sed -e "s|$1|FILE|g" -e 's/section \[ *[0-9]*\]/section/g' \
		-e 's/symbol [0-9]*/symbol/g' | grep -v '^No errors$' | sort -u
}

# section_sum FILE NAME: checksum of the section's bytes (objcopy).
section_sum() {
	rm -f "$SCRATCH/sec.bin"
	objcopy --dump-section "$2=$SCRATCH/sec.bin" "$1" "$SCRATCH/junk" 2>/dev/null
	[ -f "$SCRATCH/sec.bin" ] && cksum <"$SCRATCH/sec.bin"
}

# fault_run NAME TARGET FIXTURE [OPTION...]
# PRE: a command run on the input first; RUN: the results must run;
# CONTENTS: every section must hold its old or its new bytes.
fault_run() {
	_name=$1 _t=$2 _f=$3
	shift 3
	_orig=$SCRATCH/orig
	copy_fixture "$_t" "$_f" "$_orig" >/dev/null
	# Growth by another tool first, when asked: the file to strip is that.
	if [ -n "${PRE:-}" ]; then
		$PRE "$_orig" || { fail "$_name: preparing the input" "$PRE failed"; return; }
	fi
	cp "$_orig" "$SCRATCH/done"
	if ! "$ELFPATCH" "$@" "$SCRATCH/done" >"$SCRATCH/err" 2>&1; then
		fail "$_name: completes without a fault" "$(cat "$SCRATCH/err")"
		return
	fi
	_steps=$("$ELFPATCH" --dry-run "$@" "$_orig" | grep -c ': would ')
	_old=$(sections "$_orig")
	_new=$(sections "$SCRATCH/done")
	lint "$_orig" >"$SCRATCH/lint.old"
	[ "$_steps" -ge 2 ] && pass "$_name: $_steps steps" || fail "$_name: $_steps steps" "too few"
	_bad=
	_k=1
	while [ $_k -le "$_steps" ]; do
		_w=$SCRATCH/k$_k
		cp "$_orig" "$_w"
		ELFPATCH_FAULT_AFTER=$_k "$ELFPATCH" "$@" "$_w" >/dev/null 2>&1
		_st=$?
		[ $_st -eq 137 ] || _bad="$_bad
k=$_k: exit status $_st, not killed"
		_err=$(readelf -aW "$_w" 2>&1 >/dev/null)
		[ -z "$_err" ] || _bad="$_bad
k=$_k: readelf: $_err"
		lint "$_w" >"$SCRATCH/lint.new"
		_lint=$(comm -23 "$SCRATCH/lint.new" "$SCRATCH/lint.old")
		[ -z "$_lint" ] || _bad="$_bad
k=$_k: eu-elflint: $_lint"
		_s=$(sections "$_w")
		[ "$_s" = "$_old" ] || [ "$_s" = "$_new" ] || _bad="$_bad
k=$_k: sections neither old nor new: $_s"
		if [ $_k -eq "$_steps" ] && ! cmp -s "$_w" "$SCRATCH/done"; then
			_bad="$_bad
k=$_k: last step is not the finished result"
		fi
		if [ -n "${CONTENTS:-}" ]; then
			for _sec in $(sections "$_w"); do
				_c=$(section_sum "$_w" "$_sec")
				[ "$_c" = "$(section_sum "$_orig" "$_sec")" ] ||
					[ "$_c" = "$(section_sum "$SCRATCH/done" "$_sec")" ] || _bad="$_bad
k=$_k: section $_sec holds neither its old nor its new bytes"
			done
		fi
		if [ -n "${RUN:-}" ]; then
			FIXTURE_LIBDIR=$FIXTURES/$_t "$RUN_FIXTURE" "$_t" "$_w" >"$SCRATCH/run" 2>&1
			case $? in
			0|77) ;;
			*) _bad="$_bad
k=$_k: does not run: $(cat "$SCRATCH/run")" ;;
			esac
		fi
		_k=$((_k + 1))
	done
	if [ -z "$_bad" ]; then
		pass "$_name: killed after each step, a valid old or new file"
	else
		fail "$_name: killed after each step, a valid old or new file" "$_bad"
	fi
}

for t in armhf aarch64 x86_64 ppc s390x; do
	RUN=1 fault_run "$t hello-debug --strip-debug" $t hello-debug --strip-debug
	fault_run "$t libgreet.so --strip-all" $t libgreet.so --strip-all
done
RUN=1 fault_run "armhf --set-rpath '' --strip" armhf hello-debug --set-rpath '' --strip
fault_run "i386 --remove-section .comment" i386 hello-debug --remove-section .comment
fault_run "armel --strip-section-headers" armel hello-debug --strip-section-headers
RUN=1 fault_run "aarch64 --compress-debug-sections" aarch64 hello-debug --compress-debug-sections
PRE="$ELFPATCH --compress-debug-sections" \
	fault_run "ppc --decompress-debug-sections" ppc hello-debug --decompress-debug-sections
RUN=1 fault_run "s390x --strip-all --add-gnu-debuglink" s390x hello-debug --strip-all \
	--add-gnu-debuglink "$FIXTURES/s390x/hello-debug"
# A large section removed from the middle: the small unchanged sections
# after it land below their old places, which no later write covers, so
# they are written once, straight to their final place (src/strip/layout.c:
# stays_put); each must hold its old or new bytes after every step.
if command -v objcopy >/dev/null 2>&1; then
	head -c 16384 /dev/zero >"$SCRATCH/big"
	PRE="objcopy --update-section .debug_info=$SCRATCH/big" CONTENTS=1 RUN=1 \
		fault_run "x86_64 a large section removed, the rest written once" x86_64 hello-debug \
		--remove-section .debug_info
	PRE="objcopy --update-section .debug_info=$SCRATCH/big" CONTENTS=1 RUN=1 \
		fault_run "x86_64 --strip-debug after a large section" x86_64 hello-debug --strip-debug
else
	skip "a large section removed" "objcopy not installed"
fi
if command -v patchelf >/dev/null 2>&1; then
	long=/opt/$(printf '%0300d' 0)
	PRE="patchelf --set-rpath $long" RUN=1 \
		fault_run "x86_64 grown by patchelf, --strip-debug" x86_64 hello-debug --strip-debug
	PRE="patchelf --set-rpath $long" RUN=1 \
		fault_run "armhf grown by patchelf, --strip-all" armhf hello-debug --strip-all
else
	skip "grown by patchelf" "patchelf not installed"
fi

done_testing
