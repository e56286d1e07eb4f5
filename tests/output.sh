#!/bin/sh
# What --output, --only-keep-debug FILE, --add-gnu-debuglink FILE and
# --install-missing write when the name they are given is not a plain
# regular file.  Nothing but the named file is ever changed: a character
# device or a FIFO is written to (the bytes of a regular --output, in
# order), never renamed over; a symbolic link (a chain, a relative one)
# stays a link and the file at its end is replaced whole; a directory, a
# block device, a dangling link and a link another user planted in a
# sticky directory are refused; an output that is the input is handled;
# --install-missing never follows or replaces what is in its way.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/edit-lib.sh"

IN=$SCRATCH/in
cp "$FIXTURES/x86_64/hello" "$IN" && chmod 0750 "$IN" || exit 99
osum=$(sum "$IN")
ROOT=no
[ "$(id -u)" -eq 0 ] && ROOT=yes
# A FIFO test gone wrong must not hang make check.
TO=
command -v timeout >/dev/null 2>&1 && TO="timeout 60"

# The edits, each with its regular --output result as the reference: one
# written in place, one that grows the file, one that cuts it.
grow=libgrow-$(printf '%0200d' 0).so
EDITS="rpath grow strip"
args_of() {
	case $1 in
	rpath) echo "--set-rpath /opt/x" ;;
	grow) echo "--add-needed $grow" ;;
	strip) echo "--strip-all" ;;
	esac
}
for e in $EDITS; do
	"$ELFPATCH" $(args_of $e) --output "$SCRATCH/ref-$e" "$IN" >"$SCRATCH/.eout" 2>&1 || {
		echo "Bail out! elfpatch $(args_of $e) --output: $(cat "$SCRATCH/.eout")"
		exit 99
	}
done
check "reference: the growth grows" test "$(stat -c %s "$SCRATCH/ref-grow")" -gt \
	"$(stat -c %s "$IN")"
check "reference: --strip-all cuts" test "$(stat -c %s "$SCRATCH/ref-strip")" -lt \
	"$(stat -c %s "$IN")"
"$ELFPATCH" --only-keep-debug "$SCRATCH/ref-debug" "$IN" >/dev/null 2>&1 ||
	{ echo "Bail out! --only-keep-debug fails"; exit 99; }

# only_line NAME EXPECTED: the last run printed exactly one line, on
# stderr ($SCRATCH/.err), matching the pattern EXPECTED.
only_line() {
	if [ "$(wc -l <"$SCRATCH/.err")" -eq 1 ] && grep -q -e "$2" "$SCRATCH/.err"; then
		pass "$1"
	else
		fail "$1" "expected one line like: $2" "$(cat "$SCRATCH/.err")"
	fi
}

# refused NAME ARGS...: elfpatch ARGS exits 1 (stderr in $SCRATCH/.err).
refused() {
	_n=$1
	shift
	$TO "$ELFPATCH" "$@" >/dev/null 2>"$SCRATCH/.err"
	check_eq "$_n: exit status 1" 1 "$?"
}

# no_temporaries NAME DIR: no temporary file of ours is left in DIR.
no_temporaries() {
	check_eq "$1: no temporary file left" "" \
		"$(find "$2" -maxdepth 1 -name '*.elfpatch-*' -o -maxdepth 1 -name '*.tmp-*')"
}

# ---- FIFOs: written to in order, never replaced ---------------------------

FIFO=$SCRATCH/fifo
mkfifo -m 0600 "$FIFO" || exit 99

# through_fifo NAME REF ARGS...: with a reader on $FIFO, elfpatch ARGS
# (which name $FIFO) succeeds, the reader receives exactly REF's bytes,
# and $FIFO is still a FIFO.
through_fifo() {
	_n=$1 _ref=$2
	shift 2
	rm -f "$SCRATCH/got"
	cat "$FIFO" >"$SCRATCH/got" &
	_reader=$!
	$TO "$ELFPATCH" "$@" >"$SCRATCH/.eout" 2>&1
	_st=$?
	# A reader that nobody wrote to still waits to open the FIFO.
	if [ "$_st" -ne 0 ] || [ ! -p "$FIFO" ]; then
		kill "$_reader" 2>/dev/null
	fi
	wait "$_reader" 2>/dev/null
	if [ "$_st" -eq 0 ]; then
		pass "$_n: exit status 0"
	else
		fail "$_n: exit status 0" "exit status $_st" "$(cat "$SCRATCH/.eout")"
	fi
	check "$_n: still a FIFO" test -p "$FIFO" -a ! -L "$FIFO"
	check "$_n: the reader gets the bytes of a regular --output" cmp "$_ref" "$SCRATCH/got"
}

