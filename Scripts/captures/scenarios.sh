#!/usr/bin/env bash
# Labelled detection scenarios with real peers in network namespaces (issue "Detection": `make eval`).
#
#   Captures/scenarios/benign-day.pcap                 ~150 s of normal work, no attack (header-only truth):
#                                                      ARP (every host pings the gateway, one gratuitous ARP),
#                                                      DICOM (dcmtk) C-ECHO/C-STORE CT01->PACS1, C-FIND WS1 and
#                                                      NURSE1, C-MOVE to WS1, HL7 ADT^A01 + ORU^R01 (python-hl7 ->
#                                                      hl7apy), SMB office use (SMB2.1, SMB3, SMB3 encrypted) incl.
#                                                      new zips and JPEGs, and one 2 MiB random "nightly backup",
#                                                      a vendor-VPN ssh session to CT01. Everything happens once in
#                                                      the first 60 s (the warm-up the site file sets) and again after.
#   Captures/scenarios/ransomware-smb2.pcap            ws-ward07 saves 24 documents (SMB 2.1), then a new SMB 2.1
#                                                      session overwrites each with random bytes, renames it to
#                                                      *.locked and drops README-RESTORE-FILES.txt
#   Captures/scenarios/ransomware-smb3-encrypted.pcap  the same over SMB 3.1.1 with --client-protection=encrypt
#   Captures/scenarios/lateral-movement-vpn.pcap       vpn01 (172.16.30.15) quiet ~20 s, then TCP to 17 internal
#                                                      hosts on 445/3389/135/22 (bash /dev/tcp; most REJ)
#   Captures/scenarios/unknown-device-dicom.pcap       a new Philips-OUI MAC (172.16.10.55) sends C-ECHO + C-STORE as
#                                                      AE US_NEW01 to PACS1
#   Captures/scenarios/arp-flip-flop.pcap              nurse1 claims the PACS's IP with unsolicited ARP (arping -U)
#   Captures/scenarios/internet-separation.pcap        ws1 (clinical) opens TCP to 198.51.100.80:443, an "internet"
#                                                      address held by the lab gateway namespace
#   Captures/scenarios/bulk-export-cmove.pcap          ws-reg01 C-MOVEs a 520-instance study from PACS1 to a new
#                                                      destination AE EXPORT1 (storescp on ws-reg01:11113)
# Each <name>.truth.tsv: attack_start (RFC 3339 UTC packet time read back from the capture with tshark),
# attacker_ip, expected_rule; lines starting with '#' are comments; benign-day has the header only.
# Captures/scenarios/site.yaml (hand-written, not generated) is the site file the eval uses.
#
# Usage: Scripts/captures/scenarios.sh   (root, Debian 12; no network beyond the namespaces it creates)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DATA=$HERE/data
OUT=$ROOT/Captures/scenarios

# shellcheck source=lab.sh
source "$HERE/lab.sh"
lab_install samba smbclient dcmtk tcpdump tshark iproute2 ethtool zip socat iputils-arping iputils-ping wireshark-common
"$LAB_PYTHON" -c 'import hl7, hl7apy' || { echo "scenarios.sh: pip install hl7 hl7apy" >&2; exit 1; }

SMB_USER=wwclerk
SMB_PASS='Lab-Only-Not-A-Secret-1'
PORT=11112
INTERNET_IP=198.51.100.80

