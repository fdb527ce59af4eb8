#!/usr/bin/env bash
# ab.sh - compare two wardwatch binaries on one capture by alternating runs.
#
#   Benchmarks/ab.sh OLD_BINARY NEW_BINARY [RUNS] [-- REPLAY_FLAGS...]
#
# Runs `BINARY replay REPLAY_FLAGS --events /dev/null --quiet CAPTURE` for each binary in turn, RUNS times
# (default 25), pinned to one CPU like the bench's single-worker rows, and prints each binary's fastest and median
# wall and CPU (user + system) seconds. Alternating puts both binaries through the same moments of a shared VM's
# noise, so a difference of a few percent shows where the bench's seven rounds cannot tell it.
#
# Environment: AB_CAPTURE (default .build-bench/mix.pcap, made by `Benchmarks/make-mix.sh mix`), AB_CPU (1).
# REPLAY_FLAGS default to `--flows --no-detectors` (the analyzers row).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -ge 2 ]] || { sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 2; }
OLD=$1
NEW=$2
shift 2
RUNS=25
if [[ $# -gt 0 && $1 != -- ]]; then RUNS=$1; shift; fi
[[ $# -gt 0 && $1 == -- ]] && shift
FLAGS=("$@")
[[ ${#FLAGS[@]} -gt 0 ]] || FLAGS=(--flows --no-detectors)
CAPTURE=${AB_CAPTURE:-$ROOT/.build-bench/mix.pcap}
CPU=${AB_CPU:-1}
for file in "$OLD" "$NEW"; do [[ -x $file ]] || { echo "ab: $file is not an executable" >&2; exit 2; }; done
[[ -r $CAPTURE ]] || { echo "ab: $CAPTURE not found (Benchmarks/make-mix.sh mix makes it)" >&2; exit 2; }

results=$(mktemp)
trap 'rm -f "$results"' EXIT
TIMEFORMAT='%R %U %S'
for _ in $(seq "$RUNS"); do
    for label in old new; do
        binary=$OLD
        [[ $label == new ]] && binary=$NEW
        timing=$({ time taskset -c "$CPU" "$binary" replay "${FLAGS[@]}" --events /dev/null --quiet "$CAPTURE" \
            > /dev/null 2>&1; } 2>&1)
        read -r wall user system <<< "$timing"
        awk -v l="$label" -v w="$wall" -v u="$user" -v s="$system" 'BEGIN { printf "%s %.3f %.3f\n", l, w, u + s }' \
            >> "$results"
    done
done

# summary LABEL COLUMN: "fastest median" of one column of one binary's runs.
summary() {
    local values count
    values=$(awk -v l="$1" -v c="$2" '$1 == l { print $c }' "$results" | sort -n)
    count=$(wc -l <<< "$values")
    echo "$(head -1 <<< "$values") $(sed -n "$(((count + 1) / 2))p" <<< "$values")"
}
echo "ab: $RUNS alternating runs each, CPU $CPU, replay ${FLAGS[*]} $(basename "$CAPTURE")"
for label in old new; do
    read -r wall_min wall_median <<< "$(summary $label 2)"
    read -r cpu_min cpu_median <<< "$(summary $label 3)"
    echo "$label: wall fastest $wall_min s, median $wall_median s; CPU fastest $cpu_min s, median $cpu_median s"
done
