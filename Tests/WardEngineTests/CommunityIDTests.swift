import Foundation
import Testing
import WardCore
import WardFlows
import WardPacket
import WardTestSupport

@testable import WardOutput

/// `network.community_id` equals the Community ID v1 that other tools compute for the same flow (a published test
/// vector), whichever direction the flow was first seen in.
@Suite struct CommunityIDTests {
    func communityID(of frames: [[UInt8]]) throws -> String? {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var writer = PcapFileWriter()
        for (index, frame) in frames.enumerated() { writer.append(frame: frame, seconds: 1, microseconds: UInt32(index)) }
        let path = directory.appendingPathComponent("flow.pcap")
        try writer.write(to: path)
        let (_, events) = try ReplayHarness.replay([path.path])
        let flow = events.first { ($0["event"] as? [String: Any])?["dataset"] as? String == "wardwatch.flow" }
        return (flow?["network"] as? [String: Any])?["community_id"] as? String
    }

    @Test func matchesThePublishedVector() throws {
        // tcp 1.2.3.4:4584 → 43.3.132.3:3483 is 1:koNcqhFRD5kb254ZrLsdv630jCM= (e.g. Tenzir's community_id docs).
        let forward = FrameBuilder.tcp(source: (0x0102_0304, 4584), destination: (0x2B03_8403, 3483), flags: 0x02)
        #expect(try communityID(of: [forward]) == "1:koNcqhFRD5kb254ZrLsdv630jCM=")
        let backward = FrameBuilder.tcp(source: (0x2B03_8403, 3483), destination: (0x0102_0304, 4584), flags: 0x12)
        #expect(try communityID(of: [backward]) == "1:koNcqhFRD5kb254ZrLsdv630jCM=")
    }
}

/// The output thread's per-flow cache of Community IDs gives every flow its own identifier, also when flows share a
/// cache slot (here all of them: one slot).
@Suite struct CommunityIDCacheTests {
    /// A TCP or UDP flow from 192.0.2.1:`port` to 198.51.100.1:445, or an ICMP echo when `icmp`.
    private static func flow(port: UInt16, icmp: Bool = false) -> FlowRecord {
        // ICMP echo request: type 8, code 0, checksum, identifier, sequence 1.
        let echo: [UInt8] = [8, 0, 0, 0, UInt8(port >> 8), UInt8(port & 0xFF), 0, 1]
        let frame =
            icmp
            ? FrameBuilder.ethernetIPv4(
                protocolNumber: 1, source: 0xC000_0201, destination: 0xC633_6401, body: echo,
                sourceMAC: 0x0200_0000_0001, destinationMAC: 0x0200_0000_0002)
            : FrameBuilder.tcp(source: (0xC000_0201, port), destination: (0xC633_6401, 445), flags: 0x02)
        var table = FlowTable()
        var packet = frame.withUnsafeBytes {
            PacketDecoder.decode($0.bytes, wireLength: frame.count, linkType: .ethernet)
        }
        let slot = table.update(with: &packet, frameLength: frame.count, at: PacketTime(nanoseconds: 1))
        return table.flow(at: slot)
    }

    @Test func everyFlowKeepsItsOwnIdentifierThroughASharedSlot() {
        var cache = CommunityIDCache(slots: 1)
        let flows = [Self.flow(port: 50_000), Self.flow(port: 50_001), Self.flow(port: 7, icmp: true)]
        for _ in 0..<2 {
            for flow in flows {
                // A flow record and its protocol records' identity give the same identifier, cached or not.
                let direct = CommunityID.text(of: flow).span.withUnsafeBytes { Array($0) }
                #expect(CommunityID.text(of: flow.identity).span.withUnsafeBytes { Array($0) } == direct)
                #expect(cache.text(of: flow, uid: flow.uid).span.withUnsafeBytes { Array($0) } == direct)
                #expect(cache.text(of: flow.identity, uid: flow.uid).span.withUnsafeBytes { Array($0) } == direct)
            }
        }
        #expect(CommunityID.of(flows[0]) != CommunityID.of(flows[1]))
    }
}
