#!/bin/sh
# tests/fetch-target-libc.sh [DIR] - downloads the target C libraries that
# tests/ldconfig.sh compares elfpatch's ld.so.cache against: Debian's
# libc6 and libc-bin (its static /sbin/ldconfig) for armhf and arm64, and
# libc-bin for the host (amd64).  The .debs go to DIR (default
# ${ELFPATCH_DEBS:-tests/debs}); nothing is installed.  Needs root (dpkg
# --add-architecture, apt-get update) and Debian's mirrors; .ci/run calls it.
set -eu
dir=${1:-${ELFPATCH_DEBS:-tests/debs}}
mkdir -p "$dir"
arches=$(dpkg --print-foreign-architectures)
added=
for a in armhf arm64; do
	case " $(echo $arches) " in
	*" $a "*) ;;
	*) dpkg --add-architecture "$a"; added=1 ;;
	esac
done
if [ -n "$added" ] || ! apt-cache show libc-bin:armhf >/dev/null 2>&1; then
	apt-get update
fi
cd "$dir"
apt-get download libc6:armhf libc-bin:armhf libc6:arm64 libc-bin:arm64 \
	libc6:amd64 libc-bin:amd64
ls -l ./*.deb