for e in $EDITS; do
	through_fifo "--output FIFO, $e" "$SCRATCH/ref-$e" $(args_of $e) --output "$FIFO" "$IN"
done
check_unchanged "--output FIFO: the input untouched" "$osum" "$IN"
check_eq "--output FIFO: its mode unchanged (not the input's)" 600 "$(stat -c %a "$FIFO")"
ln -s fifo "$SCRATCH/fifo-link"
through_fifo "--output LINK-TO-FIFO" "$SCRATCH/ref-rpath" --set-rpath /opt/x \
	--output "$SCRATCH/fifo-link" "$IN"
check "--output LINK-TO-FIFO: still a link" test -L "$SCRATCH/fifo-link"
through_fifo "--only-keep-debug FIFO" "$SCRATCH/ref-debug" --only-keep-debug "$FIFO" "$IN"
check_unchanged "--only-keep-debug FIFO: the input untouched" "$osum" "$IN"
# --report reads the result back; a FIFO cannot be: it is computed.
through_fifo "--report --output FIFO" "$SCRATCH/ref-rpath" --report --set-rpath /opt/x \
	--output "$FIFO" "$IN"
check "--report --output FIFO: reports the file" grep -q "fifo (after)" "$SCRATCH/.eout"
no_temporaries "FIFOs" "$SCRATCH"

# ---- character and block devices (mknod needs root) -----------------------

if [ "$ROOT" = yes ] && mknod "$SCRATCH/null" c 1 3 2>/dev/null; then
	chmod 0640 "$SCRATCH/null"
	dev_before=$(stat -c '%F %t:%T %a %u' "$SCRATCH/null")
	for e in $EDITS; do
		"$ELFPATCH" $(args_of $e) --output "$SCRATCH/null" "$IN" >"$SCRATCH/.eout" 2>&1
		check_eq "--output CHARDEV, $e: exit status 0" 0 "$?"
		check_eq "--output CHARDEV, $e: the same device, mode and owner" "$dev_before" \
			"$(stat -c '%F %t:%T %a %u' "$SCRATCH/null")"
	done
	ln -s null "$SCRATCH/null-link"
	check_run "--output LINK-TO-CHARDEV" --set-rpath /x --output "$SCRATCH/null-link" "$IN"
	check "--output LINK-TO-CHARDEV: still a link" test -L "$SCRATCH/null-link"
	check_eq "--output LINK-TO-CHARDEV: the same device" "$dev_before" \
		"$(stat -c '%F %t:%T %a %u' "$SCRATCH/null")"
	check_run "--only-keep-debug CHARDEV" --only-keep-debug "$SCRATCH/null" "$IN"
	check_eq "--only-keep-debug CHARDEV: the same device" "$dev_before" \
		"$(stat -c '%F %t:%T %a %u' "$SCRATCH/null")"
	refused "--add-gnu-debuglink CHARDEV" --add-gnu-debuglink "$SCRATCH/null" \
		--output "$SCRATCH/o" "$IN"
	only_line "--add-gnu-debuglink CHARDEV: says why" "null: not a regular file"
	check_unchanged "--output CHARDEV: the input untouched" "$osum" "$IN"
	no_temporaries "character device" "$SCRATCH"
else
	skip "--output CHARDEV" "mknod needs root"
fi

if [ "$ROOT" = yes ] && mknod "$SCRATCH/blk" b 7 250 2>/dev/null; then
	refused "--output BLOCKDEV" --set-rpath /x --output "$SCRATCH/blk" "$IN"
	only_line "--output BLOCKDEV: says why" "blk: is a block device"
	check_eq "--output BLOCKDEV: the same device" "block special file 7:fa" \
		"$(stat -c '%F %t:%T' "$SCRATCH/blk")"
	rm -f "$SCRATCH/blk"
else
	skip "--output BLOCKDEV" "mknod needs root"
fi

# ---- symbolic links: followed, the link stays, the target is replaced ----

# link_case NAME LINK TARGET: --output LINK leaves LINK a link with the
# same contents and TARGET (which held junk) the result, with the input's
# mode; nothing is created anywhere else.
link_case() {
	_n=$1 _l=$2 _t=$3
	_was=$(readlink "$_l")
	check_run "$_n" --set-rpath /opt/x --output "$_l" "$IN"
	check "$_n: still a link" test -L "$_l"
	check_eq "$_n: pointing where it did" "$_was" "$(readlink "$_l")"
	check "$_n: the target holds the result" cmp "$SCRATCH/ref-rpath" "$_t"
	check_eq "$_n: the target has the input's mode" 750 "$(stat -c %a "$_t")"
}

