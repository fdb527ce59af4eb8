/// A named protocol oddity the SMB2 analyzer noticed (Zeek's "weird"); an open set with stable snake_case names.
public struct SMB2Anomaly: RawRepresentable, Hashable, Sendable, CaseIterable {
    /// The index into ``SMB2AnomalyCounts``.
    public let rawValue: Int

    /// An anomaly by index; `nil` outside the known set.
    public init?(rawValue: Int) {
        guard rawValue >= 0, rawValue < SMB2Anomaly.names.count else { return nil }
        self.rawValue = rawValue
    }

    private init(index: Int) {
        self.rawValue = index
    }

    /// The stable name used in events and in `Signatures/anomalies/actions.yaml`.
    public var name: StaticString { SMB2Anomaly.names[rawValue] }

    /// Every known anomaly.
    public static var allCases: [SMB2Anomaly] { (0..<names.count).map { SMB2Anomaly(index: $0) } }

    static let names: [StaticString] = [
        "nbss_length_exceeds_limit", "nbss_bad_type", "smb2_bad_magic", "smb2_too_many_pending", "smb2_gap",
        "smb1_in_use", "smb2_truncated_command", "smb2_bad_header", "smb2_bad_next_command",
        "smb2_too_many_open_files", "smb2_too_many_trees", "smb2_record_queue_full", "smb2_unmatched_response",
        "smb2_bad_offset",
    ]

    /// An NBSS message longer than ``SMB2Limits/maxMessageBytes`` that is not a streamed READ/WRITE: only its head is read.
    public static let nbssLengthExceedsLimit = SMB2Anomaly(index: 0)
    /// An NBSS packet type other than those of RFC 1002 §4.3.1; the stream is resynchronised.
    public static let nbssBadType = SMB2Anomaly(index: 1)
    /// An NBSS session message that does not start with an SMB protocol id; the stream is resynchronised.
    public static let smb2BadMagic = SMB2Anomaly(index: 2)
    /// A request arrived while ``SMB2Limits/maxPendingRequests`` were outstanding; it is not tracked.
    public static let smb2TooManyPending = SMB2Anomaly(index: 3)
    /// Bytes were lost (a TCP gap) where they could not simply be skipped.
    public static let smb2Gap = SMB2Anomaly(index: 4)
    /// An SMB1 (`0xFF 'SMB'`) message was seen.
    public static let smb1InUse = SMB2Anomaly(index: 5)
    /// A command body shorter than its fixed part, or an offset/length pointing outside the message.
    public static let smb2TruncatedCommand = SMB2Anomaly(index: 6)
    /// An SMB2 header whose StructureSize is not 64.
    public static let smb2BadHeader = SMB2Anomaly(index: 7)
    /// A compound NextCommand that is unaligned, too small or past the message end.
    public static let smb2BadNextCommand = SMB2Anomaly(index: 8)
    /// A file opened while ``SMB2Limits/maxOpenFiles`` were tracked; it is not tracked.
    public static let smb2TooManyOpenFiles = SMB2Anomaly(index: 9)
    /// A tree connected while ``SMB2Limits/maxTrees`` were remembered.
    public static let smb2TooManyTrees = SMB2Anomaly(index: 10)
    /// A record was dropped because ``SMB2Limits/maxQueuedRecords`` were queued.
    public static let smb2RecordQueueFull = SMB2Anomaly(index: 11)
    /// A response whose message id matched no pending request.
    public static let smb2UnmatchedResponse = SMB2Anomaly(index: 12)
    /// A name or buffer offset/length pointing outside the message.
    public static let smb2BadOffset = SMB2Anomaly(index: 13)
}

/// How many times each ``SMB2Anomaly`` was raised on one connection.
public struct SMB2AnomalyCounts: Sendable, Equatable {
    private var counts: [UInt32]

    /// All counts zero.
    public init() {
        counts = [UInt32](repeating: 0, count: SMB2Anomaly.names.count)
    }

    /// The count for `anomaly`.
    public subscript(anomaly: SMB2Anomaly) -> UInt32 {
        counts[anomaly.rawValue]
    }

    /// The sum of every count.
    public var total: UInt64 {
        counts.reduce(0) { $0 &+ UInt64($1) }
    }

    /// Adds one to `anomaly`'s count, saturating.
    public mutating func record(_ anomaly: SMB2Anomaly) {
        let (sum, overflow) = counts[anomaly.rawValue].addingReportingOverflow(1)
        counts[anomaly.rawValue] = overflow ? .max : sum
    }
}
