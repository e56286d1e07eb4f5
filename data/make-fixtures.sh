#!/bin/bash
# shellcheck disable=SC2054,SC2191  # commas/= inside gcc options are literal
# make-fixtures.sh - (re)build the elfpatch test fixtures in data/bin/ and the
# expected values in data/expect/ from the C sources in data/src/.
#
# The output is committed, so `make check` never needs a cross compiler.
# Running this script twice must give byte-identical files (see SHA256SUMS).
#
# Usage: data/make-fixtures.sh [--arch LIST] [--help]
#   --arch LIST   rebuild only these targets (comma- or space-separated);
#                 default: all of  armhf armel aarch64 aarch64-64k x86_64
#                 i386 ppc s390x
#   --deps-only   rebuild only the dependency-chain fixtures in data/deps/
#                 (armhf aarch64 x86_64, or those of them --arch names)
#   --syms-only   rebuild only the symbol-rename fixtures in data/syms/
#                 (armhf aarch64 x86_64 ppc s390x, or those --arch names)
#
# Needs (Debian bookworm): gcc libc6-dev binutils gcc-arm-linux-gnueabihf
# gcc-arm-linux-gnueabi gcc-aarch64-linux-gnu gcc-i686-linux-gnu
# gcc-powerpc-linux-gnu gcc-s390x-linux-gnu libc6-dev-armhf-cross
# libc6-dev-armel-cross libc6-dev-arm64-cross libc6-dev-i386-cross
# libc6-dev-powerpc-cross libc6-dev-s390x-cross
# (and qemu-user to run the fixtures with data/run-fixture.sh).
set -euo pipefail

export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=0
unset GCC_EXEC_PREFIX COMPILER_PATH LIBRARY_PATH CPATH C_INCLUDE_PATH \
	LD_RUN_PATH LD_LIBRARY_PATH CFLAGS LDFLAGS CPPFLAGS 2>/dev/null || true
umask 022

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
srcdir=$here/src
bindir=$here/bin
expdir=$here/expect

ALL_TARGETS="armhf armel aarch64 aarch64-64k x86_64 i386 ppc s390x"

# The "leaked host build path" RPATHs (the seed scenario).
HELLO_RPATH=/home/builder/work/buildroot-2026.02/output/build/hello-1.0/target/release/deps:/home/builder/work/buildroot-2026.02/output/host/lib
LIB_RPATH=/home/builder/work/buildroot-2026.02/output/build/libgreet-1.0/.libs:/home/builder/work/buildroot-2026.02/output/host/lib
# shellcheck disable=SC2016  # $ORIGIN is literal on purpose
RUNPATH='$ORIGIN/../lib:/opt/host/build/lib'

usage() {
	sed -n '3,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

targets=$ALL_TARGETS
deps_only=0
syms_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--deps-only) deps_only=1; shift ;;
	--syms-only) syms_only=1; shift ;;
	--arch) [ $# -ge 2 ] || { echo "$0: --arch needs a list" >&2; exit 2; }
		targets=${2//,/ }; shift 2 ;;
	--arch=*) targets=${1#--arch=}; targets=${targets//,/ }; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "$0: unknown argument: $1 (try --help)" >&2; exit 2 ;;
	esac
done

# target -> "compiler compiler-package libc-dev-package"
target_cc() {
	case $1 in
	armhf)		echo "arm-linux-gnueabihf-gcc gcc-arm-linux-gnueabihf libc6-dev-armhf-cross" ;;
	armel)		echo "arm-linux-gnueabi-gcc gcc-arm-linux-gnueabi libc6-dev-armel-cross" ;;
	aarch64|aarch64-64k) echo "aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu libc6-dev-arm64-cross" ;;
	x86_64)		echo "x86_64-linux-gnu-gcc gcc libc6-dev" ;;
	i386)		echo "i686-linux-gnu-gcc gcc-i686-linux-gnu libc6-dev-i386-cross" ;;
	ppc)		echo "powerpc-linux-gnu-gcc gcc-powerpc-linux-gnu libc6-dev-powerpc-cross" ;;
	s390x)		echo "s390x-linux-gnu-gcc gcc-s390x-linux-gnu libc6-dev-s390x-cross" ;;
	*)		return 1 ;;
	esac
}

