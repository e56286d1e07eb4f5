#!/bin/sh
# bench/bench.sh: time elfpatch beside patchelf, chrpath and the strips on
# a large, debug-heavy ELF file.  Run on demand; `make check` does not run it.
#
# Usage: bench/bench.sh [--size MB] [--runs N] [--warmup N] [--quick]
#                       [--arch x86_64|aarch64]
#   --size MB   size of the big file in MiB (default 200); the "flat" case also
#               times files of about MB/100 and MB/10
#   --runs N    hyperfine runs per command (default 10; --warmup default 2)
#   --quick     smoke test: 4 MiB file, 3 runs, 1 warmup
#   --arch A    build the file for x86_64 (default, gcc) or aarch64
#               (aarch64-linux-gnu-gcc)
#
# Environment:
#   ELFPATCH       the binary to time.  Default: ./src/elfpatch when run from
#                  a build directory, else <this dir>/../src/elfpatch (an
#                  in-tree build), else elfpatch in PATH.  Build it with -O2
#                  and without sanitizers.
#   BENCH_WORKDIR  cache of generated objects and files (default: <this
#                  dir>/work, ignored by git); reruns only relink or reuse.
#   JOBS           parallel compiles when generating (default 2).
#   CC             compiler for --arch x86_64 (default gcc).
#   BENCH_FORCE    if set, run an elfpatch case even if --help does not
#                  list its option yet (the probe must still succeed).
#
# What it prints (stdout, markdown tables; hyperfine's progress goes to
# stderr):
#   1. the generated file: size, section composition, its DT_RUNPATH;
#   2. the cost of the fresh copy made before every timed run, alone;
#   3. --remove-rpath and --set-rpath '' for elfpatch, patchelf and chrpath,
#      in one hyperfine run, with ratios to elfpatch;
#   4. elfpatch --remove-rpath on files of three sizes (its time should not
#      grow with the file);
#   5. growing the RPATH (elfpatch vs patchelf, bytes added), and
#   6. --strip / --strip-all beside GNU strip, eu-strip, llvm-strip and a
#      bare truncate to the stripped size, on the work directory's file
#      system and on tmpfs (/dev/shm), with resulting sizes.
# An elfpatch case runs only if `elfpatch --help` lists the option and a
# probe on a small file does what the option says; otherwise its row reads
# "not yet implemented".  Every command is run once on a fresh copy and its
# result checked before it is timed: a tool that fails or does nothing is
# reported, not timed.
#
# Timed commands are run without a shell (hyperfine -N).  Before every run
# the input is copied afresh and the copy fsync'ed, so each run edits a file
# whose blocks are already allocated on disk, as a packaging step would.

set -u

die() { printf 'bench.sh: %s\n' "$*" >&2; exit 1; }
note() { printf '%s\n' "$*" >&2; }

here=$(cd "$(dirname "$0")" && pwd) || die "cannot find the script's directory"

size_mb=200 runs=10 warmup=2 quick=false arch=x86_64
while [ $# -gt 0 ]; do
	case $1 in
	--size) [ $# -ge 2 ] || die "--size needs a value"; size_mb=$2; shift ;;
	--runs) [ $# -ge 2 ] || die "--runs needs a value"; runs=$2; shift ;;
	--warmup) [ $# -ge 2 ] || die "--warmup needs a value"; warmup=$2; shift ;;
	--arch) [ $# -ge 2 ] || die "--arch needs a value"; arch=$2; shift ;;
	--quick) quick=true ;;
	-h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (try --help)" ;;
	esac
	shift
done
if $quick; then
	size_mb=4 runs=3 warmup=1
fi
case $size_mb in ''|*[!0-9]*) die "--size wants whole megabytes" ;; esac
case $runs in ''|*[!0-9]*|0|1) die "--runs wants a number >= 2" ;; esac
case $warmup in ''|*[!0-9]*) die "--warmup wants a number" ;; esac
[ "$size_mb" -ge 2 ] || size_mb=2

case $arch in
x86_64) cc=${CC:-gcc} gnu_strip=strip ;;
aarch64) cc=aarch64-linux-gnu-gcc gnu_strip=aarch64-linux-gnu-strip ;;
*) die "unknown --arch '$arch' (x86_64 or aarch64)" ;;
esac

for t in hyperfine readelf size awk "$cc"; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found"
done