echo junk >"$SCRATCH/target"
ln -s target "$SCRATCH/link"
link_case "--output LINK" "$SCRATCH/link" "$SCRATCH/target"

echo junk >"$SCRATCH/chain-target"
ln -s chain-target "$SCRATCH/chain1"
ln -s "$SCRATCH/chain1" "$SCRATCH/chain2"
ln -s chain2 "$SCRATCH/chain3"
link_case "--output LINK-TO-LINK-TO-LINK" "$SCRATCH/chain3" "$SCRATCH/chain-target"
check "--output LINK-TO-LINK-TO-LINK: the middle links stay" test -L "$SCRATCH/chain1" -a \
	-L "$SCRATCH/chain2"

# A relative link is read from its own directory, reached here through a
# linked directory: ".." is the real directory's parent, a/b, not $SCRATCH.
mkdir -p "$SCRATCH/a/b/real"
ln -s a/b/real "$SCRATCH/dirlink"
ln -s ../rel-target "$SCRATCH/a/b/real/rel"
echo junk >"$SCRATCH/a/b/rel-target"
link_case "--output RELATIVE-LINK" "$SCRATCH/dirlink/rel" "$SCRATCH/a/b/rel-target"
check "--output RELATIVE-LINK: nothing made beside the linked directory" \
	test ! -e "$SCRATCH/rel-target"

echo junk >"$SCRATCH/debug-target"
ln -s debug-target "$SCRATCH/debug-link"
check_run "--only-keep-debug LINK" --only-keep-debug "$SCRATCH/debug-link" "$IN"
check "--only-keep-debug LINK: still a link" test -L "$SCRATCH/debug-link"
check "--only-keep-debug LINK: the target is the debug file" cmp "$SCRATCH/ref-debug" \
	"$SCRATCH/debug-target"
no_temporaries "links" "$SCRATCH"
no_temporaries "links" "$SCRATCH/a/b"

# A dangling link is refused, as cp refuses it: the name it holds was
# never checked, and a link pointing nowhere is more often stale than meant.
ln -s nowhere "$SCRATCH/dangling"
refused "--output DANGLING-LINK" --set-rpath /x --output "$SCRATCH/dangling" "$IN"
only_line "--output DANGLING-LINK: says why" "dangling: not writing through a dangling"
check "--output DANGLING-LINK: still a link" test -L "$SCRATCH/dangling"
check "--output DANGLING-LINK: nothing created" test ! -e "$SCRATCH/nowhere"
ln -s dangling "$SCRATCH/to-dangling"
refused "--output LINK-TO-DANGLING-LINK" --set-rpath /x --output "$SCRATCH/to-dangling" "$IN"
check "--output LINK-TO-DANGLING-LINK: nothing created" test ! -e "$SCRATCH/nowhere"
refused "--only-keep-debug DANGLING-LINK" --only-keep-debug "$SCRATCH/dangling" "$IN"
check "--only-keep-debug DANGLING-LINK: nothing created" test ! -e "$SCRATCH/nowhere"

ln -s loop2 "$SCRATCH/loop1"
ln -s loop1 "$SCRATCH/loop2"
refused "--output LINK-LOOP" --set-rpath /x --output "$SCRATCH/loop1" "$IN"
only_line "--output LINK-LOOP: says why" "loop1: .*symbolic links"

# A link another user owns in a sticky world-writable directory (/tmp)
# is not followed (Linux's fs.protected_symlinks rule, whatever the
# sysctl says); our own link there is.
if [ "$ROOT" = yes ]; then
	mkdir -m 1777 "$SCRATCH/sticky"
	echo victim >"$SCRATCH/victim"
	ln -s ../victim "$SCRATCH/sticky/planted"
	chown -h 65534:65534 "$SCRATCH/sticky/planted"
	refused "--output PLANTED-LINK" --set-rpath /x --output "$SCRATCH/sticky/planted" "$IN"
	only_line "--output PLANTED-LINK: says why" "planted: not following .*sticky"
	check_eq "--output PLANTED-LINK: its target untouched" victim "$(cat "$SCRATCH/victim")"
	check "--output PLANTED-LINK: still a link" test -L "$SCRATCH/sticky/planted"
	ln -s ../victim "$SCRATCH/sticky/mine"
	check_run "--output OWN-LINK in a sticky directory" --set-rpath /opt/x \
		--output "$SCRATCH/sticky/mine" "$IN"
	check "--output OWN-LINK in a sticky directory: followed" cmp "$SCRATCH/ref-rpath" \
		"$SCRATCH/victim"
