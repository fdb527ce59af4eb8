#!/usr/bin/env bash
# soak.sh: the hospital mix replayed in a loop by ONE `wardwatch replay` process for SOAK_SECONDS; checks that its
# memory stays flat and that its final counters are exactly N times those of one copy.
#
#   Scripts/soak.sh                                   120 s (what `make test` runs)
#   SOAK_SECONDS=1800 Scripts/soak.sh                 the 30-minute soak, by hand
#   WARDWATCH=path/to/wardwatch Scripts/soak.sh       another binary (default .build/release/wardwatch)
#   SOAK_WORKERS=2 Scripts/soak.sh                    the same through `--workers 2` (reader, workers, detection thread)
#
# Input: one round of the hospital mix (Benchmarks/make-mix.sh with MIX_TARGET_BYTES=1: every Ethernet capture of
# Captures/ and ../shared/corpus, time-aligned and merged once) in SOAK_DIR (.build-soak). A feeder writes the round
# into a named pipe again and again, copy K moved K x STEP later (STEP = round duration + 601 s, so every flow of a
# copy has timed out before the next begins; the addresses stay: the same hospital, day after day), until
# SOAK_SECONDS have passed; then it closes the pipe after a whole copy and the replay ends. The pipe paces the feeder
# to the replay's speed and nothing is written to disk. The events go through a second pipe to awk, which keeps the
# count per dataset and the final wardwatch.stats event.
#
# Checked (exit 1 on a FAIL, 2 when the soak cannot run):
#   - VmRSS of the replay, sampled every second: the peak after the first quarter is at most SOAK_RSS_TOLERANCE %
#     (10) above the first quarter's peak (the warm-up: tables fill, the vendor registry is read);
#   - the replay exits 0 with nothing on standard error;
#   - its final stats equal N x those of one copy replayed alone (a calibration run; N = copies fed) for every
#     packet, byte, flow, session, reassembly and anomaly counter; hosts and MACs equal one copy's; nothing evicted
#     or dropped; ipv4 + ipv6 + arp + other = packets; one wardwatch.flow record per flow created; packets = N x
#     the round's packets by capinfos.
# RSS samples go to SOAK_DIR/soak-samples.tsv. Needs editcap, mergecap, capinfos (wireshark-common), cc, python3.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SOAK_SECONDS=${SOAK_SECONDS:-120}
TOLERANCE=${SOAK_RSS_TOLERANCE:-10}
WORK=${SOAK_DIR:-$ROOT/.build-soak}
BIN=${WARDWATCH:-$ROOT/.build/release/wardwatch}
WORKERS=${SOAK_WORKERS:-1}
OPTIONS=(replay --quiet --flows --workers "$WORKERS")

log() { echo "soak: $*" >&2; }
die() { log "error: $*"; exit 2; }

for v in SOAK_SECONDS TOLERANCE WORKERS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
done
for c in editcap mergecap capinfos cc python3; do
    command -v "$c" >/dev/null || die "missing $c (Scripts/setup.sh installs wireshark-common, python3, gcc)"
done
[[ -x $BIN ]] || die "no executable $BIN (make build)"

# 1. One round of the hospital mix (cached), and pcap-rewrite to move copies in time.
mkdir -p "$WORK"
MIX_TARGET_BYTES=1 BENCH_DIR=$WORK bash "$ROOT/Benchmarks/make-mix.sh" mix
ROUND=$WORK/mix.pcap
REWRITE=$WORK/bin/pcap-rewrite
read -r ROUND_PACKETS ROUND_START ROUND_END < <(capinfos -T -r -c -S -a -e "$ROUND" | cut -f2-)
STEP_US=$(awk -v s="$ROUND_START" -v e="$ROUND_END" 'BEGIN { d = e - s; printf "%d", ((d < 0 ? 0 : d) + 601) * 1000000 }')

# 2. Calibration: one copy alone gives the reference counters.
"$BIN" "${OPTIONS[@]}" --events "$WORK/soak-calibration.jsonl" "$ROUND"

