#!/usr/bin/env python3
"""vlan_nic.py: a userspace 802.1Q port for lab.sh, for kernels built without CONFIG_VLAN_8021Q.

Usage: vlan_nic.py TAP PORT VLAN

Attaches to the persistent tap device TAP (where the host's addresses live, e.g. "eth0.10") and to the veth
PORT ("eth0", the host's link to the lab switch). Frames the host's kernel sends on TAP leave PORT with an
802.1Q tag (PCP 0, DEI 0, VID VLAN) inserted after the source MAC; tagged frames for VLAN that arrive on PORT
are untagged and handed to TAP. Everything else arriving on PORT is dropped, as a VLAN access interface would.

The kernel strips a received tag into skb metadata before packet sockets see the frame, so the tag is read
back from PACKET_AUXDATA (tp_vlan_tci, TP_STATUS_VLAN_VALID).
"""

import fcntl
import os
import select
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_IGNORE_OUTGOING = 23
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 1 << 4
TP_STATUS_VLAN_TPID_VALID = 1 << 6
AUXDATA = struct.Struct("IIIHHHH")  # status, len, snaplen, mac, net, vlan_tci, vlan_tpid


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    tap_name, port_name, vlan = sys.argv[1], sys.argv[2], int(sys.argv[3])
    tag = struct.pack("!HH", 0x8100, vlan & 0x0FFF)

    tap = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(tap, TUNSETIFF, struct.pack("16sH", tap_name.encode(), IFF_TAP | IFF_NO_PI))

    port = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    port.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    try:
        port.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
    except OSError:
        pass
    port.bind((port_name, 0))
    print(f"vlan_nic: {tap_name} <-> {port_name} vlan {vlan}", file=sys.stderr, flush=True)

    poller = select.poll()
    poller.register(tap, select.POLLIN)
    poller.register(port.fileno(), select.POLLIN)
    while True:
        for fd, _ in poller.poll():
            if fd == tap:
                frame = os.read(tap, 65535)
                if len(frame) >= 14:
                    port.send(frame[:12] + tag + frame[12:])
                continue
            frame, ancdata, _, addr = port.recvmsg(65535, socket.CMSG_SPACE(AUXDATA.size))
            if addr[2] == PACKET_OUTGOING or len(frame) < 14:
                continue
            vid = None
            for level, kind, data in ancdata:
                if level == SOL_PACKET and kind == PACKET_AUXDATA and len(data) >= AUXDATA.size:
                    status, _, _, _, _, tci, _ = AUXDATA.unpack(data[: AUXDATA.size])
                    if status & TP_STATUS_VLAN_VALID:
                        vid = tci & 0x0FFF
            if vid is None and frame[12:14] == b"\x81\x00":  # tag left in the data
                vid = struct.unpack("!H", frame[14:16])[0] & 0x0FFF
                frame = frame[:12] + frame[16:]
            if vid == vlan:
                os.write(tap, frame)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
