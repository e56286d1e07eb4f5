#!/bin/sh
# DT_SONAME and DT_NEEDED edits on every target's programs and library,
# with the version requirements (.gnu.version_r) that name a library;
# checked as in edit-rpath.sh.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/edit-lib.sh"

W=$SCRATCH/w

for t in $TARGETS; do
	ent=$(entsize "$t")
	for f in $(edit_fixtures "$t"); do
		begin_fixture "$t" "$f"
		old_rpath=$R_RPATH
		old_needed=$R_NEEDED
		old_soname=$R_SONAME
		old_verneed=$R_VERNEED
		old_entries=$R_ENTRIES
		vregions="$regions $R_VERNEEDSEC"
		osum=$(sum "$orig")

		# --set-soname, shorter: in place in a library.  A program
		# (even PIE) has no DT_SONAME: one is added where there is
		# room, else the edit is refused and the file untouched.
		fresh "$orig" "$W"
		if [ "$f" = libgreet.so ]; then
			check_run "$id --set-soname libg.so.1" --set-soname libg.so.1 "$W"
			check_edit "$id --set-soname" "$W"
			check_eq "$id --set-soname: value" libg.so.1 "$R_SONAME"
			check_eq "$id --set-soname: RPATH intact" "$old_rpath" "$R_RPATH"
			check_absent "$id --set-soname: old soname gone" libgreet.so.1 "$W"
			check_bytes "$id --set-soname: bytes" "$orig" "$W" $((${#old_soname} + 1 + ent)) \
				$regions
			cross_check "$id --set-soname: same as patchelf" "$orig" --set-soname libg.so.1
		elif "$ELFPATCH" --no-grow --set-soname libg.so.1 "$W" >"$SCRATCH/.eout" 2>&1; then
			check_edit "$id --set-soname (program)" "$W"
			case $(expect_value "$t" "$f" type) in
			DYN) check_eq "$id --set-soname (PIE): value" libg.so.1 "$R_SONAME" ;;
			*) check_unchanged "$id --set-soname (ET_EXEC): left alone" "$osum" "$W" ;;
			esac
		else
			check "$id --set-soname (program): refusal names the missing bytes" \
				grep -q 'missing' "$SCRATCH/.eout"
			check_unchanged "$id --set-soname (program): file unchanged" "$osum" "$W"
		fi

		if [ "$f" != libgreet.so ]; then
			# --replace-needed with a shorter name (no version
			# requirements name libgreet).
			fresh "$orig" "$W"
			check_run "$id --replace-needed libgreet.so.1 libgreet.so" \
				--replace-needed libgreet.so.1 libgreet.so "$W"
			check_edit "$id --replace-needed" "$W"
			check_eq "$id --replace-needed: NEEDED" "libgreet.so libc.so.6" "$R_NEEDED"
			check_eq "$id --replace-needed: RPATH intact" "$old_rpath" "$R_RPATH"
			check_eq "$id --replace-needed: version requirements intact" "$old_verneed" \
				"$R_VERNEED"
			check_bytes "$id --replace-needed: bytes" "$orig" "$W" $((13 + 1 + ent)) $regions
			cross_check "$id --replace-needed: same as patchelf" "$orig" \
				--replace-needed libgreet.so.1 libgreet.so

			# --remove-needed.
			fresh "$orig" "$W"
			check_run "$id --remove-needed libgreet.so.1" --remove-needed libgreet.so.1 "$W"
			check_edit "$id --remove-needed" "$W"
			check_eq "$id --remove-needed: NEEDED" libc.so.6 "$R_NEEDED"
			check_eq "$id --remove-needed: one entry fewer" $((old_entries - 1)) "$R_ENTRIES"
			check_eq "$id --remove-needed: RPATH intact" "$old_rpath" "$R_RPATH"
			check_bytes "$id --remove-needed: bytes" "$orig" "$W" $((14 + dynsz)) $regions
			cross_check "$id --remove-needed: same as patchelf" "$orig" \
				--remove-needed libgreet.so.1

			# Freed bytes reused in the same call.
			fresh "$orig" "$W"
			check_run "$id --remove-needed, --add-needed" --remove-needed libgreet.so.1 \
				--add-needed libgreet.so.2 "$W"
			check_edit "$id --remove-needed, --add-needed" "$W"
			check_eq "$id --remove-needed, --add-needed: NEEDED" "libgreet.so.2 libc.so.6" \
				"$R_NEEDED"
			check_bytes "$id --remove-needed, --add-needed: bytes" "$orig" "$W" \
				$((2 * 14 + 2 * dynsz)) $regions
			cross_check "$id --remove-needed, --add-needed: same as patchelf" "$orig" \
				--remove-needed libgreet.so.1 --add-needed libgreet.so.2
		else
			# What the library does not need: nothing to do.
			for op in "--replace-needed libgreet.so.1 libgreet.so" \
				"--remove-needed libgreet.so.1"; do
				fresh "$orig" "$W"
				check_run "$id $op (not needed)" $op "$W"
				check_unchanged "$id $op (not needed): file unchanged" "$osum" "$W"
			done

			# Renamed to a string .dynstr already holds (its SONAME):
			# the version requirement follows, and the old name,
			# referenced by nothing any more, is zeroed.  DT_NEEDED
			# and vn_file switch through a staging copy (never
			# disagreeing), which may need appended room.
			fresh "$orig" "$W"
			check_run "$id --replace-needed libc.so.6 libgreet.so.1" \
				--replace-needed libc.so.6 libgreet.so.1 "$W"
			check_edit "$id --replace-needed to an existing string" "$W"
			check_eq "$id --replace-needed to an existing string: NEEDED" libgreet.so.1 \
				"$R_NEEDED"
			check_eq "$id --replace-needed to an existing string: verneed File" \
				libgreet.so.1 "$R_VERNEED"
			check_absent "$id --replace-needed to an existing string: old name zeroed" \
				libc.so.6 "$W"
		fi

		# --replace-needed with a same-length name: the version
		# requirement (vn_file) names it too and must follow.
		fresh "$orig" "$W"
		check_run "$id --replace-needed libc.so.6 libx.so.6" \
			--replace-needed libc.so.6 libx.so.6 "$W"
		check_edit "$id --replace-needed libc.so.6" "$W"
		want=$(echo "$old_needed" | sed 's/libc\.so\.6/libx.so.6/')
		check_eq "$id --replace-needed libc.so.6: NEEDED" "$want" "$R_NEEDED"
		check_eq "$id --replace-needed libc.so.6: .gnu.version_r File follows" libx.so.6 \
			"$R_VERNEED"
		check_bytes "$id --replace-needed libc.so.6: bytes" "$orig" "$W" $((10 + 4 + ent)) \
			$vregions
		cross_check "$id --replace-needed libc.so.6: same as patchelf" "$orig" \
			--replace-needed libc.so.6 libx.so.6

		# --add-needed alone: no free .dynstr bytes in a fresh fixture,
		# so refused with the file untouched (or, were there room, done).
		fresh "$orig" "$W"
		if "$ELFPATCH" --no-grow --add-needed libm.so.6 "$W" >"$SCRATCH/.eout" 2>&1; then
			check_edit "$id --add-needed" "$W"
			check_eq "$id --add-needed: NEEDED" "libm.so.6 $old_needed" "$R_NEEDED"
		else
			check "$id --add-needed: refusal names the missing bytes" \
				grep -q 'missing' "$SCRATCH/.eout"
			check_unchanged "$id --add-needed: file unchanged" "$osum" "$W"
		fi

		# ... and after --remove-rpath freed a slot and bytes, in the
		# same call.
		fresh "$orig" "$W"
		check_run "$id --remove-rpath --add-needed libm.so.6" --remove-rpath \
			--add-needed libm.so.6 "$W"
		check_edit "$id --remove-rpath --add-needed" "$W"
		check_eq "$id --remove-rpath --add-needed: NEEDED" "libm.so.6 $old_needed" "$R_NEEDED"
		check_eq "$id --remove-rpath --add-needed: no RPATH" none "$R_RPATH"
		check_eq "$id --remove-rpath --add-needed: same entry count" "$old_entries" "$R_ENTRIES"
		check_absent "$id --remove-rpath --add-needed: old path gone" \
			"$(old_path_marker "$f")" "$W"
		check_bytes "$id --remove-rpath --add-needed: bytes" "$orig" "$W" \
			$((${#old_rpath} + 2 * dynsz)) $regions
		cross_check "$id --remove-rpath --add-needed: same as patchelf" "$orig" \
			--remove-rpath --add-needed libm.so.6
		# Already needed: nothing to do.
		fresh "$orig" "$W"
		check_run "$id --add-needed libc.so.6 (already needed)" --add-needed libc.so.6 "$W"
		check_unchanged "$id --add-needed libc.so.6 (already needed): file unchanged" \
			"$osum" "$W"
	done

	# Without section headers (sstrip), a program whose .dynsym holds
	# only imports: DT_GNU_HASH hashes none of them, so it cannot count
	# them; their names must not be taken for free .dynstr bytes.
	orig=$FIXTURES/$t/hello
	fresh "$orig" "$W"
	check_run "$t/hello --strip-section-headers" --strip-section-headers "$W"
	check_run "$t/hello sstripped --remove-rpath --add-needed libm.so.6" --remove-rpath \
		--add-needed libm.so.6 "$W"
	lost=
	for name in $(readelf --dyn-syms -W "$orig" | awk '$1 ~ /^[0-9]+:$/ && $4 != "SECTION" && $8 != "" {
			sub(/@.*/, "", $8); print $8 }'); do
		grep -q -a -F -e "$name" "$W" || lost="$lost $name"
	done
	check_eq "$t/hello sstripped --add-needed: symbol names intact" "" "$lost"
	run_program "$t/hello sstripped --add-needed: runs" "hello from libgreet, world" \
		"$t" "$W" "$FIXTURES/$t"
done

done_testing
