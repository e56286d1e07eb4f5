#!/bin/sh
# deps.sh: --print-deps on the armhf dependency-chain fixtures, rule by
# rule, without running anything (tests/deps-loader.sh compares the same
# with the real loader).  The root filesystem gets a stand-in C library
# (a copy of libgreet.so named libc.so.6), so no cross sysroot is needed.
. "${top_srcdir:-.}/tests/lib.sh"

ELFPATCH_PLATFORM=
export ELFPATCH_PLATFORM
T=arm-linux-gnueabihf

# make_root DIR: the armhf fixture tree, libc.so.6 and ld.so stand-ins; the
# loader link is absolute, as Debian's /lib64 one is.
make_root() {
	cp -R "$DATA/deps/armhf/root" "$1" && chmod -R u+w "$1" &&
	mkdir -p "$1/lib/$T" &&
	cp "$FIXTURES/armhf/libgreet.so" "$1/lib/$T/libc.so.6" &&
	cp "$FIXTURES/armhf/libgreet.so" "$1/lib/$T/ld-linux-armhf.so.3" &&
	ln -s "/lib/$T/ld-linux-armhf.so.3" "$1/lib/ld-linux-armhf.so.3"
}

R=$SCRATCH/root
make_root "$R" || { echo "Bail out! cannot make the root"; exit 99; }

# deps [OPTION...] PROGRAM: --print-deps in $R; output in $OUT, status in $ST.
deps() {
	OUT=$("$ELFPATCH" --print-deps --root "$R" "$@" 2>"$SCRATCH/err")
	ST=$?
	ERR=$(cat "$SCRATCH/err")
}

# has NAME LINE: OUT contains LINE (a whole line; tabs as in ldd).
has() {
	if printf '%s\n' "$OUT" | grep -qxF "$2"; then
		pass "$1"
	else
		fail "$1" "no line: $2" "output:" "$OUT" "$ERR"
	fi
}

tab='	'

# --- the program with everything that can go wrong ------------------------
deps "$R/usr/bin/prog"
check_eq "prog: exit status 1 (2 libraries not found)" 1 "$ST"
has "prog: libA through DT_RUNPATH \$ORIGIN/../lib, as ld.so names it" \
	"${tab}libA.so.1 => /usr/bin/../lib/libA.so.1"
has "prog: libB through libA's own DT_RPATH \$ORIGIN/chain" \
	"${tab}libB.so.1 => /usr/bin/../lib/chain/libB.so.1"
has "prog: libC through libA's DT_RPATH, inherited by libB" \
	"${tab}libC.so.1 => /usr/bin/../lib/chain/libC.so.1"
has "prog: libD not found: DT_RUNPATH is not inherited" "${tab}libD.so.1 => not found"
has "prog: libmissing not found" "${tab}libmissing.so.1 => not found"
has "prog: the decoy libshadow (soft-float) is skipped" \
	"${tab}libshadow.so.1 => /usr/bin/../private/libshadow.so.1"
has "prog: libconf from ld.so.conf (include ld.so.conf.d/*.conf)" \
	"${tab}libconf.so.1 => /opt/conf/lib/libconf.so.1"
check_eq "prog: libF-alias.so.1 is the libF.so.1 already loaded (same file)" \
	"${tab}libF.so.1 => /usr/bin/../lib/libF.so.1" "$(printf '%s\n' "$OUT" | grep libF)"
check_eq "prog: breadth-first load order, as dl-deps.c" \
	"libA.so.1 libR.so.1 libshadow.so.1 libconf.so.1 libF.so.1 libmissing.so.1 libc.so.6 libB.so.1 libD.so.1 libC.so.1" \
	"$(printf '%s\n' "$OUT" | sed -n '/^$/q;s/^\t\([^ ]*\) .*/\1/p' | tr '\n' ' ' | sed 's/ $//')"
has "prog: symbol versions, as LD_VERBOSE=1" \
	"${tab}${tab}libA.so.1 (LIBA_2.0) => /usr/bin/../lib/libA.so.1"
case $ERR in
*"2 libraries not found"*) pass "prog: says how many are missing" ;;
*) fail "prog: says how many are missing" "$ERR" ;;
esac

# --- everything found --------------------------------------------------------
deps "$R/usr/bin/prog-ok"
check_eq "prog-ok: exit status 0" 0 "$ST"
has "prog-ok: libD through the program's DT_RPATH, inherited by libR" \
	"${tab}libD.so.1 => /usr/bin/../private/libD.so.1"
has "prog-ok: \${ORIGIN} and \$LIB (Debian: lib/$T)" \
	"${tab}libdst.so.1 => /opt/dst/lib/$T/libdst.so.1"
