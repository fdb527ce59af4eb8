#!/usr/bin/env bash
# make-mix.sh - build the benchmark captures under .build-bench/ (cached).
#
#   Benchmarks/make-mix.sh [all|mix|smb|flows|tools]...     (default: all)
#
#   mix    .build-bench/mix.pcap         >= 1 GiB "hospital mix": every Ethernet
#          capture under Captures/ and the shared corpus, each moved to a common
#          start (staggered 0.2 s apart, gaps > 60 s inside a file squeezed to
#          60 s) and merged chronologically into one
#          "round"; then round copies 0,1,2,... are appended, copy K moved
#          K x (round duration + 1 s) later and its MAC/IP addresses rewritten
#          by pcap-rewrite so every copy's flows are distinct.
#   smb    .build-bench/smb-read.pcap    one SMB2 READ transfer of $SMB_MIB MiB
#   flows  .build-bench/flows-1m.pcap    $FLOWS distinct short TCP flows
#          (SYN, SYN-ACK, ACK, 1 data, FIN, FIN-ACK, ACK = 7 packets each)
#   tools  compile pcap-floor, make-flows, pcap-rewrite into .build-bench/bin
#
# Each output is rebuilt only when its inputs (file contents, this script,
# the generator sources, the parameters) changed: a key file sits next to it.
#
# Environment: MIX_TARGET_BYTES (default 1073741824), SMB_MIB (512),
# FLOWS (1000000), CAPTURES (Captures/), CORPUS (../shared/corpus),
# BENCH_DIR (.build-bench), CC (cc).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BENCH_DIR=${BENCH_DIR:-$ROOT/.build-bench}
BIN=$BENCH_DIR/bin
CC=${CC:-cc}
MIX_TARGET_BYTES=${MIX_TARGET_BYTES:-1073741824}
SMB_MIB=${SMB_MIB:-512}
FLOWS=${FLOWS:-1000000}
CAPTURES=${CAPTURES:-$ROOT/Captures}
CORPUS=${CORPUS:-$ROOT/../shared/corpus}

log() { echo "make-mix: $*" >&2; }
die() { log "error: $*"; exit 1; }

need() {
    for t in "$@"; do command -v "$t" >/dev/null || die "$t not found (apt-get install ${PKG[$t]:-$t})"; done
}
declare -A PKG=([editcap]=wireshark-common [mergecap]=wireshark-common [capinfos]=wireshark-common [cc]=gcc)

build_tools() {
    mkdir -p "$BIN"
    local src out
    for src in pcap-floor make-flows pcap-rewrite; do
        out=$BIN/$src
        if [[ ! -x $out || $HERE/$src.c -nt $out ]]; then
            local libs=()
            [[ $src == pcap-floor ]] && libs=(-lpcap)
            log "cc -O2 $src.c"
            "$CC" -O2 -Wall -o "$out.tmp" "$HERE/$src.c" "${libs[@]}" && mv "$out.tmp" "$out"
        fi
    done
}

# key_matches FILE KEY: true if FILE exists and FILE.key holds KEY.
key_matches() { [[ -s $1 && -f $1.key && $(cat "$1.key") == "$2" ]]; }

tool_hash() { sha256sum "$@" | sha256sum | cut -c1-64; }

# Prints the capture files (pcap, pcapng, gzip'd pcap) under the given dirs,
# recognised by magic number, not extension.
find_captures() {
    local d f m
    for d in "$@"; do
        [[ -d $d ]] || continue
        find "$d" -type f -size +24c -not -path "*/malformed/*" -print0 | sort -z | while IFS= read -r -d '' f; do
            m=$(head -c4 "$f" | od -An -tx1 | tr -d ' \n')
            case $m in
                a1b2c3d4|d4c3b2a1|a1b23c4d|4d3cb2a1|0a0d0d0a) printf '%s\n' "$f" ;;
                1f8b*) case $f in *.pcap.gz|*.pcapng.gz|*.cap.gz) printf '%s\n' "$f" ;; esac ;;
            esac
        done
    done
}