# Hosts: name ip mac ("" = lab default 02:57:57:...). Vendor OUIs for the declared PACS/CT (site.yaml).
PACS_MAC=00:0b:db:10:00:0a   # Dell
CT_MAC=00:01:e3:10:00:15     # Siemens
US_MAC=00:09:5c:10:00:37     # Philips Medical Systems: the unknown device
HOSTS=(
    "gw 172.16.10.1 ''"
    "pacs 172.16.10.10 $PACS_MAC"
    "ct01 172.16.10.21 $CT_MAC"
    "engine 172.16.10.30 ''"
    "ws1 172.16.10.31 ''"
    "nurse1 172.16.10.40 ''"
    "cl-ws41 172.16.10.41 ''"
    "cl-ws42 172.16.10.42 ''"
    "filesrv01 172.16.20.10 ''"
    "ws-reg01 172.16.20.31 ''"
    "his 172.16.20.40 ''"
    "ws-ward07 172.16.20.57 ''"
    "backup01 172.16.20.60 ''"
    "biz-ws71 172.16.20.71 ''"
    "biz-ws72 172.16.20.72 ''"
    "biz-ws73 172.16.20.73 ''"
    "biz-prn80 172.16.20.80 ''"
    "vpn01 172.16.30.15 ''"
)
US_IP=172.16.10.55 # the unknown device: created only for its scenario (its namespace stays silent until then)

RUN=$(mktemp -d /tmp/ww-scen.XXXXXX)
chmod 0755 "$RUN"
trap 'rm -rf "$RUN"' EXIT
lab_cleanup_hook() {
    lab_stop smbd >/dev/null 2>&1 || true
    rm -rf "$RUN"
}

id "$SMB_USER" >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SMB_USER"

step() { lab_log "== $*"; }

# ---- SMB server state ------------------------------------------------------------------------------------------------
mkdir -p "$RUN"/{private,lock,state,cache,pid,ncalrpc,bind-dns,log} "$RUN/shares/clinic" "$RUN/shares/finance"
chmod 0700 "$RUN/private"
chown "$SMB_USER:" "$RUN/shares/clinic" "$RUN/shares/finance"
sed -e "s#@RUN@#$RUN#g" -e "s#@ADDR@#172.16.20.10/24#g" "$DATA/smb-server.conf.in" >"$RUN/smb.conf"
testparm -s "$RUN/smb.conf" >/dev/null 2>&1 || { testparm -s "$RUN/smb.conf"; exit 1; }
printf '%s\n%s\n' "$SMB_PASS" "$SMB_PASS" | smbpasswd -c "$RUN/smb.conf" -s -a "$SMB_USER" >/dev/null
CLIENT_CONF=$DATA/smb-client.conf

# ---- client-side files -------------------------------------------------------------------------------------------------
jpeg() { # OUT: JFIF header + 48 KiB random + EOI (a photo is compressed: high entropy, like a real JPEG)
    {
        printf '\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00'
        head -c 49152 /dev/urandom
        printf '\xff\xd9'
    } >"$1"
}
mkdir -p "$RUN/office" "$RUN/back"
(
    cd "$RUN/office"
    for i in $(seq 1 80); do printf 'Registration desk log %03d: TEST DATA ONLY, nothing real.\n' "$i"; done >desk-log.txt
    for i in $(seq 1 150); do printf '%04d,TEST-ITEM-%04d,%d\n' "$i" "$i" $((i % 9 + 1)); done >supply-order.csv
    for n in 1 2 3 4 5 6; do
        for i in $(seq 1 40); do printf 'Form %d line %03d: TEST DATA ONLY %s\n' "$n" "$i" "$(head -c 24 /dev/urandom | base64)"; done >"form-$n.txt"
        zip -q -X "forms-$n.zip" "form-$n.txt"
    done
    for n in 1 2 3 4 5 6 7 8; do jpeg "scan-$n.jpg"; done
    head -c 2097152 /dev/urandom >backup-nightly.tar.gz # compressed backup: random content, written once
)
# Ward documents (victims) and their "encrypted" versions (random bytes of the same size).
NVICTIM=24
mkdir -p "$RUN/ward/plain" "$RUN/ward/enc"
VICTIMS=()
for i in $(seq 1 $NVICTIM); do
    f=$(printf 'ward7-doc-%02d.txt' "$i")
    VICTIMS+=("$f")
    for j in $(seq 1 $((30 + i * 4))); do
        printf 'Ward 7 document %02d line %03d: TEST DATA ONLY, nothing real here.\n' "$i" "$j"
    done >"$RUN/ward/plain/$f"
    head -c "$(stat -c %s "$RUN/ward/plain/$f")" /dev/urandom >"$RUN/ward/enc/$f"