if [ -n "${ELFPATCH:-}" ]; then
	elfpatch=$ELFPATCH
elif [ -x ./src/elfpatch ]; then
	elfpatch=$(pwd)/src/elfpatch
elif [ -x "$here/../src/elfpatch" ]; then
	elfpatch=$here/../src/elfpatch
else
	elfpatch=$(command -v elfpatch) || die "no elfpatch: set ELFPATCH"
fi
case $elfpatch in /*) ;; *) elfpatch=$(pwd)/$elfpatch ;; esac
[ -x "$elfpatch" ] || die "$elfpatch is not executable"

work=${BENCH_WORKDIR:-$here/work}
mkdir -p "$work" || die "cannot create $work"
work=$(cd "$work" && pwd)
adir=$work/$arch
tmp=$(mktemp -d "$work/run.XXXXXX") || die "cannot create a scratch directory"
shm=
cleanup() {
	rm -rf "$tmp"
	[ -n "$shm" ] && rm -rf "$shm"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A host build directory, as a cross build leaves it in a target binary.
rpath=/home/builder/yocto/build-qemu$arch/tmp/work/cortexa-poky-linux/elfpatch-bench/1.0-r0/recipe-sysroot/usr/lib:/home/builder/yocto/build-qemu$arch/tmp/work/cortexa-poky-linux/elfpatch-bench/1.0-r0/build/src/.libs
# What growing the RPATH sets: the old one and ~1 KiB more.
grow_rpath=$rpath
while [ ${#grow_rpath} -lt $((${#rpath} + 1024)) ]; do
	grow_rpath=$grow_rpath:/opt/toolchain/sysroot-$arch/usr/lib/plugins/${#grow_rpath}
done

# Shell-quote one word (POSIX rules, which hyperfine -N also parses).
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

filesize() { wc -c <"$1" | tr -d ' '; }

# ---------------------------------------------------------------------------
# The big file.  It is linked from "units": generated translation units of
# ~2 MB each once linked, mostly -g3 debug info (macro definitions in
# .debug_macro/.debug_str, plus structs and functions in .debug_info,
# .debug_line and .text), so smaller files are prefixes of the same objects.
# Objects are cached in $adir/obj; a change to the generator below
# invalidates the cache.
gen_unit_awk='
BEGIN {
	printf "/* unit %d, generated by bench/bench.sh */\n", t
	for (i = 0; i < nm; i++)
		printf "#define CFG_%d_%06d_OPTION_NAME_WITH_SOME_LENGTH ((unsigned long)%d * 2654435761u + %d) /* tunable */\n", t, i, i, t
	printf "const unsigned short unit_%d_table[512] = {", t
	for (i = 0; i < 512; i++)
		printf "%s%d", (i ? "," : ""), (i * 40503 + t) % 65536
	printf "};\nint unit_%d_state[256];\n", t
	for (i = 0; i < nf; i++) {
		printf "struct rec_%d_%d { int id; long count; char name[24]; double weights[4]; unsigned flags : 3; struct rec_%d_%d *next; };\n", t, i, t, i
		printf "int fn_%d_%d(struct rec_%d_%d *p, int n)\n{\n\tint acc = n + unit_%d_table[%d];\n\tfor (int k = 0; k < 4; k++)\n\t\tacc += (int)p->weights[k];\n\tunit_%d_state[%d] = acc;\n\treturn acc + p->id + (int)p->count;\n}\n", t, i, t, i, t, i % 512, t, i % 256
	}
}'
unit_macros=20300 unit_functions=600
main_c='#include <stdio.h>
int main(void)
{
	puts("bench: ok");
	return 0;
}
'
unit_mb=2
cflags="-O0 -g3"
stamp=$(printf '%s|%s|%s|%s|%s|%s|%s' "$gen_unit_awk" "$unit_macros" "$unit_functions" \
	"$main_c" "$cflags" "$rpath" "$("$cc" --version | head -n 1)" | cksum | tr ' ' -)

