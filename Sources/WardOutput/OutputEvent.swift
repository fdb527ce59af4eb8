import WardAnomaly
import WardDICOM
import WardFlows
import WardHL7
import WardSMB2

/// One event on its way from a capture thread to the output thread, in the order it happened.
///
/// Flow records are fixed-size; protocol records carry a few strings and are made once per association, message or
/// file, never per packet. Each protocol record carries its flow as it stood when the record was made.
public enum OutputEvent: Sendable {
    /// A finished flow.
    case flow(FlowEvent)
    /// A finished DICOM association.
    case dicom(DICOMAssociationRecord, flow: FlowRecord)
    /// One HL7 message or acknowledgement.
    case hl7(HL7MessageRecord, flow: FlowRecord)
    /// An SMB tree connect, file, or session summary.
    case smb(SMB2Record, flow: FlowRecord)
    /// A detector's alert.
    case alert(Alert)
}
