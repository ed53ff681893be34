#!/usr/bin/env bash
# handover vs Cedar vs zen (issue 8): equivalence test, then benchmarks.
#
#   benches/peers/run.sh           the equivalence test, then the whole benchmark
#                                  (about 5 minutes after the build); the summary
#                                  lands in $CARGO_TARGET_DIR/peers-report.md
#   benches/peers/run.sh --quick   the equivalence test only (for CI)
#
# Environment: CARGO_TARGET_DIR (default benches/peers/target), and for the
# benchmark PEERS_SIZES=10,100,1000,10000, PEERS_MEASURE_MS=1500,
# PEERS_P99_MS=1500 (see benches/peers.rs).
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

quick=0
case "${1:-}" in
  --quick) quick=1 ;;
  "") ;;
  *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

locked=()
[[ -f Cargo.lock ]] && locked=(--locked)

start=$SECONDS
echo "== equivalence test (cargo test --release)"
cargo test --release "${locked[@]}"
echo "== equivalence test done in $((SECONDS - start)) s"
[[ $quick == 1 ]] && exit 0

start=$SECONDS
echo "== benchmarks (cargo bench); machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
cargo bench "${locked[@]}" --bench peers
echo "== benchmarks done in $((SECONDS - start)) s; summary: $CARGO_TARGET_DIR/peers-report.md"
