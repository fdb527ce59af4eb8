import Testing
import WardCore
import WardPacket
import WardTestSupport

/// Ethernet + IPv4 + TCP SYN to 445 with MSS, window scale and SACK-permitted options (66 bytes).
let synFrame = hex(
    """
    020000000002 020000000001 0800
    4500 0034 0001 4000 4006 0000 c0000201 c6336401
    c350 01bd 00000001 00000000 8002 ffff 0000 0000
    020405b4 01030307 0402 0000
    """)

func decode(_ bytes: [UInt8], wireLength: Int? = nil, linkType: LinkType = .ethernet) -> DecodedPacket {
    bytes.withUnsafeBytes { raw in
        PacketDecoder.decode(raw.bytes, wireLength: wireLength ?? bytes.count, linkType: linkType)
    }
}

@Suite struct PacketDecoderTests {
    @Test func decodesTCPSYNWithOptions() {
        let packet = decode(synFrame)
        #expect(packet.anomaly == .none)
        #expect(packet.network == .ipv4)
        #expect(packet.transport == .tcp)
        #expect(packet.sourceMAC.description == "02:00:00:00:00:01")
        #expect(packet.sourceAddress.description == "192.0.2.1")
        #expect(packet.destinationAddress.description == "198.51.100.1")
        #expect(packet.sourcePort == 50_000)
        #expect(packet.destinationPort == 445)
        #expect(packet.tcp.flags == .syn)
        #expect(packet.tcp.maximumSegmentSize == 1460)
        #expect(packet.tcp.windowScale == 7)
        #expect(packet.tcp.sackPermitted)
        #expect(packet.payloadWireLength == 0)
        #expect(packet.ipLength == 52)
    }

    /// Every field of the fixed IPv4 and TCP headers holds a distinct value, so that a field cut from the wrong bits of
    /// the words the decoder reads shows.
    @Test func decodesEveryFixedHeaderField() {
        let frame = hex(
            """
            020000000002 020000000001 0800
            4500 0034 beef 2000 3f06 0000 c0000201 c6336401
            c350 01bd 12345678 9abcdef0 8018 fa0b 0000 0000
            01010101 01010101 01010101
            """)
        let packet = decode(frame)
        #expect(packet.anomaly == .none)
        #expect(packet.ipLength == 52)
        #expect(packet.hopLimit == 0x3F)
        #expect(packet.ipProtocol == 6)
        #expect(packet.fragment.identification == 0xBEEF)
        #expect(packet.fragment.moreFragments)
        #expect(packet.fragment.offset == 0)
        #expect(packet.sourcePort == 0xC350)
        #expect(packet.destinationPort == 0x01BD)
        #expect(packet.tcp.sequenceNumber == 0x1234_5678)
        #expect(packet.tcp.acknowledgementNumber == 0x9ABC_DEF0)
        #expect(packet.tcp.headerLength == 32)
        #expect(packet.tcp.flags == [.psh, .ack])
        #expect(packet.tcp.window == 0xFA0B)
        #expect(packet.payloadWireLength == 0)
    }

    /// The usual options of a segment after the handshake (NOP, NOP, timestamps) are recognised by one word; other
    /// 12-byte option lists, malformed ones among them, are still walked and give what the walk gives.
    @Test(arguments: [
        ("0101080a 00000001 00000002", true, false),  // NOP NOP timestamps: the one-word path
        ("080a0000 00010000 00020101", true, false),  // timestamps NOP NOP: walked
        ("01010809 00000001 00000002", false, true),  // a timestamps option of length 9 overruns: bad
        ("0101080b 00000001 00000002", false, true),  // a length of 11 runs past the header: bad
        ("01010101 01010101 01010101", false, false),  // no-operations only
    ])
    func readsTwelveBytesOfOptions(options: String, timestamps: Bool, bad: Bool) {
        let frame = hex(
            """
            020000000002 020000000001 0800
            4500 0034 0001 4000 4006 0000 c0000201 c6336401
            c350 01bd 00000001 00000000 8010 ffff 0000 0000
            \(options)
            """)
        let packet = decode(frame)
        #expect(packet.tcp.headerLength == 32)
        #expect(packet.tcp.hasTimestamps == timestamps)
        #expect(packet.tcp.hasBadOption == bad)
        #expect(packet.anomaly == (bad ? .tcpBadOptionLength : .none))
        #expect(packet.destinationPort == 445)
    }

