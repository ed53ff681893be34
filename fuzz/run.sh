#!/usr/bin/env bash
# Run every fuzz target for N minutes each (default 1), one after the other.
#
#   ./fuzz/run.sh            # 1 minute per target
#   ./fuzz/run.sh 10         # 10 minutes per target
#   ./fuzz/run.sh 5 parse fmt  # only these targets
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). On a stable toolchain it
# runs with RUSTC_BOOTSTRAP=1. The build goes to $CARGO_TARGET_DIR (default
# /work/fuzz-target, kept apart from the main build). New corpus entries go
# to fuzz/corpus/<target>/ (not committed), crashes to fuzz/artifacts/<target>/
# and each run's log to fuzz/logs/<target>.log. Exit status 1 when a target
# crashed. FUZZ_MAX_LEN (default 8192) caps an input's size in bytes: the
# targets that check, compile and analyse a whole policy run several times
# as many inputs per second at 2048. FUZZ_FAST=1 builds without the
# comparison tracing (`--no-trace-compares`, into its own target folder):
# about twice the executions per second, for long runs on a corpus that
# already covers the grammar.
set -u
cd "$(dirname "$0")"

minutes="${1:-1}"
shift || true
all=(parse fmt decide decide_random diff_self simulate lsp)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

export RUSTC_BOOTSTRAP="${RUSTC_BOOTSTRAP:-1}"
if [ -n "${FUZZ_FAST:-}" ]; then
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/fuzz-target-fast}"
else
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/fuzz-target}"
fi
# no sanitizer (the crate forbids unsafe code; this doubles the speed), with
# debug assertions so that arithmetic overflow is a crash too
flags=(--sanitizer none --debug-assertions)
if [ -n "${FUZZ_ASAN:-}" ]; then flags=(--debug-assertions); fi
if [ -n "${FUZZ_FAST:-}" ]; then flags+=(--no-trace-compares); fi

cargo fuzz build "${flags[@]}" || exit 2
mkdir -p logs

dict_for() {
    case "$1" in
        parse | fmt | diff_self) echo "-dict=dict/handover.dict" ;;
        decide | simulate) echo "-dict=dict/json.dict" ;;
        *) echo "" ;;
    esac
}

status=0
summary=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "corpus/seed/$t" "artifacts/$t"
    echo "=== $t: ${minutes} min ==="
    # shellcheck disable=SC2046
    cargo fuzz run "${flags[@]}" "$t" "corpus/$t" "corpus/seed/$t" -- \
        -max_total_time=$((minutes * 60)) -timeout=20 -rss_limit_mb=2048 -max_len="${FUZZ_MAX_LEN:-8192}" \
        -print_final_stats=1 $(dict_for "$t") 2>&1 | tee "logs/$t.log" | grep -E '^#[0-9]+.*(pulse|DONE)|^Done|ERROR|panicked|Test unit written|SUMMARY'
    rc=${PIPESTATUS[0]}
    execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "logs/$t.log" | grep -Eo '[0-9]+$' | tail -1)
    if grep -q "libFuzzer: run interrupted" "logs/$t.log"; then
        # Ctrl-C (libFuzzer exits 72): stopped by hand, not a crash
        summary+=("$t: interrupted after ${execs:-?} executions, no crash")
    elif [ "$rc" -ne 0 ]; then
        status=1
        summary+=("$t: CRASH after ${execs:-?} executions (see fuzz/logs/$t.log, fuzz/artifacts/$t/)")
    else
        summary+=("$t: ${execs:-?} executions, no crash")
    fi
done
echo
echo "=== summary (${minutes} min per target) ==="
printf '%s\n' "${summary[@]}"
exit $status
