#!/usr/bin/env bash
# Builds the libFuzzer harnesses in Fuzz/ (with AddressSanitizer) and runs each for FUZZ_SECONDS (default 30),
# seeded from Captures/ payloads. A crash leaves a crash-* file in .build-fuzz/ and makes this script fail.
#   Scripts/fuzz.sh                  every harness, 30 s each
#   FUZZ_SECONDS=600 Scripts/fuzz.sh a longer run by hand
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_EACH=${FUZZ_SECONDS:-30}
WORK=$ROOT/.build-fuzz
mkdir -p "$WORK"
swift build --package-path "$ROOT/Fuzz" --scratch-path "$WORK/build" -c release --sanitize fuzzer --sanitize address
BIN=$(swift build --package-path "$ROOT/Fuzz" --scratch-path "$WORK/build" -c release --sanitize fuzzer \
    --sanitize address --show-bin-path)
status=0
for harness in FuzzPacket FuzzDICOM FuzzHL7 FuzzSMB2; do
    corpus=$WORK/corpus-$harness
    mkdir -p "$corpus"
    # Seed with TCP/UDP payloads of the real captures (tshark, when installed).
    if command -v tshark >/dev/null && [[ -z $(ls -A "$corpus") ]]; then
        set +o pipefail  # head closes the pipes early on purpose
        find "$ROOT/Captures" -name '*.pcap' -not -path '*/malformed/*' | sort | head -20 | while read -r pcap; do
            tshark -r "$pcap" -T fields -e tcp.payload 2>/dev/null | grep -v '^$' | head -200 | while read -r hexline; do
                printf '%s' "$hexline" | xxd -r -p > "$corpus/seed-$(printf '%s' "$hexline" | sha1sum | cut -c1-16)"
            done
        done
        set -o pipefail
    fi
    echo "fuzz: $harness for ${SECONDS_EACH}s" >&2
    if ! (cd "$WORK" && "$BIN/$harness" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -print_final_stats=1 "$corpus" \
            2>"$WORK/$harness.log"); then
        echo "fuzz: $harness FAILED (see $WORK/$harness.log and $WORK/crash-*)" >&2
        status=1
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$WORK/$harness.log" | sed "s/^/fuzz: $harness /" >&2 || true
done
exit $status
