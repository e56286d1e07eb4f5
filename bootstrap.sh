#!/bin/sh
# bootstrap.sh - quick start on a fresh Debian (bookworm) machine:
# install what the build needs (if missing), configure, build, and run
# the main job on the bundled sample binaries (demo.sh).
#
# Run it as root from the top of a source tree (a git clone or an unpacked
# release); a normal user can run it too once the packages below are
# installed.  Running it again is harmless: it rebuilds and redoes the demo.
#
# Environment: CONFIGURE_FLAGS  extra arguments for ./configure
set -eu

cd "$(dirname "$0")"

# Debian packages the build needs, and why:
#   autoconf automake  generate ./configure and Makefile.in (autoreconf)
#   make gcc libc6-dev compile elfpatch; libc6-dev provides <elf.h>
#   zlib1g-dev         zlib (CRC-32 of .gnu_debuglink, compressed sections)
#   pkg-config         not used by configure.ac yet; installed so that a
#                      future PKG_CHECK_MODULES does not break the quick start
#   binutils           readelf, used by the demo and by `make check`
# The test suite wants more (qemu-user, cross sysroots, patchelf, ...):
# tests whose tool is missing are skipped; .ci/run installs them all.
BUILD_DEPS="autoconf automake make gcc pkg-config zlib1g-dev libc6-dev binutils"

missing_packages() {
	for p in $BUILD_DEPS; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$' \
			|| printf '%s ' "$p"
	done
}

install_deps() {
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo "bootstrap: not a Debian system; make sure these are installed:" \
		     "$BUILD_DEPS" >&2
		return 0
	fi
	missing=$(missing_packages)
	if [ -z "$missing" ]; then
		echo "bootstrap: build dependencies already installed"
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "bootstrap: missing packages: $missing" >&2
		echo "bootstrap: run this script as root, or: apt-get install $missing" >&2
		exit 1
	fi
	echo "bootstrap: installing $missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	# shellcheck disable=SC2086 # one word per package
	apt-get install -y --no-install-recommends $missing
}

install_deps
autoreconf -fi
# shellcheck disable=SC2086 # CONFIGURE_FLAGS is a list of words
./configure ${CONFIGURE_FLAGS:-}
make
./demo.sh