done
cat >"$RUN/ward/README-RESTORE-FILES.txt" <<'EOF'
THIS IS A TEST FILE FROM THE WARDWATCH LAB (Scripts/captures/scenarios.sh).
No files were harmed: this capture imitates a ransomware note so the sensor can be tested.
EOF

# ---- DICOM images (fake patients only: TEST^PATIENT / FAKEPID0002, already in PRIVACY-CANARIES.txt) ------------------
"$LAB_PYTHON" - "$RUN/pix.raw" <<'EOF'
import sys
open(sys.argv[1], "wb").write(bytes(((x * 7 + y * 13) & 0xFF) for y in range(16) for x in range(32)))
EOF
mkdcm() { # OUT STUDY SERIES SOP INSTANCE STATION
    cat >"$RUN/tmp.dump" <<EOF
(0008,0005) CS [ISO_IR 100]
(0008,0008) CS [ORIGINAL\\PRIMARY\\AXIAL]
(0008,0016) UI =CTImageStorage
(0008,0018) UI [$4]
(0008,0020) DA [20240103]
(0008,0030) TM [093000]
(0008,0050) SH [FAKEACC0002]
(0008,0060) CS [CT]
(0008,0070) LO [WARDWATCH TEST LAB]
(0008,1010) SH [$6]
(0010,0010) PN [TEST^PATIENT]
(0010,0020) LO [FAKEPID0002]
(0020,000d) UI [$2]
(0020,000e) UI [$3]
(0020,0010) SH [FAKESTUDY9]
(0020,0011) IS [1]
(0020,0013) IS [$5]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US 16
(0028,0011) US 16
(0028,0100) US 16
(0028,0101) US 12
(0028,0102) US 11
(0028,0103) US 0
(7fe0,0010) OW =$RUN/pix.raw
EOF
    dump2dcm -q +te "$RUN/tmp.dump" "$1"
}
mkdir -p "$RUN/img/day" "$RUN/img/export" "$RUN/img/us" "$RUN/db/PACS1" "$RUN/ws1" "$RUN/export"
STUDY_DAY=2.25.111111111111111111111111111111111101
STUDY_EXPORT=2.25.111111111111111111111111111111111102
for i in 1 2 3 4; do mkdcm "$RUN/img/day/ct-$i.dcm" $STUDY_DAY $STUDY_DAY.1 "$STUDY_DAY.1.$i" "$i" CT01; done
NEXPORT=520
for i in $(seq 1 $NEXPORT); do
    mkdcm "$RUN/img/export/ex-$i.dcm" $STUDY_EXPORT $STUDY_EXPORT.1 "$STUDY_EXPORT.1.$i" "$i" CT01
done
mkdcm "$RUN/img/us/us-1.dcm" 2.25.111111111111111111111111111111111103 2.25.111111111111111111111111111111111103.1 \
    2.25.111111111111111111111111111111111103.1.1 1 US_NEW01
cat >"$RUN/dcmqrscp.cfg" <<EOF
NetworkTCPPort  = $PORT
MaxPDUSize      = 16384
MaxAssociations = 16

HostTable BEGIN
ws1     = (WS1,     172.16.10.31, 104)
export1 = (EXPORT1, 172.16.20.31, 11113)
HostTable END

VendorTable BEGIN
VendorTable END

AETable BEGIN
PACS1      $RUN/db/PACS1       RW      (20, 256mb)       ANY
AETable END
EOF

