#!/usr/bin/env python3
"""hl7_sender.py: the lab interface engine, an HL7 v2.5 MLLP sender built on python-hl7 (PyPI `hl7`).

Usage:
  hl7_sender.py send HOST PORT      send the scenario below; exit 1 if any ACK code differs from the plan
  hl7_sender.py canaries            print every fake patient name and identifier the messages carry
  hl7_sender.py table               print the expected message/ACK table (TSV)

Scenario (each connection from a fixed source port; hl7.client.MLLPClient frames <VT> msg <FS><CR> and reads
the ACK before the next message):
  connection 1, port 41001: ADT^A01 DOE^JANE, ADT^A01 TEST^PATIENT, ADT^A08 DOE^JANE, ORM^O01 TEST^PATIENT,
                            ORU^R01 TEST^PATIENT (about 3 KB: spans three TCP segments): all AA
  connection 2, port 41002: ADT^A08 SAMPLE^NOTREAL, never admitted: AE (NAK)
Every patient value is obviously fake; MSH-11 is "T" (training/test) and MSH-7 times are fixed.
"""

import socket
import sys
import time

import hl7
import hl7.client

CR = "\r"
SENDER = {"ADT": ("REGADT", "GENHOSP"), "ORM": ("CPOE", "GENHOSP"), "ORU": ("LIS", "GENHOSP_LAB")}
RECEIVER = ("HIS", "GENHOSP")

PATIENTS = {
    "FAKEPID0001": {
        "name": "DOE^JANE^Q", "dob": "19310517", "sex": "F", "account": "FAKEACCT0001", "visit": "FAKEVN0001",
        "address": "1 FAKE STREET^^TESTVILLE^ZZ^00000", "phone": "(555)555-0100", "kin": "DOE^JOHN",
        "bed": "WARD4B^12^1^GENHOSP",
    },
    "FAKEPID0002": {
        "name": "TEST^PATIENT", "dob": "19420829", "sex": "M", "account": "FAKEACCT0002", "visit": "FAKEVN0002",
        "address": "2 NOWHERE ROAD^^TESTVILLE^ZZ^00000", "phone": "(555)555-0101", "kin": "TEST^KIN",
        "bed": "WARD4B^14^1^GENHOSP",
    },
    "FAKEPID0099": {
        "name": "SAMPLE^NOTREAL", "dob": "19530911", "sex": "U", "account": "FAKEACCT0099", "visit": "FAKEVN0099",
        "address": "99 EXAMPLE LANE^^TESTVILLE^ZZ^00000", "phone": "(555)555-0199", "kin": "SAMPLE^KIN",
        "bed": "WARD4B^20^1^GENHOSP",
    },
}
DOCTOR = "FAKEDR001^TEST^DOCTOR^^^DR"


def seg(*fields: str) -> str:
    return "|".join(fields)


def msh(kind: str, trigger: str, structure: str, when: str, control_id: str) -> str:
    app, facility = SENDER[kind]
    return seg("MSH", "^~\\&", app, facility, RECEIVER[0], RECEIVER[1], when, "",
               f"{kind}^{trigger}^{structure}", control_id, "T", "2.5")


def pid(pid_id: str) -> str:
    p = PATIENTS[pid_id]
    # PID-1 set id, -3 identifier list, -5 name, -7 birth date, -8 sex, -11 address, -13 phone, -18 account
    return seg("PID", "1", "", f"{pid_id}^^^GENHOSP^MR", "", p["name"], "", p["dob"], p["sex"], "", "",
               p["address"], "", p["phone"], "", "", "", "", p["account"])


def pv1(pid_id: str) -> str:
    p = PATIENTS[pid_id]
    # PV1-2 class, -3 location, -7 attending doctor, -10 hospital service, -19 visit number
    return seg("PV1", "1", "I", p["bed"], "", "", "", DOCTOR, "", "", "MED", "", "", "", "", "", "", "", "",
               p["visit"])


def adt(trigger: str, pid_id: str, when: str, control_id: str) -> str:
    p = PATIENTS[pid_id]
    segs = [msh("ADT", trigger, "ADT_A01", when, control_id), seg("EVN", trigger, when), pid(pid_id),
            seg("NK1", "1", p["kin"], "SPO^Spouse^HL70063"), pv1(pid_id)]
    return CR.join(segs)


