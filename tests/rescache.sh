#!/bin/sh
# --build-resolution-cache and --print-resolution-cache: the note's bytes
# (owner, type, descriptor) against the format of patchelf 0.19, and
# against patchelf itself where one with the option is installed; hints
# for what resolves only at run time; the target's rules with --root (a
# decoy of another class skipped, links resolved inside SYSROOT); the note
# rebuilt only when it would say the same, dropped by an edit of the run
# path; the file still valid (readelf, eu-elflint) and its program still
# running (under qemu-user, natively on x86-64), with a note of its own
# when no note segment is left to join; refusals that change nothing.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/edit-lib.sh"

SYMS=$DATA/syms
ELFPATCH_PLATFORM=
export ELFPATCH_PLATFORM
OUT="sym_new(1) = 42, sym_total() = 277"
printf 'sym_old sym_new\n' >"$SCRATCH/map"
HAVE_PE19=no
[ "$HAVE_PATCHELF" = yes ] && patchelf --help 2>&1 | grep -q -e --build-resolution-cache &&
	HAVE_PE19=yes

# note_hex FILE [SKIP]: the bytes of section .note.nixos.ldcache (from
# byte SKIP on), in hex.
note_hex() {
	readelf -SW "$1" | sed 's/^ *\[ *[0-9]*\] *//' |
		awk '$1 == ".note.nixos.ldcache" { print $4, $5 }' | {
		read -r _o _s || exit 0
		od -An -v -tx1 -j $((0x$_o + ${2:-0})) -N $((0x$_s - ${2:-0})) "$1" | tr -d ' \n'
	}
}

# hex FORMAT ARGS...: printf's bytes in hex, padded with zeros to 4.
hex() {
	# shellcheck disable=SC2059
	printf "$@" >"$SCRATCH/.hex"
	_n=$(wc -c <"$SCRATCH/.hex")
	head -c $(((4 - _n % 4) % 4)) /dev/zero >>"$SCRATCH/.hex"
	od -An -v -tx1 "$SCRATCH/.hex" | tr -d ' \n'
}

# check_note NAME FILE FORMAT ARGS...: FILE's note is owned by NixOS, of
# type 0x63a86cb6, describes printf FORMAT ARGS (its size without the
# padding), in a section a PT_NOTE maps.
check_note() {
	_n=$1 _f=$2
	shift 2
	# shellcheck disable=SC2059
	_len=$(printf "$@" | wc -c)
	check_eq "$_n: owner, size and type" \
		"$(printf 'NixOS 0x%08x (0x63a86cb6)' "$_len")" \
		"$(readelf -nW "$_f" | awk -F '\t' '$1 ~ /^ *NixOS / {
			sub(/^ */, "", $1); sub(/ +/, " ", $1); sub(/.*: /, "", $2); print $1, $2 }')"
	check_eq "$_n: the descriptor, padded" "$(hex "$@")" "$(note_hex "$_f" 20)"
	check "$_n: an allocated section in a PT_NOTE" sh -c \
		"readelf -SW '$_f' | grep -q '\\.note\\.nixos\\.ldcache *NOTE .* A ' &&
		 readelf -lW '$_f' | grep -q '^ *[0-9]* *.*\\.note\\.nixos\\.ldcache'"
}

# lint NAME ORIG FILE: readelf and eu-elflint say nothing new about FILE
# that they did not say about ORIG, except that eu-elflint does not know
# the note's type ("unknown object file note type ... with owner name
# 'NixOS'", or '' for a dropped note).
lint() {
	set_base "$2"
	inspect "$3" "$SCRATCH/.base.re"
	check_eq "$1: readelf -aW: no new warnings" "" "$R_DIAG"
	if [ "$HAVE_ELFLINT" != yes ]; then
		skip "$1: eu-elflint: no new complaints" "eu-elflint not installed"
		return
	fi
	eu-elflint --gnu-ld "$2" 2>&1 | sed "s|$2|FILE|g" >"$SCRATCH/.lint.base"
	eu-elflint --gnu-ld "$3" 2>&1 | sed "s|$3|FILE|g" |
		grep -v -e 'unknown object file note type' -e '^No errors$' >"$SCRATCH/.lint"
	check_eq "$1: eu-elflint --gnu-ld: no new complaints" "" \
		"$(grep -v -x -F -f "$SCRATCH/.lint.base" "$SCRATCH/.lint")"
}