# target -> fixtures to build (libgreet.so first: the programs link to it)
target_fixtures() {
	case $1 in
	aarch64-64k)	echo "libgreet.so hello" ;;
	armhf|x86_64)	echo "libgreet.so hello hello-nopie hello-runpath hello-norpath hello-debug hello-static" ;;
	*)		echo "libgreet.so hello hello-nopie hello-runpath hello-norpath hello-debug" ;;
	esac
}

# binutils' default max-page-size for aarch64 is already 64 KiB; link the
# plain aarch64 target for 4 KiB pages so that aarch64-64k is the odd one out.
target_ldflags() {
	case $1 in
	aarch64)	echo "-Wl,-z,max-page-size=4096" ;;
	aarch64-64k)	echo "-Wl,-z,max-page-size=65536" ;;
	*)		echo "" ;;
	esac
}

# --- check the tools -------------------------------------------------------
sel=""
for t in $targets; do
	target_cc "$t" >/dev/null || {
		echo "$0: unknown target '$t' (known: $ALL_TARGETS)" >&2; exit 2; }
	case " $sel " in *" $t "*) ;; *) sel="$sel $t" ;; esac
done
# fixed order, whatever the order on the command line
ordered=""
for t in $ALL_TARGETS; do
	case " $sel " in *" $t "*) ordered="$ordered $t" ;; esac
done
targets=${ordered# }
[ -n "$targets" ] || { echo "$0: no targets" >&2; exit 2; }

missing=0
for t in $targets; do
	read -r cc pkg devpkg <<<"$(target_cc "$t")"
	if [ "$t" = x86_64 ] && ! command -v "$cc" >/dev/null 2>&1 \
	   && [ "$(uname -m)" = x86_64 ] && command -v gcc >/dev/null 2>&1; then
		cc=gcc		# plain native gcc will do
	fi
	if ! command -v "$cc" >/dev/null 2>&1; then
		echo "$0: $cc not found (target $t): apt-get install $pkg $devpkg" >&2
		missing=1
	elif ! printf '#include <stdio.h>\n' | "$cc" -E -o /dev/null - >/dev/null 2>&1 \
	     || [ "$("$cc" -print-file-name=libc.so)" = libc.so ]; then
		# the cross gcc packages only *recommend* the libc headers
		echo "$0: no C library for $cc (target $t): apt-get install $devpkg" >&2
		missing=1
	fi
done
for tool in readelf od sha256sum; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "$0: $tool not found: apt-get install $( [ $tool = readelf ] && echo binutils || echo coreutils)" >&2
		missing=1; }
done
[ $missing = 0 ] || exit 1

READELF=readelf

tmp=$(mktemp -d "${TMPDIR:-/tmp}/elfpatch-fixtures.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# --- build ---------------------------------------------------------------
# Everything is compiled from inside $srcdir with relative file names and
# -ffile-prefix-map, so no host path ends up in the binaries.
COMMON_CFLAGS=(-Wall -ffile-prefix-map="$srcdir"=.
	-frandom-seed=elfpatch-fixture)
COMMON_LDFLAGS=(-Wl,--build-id=sha1)

build_one() {	# target cc outdir name
	local t=$1 cc=$2 out=$3 name=$4 extra
	# shellcheck disable=SC2207
	extra=($(target_ldflags "$t"))
	local -a args
	case $name in
	libgreet.so)
		args=(-O2 -g -fPIC -shared -Wl,-soname,libgreet.so.1
		      -Wl,--disable-new-dtags -Wl,-rpath,"$LIB_RPATH"
		      -o "$out/libgreet.so" greet.c) ;;
	hello)
		args=(-O2 -fPIE -pie -Wl,--disable-new-dtags -Wl,-rpath,"$HELLO_RPATH"
		      -o "$out/$name" hello.c -L"$out" -lgreet) ;;
	hello-nopie)
		args=(-O2 -fno-pie -no-pie -Wl,--disable-new-dtags -Wl,-rpath,"$HELLO_RPATH"
		      -o "$out/$name" hello.c -L"$out" -lgreet) ;;
	hello-runpath)
		args=(-O2 -fPIE -pie -Wl,--enable-new-dtags -Wl,-rpath,"$RUNPATH"
		      -o "$out/$name" hello.c -L"$out" -lgreet) ;;
	hello-norpath)
		args=(-O2 -fPIE -pie
		      -o "$out/$name" hello.c -L"$out" -lgreet) ;;
	hello-debug)
		args=(-O1 -g -fPIE -pie -Wl,--disable-new-dtags -Wl,-rpath,"$HELLO_RPATH"
		      -o "$out/$name" hello.c -L"$out" -lgreet) ;;
	hello-static)
		args=(-Os -fno-pie -no-pie -static -s
		      -o "$out/$name" hello.c greet.c) ;;
	*) echo "$0: internal error: fixture $name" >&2; exit 3 ;;
	esac
	echo "  $t/$name"
	(cd "$srcdir" && "$cc" "${COMMON_CFLAGS[@]}" "${args[@]}" \
		"${COMMON_LDFLAGS[@]}" "${extra[@]}")
	if [ "$name" = libgreet.so ]; then
		ln -s libgreet.so "$out/libgreet.so.1"
	fi
}

