import WardCore

/// An IPv6 header (RFC 8200 §3) with a bounded walk over its extension headers (RFC 8200 §4).
public struct IPv6Header: Sendable, BitwiseCopyable {
    /// The declared payload length (extension headers included).
    public var payloadLength: Int
    /// The hop limit.
    public var hopLimit: UInt8
    /// Source address.
    public var source: IPAddress
    /// Destination address.
    public var destination: IPAddress
    /// The upper-layer protocol after the extension headers.
    public var upperProtocol: UInt8
    /// Offset of the upper-layer header, from the start of the frame.
    public var upperOffset: Int
    /// Fragment facts from a fragment header, if any.
    public var fragment: FragmentInfo

    /// The most extension headers walked before `tooManyIPv6ExtensionHeaders`.
    public static let maximumExtensionHeaders = 8

    /// Decodes the header at `offset` and walks its extension headers.
    /// - Throws: `truncatedIPv6`, `ipv6BadVersion`, `truncatedIPv6ExtensionHeader`, `tooManyIPv6ExtensionHeaders`.
    public static func decode(_ bytes: RawSpan, at offset: Int) throws(DecodeAnomaly) -> IPv6Header {
        guard bytes.contains(offset: offset, length: 40) else { throw .truncatedIPv6 }
        guard bytes.loadUInt8(at: offset) >> 4 == 6 else { throw .ipv6BadVersion }
        var header = IPv6Header(
            payloadLength: Int(bytes.loadUInt16(at: offset + 4)),
            hopLimit: bytes.loadUInt8(at: offset + 7),
            source: IPAddress(ipv6: bytes, at: offset + 8),
            destination: IPAddress(ipv6: bytes, at: offset + 24),
            upperProtocol: bytes.loadUInt8(at: offset + 6),
            upperOffset: offset + 40,
            fragment: FragmentInfo())
        var walked = 0
        while true {
            let extensionLength: Int
            switch header.upperProtocol {
            case 0, 43, 60, 135, 139, 140:  // hop-by-hop, routing, destination, mobility, HIP, shim6
                guard bytes.contains(offset: header.upperOffset, length: 2) else {
                    throw .truncatedIPv6ExtensionHeader
                }
                extensionLength = (Int(bytes.loadUInt8(at: header.upperOffset + 1)) + 1) * 8
            case 51:  // authentication header: length in 4-octet units minus 2
                guard bytes.contains(offset: header.upperOffset, length: 2) else {
                    throw .truncatedIPv6ExtensionHeader
                }
                extensionLength = (Int(bytes.loadUInt8(at: header.upperOffset + 1)) + 2) * 4
            case 44:  // fragment header
                guard bytes.contains(offset: header.upperOffset, length: 8) else {
                    throw .truncatedIPv6ExtensionHeader
                }
                let offsetAndFlags = bytes.loadUInt16(at: header.upperOffset + 2)
                header.fragment.isFragment = true
                header.fragment.offset = UInt32(offsetAndFlags & 0xFFF8)
                header.fragment.moreFragments = offsetAndFlags & 1 != 0
                header.fragment.identification = bytes.loadUInt32(at: header.upperOffset + 4)
                extensionLength = 8
            default:
                return header
            }
            walked += 1
            guard walked <= maximumExtensionHeaders else { throw .tooManyIPv6ExtensionHeaders }
            guard bytes.contains(offset: header.upperOffset, length: extensionLength) else {
                throw .truncatedIPv6ExtensionHeader
            }
            header.upperProtocol = bytes.loadUInt8(at: header.upperOffset)
            header.upperOffset += extensionLength
            if header.fragment.isFragment && header.fragment.offset != 0 { return header }
        }
    }
}