else
	skip "--output PLANTED-LINK" "making another user's link needs root"
fi

# ---- directories ----------------------------------------------------------

mkdir "$SCRATCH/dir"
refused "--output DIR" --set-rpath /x --output "$SCRATCH/dir" "$IN"
only_line "--output DIR: one line, says why" "^elfpatch: .*/dir: is a directory$"
check_eq "--output DIR: the directory stays empty" "" "$(ls -A "$SCRATCH/dir")"
ln -s dir "$SCRATCH/dir-link"
refused "--output LINK-TO-DIR" --set-rpath /x --output "$SCRATCH/dir-link" "$IN"
only_line "--output LINK-TO-DIR: one line, says why" "dir-link: is a directory$"
check "--output LINK-TO-DIR: still a link" test -L "$SCRATCH/dir-link"
refused "--only-keep-debug DIR" --only-keep-debug "$SCRATCH/dir" "$IN"
refused "--add-gnu-debuglink DIR" --add-gnu-debuglink "$SCRATCH/dir" --output "$SCRATCH/o" "$IN"
only_line "--add-gnu-debuglink DIR: says why" "dir: is a directory"
check_eq "directories: nothing written in them" "" "$(ls -A "$SCRATCH/dir")"
check_unchanged "directories: the input untouched" "$osum" "$IN"
no_temporaries "directories" "$SCRATCH"

# --add-gnu-debuglink reads FILE whole: a FIFO is refused, not waited on.
refused "--add-gnu-debuglink FIFO" --add-gnu-debuglink "$FIFO" --output "$SCRATCH/o" "$IN"
only_line "--add-gnu-debuglink FIFO: says why" "fifo: not a regular file"

# ---- the output is the input ----------------------------------------------

# The same name, or a link to it: the input is replaced by the result
# whole (as a rename, like strip -o FILE FILE).
fresh "$IN" "$SCRATCH/self"
check_run "--output INPUT" --set-rpath /opt/x --output "$SCRATCH/self" "$SCRATCH/self"
check "--output INPUT: holds the result" cmp "$SCRATCH/ref-rpath" "$SCRATCH/self"
fresh "$IN" "$SCRATCH/self"
ln -s self "$SCRATCH/self-link"
check_run "--output LINK-TO-INPUT" --set-rpath /opt/x --output "$SCRATCH/self-link" \
	"$SCRATCH/self"
check "--output LINK-TO-INPUT: still a link" test -L "$SCRATCH/self-link"
check "--output LINK-TO-INPUT: the input holds the result" cmp "$SCRATCH/ref-rpath" \
	"$SCRATCH/self"
# A hard link is another name for the input: that name gets the result,
# the input keeps its contents and its inode.
fresh "$IN" "$SCRATCH/self"
ln "$SCRATCH/self" "$SCRATCH/self-hard"
ino=$(stat -c %i "$SCRATCH/self")
check_run "--output HARD-LINK-TO-INPUT" --set-rpath /opt/x --output "$SCRATCH/self-hard" \
	"$SCRATCH/self"
check "--output HARD-LINK-TO-INPUT: that name holds the result" cmp "$SCRATCH/ref-rpath" \
	"$SCRATCH/self-hard"
check_unchanged "--output HARD-LINK-TO-INPUT: the input untouched" "$osum" "$SCRATCH/self"
check_eq "--output HARD-LINK-TO-INPUT: the input keeps its inode" "$ino" \
	"$(stat -c %i "$SCRATCH/self")"

# --only-keep-debug is written before the input's own edits: naming the
# input (or the --output) would lose it.
fresh "$IN" "$SCRATCH/self"
ln -sf self "$SCRATCH/self-link"
rm -f "$SCRATCH/self-hard"
ln "$SCRATCH/self" "$SCRATCH/self-hard"
for how in self self-link self-hard; do
	refused "--only-keep-debug INPUT ($how) --strip-debug" --only-keep-debug \
		"$SCRATCH/$how" --strip-debug "$SCRATCH/self"
	only_line "--only-keep-debug INPUT ($how): says why" "would replace the input itself"
	check_unchanged "--only-keep-debug INPUT ($how): the input untouched" "$osum" \
		"$SCRATCH/self"
done
rm -f "$SCRATCH/o"
refused "--only-keep-debug OUTPUT --output OUTPUT" --only-keep-debug "$SCRATCH/o" \
	--output "$SCRATCH/o" "$IN"
check "--only-keep-debug OUTPUT --output OUTPUT: nothing written" test ! -e "$SCRATCH/o"
no_temporaries "the output is the input" "$SCRATCH"

