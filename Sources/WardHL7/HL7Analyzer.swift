import WardCore

/// The HL7 v2 over MLLP analyzer for one TCP connection (usually port 2575): frames each direction with an
/// `MLLPFramer`, reads MSH/MSA metadata with `HL7HeaderParser`, pairs acknowledgements with the messages they
/// acknowledge (latency on packet time), and queues one `HL7MessageRecord` per message.
///
/// Memory is bounded per connection: one buffer per direction, reserved at `init`, and bounded pending and record
/// tables. No input traps, and no chunk allocates (records' strings are made once per message).
public struct HL7Analyzer {
    /// The caps this analyzer applies.
    public let limits: HL7Limits
    /// Anomalies and counters so far.
    public private(set) var anomalies = HL7AnomalyCounts()

    private var originatorFramer: MLLPFramer
    private var responderFramer: MLLPFramer
    private var pending: HL7PendingTable
    private var records: BoundedQueue<HL7MessageRecord>

    /// An analyzer for a new connection.
    public init(limits: HL7Limits = HL7Limits()) {
        self.limits = limits
        originatorFramer = MLLPFramer(limits: limits)
        responderFramer = MLLPFramer(limits: limits)
        pending = HL7PendingTable(capacity: limits.maxPendingMessages)
        records = BoundedQueue(capacity: limits.maxQueuedRecords)
    }

    /// Whether a direction starts with an MLLP frame holding an MSH segment: `0x0B` (doubled blocks tolerated),
    /// then `MSH` and a field separator; or, without the start block, `MSH` and a separator.
    public static func probe(_ bytes: RawSpan, direction: StreamDirection) -> ProbeResult {
        var offset = 0
        while offset < 3, let byte = bytes.uint8IfPresent(at: offset), byte == 0x0B { offset += 1 }
        let expected: InlineArray<3, UInt8> = [UInt8(ascii: "M"), UInt8(ascii: "S"), UInt8(ascii: "H")]
        for index in 0..<3 {
            guard let byte = bytes.uint8IfPresent(at: offset + index) else { return .needMoreBytes }
            if byte != expected[index] { return .noMatch }
        }
        guard let separator = bytes.uint8IfPresent(at: offset + 3) else { return .needMoreBytes }
        guard HL7Separators.isSeparatorCandidate(separator) else { return .noMatch }
        // MSH-2 follows: at least three encoding characters, none a letter, digit, space or the separator
        // (so that text such as "MSH-LIKE ..." is not taken for HL7).
        for index in 4..<7 {
            guard let character = bytes.uint8IfPresent(at: offset + index) else { return .needMoreBytes }
            let isAlphanumeric =
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(character)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(character)
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(character)
            if isAlphanumeric || character == UInt8(ascii: " ") || character == separator { return .noMatch }
        }
        return .match
    }

    /// In-order bytes of one direction, in chunks of any size.
    /// - Returns: whether records wait for ``popRecord()`` (asking afterwards would copy the analyzer).
    @discardableResult
    public mutating func receive(_ bytes: RawSpan, direction: StreamDirection, at time: PacketTime) -> Bool {
        var offset = 0
        while offset < bytes.byteCount {
            let step: MLLPFramer.Step
            switch direction {
            case .originator: step = originatorFramer.feed(bytes, offset: &offset, anomalies: &anomalies)
            case .responder: step = responderFramer.feed(bytes, offset: &offset, anomalies: &anomalies)
            }
            guard case .frame(let frame) = step else { break }
            complete(frame, direction: direction, at: time)
        }
        return records.count > 0
    }

    /// `length` bytes of `direction` were lost: the message in progress there is dropped.
    public mutating func gap(length: Int, direction: StreamDirection) {
        anomalies.record(.gap)
        switch direction {
        case .originator: originatorFramer.gap(anomalies: &anomalies)
        case .responder: responderFramer.gap(anomalies: &anomalies)
        }
    }

    /// The connection ended: messages still open in either direction are reported (without end block).
    public mutating func finish(at time: PacketTime) {
        if let frame = originatorFramer.finish(anomalies: &anomalies) {
            complete(frame, direction: .originator, at: time)
        }
        if let frame = responderFramer.finish(anomalies: &anomalies) {
            complete(frame, direction: .responder, at: time)
        }
    }

    /// The oldest completed record, removed from the queue.
    public mutating func popRecord() -> HL7MessageRecord? {
        records.pop()
    }

    /// Records waiting for `popRecord()`.
    public var queuedRecordCount: Int { records.count }

    /// Total capacity of the per-direction message buffers, in bytes (constant after `init`).
    public var bufferCapacity: Int { originatorFramer.bufferCapacity + responderFramer.bufferCapacity }

    private mutating func complete(_ frame: MLLPFramer.Frame, direction: StreamDirection, at time: PacketTime) {
        let fieldLimit = limits.maxFieldBytes
        let parsed: HL7HeaderParser.Header? =
            switch direction {
            case .originator:
                originatorFramer.withBufferedMessage { HL7HeaderParser.parse($0, maxFieldBytes: fieldLimit) }
            case .responder:
                responderFramer.withBufferedMessage { HL7HeaderParser.parse($0, maxFieldBytes: fieldLimit) }
            }
        guard let header = parsed else {
            anomalies.record(.badMSH)
            return
        }
        var record = HL7MessageRecord(
            time: time, direction: direction, messageType: header.messageType, controlID: header.controlID,
            sendingApplication: header.sendingApplication, sendingFacility: header.sendingFacility,
            receivingApplication: header.receivingApplication, receivingFacility: header.receivingFacility,
            processingID: header.processingID, version: header.version, ackCode: header.ackCode,
            acknowledgedControlID: header.acknowledgedControlID, messageBytes: frame.messageBytes,
            segmentCount: frame.segmentCount)
        if header.ackCode != nil {
            let other: StreamDirection = direction == .originator ? .responder : .originator
            if let acknowledged = header.acknowledgedControlID,
                let sent = pending.remove(controlID: acknowledged, direction: other)
            {
                record.ackLatencyNanoseconds = max(0, time.nanoseconds(since: sent))
            } else {
                anomalies.record(.unmatchedAck)
            }
        } else if pending.insert(controlID: header.controlID, direction: direction, time: time) {
            anomalies.pendingEvicted &+= 1
        }
        if !records.push(record) { anomalies.recordsDropped &+= 1 }
    }
}

@available(*, unavailable)
extension HL7Analyzer: Sendable {}