# e_machine name as printed by readelf -h -> number (checked against the file)
machine_number() {
	case $1 in
	"ARM")				echo 40 ;;
	"AArch64")			echo 183 ;;
	"Advanced Micro Devices X86-64") echo 62 ;;
	"Intel 80386")			echo 3 ;;
	"PowerPC")			echo 20 ;;
	"PowerPC64")			echo 21 ;;
	"IBM S/390")			echo 22 ;;
	"MIPS R3000")			echo 8 ;;
	"RISC-V")			echo 243 ;;
	*)				echo "?" ;;
	esac
}

# e_machine read straight from the ELF header (bytes 18-19, EI_DATA at 5)
machine_from_file() {
	local d b0 b1
	d=$(od -An -tu1 -j5 -N1 "$1" | tr -d ' ')
	read -r b0 b1 <<<"$(od -An -tu1 -j18 -N2 "$1")"
	if [ "$d" = 2 ]; then echo $((b0 * 256 + b1)); else echo $((b1 * 256 + b0)); fi
}

write_expect() {	# file out.txt
	local f=$1 o=$2 re cls data mtxt mnum mfile type osabi stack
	re=$("$READELF" -hldW "$f")
	cls=$(sed -n 's/^ *Class: *//p' <<<"$re")
	data=$(sed -n 's/^ *Data: *//p' <<<"$re")
	case $data in
	*"little endian"*) data=lsb ;;
	*"big endian"*) data=msb ;;
	*) echo "$0: $f: unknown data encoding '$data'" >&2; exit 3 ;;
	esac
	mtxt=$(sed -n 's/^ *Machine: *//p' <<<"$re")
	mnum=$(machine_number "$mtxt")
	mfile=$(machine_from_file "$f")
	if [ "$mnum" != "$mfile" ]; then
		echo "$0: $f: readelf machine '$mtxt' ($mnum) != e_machine $mfile" >&2
		exit 3
	fi
	type=$(sed -n 's/^ *Type: *\([A-Z]*\).*/\1/p' <<<"$re")
	osabi=$(sed -n 's/^ *OS\/ABI: *//p' <<<"$re")
	stack=$(awk '$1 == "GNU_STACK" { f = ""; for (i = 7; i < NF; i++) f = f $i;
		print (f ~ /E/) ? "X" : "-"; found = 1 }
		END { if (!found) print "?" }' <<<"$re")
	{
		echo "class=$cls"
		echo "data=$data"
		echo "machine=$mnum"
		echo "type=$type"
		echo "osabi=$osabi"
		sed -n 's/^ *\[Requesting program interpreter: \(.*\)\]$/interp=\1/p' <<<"$re"
		sed -n 's/.*(SONAME) *Library soname: \[\(.*\)\]$/soname=\1/p' <<<"$re"
		sed -n 's/.*(RPATH) *Library rpath: \[\(.*\)\]$/rpath=\1/p' <<<"$re"
		sed -n 's/.*(RUNPATH) *Library runpath: \[\(.*\)\]$/runpath=\1/p' <<<"$re"
		sed -n 's/.*(NEEDED) *Shared library: \[\(.*\)\]$/needed=\1/p' <<<"$re"
		echo "execstack=$stack"
	} >"$o"
	"$READELF" -hldSW "$f" >"${o%.txt}.readelf"
}

