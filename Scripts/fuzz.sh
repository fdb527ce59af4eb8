#!/usr/bin/env bash
# Builds the libFuzzer harnesses in Fuzz/ (with AddressSanitizer) and runs each for FUZZ_SECONDS (default 30),
# or for FUZZ_RUNS executions when that is set, seeded from Captures/ (payloads, or small capture files for
# FuzzPcapFile, which reads each input as a file through both pcap readers). A crash leaves a crash-* file in
# .build-fuzz/ and makes this script fail.
#   Scripts/fuzz.sh                        every harness, 30 s each
#   FUZZ_SECONDS=600 Scripts/fuzz.sh       a longer run by hand
#   FUZZ_RUNS=10000000 Scripts/fuzz.sh     each harness to 10 million executions (libFuzzer -runs), no time limit
#   Scripts/fuzz.sh FuzzHL7 FuzzSMB2       only these harnesses (default: all five)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_EACH=${FUZZ_SECONDS:-30}
RUNS_EACH=${FUZZ_RUNS:-}
if [[ -n $RUNS_EACH ]]; then
    [[ $RUNS_EACH =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: FUZZ_RUNS must be a positive integer" >&2; exit 2; }
    bound=(-runs="$RUNS_EACH")
    what="$RUNS_EACH executions"
else
    bound=(-max_total_time="$SECONDS_EACH")
    what="${SECONDS_EACH}s"
fi
HARNESSES=("$@")
((${#HARNESSES[@]})) || HARNESSES=(FuzzPacket FuzzDICOM FuzzHL7 FuzzSMB2 FuzzPcapFile)
WORK=$ROOT/.build-fuzz
mkdir -p "$WORK"
# swiftc (6.3) keeps only the last of several -sanitize= options, and SwiftPM passes one per --sanitize: alone,
# `--sanitize fuzzer --sanitize address` compiles the Swift code with ASan but without libFuzzer's coverage
# instrumentation (a blind fuzzer), the other order without ASan. The trailing combined flag wins for swiftc;
# --sanitize still instruments the C targets and links both runtimes.
BUILD=(--package-path "$ROOT/Fuzz" --scratch-path "$WORK/build" -c release --sanitize fuzzer --sanitize address
    -Xswiftc -sanitize=fuzzer,address)
swift build "${BUILD[@]}"
BIN=$(swift build "${BUILD[@]}" --show-bin-path)
status=0
for harness in "${HARNESSES[@]}"; do
    corpus=$WORK/corpus-$harness
    mkdir -p "$corpus"
    # The capture-file harness is seeded with the small capture files themselves (the malformed ones among them),
    # the others with TCP/UDP payloads of the real captures (tshark, when installed).
    if [[ $harness == FuzzPcapFile && -z $(ls -A "$corpus") ]]; then
        find "$ROOT/Captures" \( -name '*.pcap' -o -name '*.pcapng' \) -size -64k -exec cp -t "$corpus" {} +
    elif command -v tshark >/dev/null && [[ -z $(ls -A "$corpus") ]]; then
        set +o pipefail  # head closes the pipes early on purpose
        find "$ROOT/Captures" -name '*.pcap' -not -path '*/malformed/*' | sort | head -20 | while read -r pcap; do
            tshark -r "$pcap" -T fields -e tcp.payload 2>/dev/null | grep -v '^$' | head -200 | while read -r hexline; do
                printf '%s' "$hexline" | xxd -r -p > "$corpus/seed-$(printf '%s' "$hexline" | sha1sum | cut -c1-16)"
            done
        done
        set -o pipefail
    fi
    echo "fuzz: $harness for $what" >&2
    started=$(date +%s)
    if ! (cd "$WORK" && "$BIN/$harness" "${bound[@]}" -rss_limit_mb=2048 -print_final_stats=1 "$corpus" \
            2>"$WORK/$harness.log"); then
        echo "fuzz: $harness FAILED (see $WORK/$harness.log and $WORK/crash-*)" >&2
        status=1
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$WORK/$harness.log" | sed "s/^/fuzz: $harness /" >&2 || true
    echo "fuzz: $harness wall $(( $(date +%s) - started ))s" >&2
done
exit $status
