#!/bin/sh
# Interpreter, OS ABI, stack and DF_1_NODEFLIB edits, and the ways of
# running an edit (--output, --dry-run, --debug), on every target's
# programs and library; checked as in edit-rpath.sh.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/edit-lib.sh"

W=$SCRATCH/w
W2=$SCRATCH/w2
POKE=${POKE:-$top_builddir/tests/poke}
[ -x "$POKE" ] || { echo "Bail out! $POKE not built (make check builds it)"; exit 99; }
umask 022
long=/$(printf '%0300d' 0)

# patchelf 0.14 ORs DF_1_NODEFLIB into DT_FLAGS_1 in the host's byte order,
# so on big-endian files it sets another flag (NOKSYMS on ppc): no
# comparison there.
pcheck() {
	if [ "$(expect_value "$t" hello data)" = msb ]; then
		skip "$1" "patchelf sets DF_1_NODEFLIB byte-swapped on big-endian files"
	else
		cross_check "$@"
	fi
}

for t in $TARGETS; do
	ent=$(entsize "$t")
	for f in $(edit_fixtures "$t"); do
		begin_fixture "$t" "$f"
		old_dyn=$R_DYN
		old_interp=$R_INTERP
		old_stack=$R_STACK
		interp_seg=$R_INTERPSEG
		phdrs=$R_PHDRS
		osum=$(sum "$orig")

		# --set-interpreter: shorter, in place, PT_INTERP keeps its size.
		fresh "$orig" "$W"
		if [ -n "$old_interp" ]; then
			check_run "$id --set-interpreter /lib/ld.so" --set-interpreter /lib/ld.so "$W"
			check_edit "$id --set-interpreter" "$W"
			check_eq "$id --set-interpreter: value" /lib/ld.so "$R_INTERP"
			check_eq "$id --set-interpreter: PT_INTERP offset and size" "$interp_seg" \
				"$R_INTERPSEG"
			check_eq "$id --set-interpreter: dynamic entries intact" "$old_dyn" "$R_DYN"
			check_bytes "$id --set-interpreter: only PT_INTERP's bytes change" "$orig" "$W" \
				"${interp_seg#* }" $interp_seg
			if [ "$HAVE_PATCHELF" = yes ] &&
				patchelf --set-interpreter /lib/ld.so --output "$W2" "$orig" >/dev/null 2>&1; then
				check_eq "$id --set-interpreter: same as patchelf" \
					"$(readelf -lW "$W2" | sed -n 's/.*interpreter: \(.*\)\]$/\1/p')" "$R_INTERP"
			else
				skip "$id --set-interpreter: same as patchelf" "patchelf missing or failed"
			fi
			fresh "$orig" "$W"
			check_refused "$id --set-interpreter too long" "$osum" "$W" --no-grow \
				--set-interpreter "$long"
			check "$id --set-interpreter too long: says how many bytes are missing" \
				grep -q 'missing' "$SCRATCH/.eout"
		else
			check_refused "$id --set-interpreter without PT_INTERP" "$osum" "$W" \
				--set-interpreter /lib/ld.so
		fi

		# --set-os-abi: one byte (EI_OSABI), and back.
		fresh "$orig" "$W"
		check_run "$id --set-os-abi linux" --set-os-abi linux "$W"
		check_edit "$id --set-os-abi linux" "$W"
		check_eq "$id --set-os-abi linux: readelf" "UNIX - GNU" "$R_OSABI"
		check_eq "$id --set-os-abi linux: printed back" Linux \
			"$("$ELFPATCH" --print-os-abi "$W" 2>&1)"
		check_bytes "$id --set-os-abi: only EI_OSABI changes" "$orig" "$W" 1 7 1
		check_run "$id --set-os-abi sysv" --set-os-abi sysv "$W"
		check_unchanged "$id --set-os-abi sysv: back to the original" "$osum" "$W"
		check_refused "$id --set-os-abi bogus" "$osum" "$W" --set-os-abi bogus

		# --set-execstack / --clear-execstack: PT_GNU_STACK's flags.
		fresh "$orig" "$W"
		check_run "$id --set-execstack" --set-execstack "$W"
		check_edit "$id --set-execstack" "$W"
		check_eq "$id --set-execstack: GNU_STACK flags" RWE "$R_STACK"
		check_eq "$id --set-execstack: printed back" "execstack: X" \
			"$("$ELFPATCH" --print-execstack "$W" 2>&1)"
		check_bytes "$id --set-execstack: only a program header changes" "$orig" "$W" 1 $phdrs
		check_run "$id --clear-execstack" --clear-execstack "$W"
		inspect "$W"
		check_eq "$id --clear-execstack: GNU_STACK flags" "$old_stack" "$R_STACK"
		check_eq "$id --clear-execstack: printed back" "execstack: -" \
			"$("$ELFPATCH" --print-execstack "$W" 2>&1)"
		check_unchanged "$id --clear-execstack: back to the original" "$osum" "$W"

		# --no-default-lib: DF_1_NODEFLIB in DT_FLAGS_1 (set in place
		# when the entry exists; a new entry needs a spare slot).
		fresh "$orig" "$W"
		if "$ELFPATCH" --no-grow --no-default-lib "$W" >"$SCRATCH/.eout" 2>&1; then
			check_edit "$id --no-default-lib" "$W"
			case " $R_FLAGS1 " in
			*" NODEFLIB "*) pass "$id --no-default-lib: FLAGS_1 has NODEFLIB" ;;
			*) fail "$id --no-default-lib: FLAGS_1 has NODEFLIB" "FLAGS_1: $R_FLAGS1" ;;
			esac
			check_bytes "$id --no-default-lib: bytes" "$orig" "$W" "$dynsz" $regions
			pcheck "$id --no-default-lib: same as patchelf" "$orig" --no-default-lib
		else
			check "$id --no-default-lib: refusal names the missing bytes" \
				grep -q 'missing' "$SCRATCH/.eout"
			check_unchanged "$id --no-default-lib: file unchanged" "$osum" "$W"
		fi
		fresh "$orig" "$W"
		check_run "$id --remove-rpath --no-default-lib" --remove-rpath --no-default-lib "$W"
		check_edit "$id --remove-rpath --no-default-lib" "$W"
		case " $R_FLAGS1 " in
		*" NODEFLIB "*) pass "$id --remove-rpath --no-default-lib: FLAGS_1 has NODEFLIB" ;;
		*) fail "$id --remove-rpath --no-default-lib: FLAGS_1 has NODEFLIB" "$R_FLAGS1" ;;
		esac
		pcheck "$id --remove-rpath --no-default-lib: same as patchelf" "$orig" \
			--remove-rpath --no-default-lib

		# --add-debug-tag: the programs have DT_DEBUG (nothing to do); the
		# library gets one in its spare DT_NULL slot, last: two entries
		# written, nothing moves (patchelf puts it first).
		fresh "$orig" "$W"
		check_run "$id --add-debug-tag" --add-debug-tag "$W"
		check_edit "$id --add-debug-tag" "$W"
		check_eq "$id --add-debug-tag: one DT_DEBUG" 1 "$(readelf -dW "$W" | grep -c '(DEBUG)')"
		if [ "$(readelf -dW "$orig" | grep -c '(DEBUG)')" = 1 ]; then
			check_unchanged "$id --add-debug-tag: already there, file unchanged" "$osum" "$W"
		else
			check_eq "$id --add-debug-tag: last entry" DEBUG "$(readelf -dW "$W" |
				sed -n 's/^ *0x[0-9a-f]* (\([A-Z_0-9]*\)).*/\1/p' | grep -v '^NULL$' | tail -n1)"
			check_eq "$id --add-debug-tag: other entries intact" "$old_dyn" "$R_DYN"
			check_bytes "$id --add-debug-tag: two .dynamic entries written" "$orig" "$W" \
				$((2 * ent)) $R_DYNSEG
			# ld.so writes into DT_DEBUG: not into a read-only .dynamic.
			fresh "$orig" "$W"
			seg=$(readelf -lW "$W" | awk '/^ *[A-Z]/ && $1 != "Type" && $2 ~ /^0x/ { i++ }
				$1 == "LOAD" && $7 ~ /W/ { print i - 1; exit }')
			"$POKE" "$W" "phdr.$seg.p_flags" 4 >/dev/null
			check_bad_input "$id --add-debug-tag, .dynamic read-only" "$(sum "$W")" "$W" \
				--add-debug-tag
			check "$id --add-debug-tag, .dynamic read-only: says why" \
				grep -q 'not writable' "$SCRATCH/.eout"
		fi

		# --output: the input untouched, the output edited, with the
		# input's mode (not 0777 minus umask).
		fresh "$orig" "$W"
		chmod 0750 "$W"
		rm -f "$W2"
		check_run "$id --output" --set-rpath '' --output "$W2" "$W"
		check_unchanged "$id --output: input untouched" "$osum" "$W"
		check_edit "$id --output" "$W2"
		check_eq "$id --output: output edited" "$(echo "$old_dyn" |
			sed -n 's/^\(RPATH\|RUNPATH\)=.*/\1=/p')" "$(echo "$R_DYN" |
			sed -n '/^\(RPATH\|RUNPATH\)=/p')"
		check_eq "$id --output: output has the input's mode" 750 "$(stat -c %a "$W2")"
		check_bytes "$id --output: only the edit differs" "$orig" "$W2" 200 $regions
		# Over an existing file, which is replaced whole.
		echo junk >"$W2"
		check_run "$id --output over an existing file" --set-execstack --output "$W2" "$W"
		inspect "$W2"
		check_eq "$id --output over an existing file: edited" RWE "$R_STACK"
		check_bytes "$id --output over an existing file: a copy plus the edit" "$orig" "$W2" 1 \
			$phdrs
		chmod 0755 "$W"

		# --dry-run: says what it would write, writes nothing.
		fresh "$orig" "$W"
		"$ELFPATCH" --dry-run --remove-rpath --set-os-abi linux "$W" >"$SCRATCH/.dry" 2>&1
		check_eq "$id --dry-run: exit status" 0 "$?"
		check_unchanged "$id --dry-run: file unchanged" "$osum" "$W"
		check "$id --dry-run: mentions the .dynamic write" \
			grep -q 'would write .* bytes at offset 0x.*--remove-rpath: .dynamic entries' \
			"$SCRATCH/.dry"
		check "$id --dry-run: mentions the EI_OSABI write" \
			grep -q 'would write 1 byte at offset 0x7' "$SCRATCH/.dry"

		# --debug: says what it does, and does it.
		fresh "$orig" "$W"
		"$ELFPATCH" --debug --set-rpath '' "$W" >"$SCRATCH/.dbg" 2>&1
		check_eq "$id --debug: exit status" 0 "$?"
		check "$id --debug: reports the writes" grep -q 'debug: writing .* bytes\? at offset' \
			"$SCRATCH/.dbg"
		check_absent "$id --debug: edit done" "$(old_path_marker "$f")" "$W"
	done

	# A program without DT_DEBUG (retagged DT_POSFLAG_1, which ld.so
	# ignores) and without a spare slot (the spare DT_NULLs retagged too):
	# .dynamic alone grows, into a writable segment, and ld.so, which
	# writes the r_debug address into DT_DEBUG, runs it.
	orig=$FIXTURES/$t/hello
	fresh "$orig" "$W"
	"$POKE" "$W" dyn.DEBUG.d_tag 0x6ffffdfd >/dev/null
	slots=$("$POKE" "$W" phdr.DYNAMIC.p_filesz)
	while [ "$("$POKE" "$W" dyn.NULL.@index)" -lt $((slots / ent - 1)) ]; do
		"$POKE" "$W" dyn.NULL.d_tag 0x6ffffdfd >/dev/null
	done
	set_base "$W"
	cp "$W" "$W2"
	check_refused "$t/hello full .dynamic --no-grow --add-debug-tag" "$(sum "$W")" "$W" \
		--no-grow --add-debug-tag
	check "$t/hello full .dynamic --no-grow --add-debug-tag: says what is missing" \
		grep -q "missing" "$SCRATCH/.eout"
	check_run "$t/hello full .dynamic --add-debug-tag" --add-debug-tag "$W"
	check_edit "$t/hello full .dynamic --add-debug-tag" "$W"
	check_eq "$t/hello full .dynamic --add-debug-tag: DT_DEBUG" 1 \
		"$(readelf -dW "$W" | grep -c '(DEBUG)')"
	run_program "$t/hello full .dynamic --add-debug-tag: runs" "hello from libgreet, world" \
		"$t" "$W" "$FIXTURES/$t"