has "prog-ok: \${PLATFORM} (v7l for armhf)" "${tab}libplat.so.1 => /opt/plat/v7l/libplat.so.1"
OUT=$(ELFPATCH_PLATFORM=v8l "$ELFPATCH" --print-deps --root "$R" "$R/usr/bin/prog-ok" 2>/dev/null)
ST=$?
has "ELFPATCH_PLATFORM=v8l: libplat is not in /opt/plat/v8l" "${tab}libplat.so.1 => not found"
check_eq "ELFPATCH_PLATFORM=v8l: exit status 1" 1 "$ST"

# Without /lib/TRIPLET the layout is upstream's: $LIB is lib, /lib and /usr/lib.
R2=$SCRATCH/flat
cp -R "$R" "$R2" && mv "$R2/lib/$T/libc.so.6" "$R2/lib/" && rm -rf "${R2:?}/lib/$T" "$R2/lib/ld-linux-armhf.so.3"
OUT=$("$ELFPATCH" --print-deps --root "$R2" "$R2/usr/bin/prog-ok" 2>/dev/null)
has "upstream layout: \$LIB is lib, so /opt/dst/lib/libdst.so.1 is looked for" \
	"${tab}libdst.so.1 => not found"
has "upstream layout: libc.so.6 from /lib" "${tab}libc.so.6 => /lib/libc.so.6"

# --- a version the library does not define ----------------------------------
deps "$R/usr/bin/prog-ver"
check_eq "prog-ver: exit status 1" 1 "$ST"
has "prog-ver: LIBA_3.0 => not found" "${tab}${tab}libA.so.1 (LIBA_3.0) => not found"
case $ERR in
*"version 'LIBA_3.0' not found (required by /usr/bin/prog-ver)"*) pass "prog-ver: says which version" ;;
*) fail "prog-ver: says which version" "$ERR" ;;
esac

# --- --library-path is LD_LIBRARY_PATH: after DT_RPATH, before DT_RUNPATH ---
L=$SCRATCH/llp
mkdir -p "$L" && cp "$R/usr/lib/libA.so.1" "$L/"
deps --library-path "$L" "$R/usr/bin/prog"
has "--library-path wins over DT_RUNPATH" "${tab}libA.so.1 => $L/libA.so.1"
deps --library-path "/nonexistent;$L" "$R/usr/bin/prog-ok"
has "DT_RPATH wins over --library-path (';' separates too)" \
	"${tab}libA.so.1 => /usr/bin/../lib/libA.so.1"

# --- --tree and --json ------------------------------------------------------
OUT=$("$ELFPATCH" --print-deps --tree --root "$R" "$R/usr/bin/prog" 2>/dev/null)
has "--tree: the program and its interpreter" \
	"/usr/bin/prog (interpreter => /lib/ld-linux-armhf.so.3)"
has "--tree: libA, with the versions prog needs" \
	"    libA.so.1 => /usr/bin/../lib/libA.so.1 (LIBA_2.0)"
has "--tree: libC under libB under libA" \
	"            libC.so.1 => /usr/bin/../lib/chain/libC.so.1"
has "--tree: libF-alias.so.1 answered by libF.so.1" \
	"        libF-alias.so.1 => /usr/bin/../lib/libF.so.1"
has "--tree: libD not found under libR" "        libD.so.1 => not found"
if command -v jq >/dev/null 2>&1; then
	J=$("$ELFPATCH" --print-deps --json --root "$R" "$R/usr/bin/prog" "$R/usr/bin/prog-ok" 2>/dev/null)
	check_eq "--json: valid, one entry per FILE, counts" "2 2 0 true" \
		"$(printf '%s' "$J" | jq -r '"\(length) \(.[0].not_found) \(.[1].not_found) \(.[1].ok)"')"
	check_eq "--json: where each library came from" "RUNPATH ld.so.conf RPATH" \
		"$(printf '%s' "$J" | jq -r '[.[0].objects[] | select(.name == "libA.so.1" or .name == "libB.so.1" or .name == "libconf.so.1") | .via] | join(" ")')"
else
	skip "--json: valid, one entry per FILE, counts" "jq not installed"
	skip "--json: where each library came from" "jq not installed"
fi

# --- ld.so.conf as ldconfig reads it ------------------------------------------
C=$SCRATCH/conf
cp -R "$R" "$C"
printf 'hwcap 0 nosegneg\n  include   ld.so.conf.d/*.conf # relative: to this file\n' >"$C/etc/ld.so.conf"
deps_c() { OUT=$("$ELFPATCH" --print-deps --root "$C" "$C/usr/bin/prog" 2>/dev/null); }
deps_c
has "ld.so.conf: relative include, comments, hwcap line" "${tab}libconf.so.1 => /opt/conf/lib/libconf.so.1"
printf '/opt/conf/lib=libc6\ninclude /etc/ld.so.conf.d/loop.conf\n' >"$C/etc/ld.so.conf.d/loop.conf"
printf 'include /etc/ld.so.conf.d/loop.conf\n' >"$C/etc/ld.so.conf"
deps_c
has "ld.so.conf: '=TYPE' suffix dropped, an include loop ends" \
	"${tab}libconf.so.1 => /opt/conf/lib/libconf.so.1"
