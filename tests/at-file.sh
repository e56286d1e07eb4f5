#!/bin/sh
# @FILE arguments: the value is FILE's bytes, and a FILE that cannot be
# read fails the command with exit status 1, as in patchelf (a usage
# error, such as an unknown option, is 2).
. "${top_srcdir:-.}/tests/lib.sh"

w=$(copy_fixture x86_64 hello)
sum=$(cksum <"$w")
old=$("$ELFPATCH" --print-rpath "$w")

# refused NAME EXPECTED-STDERR ARGS...: exit 1, that one line, file untouched.
refused() {
	_n=$1 _exp=$2
	shift 2
	"$ELFPATCH" "$@" >/dev/null 2>"$SCRATCH/err"
	check_eq "$_n: exit status 1, as patchelf" 1 $?
	check_eq "$_n: one line" "$_exp" "$(cat "$SCRATCH/err")"
	check_eq "$_n: the file is untouched" "$sum" "$(cksum <"$w")"
}

for opt in --set-rpath --add-rpath --set-interpreter --set-soname; do
	refused "$opt @missing" "elfpatch: $SCRATCH/missing: cannot open: No such file or directory" \
		$opt "@$SCRATCH/missing" "$w"
done
# A directory opens, but reading it fails: an error, not an empty value.
mkdir "$SCRATCH/dir"
refused "--set-rpath @directory" "elfpatch: $SCRATCH/dir: cannot read: Is a directory" \
	--set-rpath "@$SCRATCH/dir" "$w"
check_eq "--set-rpath @directory: the RPATH is kept" "$old" "$("$ELFPATCH" --print-rpath "$w")"
# Nothing else runs once an argument fails: not the other files either.
w2=$(copy_fixture armhf hello)
sum2=$(cksum <"$w2")
"$ELFPATCH" --set-rpath "@$SCRATCH/missing" "$w2" "$w" 2>/dev/null
check_eq "@missing with two files: exit status 1" 1 $?
check_eq "@missing with two files: neither is edited" "$sum2" "$(cksum <"$w2")"

# The value is the bytes as they are, a trailing newline included.
printf '/opt/from/file\n' >"$SCRATCH/rpath"
check "--set-rpath @FILE" "$ELFPATCH" --set-rpath "@$SCRATCH/rpath" "$w"
check_eq "--set-rpath @FILE: byte for byte" "$(printf '/opt/from/file\n.')" \
	"$("$ELFPATCH" --print-rpath "$w" | head -c 15; echo .)"

# A usage error stays 2.
"$ELFPATCH" --no-such-option "$w" 2>/dev/null
check_eq "an unknown option: exit status 2" 2 $?
"$ELFPATCH" --set-rpath 2>/dev/null
check_eq "a missing argument: exit status 2" 2 $?

done_testing
