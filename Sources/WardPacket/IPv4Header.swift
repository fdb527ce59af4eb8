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
    ///
    /// The fixed 20 bytes are read as one 64-bit and three 32-bit words and the fields cut out of them: each read of
    /// the span checks its bounds, so four reads cost less than ten.
    /// - Throws: `truncatedIPv4`, `ipv4BadVersion`, `ipv4BadHeaderLength`.
    @inline(__always)
    public static func decode(_ bytes: RawSpan, at offset: Int) throws(DecodeAnomaly) -> IPv4Header {
        guard bytes.contains(offset: offset, length: 20) else { throw .truncatedIPv4 }
        // version and IHL, type of service, total length | identification, flags and fragment offset
        let first = bytes.loadUInt64(at: offset)
        guard first >> 60 == 4 else { throw .ipv4BadVersion }
        let headerLength = Int(first >> 56 & 0x0F) * 4
        guard headerLength >= 20 else { throw .ipv4BadHeaderLength }
        guard bytes.contains(offset: offset, length: headerLength) else { throw .truncatedIPv4 }
        let second = bytes.loadUInt32(at: offset + 8)  // time to live, protocol, checksum
        return IPv4Header(
            headerLength: headerLength,
            totalLength: Int(first >> 32 & 0xFFFF),
            identification: UInt16(truncatingIfNeeded: first >> 16),
            moreFragments: first & 0x2000 != 0,
            fragmentOffset: Int(first & 0x1FFF) * 8,
            timeToLive: UInt8(truncatingIfNeeded: second >> 24),
            ipProtocol: UInt8(truncatingIfNeeded: second >> 16),
            source: IPAddress(ipv4: bytes, at: offset + 12),
            destination: IPAddress(ipv4: bytes, at: offset + 16))
    }
}
