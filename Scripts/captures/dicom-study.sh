#!/usr/bin/env bash
# A real-peer DICOM bulk transfer (dcmtk 3.6.7) in network namespaces, captured on the lab bridge as a mirror port
# sees it: what a PACS link mostly carries.
#
#   Captures/dicom/dicom-ct-study.pcap   C-STORE of a six-slice CT series, 512 x 512 x 16 bit (512 KiB a slice),
#                                        CT01 -> PACS1 at the default maximum PDU (16 KiB) on a 1500-byte MTU: each
#                                        data set is 32 P-DATA-TF PDUs, each PDU about eleven TCP segments
#
# Hosts (clinical segment 172.16.10.0/24, as in dicom.sh):
#   pacs 172.16.10.10  storescp, AE PACS1, port 11112
#   ct01 172.16.10.21  modality, AE CT01 (storescu)
# Images: data/ct01-test-patient-2-large.dump with 512 x 512 pixels, new instance UIDs and slice positions; the
# fake patient TEST^PATIENT (data/dicom-canaries.txt lists every value). Pixels are a deterministic pattern.
#
# Usage: Scripts/captures/dicom-study.sh   (as root on Debian 12; no network beyond the namespaces it creates)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DATA=$HERE/data
OUT=$ROOT/Captures/dicom

# shellcheck source=lab.sh
source "$HERE/lab.sh"
lab_install dcmtk tcpdump iproute2 ethtool python3

RUN=$(mktemp -d /tmp/ww-dicom-study.XXXXXX)
trap 'rm -rf "$RUN"' EXIT
lab_cleanup_hook() { rm -rf "$RUN"; }

PACS_IP=172.16.10.10
CT_IP=172.16.10.21
PORT=11112
SLICES=6
SIZE=512
SERIES_UID=2.25.170245196013838862061707372339557521901

# ---- images -------------------------------------------------------------------------------------------------------
mkdir -p "$RUN/img" "$RUN/pacs"
python3 - "$RUN" "$SLICES" "$SIZE" <<'EOF'
import struct, sys
run, slices, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for s in range(1, slices + 1):
    # A head-like disc of soft tissue with a brighter rim and a slice-dependent texture, 12 bits stored.
    rows = []
    for y in range(n):
        dy = y - n // 2
        row = bytearray()
        for x in range(n):
            dx = x - n // 2
            r2 = dx * dx + dy * dy
            v = 0 if r2 > (n * 45 // 100) ** 2 else 1040 + ((x * 7 + y * 3 + s * 11) & 0x3F)
            if (n * 42 // 100) ** 2 < r2 <= (n * 45 // 100) ** 2:
                v = 2000 + (s * 13 & 0xFF)
            row += struct.pack('<H', v & 0x0FFF)
        rows.append(bytes(row))
    with open(f"{run}/img/slice-{s}.raw", "wb") as f:
        f.write(b"".join(rows))
EOF
for ((s = 1; s <= SLICES; s++)); do
    sed -e "s#^(0008,0018) UI \[[0-9.]*\]#(0008,0018) UI [$SERIES_UID.$s]#" \
        -e "s#^(0020,000e) UI \[[0-9.]*\]#(0020,000e) UI [$SERIES_UID]#" \
        -e "s#^(0020,0011) IS \[2\]#(0020,0011) IS [3]#" \
        -e "s#^(0020,0013) IS \[1\]#(0020,0013) IS [$s]#" \
        -e "s#^(0020,0032) DS \[0\\\\0\\\\0\]#(0020,0032) DS [0\\\\0\\\\$((s * 5))]#" \
        -e "s#^(0008,103e) LO \[FAKE SERIES 2\]#(0008,103e) LO [FAKE SERIES 3]#" \
        -e "s#^(0028,0010) US 256#(0028,0010) US $SIZE#" -e "s#^(0028,0011) US 256#(0028,0011) US $SIZE#" \
        -e "s#=pixels-5.raw#=slice-$s.raw#" \
        "$DATA/ct01-test-patient-2-large.dump" >"$RUN/img/slice-$s.dump"
    (cd "$RUN/img" && dump2dcm -q +te "slice-$s.dump" "slice-$s.dcm")
done
grep -q "UI \[$SERIES_UID.1\]" "$RUN/img/slice-1.dump" || { echo "dicom-study: the dump template changed" >&2; exit 1; }

# ---- lab ----------------------------------------------------------------------------------------------------------
lab_up
lab_host pacs "$PACS_IP/24"
lab_host ct01 "$CT_IP/24"
lab_daemon pacs storescp storescp -aet PACS1 --disable-host-lookup -od "$RUN/pacs" -v $PORT
lab_wait_listen pacs $PORT

lab_capture_start "$OUT/dicom-ct-study.pcap"
sleep 0.5
lab_log "== C-STORE x$SLICES CT01 -> PACS1 (512 KiB data sets at 16 KiB PDUs)"
lab_run ct01 storescu -aet CT01 -aec PACS1 "$PACS_IP" $PORT "$RUN"/img/slice-*.dcm
sleep 1
lab_capture_stop

stored=$(find "$RUN/pacs" -type f | wc -l)
[[ $stored -eq $SLICES ]] || { echo "dicom-study: PACS1 stored $stored of $SLICES images" >&2; exit 1; }
ls -l "$OUT/dicom-ct-study.pcap"
