#!/usr/bin/env bash
# Real-peer DICOM captures (dcmtk 3.6.7) in network namespaces, captured on the lab bridge as a mirror port sees it.
#
#   Captures/dicom/dicom-store-query.pcap   C-ECHO, C-STORE x4 (PDVs fragmented), C-FIND (study root),
#                                           C-MOVE to WS1 (PACS1 opens a 2nd association to WS1:104), C-GET
#   Captures/dicom/dicom-reject-abort.pcap  A-ASSOCIATE-RJ (wrong called AE), A-ABORT after a C-STORE,
#                                           storescu killed mid-transfer (association ends inside a P-DATA-TF;
#                                           the kernel sends the orphaned socket's FIN ~0.2 s later, *before* the
#                                           last ~16 KB still queued, which follow as out-of-order segments; then
#                                           PACS1 sends A-ABORT and CT01 answers RST)
#
# Hosts (clinical segment 172.16.10.0/24, one broadcast domain, no router, so every frame crosses the bridge once):
#   pacs 172.16.10.10  dcmqrscp, AE PACS1, port 11112 (config: data/dcmqrscp.cfg.in)
#   ct01 172.16.10.21  modality, AE CT01 (storescu/echoscu)
#   ws1  172.16.10.31  reading workstation, AE WS1: storescp on port 104 (C-MOVE destination), findscu/movescu/getscu
# Images: data/*.dump -> dump2dcm, fake patients only (data/dicom-canaries.txt lists every value).
#
# Usage: Scripts/captures/dicom.sh   (as root on Debian 12; no network beyond the namespaces it creates;
#        LAB_PREFIX=xx runs the lab under other namespace names, e.g. beside another lab; the pcaps are the same)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DATA=$HERE/data
OUT=$ROOT/Captures/dicom

# shellcheck source=lab.sh
source "$HERE/lab.sh"
lab_install dcmtk tcpdump iproute2 ethtool

RUN=$(mktemp -d /tmp/ww-dicom.XXXXXX)
trap 'rm -rf "$RUN"' EXIT
# lab_up replaces the EXIT trap with lab_down, which calls this hook first and then kills everything in the lab.
lab_cleanup_hook() { rm -rf "$RUN"; }

PACS_IP=172.16.10.10
CT_IP=172.16.10.21
WS_IP=172.16.10.31
PORT=11112

# Deterministic 16-bit pixel pattern, 12 bits stored: genpix SEED SIZE OUTFILE (SIZE x SIZE pixels, little endian).
genpix() {
    local seed=$1 n=$2 out=$3 x y v b s=""
    for ((y = 0; y < n; y++)); do
        for ((x = 0; x < n; x++)); do
            v=$(((x * x * 64 / n + y * y * seed * 16 / n + seed * 97 + (x ^ y) * 3) & 0x0fff))
            printf -v b '\\x%02x\\x%02x' $((v & 255)) $((v >> 8))
            s+=$b
        done
    done
    printf '%b' "$s" >"$out"
}

# ---- images ---------------------------------------------------------------------------------------------------
mkdir -p "$RUN/img" "$RUN/pix" "$RUN/db/PACS1" "$RUN/ws1" "$RUN/get" "$OUT"
(
    cd "$RUN/pix"
    genpix 1 64 pixels-1.raw
    genpix 2 64 pixels-2.raw
    genpix 3 64 pixels-3.raw
    genpix 4 64 pixels-4.raw
    genpix 5 256 pixels-5.raw
    for d in "$DATA"/ct01-*.dump; do
        dump2dcm -q +te "$d" "$RUN/img/$(basename "$d" .dump).dcm"
    done
)
SMALL=("$RUN/img/ct01-doe-jane-1.dcm" "$RUN/img/ct01-doe-jane-2.dcm" "$RUN/img/ct01-test-patient-1.dcm"
    "$RUN/img/ct01-canary-1.dcm")
LARGE=$RUN/img/ct01-test-patient-2-large.dcm
STUDY_DOE=2.25.240613112676453253747830620889543167471
STUDY_TEST=2.25.290145575249418112660460649426711781009

sed -e "s#@RUN@#$RUN#g" -e "s#@WS1_HOST@#$WS_IP#g" -e "s#@CT01_HOST@#$CT_IP#g" \
    "$DATA/dcmqrscp.cfg.in" >"$RUN/dcmqrscp.cfg"

