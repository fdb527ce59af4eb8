#!/usr/bin/env python3
"""readme_table.py: refresh the capture table in Captures/README.md.

Usage: readme_table.py CAPTURES_DIR

The table sits between "<!-- captures-table:begin -->" and "<!-- captures-table:end -->" and has the columns
file | generator | what it exercises | packets | sha256 | size. For each row whose file exists, packets, sha256
and size are recomputed (generator and description are kept as written). A capture under CAPTURES_DIR with no
row gets one, with "?" for generator and description, to be filled in by hand. Rows are sorted by file.
Files under malformed/ (hostile and broken on purpose, several not readable as captures) have their own table,
written by malformed/make-malformed.py; they get no row here but count towards the total budget.
Exits 1 if any capture is over the 4 MiB budget (STYLE.md 8.8) or the total is over 40 MiB.
"""

import hashlib
import os
import struct
import sys

BEGIN, END = "<!-- captures-table:begin -->", "<!-- captures-table:end -->"
HEADER = ["file", "generator", "what it exercises", "packets", "sha256", "size"]
FILE_BUDGET, TOTAL_BUDGET = 4 * 1024 * 1024, 40 * 1024 * 1024


def count_packets(path: str) -> int:
    with open(path, "rb") as fh:
        data = fh.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    elif magic == b"\x0a\x0d\x0d\x0a":  # pcapng: count EPB, SPB and (obsolete) PB blocks
        count, off = 0, 0
        endian = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        while off + 12 <= len(data):
            btype, blen = struct.unpack(endian + "II", data[off:off + 8])
            if btype == 0x0A0D0D0A:
                endian = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
                btype, blen = struct.unpack(endian + "II", data[off:off + 8])
            count += btype in (2, 3, 6)
            off += max(blen, 12)
        return count
    else:
        raise ValueError(f"{path}: not a pcap file")
    count, off = 0, 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        off += 16 + incl
        count += 1
    return count


def human(size: int) -> str:
    return f"{size} B" if size < 1024 else f"{size / 1024:.1f} KiB" if size < 1024 * 1024 else f"{size / 1048576:.2f} MiB"


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = sys.argv[1]
    readme = os.path.join(root, "README.md")
    text = open(readme, encoding="utf-8").read()
    if BEGIN not in text or END not in text:
        print(f"{readme}: no {BEGIN} ... {END} block", file=sys.stderr)
        return 1
    head, rest = text.split(BEGIN, 1)
    body, tail = rest.split(END, 1)
    rows = {}
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != len(HEADER) or cells[0] in ("file",) or set(cells[0]) <= set("-: "):
            continue
        rows[cells[0].strip("`")] = cells
    captures = []
    malformed_total = 0
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith((".pcap", ".pcapng")):
                rel = os.path.relpath(os.path.join(d, f), root)
                if rel.startswith("malformed" + os.sep):
                    malformed_total += os.path.getsize(os.path.join(d, f))
                    continue
                captures.append(rel)
    for rel in captures:
        rows.setdefault(rel, [rel, "?", "?", "", "", ""])
    status, total = 0, malformed_total
    for rel, cells in rows.items():
        path = os.path.join(root, rel)
        if not os.path.exists(path):
            cells[3:] = ["missing", "", ""]
            continue
        size = os.path.getsize(path)
        total += size
        digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
        cells[0] = f"`{rel}`"
        cells[3:] = [str(count_packets(path)), f"`{digest}`", f"{human(size)} ({size})"]
        if size > FILE_BUDGET:
            print(f"{rel}: {size} bytes is over the 4 MiB budget", file=sys.stderr)
            status = 1
    if total > TOTAL_BUDGET:
        print(f"captures total {total} bytes: over the 40 MiB budget", file=sys.stderr)
        status = 1
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join(["---"] * len(HEADER)) + "|"]
    for rel in sorted(rows):
        lines.append("| " + " | ".join(rows[rel]) + " |")
    with open(readme, "w", encoding="utf-8") as fh:
        fh.write(head + BEGIN + "\n" + "\n".join(lines) + "\n" + END + tail)
    print(f"{readme}: {len(rows)} captures, {human(total)} in total")
    return status


if __name__ == "__main__":
    sys.exit(main())
