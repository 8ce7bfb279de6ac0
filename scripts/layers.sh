#!/bin/sh
# layers.sh: the runtime's imports between files, from the built objects.
# nm gives each object's defined and undefined symbols, so "a.o uses a
# symbol b.o defines" is an exact edge a -> b. Prints every edge (with the
# symbols) and then every circle (a group of files that import each other),
# and exits 1 when there is one; without circles, each file's layer (a file
# uses only files of lower layers). Usage: scripts/layers.sh [-q] [OBJDIR]
# (default: the host's runtime objects, after `make`).
set -eu
cd "$(dirname "$0")/.."
quiet=0
if [ "${1:-}" = -q ]; then quiet=1; shift; fi
dir=${1:-build/obj/x86_64}
ls "$dir"/*.o >/dev/null 2>&1 || { echo "layers.sh: no objects in $dir (make first)" >&2; exit 2; }

for o in "$dir"/*.o; do
    f=$(basename "$o" .o)
    nm "$o" | awk -v f="$f" '$1 == "U" { print "U", f, $2; next }
                            NF == 3 && $2 ~ /^[TDBRCVWG]$/ { print "D", f, $3 }'
done | awk -v quiet="$quiet" '
$1 == "D" { def[$3] = $2; next }
$1 == "U" { use[++n] = $2 " " $3 }
END {
    for (i = 1; i <= n; i++) {
        split(use[i], p, " ")
        if (!(p[2] in def) || def[p[2]] == p[1]) continue
        e = p[1] " " def[p[2]]
        if (!(e in syms)) { syms[e] = p[2]; edge[e] = 1; node[p[1]] = 1; node[def[p[2]]] = 1 }
        else if (index(" " syms[e] " ", " " p[2] " ") == 0) syms[e] = syms[e] " " p[2]
    }
    if (!quiet)
        for (e in edge) { split(e, q, " "); printf "%s -> %s: %s\n", q[1], q[2], syms[e] | "sort" }
    close("sort")
    # reach[a,b]: b is reachable from a (transitive closure, a few dozen files)
    for (e in edge) { split(e, q, " "); reach[q[1], q[2]] = 1 }
    for (k in node) for (i in node) if ((i, k) in reach) for (j in node) if ((k, j) in reach) reach[i, j] = 1
    circles = 0
    for (i in node) {
        if (done[i] || !((i, i) in reach)) continue
        group = ""
        for (j in node) if ((i, j) in reach && (j, i) in reach) { done[j] = 1; group = group " " j }
        circles++
        printf "circle:%s\n", group
        for (e in edge) {
            split(e, q, " ")
            if (index(group " ", " " q[1] " ") && index(group " ", " " q[2] " "))
                printf "    %s -> %s: %s\n", q[1], q[2], syms[e]
        }
    }
    if (circles == 0) {
        # the layer of each file: 0 for a file that uses no other, else one
        # above the highest layer it uses
        for (i in node) lv[i] = 0
        for (changed = 1; changed;) {
            changed = 0
            for (e in edge) {
                split(e, q, " ")
                if (lv[q[1]] <= lv[q[2]]) { lv[q[1]] = lv[q[2]] + 1; changed = 1 }
            }
        }
        for (i in node) row[lv[i]] = row[lv[i]] " " i
        for (l = 0; l in row; l++) printf "layer %d:%s\n", l, row[l]
        print "no circles"
    }
    exit circles > 0
}'
