# lab.sh ready
# shellcheck shell=bash
#
# lab.sh: a hospital-like lab of network namespaces for real-peer captures (STYLE.md 8.8, fixture policy).
# Source it from a scenario script; it does nothing by itself.
#
# Topology: namespace "<prefix>-sw" holds a Linux bridge "br0" (the core switch; STP off, vlan_filtering 0 so
# 802.1Q tags pass unchanged, multicast snooping off so it floods like a hub). Each host is a namespace
# "<prefix>-<name>" whose "eth0" is one end of a veth pair; the other end, "v-<name>", is a port of br0. Offloads
# are off on every veth (no 64 KB pseudo-segments, real checksums), MTU 1500. tcpdump on br0 (promiscuous) sees
# every frame once, as a SPAN port of all access ports would. There is no router: every host gets an on-link
# route for LAB_ONLINK (172.16.0.0/12), so the clinical, business and vendor-vpn /24s reach one another over
# plain L2. A host given a VLAN id sends tagged frames (eth0.<vlan> inside its namespace), and only hosts on the
# same VLAN can talk to it (kernel vlan device, or on kernels without 8021q a tap plus vlan_nic.py doing the
# tagging in userspace). The lab has no uplink, so nothing can leave it.
#
# Name resolution: every host gets /etc/netns/<ns>/{hosts,resolv.conf,nsswitch.conf}, which `ip netns exec`
# bind-mounts over /etc, so programs in the lab never ask the machine's resolver. hosts lists every lab host as
# "<name> <name>.ward.test" (plus lab_alias names); resolv.conf points at LAB_DNS (default 127.0.0.1 inside the
# namespace, where nothing listens). Programs run through lab_run/lab_daemon also get their own UTS namespace
# with hostname <name>, so the machine's real hostname never appears on the wire (SMB, DHCP, syslog...).
#
# Addresses (fixture policy): clinical 172.16.10.0/24, business 172.16.20.0/24, vendor-vpn 172.16.30.0/24,
# IPv6 2001:db8:20::/64. Default MACs are locally administered and derived from the IPv4 address
# (02:57:57:<b2>:<b3>:<b4>) so captures regenerate with the same L2 addresses.
#
# API (every function returns non-zero on failure; scripts are expected to run with `set -euo pipefail`):
#   lab_up                          create the switch (cleans up a stale lab of the same prefix first);
#                                   installs an EXIT trap that calls lab_down (define lab_cleanup_hook to run
#                                   your own cleanup first)
#   lab_host NAME IP/PREFIX [MAC] [VLAN]
#                                   add host namespace <prefix>-NAME (NAME: 1..12 chars of [a-z0-9-]); MAC "" = default
#   lab_addr NAME IP/PREFIX         add another address (IPv6 enables IPv6 on the host: link-local, DAD, ND)
#   lab_alias NAME ALIAS...         extra names for every address NAME has so far (call after lab_addr)
#   lab_dns IP                      point every host's resolv.conf at IP (a lab DNS server)
#   lab_settle [SECONDS]            wait for IPv6 DAD on all hosts, then SECONDS (default 3) for MLD etc. to finish
#   lab_run HOST CMD...             run CMD in HOST (foreground), pinned with taskset -c 0
#   lab_daemon HOST TAG CMD...      start CMD in HOST under setsid (background), log in $LAB_STATE/TAG.log
#   lab_stop TAG                    stop that daemon (SIGTERM to its process group)
#   lab_wait_listen HOST PORT [tcp|udp] [TIMEOUT]
#                                   wait until something listens on PORT in HOST (checked with ss: no probe traffic)
#   lab_capture_start FILE          tcpdump -U -s 65535 -w FILE on br0 (pcap, EN10MB, microsecond timestamps)
#   lab_capture_stop                stop it (after a short drain); prints the packet count
#   lab_down                        kill everything in the lab's namespaces, delete them and /etc/netns entries
#   lab_ns NAME / lab_ip NAME / lab_if NAME / lab_mac NAME
#                                   namespace, first IPv4 address (no prefix), L3 interface, MAC of a host
#   lab_log MSG...                  timestamped message on stderr
# Variables: LAB_PREFIX (default ww; use another to run two labs at once; labs of one prefix take turns through
#   a lock, LAB_LOCK_WAIT seconds at most, default 600), LAB_ONLINK (default 172.16.0.0/12),
#   LAB_DOMAIN (default ward.test), LAB_PYTHON (python3 with the PyPI packages; default: the python3 on PATH),
#   LAB_STATE, LAB_CAP_FILE (read-only: state directory of the running lab, file of the running capture).

_LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_PREFIX=${LAB_PREFIX:-ww}
LAB_ONLINK=${LAB_ONLINK:-172.16.0.0/12}
LAB_DOMAIN=${LAB_DOMAIN:-ward.test}
LAB_SW="${LAB_PREFIX}-sw"
LAB_BR=br0
LAB_STATE="/run/wardwatch-lab/${LAB_PREFIX}"
LAB_DNS=${LAB_DNS:-}
LAB_CAP_PID=""
# shellcheck disable=SC2034 # read by scenario scripts
LAB_CAP_FILE=""
if [[ -z "${LAB_PYTHON:-}" ]]; then
    LAB_PYTHON=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || command -v python3 || true)
fi

lab_log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# lab_install PKG...: installs the Debian packages among PKG that are missing (a scenario also runs on its own,
# outside Scripts/make-captures.sh).
lab_install() {
    local p missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if ((${#missing[@]})); then DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"; fi
}

_lab_die() { lab_log "ERROR: $*"; return 1; }

_lab_need() {
    local c
    for c in ip ethtool tcpdump taskset setsid unshare flock ss sysctl; do
        command -v "$c" >/dev/null || _lab_die "missing command: $c (run Scripts/make-captures.sh to install)" || return 1
    done
}

lab_ns() { printf '%s-%s' "$LAB_PREFIX" "$1"; }

# Host records: $LAB_STATE/hosts.d/NAME holds "ns if ip4 mac vlan".
_lab_field() {
    local f="$LAB_STATE/hosts.d/$1"
    [[ -f "$f" ]] || { _lab_die "unknown lab host: $1"; return 1; }
    awk -v n="$2" '{print $n}' "$f"
}
lab_if() { _lab_field "$1" 2; }
lab_ip() { _lab_field "$1" 3; }
lab_mac() { _lab_field "$1" 4; }

_lab_sysctl() { ip netns exec "$1" sysctl -qw "$2" >/dev/null; }

_lab_offloads_off() { # NS IF [soft]
    if ! ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1; then
        [[ "${3:-}" == soft ]] || { _lab_die "ethtool -K failed on $1/$2"; return 1; }
    fi
}

_lab_kill_ns_procs() { # NS
    local ns=$1 pids i
    for i in 1 2 3 4 5 6 7 8 9 10; do
        pids=$(ip netns pids "$ns" 2>/dev/null || true)
        [[ -z "$pids" ]] && return 0
        if ((i == 1)); then
            # shellcheck disable=SC2086
            kill -TERM $pids 2>/dev/null || true
        elif ((i >= 6)); then
            # shellcheck disable=SC2086
            kill -KILL $pids 2>/dev/null || true
        fi
        sleep 0.3
    done
}

_lab_etc_write() { # regenerate /etc/netns/<ns>/* for every host
    local f ns name
    {
        printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'
        [[ -f "$LAB_STATE/hosts" ]] && cat "$LAB_STATE/hosts"
    } >"$LAB_STATE/hosts.all"
    for f in "$LAB_STATE"/hosts.d/*; do
        [[ -e "$f" ]] || continue
        name=${f##*/}
        ns=$(lab_ns "$name")
        mkdir -p "/etc/netns/$ns"
        # Write in place (same inode) so already bind-mounted copies see the update.
        cat "$LAB_STATE/hosts.all" >"/etc/netns/$ns/hosts"
        printf 'nameserver %s\nsearch %s\noptions timeout:1 attempts:1\n' "${LAB_DNS:-127.0.0.1}" "$LAB_DOMAIN" \
            >"/etc/netns/$ns/resolv.conf"
        printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\n' \
            >"/etc/netns/$ns/nsswitch.conf"
    done
}

_lab_hosts_add() { # IP NAME [ALIAS...]
    local ip=$1 name=$2
    shift 2
    printf '%s\t%s %s.%s%s\n' "$ip" "$name" "$name" "$LAB_DOMAIN" "${*:+ $*}" >>"$LAB_STATE/hosts"
}

lab_up() {
    _lab_need || return 1
    mkdir -p /run/lock "${LAB_STATE%/*}"
    if [[ -z "${LAB_LOCK_FD:-}" ]]; then
        exec {LAB_LOCK_FD}>"/run/lock/wardwatch-lab-${LAB_PREFIX}.lock"
    fi
    if ! flock -n "$LAB_LOCK_FD"; then
        lab_log "lab '${LAB_PREFIX}' is in use by another script: waiting up to ${LAB_LOCK_WAIT:-600}s (or set LAB_PREFIX)"
        flock -w "${LAB_LOCK_WAIT:-600}" "$LAB_LOCK_FD" || { _lab_die "lab '${LAB_PREFIX}' still in use"; return 1; }
    fi
    _lab_cleanup_namespaces # stale lab of the same prefix (we hold its lock, so nobody uses it)
    mkdir -p "$LAB_STATE/hosts.d"
    : >"$LAB_STATE/hosts"
    : >"$LAB_STATE/namespaces"
    : >"$LAB_STATE/daemons"
    trap 'lab_down' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    ip netns add "$LAB_SW" || return 1
    echo "$LAB_SW" >>"$LAB_STATE/namespaces"
    _lab_sysctl "$LAB_SW" net.ipv6.conf.all.disable_ipv6=1
    _lab_sysctl "$LAB_SW" net.ipv6.conf.default.disable_ipv6=1
    ip -n "$LAB_SW" link set lo up
    # vlan_filtering 0: tags pass unchanged (kernels without CONFIG_BRIDGE_VLAN_FILTERING never filter).
    ip -n "$LAB_SW" link add "$LAB_BR" type bridge stp_state 0 vlan_filtering 0 mcast_snooping 0 2>/dev/null ||
        ip -n "$LAB_SW" link add "$LAB_BR" type bridge stp_state 0 mcast_snooping 0 || return 1
    ip -n "$LAB_SW" link set "$LAB_BR" up
    _lab_offloads_off "$LAB_SW" "$LAB_BR" soft
    lab_log "lab '${LAB_PREFIX}' up: switch $LAB_SW/$LAB_BR"
}

lab_host() {
    local name=$1 cidr=$2 mac=${3:-} vlan=${4:-}
    local ns swif ifname
    [[ "$name" =~ ^[a-z0-9][a-z0-9-]{0,11}$ ]] || { _lab_die "bad host name '$name' (1..12 of [a-z0-9-])"; return 1; }
    [[ -n "$cidr" && "$cidr" == */* ]] || { _lab_die "lab_host $name: need IP/PREFIX"; return 1; }
    [[ -z "$vlan" || ("$vlan" =~ ^[0-9]+$ && vlan -ge 1 && vlan -le 4094) ]] || { _lab_die "bad VLAN '$vlan'"; return 1; }
    ns=$(lab_ns "$name")
    swif="v-$name"
    if [[ -z "$mac" ]]; then
        if [[ "$cidr" =~ ^[0-9]+\.([0-9]+)\.([0-9]+)\.([0-9]+)/ ]]; then
            mac=$(printf '02:57:57:%02x:%02x:%02x' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}")
        else
            mac=$(printf '%s' "$name" | md5sum | sed -E 's/^(..)(..)(..).*/02:57:58:\1:\2:\3/')
        fi
    fi
    ip netns add "$ns" || { _lab_die "cannot create namespace $ns (left by a lost lab? ip netns del $ns)"; return 1; }
    echo "$ns" >>"$LAB_STATE/namespaces"
    ip -n "$ns" link set lo up
    # IPv6 stays off (no link-local, MLD, RS noise) unless lab_addr gives the host an IPv6 address.
    _lab_sysctl "$ns" net.ipv6.conf.default.disable_ipv6=1
    _lab_sysctl "$ns" net.ipv6.conf.default.accept_ra=0
    _lab_sysctl "$ns" net.ipv6.conf.default.router_solicitations=0
    ip -n "$LAB_SW" link add "$swif" type veth peer name eth0 netns "$ns" || return 1
    _lab_sysctl "$ns" net.ipv6.conf.eth0.disable_ipv6=1
    ip -n "$ns" link set eth0 address "$mac" mtu 1500
    ip -n "$LAB_SW" link set "$swif" mtu 1500 master "$LAB_BR"
    _lab_offloads_off "$LAB_SW" "$swif" || return 1
    _lab_offloads_off "$ns" eth0 || return 1
    ip -n "$LAB_SW" link set "$swif" up
    ip -n "$ns" link set eth0 up
    ifname=eth0
    printf '%s %s %s %s %s\n' "$ns" "$ifname" "-" "$mac" "${vlan:--}" >"$LAB_STATE/hosts.d/$name"
    if [[ -n "$vlan" ]]; then
        ifname="eth0.$vlan"
        if ip -n "$ns" link add link eth0 name "$ifname" type vlan id "$vlan" 2>/dev/null; then
            _lab_sysctl "$ns" "net.ipv6.conf.eth0/$vlan.disable_ipv6=1"
        else
            # Kernel without CONFIG_VLAN_8021Q: eth0.<vlan> is a tap, and vlan_nic.py tags/untags between it
            # and eth0 in userspace. The frames on the bridge are the same 802.1Q frames either way.
            [[ -f "$_LAB_DIR/vlan_nic.py" ]] || { _lab_die "no 8021q in this kernel and no vlan_nic.py"; return 1; }
            ip -n "$ns" tuntap add dev "$ifname" mode tap || return 1
            _lab_sysctl "$ns" "net.ipv6.conf.eth0/$vlan.disable_ipv6=1"
            ip -n "$ns" link set "$ifname" address "$mac"
            ip -n "$ns" link set eth0 promisc on
            lab_daemon "$name" "vlan-$name" "$LAB_PYTHON" "$_LAB_DIR/vlan_nic.py" "$ifname" eth0 "$vlan"
            local i
            for i in $(seq 1 50); do
                grep -q 'vlan_nic:' "$LAB_STATE/vlan-$name.log" 2>/dev/null && break
                sleep 0.1
            done
            grep -q 'vlan_nic:' "$LAB_STATE/vlan-$name.log" || { cat "$LAB_STATE/vlan-$name.log" >&2; _lab_die "vlan_nic.py did not start"; return 1; }
        fi
        ip -n "$ns" link set "$ifname" mtu 1500
        _lab_offloads_off "$ns" "$ifname" soft
        ip -n "$ns" link set "$ifname" up
        printf '%s %s %s %s %s\n' "$ns" "$ifname" "-" "$mac" "$vlan" >"$LAB_STATE/hosts.d/$name"
    fi
    lab_addr "$name" "$cidr" || return 1
    lab_log "host $ns: $ifname $cidr mac $mac${vlan:+ vlan $vlan}"
}

lab_addr() {
    local name=$1 cidr=$2 ns ifname ip rec
    ns=$(lab_ns "$name")
    ifname=$(lab_if "$name") || return 1
    ip=${cidr%/*}
    if [[ "$ip" == *:* ]]; then
        local key=${ifname//./\/}
        _lab_sysctl "$ns" "net.ipv6.conf.$key.accept_ra=0"
        _lab_sysctl "$ns" "net.ipv6.conf.$key.router_solicitations=0"
        _lab_sysctl "$ns" "net.ipv6.conf.$key.disable_ipv6=0"
        ip -n "$ns" -6 addr add "$cidr" dev "$ifname" || return 1
    else
        ip -n "$ns" addr add "$cidr" dev "$ifname" || return 1
        if [[ -n "$LAB_ONLINK" ]] && ! ip -n "$ns" route show "$LAB_ONLINK" | grep -q .; then
            ip -n "$ns" route add "$LAB_ONLINK" dev "$ifname" || return 1
        fi
        rec=$(cat "$LAB_STATE/hosts.d/$name")
        if [[ $(awk '{print $3}' <<<"$rec") == "-" ]]; then
            awk -v ip="$ip" '{$3 = ip; print}' <<<"$rec" >"$LAB_STATE/hosts.d/$name"
        fi
    fi
    _lab_hosts_add "$ip" "$name"
    _lab_etc_write
}

lab_alias() { # adds the names to every address of NAME (IPv4 and IPv6)
    local name=$1
    shift
    [[ -f "$LAB_STATE/hosts.d/$name" ]] || { _lab_die "unknown lab host: $name"; return 1; }
    awk -v n="$name" -v a="$*" '$2 == n {$0 = $0 " " a} {print}' "$LAB_STATE/hosts" >"$LAB_STATE/hosts.new"
    mv "$LAB_STATE/hosts.new" "$LAB_STATE/hosts"
    _lab_etc_write
}

lab_dns() {
    LAB_DNS=$1
    _lab_etc_write
}

lab_settle() {
    local secs=${1:-3} ns i
    while read -r ns; do
        [[ "$ns" == "$LAB_SW" ]] && continue
        for i in $(seq 1 50); do
            [[ -z "$(ip -n "$ns" -6 addr show tentative 2>/dev/null)" ]] && break
            sleep 0.2
        done
    done <"$LAB_STATE/namespaces"
    sleep "$secs"
}

# _lab_exec NAME CMD...: enter the host's namespaces (net + a private UTS with hostname NAME), pin to CPU 0.
_lab_exec() {
    local name=$1 ns
    shift
    ns=$(lab_ns "$name")
    [[ -f "$LAB_STATE/hosts.d/$name" ]] || { _lab_die "unknown lab host: $name"; return 1; }
    LAB_HOST="$name" ip netns exec "$ns" unshare --uts -- \
        sh -c 'hostname "$0" && exec taskset -c 0 "$@"' "$name" "$@"
}

lab_run() {
    _lab_exec "$@" {LAB_LOCK_FD}>&-
}

lab_daemon() {
    local host=$1 tag=$2 pid
    shift 2
    [[ "$tag" =~ ^[A-Za-z0-9_.-]+$ ]] || { _lab_die "bad daemon tag '$tag'"; return 1; }
    setsid bash -c "$(declare -f _lab_exec _lab_die lab_log lab_ns); LAB_PREFIX='$LAB_PREFIX'; LAB_STATE='$LAB_STATE'; _lab_exec \"\$@\"" \
        _ "$host" "$@" </dev/null >"$LAB_STATE/$tag.log" 2>&1 {LAB_LOCK_FD}>&- &
    pid=$!
    printf '%s %s\n' "$tag" "$pid" >>"$LAB_STATE/daemons"
    lab_log "daemon $tag on $host: pid $pid: $*"
}

lab_stop() {
    local tag=$1 pid i
    pid=$(awk -v t="$tag" '$1 == t {print $2}' "$LAB_STATE/daemons" | tail -n 1)
    [[ -n "$pid" ]] || { _lab_die "no daemon $tag"; return 1; }
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 20); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
}

lab_wait_listen() {
    local host=$1 port=$2 proto=${3:-tcp} timeout=${4:-10} flag i
    [[ "$proto" == udp ]] && flag=-Hlnu || flag=-Hlnt
    for ((i = 0; i < timeout * 10; i++)); do
        if [[ -n "$(ip netns exec "$(lab_ns "$host")" ss "$flag" "( sport = :$port )" 2>/dev/null)" ]]; then
            return 0
        fi
        sleep 0.1
    done
    _lab_die "nothing listens on $proto/$port in $host after ${timeout}s"
}

lab_capture_start() {
    local file=$1 i
    [[ -z "$LAB_CAP_PID" ]] || { _lab_die "a capture is already running"; return 1; }
    mkdir -p "$(dirname "$file")"
    rm -f "$file"
    # shellcheck disable=SC2034 # read by scenario scripts
    LAB_CAP_FILE=$file
    # -Z root: keep root so tcpdump may write anywhere; -s 65535: whole frames; -U: flush per packet.
    ip netns exec "$LAB_SW" taskset -c 0 tcpdump -i "$LAB_BR" -n -U -s 65535 -Z root --immediate-mode \
        -w "$file" </dev/null 2>"$LAB_STATE/tcpdump.log" {LAB_LOCK_FD}>&- &
    LAB_CAP_PID=$!
    for i in $(seq 1 50); do
        grep -q 'listening on' "$LAB_STATE/tcpdump.log" 2>/dev/null && break
        kill -0 "$LAB_CAP_PID" 2>/dev/null || { cat "$LAB_STATE/tcpdump.log" >&2; LAB_CAP_PID=""; _lab_die "tcpdump died"; return 1; }
        sleep 0.1
    done
    sleep 0.5
    lab_log "capturing on $LAB_SW/$LAB_BR to $file"
}

lab_capture_stop() {
    local i
    [[ -n "$LAB_CAP_PID" ]] || return 0
    sleep 1
    kill -INT "$LAB_CAP_PID" 2>/dev/null || true
    for i in $(seq 1 50); do
        kill -0 "$LAB_CAP_PID" 2>/dev/null || break
        sleep 0.1
    done
    wait "$LAB_CAP_PID" 2>/dev/null || true
    LAB_CAP_PID=""
    lab_log "capture stopped: $(grep -E 'captured|dropped' "$LAB_STATE/tcpdump.log" | tr '\n' ' ')"
    if grep -qE '^[1-9][0-9]* packets? dropped by kernel' "$LAB_STATE/tcpdump.log"; then
        _lab_die "tcpdump dropped packets"
        return 1
    fi
}

_lab_cleanup_namespaces() {
    local ns tag pid
    if [[ -f "$LAB_STATE/daemons" ]]; then
        while read -r tag pid; do
            [[ -n "$pid" ]] && kill -TERM -- "-$pid" 2>/dev/null || true
        done <"$LAB_STATE/daemons"
    fi
    # Only namespaces this prefix's lab recorded (we hold its lock), and its switch: never guess by name, a lab
    # with another prefix (say "ww-x") may be running.
    {
        [[ -f "$LAB_STATE/namespaces" ]] && cat "$LAB_STATE/namespaces"
        ip netns list 2>/dev/null | awk '{print $1}' | grep -Fx "$LAB_SW" || true
    } | sort -u | while read -r ns; do
        [[ -n "$ns" ]] || continue
        _lab_kill_ns_procs "$ns"
        ip netns del "$ns" 2>/dev/null || true
        rm -rf "/etc/netns/$ns"
    done
    rm -rf "$LAB_STATE"
    rmdir /etc/netns 2>/dev/null || true
}

lab_down() {
    local rc=$?
    trap - EXIT INT TERM
    if declare -F lab_cleanup_hook >/dev/null; then lab_cleanup_hook || true; fi
    if [[ -n "$LAB_CAP_PID" ]]; then lab_capture_stop || true; fi
    _lab_cleanup_namespaces
    lab_log "lab '${LAB_PREFIX}' down"
    return "$rc"
}
