import Testing
import WardCore
import WardFlows
import WardPacket
import WardTestSupport

private let client: (UInt32, UInt16) = (0xC000_0201, 50_000)  // 192.0.2.1
private let server: (UInt32, UInt16) = (0xC633_6401, 445)  // 198.51.100.1

private enum Flag {
    static let fin: UInt8 = 0x01
    static let syn: UInt8 = 0x02
    static let rst: UInt8 = 0x04
    static let psh: UInt8 = 0x08
    static let ack: UInt8 = 0x10
}

/// One segment of a scripted conversation: who sends, which flags, how much data.
private struct Segment {
    let fromClient: Bool
    let flags: UInt8
    var payload = 0
    /// A retransmission: same sequence number as that side's previous segment.
    var retransmitted = false
}

private func frame(_ segment: Segment, sequence: UInt32) -> [UInt8] {
    segment.fromClient
        ? FrameBuilder.tcp(
            source: client, destination: server, flags: segment.flags, sequence: sequence,
            payload: [UInt8](repeating: 0x41, count: segment.payload))
        : FrameBuilder.tcp(
            source: server, destination: client, flags: segment.flags, sequence: sequence,
            payload: [UInt8](repeating: 0x42, count: segment.payload), sourceMAC: 0x0200_0000_0002,
            destinationMAC: 0x0200_0000_0001)
}

/// Runs the segments through a table one millisecond apart and returns the single resulting flow.
private func play(_ segments: [Segment]) -> FlowRecord {
    var table = FlowTable()
    var clientSequence: UInt32 = 1000
    var serverSequence: UInt32 = 5000
    var slot: Int32 = -1
    var previousClient = clientSequence
    var previousServer = serverSequence
    for (index, segment) in segments.enumerated() {
        if segment.retransmitted {
            if segment.fromClient { clientSequence = previousClient } else { serverSequence = previousServer }
        }
        if segment.fromClient { previousClient = clientSequence } else { previousServer = serverSequence }
        let sequence = segment.fromClient ? clientSequence : serverSequence
        let bytes = frame(segment, sequence: sequence)
        let advance = UInt32(segment.payload) + (segment.flags & (Flag.syn | Flag.fin) != 0 ? 1 : 0)
        if segment.fromClient { clientSequence &+= advance } else { serverSequence &+= advance }
        var packet = bytes.withUnsafeBytes {
            PacketDecoder.decode($0.bytes, wireLength: bytes.count, linkType: .ethernet)
        }
        slot = table.update(
            with: &packet, frameLength: bytes.count, at: PacketTime(nanoseconds: Int64(index) * 1_000_000))
    }
    return table.flow(at: slot)
}

@Suite struct ConnectionStateTests {
    private static let handshake = [
        Segment(fromClient: true, flags: Flag.syn), Segment(fromClient: false, flags: Flag.syn | Flag.ack),
        Segment(fromClient: true, flags: Flag.ack),
    ]
    private static let exchange = [
        Segment(fromClient: true, flags: Flag.psh | Flag.ack, payload: 10),
        Segment(fromClient: false, flags: Flag.ack),
        Segment(fromClient: false, flags: Flag.psh | Flag.ack, payload: 20),
    ]

    @Test func normalCloseIsSF() {
        let flow = play(
            Self.handshake + Self.exchange + [
                Segment(fromClient: true, flags: Flag.fin | Flag.ack), Segment(fromClient: false, flags: Flag.fin | Flag.ack),
                Segment(fromClient: true, flags: Flag.ack),
            ])
        #expect(flow.connectionState == .sf)
        #expect(flow.history.text == "ShADadFf")
        #expect(flow.originatorAddress.description == "192.0.2.1")
        #expect(flow.originator.packets == 5)
        #expect(flow.responder.packets == 4)
        #expect(flow.originator.payloadBytes == 10)
        #expect(flow.responder.payloadBytes == 20)
    }

    @Test func establishedOnlyIsS1() {
        #expect(play(Self.handshake + Self.exchange).connectionState == .s1)
    }

    @Test func synAnsweredByRSTIsREJ() {
        let flow = play([Segment(fromClient: true, flags: Flag.syn), Segment(fromClient: false, flags: Flag.rst | Flag.ack)])
        #expect(flow.connectionState == .rej)
        #expect(flow.history.text == "Sr")
    }

    @Test func unansweredSYNIsS0() {
        let flow = play([
            Segment(fromClient: true, flags: Flag.syn), Segment(fromClient: true, flags: Flag.syn, retransmitted: true),
        ])
        #expect(flow.connectionState == .s0)
        #expect(flow.originator.packets == 2)
    }

