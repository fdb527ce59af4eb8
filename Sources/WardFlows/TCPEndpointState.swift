/// One side's TCP state as a passive observer tracks it (the endpoint states of Zeek's TCP analyzer).
public enum TCPEndpointState: UInt8, Sendable, BitwiseCopyable {
    /// Nothing seen from this side yet.
    case inactive
    /// Sent a SYN without ACK.
    case synSent
    /// Sent a SYN with ACK.
    case synAckSent
    /// Seen sending midstream (no SYN seen).
    case partial
    /// The handshake completed.
    case established
    /// Sent a FIN.
    case closed
    /// Sent a RST.
    case reset

    /// Inactive or partial: never took part in a handshake we saw.
    @inlinable
    public var isInactive: Bool { self == .inactive || self == .partial }
}
