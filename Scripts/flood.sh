#!/usr/bin/env bash
# flood.sh: the reliability issue's floods at full size, each with a real attack inside, against the release binary.
#
# Scripts/make-flood.c writes each flood with its packets spread over the attack capture's time span, and
#     /usr/bin/time -v wardwatch replay --quiet --config Captures/scenarios/site.yaml --events OUT [bounds] \
#         flood.pcap Captures/scenarios/<attack>.pcap
# replays both files merged in time order. Printed per run: packets processed (checked against packets written),
# wall and CPU seconds, peak RSS, the limits counted in the final wardwatch.stats event (flows and hosts evicted,
# detector table keys evicted, analysed connections evicted, reassembly overflows and bytes declared lost, protocol
# anomalies of unfinished messages), and whether the attack's truth-file rules (rule by attacker IP) were still
# alerted.
#   syn     1,000,000 SYNs from random sources to filesrv01:445           + lateral-movement-vpn
#   udp     1,000,000 distinct UDP flows                                  + lateral-movement-vpn
#   smb     1,000 SMB sessions each holding a half-finished 128 KiB message,
#           with 64 out-of-order segments after a hole                   + ransomware-smb2
#   dicom   1,000 DICOM connections announcing 0xFFFFFFF0-byte PDUs      + ransomware-smb2
#   hl7     1,000 MLLP streams of 16 KiB without an end block            + ransomware-smb2
# Each runs with the default bounds; syn, udp and smb run again with smaller ones.
# Exits 1 if a run failed, lost packets or missed its attack.
#
# Usage: Scripts/flood.sh   (WARDWATCH=path/to/wardwatch; FLOOD_DIR=dir for the captures, default .build/flood)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${WARDWATCH:-$ROOT/.build/release/wardwatch}
DIR=${FLOOD_DIR:-$ROOT/.build/flood}
SCENARIOS=$ROOT/Captures/scenarios
PYTHON=${PYTHON:-python3}

for c in cc capinfos "$PYTHON" /usr/bin/time; do
    command -v "$c" >/dev/null || { echo "flood.sh: missing $c (apt-get install gcc wireshark-common python3 time)" >&2; exit 2; }
done
[[ -x $BIN ]] || { echo "flood.sh: no $BIN (make build)" >&2; exit 2; }
mkdir -p "$DIR"
cc -O2 -o "$DIR/make-flood" "$ROOT/Scripts/make-flood.c"

# name, kind, count, attack scenario, wardwatch bounds ("-" for the defaults)
RUNS=(
    "syn-1m syn 1000000 lateral-movement-vpn -"
    "syn-1m syn 1000000 lateral-movement-vpn --max-flows=100000 --max-hosts=16384"
    "udp-1m udp 1000000 lateral-movement-vpn -"
    "udp-1m udp 1000000 lateral-movement-vpn --max-flows=100000 --max-hosts=16384"
    "smb-1k smb 1000 ransomware-smb2 -"
    "smb-1k smb 1000 ransomware-smb2 --max-sessions=256 --reassembly-total=8388608"
    "dicom-1k dicom 1000 ransomware-smb2 -"
    "hl7-1k hl7 1000 ransomware-smb2 -"
)

