#!/usr/bin/env python3
"""check_conns.py: compare a capture's TCP/UDP connections with an expected conn_state table.

Usage: check_conns.py CAPTURE.pcap EXPECTED.tsv

EXPECTED.tsv has the columns "proto orig_ip orig_port resp_ip resp_port conn_state" (tab separated, '#' lines
are comments, the header line starts with "proto"). The states there are written by hand from what each
scenario does; this script reads the packets with tshark, derives a conn_state with Zeek's rules
(base/protocols/conn/main.zeek, conn_state()) from the flags each side sent, and fails on any difference,
including a TCP or UDP connection in the capture that the table does not list. It is a cross-check, not the
oracle: the sensor's own tests compare against the table.
"""

import subprocess
import sys
from collections import OrderedDict

SYN, FIN, RST, ACK = 0x02, 0x01, 0x04, 0x10


def tshark(capture: str, display_filter: str, fields: list[str]) -> list[list[str]]:
    cmd = ["tshark", "-n", "-r", capture, "-o", "tcp.analyze_sequence_numbers:FALSE", "-Y", display_filter, "-T", "fields"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line.strip()]


def derive(capture: str) -> "OrderedDict[tuple, str]":
    conns: "OrderedDict[tuple, dict]" = OrderedDict()
    rows = tshark(capture, "tcp", ["ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport", "tcp.flags", "tcp.len"])
    for src4, src6, sport, dst4, dst6, dport, flags, length in rows:
        src, dst, fl = src4 or src6, dst4 or dst6, int(flags, 16)
        a, b = (src, int(sport)), (dst, int(dport))
        key = (a, b) if (a, b) in conns else (b, a) if (b, a) in conns else None
        if key is None:
            # The originator is whoever sent the first packet we see (a SYN, for every connection here).
            key = (a, b)
            conns[key] = {"o": set(), "r": set(), "o_syn_only": fl & (SYN | ACK) == SYN}
        side = "o" if (a, b) == key else "r"
        c = conns[key]
        if fl & SYN:
            c[side].add("SA" if fl & ACK else "S")
        if fl & FIN:
            c[side].add("F")
        if fl & RST:
            c[side].add("R")
        if int(length or 0) > 0:
            c[side].add("D")
    result: "OrderedDict[tuple, str]" = OrderedDict()
    for key, c in conns.items():
        o, r = c["o"], c["r"]
        established = "S" in o and "SA" in r
        resp_inactive = not r - {"R"}
        orig_inactive = not o - {"R"}
        if "R" in r:
            state = "REJ" if "SA" not in r and "S" in o else ("RSTRH" if orig_inactive else "RSTR")
        elif "R" in o:
            state = ("RSTOS0" if "S" in o else "OTH") if resp_inactive else "RSTO"
        elif "F" in o and "F" in r:
            state = "SF"
        elif "F" in o:
            state = "SH" if resp_inactive else "S2"
        elif "F" in r:
            state = "SHR" if orig_inactive else "S3"
        elif "S" in o and not r:
            state = "S0"
        elif established:
            state = "S1"
        else:
            state = "OTH"
        if "S" not in o and state not in ("RSTRH", "SHR"):
            state = "OTH"
        result[("tcp",) + key] = state
    udp: "OrderedDict[tuple, set]" = OrderedDict()
    for src4, src6, sport, dst4, dst6, dport in tshark(capture, "udp and not icmp and not icmpv6",
                                                       ["ip.src", "ipv6.src", "udp.srcport", "ip.dst", "ipv6.dst", "udp.dstport"]):
        a, b = (src4 or src6, int(sport)), (dst4 or dst6, int(dport))
        if (b, a) in udp:
            udp[(b, a)].add("r")
        else:
            udp.setdefault((a, b), set()).add("o")
    for key, sides in udp.items():
        result[("udp",) + key] = "SF" if sides == {"o", "r"} else "S0"
    return result


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    capture, table = sys.argv[1], sys.argv[2]
    expected: "OrderedDict[tuple, str]" = OrderedDict()
    with open(table, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line or line.startswith("#") or line.startswith("proto\t"):
                continue
            proto, oip, oport, rip, rport, state = line.split("\t")
            expected[(proto, (oip, int(oport)), (rip, int(rport)))] = state
    derived = derive(capture)
    ok = True
    for key in list(expected) + [k for k in derived if k not in expected]:
        want, got = expected.get(key, "-"), derived.get(key, "-")
        mark = "ok" if want == got else "MISMATCH"
        ok &= want == got
        proto, (oip, oport), (rip, rport) = key
        print(f"{mark:8} {proto} {oip}:{oport} -> {rip}:{rport} expected={want} derived={got}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