make_mix() {
    need editcap mergecap capinfos
    local out=$BENCH_DIR/mix.pcap
    mapfile -t inputs < <(find_captures "$CAPTURES" "$CORPUS")
    ((${#inputs[@]})) || die "no captures found under $CAPTURES or $CORPUS"
    local key
    key=$( { printf 'target=%s\n' "$MIX_TARGET_BYTES"; tool_hash "$HERE/make-mix.sh" "$HERE/pcap-rewrite.c";
             sha256sum "${inputs[@]}" | awk '{print $1}' | sort -u; } | sha256sum | cut -c1-64)
    if key_matches "$out" "$key"; then
        log "mix.pcap up to date ($(stat -c %s "$out") bytes)"
        return
    fi
    local work=$BENCH_DIR/mix-work
    rm -rf "$work"
    mkdir -p "$work"
    # 1. normalise: classic pcap, Ethernet only, deduplicated, common start
    local t0=1700000000 i=0 used=0 skipped=0 f enc sum
    declare -A seen=()
    for f in "${inputs[@]}"; do
        sum=$(sha256sum "$f" | cut -c1-64)
        [[ -n ${seen[$sum]:-} ]] && continue
        seen[$sum]=1
        enc=$(capinfos -T -r -E -c "$f" 2>/dev/null | cut -f2,3) || enc=
        if [[ ${enc%%$'\t'*} != ether ]]; then
            skipped=$((skipped + 1)); log "skip (not Ethernet or unreadable): ${f#"$ROOT"/}"; continue
        fi
        if [[ ${enc#*$'\t'} == 0 ]]; then
            skipped=$((skipped + 1)); log "skip (no packets): ${f#"$ROOT"/}"; continue
        fi
        # classic pcap; first packet at t0 + i*0.2 s; gaps over 60 s squeezed
        if ! editcap -F pcap "$f" "$work/e.pcap" 2>"$work/err" ||
           ! "$BIN/pcap-rewrite" -a -g 60000000 0 $(( (t0 * 10 + i * 2) * 100000 )) "$work/e.pcap" "$work/n$i.pcap" 2>>"$work/err"; then
            skipped=$((skipped + 1)); log "skip ($(tr '\n' ' ' <"$work/err" | head -c 200)): ${f#"$ROOT"/}"
            rm -f "$work/n$i.pcap"; continue
        fi
        i=$((i + 1)); used=$((used + 1))
    done
    rm -f "$work/e.pcap" "$work/err"
    ((used)) || die "no usable Ethernet captures"
    # 2. one round = all inputs merged chronologically
    mergecap -F pcap -w "$work/round.pcap" "$work"/n*.pcap
    rm -f "$work"/n*.pcap
    local rsize rend dur copies step
    rsize=$(stat -c %s "$work/round.pcap")
    rend=$(capinfos -T -r -S -e "$work/round.pcap" | cut -f2)
    dur=$(awk -v e="$rend" -v t0="$t0" 'BEGIN { d = e - t0; printf "%d", (d < 0 ? 0 : d) + 2 }')
    copies=$(( (MIX_TARGET_BYTES + rsize - 25) / (rsize - 24) ))
    ((copies <= 65536)) || die "round too small ($rsize bytes) for the target"
    step=$((dur * 1000000))
    log "$used captures ($skipped skipped), round $rsize bytes, ${dur}s; $copies copies"
    # 3. append copies, each shifted and re-addressed
    local k tmp=$out.tmp
    "$BIN/pcap-rewrite" 0 0 "$work/round.pcap" "$tmp"
    for ((k = 1; k < copies; k++)); do
        "$BIN/pcap-rewrite" -n "$k" $((k * step)) "$work/round.pcap" - >>"$tmp"
    done
    mv "$tmp" "$out"
    rm -rf "$work"
    echo "$key" >"$out.key"
    log "mix.pcap: $(stat -c %s "$out") bytes"
}

make_smb() {
    local out=$BENCH_DIR/smb-read.pcap key
    key=$(printf 'smb=%s %s\n' "$SMB_MIB" "$(tool_hash "$HERE/make-flows.c")")
    key_matches "$out" "$key" && { log "smb-read.pcap up to date"; return; }
    "$BIN/make-flows" --smb-read "$SMB_MIB" "$out.tmp" && mv "$out.tmp" "$out"
    echo "$key" >"$out.key"
}

make_flows() {
    local out=$BENCH_DIR/flows-1m.pcap key
    key=$(printf 'flows=%s %s\n' "$FLOWS" "$(tool_hash "$HERE/make-flows.c")")
    key_matches "$out" "$key" && { log "flows-1m.pcap up to date"; return; }
    "$BIN/make-flows" "$FLOWS" "$out.tmp" && mv "$out.tmp" "$out"
    echo "$key" >"$out.key"
}

need "$CC"
mkdir -p "$BENCH_DIR"
build_tools
(($#)) || set -- all
for what in "$@"; do
    case $what in
        all) make_mix; make_smb; make_flows ;;
        mix) make_mix ;;
        smb) make_smb ;;
        flows) make_flows ;;
        tools) ;;
        *) die "unknown target: $what" ;;
    esac
done
