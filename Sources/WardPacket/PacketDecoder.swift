import WardCore

/// Stateless link-to-transport decoding of one captured frame.
///
/// Decoding never traps and never allocates: every length is checked before it is read, and the first problem
/// met is recorded in `DecodedPacket.anomaly` while the layers understood so far stay usable (a truncated TCP
/// header still yields the IP addresses, an IP length larger than the frame still yields the ports).
public enum PacketDecoder {
    /// Decodes `frame` (the captured bytes; `wireLength` is the length on the wire) of link type `linkType`.
    public static func decode(_ frame: RawSpan, wireLength: Int, linkType: LinkType) -> DecodedPacket {
        var packet = DecodedPacket()
        decode(frame, wireLength: wireLength, linkType: linkType, into: &packet)
        return packet
    }

    /// Decodes `frame` into `packet`, which must be fresh (`DecodedPacket()`): the per-packet form, writing each field
    /// where the caller keeps the packet instead of returning a 200-byte struct to be copied (a copy whose wide loads
    /// stall on the narrow stores that just wrote the fields). The packet is not cleared again here: the caller's
    /// `DecodedPacket()` already wrote its 217 bytes, and clearing it twice cost some thirty stores a packet.
    public static func decode(_ frame: RawSpan, wireLength: Int, linkType: LinkType, into packet: inout DecodedPacket) {
        do {
            try decodeLayers(frame, wireLength: max(wireLength, frame.byteCount), linkType: linkType, into: &packet)
        } catch {
            packet.anomaly = error
        }
    }

    @inline(__always)
    private static func decodeLayers(
        _ frame: RawSpan, wireLength: Int, linkType: LinkType, into packet: inout DecodedPacket
    ) throws(DecodeAnomaly) {
        var offset: Int
        switch linkType {
        case .ethernet:
            // Most frames carry IP straight after the MACs: no call into the walk over tags, labels and LLC for them.
            let type = frame.byteCount >= 14 ? frame.loadUInt16(at: 12) : 0
            if type == 0x0800 || type == 0x86DD {
                packet.etherType = type
                offset = 14
            } else {
                offset = try EthernetHeader.decodeTags(frame, vlan: &packet.vlan, etherType: &packet.etherType)
            }
            packet.sourceMAC = MACAddress(frame, at: 6)
            packet.destinationMAC = MACAddress(frame, at: 0)
        case .linuxSLL, .linuxSLL2:
            let cooked = try linkType == .linuxSLL ? LinuxCookedHeader.decodeV1(frame) : LinuxCookedHeader.decodeV2(frame)
            packet.sourceMAC = cooked.source
            packet.etherType = cooked.protocolType
            offset = cooked.payloadOffset
        case .null, .loop:
            guard frame.byteCount >= 4 else { throw .truncatedLinkHeader }
            let family = linkType == .loop ? frame.loadUInt32(at: 0) : hostOrderFamily(frame.loadUInt32(at: 0))
            switch family {
            case 2: packet.etherType = 0x0800
            case 10, 24, 28, 30: packet.etherType = 0x86DD  // AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD, macOS
            default: packet.etherType = 0
            }
            offset = 4
        case .raw, .rawBSD, .rawLinkType, .ipv4, .ipv6:
            guard let first = frame.uint8IfPresent(at: 0) else { throw .truncatedLinkHeader }
            packet.etherType = first >> 4 == 6 ? 0x86DD : first >> 4 == 4 ? 0x0800 : 0
            offset = 0
        default:
            throw .unsupportedLinkType
        }

        switch packet.etherType {
        case 0x0806:
            packet.network = .arp
            packet.arp = try ARPPacket.decode(frame, at: offset)
        case 0x0800:
            packet.network = .ipv4
            try decodeIPv4(frame, at: offset, wireLength: wireLength, into: &packet)
        case 0x86DD:
            packet.network = .ipv6
            try decodeIPv6(frame, at: offset, wireLength: wireLength, into: &packet)
        default:
            packet.network = .other
        }
    }

    /// DLT_NULL stores the family in the capturing host's byte order; values are small, so pick the order that is.
    private static func hostOrderFamily(_ bigEndianValue: UInt32) -> UInt32 {
        bigEndianValue <= 0xFFFF ? bigEndianValue : bigEndianValue.byteSwapped
    }

    @inline(__always)
    private static func decodeIPv4(
        _ frame: RawSpan, at offset: Int, wireLength: Int, into packet: inout DecodedPacket
    ) throws(DecodeAnomaly) {
        let header = try IPv4Header.decode(frame, at: offset)
        packet.sourceAddress = header.source
        packet.destinationAddress = header.destination
        packet.ipProtocol = header.ipProtocol
        packet.hopLimit = header.timeToLive
        let available = wireLength - offset
        var totalLength = header.totalLength
        if totalLength < header.headerLength {
            // Zero (TSO on the capturing host) or nonsense: use the frame, and say so.
            record(.ipv4BadTotalLength, in: &packet)
            totalLength = available
        } else if totalLength > available {
            record(.ipv4TotalLengthExceedsFrame, in: &packet)
            totalLength = available
        }
        packet.ipLength = Int32(clamping: totalLength)
        packet.fragment.identification = UInt32(header.identification)
        packet.fragment.moreFragments = header.moreFragments
        packet.fragment.offset = UInt32(header.fragmentOffset)
        packet.fragment.isFragment = header.moreFragments || header.fragmentOffset != 0
        if header.fragmentOffset != 0 { return }  // no transport header in later fragments
        let end = min(frame.byteCount, offset + totalLength)
        try decodeTransport(
            frame.extracting(0..<end), at: offset + header.headerLength,
            wireLength: totalLength - header.headerLength, isVersion6: false, into: &packet)
    }

