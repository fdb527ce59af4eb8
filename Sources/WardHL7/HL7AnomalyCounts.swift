/// Per-connection counters of HL7 anomalies, plus the plain counters that are not anomalies
/// (bytes skipped outside framing, records dropped, pending entries evicted).
public struct HL7AnomalyCounts: Sendable, Equatable {
    /// Capacity of the flat counter array; `HL7Anomaly` values at or past it are not counted.
    public static let capacity = 8
    private var counts = InlineArray<8, UInt64>(repeating: 0)

    /// Bytes seen outside any MLLP frame (junk, stray CR/LF between messages), skipped.
    public internal(set) var bytesOutsideFraming: UInt64 = 0
    /// Records not queued because `HL7Limits.maxQueuedRecords` were already waiting.
    public internal(set) var recordsDropped: UInt64 = 0
    /// Pending (unacknowledged) messages evicted from the full pending table.
    public internal(set) var pendingEvicted: UInt64 = 0

    /// No counts.
    public init() {}

    /// How many times `anomaly` was raised.
    public subscript(anomaly: HL7Anomaly) -> UInt64 {
        Int(anomaly.rawValue) < Self.capacity ? counts[Int(anomaly.rawValue)] : 0
    }

    /// The sum over all anomalies.
    public var total: UInt64 {
        var sum: UInt64 = 0
        for index in 0..<Self.capacity { sum &+= counts[index] }
        return sum
    }

    /// Raises `anomaly` once.
    mutating func record(_ anomaly: HL7Anomaly) {
        let index = Int(anomaly.rawValue)
        if index < Self.capacity { counts[index] &+= 1 }
    }

    /// Calls `body` for every anomaly raised at least once, in `rawValue` order.
    public func forEachNonZero(_ body: (HL7Anomaly, UInt64) -> Void) {
        for index in 0..<min(Self.capacity, HL7Anomaly.names.count) where counts[index] > 0 {
            body(HL7Anomaly(rawValue: UInt8(index)), counts[index])
        }
    }

    public static func == (lhs: HL7AnomalyCounts, rhs: HL7AnomalyCounts) -> Bool {
        for index in 0..<capacity where lhs.counts[index] != rhs.counts[index] { return false }
        return lhs.bytesOutsideFraming == rhs.bytesOutsideFraming && lhs.recordsDropped == rhs.recordsDropped
            && lhs.pendingEvicted == rhs.pendingEvicted
    }
}
