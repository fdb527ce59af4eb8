#!/usr/bin/env bash
# live-scaling.sh: how much faster `wardwatch live` works through packets with --workers 2 than with one worker,
# measured without a sender competing for the CPUs.
#
#   sudo Scripts/live-scaling.sh [capture.pcap]   (default: 512 MiB of the hospital scenarios, copied and re-addressed)
#
# On a small machine tcpreplay needs a core of its own to send fast (live-loss.sh: about 300,000 packets/s on two
# cores), so a sensor sharing the CPUs with it is never pushed to its limit. Here the sender goes first:
#   1. `wardwatch live` opens its capture on one end of a veth pair (veth-pair.sh), with kernel rings of
#      SCALING_BUFFER_MIB MiB per worker (default 1024: room for the whole capture), and is stopped (SIGSTOP);
#   2. tcpreplay sends the capture as fast as it can into the rings;
#   3. the sensor is continued (SIGCONT) and timed until it has worked through them: the drain ends with the last
#      50 ms in which its capture threads (one per worker; with one worker, the main thread) used at least 0.8 CPU
#      between them, read from /proc/PID/task/*/schedstat every 2 ms. What follows is the idle loop: flows expiring
#      once a wall-clock tick, their records written by the output thread;
#   4. it is stopped (SIGTERM); a run counts only if its final stats show every packet, no kernel drop and no event
#      dropped (the output thread kept up).
# Everything is on: analyzers, detectors, flow records written to a file. Each worker count of SCALING_WORKERS
# (default "1 2") runs SCALING_RUNS times (default 5), alternating. The table gives each count's fastest and median
# drain, the packet rate of each, and the ratio to one worker; per-thread CPU of the fastest run is in
# $WORK/live-scaling-threads.txt. Needs root, ip, tcpreplay, python3; the release binary (make build).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${WARDWATCH:-$ROOT/.build/release/wardwatch}
WORKERS=${SCALING_WORKERS:-"1 2"}
RUNS=${SCALING_RUNS:-5}
BUFFER_MIB=${SCALING_BUFFER_MIB:-1024}
CAPTURE=${1:-}
WORK=${SCALING_DIR:-$ROOT/.build-loss}
# shellcheck source=Scripts/veth-pair.sh
source "$ROOT/Scripts/veth-pair.sh"

log() { echo "live-scaling: $*" >&2; }
die() { log "error: $*"; exit 2; }

[[ $(id -u) == 0 ]] || die "needs root (network namespaces)"
for c in ip tcpreplay python3; do command -v "$c" >/dev/null || die "missing $c (apt-get install tcpreplay)"; done
[[ -x $BIN ]] || die "no executable $BIN (make build)"
mkdir -p "$WORK/scaling"
if [[ -z $CAPTURE ]]; then
    scenario_mix 512 "$WORK/scaling"
    CAPTURE=$WORK/scaling/mix.pcap
fi
veth_pair_up

"$BIN" replay --quiet --events "$WORK/scaling/reference.jsonl" "$CAPTURE"
read -r expected _ < <(counted_packets "$WORK/scaling/reference.jsonl")
log "capture $CAPTURE: $expected IPv4 and ARP packets"

