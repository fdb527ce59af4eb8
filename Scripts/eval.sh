#!/usr/bin/env bash
# eval.sh: detection report over the labelled scenario captures (Captures/scenarios, Scripts/captures/scenarios.sh).
#
# For each scenario: the scenario's timestamps are shifted (editcap -t, into a temporary copy) to start 30 s after
# benign-day.pcap ends, and both are replayed in ONE command with the release binary and the site file
#     wardwatch replay --config Captures/scenarios/site.yaml --events OUT benign-day.pcap scenario.pcap
# so the detectors learn from the benign day first (site.yaml sets a 60 s warm-up). Alerts (event.kind == "alert")
# are matched against <scenario>.truth.tsv: an alert detects a truth row when rule.name == expected_rule and the
# row's attacker_ip is the alert's source.ip or destination.ip. Printed per truth row: detected, latency (alert
# @timestamp - attack_start, s), files lost (smb file records from the attacker with write_entropy > 7.5 opened
# before the first matching alert; smb_ransomware rows only), false alerts (alerts in the scenario part that match
# no truth row; on benign-day every alert is false).
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
[[ -x $BIN ]] || { echo "eval.sh: no $BIN (swift build -c release --product wardwatch)" >&2; exit 2; }
[[ -f $SITE && -f $BENIGN ]] || { echo "eval.sh: need $SITE and $BENIGN (Scripts/captures/scenarios.sh)" >&2; exit 2; }
"$BIN" check-config "$SITE" >/dev/null

TMP=$(mktemp -d /tmp/wardwatch-eval.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

times() { capinfos -T -r -S -a -e "$1" | awk -F'\t' '{print $2, $3}'; } # first and last packet, epoch seconds
read -r _ BENIGN_END <<<"$(times "$BENIGN")"

# One line per run for the report: name, shift (s), start of the scenario part (epoch), events file, truth file.
: >"$TMP/runs.tsv"
"$BIN" replay --quiet --config "$SITE" --events "$TMP/benign-day.jsonl" "$BENIGN"
printf 'benign-day\t0\t0\t%s\t%s\n' "$TMP/benign-day.jsonl" "$DIR/benign-day.truth.tsv" >>"$TMP/runs.tsv"
for pcap in "$DIR"/*.pcap; do
    name=$(basename "$pcap" .pcap)
    [[ $name == benign-day ]] && continue
    [[ -f $DIR/$name.truth.tsv ]] || { echo "eval.sh: no $name.truth.tsv: skipped" >&2; continue; }
    read -r start _ <<<"$(times "$pcap")"
    shift_s=$("$PYTHON" -c "import math, sys; print(math.ceil(float(sys.argv[1]) - float(sys.argv[2]) + 30))" "$BENIGN_END" "$start")
    editcap -t "$shift_s" "$pcap" "$TMP/$name.pcap"
    "$BIN" replay --quiet --config "$SITE" --events "$TMP/$name.jsonl" "$BENIGN" "$TMP/$name.pcap"
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
            continue  # the benign-day part of the merged replay: counted in the benign-day row
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
            lost = str(sum(1 for opened, ip, h in files if ip == attacker and h is not None and h > 7.5 and opened < limit))
        table.append((name if n == 0 else "", f"{rule} by {attacker}", "yes" if detected else "no", latency, lost,
                      str(false_alerts) if n == 0 else "", ", ".join(false_names) if n == 0 else ""))

header = ("scenario", "expected rule", "detected", "latency_s", "files_lost", "false_alerts", "false alert rules")
widths = [max(len(r[i]) for r in table + [header]) for i in range(len(header))]
for r in [header, tuple("-" * w for w in widths)] + table:
    print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
print(f"\nsummary: {detected_total}/{expected_total} expected detections, {false_total} false alerts "
      f"over {sum(1 for _ in open(sys.argv[1]))} replays")
EOF