if [ "$(cat "$adir/stamp" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$adir"
	mkdir -p "$adir/obj" || die "cannot create $adir"
	printf '%s\n' "$stamp" >"$adir/stamp"
fi

# make_units N: compile units 0..N-1 that are not cached yet, JOBS at a time.
make_units() {
	i=0 missing=
	while [ "$i" -lt "$1" ]; do
		[ -f "$adir/obj/u$i.o" ] || missing="$missing $i"
		i=$((i + 1))
	done
	[ -z "$missing" ] && return 0
	set -- $missing
	note "bench: compiling $# units with $cc $cflags (JOBS=${JOBS:-2}) ..."
	printf '%s\n' "$@" | ADIR=$adir NM=$unit_macros NF=$unit_functions \
		GEN=$gen_unit_awk BCC=$cc BCFLAGS=$cflags \
		xargs -P "${JOBS:-2}" -n 1 sh -c '
		o=$ADIR/obj/u$1.o
		awk -v t="$1" -v nm="$NM" -v nf="$NF" "$GEN" >"$o.c" &&
		$BCC $BCFLAGS -c "$o.c" -o "$o.tmp" && mv "$o.tmp" "$o" && rm -f "$o.c"
	' sh || die "compiling units failed"
}

# link_file N: print the path of the file linked from units 0..N-1,
# linking and checking it first if it is not cached.
link_file() {
	f=$adir/elf-$1u
	if [ ! -f "$f" ]; then
		make_units "$1"
		printf '%s' "$main_c" >"$adir/main.c"
		objs='' i=0
		while [ "$i" -lt "$1" ]; do
			objs="$objs $adir/obj/u$i.o"
			i=$((i + 1))
		done
		note "bench: linking $f ($1 units) ..."
		# shellcheck disable=SC2086
		$cc $cflags -o "$f.tmp" "$adir/main.c" $objs -Wl,-rpath,"$rpath" \
			|| die "linking $f failed"
		mv "$f.tmp" "$f"
	fi
	if [ ! -s "$f.check" ]; then
		check_file "$f" >"$f.check.tmp" || { rm -f "$f"; die "$f is not a clean ELF file"; }
		mv "$f.check.tmp" "$f.check"
	fi
	printf '%s\n' "$f"
}

# check_file F: readelf without warnings, eu-elflint without complaints,
# and the program runs (natively or under qemu-user); print what was checked.
check_file() {
	w=$(readelf -a -W "$1" 2>&1 >/dev/null)
	[ -z "$w" ] || { note "readelf: $w"; return 1; }
	printf 'readelf -a without warnings'
	if command -v eu-elflint >/dev/null 2>&1; then
		eu-elflint --gnu-ld "$1" >"$tmp/elflint" 2>&1 ||
			{ note "eu-elflint: $(head -n 5 "$tmp/elflint")"; return 1; }
		printf ', eu-elflint --gnu-ld clean'
	fi
	run_program "$1" >"$tmp/out" 2>&1 || true
	case $(cat "$tmp/out") in
	"bench: ok") echo ", runs" ;;
	"skip") echo ", not run (no native CPU or qemu-user)" ;;
	*) note "bench: $1 does not run: $(head -n 3 "$tmp/out")"; return 1 ;;
	esac
}

run_program() {
	case $arch in
	x86_64) [ "$(uname -m)" = x86_64 ] && "$1" && return ;;
	aarch64) command -v qemu-aarch64 >/dev/null 2>&1 &&
		[ -d /usr/aarch64-linux-gnu ] &&
		qemu-aarch64 -L /usr/aarch64-linux-gnu "$1" && return ;;
	esac
	echo skip
}

# A small program with debug info and the same RPATH, for probes.
probe_src=$adir/probe
if [ ! -f "$probe_src" ]; then
	printf '%s' "$main_c" >"$adir/main.c"
	$cc $cflags -o "$probe_src" "$adir/main.c" -Wl,-rpath,"$rpath" \
		|| die "cannot build the probe program"
fi

units=$(( (size_mb + unit_mb - 1) / unit_mb ))
big=$(link_file "$units") || exit 1
big_size=$(filesize "$big")

# ---------------------------------------------------------------------------
# Timing helpers.

# fresh_copy SRC DST: the --prepare step (a script, so it runs without a
# shell under hyperfine -N too).
prep=$tmp/fresh-copy
cat >"$prep" <<'EOF'
#!/bin/sh
cp -f "$1" "$2" && sync "$2"
EOF
chmod +x "$prep"

hf() {
	hyperfine -N --warmup "$warmup" --runs "$runs" --export-csv "$@" >&2
}

