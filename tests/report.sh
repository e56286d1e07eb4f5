#!/bin/sh
# --report and --json: the numbers are checked against sums this script
# computes from `readelf -SW` by the rules of the man page, not against
# elfpatch itself; --report alone changes nothing.
. "${top_srcdir:-.}/tests/lib.sh"

need_cmd readelf cmp

# expect_row FILE: "size code rodata data dynamic symbols debug other bss"
# from readelf's section table.  Debug sections by name; symbols are
# SYMTAB and the string table a SYMTAB links to; the dynamic-linking
# tables by type, plus .interp, .got*, .plt*, .iplt*, .igot*; the rest of
# the allocated bytes by flags; what no section covers is "other".
expect_row() {
	_size=$(wc -c <"$1")
	readelf -SW "$1" | sed -n 's/^ *\[ *\([0-9]*\)\] /\1 /p' | awk -v size="$_size" '
	function hex(s,  i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
		return v
	}
	function isdebug(n) {
		return n ~ /^\.(debug|zdebug|gnu\.debuglto_|gnu\.linkonce\.wi\.|stab|line)/ \
		    || n == ".gdb_index"
	}
	{
		i = $1; name[i] = $2; type[i] = $3; sz[i] = hex($6)
		flg[i] = (NF == 11) ? $8 : ""
		lk[i] = (NF == 11) ? $9 : $8
		inf[i] = (NF == 11) ? $10 : $9
		n = i
	}
	END {
		for (i = 1; i <= n; i++)
			if (type[i] == "SYMTAB")
				symstr[lk[i]] = 1
		for (i = 1; i <= n; i++) {
			t = type[i]; f = flg[i]; nm = name[i]
			if (t == "NULL")
				continue
			if (t == "NOBITS") {
				if (f ~ /A/)
					bss += sz[i]
				continue
			}
			if (f ~ /A/) {
				if (t ~ /^(DYNSYM|HASH|GNU_HASH|VERSYM|VERDEF|VERNEED|DYNAMIC|REL|RELA|RELR|STRTAB)$/ \
				    || nm == ".interp" || nm ~ /^\.(got|plt|iplt|igot)/)
					k = "dynamic"
				else if (f ~ /X/)
					k = "code"
				else if (f ~ /W/)
					k = "data"
				else
					k = "rodata"
			} else if (isdebug(nm) || ((t == "REL" || t == "RELA") && inf[i] > 0 \
						   && isdebug(name[inf[i]])))
				k = "debug"
			else if (t == "SYMTAB" || (t == "STRTAB" && symstr[i]))
				k = "symbols"
			else
				k = "other"
			sum[k] += sz[i]
			total += sz[i]
		}
		printf "%d %d %d %d %d %d %d %d %d\n", size, sum["code"], sum["rodata"], sum["data"],
		       sum["dynamic"], sum["symbols"], sum["debug"], sum["other"] + size - total, bss
	}'
}

# row OUTPUT FILE [LABEL]: the nine numbers elfpatch printed for FILE.
row() {
	awk -v f="$2" -v l="${3:-}" '$10 == f && (l == "" ? NF == 10 : $11 == l) {
		print $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$1"
}

for t in armhf x86_64 s390x; do
	for f in $(fixtures_of $t); do
		file=$FIXTURES/$t/$f
		check "$t/$f: --report succeeds" sh -c "'$ELFPATCH' --report '$file' >'$SCRATCH/out'"
		check_eq "$t/$f: --report matches readelf -SW sums" "$(expect_row "$file")" \
			"$(row "$SCRATCH/out" "$file")"
	done
done

# The categories add up to the file size.
file=$FIXTURES/armhf/hello-debug
set -- $(expect_row "$file")
check_eq "categories add up to the size" "$1" "$(($2 + $3 + $4 + $5 + $6 + $7 + $8))"
for n in 2 3 5 6 7 8; do
	eval "v=\${$n}"
	[ "$v" -gt 0 ] || fail "hello-debug has category $n" "the test would prove little"
done

# --report alone changes nothing.
f=$(copy_fixture armhf hello-debug)
cp "$f" "$SCRATCH/orig"
"$ELFPATCH" --report "$f" >/dev/null
check "--report alone: file unchanged" cmp "$f" "$SCRATCH/orig"

