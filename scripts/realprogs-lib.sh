# realprogs-lib.sh: scripts/realprogs.manifest read for scripts/realprogs.sh
# (round trips) and bench/realprogs.sh (overhead): the programs it names, one
# program's fields, and a copy of its sources prepared for a build. Sourced.
#
# The manifest: one program a line, fields split by `|` (blank lines and #
# comments skipped):
#   name | suite | directory under SRCDIR | sources | flags | arguments | stdin | kind | drop | prep
# sources are shell globs in the directory; kind is `seq` or `threads`; drop
# lists extended regular expressions of output lines that differ from run
# to run (timings), removed before any comparison, or `-`; prep is a command run
# in the program's copy before the build (with $SRC set to SRCDIR), or `-`;
# flags and arguments may be `-` for none; drop is comma-separated patterns.

# The caller sets manifest (the file) and SRC (the sources' directory).

# The names of all programs, in manifest order.
manifest_names() {
    grep -v -e '^ *#' -e '^ *$' "$manifest" | cut -d'|' -f1 | tr -d ' '
}

field() { printf '%s\n' "$entry" | cut -d'|' -f"$1" | sed 's/^ *//; s/ *$//'; }

# manifest_load NAME: sets name suite dir files flags args stdin kind drop prep
# and lib (-pthread for threaded programs); flags and args empty for `-`, drop
# one extended regular expression (one that matches no line for `-`).
# Returns 1 when the manifest has no such program.
manifest_load() {
    entry=$(grep -v '^ *#' "$manifest" | grep -E "^ *$1 *\|")
    [ -n "$entry" ] || return 1
    name=$1
    suite=$(field 2) dir=$(field 3) files=$(field 4) flags=$(field 5) args=$(field 6)
    stdin=$(field 7) kind=$(field 8) drop=$(field 9) prep=$(field 10)
    [ "$flags" = "-" ] && flags=""
    [ "$args" = "-" ] && args=""
    # the lines to drop: a comma-separated list of patterns (`|` splits fields)
    if [ "$drop" = "-" ]; then drop='^\b$'   # a pattern that matches no line
    else drop=$(echo "$drop" | sed 's/,/|/g'); fi
    lib=""
    [ "$kind" = threads ] && lib=-pthread
    return 0
}

# manifest_prepare D: copies the program's directory to D/src and runs its
# preparation there; sets stdin to the input file's path (/dev/null for `-`).
# On failure sets failed_step (`source` or `prep`) and why (one line) and
# returns 1.
manifest_prepare() {
    rm -rf "$1" && mkdir -p "$1"
    failed_step=source why="$SRC/$dir is missing"
    [ -d "$SRC/$dir" ] || return 1
    cp -r "$SRC/$dir" "$1/src"
    if [ "$prep" != "-" ]; then
        failed_step=prep
        (cd "$1/src" && SRC=$SRC sh -c "$prep") >"$1/prep.log" 2>&1 ||
            { why=$(tail -n 1 "$1/prep.log"); return 1; }
    fi
    case "$stdin" in
        -) stdin=/dev/null ;;
        *) stdin=$1/src/$stdin ;;
    esac
    return 0
}