# ms_of CSV NAME: "mean stddev median min cpu" in milliseconds for command
# NAME; cpu is the mean user + system time, which other processes on the
# machine disturb less than the wall time.
ms_of() {
	awk -F, -v n="$2" 'NR > 1 && $1 == n {
		printf "%.3f %.3f %.3f %.3f %.3f\n", $2 * 1e3, $3 * 1e3, $4 * 1e3, $7 * 1e3, ($5 + $6) * 1e3 }' "$1"
}

fmt_ms() {
	awk -v m="$1" -v s="$2" 'BEGIN {
		if (m < 10) printf "%.2f ± %.2f", m, s
		else if (m < 1000) printf "%.1f ± %.1f", m, s
		else printf "%.0f ± %.0f", m, s }'
}

# A group of commands timed in one hyperfine run on fresh copies of one
# input.  Entries are lines NAME<TAB>CHECK<TAB>COMMAND<TAB>REF1<TAB>REF2:
# COMMAND is shell words with @F for the file; CHECK is a function called
# with the edited file after a trial run; REF1/REF2 name the entries the
# ratio columns divide by (or "-").  A COMMAND of "!reason" is not run.
group=
group_add() { group="$group$1	$2	$3	${4:--}	${5:--}
"; }

# run_group SRC DIR TITLE REF1-LABEL REF2-LABEL: check, time and tabulate
# the entries in $group on copies of SRC made in DIR.
run_group() {
	src=$1 dir=$2 title=$3 l1=$4 l2=$5
	run=$dir/run.elf
	res=$tmp/res.$$
	: >"$res"
	set --
	while IFS='	' read -r name check cmd r1 r2; do
		[ -n "$name" ] || continue
		case $cmd in
		!*) printf '%s\t-\t-\t-\t-\t-\t-\t%s\t%s\t%s\n' "$name" "${cmd#!}" "$r1" "$r2" >>"$res"
			continue ;;
		esac
		c=$(printf '%s' "$cmd" | sed "s|@F|$(q "$run" | sed 's/[|&\\]/\\&/g')|g")
		"$prep" "$src" "$run" || die "cannot copy $src"
		if ! out=$(eval "$c" 2>&1 >/dev/null); then
			printf '%s\t-\t-\t-\t-\t-\t-\tfailed: %s\t%s\t%s\n' "$name" \
				"$(printf '%s' "$out" | head -n 1 | cut -c 1-70)" "$r1" "$r2" >>"$res"
			continue
		fi
		if ! why=$($check "$run" "$src"); then
			printf '%s\t-\t-\t-\t-\t-\t-\twrong result: %s\t%s\t%s\n' "$name" "$why" "$r1" "$r2" >>"$res"
			continue
		fi
		sz=$(filesize "$run")
		printf '%s\t@\t@\t@\t@\t@\t%s\t%s\t%s\t%s\n' "$name" "$sz" "$why" "$r1" "$r2" >>"$res"
		set -- "$@" -n "$name" "$c"
	done <<EOF
$group
EOF
	group=
	if [ $# -gt 0 ]; then
		note "bench: $title"
		hf "$tmp/t.csv" --prepare "$(q "$prep") $(q "$src") $(q "$run")" "$@" \
			|| die "hyperfine failed"
		while IFS='	' read -r name a b c d e sz why r1 r2; do
			if [ "$a" = @ ]; then
				# shellcheck disable=SC2046
				set -- $(ms_of "$tmp/t.csv" "$name")
				a=$1 b=$2 c=$3 d=$4 e=$5
			fi
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
				"$name" "$a" "$b" "$c" "$d" "$e" "$sz" "$why" "$r1" "$r2"
		done <"$res" >"$res.t"
		mv "$res.t" "$res"
	fi
	rm -f "$run"
	tabulate "$res" "$title" "$l1" "$l2" "$(filesize "$src")"
}

tabulate() {
	printf '\n### %s\n\n' "$2"
	awk -F '\t' -v l1="$3" -v l2="$4" -v orig="$5" '
	function ratio(r) {
		if (r == "-" || !(r in med) || med[r] == "-" || m0 == "-" || med[r] == 0) return "-"
		return sprintf(m0 / med[r] >= 10 ? "%.0f" : "%.2f", m0 / med[r])
	}
	function one(m) {
		if (m == "-") return "-"
		return sprintf(m < 10 ? "%.2f" : m < 1000 ? "%.1f" : "%.0f", m)
	}
	function ms(m, s) {
		if (m == "-") return "-"
		if (m < 10) return sprintf("%.2f ± %.2f", m, s)
		if (m < 1000) return sprintf("%.1f ± %.1f", m, s)
		return sprintf("%.0f ± %.0f", m, s)
	}
	{ n++; name[n] = $1; mean[$1] = $2; sd[$1] = $3; med[$1] = $4; mn[$1] = $5
	  cpu[$1] = $6; sz[$1] = $7; note[$1] = $8; r1[$1] = $9; r2[$1] = $10 }
	END {
		h = "| command | mean ± σ (ms) | median | min | CPU | size after (bytes) | Δ size |"
		s = "|---|---:|---:|---:|---:|---:|---:|"
		if (l1 != "") { h = h " " l1 " |"; s = s "---:|" }
		if (l2 != "") { h = h " " l2 " |"; s = s "---:|" }
		print h " result |"; print s "---|"
		for (i = 1; i <= n; i++) {
			k = name[i]; m0 = med[k]
			d = (sz[k] == "-") ? "-" : sprintf("%+d", sz[k] - orig)
			line = sprintf("| %s | %s | %s | %s | %s | %s | %s |", k, ms(mean[k], sd[k]),
				one(med[k]), one(mn[k]), one(cpu[k]), sz[k], d)
			if (l1 != "") line = line " " ratio(r1[k]) " |"
			if (l2 != "") line = line " " ratio(r2[k]) " |"
			print line " " note[k] " |"
		}
	}' "$1"
}

# ---------------------------------------------------------------------------
# Result checks: print a short description; fail (with the reason on stdout)
# if the edit did not happen.

dyn_path() { readelf -d -W "$1" | sed -n 's/.*(\(RPATH\|RUNPATH\)).*\[\(.*\)\]$/\1=\2/p'; }

check_removed() {
	p=$(dyn_path "$1")
	[ -z "$p" ] || { echo "still $p"; return 1; }
	echo "no RPATH/RUNPATH"
}
check_empty() {
	p=$(dyn_path "$1")
	case $p in
	RPATH=|RUNPATH=) echo "$p''" ;;
	*) echo "${p:-no entry}"; return 1 ;;
	esac
}
check_grown() {
	p=$(dyn_path "$1")
	[ "${p#*=}" = "$grow_rpath" ] || { echo "got ${p%%=*} of ${#p} bytes"; return 1; }
	w=$(readelf -a -W "$1" 2>&1 >/dev/null)
	[ -z "$w" ] || { echo "readelf: $w" | head -n 1; return 1; }
	echo "${p%%=*} of ${#grow_rpath} bytes"
}
check_same() { echo "-"; }
check_stripped() {
	w=$(readelf -S -W "$1" 2>&1) || { echo "readelf failed"; return 1; }
	case $w in *warning*|*Warning*) echo "readelf warns"; return 1 ;; esac
	if printf '%s\n' "$w" | grep -q ' \.debug_'; then echo "debug sections left"; return 1; fi
	if printf '%s\n' "$w" | grep -q ' \.symtab '; then echo ".symtab kept"; else echo "no .symtab"; fi
}
check_stripped_all() {
	r=$(check_stripped "$1") || { echo "$r"; return 1; }
	[ "$r" = "no .symtab" ] || { echo ".symtab left"; return 1; }
	echo "no .debug_*, no .symtab"
}
check_truncated() { echo "floor"; }