# 3. The soak: feeder -> packets pipe -> wardwatch replay -> events pipe -> awk.
RUN=$(mktemp -d "${TMPDIR:-/tmp}/wardwatch-soak.XXXXXX")
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$RUN"
}
trap cleanup EXIT
mkfifo "$RUN/packets" "$RUN/events"

awk '
    { n[match($0, /"dataset":"[a-z0-9_.]*"/) ? substr($0, RSTART + 11, RLENGTH - 12) : "?"]++ }
    /"dataset":"wardwatch.stats"/ { stats = $0 }
    END { for (k in n) printf "count %s %d\n", k, n[k]; print "stats " stats }
' <"$RUN/events" >"$WORK/soak-events.txt" &
PIDS+=($!)

deadline=$(($(date +%s) + SOAK_SECONDS))
(
    trap '' PIPE
    "$REWRITE" 0 0 "$ROUND" - || exit 1
    copies=1
    while (($(date +%s) < deadline)); do
        "$REWRITE" -n 0 $((copies * STEP_US)) "$ROUND" - || exit 1
        copies=$((copies + 1))
    done
    echo "$copies" >"$RUN/copies"
) >"$RUN/packets" &
FEEDER=$!
PIDS+=($FEEDER)

"$BIN" "${OPTIONS[@]}" --events - "$RUN/packets" >"$RUN/events" 2>"$WORK/soak-stderr.txt" &
PID=$!
PIDS+=($PID)
start=$(date +%s%N)
log "round: $ROUND_PACKETS packets; replaying copies for ${SOAK_SECONDS}s (pid $PID)"

SAMPLES=$WORK/soak-samples.tsv
printf 'seconds\trss_kb\n' >"$SAMPLES"
while kill -0 "$PID" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status" 2>/dev/null) || rss=
    [[ -n $rss ]] && printf '%s\t%s\n' "$((($(date +%s%N) - start) / 1000000))" "$rss" >>"$SAMPLES"
    sleep 1
done
status=0
wait "$PID" || status=$?
feeder_status=0
wait "$FEEDER" || feeder_status=$?
wait "${PIDS[0]}" || true
PIDS=()
[[ $feeder_status == 0 && -s $RUN/copies ]] || die "the feeder failed (exit $feeder_status)"
copies=$(cat "$RUN/copies")
log "replay ended after $((($(date +%s%N) - start) / 1000000000))s, exit status $status, $copies copies"

# 4. Checks.
python3 - "$SAMPLES" "$WORK/soak-events.txt" "$WORK/soak-calibration.jsonl" "$WORK/soak-stderr.txt" \
    "$status" "$copies" "$ROUND_PACKETS" "$TOLERANCE" <<'EOF'
import json, sys
samples_path, events_path, calibration_path, stderr_path = sys.argv[1:5]
status, copies, round_packets, tolerance = (int(a) for a in sys.argv[5:9])
failures = []

samples = [line.split("\t") for line in open(samples_path).read().splitlines()[1:]]
samples = [(int(ms) / 1000, int(rss)) for ms, rss in samples]
print(f"{'time (s)':>9} {'RSS (MB)':>9}")
for index in sorted({round(k * (len(samples) - 1) / 12) for k in range(13)}) if samples else []:
    t, rss = samples[index]
    print(f"{t:9.1f} {rss / 1024:9.1f}")
duration = samples[-1][0] if samples else 0
warm = [rss for t, rss in samples if t <= duration / 4]
rest = [rss for t, rss in samples if t > duration / 4]
growth = float("nan")
if len(warm) < 3 or len(rest) < 3:
    failures.append(f"too few RSS samples ({len(warm)} in the first quarter, {len(rest)} after)")
else:
    growth = (max(rest) - max(warm)) * 100 / max(warm)
    print(f"RSS: first-quarter peak {max(warm) / 1024:.1f} MB, later peak {max(rest) / 1024:.1f} MB "
          f"({growth:+.1f} %, tolerance {tolerance} %); last sample {samples[-1][1] / 1024:.1f} MB")
    if growth > tolerance:
        failures.append(f"RSS grew {growth:.1f} % after the first quarter (tolerance {tolerance} %)")