# ---- HL7 sender (python-hl7), ephemeral ports, two messages on one connection ----------------------------------------
cat >"$RUN/hl7send.py" <<EOF
import sys
sys.path.insert(0, "$HERE")
import hl7, hl7.client
import hl7_sender as s
tag = sys.argv[3]
with hl7.client.MLLPClient(sys.argv[1], int(sys.argv[2])) as c:
    for m in (s.adt("A01", "FAKEPID0001", "20240103093000", "SCA01" + tag), s.oru("FAKEPID0001", "20240103101500", "SCO01" + tag)):
        ack = hl7.parse(c.send_message(m).strip(b"\x0b\x1c\r").decode())
        print(ack.segment("MSA")[1], ack.segment("MSA")[2])
EOF

# ---- lab ----------------------------------------------------------------------------------------------------------------
lab_up
for h in "${HOSTS[@]}"; do
    read -r name ip mac <<<"$h"
    [[ $mac == "''" ]] && mac=""
    lab_host "$name" "$ip/24" "$mac"
done
# The gateway namespace also holds an "internet" address (documentation range; the lab has no uplink).
ip -n "$(lab_ns gw)" addr add "$INTERNET_IP/32" dev eth0
ip -n "$(lab_ns ws1)" route add 198.51.100.0/24 via 172.16.10.1

# Bulk senders are shaped to 30 Mbit/s: on a busy 2-core machine tcpdump (pinned to CPU 0 with the lab) otherwise
# drops frames of the 2 MiB backup burst.
for h in filesrv01 backup01 ws-reg01 ws-ward07 pacs; do
    ip netns exec "$(lab_ns "$h")" tc qdisc add dev eth0 root tbf rate 30mbit burst 16kb latency 200ms
done

lab_daemon filesrv01 smbd smbd -F --no-process-group -s "$RUN/smb.conf" -d 1
lab_daemon pacs dcmqrscp dcmqrscp -c "$RUN/dcmqrscp.cfg" --disable-host-lookup
lab_daemon ws1 storescp storescp -aet WS1 --disable-host-lookup -od "$RUN/ws1" 104
lab_daemon his hl7 "$LAB_PYTHON" -u "$HERE/hl7_listener.py" 0.0.0.0 2575
lab_daemon ct01 sshd-like socat TCP-LISTEN:22,fork,reuseaddr SYSTEM:'echo SSH-2.0-LabOnly_not_ssh; sleep 1'
lab_daemon gw web socat TCP-LISTEN:443,bind=$INTERNET_IP,fork,reuseaddr SYSTEM:'sleep 1; echo lab-only'
lab_wait_listen filesrv01 445
lab_wait_listen pacs $PORT
lab_wait_listen ws1 104
lab_wait_listen his 2575
lab_wait_listen ct01 22
lab_wait_listen gw 443

