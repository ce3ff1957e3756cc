#!/usr/bin/env bash
# Runs every fuzz target for FUZZ_SECONDS (default 60) each, with AddressSanitizer and leak
# detection, and fails on any crash, leak, timeout or out-of-memory.
#   usage: scripts/fuzz/run.sh [TARGET...]       (default: all targets)
# Builds .build-fuzz/debug/pare-fuzz (libFuzzer + ASan) and .build/debug/pare-fuzz (the replay
# tool, which writes the seed corpora). Corpora grow in .build-fuzz/corpus/<target>; crashes go to
# .build-fuzz/crashes/<target>/ (replay one with `.build/debug/pare-fuzz replay TARGET FILE`, then
# add it to fuzz/regressions/<target>/ with its fix).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors config tokenizer adapter recipe calibration artifact manifest json)

swift build --product pare-fuzz 2>&1 | tail -n 1
# SwiftPM's `--sanitize fuzzer` instruments C targets only: Swift code needs the coverage flags
# spelled out, or libFuzzer sees no Swift edge and mutates blindly.
swift build --sanitize fuzzer --sanitize address -Xswiftc -DFUZZING \
    -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
    --scratch-path .build-fuzz --product pare-fuzz 2>&1 | tail -n 1
fuzzer=.build-fuzz/debug/pare-fuzz

failed=()
summary=()
for target in "${targets[@]}"; do
    corpus=.build-fuzz/corpus/$target seeds=.build-fuzz/seeds/$target crashes=.build-fuzz/crashes/$target
    rm -rf "$seeds" && mkdir -p "$corpus" "$crashes"
    .build/debug/pare-fuzz seeds "$target" "$seeds"
    dict=()
    [ -f "fuzz/dict/$target.dict" ] && dict=(-dict="fuzz/dict/$target.dict")
    regressions=()
    [ -d "fuzz/regressions/$target" ] && regressions=("fuzz/regressions/$target")
    log=.build-fuzz/$target.log
    # Swift's backtracer would catch the trap first and libFuzzer would write no crash file.
    if SWIFT_BACKTRACE=enable=no PARE_FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=fuzz/lsan.supp \
        "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 -max_len=1048576 \
            -print_final_stats=1 -artifact_prefix="$crashes/" "${dict[@]}" "$corpus" "$seeds" "${regressions[@]}" >"$log" 2>&1; then
        status=ok
    else
        status=FAILED
        failed+=("$target")
        grep -E "ERROR|Fatal error|SUMMARY|Test unit written" "$log" | head -n 8 || true
    fi
    runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$" || echo "?")
    rate=$(grep -oE "stat::average_exec_per_sec: *[0-9]+" "$log" | grep -oE "[0-9]+$" || echo "?")
    cov=$(grep -oE "cov: [0-9]+" "$log" | tail -n 1 || true)
    summary+=("$(printf '%-12s %-6s %10s execs %7s/s  %s  corpus %s' "$target" "$status" "$runs" "$rate" "$cov" "$(ls "$corpus" | wc -l)")")
done
printf '%s\n' "fuzz: ${seconds} s per target" "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]} (logs in .build-fuzz/<target>.log, inputs in .build-fuzz/crashes/)" >&2
    exit 1
fi
