#!/usr/bin/env bash
# net.sh: real-peer capture of TCP connection states, UDP, ICMP, IPv6 and 802.1Q for WardWatch's flow layer.
#
# Output: Captures/net/tcp-states.pcap and Captures/net/tcp-states.expected.tsv (Zeek conn_state per TCP/UDP
# connection). Run as root via Scripts/make-captures.sh (which installs the tools), or directly:
#   sudo Scripts/captures/net.sh
#
# Lab (lab.sh, one flat bridge; no router):
#   ws   172.16.20.21  2001:db8:20::21   business workstation (curl, socat, dig, ping, python client)
#   srv  172.16.20.10  2001:db8:20::10   business server: http.server :8080, RST-ing peer :7001, socat echo :7002,
#                                        nothing on :23, nftables DROP on :3389
#   dns  172.16.20.53                    dnsmasq, authoritative for the lab-only name pacs.ward.test
#   vpn  172.16.30.40                    vendor-vpn host (tries RDP into srv, silently dropped)
#   mon  172.16.10.61  VLAN 10           clinical: patient-monitor gateway (socat client), tagged frames
#   cms  172.16.10.62  VLAN 10           clinical: central monitoring station (socat echo :2000)
# Client source ports are fixed (40001...) so the expected table is the same on every regeneration.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT_DIR="$ROOT/Captures/net"
PCAP="$OUT_DIR/tcp-states.pcap"
TSV="$OUT_DIR/tcp-states.expected.tsv"
GAP=${GAP:-2}

# shellcheck source=lab.sh
source "$HERE/lab.sh"

