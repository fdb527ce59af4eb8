import Foundation
import Testing
@testable import WardCapture
import WardCore
import WardTestSupport

/// Reading several files as one stream: the merge hands on every packet of every file in time order, whether a file
/// is read ahead on a thread of its own or, past the most that are, on the caller's.
@Suite struct FileReplayTests {
    @Test func aMergeOfMoreFilesThanAreReadAheadReadsEveryPacketInTimeOrder() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = directory.appendingPathComponent("tap-0.pcap")
        try PcapRecordReaderTests.longRecords(count: 24).write(to: original)
        let count = FileReplay.mostReadAhead + 2
        var paths = [original.path]
        for tap in 1..<count {
            let link = directory.appendingPathComponent("tap-\(tap).pcap")
            try FileManager.default.linkItem(at: original, to: link)
            paths.append(link.path)
        }
        let packets = try PcapRecordReaderTests.reads(original.path, throughLibpcap: true).reads.dropLast()
        var replay = try FileReplay(paths: paths, filter: nil)
        var merged: [PcapRecordReaderTests.Read] = []
        while let (packet, _) = replay.next() {
            merged.append(.packet(bytes: Array(packet.bytes), wireLength: packet.wireLength, time: packet.time))
        }
        // The files are the same: each packet comes once from every file before the next packet's time.
        #expect(merged == packets.flatMap { Array(repeating: $0, count: count) })
        #expect(replay.problems.isEmpty)
    }
}
