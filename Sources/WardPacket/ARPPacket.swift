import WardCore

/// An ARP packet for Ethernet and IPv4 (RFC 826): the facts arpwatch-style detection needs.
public struct ARPPacket: Sendable, BitwiseCopyable {
    /// 1 = request, 2 = reply (RFC 826); other values are carried as read.
    public var operation: UInt16 = 0
    /// Sender hardware address (SHA).
    public var senderMAC: MACAddress = .zero
    /// Sender protocol address (SPA).
    public var senderAddress: IPAddress = .zero
    /// Target hardware address (THA).
    public var targetMAC: MACAddress = .zero
    /// Target protocol address (TPA).
    public var targetAddress: IPAddress = .zero

    /// An empty ARP record.
    @inlinable
    public init() {}

    /// A gratuitous ARP announces the sender's own address (SPA == TPA).
    @inlinable
    public var isGratuitous: Bool { senderAddress == targetAddress }

    /// Decodes Ethernet/IPv4 ARP at `offset`.
    /// - Throws: `truncatedARP`, or `arpUnsupportedAddressFormat` for other hardware/protocol types.
    public static func decode(_ bytes: RawSpan, at offset: Int) throws(DecodeAnomaly) -> ARPPacket {
        guard bytes.contains(offset: offset, length: 8) else { throw .truncatedARP }
        let hardwareType = bytes.loadUInt16(at: offset)
        let protocolType = bytes.loadUInt16(at: offset + 2)
        let hardwareLength = bytes.loadUInt8(at: offset + 4)
        let protocolLength = bytes.loadUInt8(at: offset + 5)
        // Hardware type 1 (Ethernet) or 6 (IEEE 802), protocol IPv4.
        guard hardwareType == 1 || hardwareType == 6, protocolType == 0x0800, hardwareLength == 6,
            protocolLength == 4
        else { throw .arpUnsupportedAddressFormat }
        guard bytes.contains(offset: offset, length: 28) else { throw .truncatedARP }
        var packet = ARPPacket()
        packet.operation = bytes.loadUInt16(at: offset + 6)
        packet.senderMAC = MACAddress(bytes, at: offset + 8)
        packet.senderAddress = IPAddress(ipv4: bytes, at: offset + 14)
        packet.targetMAC = MACAddress(bytes, at: offset + 18)
        packet.targetAddress = IPAddress(ipv4: bytes, at: offset + 24)
        return packet
    }
}
