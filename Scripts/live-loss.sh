#!/usr/bin/env bash
# live-loss.sh: the highest packet rate `wardwatch live` takes without loss, next to tcpdump on the same link.
#
#   sudo Scripts/live-loss.sh [capture.pcap]   (default: 128 MiB of the hospital scenarios, copied and re-addressed)
#
# Two network namespaces joined by a veth pair (traffic never leaves them): tcpreplay sends the capture from one
# side at increasing rates (LOSS_RATES, packets per second; "max" = --topspeed); on the other side, in turn,
#   - wardwatch live (one worker, then --workers 2: LOSS_WORKERS) writing flows to a file, and
#   - tcpdump -w /dev/null,
# capture it. For each run the script reports the rate tcpreplay reached, the packets the capture counted, the
# kernel's drops, and for wardwatch the IPv4 flow records against those of `wardwatch replay` of the same file
# (missed events; the veth adds IPv6 messages of its own, so IPv6 is not compared). A row is clean when the packets
# counted equal the packets sent, the kernel dropped nothing and no flow is missing. The last lines name the
# highest clean rate of each. Needs root, ip, tcpreplay, tcpdump; the release binary (make build).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${WARDWATCH:-$ROOT/.build/release/wardwatch}
RATES=${LOSS_RATES:-"25000 50000 100000 200000 400000 max"}
WORKERS=${LOSS_WORKERS:-"1 2"}
CAPTURE=${1:-}
WORK=${LOSS_DIR:-$ROOT/.build-loss}
# shellcheck source=Scripts/veth-pair.sh
source "$ROOT/Scripts/veth-pair.sh"

log() { echo "live-loss: $*" >&2; }
die() { log "error: $*"; exit 2; }

[[ $(id -u) == 0 ]] || die "needs root (network namespaces)"
for c in ip tcpreplay tcpdump python3; do command -v "$c" >/dev/null || die "missing $c (apt-get install tcpreplay tcpdump)"; done
[[ -x $BIN ]] || die "no executable $BIN (make build)"
mkdir -p "$WORK"
if [[ -z $CAPTURE ]]; then
    scenario_mix 128 "$WORK"
    CAPTURE=$WORK/mix.pcap
fi
veth_pair_up

# Events file -> sorted "community_id packets bytes" per IPv4 5-tuple, summed over its flow records: tcpreplay's
# pacing changes the gaps between packets, so timeouts may cut a conversation into other records than a replay
# does, but every packet must still be counted in the records of its 5-tuple.
ipv4_flows() {
    python3 - "$1" <<'EOF'
import json, sys
totals = {}
for line in open(sys.argv[1]):
    event = json.loads(line)
    if event["event"]["dataset"] == "wardwatch.flow" and event["network"]["type"] == "ipv4":
        network = event["network"]
        packets, size = totals.get(network["community_id"], (0, 0))
        totals[network["community_id"]] = (packets + network["packets"], size + network["bytes"])
print("\n".join(sorted(f"{key} {packets} {size}" for key, (packets, size) in totals.items())))
EOF
}

"$BIN" replay --quiet --flows --events "$WORK/reference.jsonl" "$CAPTURE"
ipv4_flows "$WORK/reference.jsonl" >"$WORK/reference.flows"
REFERENCE_FLOWS=$(wc -l <"$WORK/reference.flows")
# Counted: the capture's IPv4 and ARP packets (the veth adds IPv6 of its own).
read -r expected _ < <(counted_packets "$WORK/reference.jsonl")
CAPTURE_PACKETS=$(capinfos -T -r -c "$CAPTURE" 2>/dev/null | cut -f2 || echo "?")
log "capture $CAPTURE: $CAPTURE_PACKETS packets, $REFERENCE_FLOWS IPv4 flows"

printf '%-22s %10s %10s %10s %8s %12s %s\n' tool "asked pps" "sent pps" counted drops "5-tuples ok" clean | tee "$WORK/live-loss.txt"
declare -A best
for rate in $RATES; do
    for workers in $WORKERS; do
        label="wardwatch w$workers"
        events=$WORK/live-$workers-$rate.jsonl
        rm -f "$events"
        ip netns exec "$VETH_CAPTURE" "$BIN" live --interface wwl0 --workers "$workers" --flows --events "$events" \
            >/dev/null 2>"$WORK/live.err" &
        pid=$!
        for _ in $(seq 200); do grep -q "capturing on" "$WORK/live.err" && break; sleep 0.05; done
        read -r sent pps < <(send_capture "$CAPTURE" "$rate")
        sleep 1
        kill -TERM "$pid"
        wait "$pid" || true
        read -r counted drops _ < <(counted_packets "$events")
        missing=$(comm -23 "$WORK/reference.flows" <(ipv4_flows "$events") | wc -l)
        clean=no
        if [[ $counted == "$expected" && $drops == 0 && $missing == 0 ]]; then clean=yes; best[$label]=$rate; fi
        printf '%-22s %10s %10s %10s %8s %12s %s\n' "$label" "$rate" "$pps" "$counted/$expected" "$drops" \
            "$((REFERENCE_FLOWS - missing))/$REFERENCE_FLOWS" "$clean" | tee -a "$WORK/live-loss.txt"
    done
    label="tcpdump"
    ip netns exec "$VETH_CAPTURE" tcpdump -i wwl0 -w /dev/null -B 65536 2>"$WORK/tcpdump.err" &
    pid=$!
    for _ in $(seq 200); do grep -q "listening on" "$WORK/tcpdump.err" && break; sleep 0.05; done
    read -r sent pps < <(send_capture "$CAPTURE" "$rate")
    sleep 1
    kill -INT "$pid"
    wait "$pid" || true
    captured=$(awk '/packets captured/ { print $1 }' "$WORK/tcpdump.err")
    drops=$(awk '/dropped by kernel/ { print $1 }' "$WORK/tcpdump.err")
    clean=no
    if [[ ${drops:-1} == 0 && ${captured:-0} -ge $sent ]]; then clean=yes; best[$label]=$rate; fi
    printf '%-22s %10s %10s %10s %8s %12s %s\n' "$label" "$rate" "$pps" "$captured/$sent" "${drops:-?}" - "$clean" |
        tee -a "$WORK/live-loss.txt"
done
for label in "${!best[@]}"; do
    echo "highest clean rate: $label ${best[$label]} pps" | tee -a "$WORK/live-loss.txt"
done