for t in armhf aarch64 x86_64 ppc s390x; do
	D=$SCRATCH/$t
	mkdir -p "$D/lib" "$D/lib2" "$D/hw/glibc-hwcaps" "$D/empty" || exit 99
	for d in lib lib2 hw; do
		cp "$SYMS/$t/libsym.so.1" "$D/$d/" && chmod u+w "$D/$d/libsym.so.1" &&
			"$ELFPATCH" --rename-dynamic-symbols "$SCRATCH/map" "$D/$d/libsym.so.1" || exit 99
	done
	rp="$D/lib:$D/hw:\$ORIGIN/lib:$D/lib2/"
	P=$D/prog
	fresh "$SYMS/$t/prog" "$P"
	check_run "$t: --set-rpath and --build-resolution-cache" --set-rpath "$rp" \
		--build-resolution-cache "$P"
	# libc.so.6 is in none of the directories: hints only.  The
	# hwcaps directory and $ORIGIN are hints; lib2/ keeps its slash.
	check_note "$t: note" "$P" \
		'libc.so.6\000?%s/hw:?$ORIGIN/lib\000libsym.so.1\000=%s/lib/libsym.so.1:?%s/hw:?$ORIGIN/lib:=%s/lib2//libsym.so.1\000\000' \
		"$D" "$D" "$D" "$D"
	"$ELFPATCH" --print-resolution-cache "$P" >"$SCRATCH/.p"
	check_eq "$t: --print-resolution-cache" "libc.so.6 ?$D/hw:?\$ORIGIN/lib
libsym.so.1 =$D/lib/libsym.so.1:?$D/hw:?\$ORIGIN/lib:=$D/lib2//libsym.so.1" "$(cat "$SCRATCH/.p")"
	lint "$t: note" "$SYMS/$t/prog" "$P"
	run_program "$t: runs, its library found through the run path" "$OUT" "$t" "$P" "$D/empty"

	# Same bytes as patchelf, from the same file.
	fresh "$SYMS/$t/prog" "$D/base"
	"$ELFPATCH" --keep-note-segment --set-rpath "$rp" "$D/base" 2>/dev/null || exit 99
	if [ "$HAVE_PE19" = yes ]; then
		cp "$D/base" "$D/pe" && patchelf --build-resolution-cache "$D/pe" >/dev/null 2>&1
		check_eq "$t: the note patchelf writes" "$(note_hex "$D/pe")" "$(note_hex "$P")"
	else
		skip "$t: the note patchelf writes" "no patchelf with --build-resolution-cache"
	fi

	# Built once: the same note again changes nothing; another is refused.
	s=$(sum "$P")
	check_run "$t: again" --build-resolution-cache "$P"
	check_unchanged "$t: again: nothing written" "$s" "$P"
	mv "$D/lib2/libsym.so.1" "$D/lib2/x"
	check_refused "$t: a library gone" "$s" "$P" --build-resolution-cache
	check "$t: a library gone: already present" grep -q 'already present' "$SCRATCH/.eout"
	mv "$D/lib2/x" "$D/lib2/libsym.so.1"

	# An edit of the run path drops it; a new one can be built.
	check_run "$t: --set-rpath drops the note" --set-rpath "$D/lib2" "$P"
	check_eq "$t: --set-rpath drops the note: no cache printed" "" \
		"$("$ELFPATCH" --print-resolution-cache "$P")"
	check_run "$t: then built anew" --build-resolution-cache "$P"
	check_eq "$t: then built anew: the new run path" "libsym.so.1 =$D/lib2/libsym.so.1" \
		"$("$ELFPATCH" --print-resolution-cache "$P")"
	run_program "$t: runs with the new note" "$OUT" "$t" "$P" "$D/empty"
done

# A program whose only note segment an earlier growth took (x86-64 has a
# second one, which growth takes first): a PT_NOTE of its own.
for t in aarch64 s390x; do
	D=$SCRATCH/$t
	P=$D/prog-grown
	fresh "$SYMS/$t/prog" "$P"
	"$ELFPATCH" --set-rpath "$D/lib:/$(printf '%0200d' 0)" "$P" 2>/dev/null || exit 99
	n=$(readelf -lW "$P" | grep -c '^ *NOTE')
	check_run "$t: no note segment left" --build-resolution-cache "$P"
	check_eq "$t: no note segment left: one more PT_NOTE" $((n + 1)) \
		"$(readelf -lW "$P" | grep -c '^ *NOTE')"
	z=$(printf '%0200d' 0)
	check_note "$t: no note segment left" "$P" \
		'libc.so.6\000?/%s\000libsym.so.1\000=%s/lib/libsym.so.1:?/%s\000\000' "$z" "$D" "$z"
	run_program "$t: no note segment left: runs" "$OUT" "$t" "$P" "$D/empty"
done

# --root: the target's files, its links, its loader's choices.
R=$SCRATCH/rt/root
mkdir -p "$SCRATCH/rt" && cp -R "$DATA/deps/armhf/root" "$SCRATCH/rt/" && chmod -R u+w "$R" &&
	mkdir -p "$R/opt/decoy" && cp "$DATA/deps/aarch64/root/usr/lib/libA.so.1" "$R/opt/decoy/" &&
	ln -s /usr/lib "$R/usr/lib64" || exit 99
