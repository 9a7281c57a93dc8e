#!/bin/sh
# Runs one libFuzzer target: run-fuzz.sh FUZZER SEED_DIR WORK_DIR [libFuzzer options...]
# New corpus entries and crash artifacts go under WORK_DIR, never into SEED_DIR (the repo).
# Without FUZZ_SECONDS (make check): a short, seeded run (FUZZ_RUNS inputs, at most 15 s)
# from the seeds alone. With FUZZ_SECONDS=N (make fuzz): N seconds, keeping what it found in
# WORK_DIR/corpus for the next run.
set -eu
fuzzer=$1 seeds=$2 work=$3
shift 3
mkdir -p "$work/artifacts"
if [ -n "${FUZZ_SECONDS:-}" ]; then
	corpus=$work/corpus
	set -- -max_total_time="$FUZZ_SECONDS" -timeout=20 "$@"
else
	corpus=$work/check-corpus
	rm -rf "$corpus"
	set -- -seed=1 -runs="${FUZZ_RUNS:-20000}" -max_total_time=15 -timeout=10 "$@"
fi
mkdir -p "$corpus"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
exec "$fuzzer" -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@" "$corpus" "$seeds"
