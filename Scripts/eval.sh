#!/usr/bin/env bash
# eval.sh: detection report over the labelled scenario captures (Captures/scenarios, Scripts/captures/scenarios.sh).
#
# First `wardwatch learn` builds a state DB from benign-day.pcap (inventory, AE titles, HL7 senders, baselines). Then
# each scenario's timestamps are shifted (editcap -t, into a temporary copy) to start 30 s after benign-day.pcap ends,
# and it is replayed alone with a copy of that state DB, as a restarted sensor would see it:
#     wardwatch learn  --config Captures/scenarios/site.yaml --state learned.db benign-day.pcap
#     wardwatch replay --config Captures/scenarios/site.yaml --state copy-of-learned.db --events OUT scenario.pcap
# The benign-day row is a fresh sensor (no state DB) replaying the benign day with site.yaml's 60 s warm-up.
# Alerts (event.kind == "alert")
# are matched against <scenario>.truth.tsv: an alert detects a truth row when rule.name == expected_rule and the
# row's attacker_ip is the alert's source.ip or destination.ip. Printed per truth row: detected, latency (alert
# @timestamp - attack_start, s), files lost (smb file records from the attacker with write_entropy > 7.5 opened
# before the first matching alert; smb_ransomware rows only; over encrypted SMB3, where files are hidden, the
# rewritten files the alert counted),
# false alerts (alerts in the scenario that match no truth row; on benign-day every alert is false).
# Always exits 0 when the report could be made (it is a report, not a test); 2 when a tool or file is missing.
#
# Usage: Scripts/eval.sh [SCENARIO_DIR]   (WARDWATCH=path/to/wardwatch to use another binary)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${1:-$ROOT/Captures/scenarios}
BIN=${WARDWATCH:-$ROOT/.build/release/wardwatch}
SITE=$DIR/site.yaml
BENIGN=$DIR/benign-day.pcap
PYTHON=${PYTHON:-python3}

for c in editcap capinfos "$PYTHON"; do
    command -v "$c" >/dev/null || { echo "eval.sh: missing $c (apt-get install wireshark-common / python3)" >&2; exit 2; }
done
[[ -x $BIN ]] || { echo "eval.sh: no $BIN (make build)" >&2; exit 2; }
[[ -f $SITE && -f $BENIGN ]] || { echo "eval.sh: need $SITE and $BENIGN (Scripts/captures/scenarios.sh)" >&2; exit 2; }
"$BIN" check-config "$SITE" >/dev/null