    @Test func resetsAfterDataAreRSTOAndRSTR() {
        #expect(play(Self.handshake + Self.exchange + [Segment(fromClient: true, flags: Flag.rst)]).connectionState == .rsto)
        #expect(play(Self.handshake + Self.exchange + [Segment(fromClient: false, flags: Flag.rst)]).connectionState == .rstr)
    }

    @Test func synThenRSTWithoutAnswerIsRSTOS0() {
        #expect(play([Segment(fromClient: true, flags: Flag.syn), Segment(fromClient: true, flags: Flag.rst)]).connectionState == .rstos0)
    }

    @Test func synThenFINWithoutAnswerIsSH() {
        #expect(play([Segment(fromClient: true, flags: Flag.syn), Segment(fromClient: true, flags: Flag.fin)]).connectionState == .sh)
    }

    @Test func closeByOneSideIsS2OrS3() {
        #expect(play(Self.handshake + Self.exchange + [Segment(fromClient: true, flags: Flag.fin | Flag.ack)]).connectionState == .s2)
        #expect(play(Self.handshake + Self.exchange + [Segment(fromClient: false, flags: Flag.fin | Flag.ack)]).connectionState == .s3)
    }

    @Test func missedSYNFlipsToSYNACKReceiverAsOriginator() {
        // The capture starts at the SYN-ACK: its receiver (the client) is still the originator, history starts '^'.
        let flow = play([
            Segment(fromClient: false, flags: Flag.syn | Flag.ack), Segment(fromClient: true, flags: Flag.ack),
            Segment(fromClient: true, flags: Flag.psh | Flag.ack, payload: 5),
        ])
        #expect(flow.originatorAddress.description == "192.0.2.1")
        #expect(flow.history.text.hasPrefix("^h"))
    }

    @Test func midstreamTrafficIsOTH() {
        #expect(play(Self.exchange).connectionState == .oth)
    }

    @Test func retransmittedDataIsMarked() {
        let flow = play(Self.handshake + [
            Segment(fromClient: true, flags: Flag.psh | Flag.ack, payload: 10),
        ])
        #expect(!flow.history.text.contains("T"))
        var table = FlowTable()
        for repeatIndex in 0..<2 {
            let bytes = frame(Segment(fromClient: true, flags: Flag.psh | Flag.ack, payload: 10), sequence: 77)
            var packet = bytes.withUnsafeBytes { PacketDecoder.decode($0.bytes, wireLength: bytes.count, linkType: .ethernet) }
            _ = table.update(with: &packet, frameLength: bytes.count, at: PacketTime(nanoseconds: Int64(repeatIndex)))
        }
        #expect(table.count == 1)
        let record = table.removeFlow(at: table.slotsInFirstSeenOrder()[0])
        #expect(record.history.text.contains("T"))
    }
}

@Suite struct FlowTableBoundsTests {
    private func udpPacket(port: UInt16) -> ([UInt8], DecodedPacket) {
        let bytes = FrameBuilder.udp(source: (0xC000_0201, port), destination: (0xC633_6401, 53), payload: [1, 2, 3])
        return (bytes, bytes.withUnsafeBytes { PacketDecoder.decode($0.bytes, wireLength: bytes.count, linkType: .ethernet) })
    }

    @Test func flowRecordFitsTheDocumentedBudget() {
        #expect(MemoryLayout<FlowRecord>.stride <= 256)
    }

    @Test func evictsLeastRecentlyActiveAtCapacity() {
        var configuration = FlowTableConfiguration()
        configuration.maximumFlows = 100
        var table = FlowTable(configuration: configuration)
        var evicted = 0
        for port in 0..<1000 {
            var (bytes, packet) = udpPacket(port: UInt16(1024 + port))
            _ = table.update(with: &packet, frameLength: bytes.count, at: PacketTime(nanoseconds: Int64(port)))
            if let ended = table.ended {
                #expect(table.endedReason == .evicted)
                #expect(ended.originatorPort == UInt16(1024 + evicted))  // oldest first
                evicted += 1
            }
            #expect(table.count <= 100)
        }
        #expect(evicted == 900)
        #expect(table.evictions == 900)
    }