    @Test func decodesQinQUDP() {
        let frame = hex(
            """
            ffffffffffff 020000000001 88a8 0064 8100 000a 0800
            4500 0021 0002 0000 4011 0000 c0000201 c0000202
            0035 0035 000d 0000 6869 6a6b 6c
            """)
        let packet = decode(frame)
        #expect(packet.anomaly == .none)
        #expect(packet.vlan.outer == 100)
        #expect(packet.vlan.inner == 10)
        #expect(packet.transport == .udp)
        #expect(packet.payloadWireLength == 5)
        #expect(packet.payloadCapturedLength == 5)
    }

    @Test func ignoresEthernetPaddingAfterTheIPPacket() {
        // A 60-byte minimum frame carrying a 40-byte IPv4/TCP ACK: the padding is not payload.
        var frame = hex("020000000002 020000000001 0800 4500 0028 0003 4000 4006 0000 c0000201 c6336401")
        frame += hex("c350 01bd 00000002 00000005 5010 ffff 0000 0000") + [UInt8](repeating: 0, count: 6)
        let packet = decode(frame)
        #expect(packet.anomaly == .none)
        #expect(packet.payloadWireLength == 0)
        #expect(packet.payloadCapturedLength == 0)
    }

    @Test func decodesARPReply() {
        let frame = hex(
            """
            020000000001 020000000002 0806
            0001 0800 06 04 0002 020000000002 c0000202 020000000001 c0000201
            """)
        let packet = decode(frame)
        #expect(packet.network == .arp)
        #expect(packet.arp.operation == 2)
        #expect(packet.arp.senderMAC.description == "02:00:00:00:00:02")
        #expect(packet.arp.senderAddress.description == "192.0.2.2")
        #expect(packet.arp.targetAddress.description == "192.0.2.1")
    }

    @Test func walksIPv6ExtensionHeadersToUDP() {
        let frame = hex(
            """
            333300000001 020000000001 86dd
            6000 0000 0020 00 40 20010db8000000000000000000000001 ff020000000000000000000000000001
            3a00 0000 0000 0000
            """)
        // hop-by-hop (8 bytes) whose next header says ICMPv6 (58): echo request with identifier 0x1234
        let icmp = hex("8000 0000 1234 0001") + [UInt8](repeating: 0x61, count: 16)
        let packet = decode(frame.prefix(14 + 40) + hex("3a00 0000 0000 0000") + icmp)
        #expect(packet.anomaly == .none)
        #expect(packet.network == .ipv6)
        #expect(packet.transport == .icmpv6)
        #expect(packet.icmp.type == 128)
        #expect(packet.icmp.echoIdentifier == 0x1234)
        #expect(packet.sourceAddress.description == "2001:db8::1")
    }

    @Test func stopsAtNonFirstIPv6Fragment() {
        var frame = hex("333300000001 020000000001 86dd 6000 0000 0010 2c 40")
        frame += hex("20010db8000000000000000000000001 20010db8000000000000000000000002")
        frame += hex("1100 0009 deadbeef") + [UInt8](repeating: 0, count: 8)  // fragment offset 8, more fragments
        let packet = decode(frame)
        #expect(packet.anomaly == .none)
        #expect(packet.fragment.isFragment)
        #expect(packet.fragment.offset == 8)
        #expect(packet.transport == .none)
        #expect(packet.ipProtocol == 17)
    }

    @Test func decodesLinuxCookedV1AndV2() {
        let sll = hex("0000 0001 0006 020000000001 0000 0800") + Array(synFrame.dropFirst(14))
        let v1 = decode(sll, linkType: .linuxSLL)
        #expect(v1.anomaly == .none)
        #expect(v1.sourceMAC.description == "02:00:00:00:00:01")
        #expect(v1.destinationPort == 445)
        let sll2 = hex("0800 0000 00000002 0001 00 06 020000000001 0000") + Array(synFrame.dropFirst(14))
        let v2 = decode(sll2, linkType: .linuxSLL2)
        #expect(v2.anomaly == .none)
        #expect(v2.sourceMAC.description == "02:00:00:00:00:01")
        #expect(v2.transport == .tcp)
    }

