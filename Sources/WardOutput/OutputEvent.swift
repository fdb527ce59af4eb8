import WardAnomaly
import WardCore
import WardDICOM
import WardFlows
import WardHL7
import WardSMB2

/// One event on its way from a capture thread to the output thread, in the order it happened.
///
/// Flow records are fixed-size; protocol records carry a few strings and are made once per association, message or
/// file, never per packet. Each protocol record carries its flow's identity (endpoints, MAC addresses, uid) as it
/// stood when the record was made. The protocol cases are `indirect` (one allocation per record, beside its
/// strings'), so that every event is about half the size and each copy between the threads moves 250 bytes instead
/// of 536.
public enum OutputEvent: Sendable {
    /// A finished flow.
    case flow(FlowEvent)
    /// A finished DICOM association.
    indirect case dicom(DICOMAssociationRecord, flow: FlowIdentity)
    /// One HL7 message or acknowledgement.
    indirect case hl7(HL7MessageRecord, flow: FlowIdentity)
    /// An SMB tree connect, file, or session summary.
    indirect case smb(SMB2Record, flow: FlowIdentity)
    /// A detector's alert.
    case alert(Alert)
}

extension OutputEvent {
    /// The event's packet time (its `@timestamp`).
    public var time: PacketTime {
        switch self {
        case .flow(let flow): flow.record.firstSeen
        case .dicom(let record, _): record.start
        case .hl7(let record, _): record.time
        case .smb(let record, _): record.time
        case .alert(let alert): alert.lastTime
        }
    }

    /// The syslog MSGID: the dataset, or the rule name for alerts.
    public var messageID: String {
        switch self {
        case .flow: "wardwatch.flow"
        case .dicom: "wardwatch.dicom"
        case .hl7: "wardwatch.hl7"
        case .smb: "wardwatch.smb"
        case .alert(let alert): alert.rule
        }
    }

    /// The syslog severity (RFC 5424 §6.2.1): informational for records; for alerts from the 1–10 scale,
    /// 9–10 critical, 7–8 error, 4–6 warning, else notice.
    public var syslogSeverity: UInt8 {
        guard case .alert(let alert) = self else { return 6 }
        switch alert.severity {
        case 9...: return 2
        case 7...8: return 3
        case 4...6: return 4
        default: return 5
        }
    }
}
