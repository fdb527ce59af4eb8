#!/usr/bin/env bash
# bench.sh - WardWatch replay throughput against the libpcap floor, nDPI and
# tshark.  Run from anywhere as `make bench` or `Benchmarks/bench.sh`.
#
#   Benchmarks/bench.sh [CAPTURE...]
#
# CAPTURE is a name from CAPTURES below (mix, smb-read, flows-1m) or a path to
# any pcap.  Every tool runs BENCH_REPEAT times per capture, in rounds (each
# round runs every tool once, so a busy spell on the host hits all tools
# alike), sequentially, pinned to CPU 1 with `taskset -c 1`, under
# /usr/bin/time (wall s, user+sys CPU s, peak RSS); the table shows each
# tool's fastest run, the one least disturbed by the rest of the machine.
# The capture is read once with cat before its runs so every tool sees a warm
# page cache.  Results: stdout and .build-bench/bench-results.txt.
#
# Environment:
#   BENCH_SKIP_BUILD=1   do not run `swift build` (use the existing binary)
#   BENCH_TOOLS=REGEX    only run tools whose label matches (e.g. 'wardwatch');
#                        the pcap-floor rows always run (they count packets and bytes)
#   BENCH_REPEAT=N       runs per tool and capture, best one shown (default 3)
#   BENCH_TIMEOUT=SECS   kill a run after SECS (default 3600); row shows FAIL
#   BENCH_CPU=N          CPU to pin to (default 1)
#   BENCH_WORKER_CPUS=L  CPUs for the rows allowed several (-2cpu, -w2; default all: 0-N)
#   WARDWATCH=PATH       binary to benchmark (default .build/release/wardwatch)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BENCH_DIR=${BENCH_DIR:-$ROOT/.build-bench}
BIN=$BENCH_DIR/bin
WARDWATCH=${WARDWATCH:-$ROOT/.build/release/wardwatch}
BENCH_CPU=${BENCH_CPU:-1}
BENCH_WORKER_CPUS=${BENCH_WORKER_CPUS:-0-$(($(nproc) - 1))}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-3600}
BENCH_REPEAT=${BENCH_REPEAT:-3}
RESULTS=$BENCH_DIR/bench-results.txt

# ---------------------------------------------------------------- settings
# Captures made by make-mix.sh, in .build-bench/<name>.pcap.
CAPTURES=(mix smb-read flows-1m)

# One line per tool: "label|command[|cpus]".  {} is replaced by the capture
# path; cpus (a taskset list) overrides BENCH_CPU for that line, for the
# rows allowed several CPUs.  Labels starting with "wardwatch" get the
# wardwatch/ndpiReader and wardwatch/tshark ratio columns.  Add variants here,
# e.g. "wardwatch-noan|$WARDWATCH replay --flows --no-analyzers --events /dev/null --quiet {}".
# The floor must stay first: the other rows are compared with it.
TOOLS=(
    "pcap-floor|$BIN/pcap-floor {}"
    # The floor again, reading through a 64 KiB stdio buffer as wardwatch does.
    "pcap-floor-64k|$BIN/pcap-floor -b 65536 {}"
    # The flow and host tables alone (issue 2's spine): no protocol analyzers, no detectors.
    "wardwatch-flows|$WARDWATCH replay --flows --no-analyzers --no-detectors --events /dev/null --quiet {}"
    # Plus the DICOM, HL7 and SMB analyzers and their reassembly (issue 3 compares this row with the one above).
    "wardwatch-analyze|$WARDWATCH replay --flows --no-detectors --events /dev/null --quiet {}"
    # Everything: analyzers and detectors (the default).
    "wardwatch|$WARDWATCH replay --flows --events /dev/null --quiet {}"
    # Everything with one worker allowed both CPUs: the file read ahead and the output thread beside the engine.
    "wardwatch-2cpu|$WARDWATCH replay --flows --events /dev/null --quiet {}|$BENCH_WORKER_CPUS"
    # Two workers on both CPUs (reader, two engines, detection and output threads).
    "wardwatch-w2|$WARDWATCH replay --flows --workers 2 --events /dev/null --quiet {}|$BENCH_WORKER_CPUS"
    # nDPI 4.2 demo reader: full DPI + flow table; -q only silences printing
    # (the end-of-run protocol-guess walk still runs); -v 0 = default verbosity.
    "ndpiReader|ndpiReader -i {} -q -v 0"
    # Full dissection for the TCP conversation table; TCP sequence analysis
    # off (it is expert-info work WardWatch does not do).
    "tshark|tshark -q -n -o tcp.analyze_sequence_numbers:FALSE -r {} -z conv,tcp"
)
# ---------------------------------------------------------------------------

