/// Every cap the HL7/MLLP analyzer applies, in one place (Suricata's `*_CFG_MAX_*`), so that no input can make
/// one connection's state grow.
///
/// Going over a limit raises an anomaly or is counted, and the analyzer skips; it never grows memory.
public struct HL7Limits: Sendable, Equatable {
    /// Bytes of each message copied into the per-direction buffer (enough for MSH and MSA); the rest is only counted.
    public var maxBufferedBytesPerMessage: Int
    /// Messages longer than this (without framing) raise `hl7_message_too_large`; they are still skipped to the trailer.
    public var maxMessageBytes: Int
    /// Messages awaiting an acknowledgement, per connection; the oldest is evicted (and counted) when full.
    public var maxPendingMessages: Int
    /// Completed records waiting for `popRecord()`; further records are dropped (and counted) until popped.
    public var maxQueuedRecords: Int
    /// Bytes kept of any one extracted field or component (MSH-10, MSA-1, ...).
    public var maxFieldBytes: Int

    /// Limits with the defaults: 4 KiB buffered per message, 1 MiB per message, 64 pending, 64 queued, 128-byte fields.
    public init(
        maxBufferedBytesPerMessage: Int = 4096, maxMessageBytes: Int = 1 << 20, maxPendingMessages: Int = 64,
        maxQueuedRecords: Int = 64, maxFieldBytes: Int = 128
    ) {
        self.maxBufferedBytesPerMessage = max(16, maxBufferedBytesPerMessage)
        self.maxMessageBytes = max(1, maxMessageBytes)
        self.maxPendingMessages = max(1, maxPendingMessages)
        self.maxQueuedRecords = max(1, maxQueuedRecords)
        self.maxFieldBytes = max(1, maxFieldBytes)
    }
}
