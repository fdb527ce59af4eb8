#!/usr/bin/env python3
"""make-malformed.py: write the hostile and broken capture files in Captures/malformed/ (deterministic).

Usage: Captures/malformed/make-malformed.py [BASE_PCAP]

BASE_PCAP defaults to Captures/net/tcp-states.pcap (88 packets: ARP, IPv4 TCP/UDP/ICMP, IPv6 TCP/ICMPv6,
802.1Q VLAN 10). Every file here is that capture, damaged in one way; addresses, ports and payloads stay as in
the base. No third-party packages: the pcap records are read and written with `struct`.

Run it again after regenerating the base capture: the same bytes in give the same files out. It also rewrites
the table between the "malformed-table" markers in Captures/README.md (file, damage, packets before the
damage, expected exit status, sha256, size); Scripts/captures/readme_table.py leaves malformed/ out of the
main table.

Damage points are counted in records of the base capture (1-based packet numbers as tcpdump/tshark show
them). `Tests/WardCLITests/MalformedCaptureTests.swift` holds the same numbers.
"""

import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
README = os.path.join(ROOT, "Captures", "README.md")
BEGIN, END = "<!-- malformed-table:begin -->", "<!-- malformed-table:end -->"

PCAP_MAGIC_US = 0xA1B2C3D4
LINKTYPE_ETHERNET = 1


def read_pcap(path):
    """Returns (snaplen, linktype, [(ts_sec, ts_usec, orig_len, data)]) of a microsecond little/big-endian pcap."""
    with open(path, "rb") as fh:
        blob = fh.read()
    magic = blob[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        endian = "<"
    elif magic == b"\xa1\xb2\xc3\xd4":
        endian = ">"
    else:
        raise SystemExit(f"{path}: not a microsecond pcap file (magic {magic.hex()})")
    _, _, _, _, snaplen, linktype = struct.unpack(endian + "HHiIII", blob[4:24])
    records, off = [], 24
    while off + 16 <= len(blob):
        sec, usec, incl, orig = struct.unpack(endian + "IIII", blob[off:off + 16])
        data = blob[off + 16:off + 16 + incl]
        if len(data) != incl:
            raise SystemExit(f"{path}: truncated record at offset {off}")
        records.append((sec, usec, orig, data))
        off += 16 + incl
    if off != len(blob):
        raise SystemExit(f"{path}: {len(blob) - off} trailing bytes")
    return snaplen, linktype, records


def global_header(snaplen, linktype=LINKTYPE_ETHERNET, magic=PCAP_MAGIC_US):
    return struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)


def record_header(sec, usec, incl, orig):
    return struct.pack("<IIII", sec, usec, incl, orig)


def pcap_bytes(records, snaplen, cut=None):
    """A little-endian pcap of `records`; `cut` limits each record's captured bytes (keeping the wire length)."""
    out = [global_header(snaplen if cut is None else cut)]
    for sec, usec, orig, data in records:
        data = data if cut is None else data[:cut]
        out.append(record_header(sec, usec, len(data), orig) + data)
    return b"".join(out)


def record_offsets(records):
    """Byte offset of each record header in `pcap_bytes(records, ...)` (no cut)."""
    offsets, off = [], 24
    for _, _, _, data in records:
        offsets.append(off)
        off += 16 + len(data)
    return offsets


def patch_record(blob, offset, incl=None, orig=None):
    sec, usec, old_incl, old_orig = struct.unpack("<IIII", blob[offset:offset + 16])
    header = record_header(sec, usec, old_incl if incl is None else incl, old_orig if orig is None else orig)
    return blob[:offset] + header + blob[offset + 16:]


# -- pcapng (little-endian, one section, one Ethernet interface, microsecond timestamps) ----------------------


def pad4(data):
    return data + b"\0" * (-len(data) % 4)


def block(block_type, body):
    length = 12 + len(body)
    return struct.pack("<II", block_type, length) + body + struct.pack("<I", length)


def shb():
    return block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(snaplen):
    return block(0x00000001, struct.pack("<HHI", LINKTYPE_ETHERNET, 0, snaplen))


def epb(sec, usec, orig, data):
    ts = sec * 1_000_000 + usec
    body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), orig) + pad4(data)
    return block(0x00000006, body)


def pcapng_bytes(records, snaplen, insert_after=None, inserted=b""):
    out = [shb(), idb(snaplen)]
    for number, (sec, usec, orig, data) in enumerate(records, start=1):
        out.append(epb(sec, usec, orig, data))
        if number == insert_after:
            out.append(inserted)
    return b"".join(out)


# -- the files ------------------------------------------------------------------------------------------------

# Snapshot lengths of the snaplen-truncated copies: 14 Ethernet only, 34 IPv4 header, 54 fixed TCP header,
# 64 part of the TCP options, 96 every header, 128 some payload.
SNAPLENS = (14, 34, 54, 64, 96, 128)


