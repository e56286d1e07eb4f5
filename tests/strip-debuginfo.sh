#!/bin/sh
# Debug information kept in another form: --compress-debug-sections and
# --decompress-debug-sections (gABI SHF_COMPRESSED, zlib), the split with
# --only-keep-debug FILE and --add-gnu-debuglink FILE, and
# --strip-section-headers.  binutils and (when installed) gdb must read
# what we write as they read the original.
. "${top_srcdir:-.}/tests/lib.sh"

need_cmd readelf eu-elflint cmp

sections() {
	readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\) .*/\1/p' | tr '\n' ' '
}

readelf_clean() {
	_err=$(readelf -aW "$1" 2>&1 >/dev/null)
	[ -z "$_err" ] || { echo "$_err"; return 1; }
}

lint_clean() {
	_l=$(eu-elflint --gnu-ld "$@" 2>&1)
	[ "$_l" = "No errors" ] || { echo "$_l"; return 1; }
}

# DWARF as binutils decodes it (decompressing what is compressed); the
# first lines name the file.
dwarf() {
	readelf --debug-dump=info,abbrev,line,str "$1" 2>&1 | sed 1,2d
}

# Raw contents of section NAME, decompressed by readelf when compressed.
contents() {
	readelf -z -x "$2" "$1" 2>&1 | sed 1,2d
}

check_runs() {
	FIXTURE_LIBDIR=$FIXTURES/$2 "$RUN_FIXTURE" "$2" "$3" >"$SCRATCH/run.out" 2>&1
	case $? in
	0) pass "$1" ;;
	77) skip "$1" "cannot run $2 programs here" ;;
	*) fail "$1" "$(cat "$SCRATCH/run.out")" ;;
	esac
}

have_gdb=
command -v gdb >/dev/null 2>&1 && have_gdb=1
gdb_line() {
	gdb -nx -batch -ex 'info line main' "$1" 2>&1
}

