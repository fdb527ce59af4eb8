#!/usr/bin/env python3
"""check_hl7.py: check an HL7/MLLP capture against its expected table and canary list.

Usage: check_hl7.py CAPTURE.pcap EXPECTED.tsv CANARIES.txt

Reassembles each TCP direction from tshark's tcp.payload (the lab captures have no loss or retransmission),
splits it into MLLP frames (<VT> ... <FS><CR>), and requires, per row of EXPECTED.tsv (orig_port,
msg_control_id, message_type, sending_app, sending_facility, receiving_app, receiving_facility, patient_id,
message_bytes, ack_code): the message on that connection in that order with those MSH fields and length, and an
ACK on the reverse direction whose MSA-1/MSA-2 are ack_code/msg_control_id. Every line of CANARIES.txt must
occur in the reassembled traffic.
"""

import subprocess
import sys
from collections import defaultdict


def streams(capture: str) -> dict:
    out = subprocess.run(
        ["tshark", "-n", "-r", capture, "-o", "tcp.analyze_sequence_numbers:FALSE", "-Y", "tcp.len > 0",
         "-T", "fields", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.payload"],
        check=True, capture_output=True, text=True).stdout
    data: dict = defaultdict(bytes)
    for line in out.splitlines():
        sport, dport, payload = line.split("\t")
        data[(int(sport), int(dport))] += bytes.fromhex(payload.replace(":", ""))
    return data


def frames(blob: bytes) -> list[str]:
    result = []
    for chunk in blob.split(b"\x1c\r"):
        if b"\x0b" in chunk:
            result.append(chunk.split(b"\x0b", 1)[1].decode("utf-8"))
    return result


def fields(message: str, segment: str) -> list[str]:
    for seg in message.split("\r"):
        if seg.startswith(segment + "|"):
            f = seg.split("|")
            return ["MSH", "|"] + f[1:] if segment == "MSH" else f
    return []


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    capture, table, canary_file = sys.argv[1:]
    data = streams(capture)
    seen: dict = defaultdict(int)
    errors = []
    with open(table, encoding="utf-8") as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh if line.strip() and not line.startswith("#")]
    for row in rows[1:]:
        port, cid, mtype, sapp, sfac, rapp, rfac, patient, length, code = row
        sport = int(port)
        up = [k for k in data if k[0] == sport]
        if len(up) != 1:
            errors.append(f"{cid}: no single connection from port {port}")
            continue
        key = up[0]
        msgs, acks = frames(data[key]), frames(data[(key[1], key[0])])
        i = seen[key]
        seen[key] += 1
        if i >= len(msgs) or i >= len(acks):
            errors.append(f"{cid}: message or ACK #{i} missing on port {port}")
            continue
        m, a = msgs[i], acks[i]
        msh, pid, msa = fields(m, "MSH"), fields(m, "PID"), fields(a, "MSA")
        got = [msh[10], msh[9], msh[3], msh[4], msh[5], msh[6], pid[3].split("^")[0], str(len(m)), msa[1]]
        want = [cid, mtype, sapp, sfac, rapp, rfac, patient, length, code]
        if got != want or msa[2] != cid:
            errors.append(f"{cid}: capture has {got} / MSA-2 {msa[2]}, table says {want}")
        else:
            print(f"ok {port} {cid} {mtype} {len(m)} bytes -> ACK {msa[1]} {msa[2]}")
    for key, n in seen.items():
        if len(frames(data[key])) != n:
            errors.append(f"port {key[0]}: {len(frames(data[key]))} messages in capture, {n} in table")
    text = b"".join(data.values()).decode("utf-8", "replace")
    with open(canary_file, encoding="utf-8") as fh:
        for canary in (c.rstrip("\n") for c in fh):
            if canary and canary not in text:
                errors.append(f"canary {canary!r} not in capture")
    for e in errors:
        print("MISMATCH " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
