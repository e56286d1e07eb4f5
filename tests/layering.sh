#!/bin/sh
# The source layout of src/README holds: every file in a folder of src/
# includes headers only from its own folder and from the folders that
# folder's line in the map names under "may use"; those are all listed
# before it (no cycle); every folder of src/ is in the map; every
# #include "..." names an existing header by its path from src/.
. "${srcdir:-.}/tests/lib.sh"

SRC=$top_srcdir/src
MAP=$SRC/README

# The map's rows: "folder/  description  may-use..." where columns are
# separated by two or more spaces; "-" for none.
awk '/^[a-z]+\/  / {
	n = split($0, col, /  +/)
	sub(/\/$/, "", col[1])
	print col[1], (col[n] == "-" ? "" : col[n])
}' "$MAP" >"$SCRATCH/map"

if [ ! -s "$SCRATCH/map" ]; then
	fail "src/README has a map" "no rows found in $MAP"
	done_testing
fi
pass "src/README has a map ($(wc -l <"$SCRATCH/map") folders)"

# may_use FOLDER: the folders FOLDER may include from, itself included.
may_use() {
	awk -v f="$1" '$1 == f { print; exit }' "$SCRATCH/map"
}

# Each folder may use only folders listed before it.
seen=""
while read -r folder uses; do
	bad=""
	for u in $uses; do
		case " $seen " in *" $u "*) ;; *) bad="$bad $u" ;; esac
	done
	if [ -z "$bad" ]; then
		pass "map: $folder/ uses only folders listed before it"
	else
		fail "map: $folder/ uses only folders listed before it" "listed after it or unknown:$bad"
	fi
	seen="$seen $folder"
done <"$SCRATCH/map"

for dir in "$SRC"/*/; do
	folder=$(basename "$dir")
	if [ -n "$(may_use "$folder")" ]; then
		pass "folder src/$folder/ is in the map"
	else
		fail "folder src/$folder/ is in the map" "add a row for $folder/ to src/README"
	fi
done

# Every source file's quoted includes.
for file in "$SRC"/*.c "$SRC"/*/*.c "$SRC"/*/*.h; do
	[ -f "$file" ] || continue
	rel=${file#"$SRC"/}
	case $rel in
	*/*) allowed=$(may_use "${rel%%/*}") ;;
	*) allowed="*" ;;   # the top may use everything
	esac
	problems=""
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file"); do
		if [ ! -f "$SRC/$inc" ]; then
			problems="$problems $inc(not a header under src/)"
			continue
		fi
		[ "$allowed" = "*" ] && continue
		case " $allowed " in
		*" ${inc%%/*} "*) ;;
		*) problems="$problems $inc(${inc%%/*}/ is not under may use)" ;;
		esac
	done
	if [ -z "$problems" ]; then
		pass "src/$rel: includes follow the map"
	else
		fail "src/$rel: includes follow the map" "offending:$problems"
	fi
done

done_testing
