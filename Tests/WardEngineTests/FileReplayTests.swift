import Foundation
import Testing
@testable import WardCapture
import WardCore
import WardTestSupport

/// Reading several files as one stream: the merge hands on every packet of every file in time order, whether a file
/// is read ahead on a thread of its own or, past the most that are, on the caller's, and whether packets are asked for
/// one at a time (`next()`) or handed on in a loop (`forEachPacket`).
@Suite struct FileReplayTests {
    typealias Read = PcapRecordReaderTests.Read

    /// Every packet `next()` returns, and the problems met.
    static func packetsOneByOne(_ paths: [String]) throws -> (reads: [Read], problems: [String]) {
        var replay = try FileReplay(paths: paths, filter: nil)
        var reads: [Read] = []
        while let (packet, _) = replay.next() {
            reads.append(.packet(bytes: Array(packet.bytes), wireLength: packet.wireLength, time: packet.time))
        }
        return (reads, replay.problems)
    }

    /// A merge of two files, one of them cut inside a record, and a single whole file give `forEachPacket` the packets
    /// and problems `next()` gives, with progress every four packets, its counts and bytes rising.
    @Test func forEachPacketHandsOnWhatNextReturns() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let whole = directory.appendingPathComponent("whole.pcap")
        try PcapRecordReaderTests.synthetic(nanosecond: false, bigEndian: false, count: 300).write(to: whole)
        let cut = directory.appendingPathComponent("cut.pcap")
        let bytes = try PcapRecordReaderTests.synthetic(nanosecond: true, bigEndian: true, count: 200).bytes
        try Data(bytes[..<(bytes.count - 100)]).write(to: cut)
        for paths in [[whole.path, cut.path], [whole.path]] {
            let expected = try Self.packetsOneByOne(paths)
            var replay = try FileReplay(paths: paths, filter: nil)
            var reads: [Read] = []
            var reports: [(bytes: Int64, packets: UInt64)] = []
            let count = replay.forEachPacket(progressEvery: 4, progress: { reports.append(($0, $1)) }) { packet, _ in
                reads.append(.packet(bytes: Array(packet.bytes), wireLength: packet.wireLength, time: packet.time))
            }
            #expect(reads == expected.reads && count == UInt64(reads.count), "\(paths.count) files")
            #expect(replay.problems == expected.problems && replay.problems.count == paths.count - 1)
            #expect(reports.map(\.packets) == Array(stride(from: 4, through: UInt64(reads.count), by: 4)))
            #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.bytes <= $1.bytes })
            #expect(reports.last.map { $0.bytes > 0 && $0.bytes <= replay.totalBytes } ?? false)
        }
    }

    /// Six copies of one file merged, more than are read ahead at once: four read ahead, two on the caller's thread.
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