# shellcheck disable=SC2016
check_run "--root" --set-rpath '/opt/decoy:/usr/lib64:/usr/lib:/run/absent:$ORIGIN/../private' \
	--root "$R" --build-resolution-cache "$R/usr/bin/prog-ok"
# shellcheck disable=SC2016
check_eq "--root: decoy skipped, link followed inside SYSROOT, target paths" \
	'libA.so.1 =/usr/lib64/libA.so.1:=/usr/lib/libA.so.1:?/run/absent:?$ORIGIN/../private
libR.so.1 =/usr/lib64/libR.so.1:=/usr/lib/libR.so.1:?/run/absent:?$ORIGIN/../private
libc.so.6 ?/run/absent:?$ORIGIN/../private
libdst.so.1 ?/run/absent:?$ORIGIN/../private
libplat.so.1 ?/run/absent:?$ORIGIN/../private' \
	"$("$ELFPATCH" --print-resolution-cache "$R/usr/bin/prog-ok")"

# Every target's hello, its library on the run path.
for t in $TARGETS; do
	D=$SCRATCH/hello-$t
	mkdir -p "$D/lib" "$D/empty" && cp "$FIXTURES/$t/libgreet.so" "$D/lib/libgreet.so.1" || exit 99
	fresh "$FIXTURES/$t/hello" "$D/hello"
	check_run "$t/hello" --set-rpath "$D/lib" --build-resolution-cache "$D/hello"
	check_eq "$t/hello: the cache" "libgreet.so.1 =$D/lib/libgreet.so.1" \
		"$("$ELFPATCH" --print-resolution-cache "$D/hello")"
	lint "$t/hello" "$FIXTURES/$t/hello" "$D/hello"
	run_program "$t/hello: runs" "hello from libgreet, world" "$t" "$D/hello" "$D/empty"
done

# ---- nothing to record: patchelf's warnings, exit 0, nothing written ----
W=$SCRATCH/w
for c in "hello-static:no dynamic section" "hello-norpath:no DT_NEEDED entries or run path"; do
	f=${c%%:*}
	fresh "$FIXTURES/x86_64/$f" "$W"
	s=$(sum "$W")
	check_run "$f: nothing to record" --build-resolution-cache "$W"
	check "$f: warns" grep -q "warning: --build-resolution-cache: ${c#*:}" "$SCRATCH/.eout"
	check_unchanged "$f: nothing written" "$s" "$W"
done

# ---- refused ------------------------------------------------------------
D=$SCRATCH/x86_64
fresh "$SYMS/x86_64/prog" "$W"
"$ELFPATCH" --set-rpath "$D/lib" "$W" || exit 99
s=$(sum "$W")
check_refused "--no-grow" "$s" "$W" --no-grow --build-resolution-cache
for u in "--library-path /x" "--force-rpath" "--dry-run --set-soname x"; do
	# shellcheck disable=SC2086
	"$ELFPATCH" $u --build-resolution-cache "$W" >"$SCRATCH/.eout" 2>&1
	check_eq "$u --build-resolution-cache: a usage error" 2 "$?"
	check_unchanged "$u --build-resolution-cache: nothing written" "$s" "$W"
done
check_run "--dry-run" --dry-run --build-resolution-cache "$W"
check_unchanged "--dry-run: nothing written" "$s" "$W"
rm -f "$SCRATCH/out"
check_run "--output" --build-resolution-cache --output "$SCRATCH/out" "$W"
check_unchanged "--output: input unchanged" "$s" "$W"
check_eq "--output: the note" "libsym.so.1 =$D/lib/libsym.so.1" \
	"$("$ELFPATCH" --print-resolution-cache "$SCRATCH/out")"
check_eq "--print-resolution-cache without a note: nothing" "" \
	"$("$ELFPATCH" --print-resolution-cache "$W")"
# A section of that name that holds no such note (objcopy adds one).
if command -v objcopy >/dev/null 2>&1; then
	printf stale >"$SCRATCH/stale"
	objcopy --add-section .note.nixos.ldcache="$SCRATCH/stale" "$W" || exit 99
	s=$(sum "$W")
	"$ELFPATCH" --print-resolution-cache "$W" >/dev/null 2>"$SCRATCH/.err"
	check_eq "a malformed note: --print-resolution-cache fails" 1 "$?"
	check_eq "a malformed note: one line" \
		"elfpatch: $W: .note.nixos.ldcache: the resolution cache note is malformed" \
		"$(cat "$SCRATCH/.err")"
	check_refused "a malformed note: --build-resolution-cache" "$s" "$W" --build-resolution-cache
	check "a malformed note: already present" grep -q 'already present' "$SCRATCH/.eout"
else
	skip "a malformed note" "objcopy not installed"
fi

done_testing