# ---- --install-missing: what is in the way stays --------------------------

T=arm-linux-gnueabihf
CROSS=/usr/$T/lib
ARMHF=$FIXTURES/armhf
if [ -f "$CROSS/libc.so.6" ] && [ -f "$CROSS/ld-linux-armhf.so.3" ]; then
	ELFPATCH_PLATFORM=
	export ELFPATCH_PLATFORM
	OUT=$SCRATCH/outside
	mkdir -p "$OUT"
	echo outside >"$OUT/libgreet.so.1"
	# rootfs DIR: the loader, the C library and hello, without libgreet.
	rootfs() {
		mkdir -p "$1/lib/$T" "$1/usr/bin" "$1/usr/lib" &&
		cp "$CROSS/ld-linux-armhf.so.3" "$CROSS/libc.so.6" "$1/lib/$T/" &&
		ln -s "$T/ld-linux-armhf.so.3" "$1/lib/ld-linux-armhf.so.3" &&
		cp "$ARMHF/hello" "$1/usr/bin/hello" || exit 99
	}
	install_into() {	# ROOT
		$TO "$ELFPATCH" --install-missing /usr/lib --root "$1" --library-path "$ARMHF" \
			"$1/usr/bin/hello" >/dev/null 2>"$SCRATCH/.err"
	}

	R=$SCRATCH/r-link
	rootfs "$R"
	ln -s "$OUT/libgreet.so.1" "$R/usr/lib/libgreet.so.1"
	install_into "$R"
	check_eq "--install-missing, a link out of the root in the way: exit status 1" 1 $?
	only_line "--install-missing, a link in the way: says why" "symbolic link is in the way"
	check_eq "--install-missing, a link in the way: its target untouched" outside \
		"$(cat "$OUT/libgreet.so.1")"
	check "--install-missing, a link in the way: still a link" test -L \
		"$R/usr/lib/libgreet.so.1"

	R=$SCRATCH/r-dangling
	rootfs "$R"
	ln -s "$OUT/new.so.1" "$R/usr/lib/libgreet.so.1"
	install_into "$R"
	check_eq "--install-missing, a dangling link in the way: exit status 1" 1 $?
	check "--install-missing, a dangling link in the way: nothing created" test ! -e \
		"$OUT/new.so.1"

	R=$SCRATCH/r-fifo
	rootfs "$R"
	mkfifo "$R/usr/lib/libgreet.so.1"
	install_into "$R"
	check_eq "--install-missing, a FIFO in the way: exit status 1" 1 $?
	only_line "--install-missing, a FIFO in the way: says why" "not usable .*not replaced"
	check "--install-missing, a FIFO in the way: still a FIFO" test -p \
		"$R/usr/lib/libgreet.so.1"

	# The directory is a link: absolute, it is taken inside the root (as
	# the target's loader takes it), never the host directory it names.
	R=$SCRATCH/r-abs
	rootfs "$R"
	rmdir "$R/usr/lib"
	ln -s "$OUT" "$R/usr/lib"
	mkdir -p "$R$OUT"
	install_into "$R"
	check_eq "--install-missing into an absolute link: exit status 0" 0 $?
	check "--install-missing into an absolute link: installed inside the root" test -f \
		"$R$OUT/libgreet.so.1"
	check_eq "--install-missing into an absolute link: the host directory untouched" \
		"libgreet.so.1 outside" "$(ls "$OUT") $(cat "$OUT/libgreet.so.1")"
	R=$SCRATCH/r-rel
	rootfs "$R"
	rmdir "$R/usr/lib"
	ln -s ../../outside2 "$R/usr/lib"
	install_into "$R"
	check_eq "--install-missing into a link climbing out: exit status 0" 0 $?
	check "--install-missing into a link climbing out: installed inside the root" test -f \
		"$R/outside2/libgreet.so.1"
	check "--install-missing into a link climbing out: nothing outside" test ! -e \
		"$SCRATCH/outside2"

	R=$SCRATCH/r-plain
	rootfs "$R"
	install_into "$R"
	check_eq "--install-missing: exit status 0" 0 $?
	check "--install-missing: a regular file" test -f "$R/usr/lib/libgreet.so.1" -a \
		! -L "$R/usr/lib/libgreet.so.1"
	check_eq "--install-missing: edited before it appears" "" \
		"$("$ELFPATCH" --print-rpath "$R/usr/lib/libgreet.so.1")"
	no_temporaries "--install-missing" "$R/usr/lib"
else
	skip "--install-missing" "no armhf C library in $CROSS"
fi

done_testing