# Continues PID and prints "drain-seconds cpu-seconds" and, on a second line, each thread's CPU seconds over the
# drain ("name=seconds ...").
time_drain() {
    python3 - "$1" <<'EOF'
import glob, os, signal, sys, time
pid = int(sys.argv[1])
paths = sorted(glob.glob(f"/proc/{pid}/task/*/schedstat"))
names = [open(path.replace("schedstat", "comm")).read().strip() for path in paths]
files = [open(path) for path in paths]
# The capture threads: one per worker, or the main thread (whose task id is the process id) with one worker.
capturing = [index for index, name in enumerate(names) if name.startswith("ww-capture")] or \
    [index for index, path in enumerate(paths) if path.split("/")[4] == str(pid)]

def per_thread():
    values = []
    for file in files:
        file.seek(0)
        values.append(int(file.read().split()[0]))
    return values

samples = [(time.monotonic(), per_thread())]
os.kill(pid, signal.SIGCONT)
quiet_since = samples[0][0]
while samples[-1][0] - quiet_since < 0.5:
    time.sleep(0.002)
    samples.append((time.monotonic(), per_thread()))
    (before, used_before), (now, used_now) = samples[-2], samples[-1]
    if sum(used_now) - sum(used_before) >= 0.5e9 * (now - before):
        quiet_since = now

def capture_cpu(index):
    return sum(samples[index][1][thread] for thread in capturing)

# The drain ends with the last 50 ms window in which the capture threads used at least 0.8 CPU.
end, first = 0, 0
for index in range(1, len(samples)):
    while samples[index][0] - samples[first][0] > 0.050:
        first += 1
    span = samples[index][0] - samples[first][0]
    if span > 0.045 and capture_cpu(index) - capture_cpu(first) >= 0.8e9 * span:
        end = index
start_time, start_used = samples[0]
end_time, end_used = samples[end]
print(f"{end_time - start_time:.4f} {(sum(end_used) - sum(start_used)) / 1e9:.4f}")
print(" ".join(f"{name}={(b - a) / 1e9:.3f}" for name, a, b in zip(names, start_used, end_used) if b - a > 1e6))
EOF
}

results=$WORK/scaling/runs.txt
: >"$results"
for run in $(seq "$RUNS"); do
    for workers in $WORKERS; do
        events=$WORK/scaling/live-$workers.jsonl
        rm -f "$events"
        ip netns exec "$VETH_CAPTURE" "$BIN" live --interface wwl0 --workers "$workers" --buffer-mib "$BUFFER_MIB" \
            --flows --events "$events" >/dev/null 2>"$WORK/scaling/live.err" &
        pid=$!
        for _ in $(seq 200); do grep -q "capturing on" "$WORK/scaling/live.err" && break; sleep 0.05; done
        sleep 0.5  # every worker's capture thread is in its loop
        kill -STOP "$pid"
        read -r sent _ < <(send_capture "$CAPTURE" max)
        sleep 1  # the kernel has put the last frames in the rings
        { read -r drain cpu; read -r threads; } < <(time_drain "$pid")
        kill -TERM "$pid"
        wait "$pid" || true
        read -r counted drops lost < <(counted_packets "$events")
        valid=no
        [[ $counted == "$expected" && $drops == 0 && $lost == 0 ]] && valid=yes
        echo "$workers $drain $cpu $counted $drops $valid $sent $threads" | tee -a "$results" >&2
    done
done

python3 - "$results" "$expected" "$WORK/live-scaling-threads.txt" <<'EOF' | tee "$WORK/live-scaling.txt"
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
packets = int(sys.argv[2])
by_workers = {}
for row in rows:
    by_workers.setdefault(int(row[0]), []).append(row)
print(f"{packets} packets per run; drain = time to work through the kernel rings after SIGCONT; valid = every packet"
      " counted, no kernel drop, no event dropped")
print(f"{'workers':>7} {'valid':>6} {'fastest s':>10} {'median s':>9} {'Mpps fastest':>13} {'Mpps median':>12}"
      f" {'CPU s':>6} {'x1 fastest':>11} {'x1 median':>10}")
base = None
with open(sys.argv[3], "w") as threads:
    for workers in sorted(by_workers):
        valid = [row for row in by_workers[workers] if row[5] == "yes"]
        if not valid:
            print(f"{workers:>7} {0:>3}/{len(by_workers[workers]):<2} no valid run")
            continue
        drains = sorted(float(row[1]) for row in valid)
        fastest, median = drains[0], statistics.median(drains)
        best = min(valid, key=lambda row: float(row[1]))
        threads.write(f"{workers} workers, fastest run: {' '.join(best[7:])}\n")
        if base is None:
            base = (fastest, median)
        print(f"{workers:>7} {len(valid):>3}/{len(by_workers[workers]):<2} {fastest:>10.3f} {median:>9.3f}"
              f" {packets / fastest / 1e6:>13.2f} {packets / median / 1e6:>12.2f} {float(best[2]):>6.2f}"
              f" {base[0] / fastest:>11.2f} {base[1] / median:>10.2f}")
EOF
