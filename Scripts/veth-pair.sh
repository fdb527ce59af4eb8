# shellcheck shell=bash
#
# veth-pair.sh: the link the live-capture measurements run on (live-loss.sh, live-scaling.sh). Source it; it does
# nothing by itself. Needs root, ip, tcpreplay; python3 for the stats.
#
#   veth_pair_up             namespaces $VETH_CAPTURE (device wwl0, where the capture runs) and $VETH_SENDER (device
#                            wwl1, where tcpreplay sends), joined by a veth pair with offloads off so that frames stay
#                            as sent; both are deleted when the script exits. Traffic never leaves them.
#   scenario_mix MIB DIR     builds DIR/mix.pcap (cached): the hospital scenarios (real peers, MTU 1500, whole
#                            frames) copied and re-addressed to MIB MiB. Corpus files carry frames larger than the
#                            veth's MTU, which tcpreplay cannot send.
#   send_capture FILE RATE   tcpreplay FILE into the link at RATE packets/s ("max": --topspeed); prints
#                            "packets-sent pps-reached" from tcpreplay's summary.
#   counted_packets EVENTS   "packets drops lost" from the events file's final stats record: the IPv4 and ARP packets
#                            the sensor counted (the veth adds IPv6 messages of its own), the kernel's drops, and the
#                            events dropped because the output thread fell behind.

VETH_CAPTURE=wwlink-a-$$
VETH_SENDER=wwlink-b-$$
_VETH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

veth_pair_up() {
    trap _veth_pair_down EXIT
    ip netns add "$VETH_CAPTURE"
    ip netns add "$VETH_SENDER"
    ip link add wwl0 netns "$VETH_CAPTURE" type veth peer name wwl1 netns "$VETH_SENDER"
    local pair namespace device
    for pair in "$VETH_CAPTURE wwl0" "$VETH_SENDER wwl1"; do
        read -r namespace device <<<"$pair"
        ip -n "$namespace" link set lo up
        ip -n "$namespace" link set "$device" up
        ip netns exec "$namespace" ethtool -K "$device" gro off gso off tso off >/dev/null 2>&1 || true
    done
}

_veth_pair_down() {
    ip netns del "$VETH_CAPTURE" 2>/dev/null || true
    ip netns del "$VETH_SENDER" 2>/dev/null || true
}

scenario_mix() {
    MIX_TARGET_BYTES=$(($1 << 20)) CAPTURES=$_VETH_ROOT/Captures/scenarios CORPUS=/nonexistent BENCH_DIR=$2 \
        bash "$_VETH_ROOT/Benchmarks/make-mix.sh" mix
}

send_capture() {
    local option
    if [[ $2 == max ]]; then option=(--topspeed); else option=(--pps "$2"); fi
    ip netns exec "$VETH_SENDER" tcpreplay -i wwl1 "${option[@]}" "$1" 2>&1 |
        awk '/Successful packets:/ { sent = $3 } /Rated:/ { for (i = 1; i <= NF; i++) if ($i ~ /pps/) pps = $(i - 1) }
             END { printf "%s %d\n", sent, pps }'
}

counted_packets() {
    python3 -c '
import json, sys
stats = [json.loads(l) for l in open(sys.argv[1]) if "\"wardwatch.stats\"" in l][-1]["wardwatch"]["stats"]
print(stats["ipv4_packets"] + stats["arp_packets"], stats.get("kernel_drops", 0), stats["events_dropped"])' "$1"
}