for t in $TARGETS; do
	[ -f "$FIXTURES/$t/hello-debug" ] || continue
	orig=$FIXTURES/$t/hello-debug
	id="$t/hello-debug"

	# Compression.
	c=$(copy_fixture $t hello-debug "$SCRATCH/$t-c")
	check "$id --compress-debug-sections: succeeds" "$ELFPATCH" --compress-debug-sections "$c"
	n=$(readelf -SW "$c" | grep -c ' \.debug_[a-z_]* .* [A-Z]*C[A-Z]* ')
	[ "$n" -ge 2 ] && pass "$id: $n sections SHF_COMPRESSED" \
		|| fail "$id: sections SHF_COMPRESSED" "$(readelf -SW "$c")"
	[ "$(wc -c <"$c")" -lt "$(wc -c <"$orig")" ] && pass "$id: compressed file smaller" \
		|| fail "$id: compressed file smaller"
	check "$id: compressed, readelf -aW clean" readelf_clean "$c"
	check "$id: compressed, eu-elflint clean" lint_clean "$c"
	dwarf "$orig" >"$SCRATCH/dwarf.old"
	dwarf "$c" >"$SCRATCH/dwarf.new"
	check "$id: compressed, readelf --debug-dump output unchanged" \
		cmp "$SCRATCH/dwarf.old" "$SCRATCH/dwarf.new"
	load_bytes "$orig" >"$SCRATCH/load.old"
	load_bytes "$c" >"$SCRATCH/load.new"
	check "$id: compressed, PT_LOAD bytes unchanged" cmp "$SCRATCH/load.old" "$SCRATCH/load.new"
	check_runs "$id: compressed, runs" $t "$c"
	if command -v objcopy >/dev/null 2>&1 \
	   && objcopy --decompress-debug-sections "$c" "$SCRATCH/objcopy-d" 2>/dev/null; then
		for s in .debug_info .debug_line .debug_str; do
			contents "$orig" $s >"$SCRATCH/s.old"
			contents "$SCRATCH/objcopy-d" $s >"$SCRATCH/s.new"
			check "$id: objcopy decompresses $s to the original bytes" \
				cmp "$SCRATCH/s.old" "$SCRATCH/s.new"
		done
	fi

	# And back.
	d=$SCRATCH/$t-d
	cp "$c" "$d"
	check "$id --decompress-debug-sections: succeeds" "$ELFPATCH" --decompress-debug-sections "$d"
	check_eq "$id: decompressed, no SHF_COMPRESSED left" 0 \
		"$(readelf -SW "$d" | grep -c ' \.debug_[a-z_]* .* [A-Z]*C[A-Z]* ')"
	check_eq "$id: decompressed, the same sections" "$(sections "$orig")" "$(sections "$d")"
	ok=1
	for s in $(sections "$orig"); do
		case $s in .debug*) ;; *) continue ;; esac
		[ "$(readelf -x $s "$orig" | sed 1,2d)" = "$(readelf -x $s "$d" | sed 1,2d)" ] || ok=
	done
	[ -n "$ok" ] && pass "$id: decompressed, every debug section's bytes as in the original" \
		|| fail "$id: decompressed, every debug section's bytes as in the original"
	check "$id: decompressed, readelf -aW clean" readelf_clean "$d"
	check "$id: decompressed, eu-elflint clean" lint_clean "$d"

	# The split: a debug file, a stripped program with a link to it.
	mkdir -p "$SCRATCH/$t-split"
	p=$SCRATCH/$t-split/hello
	copy_fixture $t hello-debug "$p" >/dev/null
	check "$id --only-keep-debug --strip-debug --add-gnu-debuglink: succeeds" \
		"$ELFPATCH" --only-keep-debug "$p.debug" --strip-debug --add-gnu-debuglink "$p.debug" "$p"
	check "$id: debug file, readelf -aW clean" readelf_clean "$p.debug"
	check "$id: debug file, eu-elflint --debuginfo clean" lint_clean --debuginfo "$p.debug"
	dwarf "$p.debug" >"$SCRATCH/dwarf.new"
	check "$id: debug file, the same DWARF" cmp "$SCRATCH/dwarf.old" "$SCRATCH/dwarf.new"
	check_eq "$id: debug file, the same symbols" "$(readelf -sW "$orig" | sed -n '/\.symtab/,$p')" \
		"$(readelf -sW "$p.debug" | sed -n '/\.symtab/,$p')"
	case $(sections "$p") in
	*.debug_*) fail "$id: stripped program has no debug sections" ;;
	*" .gnu_debuglink "*) pass "$id: stripped program has .gnu_debuglink and no debug sections" ;;
	*) fail "$id: stripped program has .gnu_debuglink and no debug sections" ;;
	esac
	if command -v python3 >/dev/null 2>&1; then
		crc=$(python3 -c 'import sys, zlib
print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$p.debug")
		# readelf --debug-dump=links prints the CRC binutils reads.
		got=$(readelf --debug-dump=links "$p" 2>&1 | sed -n 's/.*CRC value: *0x\([0-9a-f]*\).*/\1/p')
		check_eq "$id: .gnu_debuglink names hello.debug with its CRC-32" "hello.debug $crc" \
			"$(readelf --debug-dump=links "$p" 2>&1 |
			   sed -n 's/.*Separate debug info file: *\([^ ]*\).*/\1/p') $got"
	fi
	check "$id: stripped program, readelf -aW clean" readelf_clean "$p"
	check "$id: stripped program, eu-elflint clean" lint_clean "$p"
	check_runs "$id: stripped program runs" $t "$p"
	if [ -n "$have_gdb" ]; then
		want=$(gdb_line "$orig" | grep '^Line')
		[ -n "$want" ] || fail "$id: gdb finds main's line in the original"
		check_eq "$id: gdb, split debug info: main's line" "$want" "$(gdb_line "$p" | grep '^Line')"
		check_eq "$id: gdb, compressed: main's line" "$want" "$(gdb_line "$c" | grep '^Line')"
	else
		skip "$id: gdb reads the split and compressed variants" "gdb not installed"
	fi
done

# --strip-section-headers: no table, nothing past the last loaded byte.
for t in $TARGETS; do
	s=$(copy_fixture $t hello "$SCRATCH/$t-sstrip")
	orig=$FIXTURES/$t/hello
	check "$t/hello --strip-section-headers: succeeds" "$ELFPATCH" --strip-section-headers "$s"
	check_eq "$t/hello: no section headers" "0 0" \
		"$(readelf -hW "$s" | awk '/Number of section headers/ { n = $NF }
			/Start of section headers/ { o = $5 } END { print n, o }')"
	end=$(readelf -lW "$orig" | awk '$2 ~ /^0x/ { print $2, $5 }' | while read -r o l; do
		echo $((o + l)); done | sort -n | tail -1)
	check_eq "$t/hello: cut after the last byte a segment covers" "$end" "$(wc -c <"$s")"
	check_eq "$t/hello: program headers unchanged" \
		"$(readelf -lW "$orig" | sed -n '/^Program Headers/,/^$/p')" \
		"$(readelf -lW "$s" | sed -n '/^Program Headers/,/^$/p')"
	load_bytes "$orig" >"$SCRATCH/load.old"
	load_bytes "$s" >"$SCRATCH/load.new"
	check "$t/hello: PT_LOAD bytes unchanged" cmp "$SCRATCH/load.old" "$SCRATCH/load.new"
	check "$t/hello: readelf -aW clean" readelf_clean "$s"
	check_runs "$t/hello: sstripped, runs" $t "$s"
done

done_testing