if status != 0:
    failures.append(f"replay exit status {status}")
errors = open(stderr_path).read().strip()
if errors:
    failures.append(f"replay wrote to standard error: {errors[:300]}")

counts, final = {}, None
for line in open(events_path):
    kind, _, rest_of_line = line.rstrip("\n").partition(" ")
    if kind == "count":
        dataset, number = rest_of_line.rsplit(" ", 1)
        counts[dataset] = int(number)
    elif kind == "stats" and rest_of_line:
        final = json.loads(rest_of_line)["wardwatch"]["stats"]
reference = None
for line in open(calibration_path):
    event = json.loads(line)
    if event["event"]["dataset"] == "wardwatch.stats":
        reference = event["wardwatch"]["stats"]
if final is None or reference is None:
    failures.append("no wardwatch.stats event at the end of the events")
else:
    def check_values(prefix, values):
        for key, value in values.items():
            if isinstance(value, dict):
                check_values(f"{prefix}{key}.", value)
            elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
                failures.append(f"stats {prefix}{key} = {value!r} is not a count")
    check_values("", final)
    per_copy = ["packets", "bytes", "ipv4_packets", "ipv6_packets", "arp_packets", "other_packets", "ip_fragments",
                "flows_created", "dns_queries", "tls_server_names", "dicom_sessions", "hl7_sessions", "smb_sessions",
                "sessions_refused", "reassembly_gap_bytes", "reassembly_overflows", "sessions_abandoned"]
    for key in per_copy:
        if final.get(key) != copies * reference.get(key, 0):
            failures.append(f"stats {key} = {final.get(key)}, expected {copies} x {reference.get(key)}")
    for key in ["hosts", "macs"]:
        if final.get(key) != reference.get(key):
            failures.append(f"stats {key} = {final.get(key)}, one copy gives {reference.get(key)}")
    anomalies, expected = final.get("anomalies", {}), reference.get("anomalies", {})
    for key in sorted(set(anomalies) | set(expected)):
        if anomalies.get(key, 0) != copies * expected.get(key, 0):
            failures.append(f"anomaly {key} = {anomalies.get(key, 0)}, expected {copies} x {expected.get(key, 0)}")
    for key in ["flows_evicted", "hosts_evicted", "sessions_evicted", "events_dropped", "alerts_dropped"]:
        if final.get(key, 0) != 0:
            failures.append(f"stats {key} = {final.get(key)}, expected 0")
    parts = sum(final.get(k, 0) for k in ["ipv4_packets", "ipv6_packets", "arp_packets", "other_packets"])
    if parts != final.get("packets"):
        failures.append(f"ipv4 + ipv6 + arp + other packets = {parts} != packets {final.get('packets')}")
    if final.get("packets") != copies * round_packets:
        failures.append(f"packets {final.get('packets')} != {copies} x {round_packets} (capinfos)")
    if counts.get("wardwatch.flow", 0) != final.get("flows_created"):
        failures.append(f"{counts.get('wardwatch.flow', 0)} flow records for {final.get('flows_created')} flows")
    print(f"stats: {final.get('packets')} packets ({copies} copies x {round_packets}), {final.get('bytes')} bytes, "
          f"{final.get('flows_created')} flows, {final.get('dicom_sessions')} DICOM / {final.get('hl7_sessions')} HL7 / "
          f"{final.get('smb_sessions')} SMB sessions, {final.get('alerts')} alerts, {final.get('hosts')} hosts; "
          f"events: " + ", ".join(f"{k.removeprefix('wardwatch.')} {v}" for k, v in sorted(counts.items())))

for failure in failures:
    print(f"FAIL: {failure}")
print(f"soak: {'FAIL' if failures else 'PASS'} ({duration:.0f} s, {copies} copies, RSS growth {growth:+.1f} %)")
sys.exit(1 if failures else 0)
EOF
