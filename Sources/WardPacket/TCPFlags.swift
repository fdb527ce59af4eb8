/// The TCP control bits (RFC 9293 §3.1), including ECE and CWR (RFC 3168).
public struct TCPFlags: OptionSet, Hashable, Sendable, BitwiseCopyable {
    /// The flag bits as in the header's 13th byte.
    public var rawValue: UInt8

    /// Flags from the header byte.
    @inlinable
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
    public static let ece = TCPFlags(rawValue: 0x40)
    public static let cwr = TCPFlags(rawValue: 0x80)
}
