#!/usr/bin/env python3
"""tcp_peers.py: tiny TCP peers that abort with RST, for the lab scenarios (Scripts/captures/net.sh).

  tcp_peers.py rst-server ADDR PORT
      Accept connections forever; for each, read one line, answer "OK <line>", then close with
      SO_LINGER {on, 0}, so the kernel sends RST instead of FIN (Zeek conn_state RSTR).
  tcp_peers.py rst-client HOST PORT SRCPORT MESSAGE
      Connect from SRCPORT, send MESSAGE plus a newline, read the whole echo, then close with
      SO_LINGER {on, 0} (the client aborts: RSTO).
"""

import socket
import struct
import sys

LINGER_ABORT = struct.pack("ii", 1, 0)


def family_of(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def rst_server(addr: str, port: int) -> None:
    srv = socket.socket(family_of(addr), socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(8)
    print(f"rst-server listening on {addr}:{port}", flush=True)
    while True:
        conn, peer = srv.accept()
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        conn.sendall(b"OK " + data)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_ABORT)
        conn.close()
        print(f"rst-server: aborted {peer}", flush=True)


def rst_client(host: str, port: int, srcport: int, message: str) -> None:
    cli = socket.socket(family_of(host), socket.SOCK_STREAM)
    cli.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    cli.bind(("", srcport))
    cli.connect((host, port))
    payload = message.encode() + b"\n"
    cli.sendall(payload)
    echoed = b""
    while len(echoed) < len(payload):
        chunk = cli.recv(4096)
        if not chunk:
            break
        echoed += chunk
    cli.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_ABORT)
    cli.close()
    print(f"rst-client: got {echoed!r}, aborted", flush=True)


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "rst-server":
        rst_server(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 6 and sys.argv[1] == "rst-client":
        rst_client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