TMP=$(mktemp -d /tmp/wardwatch-eval.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

times() { capinfos -T -r -S -a -e "$1" | awk -F'\t' '{print $2, $3}'; } # first and last packet, epoch seconds
read -r _ BENIGN_END <<<"$(times "$BENIGN")"

# One line per run for the report: name, shift (s), start of the scenario part (epoch), events file, truth file.
: >"$TMP/runs.tsv"
"$BIN" learn --quiet --config "$SITE" --state "$TMP/learned.db" "$BENIGN"
"$BIN" replay --quiet --config "$SITE" --events "$TMP/benign-day.jsonl" "$BENIGN"
printf 'benign-day\t0\t0\t%s\t%s\n' "$TMP/benign-day.jsonl" "$DIR/benign-day.truth.tsv" >>"$TMP/runs.tsv"
for pcap in "$DIR"/*.pcap; do
    name=$(basename "$pcap" .pcap)
    [[ $name == benign-day ]] && continue
    [[ -f $DIR/$name.truth.tsv ]] || { echo "eval.sh: no $name.truth.tsv: skipped" >&2; continue; }
    read -r start _ <<<"$(times "$pcap")"
    shift_s=$("$PYTHON" -c "import math, sys; print(math.ceil(float(sys.argv[1]) - float(sys.argv[2]) + 30))" "$BENIGN_END" "$start")
    editcap -t "$shift_s" "$pcap" "$TMP/$name.pcap"
    cp "$TMP/learned.db" "$TMP/$name.db"
    "$BIN" replay --quiet --config "$SITE" --state "$TMP/$name.db" --events "$TMP/$name.jsonl" "$TMP/$name.pcap"
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$shift_s" "$("$PYTHON" -c "print(float('$start') + $shift_s)")" \
        "$TMP/$name.jsonl" "$DIR/$name.truth.tsv" >>"$TMP/runs.tsv"
done

"$PYTHON" - "$TMP/runs.tsv" <<'EOF'
import datetime as dt
import json
import sys


def epoch(text):
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def truth_rows(path):
    rows = []
    for line in open(path):
        line = line.rstrip("\n")
        if not line or line.startswith("#") or line.startswith("attack_start"):
            continue
        start, attacker, rule = line.split("\t")[:3]
        rows.append((epoch(start), attacker, rule))
    return rows


def ips(event):
    return {event.get("source", {}).get("ip"), event.get("destination", {}).get("ip")} - {None}


table = []
expected_total = detected_total = false_total = 0
for line in open(sys.argv[1]):
    name, shift, part_start, events_path, truth_path = line.rstrip("\n").split("\t")
    shift, part_start = float(shift), float(part_start)
    alerts, files = [], []
    for raw in open(events_path):
        event = json.loads(raw)
        kind = event.get("event", {})
        when = epoch(event["@timestamp"])
        if when < part_start:
            continue  # before the shifted scenario start: not part of this scenario
        if kind.get("kind") == "alert":
            alerts.append((when, event.get("rule", {}).get("name", "?"), event))
        elif kind.get("dataset") == "wardwatch.smb" and event.get("smb", {}).get("action") == "file":
            smb = event["smb"]
            opened = epoch(smb["opened"]) if "opened" in smb else when
            files.append((opened, event.get("source", {}).get("ip"), smb.get("write_entropy")))
    rows = [(start + shift, attacker, rule) for start, attacker, rule in truth_rows(truth_path)]
    matched = set()
    for i, (when, rule, event) in enumerate(alerts):
        if any(rule == r and attacker in ips(event) for _, attacker, r in rows):
            matched.add(i)
    false_alerts = len(alerts) - len(matched)
    false_total += false_alerts
    false_names = sorted({f"{alerts[i][1]}" for i in range(len(alerts)) if i not in matched})
    if not rows:
        table.append((name, "(none: benign)", "-", "-", "-", str(false_alerts), ", ".join(false_names)))
        continue
    for n, (start, attacker, rule) in enumerate(rows):
        expected_total += 1
        hits = sorted(when for when, r, event in alerts if r == rule and attacker in ips(event))
        detected = bool(hits)
        detected_total += detected
        latency = f"{hits[0] - start:.2f}" if detected else "-"
        lost = "-"
        if rule == "smb_ransomware":
            limit = hits[0] if detected else float("inf")
            lost = sum(1 for opened, ip, h in files if ip == attacker and h is not None and h > 7.5 and opened < limit)
            first = min(((when, event) for when, r, event in alerts if r == rule and attacker in ips(event)),
                        key=lambda pair: pair[0], default=(None, None))[1]
            if first is not None and first.get("rule", {}).get("id") == "WW-1303":
                # Encrypted SMB3: no file records; the alert counts the files rewritten before it fired.
                lost = int(first["wardwatch"]["alert"]["statistic"])
            lost = str(lost)
        table.append((name if n == 0 else "", f"{rule} by {attacker}", "yes" if detected else "no", latency, lost,
                      str(false_alerts) if n == 0 else "", ", ".join(false_names) if n == 0 else ""))

header = ("scenario", "expected rule", "detected", "latency_s", "files_lost", "false_alerts", "false alert rules")
widths = [max(len(r[i]) for r in table + [header]) for i in range(len(header))]
for r in [header, tuple("-" * w for w in widths)] + table:
    print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
print(f"\nsummary: {detected_total}/{expected_total} expected detections, {false_total} false alerts "
      f"over {sum(1 for _ in open(sys.argv[1]))} replays")
EOF
