#!/bin/bash
# run-fixture.sh - run an elfpatch test fixture the right way for its target.
#
# Usage: data/run-fixture.sh TARGET PROGRAM [ARGS...]
#   TARGET   armhf armel aarch64 aarch64-64k x86_64 i386 ppc s390x
#   PROGRAM  a fixture name in data/bin/TARGET (e.g. hello), or a path
#            (anything containing a '/', e.g. a patched copy in a tmp dir)
#
# Foreign targets run under qemu-user with -L /usr/<triplet> (the Debian
# cross sysroot); x86_64 runs natively on an x86_64 host.  LD_LIBRARY_PATH
# is set (for the guest only) to $FIXTURE_LIBDIR, default data/bin/TARGET,
# where libgreet.so(.1) lives.
#
# Exit status: the program's own; 77 (automake "skip") if the needed qemu
# or sysroot is missing; 99 on a usage error or a missing fixture.
set -euo pipefail

case ${BASH_SOURCE[0]} in
*/*)	here=${BASH_SOURCE[0]%/*} ;;
*)	here=. ;;
esac
here=$(cd "$here" && pwd -P)

if [ $# -lt 2 ]; then
	echo "usage: $0 TARGET PROGRAM [ARGS...]" >&2
	exit 99
fi
target=$1 prog=$2
shift 2

case $target in
armhf)		qemu=qemu-arm	  triplet=arm-linux-gnueabihf libc=libc6-armhf-cross ;;
armel)		qemu=qemu-arm	  triplet=arm-linux-gnueabi   libc=libc6-armel-cross ;;
aarch64|aarch64-64k) qemu=qemu-aarch64 triplet=aarch64-linux-gnu libc=libc6-arm64-cross ;;
x86_64)		qemu=qemu-x86_64  triplet=x86_64-linux-gnu    libc=libc6-amd64-cross ;;
i386)		qemu=qemu-i386	  triplet=i686-linux-gnu      libc=libc6-i386-cross ;;
ppc)		qemu=qemu-ppc	  triplet=powerpc-linux-gnu   libc=libc6-powerpc-cross ;;
s390x)		qemu=qemu-s390x	  triplet=s390x-linux-gnu     libc=libc6-s390x-cross ;;
*)		echo "$0: unknown target '$target'" >&2; exit 99 ;;
esac

fixdir=$here/bin/$target
case $prog in
*/*)	path=$prog ;;
*)	path=$fixdir/$prog ;;
esac
if [ ! -f "$path" ]; then
	echo "$0: no such fixture: $path" >&2
	exit 99
fi
libdir=${FIXTURE_LIBDIR:-$fixdir}

if [ "$target" = x86_64 ] && [ "$(uname -m)" = x86_64 ]; then
	LD_LIBRARY_PATH=$libdir exec "$path" "$@"
fi

if ! command -v "$qemu" >/dev/null 2>&1; then
	echo "$0: SKIP: $qemu not found (apt-get install qemu-user)" >&2
	exit 77
fi
sysroot=/usr/$triplet
# The program interpreter must exist in the sysroot (static programs have none).
interp=""
if command -v readelf >/dev/null 2>&1; then
	interp=$(LC_ALL=C readelf -lW "$path" 2>/dev/null |
		sed -n 's/^ *\[Requesting program interpreter: \(.*\)\]$/\1/p')
	if [ -n "$interp" ] && [ ! -e "$sysroot$interp" ]; then
		echo "$0: SKIP: $sysroot$interp not found (apt-get install $libc)" >&2
		exit 77
	fi
elif [ ! -d "$sysroot/lib" ]; then
	echo "$0: SKIP: sysroot $sysroot not found" >&2
	exit 77
fi

exec "$qemu" -L "$sysroot" -E LD_LIBRARY_PATH="$libdir" "$path" "$@"
