import Foundation
import Testing
@testable import WardCapture
import WardCore
import WardTestSupport

/// The record reader hands on every record exactly as libpcap does: the same bytes, lengths and times, and at a
/// damaged record the same message, and a BPF filter passes the same records. libpcap's reading is the reference.
@Suite struct PcapRecordReaderTests {
    /// What one read gave, copied out of the borrowed bytes.
    enum Read: Equatable {
        case packet(bytes: [UInt8], wireLength: Int, time: PacketTime)
        case end
        case failed(String)
    }

    /// Every read of `path` up to the end or the first failure, through the record reader or through libpcap (a
    /// file libpcap cannot open gives its message, the same either way), with `filter` if given.
    static func reads(
        _ path: String, throughLibpcap: Bool, filter: String? = nil, chunks: ReadChunks? = nil
    ) throws -> (reads: [Read], readsRecordsItself: Bool, readsAhead: Bool) {
        let handle: PcapHandle
        do {
            handle = try PcapHandle.openOffline(
                path: path, libpcapReadsRecords: throughLibpcap, chunks: chunks, readAhead: true)
        } catch {
            return ([.failed(error.message)], false, false)
        }
        if let filter { try handle.setFilter(filter) }
        var reads: [Read] = []
        while true {
            switch handle.next() {
            case .packet(let packet):
                reads.append(.packet(bytes: Array(packet.bytes), wireLength: packet.wireLength, time: packet.time))
                continue
            case .end, .timeout:
                reads.append(.end)
            case .failed(let message):
                reads.append(.failed(message))
            }
            return (reads, handle.readsRecordsItself, handle.readsAhead)
        }
    }

    /// Reads `path` both ways and expects the same; returns whether the record reader was in use (and whether it
    /// read ahead).
    @discardableResult
    static func expectSameReads(
        _ path: String, filter: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (readsRecordsItself: Bool, readsAhead: Bool) {
        let own = try reads(path, throughLibpcap: false, filter: filter)
        let libpcap = try reads(path, throughLibpcap: true, filter: filter)
        #expect(!libpcap.readsRecordsItself, sourceLocation: sourceLocation)
        #expect(own.reads.count == libpcap.reads.count, "\(path)", sourceLocation: sourceLocation)
        if let first = zip(own.reads, libpcap.reads).enumerated().first(where: { $1.0 != $1.1 })?.offset {
            Issue.record(
                "\(path): read \(first + 1) differs: \(own.reads[first]) against libpcap's \(libpcap.reads[first])",
                sourceLocation: sourceLocation)
        }
        return (own.readsRecordsItself, own.readsAhead)
    }

    static let captures: [String] = Fixtures.allCaptures() + (Fixtures.corpusRoot.map { corpus in
        Fixtures.files(under: corpus) { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") || $0.hasSuffix(".cap") }
    } ?? [])

    @Test(arguments: captures)
    func everyCaptureReadsAsLibpcapReadsIt(path: String) throws {
        try Self.expectSameReads(path)
    }

    /// A filter is applied by the record reader as libpcap applies it: the same packets pass.
    @Test(arguments: [
        ("dicom/dicom-ct-study.pcap", "tcp[tcpflags] & tcp-push != 0"),
        ("scenarios/benign-day.pcap", "udp or arp"),
        ("scenarios/benign-day.pcap", "tcp port 445 and greater 200"),
    ])
    func aFilterPassesTheSamePackets(capture: String, filter: String) throws {
        let path = Fixtures.capture(capture)
        #expect(try Self.expectSameReads(path, filter: filter).readsRecordsItself)
        let passed = try Self.reads(path, throughLibpcap: false, filter: filter).reads.count - 1
        let all = try Self.reads(path, throughLibpcap: false).reads.count - 1
        #expect(passed > 0 && passed < all, "the filter passes \(passed) of \(all) packets")
    }

    @Test func classicEthernetFilesAreReadWithoutLibpcapAndPcapngWithIt() throws {
        #expect(try Self.reads(Fixtures.capture("dicom/dicom-ct-study.pcap"), throughLibpcap: false).readsRecordsItself)
        #expect(try !Self.reads(Fixtures.capture("malformed/pcapng-unknown-blocks.pcapng"), throughLibpcap: false)
            .readsRecordsItself)
    }

    /// A file of `count` records of sizes up to 9,000 bytes, several megabytes: records straddle the reader's
    /// buffer, and times include the negative and the largest 32-bit values.
    static func synthetic(
        nanosecond: Bool, bigEndian: Bool, snapshotLength: UInt32 = 65_535, count: Int = 1_500
    ) -> PcapFileWriter {
        var writer = PcapFileWriter(snapshotLength: snapshotLength, nanosecond: nanosecond, bigEndian: bigEndian)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for index in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = Int(state >> 33) % 9_000 + 1
            let frame = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
            let seconds: UInt32 = index % 7 == 0 ? 0xFFFF_FF00 &+ UInt32(index) : 1_700_000_000 &+ UInt32(index)
            let fraction: UInt32 = index % 11 == 0 ? 0x8000_0000 : UInt32(truncatingIfNeeded: state >> 12) % 1_000_000
            writer.append(frame: frame, seconds: seconds, microseconds: fraction,
                          wireLength: index % 5 == 0 ? UInt32(length + 40) : nil)
        }
        return writer
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func bothByteOrdersAndBothPrecisionsReadAsLibpcapReadsThem(nanosecond: Bool, bigEndian: Bool) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("synthetic.pcap")
        try Self.synthetic(nanosecond: nanosecond, bigEndian: bigEndian).write(to: url)
        #expect(try Self.expectSameReads(url.path) == (true, Self.readsAhead))
    }

