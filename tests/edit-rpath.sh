#!/bin/sh
# RPATH/RUNPATH edits on every target's programs and library: the value
# (read back by readelf), validity (readelf, eu-elflint), the bytes
# touched, the old host path gone, and agreement with Debian's patchelf.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/edit-lib.sh"

W=$SCRATCH/w
W2=$SCRATCH/w2
W3=$SCRATCH/w3
# Directories for --shrink-rpath and --make-rpath-relative, named short so
# that rpaths listing them fit in the fixtures' old ones.
A=$SCRATCH/a B=$SCRATCH/b E=$SCRATCH/e F=$SCRATCH/f
ROOT=$(cd "$SCRATCH" && pwd -P)/r

for t in $TARGETS; do
	ent=$(entsize "$t")
	# A library ld.so would reject: the other ARM float ABI, else another
	# machine (of the same class and byte order where there is one).
	case $t in
	armhf) foreign=armel ;;
	armel) foreign=armhf ;;
	i386) foreign=armhf ;;
	*) foreign=i386 ;;
	esac
	rm -rf "$A" "$B" "$E" "$F"
	mkdir -p "$A" "$B" "$E" "$F"
	cp "$FIXTURES/$t/libgreet.so" "$A/libgreet.so.1"
	cp "$FIXTURES/$t/libgreet.so" "$B/libgreet.so.1"
	cp "$FIXTURES/$foreign/libgreet.so" "$F/libgreet.so.1"

	for f in $(edit_fixtures "$t"); do
		orig=$FIXTURES/$t/$f
		id=$t/$f
		set_base "$orig"
		inspect "$orig"
		tag=${R_RPATH%%=*}
		oldval=${R_RPATH#*=}
		oldlen=${#oldval}
		old_needed=$R_NEEDED
		old_entries=$R_ENTRIES
		dynseg=$R_DYNSEG
		regions="$R_DYNSEG $R_DYNSTR"
		dynsz=${R_DYNSEG#* }
		marker=$(old_path_marker "$f")
		force=
		[ "$tag" = RPATH ] && force=--force-rpath

		# --set-rpath '': the entry stays, empty; the old path is zeroed.
		fresh "$orig" "$W"
		check_run "$id --set-rpath ''" --set-rpath '' "$W"
		check_edit "$id --set-rpath ''" "$W"
		check_eq "$id --set-rpath '': value" "$tag=" "$R_RPATH"
		check_absent "$id --set-rpath '': old path gone from the file" "$marker" "$W"
		check_bytes "$id --set-rpath '': only the old string's bytes change" "$orig" "$W" \
			$((oldlen + 1 + ent)) $regions
		cross_check "$id --set-rpath '': same as patchelf" "$orig" $force --set-rpath ''

		# A shorter path, in place; the tag is kept (patchelf would turn
		# DT_RPATH into DT_RUNPATH without --force-rpath).
		fresh "$orig" "$W"
		check_run "$id --set-rpath /usr/lib/greet" --set-rpath /usr/lib/greet "$W"
		check_edit "$id --set-rpath shorter" "$W"
		check_eq "$id --set-rpath shorter: value, tag kept" "$tag=/usr/lib/greet" "$R_RPATH"
		check_absent "$id --set-rpath shorter: old path gone" "$marker" "$W"
		check_bytes "$id --set-rpath shorter: bytes" "$orig" "$W" $((oldlen + 1 + ent)) $regions
		cross_check "$id --set-rpath shorter: same as patchelf" "$orig" \
			$force --set-rpath /usr/lib/greet

		# --remove-rpath: the entry goes, .dynamic stays NULL-terminated.
		fresh "$orig" "$W"
		check_run "$id --remove-rpath" --remove-rpath "$W"
		check_edit "$id --remove-rpath" "$W"
		check_eq "$id --remove-rpath: no RPATH/RUNPATH" none "$R_RPATH"
		check_eq "$id --remove-rpath: one entry fewer" $((old_entries - 1)) "$R_ENTRIES"
		check_eq "$id --remove-rpath: NEEDED intact" "$old_needed" "$R_NEEDED"
		check_absent "$id --remove-rpath: old path gone from the file" "$marker" "$W"
		check_bytes "$id --remove-rpath: bytes" "$orig" "$W" $((oldlen + 1 + dynsz)) $regions
		cross_check "$id --remove-rpath: same as patchelf" "$orig" --remove-rpath

		# Then a new entry whose string .dynstr already holds (the tail
		# of libc.so.6): .dynstr stays as it is; the new entry is
		# DT_RUNPATH unless --force-rpath.
		fresh "$W" "$W2"
		check_run "$id --remove-rpath, --set-rpath .so.6" --set-rpath .so.6 "$W2"
		check_edit "$id --set-rpath .so.6 (new entry)" "$W2"
		check_eq "$id new entry is RUNPATH" "RUNPATH=.so.6" "$R_RPATH"
		check_eq "$id new entry: NEEDED intact" "$old_needed" "$R_NEEDED"
		check_bytes "$id --set-rpath .so.6: reuses the string, only .dynamic changes" \
			"$W" "$W2" "$dynsz" $dynseg
		# That entry's string is the tail of DT_NEEDED libc.so.6: clearing
		# or removing it must not zero bytes libc.so.6 still uses (old
		# patchelf turned "system" into "XXXXXX" this way).
		for op in --set-rpath --remove-rpath; do
			fresh "$W2" "$W3"
			if [ "$op" = --set-rpath ]; then
				check_run "$id tail-shared RUNPATH, --set-rpath ''" --set-rpath '' "$W3"
				want=RUNPATH=
			else
				check_run "$id tail-shared RUNPATH, --remove-rpath" --remove-rpath "$W3"
				want=none
			fi
			check_edit "$id tail-shared RUNPATH, $op" "$W3"
			check_eq "$id tail-shared RUNPATH, $op: value" "$want" "$R_RPATH"
			check_eq "$id tail-shared RUNPATH, $op: libc.so.6 intact" "$old_needed" "$R_NEEDED"
		done
		fresh "$W" "$W2"
		check_run "$id --remove-rpath, --force-rpath --add-rpath .so.6" --force-rpath \
			--add-rpath .so.6 "$W2"
		check_edit "$id --force-rpath --add-rpath (new entry)" "$W2"
		check_eq "$id new entry with --force-rpath is RPATH" "RPATH=.so.6" "$R_RPATH"
		cross_check "$id --remove-rpath then --force-rpath --add-rpath: same as patchelf" \
			"$W" --force-rpath --add-rpath .so.6

		# --add-rpath: a fresh fixture has no free .dynstr bytes, so a
		# clean "no room" failure (file untouched), or the right value
		# were there room.
		fresh "$orig" "$W"
		s=$(sum "$W")
		if "$ELFPATCH" --no-grow --add-rpath /opt/x "$W" >"$SCRATCH/.eout" 2>&1; then
			check_edit "$id --add-rpath" "$W"
			check_eq "$id --add-rpath: value" "$tag=$oldval:/opt/x" "$R_RPATH"
		else
			check "$id --add-rpath: failure names the missing bytes" \
				grep -q 'no room for .*missing' "$SCRATCH/.eout"
			check_unchanged "$id --add-rpath: failed edit leaves the file unchanged" "$s" "$W"
		fi
		# ... and with room made by a shorter --set-rpath first.
		check_run "$id --set-rpath /a" --set-rpath /a "$W"
		check_run "$id --add-rpath /b" --add-rpath /b "$W"
		check_edit "$id --add-rpath /b" "$W"
		check_eq "$id --add-rpath after --set-rpath: value" "$tag=/a:/b" "$R_RPATH"
		check_bytes "$id --add-rpath /b: bytes" "$orig" "$W" $((oldlen + 1 + 2 * ent)) $regions

		# --force-rpath with a value: DT_RPATH whatever the tag was.
		fresh "$orig" "$W"
		check_run "$id --force-rpath --set-rpath /x" --force-rpath --set-rpath /x "$W"
		check_edit "$id --force-rpath" "$W"
		check_eq "$id --force-rpath: DT_RPATH" "RPATH=/x" "$R_RPATH"
		check_bytes "$id --force-rpath: bytes" "$orig" "$W" $((oldlen + 1 + ent)) $regions
		cross_check "$id --force-rpath --set-rpath: same as patchelf" "$orig" \
			--force-rpath --set-rpath /x

		# --convert-rpath / --convert-runpath: the tag only.
		for conv in --convert-rpath --convert-runpath; do
			case $conv/$tag in
			--convert-rpath/RPATH) want=RUNPATH ;;
			--convert-runpath/RUNPATH) want=RPATH ;;
			*) want=$tag ;;
			esac
			fresh "$orig" "$W"
			check_run "$id $conv" $conv "$W"
			check_edit "$id $conv" "$W"
			check_eq "$id $conv: tag" "$want=$oldval" "$R_RPATH"
			if [ "$want" = "$tag" ]; then
				check_unchanged "$id $conv: nothing to convert, file unchanged" \
					"$(sum "$orig")" "$W"
			else
				check_bytes "$id $conv: one .dynamic entry's tag changes" "$orig" "$W" \
					"$ent" $dynseg
			fi
		done
		fresh "$orig" "$W"
		check_run "$id --convert-rpath --set-rpath /x" --convert-rpath --set-rpath /x "$W"
		inspect "$W"
		check_eq "$id --convert-rpath --set-rpath /x: value" "RUNPATH=/x" "$R_RPATH"

		# --shrink-rpath keeps only directories holding a needed library
		# ld.so would accept: not $F (another machine or float ABI), not
		# $E (empty), not $B (its library is found in $A first).
		case $f in
		libgreet.so) want= ;;   # needs only libc.so.6, found nowhere here
		*) want=$A ;;
		esac
		fresh "$orig" "$W"
		in=$F:$E:$A:/nx:$B
		if [ "$tag" = RUNPATH ]; then
			# No room for long paths: shrink the fixture's own value.
			check_run "$id --shrink-rpath" --shrink-rpath "$W"
			check_edit "$id --shrink-rpath" "$W"
			check_eq "$id --shrink-rpath: \$ORIGIN kept, missing dir dropped" \
				'RUNPATH=$ORIGIN/../lib' "$R_RPATH"
		elif [ ${#in} -gt "$oldlen" ]; then
			skip "$id --shrink-rpath" "scratch path too long for the fixture's RPATH"
		else
			check_run "$id set up --shrink-rpath" --set-rpath "$in" "$W"
			fresh "$W" "$W2"
			check_run "$id --shrink-rpath" --shrink-rpath "$W"
			check_edit "$id --shrink-rpath" "$W"
			check_eq "$id --shrink-rpath: only the dir serving a NEEDED library" \
				"$tag=$want" "$R_RPATH"
			check_bytes "$id --shrink-rpath: bytes" "$W2" "$W" $((oldlen + 1)) $regions
			check_run "$id --shrink-rpath --allowed-rpath-prefixes" --shrink-rpath \
				--allowed-rpath-prefixes "/nonexistent:$B" "$W2"
			check_edit "$id --allowed-rpath-prefixes" "$W2"
			[ -n "$want" ] && want=$B
			check_eq "$id --allowed-rpath-prefixes: only allowed dirs" "$tag=$want" "$R_RPATH"
		fi

		# --make-rpath-relative ROOTDIR, as Buildroot's patchelf: the file
		# in ROOT/usr/bin (a library in ROOT/usr/lib/greet), libgreet.so.1
		# in ROOT/usr/lib, an empty ROOT/usr/lib/plugins (kept all the
		# same: dlopen() searches it too); /opt/out is not under ROOT.
		rm -rf "$ROOT"
		mkdir -p "$ROOT/usr/bin" "$ROOT/usr/lib/greet" "$ROOT/usr/lib/plugins" "$ROOT/lib"
		cp "$FIXTURES/$t/libgreet.so" "$ROOT/usr/lib/libgreet.so.1"
		case $f in
		libgreet.so)
			R=$ROOT/usr/lib/greet/libgreet.so
			in=/lib:/opt/out
			want=/lib rel='$ORIGIN/../../../lib'
			;;
		*)
			R=$ROOT/usr/bin/$f
			in=/usr/lib:/opt/out
			want=/usr/lib rel='$ORIGIN/../lib'
			;;
		esac
		fresh "$orig" "$R"
		check_run "$id set up --make-rpath-relative" --set-rpath "$in" "$R"
		fresh "$R" "$W2"
		check_run "$id --make-rpath-relative" --make-rpath-relative "$ROOT" "$R"
		check_edit "$id --make-rpath-relative" "$R"
		check_eq "$id --make-rpath-relative: target paths, outside dropped" \
			"$tag=$want" "$R_RPATH"
		fresh "$W2" "$R"
		check_run "$id --make-rpath-relative --relative-to-file" \
			--make-rpath-relative "$ROOT" --relative-to-file "$R"
		check_edit "$id --relative-to-file" "$R"
		check_eq "$id --relative-to-file: \$ORIGIN-relative" "$tag=$rel" "$R_RPATH"
		fresh "$W2" "$R"
		check_run "$id --make-rpath-relative --no-standard-lib-dirs" \
			--make-rpath-relative "$ROOT" --no-standard-lib-dirs "$R"
		check_edit "$id --no-standard-lib-dirs" "$R"
		check_eq "$id --no-standard-lib-dirs: standard dirs dropped" "$tag=" "$R_RPATH"
		# An absolute path under ROOT, $ORIGIN entries (one to a directory
		# that holds no needed library, one to nothing), where it fits.
		in="$ROOT/usr/lib:\$ORIGIN/../lib/plugins:\$ORIGIN/../none"
		if [ "$f" != libgreet.so ] && [ ${#in} -le "$oldlen" ]; then
			fresh "$W2" "$R"
			check_run "$id set up absolute and \$ORIGIN" --set-rpath "$in" "$R"
			fresh "$R" "$W3"
			check_run "$id --make-rpath-relative (absolute, \$ORIGIN)" \
				--make-rpath-relative "$ROOT" "$R"
			inspect "$R"
			check_eq "$id --make-rpath-relative: absolute and \$ORIGIN entries" \
				"$tag=/usr/lib:/usr/lib/plugins" "$R_RPATH"
			fresh "$W3" "$R"
			check_run "$id --relative-to-file (absolute, \$ORIGIN)" \
				--make-rpath-relative "$ROOT" --relative-to-file "$R"
			inspect "$R"
			check_eq "$id --relative-to-file: absolute and \$ORIGIN entries" \
				"$tag=\$ORIGIN/../lib:\$ORIGIN/../lib/plugins" "$R_RPATH"
		fi
	done
done

# --relative-to-file only qualifies --make-rpath-relative.
W=$SCRATCH/w
fresh "$FIXTURES/armhf/hello" "$W"
"$ELFPATCH" --relative-to-file "$W" >"$SCRATCH/.eout" 2>&1
check_eq "--relative-to-file alone: a usage error (exit 2)" "2 elfpatch: --relative-to-file needs --make-rpath-relative" \
	"$? $(cat "$SCRATCH/.eout")"
check_unchanged "--relative-to-file alone: file unchanged" "$(sum "$FIXTURES/armhf/hello")" "$W"

done_testing