    @Test func startsAnewAfterTheTimeoutWhateverExpiryDid() {
        var configuration = FlowTableConfiguration()
        configuration.udpTimeout = 60
        var table = FlowTable(configuration: configuration)
        var (bytes, packet) = udpPacket(port: 4000)
        _ = table.update(with: &packet, frameLength: bytes.count, at: PacketTime(nanoseconds: 0))
        _ = table.update(with: &packet, frameLength: bytes.count, at: PacketTime(nanoseconds: 59_000_000_000))
        #expect(table.ended == nil)
        _ = table.update(with: &packet, frameLength: bytes.count, at: PacketTime(nanoseconds: 120_000_000_001))
        let ended = table.ended
        #expect(ended?.originator.packets == 2)
        #expect(table.endedReason == .idle)
        #expect(table.popExpired(at: PacketTime(nanoseconds: 150_000_000_000)) == nil)
        let expired = table.popExpired(at: PacketTime(nanoseconds: 181_000_000_000))
        #expect(expired?.record.originator.packets == 1)
        #expect(table.count == 0)
    }

    @Test func tracksHostsPeersAndServices() {
        var table = FlowTable()
        let exchange = [
            FrameBuilder.udp(source: (0xC000_0201, 5000), destination: (0xC633_6401, 53)),
            FrameBuilder.udp(source: (0xC633_6401, 53), destination: (0xC000_0201, 5000)),
            FrameBuilder.udp(source: (0xC000_0201, 5001), destination: (0xC633_6402, 123)),
        ]
        for (index, bytes) in exchange.enumerated() {
            var packet = bytes.withUnsafeBytes { PacketDecoder.decode($0.bytes, wireLength: bytes.count, linkType: .ethernet) }
            _ = table.update(with: &packet, frameLength: bytes.count, at: PacketTime(nanoseconds: Int64(index)))
        }
        for slot in table.slotsInFirstSeenOrder() { _ = table.removeFlow(at: slot) }
        let client = table.hosts.host(for: IPAddress("192.0.2.1")!)
        #expect(client?.distinctPeers == 2)
        #expect(client?.sent.packets == 2)
        #expect(client?.received.packets == 1)
        #expect(client?.mac.description == "02:00:00:00:00:01")
        let dns = table.hosts.host(for: IPAddress("198.51.100.1")!)
        #expect(dns?.servicesOffered.services.map(\.port) == [53])
        // 198.51.100.2 never answered, so it offers nothing.
        #expect(table.hosts.host(for: IPAddress("198.51.100.2")!)?.servicesOffered.count == 0)
    }

    @Test func boundsHostTableByEviction() {
        var hosts = HostTable(maximumHosts: 10, maximumPeerPairs: 10, maximumMACs: 10)
        for value in 0..<100 {
            _ = hosts.reference(for: IPAddress(ipv4: UInt32(value)), at: PacketTime(nanoseconds: Int64(value)))
            #expect(hosts.count <= 10)
        }
        #expect(hosts.evictions == 90)
    }

    @Test func busiestHostsAreTheFirstOfAllHostsInTheReportOrder() {
        var hosts = HostTable(maximumHosts: 1000, maximumPeerPairs: 10, maximumMACs: 10)
        // Byte counts with many ties (value % 7), so that the lower address must decide between equals.
        for value in 0..<300 {
            let address = IPAddress(ipv4: 0x0A00_0000 | UInt32((value * 37) % 300))
            let reference = hosts.reference(for: address, at: PacketTime(nanoseconds: Int64(value)))
            hosts.recordReceived(by: reference, bytes: (value % 7) * 100, at: PacketTime(nanoseconds: Int64(value)))
        }
        let ordered = hosts.allHosts.sorted { HostRecord.isBusier($0, than: $1) }
        for count in [0, 1, 10, 299, 300, 400] {
            let busiest = hosts.busiestHosts(count)
            #expect(busiest.map(\.address) == ordered.prefix(count).map(\.address))
        }
        #expect(ordered.first?.received.bytes == 600)
    }
}

@Suite struct PortReuseTests {
    @Test func aSYNWithANewInitialSequenceStartsANewConnection() {
        var table = FlowTable()
        let first = FrameBuilder.tcp(source: client, destination: server, flags: Flag.syn, sequence: 1000)
        let reused = FrameBuilder.tcp(source: client, destination: server, flags: Flag.syn, sequence: 777_777)
        for (index, bytes) in [first, first, reused].enumerated() {
            var packet = bytes.withUnsafeBytes { PacketDecoder.decode($0.bytes, wireLength: bytes.count, linkType: .ethernet) }
            _ = table.update(with: &packet, frameLength: bytes.count, at: PacketTime(nanoseconds: Int64(index) * 1_000_000))
            if index < 2 { #expect(table.ended == nil) }
        }
        #expect(table.ended?.originator.packets == 2)  // the retransmitted SYN stayed in the first connection
        #expect(table.count == 1)
    }
}