def build(base_path):
    snaplen, linktype, records = read_pcap(base_path)
    if linktype != LINKTYPE_ETHERNET or len(records) < 80:
        raise SystemExit(f"{base_path}: expected an Ethernet capture with at least 80 packets")
    n = len(records)
    base = pcap_bytes(records, snaplen)
    offsets = record_offsets(records)
    files = []  # (name, bytes, damage, packets before the damage, expected exit status)

    def add(name, data, damage, before, status):
        files.append((name, data, damage, before, status))

    add("base.pcap", base, f"valid copy of `net/tcp-states.pcap` ({n} packets), rewritten by the generator", n, 0)
    last = records[-1][3]
    add("truncated-last-record-data.pcap", base[:offsets[-1] + 16 + len(last) // 2],
        f"file ends in the middle of the last record's data (packet {n})", n - 1, 1)
    add("truncated-record-header.pcap", base[:offsets[44] + 7],
        "file ends 7 bytes into the record header of packet 45", 44, 1)
    add("bad-magic.pcap", b"\xde\xad\xbe\xef" + base[4:], "magic number 0xdeadbeef", 0, 1)
    add("caplen-ffffffff.pcap", patch_record(base, offsets[29], incl=0xFFFFFFFF),
        "packet 30: caplen 0xFFFFFFFF (negative as int32)", 29, 1)
    add("caplen-over-snaplen.pcap", patch_record(base, offsets[59], incl=300000),
        "packet 60: caplen 300000, above the 65535 snaplen and libpcap's 262144 maximum", 59, 1)
    sec, usec, orig, data = records[4]
    add("len-below-caplen.pcap", patch_record(base, offsets[4], orig=len(data) - 10),
        f"packet 5: len {len(data) - 10} < caplen {len(data)}; every packet still readable", n, 1)
    add("len-ffffffff.pcap", patch_record(base, offsets[69], orig=0xFFFFFFFF),
        "packet 70: len 0xFFFFFFFF (negative as int32)", 69, 1)
    add("zero-length.pcap", b"", "empty file", 0, 1)
    add("header-only.pcap", global_header(snaplen), "pcap global header, no records (a valid empty capture)", 0, 0)

    unknown = block(0x00000BAD, b"hostile unknown block...")  # 24-byte body, 36-byte block
    custom = block(0x40000BAD, struct.pack("<I", 32473) + pad4(b"custom block, PEN 32473 (example)"))
    add("pcapng-unknown-blocks.pcapng", pcapng_bytes(records, snaplen, 44, unknown + custom),
        "pcapng; block types 0x00000BAD and 0x40000BAD (custom, copiable) after packet 44; all packets readable",
        n, 0)
    odd = struct.pack("<II", 0x00000BAD, 21) + b"\0" * 13  # 21: not a multiple of 4
    add("pcapng-block-length-unaligned.pcapng", pcapng_bytes(records, snaplen, 44, odd),
        "pcapng; after packet 44 a block whose total length is 21 (not a multiple of 4)", 44, 1)
    small = struct.pack("<III", 0x00000BAD, 8, 8)  # 8 < 12, the smallest block
    add("pcapng-block-length-too-small.pcapng", pcapng_bytes(records, snaplen, 44, small),
        "pcapng; after packet 44 a block whose total length is 8 (smaller than a block header and trailer)", 44, 1)

    for cut in SNAPLENS:
        add(f"snaplen-{cut:03d}.pcap", pcap_bytes(records, snaplen, cut=cut),
            f"every record cut to {cut} captured bytes, len kept, snaplen {cut}", n, 0)
    return files


def write_table(files):
    rows = ["| file | damage | packets before the damage | exit | sha256 | size |", "|---|---|---|---|---|---|"]
    for name, data, damage, before, status in files:
        digest = hashlib.sha256(data).hexdigest()
        rows.append(f"| `malformed/{name}` | {damage} | {before} | {status} | `{digest}` | {len(data)} B |")
    text = open(README, encoding="utf-8").read()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{README}: no {BEGIN} ... {END} block")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(README, "w", encoding="utf-8") as fh:
        fh.write(head + BEGIN + "\n" + "\n".join(rows) + "\n" + END + tail)


def main():
    base_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Captures", "net", "tcp-states.pcap")
    files = build(base_path)
    for name in os.listdir(HERE):  # remove files an older version of this script wrote
        if name.endswith((".pcap", ".pcapng")) and name not in {f[0] for f in files}:
            os.remove(os.path.join(HERE, name))
    for name, data, *_ in files:
        with open(os.path.join(HERE, name), "wb") as fh:
            fh.write(data)
    write_table(files)
    total = sum(len(f[1]) for f in files)
    print(f"{HERE}: {len(files)} files, {total} bytes")


if __name__ == "__main__":
    main()