# A static and a dynamic build side by side, plus a total.
st=$FIXTURES/armhf/hello-static
dy=$FIXTURES/armhf/hello
"$ELFPATCH" --report "$st" "$dy" >"$SCRATCH/out"
check_eq "side by side: static row" "$(expect_row "$st")" "$(row "$SCRATCH/out" "$st")"
check_eq "side by side: dynamic row" "$(expect_row "$dy")" "$(row "$SCRATCH/out" "$dy")"
check_eq "side by side: total row" \
	"$(printf '%s\n%s\n' "$(expect_row "$st")" "$(expect_row "$dy")" |
	   awk '{ for (i = 1; i <= 9; i++) s[i] += $i }
		END { print s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9] }')" \
	"$(row "$SCRATCH/out" total)"
check_eq "side by side: a header line and three rows" 4 "$(wc -l <"$SCRATCH/out")"
check "side by side: columns aligned" awk 'NR == 1 { w = index($0, "file") }
	index($0, substr($0, w)) != w || length($1) > w { exit 1 }' "$SCRATCH/out"

# With an edit: before, after and what was saved, per file and in total.
a=$(copy_fixture armhf hello-debug)
b=$(copy_fixture x86_64 libgreet.so)
exp_a=$(expect_row "$a")
exp_b=$(expect_row "$b")
"$ELFPATCH" --strip-all --report "$a" "$b" >"$SCRATCH/out"
check_eq "--strip-all --report: before" "$exp_a" "$(row "$SCRATCH/out" "$a" "(before)")"
check_eq "--strip-all --report: after" "$(expect_row "$a")" "$(row "$SCRATCH/out" "$a" "(after)")"
saved=$(printf '%s\n%s\n' "$exp_a" "$(expect_row "$a")" |
	awk 'NR == 1 { for (i = 1; i <= 9; i++) s[i] = $i }
	     NR == 2 { for (i = 1; i <= 9; i++) s[i] -= $i
		       print s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9] }')
check_eq "--strip-all --report: saved" "$saved" "$(row "$SCRATCH/out" "$a" "(saved")"
pct=$(awk -v b="${exp_a%% *}" -v a="$(wc -c <"$a")" 'BEGIN { printf "%.1f%%)", 100 * (b - a) / b }')
check_eq "--strip-all --report: percent saved" "$pct" \
	"$(awk -v f="$a" '$10 == f && $11 == "(saved" { print $12 }' "$SCRATCH/out")"
check_eq "--strip-all --report: total after" \
	"$(printf '%s\n%s\n' "$(expect_row "$a")" "$(expect_row "$b")" |
	   awk '{ for (i = 1; i <= 9; i++) s[i] += $i }
		END { print s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9] }')" \
	"$(row "$SCRATCH/out" total "(after)")"

# --dry-run --report: the predicted result, nothing written.
c=$(copy_fixture armhf libgreet.so)
cp "$c" "$SCRATCH/orig"
"$ELFPATCH" --dry-run --strip-debug --report "$c" >"$SCRATCH/out"
check "--dry-run --report: unchanged" cmp "$c" "$SCRATCH/orig"
"$ELFPATCH" --strip-debug "$c"
check_eq "--dry-run --report: predicts the result" "$(expect_row "$c")" \
	"$(row "$SCRATCH/out" "$c" "(after)")"

# --json: one valid document with the same numbers.
if command -v python3 >/dev/null 2>&1; then
	d=$(copy_fixture armhf hello-debug)
	st=$(copy_fixture armhf hello-static)
	exp_d=$(expect_row "$d")
	"$ELFPATCH" --strip-debug --json "$d" "$st" >"$SCRATCH/json"
	check "--json: valid JSON" python3 -m json.tool "$SCRATCH/json"
	got=$(python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
keys = ["size", "code", "read_only_data", "data", "dynamic_linking", "symbols", "debug_info",
        "other", "bss"]
f = doc["files"][0]
for part in ("before", "after"):
    print(" ".join(str(f[part][k]) for k in keys))
print(f["saved"], len(doc["files"]), doc["total"]["after"]["size"])
' "$SCRATCH/json")
	check_eq "--json: before, after, saved, files, total" \
		"$(printf '%s\n%s\n%s %s %s' "$exp_d" "$(expect_row "$d")" \
		   $(($(echo "$exp_d" | cut -d' ' -f1) - $(wc -c <"$d"))) 2 \
		   $(($(wc -c <"$d") + $(wc -c <"$st"))))" "$got"
else
	skip "--json: valid JSON" "python3 not installed"
fi

done_testing