# elfpatch_has OPTION PROBE: OPTION listed by --help and PROBE (a function
# given a copy of the probe program) succeeds.  Otherwise set $nyi to the
# reason shown in the table.
elfpatch_has() {
	nyi='!not yet implemented'
	[ -n "${BENCH_FORCE:-}" ] ||
		"$elfpatch" --help 2>/dev/null | grep -q -e "$1\([ ,=]\|$\)" || return 1
	nyi="!not timed: $1 failed its probe on a small file"
	cp -f "$probe_src" "$tmp/probe" && $2 "$tmp/probe" >/dev/null 2>&1
}
probe_grow() {
	"$elfpatch" --dry-run --set-rpath "$grow_rpath" "$1" &&
	"$elfpatch" --set-rpath "$grow_rpath" "$1" && check_grown "$1" &&
	run_program "$1" | grep -qx -e 'bench: ok' -e skip
}
probe_strip() {
	"$elfpatch" --dry-run --strip "$1" && "$elfpatch" --strip "$1" &&
	check_stripped "$1" | grep -qx '.symtab kept' && run_program "$1" | grep -qx -e 'bench: ok' -e skip
}
probe_strip_all() {
	"$elfpatch" --dry-run --strip-all "$1" && "$elfpatch" --strip-all "$1" &&
	check_stripped_all "$1" && run_program "$1" | grep -qx -e 'bench: ok' -e skip
}

