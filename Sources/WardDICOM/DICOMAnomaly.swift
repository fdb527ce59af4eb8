import WardCore

/// A named protocol irregularity (Zeek's "weird"): the names are stable public API, in snake_case.
///
/// The set is open in the sense that new names may be added; each has a dense `id` so counting is an array index.
public struct DICOMAnomaly: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    /// A dense index into ``DICOMAnomalyCounts``.
    public let id: Int

    @usableFromInline
    init(id: Int) {
        self.id = id
    }

    /// Bytes of the stream were lost (reported by the engine); the framer resynchronised if needed.
    public static let gap = DICOMAnomaly(id: 0)
    /// A PDU type outside PS3.8 Table 9-11.
    public static let unknownPDUType = DICOMAnomaly(id: 1)
    /// A control PDU declared more bytes than ``DICOMLimits/maximumAssociatePDUBytes``; it was skipped.
    public static let pduLengthExceedsLimit = DICOMAnomaly(id: 2)
    /// A PDU length impossible for its type (e.g. an A-ABORT that is not 4 bytes, a P-DATA-TF under 6).
    public static let invalidPDULength = DICOMAnomaly(id: 3)
    /// A variable item whose length runs past its PDU or parent item.
    public static let truncatedItem = DICOMAnomaly(id: 4)
    /// A PDU shorter than its fixed fields, or a connection that ended inside a PDU.
    public static let truncatedPDU = DICOMAnomaly(id: 5)
    /// A PDV length under 2 or past the end of its P-DATA-TF.
    public static let invalidPDVLength = DICOMAnomaly(id: 6)
    /// More presentation contexts than ``DICOMLimits/maximumPresentationContexts``.
    public static let tooManyPresentationContexts = DICOMAnomaly(id: 7)
    /// A UID longer than ``DICOMLimits/maximumUIDLength``.
    public static let uidTooLong = DICOMAnomaly(id: 8)
    /// A UID with characters other than digits and dots.
    public static let invalidUID = DICOMAnomaly(id: 9)
    /// A command set larger than ``DICOMLimits/maximumCommandBytes``.
    public static let commandExceedsLimit = DICOMAnomaly(id: 10)
    /// A command set that is not well-formed implicit-VR little-endian group 0000, or was interrupted.
    public static let malformedCommand = DICOMAnomaly(id: 11)
    /// An A-ASSOCIATE protocol version without bit 0 set (PS3.8 §9.3.2).
    public static let unsupportedProtocolVersion = DICOMAnomaly(id: 12)
    /// A PDU that the association state does not allow (e.g. P-DATA before A-ASSOCIATE-AC).
    public static let unexpectedPDU = DICOMAnomaly(id: 13)
    /// A finished record was dropped because ``DICOMLimits/maximumQueuedRecords`` were waiting.
    public static let recordQueueFull = DICOMAnomaly(id: 14)
    /// The framer found a plausible PDU header again after a gap or garbage.
    public static let resynchronized = DICOMAnomaly(id: 15)

    /// Every anomaly, in `id` order.
    public static let all: [DICOMAnomaly] = (0..<16).map { DICOMAnomaly(id: $0) }

    /// The stable snake_case name.
    public var name: StaticString {
        switch id {
        case 0: "dicom_gap"
        case 1: "dicom_unknown_pdu_type"
        case 2: "dicom_pdu_length_exceeds_limit"
        case 3: "dicom_invalid_pdu_length"
        case 4: "dicom_truncated_item"
        case 5: "dicom_truncated_pdu"
        case 6: "dicom_invalid_pdv_length"
        case 7: "dicom_too_many_presentation_contexts"
        case 8: "dicom_uid_too_long"
        case 9: "dicom_invalid_uid"
        case 10: "dicom_command_exceeds_limit"
        case 11: "dicom_malformed_command"
        case 12: "dicom_unsupported_protocol_version"
        case 13: "dicom_unexpected_pdu"
        case 14: "dicom_record_queue_full"
        case 15: "dicom_resynchronized"
        default: "dicom_unknown_anomaly"
        }
    }

    /// The name as a `String` (for diagnostics and tests).
    public var description: String { name.description }
}

/// How many times each ``DICOMAnomaly`` was raised on one connection.
public struct DICOMAnomalyCounts: Sendable, Equatable {
    private var counts: [Int]

    /// All counts zero.
    public init() {
        counts = Array(repeating: 0, count: DICOMAnomaly.all.count)
    }

    /// The count for `anomaly`.
    public subscript(_ anomaly: DICOMAnomaly) -> Int {
        counts.indices.contains(anomaly.id) ? counts[anomaly.id] : 0
    }

    /// Adds one to `anomaly`'s count, saturating.
    public mutating func record(_ anomaly: DICOMAnomaly) {
        guard counts.indices.contains(anomaly.id) else { return }
        counts[anomaly.id] = counts[anomaly.id] == .max ? .max : counts[anomaly.id] + 1
    }

    /// Adds every count of `other`, saturating.
    public mutating func add(_ other: DICOMAnomalyCounts) {
        for id in counts.indices where other.counts[id] > 0 {
            let (sum, overflow) = counts[id].addingReportingOverflow(other.counts[id])
            counts[id] = overflow ? .max : sum
        }
    }

    /// The sum over all anomalies, saturating.
    public var total: Int {
        counts.reduce(0) { $0.addingReportingOverflow($1).overflow ? .max : $0 + $1 }
    }

    /// The anomalies raised at least once, with their counts, in `id` order.
    public var nonZero: [(anomaly: DICOMAnomaly, count: Int)] {
        DICOMAnomaly.all.compactMap { counts[$0.id] > 0 ? ($0, counts[$0.id]) : nil }
    }
}