log() { echo "bench: $*" >&2; }

command -v /usr/bin/time >/dev/null || { log "install the 'time' package (GNU time)"; exit 1; }
command -v taskset >/dev/null || { log "taskset missing (util-linux)"; exit 1; }

# 1. build
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    log "Scripts/build-release.sh"
    bash "$ROOT/Scripts/build-release.sh" || { log "swift build failed"; exit 1; }
fi
# 2. tools and captures
"$HERE/make-mix.sh" all || exit 1

captures=()
if (($#)); then
    for c in "$@"; do
        if [[ -f $c ]]; then captures+=("$(cd "$(dirname "$c")" && pwd)/$(basename "$c")")
        elif [[ -f $BENCH_DIR/$c.pcap ]]; then captures+=("$BENCH_DIR/$c.pcap")
        else log "no such capture: $c"; exit 1; fi
    done
else
    for c in "${CAPTURES[@]}"; do captures+=("$BENCH_DIR/$c.pcap"); done
fi

mkdir -p "$BENCH_DIR/logs"
rows=$(mktemp)
trap 'rm -f "$rows" "$rows".t "$rows".caps' EXIT

# run LABEL CAPNAME CPUS CMD... -> appends "label cap rc wall cpu rss_kb" to $rows
run() {
    local label=$1 cap=$2 cpus=$3
    shift 3
    local out=$BENCH_DIR/logs/$label.$cap
    local rc=0 t0 t1
    t0=$EPOCHREALTIME
    timeout --signal=KILL "$BENCH_TIMEOUT" \
        /usr/bin/time -f '%e %U %S %M' -o "$rows.t" taskset -c "$cpus" "$@" >"$out.out" 2>"$out.err" || rc=$?
    t1=$EPOCHREALTIME
    local wall=- cpu=- rss=- u s
    if [[ -s $rows.t ]]; then
        # wall from bash's microsecond clock (GNU time's %e has 10 ms steps)
        read -r _ u s rss < <(tail -n 1 "$rows.t")
        cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
        wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    fi
    rm -f "$rows.t"
    echo "$label $cap $rc $wall $cpu $rss" >>"$rows"
    log "$(printf '%-16s %-12s rc=%s wall=%ss cpu=%ss rss=%sKB' "$label" "$cap" "$rc" "$wall" "$cpu" "$rss")"
}

declare -A PKTS BYTES
for capfile in "${captures[@]}"; do
    cap=$(basename "$capfile" .pcap)
    cat "$capfile" >/dev/null  # warm the page cache
    for ((round = 1; round <= BENCH_REPEAT; round++)); do
        for entry in "${TOOLS[@]}"; do
            label=${entry%%|*}
            cmd=${entry#*|}
            cpus=$BENCH_CPU
            if [[ $cmd == *"|"* ]]; then cpus=${cmd##*|}; cmd=${cmd%|*}; fi
            # the floor always runs: it also counts packets and bytes
            [[ -n ${BENCH_TOOLS:-} && $label != pcap-floor* && ! $label =~ $BENCH_TOOLS ]] && continue
            read -r -a argv <<<"${cmd//\{\}/$capfile}"
            if ! command -v "${argv[0]}" >/dev/null; then
                log "$label: ${argv[0]} not found, skipped"
                ((round == 1)) && echo "$label $cap missing - - -" >>"$rows"
                continue
            fi
            run "$label" "$cap" "$cpus" "${argv[@]}"
            if [[ $label == pcap-floor ]]; then
                read -r p b <"$BENCH_DIR/logs/$label.$cap.out" || true
                PKTS[$cap]=${p:-0}
                BYTES[$cap]=${b:-0}
            fi
        done
    done
done

# 3. table
{
    echo "WardWatch replay benchmark  $(date -u '+%Y-%m-%d %H:%M:%SZ')  git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "$(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); pinned to CPU $BENCH_CPU (-2cpu and -w2 rows: CPUs $BENCH_WORKER_CPUS); best of $BENCH_REPEAT runs each, warm page cache"
    for capfile in "${captures[@]}"; do
        echo "  $(basename "$capfile" .pcap): $(stat -c %s "$capfile") bytes, ${PKTS[$(basename "$capfile" .pcap)]:-?} packets"
    done
    echo "times are wall seconds; x-floor = t / t(pcap-floor); x-floor-64k = t / t(pcap-floor-64k), the floor read through wardwatch's 64 KiB buffer; x-flows = t / t(wardwatch-flows); ww/ndpi, ww/tshark = t(wardwatch row) / t(other): < 1 means WardWatch is faster"
    echo
    { echo "- 0 0"; for c in "${!PKTS[@]}"; do echo "$c ${PKTS[$c]} ${BYTES[$c]}"; done; } >"$rows.caps"
    awk '
        BEGIN {
            fmt = "%-17s %-10s %10s %9s %11s %8s %8s %9s %8s %10s %7s %8s %9s\n"
            printf fmt, "tool", "capture", "packets", "seconds", "packets/s", "Gbit/s", "CPU s", "RSS MB", "x-floor", "x-floor-64k", "x-flows", "ww/ndpi", "ww/tshark"
        }
        FNR == NR { P[$1] = $2 + 0; B[$1] = $3 + 0; next }
        {   # one row per tool and capture: its fastest successful run (a failed run shows only if none succeeded)
            k = $1 SUBSEP $2
            if (!(k in I)) { n++; I[k] = n; L[n] = $1; C[n] = $2; RC[n] = $3; W[n] = $4; CPU[n] = $5; RSS[n] = $6 }
            i = I[k]
            if ($3 == "0" && (RC[i] != "0" || $4 + 0 < W[i] + 0)) { RC[i] = $3; W[i] = $4; CPU[i] = $5; RSS[i] = $6 }
            if (RC[i] == "0") T[$1, $2] = W[i]
        }
        END {
            for (i = 1; i <= n; i++) {
                l = L[i]; c = C[i]; w = W[i]; p = P[c]; b = B[c]
                if (RC[i] != "0") {
                    printf fmt, l, c, p, (RC[i] == "missing" ? "missing" : "FAIL(" RC[i] ")"), "-", "-", CPU[i], (RSS[i] == "-" ? "-" : sprintf("%.1f", RSS[i] / 1024)), "-", "-", "-", "-", "-"
                    continue
                }
                ws = (w > 0) ? w : 0.001
                pps = sprintf("%.0f", p / ws); gbps = sprintf("%.3f", b * 8 / ws / 1e9)
                f = ((l != "pcap-floor") && (("pcap-floor", c) in T)) ? sprintf("%.2f", ws / (T["pcap-floor", c] > 0 ? T["pcap-floor", c] : 0.001)) : "-"
                if (l == "pcap-floor") f = "1.00"
                f1 = (("pcap-floor-64k", c) in T) ? sprintf("%.2f", ws / (T["pcap-floor-64k", c] > 0 ? T["pcap-floor-64k", c] : 0.001)) : "-"
                rn = rt = xf = "-"
                if (l ~ /^wardwatch/) {
                    if (("wardwatch-flows", c) in T) xf = sprintf("%.2f", ws / (T["wardwatch-flows", c] > 0 ? T["wardwatch-flows", c] : 0.001))
                    if (("ndpiReader", c) in T) rn = sprintf("%.2f", ws / (T["ndpiReader", c] > 0 ? T["ndpiReader", c] : 0.001))
                    if (("tshark", c) in T) rt = sprintf("%.2f", ws / (T["tshark", c] > 0 ? T["tshark", c] : 0.001))
                }
                printf fmt, l, c, p, w, pps, gbps, CPU[i], sprintf("%.1f", RSS[i] / 1024), f, f1, xf, rn, rt
            }
        }' "$rows.caps" "$rows"
} | sed 's/ *$//' | tee "$RESULTS"
log "written $RESULTS (tool output in $BENCH_DIR/logs/)"