def orm(pid_id: str, when: str, control_id: str) -> str:
    segs = [msh("ORM", "O01", "ORM_O01", when, control_id), pid(pid_id), pv1(pid_id),
            seg("ORC", "NW", "FAKEORD0001", "", "", "", "", "", "", when, "", "", DOCTOR),
            seg("OBR", "1", "FAKEORD0001", "", "58410-2^CBC panel - Blood by Automated count^LN", "", "", when,
                "", "", "", "", "", "", "", "", DOCTOR),
            seg("OBR", "2", "FAKEORD0001", "", "24323-8^Comprehensive metabolic 2000 panel^LN", "", "", when,
                "", "", "", "", "", "", "", "", DOCTOR),
            seg("NTE", "1", "L", "Lab order generated for a WardWatch test capture. Not a real patient.")]
    return CR.join(segs)


RESULTS = [
    ("6690-2", "Leukocytes [#/volume] in Blood by Automated count", "7.2", "10*3/uL", "4.0-11.0"),
    ("789-8", "Erythrocytes [#/volume] in Blood by Automated count", "4.70", "10*6/uL", "4.20-5.80"),
    ("718-7", "Hemoglobin [Mass/volume] in Blood", "14.1", "g/dL", "13.0-17.0"),
    ("4544-3", "Hematocrit [Volume Fraction] of Blood by Automated count", "42.0", "%", "39.0-50.0"),
    ("787-2", "MCV [Entitic volume] by Automated count", "89.4", "fL", "80.0-100.0"),
    ("785-6", "MCH [Entitic mass] by Automated count", "30.0", "pg", "27.0-33.0"),
    ("786-4", "MCHC [Mass/volume] by Automated count", "33.6", "g/dL", "32.0-36.0"),
    ("788-0", "Erythrocyte distribution width [Ratio] by Automated count", "13.1", "%", "11.5-14.5"),
    ("777-3", "Platelets [#/volume] in Blood by Automated count", "250", "10*3/uL", "150-400"),
    ("2345-7", "Glucose [Mass/volume] in Serum or Plasma", "98", "mg/dL", "70-99"),
    ("3094-0", "Urea nitrogen [Mass/volume] in Serum or Plasma", "14", "mg/dL", "7-20"),
    ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "0.9", "mg/dL", "0.7-1.3"),
    ("2951-2", "Sodium [Moles/volume] in Serum or Plasma", "140", "mmol/L", "135-145"),
    ("2823-3", "Potassium [Moles/volume] in Serum or Plasma", "4.2", "mmol/L", "3.5-5.1"),
    ("2075-0", "Chloride [Moles/volume] in Serum or Plasma", "102", "mmol/L", "98-107"),
    ("2028-9", "Carbon dioxide, total [Moles/volume] in Serum or Plasma", "25", "mmol/L", "22-29"),
    ("17861-6", "Calcium [Mass/volume] in Serum or Plasma", "9.4", "mg/dL", "8.6-10.3"),
    ("2885-2", "Protein [Mass/volume] in Serum or Plasma", "7.0", "g/dL", "6.0-8.3"),
    ("1751-7", "Albumin [Mass/volume] in Serum or Plasma", "4.3", "g/dL", "3.5-5.2"),
    ("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma", "0.8", "mg/dL", "0.1-1.2"),
    ("6768-6", "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma", "70", "U/L", "40-129"),
    ("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "22", "U/L", "7-56"),
    ("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "24", "U/L", "10-40"),
]


def oru(pid_id: str, when: str, control_id: str) -> str:
    segs = [msh("ORU", "R01", "ORU_R01", when, control_id), pid(pid_id), pv1(pid_id),
            seg("ORC", "RE", "FAKEORD0001", "FAKEFIL0001", "", "CM", "", "", "", when, "", "", DOCTOR),
            seg("OBR", "1", "FAKEORD0001", "FAKEFIL0001", "58410-2^CBC panel - Blood by Automated count^LN", "",
                "", when, "", "", "", "", "", "", "", "", DOCTOR, "", "", "", "", "", when, "", "HM", "F")]
    for i, (code, name, value, units, ref) in enumerate(RESULTS, start=1):
        if code == "2345-7":
            segs.append(seg("OBR", "2", "FAKEORD0001", "FAKEFIL0001",
                            "24323-8^Comprehensive metabolic 2000 panel^LN", "", "", when, "", "", "", "", "", "",
                            "", "", DOCTOR, "", "", "", "", "", when, "", "CH", "F"))
        segs.append(seg("OBX", str(i), "NM", f"{code}^{name}^LN", "", value, units, ref, "N", "", "", "F", "",
                        "", when))
    segs.append(seg("NTE", "1", "L", "Results generated for a WardWatch test capture. Not a real patient. "
                    "Values are textbook reference-range examples."))
    return CR.join(segs)


# (connection source port, message, expected MSA-1)
PLAN = [
    (41001, adt("A01", "FAKEPID0001", "20260115083000", "WW00000001"), "AA"),
    (41001, adt("A01", "FAKEPID0002", "20260115083100", "WW00000002"), "AA"),
    (41001, adt("A08", "FAKEPID0001", "20260115084500", "WW00000003"), "AA"),
    (41001, orm("FAKEPID0002", "20260115090000", "WW00000004"), "AA"),
    (41001, oru("FAKEPID0002", "20260115103000", "WW00000005"), "AA"),
    (41002, adt("A08", "FAKEPID0099", "20260115110000", "WW00000006"), "AE"),
]


class BoundMLLPClient(hl7.client.MLLPClient):
    """hl7.client.MLLPClient connecting from a fixed source port (so the expected tables are stable)."""

    def __init__(self, host: str, port: int, srcport: int, encoding: str = "utf-8"):
        self.socket = socket.create_connection((host, port), timeout=10, source_address=("", srcport))
        self.encoding = encoding


def send(host: str, port: int) -> int:
    failures = 0
    client, current = None, None
    for srcport, message, want in PLAN:
        if srcport != current:
            if client is not None:
                client.close()
                time.sleep(1.0)
            client, current = BoundMLLPClient(host, port, srcport), srcport
        raw = client.send_message(message)
        ack = hl7.parse(raw.strip(b"\x0b\x1c\r").decode())
        code, acked = str(ack.segment("MSA")[1]), str(ack.segment("MSA")[2])
        sent = hl7.parse(message)
        control_id = str(sent.segment("MSH")[10])
        ok = code == want and acked == control_id
        failures += not ok
        print(f"{'ok' if ok else 'FAIL'} {control_id} {sent.segment('MSH')[9]} {len(message) + 3} bytes -> "
              f"MSA {code} {acked} (want {want})", flush=True)
        time.sleep(0.5)
    if client is not None:
        client.close()
    return 1 if failures else 0


def canaries() -> list[str]:
    out = []
    for pid_id, p in PATIENTS.items():
        out += [pid_id, p["name"], p["name"].rsplit("^", 1)[0] if p["name"].count("^") > 1 else p["name"],
                p["account"], p["visit"], p["kin"], p["phone"], p["address"].split("^")[0], p["dob"]]
    return sorted(set(out))


def table() -> str:
    rows = ["orig_port\tmsg_control_id\tmessage_type\tsending_app\tsending_facility\treceiving_app\t"
            "receiving_facility\tpatient_id\tmessage_bytes\tack_code"]
    for srcport, message, want in PLAN:
        m = hl7.parse(message)
        h = m.segment("MSH")
        rows.append("\t".join([str(srcport), str(h[10]), str(h[9]), str(h[3]), str(h[4]), str(h[5]), str(h[6]),
                               str(m.segment("PID")[3][0][0]), str(len(message)), want]))
    return "\n".join(rows)


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "send":
        return send(sys.argv[2], int(sys.argv[3]))
    if len(sys.argv) == 2 and sys.argv[1] == "canaries":
        print("\n".join(canaries()))
        return 0
    if len(sys.argv) == 2 and sys.argv[1] == "table":
        print(table())
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