done

# @FILE: the options patchelf 0.19 reads an argument from FILE for (the
# bytes as they are), and a FILE that cannot be read: exit status 1, as
# in patchelf, not 2 (a usage error).
orig=$FIXTURES/armhf/hello
osum=$(sum "$orig")
printf 'libm.so.6' >"$SCRATCH/lib"
printf 'linux' >"$SCRATCH/abi"
printf '%s' "$SCRATCH/out" >"$SCRATCH/outname"
fresh "$orig" "$W"
check_run "@FILE: --add-needed @FILE --set-os-abi @FILE --output @FILE" \
	--add-needed "@$SCRATCH/lib" --set-os-abi "@$SCRATCH/abi" --output "@$SCRATCH/outname" "$W"
check_unchanged "@FILE: --output @FILE leaves the input" "$osum" "$W"
inspect "$SCRATCH/out"
check_eq "@FILE: values read from the files" "libm.so.6 libgreet.so.1 libc.so.6/UNIX - GNU" \
	"$R_NEEDED/$R_OSABI"
check_run "@FILE: --remove-needed @FILE" --remove-needed "@$SCRATCH/lib" "$SCRATCH/out"
inspect "$SCRATCH/out"
check_eq "@FILE: --remove-needed @FILE" "libgreet.so.1 libc.so.6" "$R_NEEDED"
for what in missing directory; do
	arg=@$SCRATCH/none
	[ $what = directory ] && arg=@$SCRATCH
	"$ELFPATCH" --set-rpath "$arg" "$W" >"$SCRATCH/.eout" 2>&1
	check_eq "@FILE: --set-rpath @$what: exit status 1, as patchelf" 1 "$?"
	check_eq "@FILE: --set-rpath @$what: one line" 1 "$(wc -l <"$SCRATCH/.eout")"
	check "@FILE: --set-rpath @$what: names the file" grep -q "^elfpatch: ${arg#@}: " \
		"$SCRATCH/.eout"
	check_unchanged "@FILE: --set-rpath @$what: file unchanged" "$osum" "$W"
done

# patchelf's --no-sort (do not sort the headers it rewrites): accepted,
# and changes nothing, as elfpatch rewrites no header table.
fresh "$orig" "$W"
fresh "$orig" "$W2"
check_run "--no-sort --set-rpath /x" --no-sort --set-rpath /x "$W"
check_run "--set-rpath /x" --set-rpath /x "$W2"
check "--no-sort: the same result as without" cmp "$W" "$W2"

# Without .dynamic there is nowhere to add it: refused, as by patchelf.
for t in armhf x86_64; do
	fresh "$FIXTURES/$t/hello-static" "$W"
	check_bad_input "$t/hello-static --add-debug-tag" "$(sum "$W")" "$W" --add-debug-tag
done

done_testing