WORK=$(mktemp -d /tmp/wardwatch-net.XXXXXX)
lab_cleanup_hook() { [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$WORK"; }

for c in curl socat dig dnsmasq nft ping "$LAB_PYTHON" tshark; do
    command -v "$c" >/dev/null || { echo "net.sh: missing $c (run Scripts/make-captures.sh)" >&2; exit 1; }
done

# A small fixed web root (http.server lists whatever directory it serves: never serve a real one).
mkdir -p "$WORK/www"
{
    echo '<!doctype html><html><head><title>Ward 4B intranet (WardWatch lab)</title></head><body>'
    echo '<h1>Ward 4B intranet</h1><p>Lab page for WardWatch captures. No patient data.</p><ul>'
    for i in $(seq 1 60); do printf '<li>Bed %02d: status board placeholder, nothing real here</li>\n' "$i"; done
    echo '</ul></body></html>'
} >"$WORK/www/index.html"

lab_up
lab_host ws 172.16.20.21/24
lab_addr ws 2001:db8:20::21/64
lab_host srv 172.16.20.10/24
lab_addr srv 2001:db8:20::10/64
lab_host dns 172.16.20.53/24
lab_host vpn 172.16.30.40/24
lab_host mon 172.16.10.61/24 "" 10
lab_host cms 172.16.10.62/24 "" 10
lab_alias srv intranet intranet.ward.test
lab_dns 172.16.20.53

# Servers.
lab_run srv nft -f - <<'EOF'
table inet ww_filter {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport 3389 drop
    }
}
EOF
lab_daemon srv http "$LAB_PYTHON" -m http.server --bind :: --directory "$WORK/www" 8080
lab_daemon srv rst "$LAB_PYTHON" "$HERE/tcp_peers.py" rst-server 0.0.0.0 7001
lab_daemon srv echo socat TCP4-LISTEN:7002,reuseaddr,fork PIPE
lab_daemon dns dnsmasq dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
    --bind-interfaces --listen-address=172.16.20.53 --pid-file= --log-queries --log-facility=- \
    --host-record=pacs.ward.test,172.16.20.30 --host-record=srv.ward.test,172.16.20.10
lab_daemon cms monitor socat TCP4-LISTEN:2000,reuseaddr,fork PIPE
lab_wait_listen srv 8080
lab_wait_listen srv 7001
lab_wait_listen srv 7002
lab_wait_listen dns 53 udp
lab_wait_listen cms 2000
lab_settle 3

lab_capture_start "$WORK/tcp-states.pcap"

step() { lab_log "step: $*"; }

step "1 SF: HTTP GET ws:40001 -> srv:8080 (python http.server, curl)"
lab_run ws curl -4 -sS -o /dev/null --local-port 40001 http://intranet.ward.test:8080/
sleep "$GAP"

step "2 RSTR: ws:40002 -> srv:7001, server answers then aborts with RST (SO_LINGER 0)"
printf 'STATUS bed-12\n' | lab_run ws socat -t 2 - TCP4:172.16.20.10:7001,sourceport=40002,shut-none || true
sleep "$GAP"

step "3 RSTO: ws:40003 -> srv:7002 (socat echo), client aborts with RST"
lab_run ws "$LAB_PYTHON" "$HERE/tcp_peers.py" rst-client 172.16.20.10 7002 40003 "PING ward-4b"
sleep "$GAP"

step "4 REJ: ws:40004 -> srv:23 (closed port)"
lab_run ws socat -u /dev/null TCP4:172.16.20.10:23,sourceport=40004 || true
sleep "$GAP"

step "5 S0: vpn:40005 -> srv:3389, dropped by nftables (SYN retransmitted)"
lab_run vpn socat -u /dev/null TCP4:172.16.20.10:3389,sourceport=40005,connect-timeout=4 || true
sleep "$GAP"

step "6 UDP: DNS query ws:40053 -> dns:53 (dnsmasq, dig)"
lab_run ws dig +tries=1 +time=2 -b 172.16.20.21#40053 @172.16.20.53 pacs.ward.test A
sleep "$GAP"

step "7 ICMP echo ws -> srv"
lab_run ws ping -4 -n -c 3 -i 0.5 172.16.20.10
sleep "$GAP"

step "8 IPv6: ping -6 (neighbour discovery) and HTTP GET ws:40006 -> srv:8080 over IPv6"
lab_run ws ping -6 -n -c 2 -i 0.5 2001:db8:20::10
lab_run ws curl -6 -sS -o /dev/null --local-port 40006 http://intranet.ward.test:8080/
sleep "$GAP"

step "9 VLAN 10: mon:40010 -> cms:2000 (socat, tagged frames), FIN close"
printf 'MSH-LIKE HR=72 SPO2=98 BED=12 (lab data)\n' |
    lab_run mon socat -t 2 - TCP4:172.16.10.62:2000,sourceport=40010
sleep 1

lab_capture_stop

cat >"$WORK/tcp-states.expected.tsv" <<'EOF'
# Captures/net/tcp-states.pcap: expected Zeek conn_state per connection (made by Scripts/captures/net.sh).
# Checked by hand with `tshark -r tcp-states.pcap -Y tcp` and by Scripts/captures/check_conns.py.
# SF: curl GET / to python http.server: handshake, request, 200 OK (headers, then the page in 3 segments), FIN both ways.
# RSTR: socat sends "STATUS bed-12" (shut-none: no FIN); the server answers "OK ..." then closes with SO_LINGER {1,0}: RST from the responder.
# RSTO: python client sends "PING ward-4b", reads the socat echo, closes with SO_LINGER {1,0}: RST from the originator; the server never FINs.
# REJ: SYN to port 23 where nothing listens; the server kernel answers RST-ACK.
# S0: SYN to 3389, dropped by nftables on srv; retransmitted (4 SYNs 1 s apart on Linux 6.x), never answered; socat gives up after 4 s without RST.
# SF (udp): dig A query for pacs.ward.test, dnsmasq answers 172.16.20.30.
# SF (IPv6): same GET as the first row over 2001:db8:20::/64 (preceded by ICMPv6 NS/NA from ping -6).
# SF (VLAN 10): socat client sends a line, half-closes (FIN); socat PIPE echoes it and closes (FIN); every frame 802.1Q-tagged VID 10.
proto	orig_ip	orig_port	resp_ip	resp_port	conn_state
tcp	172.16.20.21	40001	172.16.20.10	8080	SF
tcp	172.16.20.21	40002	172.16.20.10	7001	RSTR
tcp	172.16.20.21	40003	172.16.20.10	7002	RSTO
tcp	172.16.20.21	40004	172.16.20.10	23	REJ
tcp	172.16.30.40	40005	172.16.20.10	3389	S0
udp	172.16.20.21	40053	172.16.20.53	53	SF
tcp	2001:db8:20::21	40006	2001:db8:20::10	8080	SF
tcp	172.16.10.61	40010	172.16.10.62	2000	SF
EOF

lab_log "checking connection states"
"$LAB_PYTHON" "$HERE/check_conns.py" "$WORK/tcp-states.pcap" "$WORK/tcp-states.expected.tsv"

# Only lab addresses may appear.
leaks=$(tshark -n -r "$WORK/tcp-states.pcap" -T fields -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst 2>/dev/null |
    tr '\t' '\n' | sed '/^$/d' | sort -u | grep -vE '^(172\.16\.(10|20|30)\.[0-9]+|2001:db8:20::[0-9a-f:]+|fe80::[0-9a-f:]+|ff02::[0-9a-f:]+|::)$' || true)
[[ -z "$leaks" ]] || { echo "net.sh: non-lab addresses in capture: $leaks" >&2; exit 1; }

mkdir -p "$OUT_DIR"
mv "$WORK/tcp-states.pcap" "$PCAP"
mv "$WORK/tcp-states.expected.tsv" "$TSV"
lab_log "wrote $PCAP ($(tshark -n -r "$PCAP" 2>/dev/null | wc -l) packets) and $TSV"