ep=$(q "$elfpatch")

# ---------------------------------------------------------------------------
# 1. The file.

load0=$(cut -d ' ' -f 1-3 /proc/loadavg)
printf '## elfpatch benchmark (%s, %s)\n\n' "$arch" "$(date -u +%Y-%m-%d)"
printf -- '- elfpatch: `%s` (%s)\n' "$elfpatch" "$("$elfpatch" --version 2>/dev/null | head -n 1)"
printf -- '- peers: %s; %s; chrpath %s; %s; %s; %s\n' \
	"$(patchelf --version 2>/dev/null || echo 'no patchelf')" \
	"$(hyperfine --version)" \
	"$(chrpath --version 2>/dev/null | sed -n 's/^chrpath version //p' | head -n 1)" \
	"$("$gnu_strip" --version 2>/dev/null | head -n 1)" \
	"$(eu-strip --version 2>/dev/null | head -n 1)" \
	"$(llvm-strip --version 2>/dev/null | sed -n 's/.*LLVM version/llvm-strip/p' | head -n 1)"
printf -- '- machine: %s CPUs, load %s; work dir %s (%s); /dev/shm (%s)\n' \
	"$(nproc)" "$load0" "$work" \
	"$(stat -f -c %T "$work")" "$(stat -f -c %T /dev/shm 2>/dev/null || echo none)"
printf -- '- hyperfine -N, %s warmup + %s runs per command; a fresh fsynced copy before each run; times in ms; CPU = mean user+system time; ratio columns divide medians\n' \
	"$warmup" "$runs"
printf '\n### The file\n\n'
printf -- '- `%s`: %s bytes (%.1f MiB), %s units of %s, cflags %s\n' "$big" "$big_size" \
	"$(awk -v s="$big_size" 'BEGIN { print s / 1048576 }')" "$units" "$cc" "$cflags"
printf -- '- dynamic: %s; NEEDED %s\n' "$(dyn_path "$big" | cut -c 1-60)... (${#rpath} bytes)" \
	"$(readelf -d "$big" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')"
printf -- '- checked when linked: %s\n\n' "$(cat "$big.check" 2>/dev/null || echo '?')"
size -A "$big" | awk -v total="$big_size" '
	$1 ~ /^\./ && NF >= 2 { sec[$1] = $2; sum += $2
		g = ($1 ~ /^\.(z?debug_|gnu_debug)/) ? "debug info" : ($1 == ".symtab" || $1 == ".strtab") ? "symbols" : \
		    ($1 ~ /^\.(text|init|fini|plt)/) ? "code" : "other"
		grp[g] += $2 }
	END {
		print "| section | bytes | % of file |"; print "|---|---:|---:|"
		n = 0
		for (s in sec) if (sec[s] >= total / 100) printf "| %s | %d | %.1f |\n", s, sec[s], 100 * sec[s] / total
		for (g in grp) printf "| (all %s) | %d | %.1f |\n", g, grp[g], 100 * grp[g] / total
		printf "| (headers, padding) | %d | %.1f |\n", total - sum, 100 * (total - sum) / total
	}' | { read -r h; read -r s; printf '%s\n%s\n' "$h" "$s"; sort -t '|' -k 3 -n -r; }

# ---------------------------------------------------------------------------
# 2. The copy alone.

note "bench: timing the copy"
hf "$tmp/copy.csv" --prepare "rm -f $(q "$tmp/copy.elf")" \
	-n "cp (page cache)" "cp $(q "$big") $(q "$tmp/copy.elf")" \
	-n "cp + sync (the --prepare step)" "$(q "$prep") $(q "$big") $(q "$tmp/copy.elf")" \
	|| die "hyperfine failed"
