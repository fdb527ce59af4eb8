import WardPacket

/// Passive tracking of both TCP endpoints of a flow: endpoint states, history letters and retransmissions.
///
/// The transitions follow what an observer on a mirror port can know (Zeek's TCP analyzer model): a SYN makes an
/// inactive originator `synSent` (or `synAckSent` with ACK), the responder's SYN-ACK establishes both sides (an
/// ACK answering a SYN-ACK whose SYN was missed establishes the acknowledging side), FIN closes, RST resets (not
/// after both FINs), and traffic without a SYN is `partial`.
public struct TCPConnectionTracker: Sendable, BitwiseCopyable {
    /// The originator's state.
    public private(set) var originator: TCPEndpointState = .inactive
    /// The responder's state.
    public private(set) var responder: TCPEndpointState = .inactive
    /// The originator's first data sequence number (its SYN's sequence + 1), once its SYN was seen.
    public private(set) var originatorStreamStart: UInt32?
    /// The responder's first data sequence number, once its SYN-ACK was seen.
    public private(set) var responderStreamStart: UInt32?
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

        // One letter per segment as Zeek's update_history: several of SYN/FIN/RST give only `Q`, one of them gives
        // its own letter (even with data), and `D` / `A` are for segments without any of them.
        let controlFlags = (isSYN ? 1 : 0) + (isFIN ? 1 : 0) + (isRST ? 1 : 0)
        if controlFlags > 1 {
            history.record(.multiFlag, fromOriginator: fromOriginator)
        } else if isSYN {
            history.record(isACK ? .synAck : .syn, fromOriginator: fromOriginator)
        } else if isFIN {
            history.record(.fin, fromOriginator: fromOriginator)
        } else if isRST {
            history.record(.rst, fromOriginator: fromOriginator)
        } else if payloadLength > 0 {
            history.record(.data, fromOriginator: fromOriginator)
        } else if isACK {
            history.record(.ack, fromOriginator: fromOriginator)
        }
        if payloadLength > 0
            && isRetransmission(sequence: tcp.sequenceNumber, length: payloadLength, fromOriginator: fromOriginator)
        {
            history.record(.retransmission, fromOriginator: fromOriginator)
        }
        if tcp.window == 0 && !isSYN && !isRST && !isFIN {
            history.record(.zeroWindow, fromOriginator: fromOriginator)
        }
        if isSYN {
            if fromOriginator {
                originatorStreamStart = tcp.sequenceNumber &+ 1
            } else {
                responderStreamStart = tcp.sequenceNumber &+ 1
            }
        }
        advanceSequence(tcp.sequenceNumber, length: payloadLength + (isSYN ? 1 : 0) + (isFIN ? 1 : 0),
                        fromOriginator: fromOriginator)

        var mine = fromOriginator ? originator : responder
        var peer = fromOriginator ? responder : originator
        switch mine {
        case .inactive:
            // Zeek's UpdateInactiveState: the responder's SYN(-ACK) establishes it and a SYN-sending originator
            // (no final ACK needed); then FIN closes and RST resets, whatever SYN came with them.
            if isSYN {
                if fromOriginator {
                    mine = isACK ? .synAckSent : .synSent
                } else {
                    mine = .established
                    if peer == .synSent { peer = .established }
                }
            }
            if isFIN { mine = .closed }
            if isRST { mine = .reset }
            if mine == .inactive {
                if !fromOriginator && payloadLength == 0 && peer == .synSent {
                    // An ACK of the SYN before the SYN-ACK (some stacks do): not yet a partial connection.
                } else if isACK && peer == .established {
                    mine = .established  // the SYN was missed, the peer's SYN-ACK was seen
                } else if isACK || payloadLength > 0 {
                    mine = .partial
                }
            }
        case .synSent, .synAckSent:
            // Left only by FIN or RST (or by the peer's SYN-ACK, above), as in Zeek's UpdateSYN_SentState.
            if isRST {
                mine = .reset
            } else if isFIN {
                mine = .closed
            }
        case .partial, .established:
            if isRST {
                mine = .reset
            } else if isFIN {
                mine = .closed
            }
        case .closed:
            // After a FIN exchange, a RST does not make it a reset connection (Zeek's UpdateClosedState).
            if isRST && peer != .closed { mine = .reset }
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
    @inline(__always)
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
