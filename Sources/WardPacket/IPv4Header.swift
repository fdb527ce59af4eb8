import WardCore

/// An IPv4 header (RFC 791 §3.1); options are skipped by the header length, not interpreted.
public struct IPv4Header: Sendable, BitwiseCopyable {
    /// Header length in bytes (IHL × 4).
    public var headerLength: Int
    /// Total length as declared (header + payload).
    public var totalLength: Int
    /// Identification, for fragments.
    public var identification: UInt16
    /// The more-fragments flag.
    public var moreFragments: Bool
    /// Fragment offset in bytes.
    public var fragmentOffset: Int
    /// Time to live.
    public var timeToLive: UInt8
    /// Payload protocol number.
    public var ipProtocol: UInt8
    /// Source address.
    public var source: IPAddress
    /// Destination address.
    public var destination: IPAddress

    /// Decodes the header at `offset`.
    /// - Throws: `truncatedIPv4`, `ipv4BadVersion`, `ipv4BadHeaderLength`.
    @inline(__always)
    public static func decode(_ bytes: RawSpan, at offset: Int) throws(DecodeAnomaly) -> IPv4Header {
        guard bytes.contains(offset: offset, length: 20) else { throw .truncatedIPv4 }
        let versionAndLength = bytes.loadUInt8(at: offset)
        guard versionAndLength >> 4 == 4 else { throw .ipv4BadVersion }
        let headerLength = Int(versionAndLength & 0x0F) * 4
        guard headerLength >= 20 else { throw .ipv4BadHeaderLength }
        guard bytes.contains(offset: offset, length: headerLength) else { throw .truncatedIPv4 }
        let flagsAndOffset = bytes.loadUInt16(at: offset + 6)
        return IPv4Header(
            headerLength: headerLength,
            totalLength: Int(bytes.loadUInt16(at: offset + 2)),
            identification: bytes.loadUInt16(at: offset + 4),
            moreFragments: flagsAndOffset & 0x2000 != 0,
            fragmentOffset: Int(flagsAndOffset & 0x1FFF) * 8,
            timeToLive: bytes.loadUInt8(at: offset + 8),
            ipProtocol: bytes.loadUInt8(at: offset + 9),
            source: IPAddress(ipv4: bytes, at: offset + 12),
            destination: IPAddress(ipv4: bytes, at: offset + 16))
    }
}
