#!/usr/bin/env bash
# Real-peer SMB2/SMB3 captures (samba 4.17 smbd + smbclient) in network namespaces, captured on the lab bridge.
#
#   Captures/smb2/smb2-fileserver.pcap       ws-reg01: an SMB 2.1 session (-m SMB2_10) and an SMB 3.1.1 session
#                                            (-m SMB3_11) on \\FILESRV01\clinic: ls, put/get/rename/del of text,
#                                            zip and JPEG-like files; then a logon with a wrong password
#                                            (STATUS_LOGON_FAILURE) and a tree connect to a missing share
#   Captures/smb2/smb3-encrypted.pcap        ws-reg01: SMB 3.1.1 with --client-protection=encrypt on the share
#                                            \\FILESRV01\finance (smb encrypt = required): put/get/ls, all in
#                                            SMB2 TRANSFORM frames after the session setup
#   Captures/smb2/smb-ransomware-like.pcap   ws-ward07: SMB 3.1.1 unencrypted on \\FILESRV01\clinic: puts 10 normal
#                                            files, then for each: overwrite with /dev/urandom bytes, rename to
#                                            *.locked; then puts README-RESTORE-FILES.txt (a test note)
#
# Hosts (business segment 172.16.20.0/24, one broadcast domain):
#   filesrv01 172.16.20.10  smbd -F --no-process-group -s <conf> (data/smb-server.conf.in), all state under /tmp
#   ws-reg01  172.16.20.31  registration-desk workstation (smbclient, data/smb-client.conf)
#   ws-ward07 172.16.20.57  ward workstation that behaves like ransomware
# SMB user: "wwclerk" with a lab-only password. smbd needs a Unix account of that name: created (system user, no
# home, no shell) if missing.
#
# Usage: Scripts/captures/smb.sh   (as root on Debian 12; no network beyond the namespaces it creates;
#        LAB_PREFIX=xx runs the lab under other namespace names; the pcaps are the same)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DATA=$HERE/data
OUT=$ROOT/Captures/smb2

# shellcheck source=lab.sh
source "$HERE/lab.sh"
lab_install samba smbclient tcpdump iproute2 ethtool zip

SMB_USER=wwclerk
SMB_PASS='Lab-Only-Not-A-Secret-1'
SRV_IP=172.16.20.10
WS_IP=172.16.20.31
RW_IP=172.16.20.57

RUN=$(mktemp -d /tmp/ww-smb.XXXXXX)
chmod 0755 "$RUN"
trap 'rm -rf "$RUN"' EXIT
# lab_up replaces the EXIT trap with lab_down, which calls this hook first and then kills everything in the lab.
lab_cleanup_hook() {
    lab_stop smbd >/dev/null 2>&1 || true
    rm -rf "$RUN"
}

id "$SMB_USER" >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SMB_USER"

# ---- server state (all under $RUN) --------------------------------------------------------------------------------
mkdir -p "$RUN"/{private,lock,state,cache,pid,ncalrpc,bind-dns,log} "$RUN/shares/clinic" "$RUN/shares/finance"
chmod 0700 "$RUN/private"
chown "$SMB_USER:" "$RUN/shares/clinic" "$RUN/shares/finance"
sed -e "s#@RUN@#$RUN#g" -e "s#@ADDR@#$SRV_IP/24#g" "$DATA/smb-server.conf.in" >"$RUN/smb.conf"
testparm -s "$RUN/smb.conf" >/dev/null 2>&1 || { testparm -s "$RUN/smb.conf"; exit 1; }
printf '%s\n%s\n' "$SMB_PASS" "$SMB_PASS" | smbpasswd -c "$RUN/smb.conf" -s -a "$SMB_USER" >/dev/null
CLIENT_CONF=$DATA/smb-client.conf