for t in $targets; do
	[ "$deps_only" = 0 ] && [ "$syms_only" = 0 ] || break
	read -r cc _ _ <<<"$(target_cc "$t")"
	if [ "$t" = x86_64 ] && ! command -v "$cc" >/dev/null 2>&1; then cc=gcc; fi
	echo "$t: $("$cc" --version | head -n 1)"
	out=$tmp/bin/$t
	exp=$tmp/expect/$t
	mkdir -p "$out" "$exp"
	for name in $(target_fixtures "$t"); do
		build_one "$t" "$cc" "$out" "$name"
		write_expect "$out/$name" "$exp/$name.txt"
	done
	chmod 0755 "$out"/*
	chmod 0644 "$out/libgreet.so" "$exp"/*
	rm -rf "${bindir:?}/$t" "${expdir:?}/$t"
	mkdir -p "$bindir" "$expdir"
	mv "$out" "$bindir/$t"
	mv "$exp" "$expdir/$t"
done

# --- dependency-chain fixtures (data/deps/) ---------------------------------
# A small root filesystem per target for --print-deps, --install-missing and
# --compare, compared in `make check` with what the target's own ld.so
# reports.  No C library is included: the tests add the cross sysroot's.
#   usr/bin/prog      RUNPATH $ORIGIN/../lib:$ORIGIN/../private; needs libA
#                     libR libshadow libconf libF libmissing libc
#   usr/bin/prog-ok   RPATH $ORIGIN/../lib:${ORIGIN}/../private:/opt/dst/$LIB:
#                     /opt/plat/${PLATFORM}; needs libA libR libdst libplat libc
#   usr/bin/prog-ver  RUNPATH ${ORIGIN}/../lib; needs libA version LIBA_3.0
#   usr/lib/          libA.so.1 (RPATH $ORIGIN/chain; LIBA_1.0, LIBA_2.0),
#                     libR.so.1 (needs libD), libF.so.1, libF-alias.so.1 ->
#                     libF.so.1, libshadow.so.1 (the decoy: wrong class/ABI)
#   usr/lib/chain/    libB.so.1 (needs libC), libC.so.1
#   usr/private/      libD.so.1, libshadow.so.1 (the right one)
#   opt/conf/lib/     libconf.so.1 (needs libF-alias.so.1), listed by
#                     etc/ld.so.conf.d/deps.conf, included by etc/ld.so.conf
#   opt/dst/lib/<triplet>/libdst.so.1, opt/plat/<platform>/libplat.so.1
DEPS_TARGETS="armhf aarch64 x86_64"

# target -> "decoy-compiler triplet platform"
deps_info() {
	case $1 in
	armhf)	 echo "arm-linux-gnueabi-gcc arm-linux-gnueabihf v7l" ;;	# soft-float
	aarch64) echo "arm-linux-gnueabihf-gcc aarch64-linux-gnu aarch64" ;;	# ELF32
	x86_64)	 echo "i686-linux-gnu-gcc x86_64-linux-gnu x86_64" ;;		# ELF32
	esac
}

build_deps() {	# target cc
	local t=$1 cc=$2 decoy triplet plat b r extra
	read -r decoy triplet plat <<<"$(deps_info "$t")"
	command -v "$decoy" >/dev/null 2>&1 || {
		echo "$0: $decoy not found (decoy for $t): apt-get install gcc-${decoy%-gcc}" >&2
		exit 1; }
	b=$tmp/deps/$t/build
	r=$tmp/deps/$t/root
	# shellcheck disable=SC2207
	extra=($(target_ldflags "$t"))
	mkdir -p "$b" "$r/usr/bin" "$r/usr/lib/chain" "$r/usr/private" "$r/opt/conf/lib" \
		"$r/opt/dst/lib/$triplet" "$r/opt/plat/$plat" "$r/etc/ld.so.conf.d"
	# shellcheck disable=SC2016  # $ORIGIN, $LIB, ${PLATFORM} are literal
	local o='$ORIGIN' ob='${ORIGIN}' dlib='$LIB' dplat='${PLATFORM}'
	cc_deps() {	# compiler output args...
		local c=$1 out=$2
		shift 2
		(cd "$srcdir/deps" && "$c" "${COMMON_CFLAGS[@]}" -O2 -o "$out" "$@" \
			"${COMMON_LDFLAGS[@]}" "${extra[@]}")
	}
	lib() {	# soname source [args...]
		local so=$1 src=$2
		shift 2
		cc_deps "$cc" "$b/$so" -fPIC -shared -Wl,-soname,"$so" "$src" "$@"
	}
	echo "  $t/deps"
	lib libC.so.1 c.c
	lib libB.so.1 b.c "$b/libC.so.1"
	lib libA.so.1 a.c -Wl,--version-script=a.map -Wl,--disable-new-dtags \
		-Wl,-rpath,"$o/chain" "$b/libB.so.1" -Wl,-rpath-link,"$b"
	lib libD.so.1 d.c
	lib libR.so.1 r.c "$b/libD.so.1"
	lib libF.so.1 f.c
	lib libshadow.so.1 shadow.c
	lib libdst.so.1 dst.c
	lib libplat.so.1 plat.c
	mkdir -p "$b/stub" "$b/decoy"
	cc_deps "$cc" "$b/stub/libF-alias.so.1" -fPIC -shared -Wl,-soname,libF-alias.so.1 f.c
	cc_deps "$cc" "$b/stub/libmissing.so.1" -fPIC -shared -Wl,-soname,libmissing.so.1 missing.c
	cc_deps "$cc" "$b/stub/libA.so.1" -fPIC -shared -Wl,-soname,libA.so.1 \
		-Wl,--version-script=a3.map a3.c
	lib libconf.so.1 conf.c "$b/stub/libF-alias.so.1"
	cc_deps "$decoy" "$b/decoy/libshadow.so.1" -fPIC -shared -Wl,-soname,libshadow.so.1 shadow.c
	cc_deps "$cc" "$r/usr/bin/prog" -fPIE -pie -Wl,--enable-new-dtags \
		-Wl,-rpath,"$o/../lib:$o/../private" prog.c "$b/libA.so.1" "$b/libR.so.1" \
		"$b/libshadow.so.1" "$b/libconf.so.1" "$b/libF.so.1" "$b/stub/libmissing.so.1" \
		-Wl,-rpath-link,"$b:$b/stub"
	cc_deps "$cc" "$r/usr/bin/prog-ok" -fPIE -pie -Wl,--disable-new-dtags \
		-Wl,-rpath,"$o/../lib:$ob/../private:/opt/dst/$dlib:/opt/plat/$dplat" prog-ok.c \
		"$b/libA.so.1" "$b/libR.so.1" "$b/libdst.so.1" "$b/libplat.so.1" \
		-Wl,-rpath-link,"$b"
	cc_deps "$cc" "$r/usr/bin/prog-ver" -fPIE -pie -Wl,--enable-new-dtags \
		-Wl,-rpath,"$ob/../lib" prog-ver.c "$b/stub/libA.so.1" -Wl,-rpath-link,"$b"
	cp "$b/libA.so.1" "$b/libR.so.1" "$b/libF.so.1" "$r/usr/lib/"
	cp "$b/decoy/libshadow.so.1" "$r/usr/lib/"
	ln -s libF.so.1 "$r/usr/lib/libF-alias.so.1"
	cp "$b/libB.so.1" "$b/libC.so.1" "$r/usr/lib/chain/"
	cp "$b/libD.so.1" "$b/libshadow.so.1" "$r/usr/private/"
	cp "$b/libconf.so.1" "$r/opt/conf/lib/"
	cp "$b/libdst.so.1" "$r/opt/dst/lib/$triplet/"
	cp "$b/libplat.so.1" "$r/opt/plat/$plat/"
	printf '%s\n' "# ld.so.conf of the elfpatch dependency fixtures" \
		"include /etc/ld.so.conf.d/*.conf" >"$r/etc/ld.so.conf"
	printf '%s\n' "# libconf.so.1 lives here (trailing blanks and slash are dropped)" \
		"/opt/conf/lib/  " "/opt/does-not-exist" >"$r/etc/ld.so.conf.d/deps.conf"
	chmod 0755 "$r/usr/bin/"*
	find "$r" -type f -name '*.so*' -exec chmod 0644 {} +
	find "$r/etc" -type f -exec chmod 0644 {} +
	rm -rf "${here:?}/deps/$t"
	mkdir -p "$here/deps/$t"
	mv "$r" "$here/deps/$t/root"
}

for t in $targets; do
	[ "$syms_only" = 0 ] || break
	case " $DEPS_TARGETS " in *" $t "*) ;; *) continue ;; esac
	read -r cc _ _ <<<"$(target_cc "$t")"
	if [ "$t" = x86_64 ] && ! command -v "$cc" >/dev/null 2>&1; then cc=gcc; fi
	build_deps "$t" "$cc"
done

# --- symbol-rename fixtures (data/syms/) -----------------------------------
# For --rename-dynamic-symbols: a library whose symbol the tests rename, and
# programs that need the renamed library (data/src/syms/).
#   libsym.so.1  DT_HASH and DT_GNU_HASH (--hash-style=both); versions
#                LIBSYM_1.0 and LIBSYM_2.0 (sym.map); defines sym_old,
#                sym_a..sym_p, sym_total (which calls them through the PLT)
#                and sym_counter
#   prog         PIE; calls sym_new and sym_total: linked against a stub
#                built with -DSYM_OLD=sym_new, so it runs only once
#                libsym.so.1's sym_old is renamed to sym_new
#   prog-old     PIE; calls sym_old (the tests rename its import)
# Little- and big-endian, ELF32 and ELF64, REL and RELA.
SYMS_TARGETS="armhf aarch64 x86_64 ppc s390x"

build_syms() {	# target cc
	local t=$1 cc=$2 b=$tmp/syms/$t/build out=$tmp/syms/$t/bin extra
	# shellcheck disable=SC2207
	extra=($(target_ldflags "$t"))
	mkdir -p "$b" "$out"
	cc_syms() {	# output args...
		local o=$1
		shift
		(cd "$srcdir/syms" && "$cc" "${COMMON_CFLAGS[@]}" -O2 -o "$o" "$@" \
			"${COMMON_LDFLAGS[@]}" "${extra[@]}")
	}
	echo "  $t/syms"
	cc_syms "$b/libsym.so.1" -fPIC -shared -DSYM_OLD=sym_new -Wl,-soname,libsym.so.1 \
		-Wl,--version-script=sym.map sym.c
	cc_syms "$out/libsym.so.1" -fPIC -shared -Wl,-soname,libsym.so.1 \
		-Wl,--version-script=sym.map -Wl,--hash-style=both sym.c
	cc_syms "$out/prog" -fPIE -pie prog.c "$b/libsym.so.1"
	cc_syms "$out/prog-old" -fPIE -pie prog-old.c "$out/libsym.so.1"
	chmod 0755 "$out/prog" "$out/prog-old"
	chmod 0644 "$out/libsym.so.1"
	rm -rf "${here:?}/syms/$t"
	mkdir -p "$here/syms"
	mv "$out" "$here/syms/$t"
}

for t in $targets; do
	[ "$deps_only" = 0 ] || break
	case " $SYMS_TARGETS " in *" $t "*) ;; *) continue ;; esac
	read -r cc _ _ <<<"$(target_cc "$t")"
	if [ "$t" = x86_64 ] && ! command -v "$cc" >/dev/null 2>&1; then cc=gcc; fi
	build_syms "$t" "$cc"
done

# --- checksums of everything generated (all targets, fixed order) --------
(cd "$here" && find bin expect $([ -d "$here/deps" ] && echo deps) \
	$([ -d "$here/syms" ] && echo syms) -type f -print | sort |
	xargs sha256sum) >"$here/SHA256SUMS.tmp"
mv "$here/SHA256SUMS.tmp" "$here/SHA256SUMS"

sum_sizes() { find "$@" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
echo "fixtures: $(find "$bindir" -type f | wc -l) files, bin/ $(sum_sizes "$bindir") bytes," \
	"expect/ $(sum_sizes "$expdir") bytes; data/ total $(sum_sizes "$here") bytes"
