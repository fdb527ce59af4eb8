import WardPacket

/// Passive tracking of both TCP endpoints of a flow: endpoint states, history letters and retransmissions.
///
/// The transitions follow what an observer on a mirror port can know (Zeek's TCP analyzer model): a SYN makes an
/// inactive side `synSent` (or `synAckSent` with ACK), an ACK after the peer's SYN-ACK establishes both sides,
/// FIN closes, RST resets, and traffic without a SYN is `partial`.
public struct TCPConnectionTracker: Sendable, BitwiseCopyable {
    /// The originator's state.
    public private(set) var originator: TCPEndpointState = .inactive
    /// The responder's state.
    public private(set) var responder: TCPEndpointState = .inactive
    private var originatorSequenceEnd: UInt32 = 0
    private var responderSequenceEnd: UInt32 = 0
    private var hasOriginatorSequence = false
    private var hasResponderSequence = false

    /// A tracker with nothing seen.
    @inlinable
    public init() {}

    /// Updates states and history with one segment.
    public mutating func observe(
        _ tcp: TCPHeader, payloadLength: Int, fromOriginator: Bool, history: inout ConnectionHistory
    ) {
        let flags = tcp.flags
        let isSYN = flags.contains(.syn)
        let isFIN = flags.contains(.fin)
        let isRST = flags.contains(.rst)
        let isACK = flags.contains(.ack)

        if isSYN && (isFIN || isRST) { history.record(.multiFlag, fromOriginator: fromOriginator) }
        if isSYN { history.record(isACK ? .synAck : .syn, fromOriginator: fromOriginator) }
        if isFIN { history.record(.fin, fromOriginator: fromOriginator) }
        if isRST { history.record(.rst, fromOriginator: fromOriginator) }
        if isACK && !isSYN && !isFIN && !isRST && payloadLength == 0 {
            history.record(.ack, fromOriginator: fromOriginator)
        }
        if payloadLength > 0 {
            if isRetransmission(sequence: tcp.sequenceNumber, length: payloadLength, fromOriginator: fromOriginator) {
                history.record(.retransmission, fromOriginator: fromOriginator)
            }
            history.record(.data, fromOriginator: fromOriginator)
        }
        if tcp.window == 0 && !isSYN && !isRST && !isFIN {
            history.record(.zeroWindow, fromOriginator: fromOriginator)
        }
        advanceSequence(tcp.sequenceNumber, length: payloadLength + (isSYN ? 1 : 0) + (isFIN ? 1 : 0),
                        fromOriginator: fromOriginator)

        var mine = fromOriginator ? originator : responder
        var peer = fromOriginator ? responder : originator
        switch mine {
        case .inactive:
            if isSYN {
                mine = isACK ? .synAckSent : .synSent
            } else if isRST {
                mine = .reset
            } else if isFIN {
                mine = .closed
            } else if isACK || payloadLength > 0 {
                mine = .partial
            }
        case .synSent, .synAckSent:
            if isRST {
                mine = .reset
            } else if isFIN {
                mine = .closed
            } else if isACK && !isSYN && (peer == .synAckSent || peer == .synSent || peer == .established) {
                mine = .established
                if peer == .synAckSent || peer == .synSent { peer = .established }
            }
        case .partial, .established:
            if isRST {
                mine = .reset
            } else if isFIN {
                mine = .closed
            }
        case .closed:
            if isRST { mine = .reset }
        case .reset:
            break
        }
        if fromOriginator {
            originator = mine
            responder = peer
        } else {
            responder = mine
            originator = peer
        }
    }

    /// Zeek's `conn_state` for the states seen; `payloadBytes` are the two sides' payload totals.
    public func connectionState(
        history: ConnectionHistory, originatorPayloadBytes: UInt64, responderPayloadBytes: UInt64
    ) -> ConnectionState {
        if responder == .reset {
            if originator == .synSent || originator == .synAckSent
                || (originator == .reset && originatorPayloadBytes == 0 && responderPayloadBytes == 0)
            {
                return .rej
            }
            return originator.isInactive ? .rstrh : .rstr
        }
        if originator == .reset {
            if responder.isInactive {
                let sawSYNOnly =
                    history.contains(.syn, fromOriginator: true) && !history.contains(.synAck, fromOriginator: false)
                return sawSYNOnly ? .rstos0 : .oth
            }
            return .rsto
        }
        if originator == .closed && responder == .closed { return .sf }
        if originator == .closed { return responder.isInactive ? .sh : .s2 }
        if responder == .closed { return originator.isInactive ? .shr : .s3 }
        if originator == .synSent && responder == .inactive { return .s0 }
        if originator == .established && responder == .established { return .s1 }
        return .oth
    }

    /// Whether both sides are finished (closed or reset), so the flow can end after a short delay.
    @inlinable
    public var isTerminated: Bool {
        originator == .reset || responder == .reset || (originator == .closed && responder == .closed)
    }

    private func isRetransmission(sequence: UInt32, length: Int, fromOriginator: Bool) -> Bool {
        let known = fromOriginator ? hasOriginatorSequence : hasResponderSequence
        guard known else { return false }
        let end = fromOriginator ? originatorSequenceEnd : responderSequenceEnd
        let segmentEnd = sequence &+ UInt32(truncatingIfNeeded: length)
        return Int32(bitPattern: segmentEnd &- end) <= 0
    }

    private mutating func advanceSequence(_ sequence: UInt32, length: Int, fromOriginator: Bool) {
        let segmentEnd = sequence &+ UInt32(truncatingIfNeeded: length)
        if fromOriginator {
            if !hasOriginatorSequence || Int32(bitPattern: segmentEnd &- originatorSequenceEnd) > 0 {
                originatorSequenceEnd = segmentEnd
                hasOriginatorSequence = true
            }
        } else {
            if !hasResponderSequence || Int32(bitPattern: segmentEnd &- responderSequenceEnd) > 0 {
                responderSequenceEnd = segmentEnd
                hasResponderSequence = true
            }
        }
    }
}