# Preload the PACS with the export study (not captured: it is the PACS's archive, not part of any scenario).
step "preloading $NEXPORT instances into PACS1 (not captured)"
lab_run ct01 storescu -aet CT01 -aec PACS1 "172.16.10.10" $PORT "$RUN"/img/export/*.dcm
lab_run ct01 storescu -aet CT01 -aec PACS1 "172.16.10.10" $PORT "$RUN"/img/day/*.dcm
ip netns exec "$(lab_ns ct01)" ip neigh flush all
sleep 1

# ---- activity helpers -----------------------------------------------------------------------------------------------------
smbc() { # HOST LOCALDIR SHARE ARGS... -- COMMANDS
    local host=$1 dir=$2 share=$3
    shift 3
    local args=()
    while (($#)) && [[ $1 != -- ]]; do
        args+=("$1")
        shift
    done
    shift
    lab_log "smb $host //172.16.20.10/$share ${args[*]}: $*"
    lab_run "$host" sh -c 'cd "$1" && shift && exec "$@"' _ "$dir" \
        smbclient -s "$CLIENT_CONF" -U "$SMB_USER%$SMB_PASS" -p 445 "${args[@]}" "//172.16.20.10/$share" -c "$*" >/dev/null
}
dicom_day() { # routine modality and reading-room traffic
    lab_run ct01 echoscu -aet CT01 -aec PACS1 172.16.10.10 $PORT
    lab_run ct01 storescu -aet CT01 -aec PACS1 172.16.10.10 $PORT "$RUN/img/day/ct-1.dcm" "$RUN/img/day/ct-2.dcm"
    lab_run ws1 findscu -S -aet WS1 -aec PACS1 -k QueryRetrieveLevel=STUDY -k PatientID -k StudyInstanceUID \
        172.16.10.10 $PORT >/dev/null 2>&1
    lab_run ws1 movescu -S -aet WS1 -aec PACS1 -aem WS1 -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=$STUDY_DAY \
        172.16.10.10 $PORT
    lab_run nurse1 findscu -S -aet NURSE1 -aec PACS1 -k QueryRetrieveLevel=STUDY -k PatientID=FAKEPID0002 \
        -k StudyInstanceUID 172.16.10.10 $PORT >/dev/null 2>&1
}
HL7N=0
hl7_day() {
    HL7N=$((HL7N + 1))
    lab_run engine "$LAB_PYTHON" "$RUN/hl7send.py" 172.16.20.40 2575 "$HL7N" >/dev/null
}
background() { # a little routine traffic so scenario captures are not empty around the attack
    dicom_day
    hl7_day
}

ts_first() { # PCAP DISPLAY-FILTER: RFC 3339 UTC time of the first matching packet
    local t
    t=$(tshark -n -r "$1" -o tcp.analyze_sequence_numbers:FALSE -Y "$2" -T fields -e frame.time_epoch 2>/dev/null | head -n 1)
    [[ -n $t ]] || { lab_log "ERROR: no packet matches '$2' in $1"; return 1; }
    "$LAB_PYTHON" -c 'import sys, datetime as d; t = d.datetime.fromtimestamp(float(sys.argv[1]), d.timezone.utc); print(t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))' "$t"
}
truth() { # NAME [COMMENT] then rows on stdin
    {
        printf 'attack_start\tattacker_ip\texpected_rule\n'
        [[ -n ${2:-} ]] && printf '# %s\n' "$2"
        cat
    } >"$OUT/$1.truth.tsv"
}
victims_put() { printf 'put %s; ' "${VICTIMS[@]}"; }
victims_encrypt() {
    local f
    for f in "${VICTIMS[@]}"; do printf 'put %s; rename %s %s.locked; ' "$f" "$f" "$f"; done
}

mkdir -p "$OUT"

# ---- benign day --------------------------------------------------------------------------------------------------------------
benign_round() { # ROUND
    local r=$1 h
    step "benign round $r: ARP + ICMP to the gateway from every host"
    for h in "${HOSTS[@]}"; do
        read -r name _ <<<"$h"
        [[ $name == gw ]] && continue
        lab_run "$name" ping -c 1 -W 1 172.16.10.1 >/dev/null || true
    done
    step "benign round $r: DICOM, HL7"
    dicom_day
    hl7_day
    step "benign round $r: SMB office use"
    smbc ws-reg01 "$RUN/office" clinic -m SMB2_10 -- \
        "mkdir desk$r; cd desk$r; put desk-log.txt; put supply-order.csv; put forms-$r.zip; put scan-$r.jpg; ls;" \
        "lcd $RUN/back; get desk-log.txt; get scan-$r.jpg"
    smbc ws-reg01 "$RUN/office" finance -m SMB3_11 --client-protection=encrypt -- \
        "put supply-order.csv supply-$r.csv; ls; lcd $RUN/back; get supply-$r.csv"
    smbc ws-ward07 "$RUN/ward/plain" clinic -m SMB3_11 -- \
        "mkdir ward7-day$r; cd ward7-day$r; put ${VICTIMS[0]}; put ${VICTIMS[1]}; put ${VICTIMS[2]}; ls;" \
        "rename ${VICTIMS[2]} ward7-doc-final.txt; lcd $RUN/back; get ${VICTIMS[0]}"
    smbc ws-ward07 "$RUN/ward/plain" clinic -m SMB3_11 --client-protection=encrypt -- \
        "cd ward7-day$r; put ${VICTIMS[3]}; ls"
    smbc backup01 "$RUN/office" clinic -m SMB3_11 -- "ls"
    step "benign round $r: vendor VPN maintenance session to CT01:22"
    lab_run vpn01 bash -c 'exec 3<>/dev/tcp/172.16.10.21/22; head -c 40 <&3 >/dev/null; exec 3<&-' || true
}
step "capture: benign-day"
lab_capture_start "$OUT/benign-day.pcap"
T0=$SECONDS
benign_round 1
sleep $((75 - (SECONDS - T0) > 0 ? 75 - (SECONDS - T0) : 1)) # past the 60 s warm-up of site.yaml
benign_round 2
step "benign: office user saves new zips and JPEGs (new files, not overwrites)"
smbc ws-reg01 "$RUN/office" clinic -m SMB3_11 -- \
    "mkdir photos; cd photos; put scan-3.jpg; put scan-4.jpg; put scan-5.jpg; put scan-6.jpg; put scan-7.jpg; put scan-8.jpg;" \
    "put forms-3.zip; put forms-4.zip; put forms-5.zip; put forms-6.zip; ls"
sleep 5
step "benign: gateway gratuitous ARP (its own address)"
lab_run gw arping -q -U -c 2 -I eth0 172.16.10.1 || true
sleep 10
hl7_day
step "benign: nightly compressed backup (2 MiB random, written once)"
smbc backup01 "$RUN/office" clinic -m SMB3_11 -- "mkdir backup; cd backup; put backup-nightly.tar.gz backup-20240103.tar.gz; ls"
sleep 10
dicom_day
sleep 20
benign_round 3
sleep 3
lab_capture_stop
truth benign-day "no attack: every alert here is a false alert" </dev/null

# ---- ransomware over SMB 2.1 ----------------------------------------------------------------------------------------------
ransomware() { # NAME DIR SMBARGS...
    local name=$1 dir=$2
    shift 2
    step "capture: $name"
    lab_capture_start "$OUT/$name.pcap"
    background
    step "$name: ws-ward07 saves $NVICTIM ward documents ($*)"
    smbc ws-ward07 "$RUN/ward/plain" clinic "$@" -- "mkdir $dir; cd $dir; $(victims_put) ls"
    sleep 5
    hl7_day
    sleep 8
    step "$name: ws-ward07 overwrites $NVICTIM documents with random bytes, renames them *.locked, drops a note"
    smbc ws-ward07 "$RUN/ward/enc" clinic "$@" -- \
        "cd $dir; $(victims_encrypt) lcd $RUN/ward; put README-RESTORE-FILES.txt; ls"
    sleep 3
    background
    lab_capture_stop
}
ransomware ransomware-smb2 ward7-a -m SMB2_10
# The attack session is ws-ward07's last TCP connection to 445; its first SMB2 WRITE request is the first overwrite.
P=$OUT/ransomware-smb2.pcap
S=$(tshark -n -r "$P" -Y 'ip.src==172.16.20.57 && tcp.dstport==445 && tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -e tcp.stream | tail -n 1)
printf '%s\t172.16.20.57\tsmb_ransomware\n' "$(ts_first "$P" "tcp.stream==$S && smb2.cmd==9 && smb2.flags.response==0")" |
    truth ransomware-smb2 "attack_start: first SMB2 WRITE request of the attack session (first overwrite)"

ransomware ransomware-smb3-encrypted ward7-b -m SMB3_11 --client-protection=encrypt
# Encrypted: commands are hidden; the attack session is ws-ward07's last connection to 445: its first SMB2
# TRANSFORM frame after the session setup is as close to the first overwrite as the wire shows.
P=$OUT/ransomware-smb3-encrypted.pcap
S=$(tshark -n -r "$P" -Y 'ip.src==172.16.20.57 && tcp.dstport==445 && tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -e tcp.stream | tail -n 1)
printf '%s\t172.16.20.57\tsmb_ransomware\n' "$(ts_first "$P" "tcp.stream==$S && tcp.dstport==445 && smb2.header.transform.signature")" |
    truth ransomware-smb3-encrypted "attack_start: first SMB2 TRANSFORM request of the attack session (contents encrypted)"

# ---- lateral movement from the vendor VPN ---------------------------------------------------------------------------------
step "capture: lateral-movement-vpn"
P=$OUT/lateral-movement-vpn.pcap
lab_capture_start "$P"
background
sleep 10
background
step "lateral: vpn01 (quiet so far) connects to 17 internal hosts on 445/3389/135/22"
TARGETS="172.16.10.1 172.16.10.10 172.16.10.30 172.16.10.31 172.16.10.40 172.16.10.41 172.16.10.42 172.16.20.10
172.16.20.31 172.16.20.40 172.16.20.57 172.16.20.60 172.16.20.71 172.16.20.72 172.16.20.73 172.16.20.80 172.16.10.21"
# shellcheck disable=SC2016
lab_run vpn01 bash -c 'for h in $1; do for p in 445 3389 135 22; do
    timeout 1 bash -c "exec 3<>/dev/tcp/$h/$p" 2>/dev/null || true; done; sleep 1.5; done' _ "$(echo $TARGETS)"
sleep 3
background
lab_capture_stop
printf '%s\t172.16.30.15\tlateral_movement\n' \
    "$(ts_first "$P" 'ip.src==172.16.30.15 && tcp.flags.syn==1 && tcp.flags.ack==0 && !(ip.dst==172.16.10.21 && tcp.dstport==22)')" |
    truth lateral-movement-vpn "attack_start: vpn01's first SYN to a host it never contacted"

# ---- unknown device with an unfamiliar AE title ---------------------------------------------------------------------------
step "capture: unknown-device-dicom"
P=$OUT/unknown-device-dicom.pcap
lab_host usnew "$US_IP/24"
lab_capture_start "$P"
background
sleep 3
step "unknown device: set a Philips OUI MAC and send C-ECHO + C-STORE as US_NEW01"
ip -n "$(lab_ns usnew)" link set dev eth0 address $US_MAC
lab_run usnew echoscu -aet US_NEW01 -aec PACS1 172.16.10.10 $PORT
lab_run usnew storescu -aet US_NEW01 -aec PACS1 172.16.10.10 $PORT "$RUN/img/us/us-1.dcm"
sleep 3
background
lab_capture_stop
{
    printf '%s\t%s\tunknown_mac\n' "$(ts_first "$P" "eth.src==$US_MAC")" $US_IP
    printf '%s\t%s\tdicom_unknown_ae\n' "$(ts_first "$P" "ip.src==$US_IP && tcp.dstport==$PORT && tcp.len>0")" $US_IP
} | truth unknown-device-dicom "attack_start: first frame from the new MAC; first A-ASSOCIATE-RQ from it"

# ---- ARP flip-flop ----------------------------------------------------------------------------------------------------------
step "capture: arp-flip-flop"
P=$OUT/arp-flip-flop.pcap
NURSE_MAC=$(lab_mac nurse1)
lab_capture_start "$P"
for h in ct01 ws1 nurse1; do ip netns exec "$(lab_ns $h)" ip neigh flush all; done
background # the PACS answers ARP with its own MAC
sleep 3
step "arp: nurse1 ($NURSE_MAC) announces 172.16.10.10 (the PACS) as its own"
# arping -U needs the address on the interface (arping -s alone fails to bind), as a real spoofer's would be.
ip -n "$(lab_ns nurse1)" addr add 172.16.10.10/32 dev eth0
lab_run nurse1 arping -q -U -c 3 -I eth0 172.16.10.10 || true
sleep 2
ip -n "$(lab_ns nurse1)" addr del 172.16.10.10/32 dev eth0 2>/dev/null || true
for h in ct01 ws1; do ip netns exec "$(lab_ns $h)" ip neigh flush all; done
lab_run ct01 echoscu -aet CT01 -aec PACS1 172.16.10.10 $PORT # the real PACS answers ARP again
sleep 2
lab_capture_stop
printf '%s\t172.16.10.10\tarp_spoof\n' "$(ts_first "$P" "arp && eth.src==$NURSE_MAC && arp.src.proto_ipv4==172.16.10.10")" |
    truth arp-flip-flop "attacker_ip is the claimed IP (the PACS's): arp_spoof alerts name it and the attacker's MAC $NURSE_MAC (nurse1 172.16.10.40)"

# ---- internet separation ------------------------------------------------------------------------------------------------------
step "capture: internet-separation"
P=$OUT/internet-separation.pcap
lab_capture_start "$P"
background
sleep 3
step "internet: ws1 (clinical) opens TCP to $INTERNET_IP:443"
lab_run ws1 bash -c "exec 3<>/dev/tcp/$INTERNET_IP/443; printf 'GET / HTTP/1.0\r\n\r\n' >&3; head -c 100 <&3 >/dev/null"
sleep 2
background
lab_capture_stop
printf '%s\t172.16.10.31\tinternet_separation\n' "$(ts_first "$P" "ip.dst==$INTERNET_IP && tcp.flags.syn==1")" |
    truth internet-separation "the 'internet' address $INTERNET_IP is RFC 5737 documentation range, held by the lab gateway namespace"

# ---- bulk export by C-MOVE ----------------------------------------------------------------------------------------------------
step "capture: bulk-export-cmove"
P=$OUT/bulk-export-cmove.pcap
lab_daemon ws-reg01 export-scp storescp -aet EXPORT1 --disable-host-lookup -od "$RUN/export" 11113
lab_wait_listen ws-reg01 11113
lab_capture_start "$P"
background
sleep 3
step "export: ws-reg01 C-MOVEs the $NEXPORT-instance study to EXPORT1 (itself)"
lab_run ws-reg01 movescu -S -aet WSREG01 -aec PACS1 -aem EXPORT1 -k QueryRetrieveLevel=STUDY \
    -k StudyInstanceUID=$STUDY_EXPORT 172.16.10.10 $PORT
sleep 2
background
lab_capture_stop
lab_stop export-scp
lab_log "EXPORT1 received $(find "$RUN/export" -type f | wc -l) instances"
{
    printf '%s\t172.16.20.31\tdicom_bulk_export\n' "$(ts_first "$P" "ip.src==172.16.20.31 && tcp.dstport==$PORT && tcp.flags.syn==1")"
    printf '%s\t172.16.20.31\tdicom_unknown_ae\n' "$(ts_first "$P" "ip.src==172.16.20.31 && tcp.dstport==$PORT && tcp.flags.syn==1")"
} | truth bulk-export-cmove "attack_start: ws-reg01's SYN for the C-MOVE association; the export goes PACS1 -> EXPORT1 on ws-reg01"

lab_stop smbd
# Only lab addresses (and the gateway's documentation-range 'internet' address) may appear.
for f in "$OUT"/*.pcap; do
    leaks=$(tshark -n -r "$f" -T fields -e ip.src -e ip.dst 2>/dev/null | tr '\t' '\n' | sed '/^$/d' | sort -u |
        grep -vE "^172\.16\.(10|20|30)\.[0-9]+$|^${INTERNET_IP//./\\.}$" || true)
    [[ -z $leaks ]] || { lab_log "ERROR: non-lab addresses in $f: $leaks"; exit 1; }
    size=$(stat -c %s "$f")
    ((size <= 4194304)) || { lab_log "ERROR: $f is $size bytes (> 4 MiB)"; exit 1; }
done
ls -l "$OUT"
