import WardFlows

/// A finished flow on its way from the capture thread to the output thread (a fixed-size ring record).
public struct FlowEvent: Sendable, BitwiseCopyable {
    /// The flow as it ended.
    public var record: FlowRecord
    /// Why it ended.
    public var reason: FlowEndReason

    /// An event for `record`.
    public init(record: FlowRecord, reason: FlowEndReason) {
        self.record = record
        self.reason = reason
    }
}
