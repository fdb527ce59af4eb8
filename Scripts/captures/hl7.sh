#!/usr/bin/env bash
# hl7.sh: real-peer capture of HL7 v2.5 over MLLP (python-hl7 sender, hl7apy listener) for WardWatch.
#
# Output: Captures/hl7/hl7-mllp.pcap, Captures/hl7/hl7-mllp.expected.tsv (one row per message and its ACK),
# and the fake patient values merged into Captures/PRIVACY-CANARIES.txt. Run as root via
# Scripts/make-captures.sh (which installs the tools), or directly: sudo Scripts/captures/hl7.sh
#
# Lab (lab.sh, one flat bridge; no router):
#   engine  172.16.10.30  clinical segment: interface engine, hl7_sender.py (python-hl7 MLLPClient)
#   his     172.16.20.40  business segment: HIS, hl7_listener.py (hl7apy MLLPServer, keeps connections open), :2575
# Two connections (fixed source ports 41001, 41002): five messages ACKed AA on the first (ADT^A01 x2, ADT^A08,
# ORM^O01, a 3.3 KB ORU^R01 spanning three TCP segments), one ADT^A08 for a never-admitted patient NAKed AE on
# the second. Both close normally (Zeek conn_state SF).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT_DIR="$ROOT/Captures/hl7"
PCAP="$OUT_DIR/hl7-mllp.pcap"
TSV="$OUT_DIR/hl7-mllp.expected.tsv"
CANARIES="$ROOT/Captures/PRIVACY-CANARIES.txt"
PORT=2575

# shellcheck source=lab.sh
source "$HERE/lab.sh"

WORK=$(mktemp -d /tmp/wardwatch-hl7.XXXXXX)
lab_cleanup_hook() { [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$WORK"; }

for c in "$LAB_PYTHON" tshark; do
    command -v "$c" >/dev/null || { echo "hl7.sh: missing $c (run Scripts/make-captures.sh)" >&2; exit 1; }
done
"$LAB_PYTHON" -c 'import hl7, hl7apy' || { echo "hl7.sh: pip install hl7 hl7apy (Scripts/make-captures.sh)" >&2; exit 1; }

lab_up
lab_host engine 172.16.10.30/24
lab_host his 172.16.20.40/24
lab_daemon his hl7-listener "$LAB_PYTHON" -u "$HERE/hl7_listener.py" 0.0.0.0 "$PORT"
lab_wait_listen his "$PORT"
lab_settle 2

lab_capture_start "$WORK/hl7-mllp.pcap"
lab_run engine "$LAB_PYTHON" "$HERE/hl7_sender.py" send his.ward.test "$PORT"
sleep 1
lab_capture_stop

# Expected table: from the sender's plan (what was sent and which ACK code the HIS must answer).
{
    echo "# Captures/hl7/hl7-mllp.pcap: every HL7 message, in order, and the MSA-1 code of its ACK (Scripts/captures/hl7.sh)."
    echo "# orig 172.16.10.30 (engine) -> resp 172.16.20.40:2575 (HIS); ACK MSH-10 is \"ACK\" + msg_control_id, MSA-2 = msg_control_id."
    echo "# message_bytes excludes the MLLP framing (<VT> before, <FS><CR> after: 3 bytes). Both TCP connections are SF."
    "$LAB_PYTHON" "$HERE/hl7_sender.py" table
} >"$WORK/hl7-mllp.expected.tsv"

lab_log "checking the capture: messages, ACKs, connection states, segmentation, canaries"
"$LAB_PYTHON" "$HERE/hl7_sender.py" canaries >"$WORK/canaries"
"$LAB_PYTHON" "$HERE/check_hl7.py" "$WORK/hl7-mllp.pcap" "$WORK/hl7-mllp.expected.tsv" "$WORK/canaries"
"$LAB_PYTHON" "$HERE/check_conns.py" "$WORK/hl7-mllp.pcap" /dev/stdin <<'EOF'
proto	orig_ip	orig_port	resp_ip	resp_port	conn_state
tcp	172.16.10.30	41001	172.16.20.40	2575	SF
tcp	172.16.10.30	41002	172.16.20.40	2575	SF
EOF
# The ORU^R01 must span several TCP segments.
segs=$(tshark -n -r "$WORK/hl7-mllp.pcap" -Y "tcp.srcport==41001 && tcp.len > 1400" -T fields -e tcp.len 2>/dev/null | wc -l)
((segs >= 2)) || { echo "hl7.sh: expected the ORU^R01 to fill at least two full-size segments" >&2; exit 1; }

# Only lab addresses may appear.
leaks=$(tshark -n -r "$WORK/hl7-mllp.pcap" -T fields -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst 2>/dev/null |
    tr '\t' '\n' | sed '/^$/d' | sort -u | grep -vE '^172\.16\.(10|20|30)\.[0-9]+$' || true)
[[ -z "$leaks" ]] || { echo "hl7.sh: non-lab addresses in capture: $leaks" >&2; exit 1; }

mkdir -p "$OUT_DIR"
mv "$WORK/hl7-mllp.pcap" "$PCAP"
mv "$WORK/hl7-mllp.expected.tsv" "$TSV"
touch "$CANARIES"
sort -u "$CANARIES" "$WORK/canaries" | sed '/^$/d' >"$WORK/canaries.all"
cat "$WORK/canaries.all" >"$CANARIES"
lab_log "wrote $PCAP ($(tshark -n -r "$PCAP" 2>/dev/null | wc -l) packets), $TSV, $CANARIES"
