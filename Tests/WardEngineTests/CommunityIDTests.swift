import Foundation
import Testing
import WardTestSupport

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
