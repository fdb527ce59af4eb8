#!/usr/bin/env python3
"""hl7_listener.py: the lab HIS, an HL7 v2 MLLP listener built on hl7apy (PyPI).

Usage: hl7_listener.py ADDR PORT

hl7apy.mllp.MLLPServer with one change: its stock request handler closes the connection after each ACK, so
KeepOpenHandler reads MLLP frames (<VT> message <FS><CR>) until the sender closes, acknowledging each one
(original acknowledgment mode, HL7 v2.5 ch. 2). Replies are built and encoded by hl7apy:
  - ADT^A01 registers the patient (PID-3 ID) and answers AA;
  - ADT^A08, ORM^O01, ORU^R01 answer AA for a registered patient and AE, with ERR code 204
    (HL7 table 0357 "Unknown key identifier"), for an unknown one;
  - anything hl7apy cannot route answers AR through the ERR handler.
Every test patient is obviously fake (see Captures/PRIVACY-CANARIES.txt).
"""

import sys
import threading

from hl7apy.core import Message
from hl7apy.mllp import AbstractErrorHandler, AbstractHandler, MLLPRequestHandler, MLLPServer
from hl7apy.parser import parse_message

KNOWN_PATIENTS: set[str] = set()
LOCK = threading.Lock()


def build_ack(incoming, code: str, error: str | None = None) -> str:
    """An ACK for `incoming` (a parsed hl7apy Message), MSH sender/receiver swapped, MSA-2 = its MSH-10."""
    msh = incoming.msh
    trigger = msh.msh_9.msh_9_2.value or ""
    ack = Message("ACK", version="2.5")
    ack.msh.msh_3 = msh.msh_5.value or "HIS"
    ack.msh.msh_4 = msh.msh_6.value or "GENHOSP"
    ack.msh.msh_5 = msh.msh_3.value
    ack.msh.msh_6 = msh.msh_4.value
    ack.msh.msh_7 = msh.msh_7.value  # deterministic: the incoming message's time
    ack.msh.msh_9 = f"ACK^{trigger}^ACK"
    ack.msh.msh_10 = f"ACK{msh.msh_10.value}"
    ack.msh.msh_11 = msh.msh_11.value or "T"
    ack.msa.msa_1 = code
    ack.msa.msa_2 = msh.msh_10.value
    if error:
        ack.add_segment("ERR")
        ack.err.err_3 = "204^Unknown key identifier^HL70357"
        ack.err.err_4 = "E"
        ack.err.err_8 = error
    return ack.to_mllp()


class AdmitHandler(AbstractHandler):
    def reply(self):
        msg = parse_message(self.incoming_message, find_groups=False)
        with LOCK:
            KNOWN_PATIENTS.add(msg.pid.pid_3.pid_3_1.value)
        return build_ack(msg, "AA")


class KnownPatientHandler(AbstractHandler):
    def reply(self):
        msg = parse_message(self.incoming_message, find_groups=False)
        pid = msg.pid.pid_3.pid_3_1.value
        with LOCK:
            known = pid in KNOWN_PATIENTS
        if known:
            return build_ack(msg, "AA")
        return build_ack(msg, "AE", f"Unknown patient id {pid}: not admitted")


class RejectHandler(AbstractErrorHandler):
    def reply(self):
        ack = Message("ACK", version="2.5")
        ack.msh.msh_3 = "HIS"
        ack.msh.msh_4 = "GENHOSP"
        ack.msh.msh_9 = "ACK"
        ack.msh.msh_10 = "ACKERR"
        ack.msh.msh_11 = "T"
        ack.msa.msa_1 = "AR"
        ack.msa.msa_2 = ""
        return ack.to_mllp()


class KeepOpenHandler(MLLPRequestHandler):
    """hl7apy's MLLPRequestHandler, but many messages per connection (closes when the sender does)."""

    def handle(self):
        end_seq = self.eb + self.cr
        while True:
            try:
                first = self.rfile.read(1)
                if not first:
                    return
                if first != self.sb:  # bytes between frames are ignored
                    continue
                frame = first
                while not frame.endswith(end_seq):
                    char = self.rfile.read(1)
                    if not char:
                        return
                    frame += char
            except OSError:
                return
            message = self._extract_hl7_message(frame.decode(self.encoding))
            if message is None:
                continue
            try:
                response = self._route_message(message)
            except Exception as exc:  # noqa: BLE001 - log and drop the connection, as the stock handler does
                print(f"hl7_listener: cannot handle message: {exc!r}", file=sys.stderr, flush=True)
                return
            self.wfile.write(response.encode(self.encoding))
            print(f"hl7_listener: {self.client_address} -> {response[1:].split(chr(13))[1]}", flush=True)


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    handlers = {
        "ADT^A01^ADT_A01": (AdmitHandler,),
        "ADT^A08^ADT_A01": (KnownPatientHandler,),  # A08 uses the ADT_A01 structure (HL7 2.5 3.3.8)
        "ORM^O01^ORM_O01": (KnownPatientHandler,),
        "ORU^R01^ORU_R01": (KnownPatientHandler,),
        "ERR": (RejectHandler,),
    }
    server = MLLPServer(sys.argv[1], int(sys.argv[2]), handlers, timeout=60, request_handler_class=KeepOpenHandler)
    print(f"hl7_listener: listening on {sys.argv[1]}:{sys.argv[2]}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