mv "$C/opt/conf/lib/libconf.so.1" "$C/opt/conf/lib/libconf-1.2.so"
deps_c
has "ld.so.conf: a library found by its soname, as the cache has it" \
	"${tab}libconf.so.1 => /opt/conf/lib/libconf-1.2.so"
rm "$C/etc/ld.so.conf"
deps_c
has "no ld.so.conf: libconf is not found" "${tab}libconf.so.1 => not found"

# --- DF_1_NODEFLIB: no default directories ---------------------------------
cp "$R/usr/bin/prog-ok" "$R/usr/bin/prog-nodeflib"
if "$ELFPATCH" --no-default-lib "$R/usr/bin/prog-nodeflib" 2>/dev/null; then
	deps "$R/usr/bin/prog-nodeflib"
	has "DF_1_NODEFLIB: libc.so.6 is in a default directory only" "${tab}libc.so.6 => not found"
else
	skip "DF_1_NODEFLIB: libc.so.6 is in a default directory only" "--no-default-lib failed"
fi
rm -f "$R/usr/bin/prog-nodeflib"

# --- files ld.so would refuse, links inside the root ------------------------
U=$SCRATCH/unusable
cp -R "$R" "$U"
echo garbage >"$U/usr/private/libD.so.1"
OUT=$("$ELFPATCH" --print-deps --root "$U" "$U/usr/bin/prog-ok" 2>/dev/null)
ST=$?
has "a 'library' too short for an ELF header stops the search, as in ld.so" \
	"${tab}libD.so.1 => /usr/bin/../private/libD.so.1 (error: file too short)"
check_eq "... and the exit status is 1" 1 "$ST"
head -c 200 /dev/zero >"$U/usr/private/libD.so.1"
OUT=$("$ELFPATCH" --print-deps --root "$U" "$U/usr/bin/prog-ok" 2>/dev/null)
has "a non-ELF library: invalid ELF header" \
	"${tab}libD.so.1 => /usr/bin/../private/libD.so.1 (error: invalid ELF header)"
mv "$U/usr/lib/libR.so.1" "$U/usr/private/libR.real"
ln -s /usr/private/libR.real "$U/usr/lib/libR.so.1"
OUT=$("$ELFPATCH" --print-deps --root "$U" "$U/usr/bin/prog" 2>/dev/null)
has "an absolute link is followed inside the root" "${tab}libR.so.1 => /usr/bin/../lib/libR.so.1"
rm "$U/lib/ld-linux-armhf.so.3"
deps_u=$("$ELFPATCH" --print-deps --root "$U" "$U/usr/bin/prog-ok" 2>&1 >/dev/null)
case $deps_u in
*"interpreter /lib/ld-linux-armhf.so.3 not found in $U"*) pass "a missing interpreter is reported" ;;
*) fail "a missing interpreter is reported" "$deps_u" ;;
esac

# --- other kinds of FILE ------------------------------------------------------
deps "$FIXTURES/armhf/hello-static"
check_eq "a static program: statically linked, exit 0" "${tab}statically linked 0" "$OUT $ST"
deps "$R/usr/lib/libA.so.1"
has "a library: \$ORIGIN is its own directory" "${tab}libB.so.1 => /usr/lib/chain/libB.so.1"
check_eq "a library: exit status 0" 0 "$ST"
deps "$R/usr/bin/prog-ok" "$R/usr/lib/libA.so.1"
has "several FILEs: a header for each, as ldd" "$R/usr/lib/libA.so.1:"
OUT=$("$ELFPATCH" --debug --print-deps --root "$R" "$R/usr/bin/prog-ok" 2>&1 >/dev/null)
case $OUT in
*"trying file=/usr/bin/../lib/libA.so.1"*) pass "--debug: each file tried, as LD_DEBUG=libs" ;;
*) fail "--debug: each file tried, as LD_DEBUG=libs" "$OUT" ;;
esac

# --- usage errors -------------------------------------------------------------
"$ELFPATCH" --compare "$FIXTURES/armhf/hello-static" "$FIXTURES/armhf/hello" "$FIXTURES/armhf/hello" \
	>/dev/null 2>&1
check_eq "--compare takes no FILE: exit 2" 2 $?
"$ELFPATCH" --install-missing /usr/lib "$R/usr/bin/prog" >/dev/null 2>&1
check_eq "--install-missing needs --root: exit 2" 2 $?
"$ELFPATCH" --print-deps --set-rpath /x "$R/usr/bin/prog" >/dev/null 2>&1
check_eq "--print-deps with an edit: exit 2" 2 $?
check_fails "--root that does not exist" "$ELFPATCH" --print-deps --root "$SCRATCH/none" "$R/usr/bin/prog-ok"
check_fails "a FILE that is not ELF" "$ELFPATCH" --print-deps "$R/etc/ld.so.conf"

done_testing
