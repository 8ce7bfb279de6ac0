#!/bin/sh
# fuzz-smoke.sh: a short libFuzzer run over the checkpoint reader, seeded
# with a valid checkpoint of the target's own state and the matrix files of
# every ABI, then one over the compressed container's reader (src/zfile).
# Any crash, sanitizer report, leak or timeout fails the run.
set -u
cd "$(dirname "$0")/.."
secs="${MT_FUZZ_SECONDS:-30}"
dir=build/fuzz
rm -rf "$dir/corpus" && mkdir -p "$dir/corpus" "$dir/artifacts"
MT_FUZZ_SEED="$dir/corpus/own.ckpt" build/test/fuzz_ckpt -runs=0 >"$dir/seed.log" 2>&1 || {
    echo "fuzz: could not write the seed"; cat "$dir/seed.log"; exit 1; }
cp build/matrix/*.ckpt "$dir/corpus/" 2>/dev/null
if build/test/fuzz_ckpt -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/log" 2>&1; then
    runs=$(grep -o 'Done [0-9]* runs' "$dir/log" | grep -o '[0-9]*')
    echo "fuzz: ${runs:-?} inputs in ${secs}s, no crash"
else
    echo "fuzz: FAILED; see $dir/log and $dir/artifacts"
    grep -E 'ERROR|SUMMARY|runtime error' "$dir/log" | head -n 10
    exit 1
fi
# the compressed container's reader (src/zfile), seeded with a container it writes
zsecs="${MT_FUZZ_ZFILE_SECONDS:-10}"
rm -rf "$dir/zcorpus" && mkdir -p "$dir/zcorpus"
MT_FUZZ_SEED="$dir/zcorpus/own.zck" build/test/fuzz_zfile -runs=0 >"$dir/zseed.log" 2>&1 || {
    echo "fuzz: could not write the compressed seed"; cat "$dir/zseed.log"; exit 1; }
for f in z garbage cut trailing window short long; do cp "build/compress-test/$f.ckpt" "$dir/zcorpus/" 2>/dev/null; done
if build/test/fuzz_zfile -max_total_time="$zsecs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$dir/artifacts/" "$dir/zcorpus" >"$dir/zlog" 2>&1; then
    runs=$(grep -o 'Done [0-9]* runs' "$dir/zlog" | grep -o '[0-9]*')
    echo "fuzz: compressed container: ${runs:-?} inputs in ${zsecs}s, no crash"
else
    echo "fuzz: compressed container FAILED; see $dir/zlog and $dir/artifacts"
    grep -E 'ERROR|SUMMARY|runtime error' "$dir/zlog" | head -n 10
    exit 1
fi
