#!/bin/sh
# Every query on every fixture, against values recorded from readelf.
. "${top_srcdir:-.}/tests/lib.sh"

for t in $TARGETS; do
	for f in $(fixtures_of "$t"); do
		file="$FIXTURES/$t/$f"
		exp_interp=$(expect_value "$t" "$f" interp)
		if [ -n "$exp_interp" ]; then
			check_eq "$t/$f --print-interpreter" "$exp_interp" \
				"$("$ELFPATCH" --print-interpreter "$file" 2>&1)"
		else
			check_fails "$t/$f --print-interpreter fails without PT_INTERP" \
				"$ELFPATCH" --print-interpreter "$file"
		fi
		exp_needed=$(expect_value "$t" "$f" needed)
		exp_rpath=$(expect_value "$t" "$f" runpath)
		[ -n "$exp_rpath" ] || exp_rpath=$(expect_value "$t" "$f" rpath)
		if grep -q '^type=DYN\|^interp=' "$EXPECT/$t/$f.txt" && [ -n "$exp_needed" ]; then
			check_eq "$t/$f --print-needed" "$exp_needed" \
				"$("$ELFPATCH" --print-needed "$file" 2>&1)"
			check_eq "$t/$f --print-rpath" "$exp_rpath" \
				"$("$ELFPATCH" --print-rpath "$file" 2>&1)"
		else
			check_fails "$t/$f --print-needed fails without .dynamic" \
				"$ELFPATCH" --print-needed "$file"
		fi
		exp_soname=$(expect_value "$t" "$f" soname)
		if grep -q '^type=DYN' "$EXPECT/$t/$f.txt"; then
			check_eq "$t/$f --print-soname" "$exp_soname" \
				"$("$ELFPATCH" --print-soname "$file" 2>&1)"
		fi
		check_eq "$t/$f --print-execstack" "execstack: $(expect_value "$t" "$f" execstack)" \
			"$("$ELFPATCH" --print-execstack "$file" 2>&1)"
		case $(expect_value "$t" "$f" osabi) in
		"UNIX - System V") abi="System V" ;;
		"UNIX - GNU") abi="Linux" ;;
		*) abi="?" ;;
		esac
		check_eq "$t/$f --print-os-abi" "$abi" "$("$ELFPATCH" --print-os-abi "$file" 2>&1)"
	done
done

done_testing