# ---- lab --------------------------------------------------------------------------------------------------------
lab_up
lab_host pacs "$PACS_IP/24"
lab_host ct01 "$CT_IP/24"
lab_host ws1 "$WS_IP/24"

# dcmqrscp in fork mode (its --single-process mode in 3.6.7 segfaults after the first release here).
lab_daemon pacs dcmqrscp dcmqrscp -c "$RUN/dcmqrscp.cfg" --disable-host-lookup -v
lab_daemon ws1 storescp storescp -aet WS1 --disable-host-lookup -od "$RUN/ws1" -v 104
lab_wait_listen pacs $PORT
lab_wait_listen ws1 104
step() {
    sleep 0.5
    lab_log "== $*"
}

# ---- capture 1: store / query / retrieve --------------------------------------------------------------------------
lab_capture_start "$OUT/dicom-store-query.pcap"
sleep 0.5
step "C-ECHO CT01 -> PACS1"
lab_run ct01 echoscu -aet CT01 -aec PACS1 "$PACS_IP" $PORT
step "C-STORE x4 CT01 -> PACS1 (PACS1 receives at most 4096-byte PDUs, so each 9 KB data set is 3 PDVs)"
lab_run ct01 storescu -aet CT01 -aec PACS1 --max-pdu 4096 "$PACS_IP" $PORT "${SMALL[@]}"
step "C-FIND study root WS1 -> PACS1"
lab_run ws1 findscu -S -aet WS1 -aec PACS1 --max-pdu 4096 \
    -k QueryRetrieveLevel=STUDY -k PatientName -k PatientID -k StudyDate -k StudyInstanceUID -k AccessionNumber \
    "$PACS_IP" $PORT
step "C-MOVE study DOE^JANE to WS1 (sub-association PACS1 -> WS1:104)"
lab_run ws1 movescu -S -aet WS1 -aec PACS1 -aem WS1 \
    -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=$STUDY_DOE "$PACS_IP" $PORT
step "C-GET study TEST^PATIENT WS1 <- PACS1 (C-STOREs on the same association)"
lab_run ws1 sh -c "cd '$RUN/get' && exec getscu -S -aet WS1 -aec PACS1 --max-pdu 4096 \
    -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=$STUDY_TEST $PACS_IP $PORT"
sleep 1
lab_capture_stop

# ---- capture 2: reject / abort / killed mid-transfer --------------------------------------------------------------
lab_capture_start "$OUT/dicom-reject-abort.pcap"
sleep 0.5
step "A-ASSOCIATE-RJ: CT01 calls PACS9 (not in the AETable)"
if lab_run ct01 echoscu -aet CT01 -aec PACS9 "$PACS_IP" $PORT; then
    echo "expected a rejection" >&2
    exit 1
fi
step "A-ABORT: CT01 stores one image, then aborts instead of releasing"
lab_run ct01 storescu --abort -aet CT01 -aec PACS1 "$PACS_IP" $PORT "${SMALL[3]}"
step "storescu killed mid-transfer (128 KB image, CT01 uplink shaped to 2 Mbit/s (tbf), small send buffer)"
CT_IF=$(lab_if ct01)
lab_run ct01 sysctl -qw net.ipv4.tcp_wmem="4096 32768 32768"
lab_run ct01 tc qdisc add dev "$CT_IF" root tbf rate 2mbit burst 4kb limit 512kb
lab_run ct01 storescu -aet CT01 -aec PACS1 "$PACS_IP" $PORT "$LARGE" &
KPID=$!
sleep 0.25
# lab_run wraps storescu (ip netns exec, unshare, taskset): kill the storescu process itself. Its command line
# holds this run's private directory, so the match cannot hit anything this script did not start.
STORESCU=$(pgrep -f -n "^storescu -aet CT01 -aec PACS1 $PACS_IP $PORT $LARGE\$" || true)
[[ -n $STORESCU ]] || { lab_log "storescu finished before the kill: no mid-transfer case"; exit 1; }
kill -9 "$STORESCU"
wait "$KPID" 2>/dev/null || true
lab_run ct01 tc qdisc del dev "$CT_IF" root
sleep 1.5
lab_capture_stop

ls -l "$OUT"/*.pcap
lab_log "dcmqrscp saw $(grep -c 'Association Received' "$LAB_STATE/dcmqrscp.log") associations;" \
    "WS1 received $(find "$RUN/ws1" -type f | wc -l) images by C-MOVE, getscu $(find "$RUN/get" -type f | wc -l) by C-GET"