rm -f "$tmp/copy.elf"
printf '\n### The copy made before each run (not included below)\n\n'
printf '| command | mean ± σ (ms) | median | min | CPU |\n|---|---:|---:|---:|---:|\n'
for n in "cp (page cache)" "cp + sync (the --prepare step)"; do
	# shellcheck disable=SC2046
	set -- $(ms_of "$tmp/copy.csv" "$n")
	printf '| %s | %s | %.1f | %.1f | %.1f |\n' "$n" "$(fmt_ms "$1" "$2")" "$3" "$4" "$5"
done

# ---------------------------------------------------------------------------
# 3. Clearing the RPATH (issue 3).

group_add "elfpatch --remove-rpath" check_removed "$ep --remove-rpath @F" - -
group_add "elfpatch --set-rpath ''" check_empty "$ep --set-rpath '' @F" - -
if command -v patchelf >/dev/null 2>&1; then
	group_add "patchelf --remove-rpath" check_removed "patchelf --remove-rpath @F" \
		"elfpatch --remove-rpath" "chrpath -d"
	group_add "patchelf --set-rpath ''" check_empty "patchelf --set-rpath '' @F" \
		"elfpatch --set-rpath ''" "chrpath -r ''"
fi
if command -v chrpath >/dev/null 2>&1; then
	group_add "chrpath -d" check_removed "chrpath -d @F" "elfpatch --remove-rpath" -
	group_add "chrpath -r ''" check_empty "chrpath -r '' @F" "elfpatch --set-rpath ''" -
fi
group_add "true (process start floor)" check_same "true" - -
run_group "$big" "$work" "Clearing the RPATH of the $((big_size / 1048576)) MiB file" \
	"÷ elfpatch" "÷ chrpath"

# ---------------------------------------------------------------------------
# 4. elfpatch's time does not grow with the file.

s1=$(( (units + 50) / 100 )); [ "$s1" -ge 1 ] || s1=1
s2=$(( (units + 5) / 10 )); [ "$s2" -ge 1 ] || s2=1
set --
for n in $s1 $s2 $units; do
	case " $* " in *" $n "*) ;; *) set -- "$@" "$n" ;; esac
done
flat_sizes=$*
flat_files=
for n in $flat_sizes; do
	f=$(link_file "$n") || exit 1
	flat_files="$flat_files $f"
done
set --
for f in $flat_files; do
	r=$work/flat-$(basename "$f").elf
	set -- "$@" --prepare "$(q "$prep") $(q "$f") $(q "$r")"
done
for f in $flat_files; do
	r=$work/flat-$(basename "$f").elf
	set -- "$@" -n "$(filesize "$f")" "$ep --remove-rpath $(q "$r")"
done
set -- "$@" --prepare true -n floor true
note "bench: elfpatch on growing files"
hf "$tmp/flat.csv" "$@" || die "hyperfine failed"
printf '\n### elfpatch --remove-rpath as the file grows\n\n'
printf '| file (bytes) | MiB | mean ± σ (ms) | median | min | CPU |\n|---:|---:|---:|---:|---:|---:|\n'
for f in $flat_files floor; do
	if [ "$f" = floor ]; then
		sz=floor mib='`true`'
	else
		rm -f "$work/flat-$(basename "$f").elf"
		sz=$(filesize "$f") mib=$(awk -v s="$sz" 'BEGIN { printf "%.1f", s / 1048576 }')
	fi
	# shellcheck disable=SC2046
	set -- $(ms_of "$tmp/flat.csv" "$sz")
	printf '| %s | %s | %s | %.2f | %.2f | %.2f |\n' "$sz" "$mib" "$(fmt_ms "$1" "$2")" "$3" "$4" "$5"
done

# ---------------------------------------------------------------------------
# 5. Growing the RPATH (issue 4): hook, live once elfpatch can grow files.

if elfpatch_has --set-rpath probe_grow; then
	group_add "elfpatch --set-rpath LONGER" check_grown "$ep --set-rpath $(q "$grow_rpath") @F" - -
else
	group_add "elfpatch --set-rpath LONGER" - "$nyi" - -
fi
command -v patchelf >/dev/null 2>&1 &&
	group_add "patchelf --set-rpath LONGER" check_grown \
		"patchelf --set-rpath $(q "$grow_rpath") @F" "elfpatch --set-rpath LONGER" -