    @Test func decodesRawIPAndBSDLoopback() {
        let raw = decode(Array(synFrame.dropFirst(14)), linkType: .raw)
        #expect(raw.transport == .tcp)
        let loopback = decode([2, 0, 0, 0] + Array(synFrame.dropFirst(14)), linkType: .null)
        #expect(loopback.transport == .tcp)
        #expect(decode(synFrame, linkType: LinkType(rawValue: 147)).anomaly == .unsupportedLinkType)
    }

    /// Every prefix of a valid frame decodes without trapping and names the layer that was cut.
    @Test(arguments: 0..<66)
    func truncationSweepNamesTheCutLayer(length: Int) {
        let packet = decode(Array(synFrame.prefix(length)), wireLength: synFrame.count)
        switch length {
        case ..<14: #expect(packet.anomaly == .truncatedLinkHeader)
        case ..<34: #expect(packet.anomaly == .truncatedIPv4)
        default: #expect(packet.anomaly == .truncatedTCP)
        }
    }

    @Test func reportsHostileLengthsWithoutTrapping() {
        var badIHL = synFrame
        badIHL[14] = 0x4F  // IHL 60 bytes, frame too short for it
        #expect(decode(Array(badIHL.prefix(60))).anomaly == .truncatedIPv4)
        var tinyIHL = synFrame
        tinyIHL[14] = 0x42
        #expect(decode(tinyIHL).anomaly == .ipv4BadHeaderLength)
        var longTotal = synFrame
        longTotal[16] = 0xFF
        let long = decode(longTotal)
        #expect(long.anomaly == .ipv4TotalLengthExceedsFrame)
        #expect(long.transport == .tcp)
        var badOffset = synFrame
        badOffset[46] = 0x20  // data offset 8 bytes
        #expect(decode(badOffset).anomaly == .tcpBadDataOffset)
        var badOption = synFrame
        badOption[55] = 0x00  // MSS option with length 0
        #expect(decode(badOption).anomaly == .tcpBadOptionLength)
        var version = synFrame
        version[14] = 0x65
        #expect(decode(version).anomaly == .ipv4BadVersion)
    }

    @Test func boundsStackedTags() {
        var frame = hex("ffffffffffff 020000000001")
        for _ in 0..<9 { frame += hex("8100 0001") }
        frame += hex("0800") + Array(synFrame.dropFirst(14))
        #expect(decode(frame).anomaly == .tooManyVLANTags)
    }

    @Test func boundsIPv6ExtensionHeaderChains() {
        var frame = hex("333300000001 020000000001 86dd 6000 0000 0050 00 40")
        frame += hex("20010db8000000000000000000000001 20010db8000000000000000000000002")
        for _ in 0..<10 { frame += hex("0000 0000 0000 0000") }  // ten hop-by-hop headers chained
        #expect(decode(frame).anomaly == .tooManyIPv6ExtensionHeaders)
    }

    @Test func flagsBadUDPLengthButKeepsPorts() {
        let frame = hex(
            "020000000002 020000000001 0800 4500 0021 0002 0000 4011 0000 c0000201 c0000202 0035 0035 0003 0000 68696a6b6c")
        let packet = decode(frame)
        #expect(packet.anomaly == .udpBadLength)
        #expect(packet.destinationPort == 53)
        #expect(packet.payloadWireLength == 5)
    }

    @Test func decodesSNAPEncapsulatedARP() {
        let frame = hex(
            """
            ffffffffffff 020000000001 0026 aaaa03 000000 0806
            0001 0800 06 04 0001 020000000001 c0000201 000000000000 c0000202
            """)
        let packet = decode(frame)
        #expect(packet.network == .arp)
        #expect(packet.arp.targetAddress.description == "192.0.2.2")
    }
}
