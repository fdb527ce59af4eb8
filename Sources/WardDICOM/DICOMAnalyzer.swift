import WardCore

/// The DICOM Upper Layer analyzer for one TCP connection (DICOM PS3.8): frames both directions, follows the
/// association lifecycle, reads DIMSE command sets, and produces one ``DICOMAssociationRecord`` per association.
///
/// A value type owned by the engine's flow state. It never traps on any input, never buffers more than its
/// ``DICOMLimits``, and never reads data sets (patient content).
public struct DICOMAnalyzer: Sendable {
    /// Counts of every anomaly raised on this connection.
    public private(set) var anomalies = DICOMAnomalyCounts()

    private let limits: DICOMLimits
    private var originatorFramer: DICOMFramer
    private var responderFramer: DICOMFramer
    private var machine: DICOMAssociationStateMachine
    private var records: [DICOMAssociationRecord] = []

    /// An analyzer for a new connection.
    public init(limits: DICOMLimits = DICOMLimits()) {
        self.limits = limits
        originatorFramer = DICOMFramer(limits: limits)
        responderFramer = DICOMFramer(limits: limits)
        machine = DICOMAssociationStateMachine(limits: limits)
    }

    /// Whether the first bytes of a direction look like DICOM: an A-ASSOCIATE-RQ from the originator (or an
    /// A-ASSOCIATE-AC/RJ or A-ABORT from the responder) with a sane length and protocol version 1.
    /// - Parameters:
    ///   - bytes: the first bytes the direction sent.
    ///   - direction: who sent them.
    /// - Returns: whether to attach the analyzer.
    public static func probe(_ bytes: RawSpan, direction: StreamDirection) -> ProbeResult {
        guard let first = bytes.uint8IfPresent(at: 0) else { return .needMoreBytes }
        let type = DICOMPDUType(rawValue: first)
        switch (direction, type) {
        case (.originator, .associateRequest), (.responder, .associateAccept):
            break
        case (.responder, .associateReject), (.responder, .abort):
            guard bytes.byteCount >= 6 else { return bytes.byteCount >= 2 && bytes.loadUInt8(at: 1) != 0 ? .noMatch : .needMoreBytes }
            return bytes.loadUInt8(at: 1) == 0 && bytes.loadUInt32(at: 2) == 4 ? .match : .noMatch
        default:
            return .noMatch
        }
        if let reserved = bytes.uint8IfPresent(at: 1), reserved != 0 { return .noMatch }
        if bytes.byteCount >= 6 {
            let length = bytes.loadUInt32(at: 2)
            guard length >= UInt32(DICOMAssociatePDU.fixedLength), length <= 64 * 1024 else { return .noMatch }
        }
        guard let version = bytes.uint16IfPresent(at: 6) else { return .needMoreBytes }
        return version & 0x0001 != 0 ? .match : .noMatch
    }

    /// Feeds in-order bytes of one direction, in chunks of any size.
    /// - Parameters:
    ///   - bytes: the chunk.
    ///   - direction: who sent it.
    ///   - time: the packet time of the chunk.
    /// - Returns: whether records wait for ``popRecord()`` (asking afterwards would copy the analyzer).
    @discardableResult
    public mutating func receive(_ bytes: RawSpan, direction: StreamDirection, at time: PacketTime) -> Bool {
        var unshared = DICOMAssociateMemo(capacity: 0)
        return receive(bytes, direction: direction, at: time, associations: &unshared)
    }

    /// Feeds in-order bytes of one direction, looking A-ASSOCIATE bodies up in `associations`, the memo the
    /// engine's DICOM connections share.
    /// - Returns: whether records wait for ``popRecord()``.
    @discardableResult
    public mutating func receive(
        _ bytes: RawSpan, direction: StreamDirection, at time: PacketTime, associations: inout DICOMAssociateMemo
    ) -> Bool {
        var skippable = 0
        return receive(bytes, direction: direction, at: time, associations: &associations, skippable: &skippable)
    }

    /// Feeds in-order bytes of one direction, and says in `skippable` how many of the bytes after them the analyzer
    /// would pass over unread (the rest of a data set): the engine passes those over (WardFlows'
    /// `TCPReassembler.waive`) and reports them to ``skip(_:direction:)``. Said here rather than asked afterwards,
    /// which copied the analyzer.
    /// - Returns: whether records wait for ``popRecord()``.
    public mutating func receive(
        _ bytes: RawSpan, direction: StreamDirection, at time: PacketTime, associations: inout DICOMAssociateMemo,
        skippable: inout Int
    ) -> Bool {
        var cursor = 0
        while let event = nextEvent(bytes, direction: direction, cursor: &cursor) {
            handle(event, in: bytes, direction: direction, at: time, associations: &associations)
        }
        syncPDataBytes()
        skippable = direction == .originator ? originatorFramer.passableBytes : responderFramer.passableBytes
        return !records.isEmpty
    }

    /// Moves past `count` bytes of `direction` that `skippable` allowed, exactly as receiving them would.
    public mutating func skip(_ count: Int, direction: StreamDirection) {
        let anomaly =
            switch direction {
            case .originator: originatorFramer.pass(over: count)
            case .responder: responderFramer.pass(over: count)
            }
        syncPDataBytes()
        if let anomaly { anomalies.record(anomaly) }
    }