# ---- client-side files (small: the pcaps stay well under 4 MiB) ----------------------------------------------------
# Text is generated, so it is obviously fake; binary files come from /dev/urandom.
mkfiles() { # DIR
    local d=$1 i
    mkdir -p "$d"
    for i in $(seq 1 60); do
        printf 'Ward 3 handover %02d: TEST DATA ONLY, no patient information. Beds 1-12 checked; supplies ordered.\n' "$i"
    done >"$d/handover-notes.txt"
    for i in $(seq 1 200); do printf '%04d,TEST-ITEM-%04d,%d,EUR %d.%02d\n' "$i" "$i" $((i % 7 + 1)) $((i * 3)) $((i % 100)); done \
        >"$d/supply-order.csv"
    printf 'Rota (test): Mon A, Tue B, Wed C, Thu A, Fri B.\n' >"$d/rota.txt"
    (cd "$d" && zip -q -X forms.zip handover-notes.txt supply-order.csv rota.txt)
    # JPEG-like: SOI + JFIF APP0 header, 64 KiB of random bytes, EOI.
    {
        printf '\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00'
        head -c 65536 /dev/urandom
        printf '\xff\xd9'
    } >"$d/wound-photo-test.jpg"
}
mkfiles "$RUN/c1"
mkfiles "$RUN/c2"
mkdir -p "$RUN/back1" "$RUN/back2" "$RUN/back3"

# Ransomware-like victim files: 10 normal documents, and 10 random blobs of the same sizes.
mkdir -p "$RUN/rw/plain" "$RUN/rw/enc"
RW_FILES=()
for i in $(seq 1 10); do
    f=$(printf 'ward7-doc-%02d.txt' "$i")
    RW_FILES+=("$f")
    for j in $(seq 1 $((20 + i * 8))); do
        printf 'Ward 7 document %02d line %03d: TEST DATA ONLY, nothing real here.\n' "$i" "$j"
    done >"$RUN/rw/plain/$f"
    head -c "$(stat -c %s "$RUN/rw/plain/$f")" /dev/urandom >"$RUN/rw/enc/$f"
done
cat >"$RUN/rw/README-RESTORE-FILES.txt" <<'EOF'
THIS IS A TEST FILE FROM THE WARDWATCH LAB (Scripts/captures/smb.sh).
No files were harmed: this capture imitates a ransomware note so the sensor can be tested.
Nothing to pay, nobody to contact.
EOF

# ---- lab ------------------------------------------------------------------------------------------------------------
lab_up
lab_host filesrv01 "$SRV_IP/24"
lab_host ws-reg01 "$WS_IP/24"
lab_host ws-ward07 "$RW_IP/24"

# smbd signals its whole process group when it stops: lab_daemon runs it under setsid, in its own group.
lab_daemon filesrv01 smbd smbd -F --no-process-group -s "$RUN/smb.conf" -d 1
lab_wait_listen filesrv01 445

