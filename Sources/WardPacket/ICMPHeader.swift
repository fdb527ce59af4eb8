import WardCore

/// The first bytes of an ICMP (RFC 792) or ICMPv6 (RFC 4443) message.
public struct ICMPHeader: Sendable, BitwiseCopyable {
    /// Message type.
    public var type: UInt8 = 0
    /// Message code.
    public var code: UInt8 = 0
    /// The echo identifier for echo request/reply, else 0.
    public var echoIdentifier: UInt16 = 0

    /// An empty header.
    @inlinable
    public init() {}

    /// Decodes ICMP (`isVersion6 == false`) or ICMPv6 at `offset`.
    /// - Throws: `truncatedICMP`.
    public static func decode(_ bytes: RawSpan, at offset: Int, isVersion6: Bool) throws(DecodeAnomaly) -> ICMPHeader {
        guard bytes.contains(offset: offset, length: 4) else { throw .truncatedICMP }
        var header = ICMPHeader()
        header.type = bytes.loadUInt8(at: offset)
        header.code = bytes.loadUInt8(at: offset + 1)
        if header.isEcho(isVersion6: isVersion6), let identifier = bytes.uint16IfPresent(at: offset + 4) {
            header.echoIdentifier = identifier
        }
        return header
    }

    /// Whether this is an echo request or reply.
    @inlinable
    public func isEcho(isVersion6: Bool) -> Bool {
        isVersion6 ? (type == 128 || type == 129) : (type == 8 || type == 0)
    }
}