    /// Reports `length` bytes of `direction` lost; the framer resynchronises at the next plausible PDU header.
    public mutating func gap(length: Int, direction: StreamDirection) {
        guard length > 0 else { return }
        anomalies.record(.gap)
        switch direction {
        case .originator: originatorFramer.gap(length: length)
        case .responder: responderFramer.gap(length: length)
        }
        syncPDataBytes()
    }

    /// The connection is over: queues the open association's record, with the result as far as known.
    public mutating func finish(at time: PacketTime) {
        if originatorFramer.isInsidePDU || responderFramer.isInsidePDU { anomalies.record(.truncatedPDU) }
        syncPDataBytes()
        apply(machine.finish(at: time))
    }

    /// The oldest finished record, if any.
    public mutating func popRecord() -> DICOMAssociationRecord? {
        // The last one (nearly always the only one) is moved out: `removeFirst` copies.
        records.count > 1 ? records.removeFirst() : records.popLast()
    }

    /// The framer of `direction` (for tests of the memory bounds).
    public func framer(_ direction: StreamDirection) -> DICOMFramer {
        direction == .originator ? originatorFramer : responderFramer
    }

    private mutating func nextEvent(
        _ bytes: RawSpan, direction: StreamDirection, cursor: inout Int
    ) -> DICOMFramer.Event? {
        switch direction {
        case .originator: originatorFramer.next(bytes, cursor: &cursor)
        case .responder: responderFramer.next(bytes, cursor: &cursor)
        }
    }

    /// One framer event from the chunk `bytes`.
    private mutating func handle(
        _ event: DICOMFramer.Event, in bytes: RawSpan, direction: StreamDirection, at time: PacketTime,
        associations: inout DICOMAssociateMemo
    ) {
        syncPDataBytes()
        switch event {
        case .anomaly(let anomaly):
            anomalies.record(anomaly)
        case .commandSet(_, let inChunk?):
            command(bytes.extracting(inChunk), at: time)
        case .commandSet(_, nil):
            // Only the bytes are taken (one retain): a copy of the whole framer retained and released all its buffers.
            let commandBytes = direction == .originator ? originatorFramer.commandBytes : responderFramer.commandBytes
            commandBytes.withUnsafeBytes { command($0.bytes, at: time) }
        case .controlPDU(let type):
            let body = direction == .originator ? originatorFramer.body : responderFramer.body
            apply(controlPDU(type, body: body, direction: direction, at: time, associations: &associations))
        }
    }

    /// A command set's bytes. A command never ends an association, so only an anomaly can come of it (an `Action`,
    /// with room for a whole record, was copied several times per command).
    private mutating func command(_ bytes: RawSpan, at time: PacketTime) {
        let anomaly: DICOMAnomaly?
        do {
            let command = try DICOMCommandSet.decode(bytes)
            anomaly = machine.command(command, in: bytes, at: time)
        } catch {
            anomaly = .malformedCommand
        }
        if let anomaly { anomalies.record(anomaly) }
    }

    private mutating func controlPDU(
        _ type: DICOMPDUType, body: [UInt8], direction: StreamDirection, at time: PacketTime,
        associations: inout DICOMAssociateMemo
    ) -> DICOMAssociationStateMachine.Action {
        switch type {
        case .associateRequest, .associateAccept:
            let isAccept = type == .associateAccept
            guard (direction == .originator) != isAccept else {
                return DICOMAssociationStateMachine.Action(record: nil, anomaly: .unexpectedPDU)
            }
            do {
                let decoded = try associations.decode(body, isAccept: isAccept, limits: limits)
                anomalies.add(decoded.anomalies)
                guard isAccept else { return machine.associateRequest(decoded.pdu, body: decoded.body, at: time) }
                guard let request = machine.pendingRequestBody else {
                    return machine.associateAccept(decoded.pdu, at: time)  // unexpected: the machine says so
                }
                if let known = associations.acceptance(of: decoded, request: request) {
                    return machine.associateAccept(decoded.pdu, acceptance: known, at: time)
                }
                let acceptance = machine.acceptance(of: decoded.pdu)
                associations.remember(acceptance, of: decoded, request: request)
                return machine.associateAccept(decoded.pdu, acceptance: acceptance, at: time)
            } catch {
                return DICOMAssociationStateMachine.Action(record: nil, anomaly: .truncatedPDU)
            }
        case .associateReject:
            guard let reject = body.withUnsafeBytes({ DICOMAssociateReject.decode($0.bytes) }) else {
                return DICOMAssociationStateMachine.Action(record: nil, anomaly: .truncatedPDU)
            }
            return machine.associateReject(reject, at: time)
        case .releaseRequest:
            return machine.releaseRequest(at: time)
        case .releaseResponse:
            return machine.releaseResponse(at: time)
        case .abort:
            guard let abort = body.withUnsafeBytes({ DICOMAbort.decode($0.bytes) }) else {
                return DICOMAssociationStateMachine.Action(record: nil, anomaly: .truncatedPDU)
            }
            return machine.abort(abort, from: direction, at: time)
        default:
            return .none
        }
    }

    private mutating func apply(_ action: DICOMAssociationStateMachine.Action) {
        if let anomaly = action.anomaly { anomalies.record(anomaly) }
        guard let record = action.record else { return }
        if records.count >= limits.maximumQueuedRecords {
            anomalies.record(.recordQueueFull)
        } else {
            records.append(record)
        }
    }

    private mutating func syncPDataBytes() {
        let count = originatorFramer.takePDataByteCount() &+ responderFramer.takePDataByteCount()
        machine.addPDataBytes(count)
    }
}