run_group "$big" "$work" "Growing the RPATH by $((${#grow_rpath} - ${#rpath})) bytes (to ${#grow_rpath})" \
	"÷ elfpatch" ""

# ---------------------------------------------------------------------------
# 6. Stripping (issue 5), beside the peers and a bare truncate, on the work
# directory's file system and on tmpfs.

size_after() {
	"$prep" "$big" "$tmp/s.elf" && eval "$1 $(q "$tmp/s.elf")" >/dev/null 2>&1 &&
		filesize "$tmp/s.elf"
	rm -f "$tmp/s.elf"
}

have_strip=false have_strip_all=false
elfpatch_has --strip probe_strip && have_strip=true
nyi_strip=$nyi
elfpatch_has --strip-all probe_strip_all && have_strip_all=true
nyi_strip_all=$nyi

# The floor: truncating a copy to the stripped size frees the same blocks a
# strip in place frees, and does nothing else.
if $have_strip; then floor_dbg=$(size_after "$ep --strip")
else floor_dbg=$(size_after "$gnu_strip --strip-debug"); fi
if $have_strip_all; then floor_all=$(size_after "$ep --strip-all")
else floor_all=$(size_after "$gnu_strip --strip-all"); fi

strip_groups() {
	src=$1 dir=$2 fs=$3
	if $have_strip; then
		group_add "elfpatch --strip" check_stripped "$ep --strip @F" "truncate (floor)" -
	else
		group_add "elfpatch --strip" - "$nyi_strip" - -
	fi
	command -v "$gnu_strip" >/dev/null 2>&1 && group_add "$gnu_strip --strip-debug" check_stripped \
		"$gnu_strip --strip-debug @F" "truncate (floor)" "elfpatch --strip"
	command -v eu-strip >/dev/null 2>&1 && group_add "eu-strip -g" check_stripped \
		"eu-strip -g @F" "truncate (floor)" "elfpatch --strip"
	command -v llvm-strip >/dev/null 2>&1 && group_add "llvm-strip --strip-debug" check_stripped \
		"llvm-strip --strip-debug @F" "truncate (floor)" "elfpatch --strip"
	[ -n "$floor_dbg" ] && group_add "truncate (floor)" check_truncated "truncate -s $floor_dbg @F" - -
	run_group "$src" "$dir" "--strip-debug on $fs" "÷ floor" "÷ elfpatch"

	if $have_strip_all; then
		group_add "elfpatch --strip-all" check_stripped_all "$ep --strip-all @F" "truncate (floor)" -
	else
		group_add "elfpatch --strip-all" - "$nyi_strip_all" - -
	fi
	command -v "$gnu_strip" >/dev/null 2>&1 && group_add "$gnu_strip --strip-all" check_stripped_all \
		"$gnu_strip --strip-all @F" "truncate (floor)" "elfpatch --strip-all"
	command -v eu-strip >/dev/null 2>&1 && group_add "eu-strip" check_stripped_all \
		"eu-strip @F" "truncate (floor)" "elfpatch --strip-all"
	command -v llvm-strip >/dev/null 2>&1 && group_add "llvm-strip --strip-all" check_stripped_all \
		"llvm-strip --strip-all @F" "truncate (floor)" "elfpatch --strip-all"
	[ -n "$floor_all" ] && group_add "truncate (floor)" check_truncated "truncate -s $floor_all @F" - -
	run_group "$src" "$dir" "--strip-all on $fs" "÷ floor" "÷ elfpatch"
}

strip_groups "$big" "$work" "$(stat -f -c %T "$work") ($work)"
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
	shm=$(mktemp -d /dev/shm/elfpatch-bench.XXXXXX) || die "cannot use /dev/shm"
	cp "$big" "$shm/src.elf" || die "cannot copy to $shm"
	strip_groups "$shm/src.elf" "$shm" "tmpfs (/dev/shm)"
else
	printf '\n(no tmpfs at /dev/shm: strip on tmpfs not measured)\n'
fi

printf '\nNoise: %s CPUs shared with other work; load average %s at the start, %s at the end.\n' \
	"$(nproc)" "$load0" "$(cut -d ' ' -f 1-3 /proc/loadavg)"
