import WardCore

/// The SMB2/3 analyzer for one TCP connection ([MS-SMB2]; NBSS framing per RFC 1002 §4.3 on ports 445 and 139).
///
/// The engine feeds each direction's reassembled bytes in order and in chunks of any size, reports gaps, and calls
/// ``finish(at:)`` at the end; ``popRecord()`` yields `wardwatch.smb` records oldest first. Memory is bounded by
/// ``SMB2Limits``; no input traps.
public struct SMB2Analyzer: Sendable {
    private var originatorFramer: SMB2Framer
    private var responderFramer: SMB2Framer
    private var originatorWrite: SMB2ConnectionState.WriteContext?
    private var responderWrite: SMB2ConnectionState.WriteContext?
    package var state: SMB2ConnectionState

    /// A fresh analyzer with `limits`.
    public init(limits: SMB2Limits = SMB2Limits()) {
        originatorFramer = SMB2Framer(limits: limits)
        responderFramer = SMB2Framer(limits: limits)
        state = SMB2ConnectionState(limits: limits)
    }

    /// Anomalies raised on this connection so far.
    public var anomalies: SMB2AnomalyCounts { state.anomalies }

    /// Whether the first bytes of a direction look like SMB over NBSS: a session message (type 0x00, 24-bit
    /// length) whose body starts with `0xFE|0xFD|0xFC|0xFF 'SMB'`, or an NBSS session request (port 139).
    /// - Parameters:
    ///   - bytes: the first bytes seen in `direction`.
    ///   - direction: which side sent them.
    /// - Returns: ``ProbeResult/match``, ``ProbeResult/noMatch``, or ``ProbeResult/needMoreBytes``.
    public static func probe(_ bytes: RawSpan, direction: StreamDirection) -> ProbeResult {
        guard bytes.byteCount > 0 else { return .needMoreBytes }
        let type = bytes.loadUInt8(at: 0)
        if type == 0x81 {  // NBSS SESSION REQUEST: two encoded NetBIOS names, 68 bytes.
            guard bytes.byteCount >= 4 else { return .needMoreBytes }
            return bytes.loadUInt8(at: 1) == 0 && bytes.loadUInt16(at: 2) == 68 ? .match : .noMatch
        }
        guard type == 0x00 else { return .noMatch }
        let expected: [UInt8] = [0, 0x53, 0x4D, 0x42]
        for index in 4..<8 {
            guard index < bytes.byteCount else { return .needMoreBytes }
            let byte = bytes.loadUInt8(at: index)
            if index == 4 {
                guard SMB2ProtocolMagic(rawValue: byte) != nil else { return .noMatch }
            } else if byte != expected[index - 4] {
                return .noMatch
            }
        }
        if bytes.byteCount >= 4 {
            let length = UInt32(bytes.loadUInt8(at: 1)) << 16 | UInt32(bytes.loadUInt16(at: 2))
            if length < 4 { return .noMatch }
        }
        return .match
    }

    /// Feeds in-order bytes of one direction (any chunking).
    /// - Parameters:
    ///   - bytes: the next bytes of `direction`'s stream.
    ///   - direction: which side sent them.
    ///   - time: the packet time of the segment that completed them.
    /// - Returns: whether records or encrypted messages wait to be popped (asking afterwards would copy the
    ///   analyzer).
    @discardableResult
    public mutating func receive(_ bytes: RawSpan, direction: StreamDirection, at time: PacketTime) -> Bool {
        var skippable = 0
        return receive(bytes, direction: direction, at: time, afterSkipping: 0, skippable: &skippable)
    }

    /// Feeds in-order bytes of one direction that follow `skipped` bytes passed over unread (at most what
    /// `skippable` said last time), and says in `skippable` how many of the bytes after them the analyzer would
    /// consume unread: the rest of a READ response or an encrypted message, a WRITE's data past its entropy sample.
    /// The engine passes those over (WardFlows' `TCPReassembler.waive`) and reports them here, or to
    /// ``skip(_:direction:)`` before a gap or the end.
    /// - Returns: whether records or encrypted messages wait to be popped.
    public mutating func receive(
        _ bytes: RawSpan, direction: StreamDirection, at time: PacketTime, afterSkipping skipped: Int,
        skippable: inout Int
    ) -> Bool {
        if skipped > 0 { skip(skipped, direction: direction) }
        // Each direction's framer and write context are passed in place: copying a framer out and back would copy
        // (or at least retain and release) its buffer for every segment.
        switch direction {
        case .originator:
            Self.receive(bytes, fromClient: true, at: time, framer: &originatorFramer, write: &originatorWrite, state: &state)
            skippable = originatorFramer.passableBytes(wantsStreamedData: (originatorWrite?.sampleBudget ?? 0) > 0)
        case .responder:
            Self.receive(bytes, fromClient: false, at: time, framer: &responderFramer, write: &responderWrite, state: &state)
            skippable = responderFramer.passableBytes(wantsStreamedData: (responderWrite?.sampleBudget ?? 0) > 0)
        }
        return state.hasQueuedOutput
    }