    /// Read into chunks (released as soon as they are sealed: the reads are copied out at once), a file that fills
    /// many of them reads as libpcap reads it; with a single chunk the reader falls back to a buffer of its own.
    @Test(arguments: [1, 2, 3])
    func readingIntoChunksGivesLibpcapsReads(chunkCount: Int) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("synthetic.pcap")
        try Self.synthetic(nanosecond: false, bigEndian: false).write(to: url)
        for path in [url.path, Fixtures.capture("dicom/dicom-ct-study.pcap")] {
            var sealed = 0
            let chunks = ReadChunks(count: chunkCount, chunkBytes: 0, mark: { sealed += 1; return [] },
                                    isReleased: { _ in true })
            let own = try Self.reads(path, throughLibpcap: false, chunks: chunks)
            let libpcap = try Self.reads(path, throughLibpcap: true)
            #expect(own.readsRecordsItself && !own.readsAhead)
            #expect(own.reads == libpcap.reads, "\(path)")
            // One chunk: sealed once when the reader moves to a buffer of its own; more: sealed in turn, reused.
            #expect(chunkCount == 1 ? sealed == 1 : sealed > 3, "\(path): \(sealed) chunks sealed")
        }
    }

    /// A file of `count` records of up to the longest length libpcap accepts (262,144 bytes; every third that long),
    /// so that records of every size lie across the blocks read ahead.
    static func longRecords(count: Int) -> PcapFileWriter {
        var writer = PcapFileWriter(snapshotLength: PcapRecordReaderTests.longestRecord)
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for index in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = index % 3 == 0 ? Int(longestRecord) : Int(state >> 33) % Int(longestRecord) + 1
            let frame = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index &+ $0 >> 8) }
            writer.append(frame: frame, seconds: 1_700_000_000 &+ UInt32(index), microseconds: UInt32(index))
        }
        return writer
    }

    static let longestRecord: UInt32 = 262_144

    /// Whether files are read ahead here: only where this thread may run on more than one CPU.
    static var readsAhead: Bool { FileReadAhead.allowedCPUs() > 1 }

    @Test func recordsOfTheLongestLengthReadAheadAsLibpcapReadsThem() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("long-records.pcap")
        try Self.longRecords(count: 48).write(to: url)
        #expect(try Self.expectSameReads(url.path) == (true, Self.readsAhead))
    }

    /// A file that fits in the reader's first read is not read ahead: there is nothing left to read.
    @Test func aFileThatFitsInTheFirstReadIsNotReadAhead() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("small.pcap")
        let writer = Self.synthetic(nanosecond: false, bigEndian: false, count: 8)
        #expect(writer.bytes.count < 65_536)
        try writer.write(to: url)
        #expect(try Self.expectSameReads(url.path) == (true, false))
    }

    /// Read ahead, a file cut short anywhere in its last records, and where a block read ahead ends (the first read,
    /// of 64 KiB after the file header, is the reader's own; blocks of a megabyte follow), stops as libpcap stops.
    @Test func aFileReadAheadAndCutAnywhereStopsWithLibpcapsMessage() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let whole = Self.synthetic(nanosecond: false, bigEndian: false).bytes
        let url = directory.appendingPathComponent("cut.pcap")
        let blockEnds = [1, 2, 3].map { 24 + 65_536 + $0 << 20 }
        let cuts = blockEnds.flatMap { [$0 - 17, $0 - 1, $0, $0 + 1, $0 + 16] }
            + Array(stride(from: whole.count - 1, to: whole.count - 20_000, by: -1_999))
        #expect(whole.count > blockEnds.last! + 16)
        for cut in cuts {
            try Data(whole[..<cut]).write(to: url)
            #expect(try Self.expectSameReads(url.path) == (true, Self.readsAhead), "cut at \(cut)")
        }
    }

    /// Six files read ahead at once, a packet from each in turn as a merge reads them, read as libpcap reads them;
    /// two are closed halfway, their reading ahead stopped.
    @Test func filesReadAheadAtOnceReadAsLibpcapReadsThem() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("synthetic.pcap")
        try Self.synthetic(nanosecond: true, bigEndian: false).write(to: url)
        let expected = try Self.reads(url.path, throughLibpcap: true).reads
        let closedAfter = 700
        var handles: [PcapHandle?] = try (0..<6).map { _ in
            try PcapHandle.openOffline(path: url.path, readAhead: true)
        }
        var reads = Array(repeating: [Read](), count: handles.count)
        var readingAhead = 0
        var open = Set(handles.indices)
        while !open.isEmpty {
            for index in open.sorted() {
                var ended = true
                switch handles[index]!.next() {
                case .packet(let packet):
                    reads[index].append(
                        .packet(bytes: Array(packet.bytes), wireLength: packet.wireLength, time: packet.time))
                    ended = false
                case .end, .timeout:
                    reads[index].append(.end)
                case .failed(let message):
                    reads[index].append(.failed(message))
                }
                if ended || index < 2 && reads[index].count == closedAfter {
                    handles[index] = nil
                    open.remove(index)
                }
            }
            readingAhead = max(readingAhead, handles.filter { $0?.readsAhead == true }.count)
        }
        #expect(reads[..<2].allSatisfy { $0 == Array(expected.prefix(closedAfter)) })
        #expect(reads[2...].allSatisfy { $0 == expected })
        #expect(readingAhead == (Self.readsAhead ? 6 : 0), "\(readingAhead) files read ahead at once")
    }

    @Test func recordsLongerThanTheSnapshotAreCutToItAsLibpcapCutsThem() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("over-snapshot.pcap")
        try Self.synthetic(nanosecond: false, bigEndian: false, snapshotLength: 600, count: 400).write(to: url)
        #expect(try Self.expectSameReads(url.path).readsRecordsItself)
    }

    /// Cut short at every offset of its last records (inside a record header, inside the snapshot, past it), a file
    /// stops with libpcap's message.
    @Test func aFileCutAnywhereStopsWithLibpcapsMessage() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let whole = Self.synthetic(nanosecond: false, bigEndian: false, snapshotLength: 600, count: 40).bytes
        let url = directory.appendingPathComponent("cut.pcap")
        for cut in stride(from: whole.count - 1, to: max(24, whole.count - 30_000), by: -37) {
            try Data(whole[..<cut]).write(to: url)
            #expect(try Self.expectSameReads(url.path).readsRecordsItself, "cut at \(cut)")
        }
    }

    @Test(arguments: [(UInt32(65_535), UInt32(300_000)), (0x7FFF_FFFF, 300_000), (0, 262_145)])
    func anInsaneCapturedLengthStopsWithLibpcapsMessage(snapshotLength: UInt32, capturedLength: UInt32) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var writer = PcapFileWriter(snapshotLength: snapshotLength)
        writer.append(frame: [1, 2, 3], seconds: 1, microseconds: 2)
        writer.append(frame: [4, 5, 6], seconds: 3, microseconds: 4, capturedLength: capturedLength)
        let url = directory.appendingPathComponent("insane.pcap")
        try writer.write(to: url)
        #expect(try Self.expectSameReads(url.path).readsRecordsItself)
        guard case .failed(let message) = try Self.reads(url.path, throughLibpcap: false).reads.last else {
            Issue.record("the file was read to its end")
            return
        }
        #expect(message.hasPrefix("invalid packet capture length \(capturedLength)"))
    }
}
