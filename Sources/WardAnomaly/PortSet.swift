/// A set of TCP/UDP port numbers as a map of 65,536 bits: a membership test is one load and a mask. The admin-port
/// check runs at the start and the end of every flow, where a `Set<UInt16>` hashed each port with SipHash.
public struct PortSet: Sendable, Equatable, ExpressibleByArrayLiteral {
    /// Bit `port % 64` of word `port / 64` is set for each member (8 KiB).
    @usableFromInline var words: [UInt64]

    /// The set of `ports`.
    public init<Ports: Sequence<UInt16>>(_ ports: Ports) {
        words = [UInt64](repeating: 0, count: 1 << 10)
        for port in ports { words[Int(port >> 6)] |= 1 << UInt64(port & 63) }
    }

    public init(arrayLiteral ports: UInt16...) {
        self.init(ports)
    }

    /// Whether `port` is a member.
    @inlinable
    public func contains(_ port: UInt16) -> Bool {
        words[Int(port >> 6)] & (1 << UInt64(port & 63)) != 0
    }
}