    /// Moves past `count` bytes of `direction` that `skippable` allowed, exactly as offering them would.
    public mutating func skip(_ count: Int, direction: StreamDirection) {
        switch direction {
        case .originator: originatorFramer.pass(over: count)
        case .responder: responderFramer.pass(over: count)
        }
    }

    private static func receive(
        _ bytes: RawSpan, fromClient: Bool, at time: PacketTime, framer: inout SMB2Framer,
        write: inout SMB2ConnectionState.WriteContext?, state: inout SMB2ConnectionState
    ) {
        var offset = 0
        // Messages lying whole in the chunk are read where they lie, without a framing step each.
        while let whole = framer.nextInPlaceMessage(bytes, offset: &offset) {
            write = nil
            message(
                bytes.extracting(whole.range), complete: whole.complete, fromClient: fromClient, at: time, state: &state)
        }
        if offset == bytes.byteCount { return }
        loop: while true {
            let step = framer.nextStep(bytes, offset: &offset)
            switch step {
            case .needMoreBytes:
                break loop
            case .anomaly(let anomaly):
                state.raise(anomaly)
                write = nil
            case .writeHead:
                write = framer.buffer.withUnsafeBytes {
                    state.smb2Message($0.bytes, complete: false, at: time)
                }
            case .payload(let range, let position):
                if write != nil {
                    state.writeData(bytes.extracting(range), messagePosition: position, context: &write!)
                }
            case .message(_, let complete, let oversized):
                write = nil
                if oversized { state.raise(.nbssLengthExceedsLimit) }
                framer.buffer.withUnsafeBytes { raw in
                    message(raw.bytes, complete: complete, fromClient: fromClient, at: time, state: &state)
                }
            case .inPlace(let range, _, let complete):
                write = nil
                message(bytes.extracting(range), complete: complete, fromClient: fromClient, at: time, state: &state)
            }
        }
    }

    /// One framed message (or its head), by its protocol id.
    private static func message(
        _ message: RawSpan, complete: Bool, fromClient: Bool, at time: PacketTime, state: inout SMB2ConnectionState
    ) {
        switch SMB2ProtocolMagic.at(0, in: message) {
        case .smb2?: state.smb2Message(message, complete: complete, at: time)
        case .transform?: state.transform(message, fromClient: fromClient, at: time)
        case .compression?: state.compressed()
        case .smb1?: state.smb1()
        case nil: state.raise(.smb2BadMagic)
        }
    }

    /// Reports `length` bytes lost in `direction`: skipped when they fall inside a payload being skipped anyway,
    /// otherwise the framer resynchronises on the next NBSS header followed by an SMB protocol id.
    public mutating func gap(length: Int, direction: StreamDirection) {
        state.raise(.smb2Gap)
        let resync: Bool
        if direction == .originator {
            resync = originatorFramer.gap(length: length)
            if resync { originatorWrite = nil }
        } else {
            resync = responderFramer.gap(length: length)
            if resync { responderWrite = nil }
        }
    }

    /// Ends the connection: emits a record for each file still open, then the session record.
    public mutating func finish(at time: PacketTime) {
        state.finish(at: time)
    }

    /// Removes and returns the oldest queued record, or `nil`.
    public mutating func popRecord() -> SMB2Record? {
        state.popRecord()
    }

    /// Removes and returns the oldest large encrypted message seen, or `nil` (facts for the detectors, not records).
    public mutating func popEncryptedMessage() -> SMB2EncryptedMessage? {
        state.popEncryptedMessage()
    }

    /// The framer of `direction` (tests: bounded-memory checks).
    package func framer(_ direction: StreamDirection) -> SMB2Framer {
        direction == .originator ? originatorFramer : responderFramer
    }
}