: >"$DIR/runs.tsv"
n=0
for run in "${RUNS[@]}"; do
    read -r name kind count attack bounds <<<"$run"
    attack_pcap=$SCENARIOS/$attack.pcap
    if [[ ! $DIR/$name.pcap -nt $ROOT/Scripts/make-flood.c || ! -f $DIR/$name.count ]]; then
        # the flood spans the attack: from its first to its last packet (capinfos: epoch seconds)
        read -r first last <<<"$(capinfos -T -r -S -a -e "$attack_pcap" | awk -F'\t' '{printf "%.0f %.0f\n", $2 * 1e6, $3 * 1e6}')"
        "$DIR/make-flood" -t "$first" -s $((last - first)) "$kind" "$count" "$DIR/$name.pcap" >"$DIR/$name.count"
    fi
    n=$((n + 1))
    args=()
    [[ $bounds == - ]] || read -r -a args <<<"$bounds"
    echo "flood.sh: $name ${args[*]:-(default bounds)}" >&2
    status=0
    /usr/bin/time -v "$BIN" replay --quiet --config "$SCENARIOS/site.yaml" --events "$DIR/run$n.jsonl" "${args[@]}" \
        "$DIR/$name.pcap" "$attack_pcap" 2>"$DIR/run$n.time" || status=$?
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${bounds}" "$(cat "$DIR/$name.count")" \
        "$(capinfos -T -r -c "$attack_pcap" | cut -f2)" "$status" "$DIR/run$n.time" "$DIR/run$n.jsonl" \
        "$SCENARIOS/$attack.truth.tsv" >>"$DIR/runs.tsv"
done

"$PYTHON" - "$DIR/runs.tsv" <<'EOF'
import json
import re
import sys

LIMIT_ANOMALIES = ("smb2_gap", "dicom_truncated_pdu", "hl7_missing_end_block", "hl7_message_too_large")
rows, failed = [], False
for line in open(sys.argv[1]):
    name, bounds, flood_packets, attack_packets, status, time_path, events_path, truth_path = line.rstrip("\n").split("\t")
    text = open(time_path).read()
    rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text)
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", text).group(1)) for kind in ("User", "System"))
    stats, alerts = {}, []
    for raw in open(events_path):
        if '"alert"' not in raw and '"wardwatch.stats"' not in raw:
            continue
        event = json.loads(raw)
        if event["event"]["kind"] == "alert":
            ips = {event.get(side, {}).get("ip") for side in ("source", "destination")}
            alerts.append((event["rule"]["name"], ips))
        elif event["event"].get("dataset") == "wardwatch.stats":
            stats = event["wardwatch"]["stats"]
    truth = [l.rstrip("\n").split("\t")[1:3] for l in open(truth_path)
             if l.strip() and not l.startswith(("#", "attack_start"))]
    detected = all(any(rule == r and attacker in ips for r, ips in alerts) for attacker, rule in truth)
    expected = int(flood_packets) + int(attack_packets)
    packets_ok = stats.get("packets") == expected
    failed |= status != "0" or not packets_ok or not detected
    anomalies = stats.get("anomalies", {})
    counters = ("detector_evictions", "peer_pairs_dropped", "macs_dropped", "alerts_dropped", "sessions_evicted",
                "sessions_refused", "reassembly_overflows")
    limits = [f"{k}={stats[k]:,}" for k in counters if stats.get(k)]
    if stats.get("reassembly_gap_bytes"):
        limits.append(f"gap_kib={stats['reassembly_gap_bytes'] // 1024:,}")
    limits += [f"{k}={anomalies[k]:,}" for k in LIMIT_ANOMALIES if k in anomalies]
    rows.append((name, "defaults" if bounds == "-" else bounds.replace("--", ""),
                 f"{stats.get('packets', 0):,}" + ("" if packets_ok else f" (of {expected:,}!)"),
                 f"{seconds:.1f}", f"{cpu:.1f}", f"{rss_kib / 1024:.0f} MB", f"{stats.get('flows_evicted', 0):,}",
                 f"{stats.get('hosts_evicted', 0):,}", " ".join(limits) or "-",
                 ("yes" if detected else "NO") + ("" if status == "0" else f" (exit {status})"),
                 str(len(alerts))))

header = ("flood", "bounds", "packets", "wall s", "CPU s", "peak RSS", "flows evicted", "hosts evicted",
          "other limits counted", "attack detected", "alerts")
widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
for r in [header, tuple("-" * w for w in widths)] + rows:
    print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
sys.exit(1 if failed else 0)
EOF