# smbc HOST LOCALDIR SHARE ARGS... -- COMMANDS: one smbclient session (one TCP connection).
smbc() {
    local host=$1 dir=$2 share=$3
    shift 3
    local args=()
    while (($#)) && [[ $1 != -- ]]; do
        args+=("$1")
        shift
    done
    shift
    lab_log "== $host -> //$SRV_IP/$share ${args[*]}: $*"
    lab_run "$host" sh -c 'cd "$1" && shift && exec "$@"' _ "$dir" \
        smbclient -s "$CLIENT_CONF" -U "$SMB_USER%$SMB_PASS" -p 445 "${args[@]}" "//$SRV_IP/$share" -c "$*"
    sleep 0.5
}

# ---- capture 1: SMB 2.1 and SMB 3.1.1 file-server use ---------------------------------------------------------------
lab_capture_start "$OUT/smb2-fileserver.pcap"
smbc ws-reg01 "$RUN/c1" clinic -m SMB2_10 -- \
    "ls; mkdir ward3; cd ward3; put handover-notes.txt; put supply-order.csv; put forms.zip; put wound-photo-test.jpg;" \
    "ls; lcd $RUN/back1; get handover-notes.txt; get forms.zip; get wound-photo-test.jpg;" \
    "rename supply-order.csv supply-order-approved.csv; del handover-notes.txt; ls"
smbc ws-reg01 "$RUN/c2" clinic -m SMB3_11 -- \
    "ls; mkdir reception; cd reception; put rota.txt; put supply-order.csv; put forms.zip; put wound-photo-test.jpg;" \
    "ls; lcd $RUN/back2; get rota.txt; get forms.zip; get wound-photo-test.jpg;" \
    "rename rota.txt rota-week2.txt; del supply-order.csv; del forms.zip; ls"
lab_log "== ws-reg01: logon with a wrong password (expect NT_STATUS_LOGON_FAILURE)"
if lab_run ws-reg01 smbclient -s "$CLIENT_CONF" -U "$SMB_USER%wrong-password" -m SMB3_11 "//$SRV_IP/clinic" -c ls; then
    echo "expected a logon failure" >&2
    exit 1
fi
sleep 0.5
lab_log "== ws-reg01: tree connect to a missing share (expect NT_STATUS_BAD_NETWORK_NAME)"
if lab_run ws-reg01 smbclient -s "$CLIENT_CONF" -U "$SMB_USER%$SMB_PASS" -m SMB3_11 "//$SRV_IP/radiology" -c ls; then
    echo "expected a missing share" >&2
    exit 1
fi
lab_capture_stop

# ---- capture 2: SMB3 encryption -------------------------------------------------------------------------------------
sleep 0.5
lab_capture_start "$OUT/smb3-encrypted.pcap"
smbc ws-reg01 "$RUN/c1" finance -m SMB3_11 --client-protection=encrypt -- \
    "ls; put supply-order.csv; put forms.zip; put wound-photo-test.jpg; ls;" \
    "lcd $RUN/back3; get supply-order.csv; get wound-photo-test.jpg; rename forms.zip forms-q3.zip; del supply-order.csv; ls"
lab_capture_stop

# ---- capture 3: ransomware-like burst -------------------------------------------------------------------------------
sleep 0.5
lab_capture_start "$OUT/smb-ransomware-like.pcap"
# One session: the user's normal puts, a 2 s pause, then the burst (commands fed on stdin, one per line).
# smbclient reads a non-tty stdin in blocks and runs nothing until a block is full or stdin ends: 8 KiB of empty
# lines (ignored) push each phase through before the pause.
flush_stdin() { head -c 8192 /dev/zero | tr '\0' '\n'; }
{
    printf '%s\n' "mkdir ward7" "cd ward7" "lcd $RUN/rw/plain"
    for f in "${RW_FILES[@]}"; do printf 'put %s\n' "$f"; done
    printf 'ls\n'
    flush_stdin
    sleep 2
    printf 'lcd %s\n' "$RUN/rw/enc"
    for f in "${RW_FILES[@]}"; do printf 'put %s\nrename %s %s.locked\n' "$f" "$f" "$f"; done
    printf '%s\n' "lcd $RUN/rw" "put README-RESTORE-FILES.txt" "ls" "quit"
} | {
    lab_log "== ws-ward07 -> //$SRV_IP/clinic -m SMB3_11: 10 puts, pause, 10 x (overwrite with random, rename .locked), note"
    lab_run ws-ward07 smbclient -s "$CLIENT_CONF" -U "$SMB_USER%$SMB_PASS" -p 445 -m SMB3_11 "//$SRV_IP/clinic"
}
sleep 0.5
lab_capture_stop

lab_stop smbd
ls -l "$OUT"/*.pcap
for f in handover-notes.txt forms.zip wound-photo-test.jpg; do cmp -s "$RUN/c1/$f" "$RUN/back1/$f" || { echo "get $f (SMB2) differs" >&2; exit 1; }; done
for f in rota.txt forms.zip wound-photo-test.jpg; do cmp -s "$RUN/c2/$f" "$RUN/back2/$f" || { echo "get $f (SMB3) differs" >&2; exit 1; }; done
for f in supply-order.csv wound-photo-test.jpg; do cmp -s "$RUN/c1/$f" "$RUN/back3/$f" || { echo "get $f (encrypted) differs" >&2; exit 1; }; done
lab_log "server share now holds: $(cd "$RUN/shares/clinic" && find . -type f | sort | tr '\n' ' ')"