    private static func decodeIPv6(
        _ frame: RawSpan, at offset: Int, wireLength: Int, into packet: inout DecodedPacket
    ) throws(DecodeAnomaly) {
        let header: IPv6Header
        do {
            header = try IPv6Header.decode(frame, at: offset)
        } catch {
            // Keep the addresses when only an extension header is at fault.
            if error != .truncatedIPv6 && error != .ipv6BadVersion {
                packet.sourceAddress = IPAddress(ipv6: frame, at: offset + 8)
                packet.destinationAddress = IPAddress(ipv6: frame, at: offset + 24)
            }
            throw error
        }
        packet.sourceAddress = header.source
        packet.destinationAddress = header.destination
        packet.ipProtocol = header.upperProtocol
        packet.hopLimit = header.hopLimit
        packet.fragment = header.fragment
        let available = wireLength - offset - 40
        var payloadLength = header.payloadLength
        if payloadLength > available {
            record(.ipv6PayloadLengthExceedsFrame, in: &packet)
            payloadLength = available
        } else if payloadLength == 0 {
            payloadLength = available  // a jumbogram (RFC 2675) or TSO: use the frame
        }
        packet.ipLength = Int32(clamping: 40 + payloadLength)
        if header.fragment.isFragment && header.fragment.offset != 0 { return }
        let end = min(frame.byteCount, offset + 40 + payloadLength)
        let upperLength = offset + 40 + payloadLength - header.upperOffset
        guard upperLength >= 0 else { throw .truncatedIPv6ExtensionHeader }
        try decodeTransport(
            frame.extracting(0..<end), at: header.upperOffset, wireLength: upperLength, isVersion6: true,
            into: &packet)
    }

    /// Decodes TCP, UDP or ICMP at `offset`; `bytes` ends where the IP packet ends (no Ethernet padding).
    @inline(__always)
    private static func decodeTransport(
        _ bytes: RawSpan, at offset: Int, wireLength: Int, isVersion6: Bool, into packet: inout DecodedPacket
    ) throws(DecodeAnomaly) {
        let headerLength: Int
        var payloadLength: Int
        switch packet.ipProtocol {
        case 6:
            // Decoded in place: a whole `TCPHeader` copied in would be read back with wide loads that stall on the
            // narrow stores that built it.
            try TCPHeader.decode(bytes, at: offset, into: &packet.tcp)
            packet.transport = .tcp
            packet.sourcePort = packet.tcp.sourcePort
            packet.destinationPort = packet.tcp.destinationPort
            if packet.tcp.hasBadOption { record(.tcpBadOptionLength, in: &packet) }
            headerLength = packet.tcp.headerLength
            guard headerLength <= wireLength else { throw .tcpBadDataOffset }
            payloadLength = wireLength - headerLength
        case 17:
            guard bytes.contains(offset: offset, length: 8) else { throw .truncatedUDP }
            packet.transport = .udp
            packet.sourcePort = bytes.loadUInt16(at: offset)
            packet.destinationPort = bytes.loadUInt16(at: offset + 2)
            headerLength = 8
            let declared = Int(bytes.loadUInt16(at: offset + 4))
            if declared < 8 || declared > wireLength {
                record(.udpBadLength, in: &packet)
                payloadLength = max(0, wireLength - 8)
            } else {
                payloadLength = declared - 8
            }
        case 1, 58:
            let isICMPv6 = packet.ipProtocol == 58
            let icmp = try ICMPHeader.decode(bytes, at: offset, isVersion6: isICMPv6)
            packet.transport = isICMPv6 ? .icmpv6 : .icmp
            packet.icmp = icmp
            headerLength = 4
            payloadLength = max(0, wireLength - 4)
        default:
            packet.transport = .other
            headerLength = 0
            payloadLength = max(0, wireLength)
        }
        let payloadOffset = offset + headerLength
        packet.payloadOffset = Int32(clamping: payloadOffset)
        packet.payloadWireLength = Int32(clamping: payloadLength)
        let captured = max(0, min(bytes.byteCount - payloadOffset, payloadLength))
        packet.payloadCapturedLength = Int32(clamping: captured)
        if captured < payloadLength { record(.snaplenTruncatedPayload, in: &packet) }
    }

    @inline(__always)
    private static func record(_ anomaly: DecodeAnomaly, in packet: inout DecodedPacket) {
        if packet.anomaly == .none { packet.anomaly = anomaly }
    }
}
