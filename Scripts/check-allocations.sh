#!/usr/bin/env bash
# check-allocations.sh - prove that WardWatch's per-packet path allocates
# nothing.
#
# Makes two captures with Benchmarks/make-flows holding the SAME flows
# (same 5-tuples, same initial sequence numbers, same order):
#   small: FLOWS flows x  10 packets (SYN, SYN-ACK, ACK,  4 data, FIN, FIN-ACK, ACK)
#   large: FLOWS flows x 100 packets (SYN, SYN-ACK, ACK, 94 data, FIN, FIN-ACK, ACK)
# i.e. N and 10 x N packets, runs the release binary on each under
# `valgrind --tool=memcheck` and compares valgrind's "total heap usage: N allocs".
# The extra 9 x N packets are all in-order data segments of flows that
# already exist, so any difference is allocation per packet.
#
# A second pair does the same for the SMB2 analyzer on its busiest path: one SMB2 session reading a 2 MiB and an
# 8 MiB file in 64 KiB READs (make-flows --smb-read), i.e. 32 and 128 READ request/response pairs through the
# framer, the connection state and the file table.
#
# Passes (exit 0) when  allocs(large) - allocs(small) <= ALLOC_SLACK for both pairs.
# ALLOC_SLACK (default 16) leaves room for one-off growth that depends on the
# amount of data but not on each packet: libpcap/stdio buffer growth, a hash
# table or ring that doubles once, lazily made runtime metadata.  Anything
# per packet shows up as >= 9 x N (18,000 with the defaults) extra allocations.
#
# Environment: FLOWS (200), PORT (server port, default 5001; try 104, 2575,
# 445 to drive an analyzer - its payload is plain text, not the protocol),
# ALLOC_SLACK (16), WARDWATCH (.build/release/wardwatch; built if missing),
# WARDWATCH_ARGS (default "replay --flows --events /dev/null --quiet").
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-$ROOT/.build-bench}
WORK=$BENCH_DIR/alloc
FLOWS=${FLOWS:-200}
PORT=${PORT:-5001}
ALLOC_SLACK=${ALLOC_SLACK:-16}
WARDWATCH=${WARDWATCH:-$ROOT/.build/release/wardwatch}
read -r -a WW_ARGS <<<"${WARDWATCH_ARGS-replay --flows --events /dev/null --quiet}"

command -v valgrind >/dev/null || { echo "check-allocations: valgrind not found (apt-get install valgrind)" >&2; exit 2; }
if [[ ! -x $WARDWATCH ]]; then
    echo "check-allocations: building release wardwatch" >&2
    bash "$ROOT/Scripts/build-release.sh"
fi
"$ROOT/Benchmarks/make-mix.sh" tools
mkdir -p "$WORK"

small=$WORK/flows-$FLOWS-x10.pcap
large=$WORK/flows-$FLOWS-x100.pcap
"$BENCH_DIR/bin/make-flows" -P "$PORT" -d 4 "$FLOWS" "$small"
"$BENCH_DIR/bin/make-flows" -P "$PORT" -d 94 "$FLOWS" "$large"

# Valgrind 3.19 cannot read the DWARF 5 debug info Swift 6 emits: measure a copy without it (same code).
stripped=$WORK/wardwatch.nodebug
strip --strip-debug -o "$stripped" "$WARDWATCH"
WARDWATCH=$stripped

# allocs FILE -> prints valgrind's total allocation count for one run
allocs() {
    local log
    log=$WORK/memcheck.$(basename "$1" .pcap).log
    if ! valgrind --tool=memcheck --leak-check=no --log-file="$log" \
            "$WARDWATCH" "${WW_ARGS[@]}" "$1" >/dev/null; then
        echo "check-allocations: wardwatch failed on $1 (see $log)" >&2
        exit 1
    fi
    local n
    n=$(sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' "$log" | tr -d ,)
    [[ -n $n ]] || { echo "check-allocations: no heap summary in $log" >&2; exit 1; }
    echo "$n"
}

status=0
# compare LABEL SMALL LARGE: prints both counts and the difference per extra packet; FAIL sets status.
compare() {
    local p_small p_large a_small a_large diff
    p_small=$(capinfos -c -M "$2" 2>/dev/null | awk '/Number of packets/ {print $NF}')
    p_large=$(capinfos -c -M "$3" 2>/dev/null | awk '/Number of packets/ {print $NF}')
    a_small=$(allocs "$2")
    a_large=$(allocs "$3")
    diff=$((a_large - a_small))
    printf '%-10s small %8s packets %10s allocs   (%s)\n' "$1" "$p_small" "$a_small" "$2"
    printf '%-10s large %8s packets %10s allocs   (%s)\n' "$1" "$p_large" "$a_large" "$3"
    awk -v d="$diff" -v p=$((p_large - p_small)) -v s="$ALLOC_SLACK" -v l="$1" \
        'BEGIN { printf "%-10s difference: %d allocations for %d extra packets (%.4f per packet); slack %d\n", l, d, p, d / p, s }'
    if ((diff < -ALLOC_SLACK || diff > ALLOC_SLACK)); then
        echo "FAIL ($1): the per-packet path allocates. Find the call sites with:" >&2
        echo "  valgrind --tool=dhat $WARDWATCH ${WW_ARGS[*]} $3" >&2
        status=1
    fi
}

smb_small=$WORK/smb-read-2m.pcap
smb_large=$WORK/smb-read-8m.pcap
"$BENCH_DIR/bin/make-flows" --smb-read 2 "$smb_small"
"$BENCH_DIR/bin/make-flows" --smb-read 8 "$smb_large"

compare flows "$small" "$large"
compare smb-read "$smb_small" "$smb_large"
((status == 0)) && echo "PASS: allocation count does not depend on the packet count"
exit $status
