import Testing
import WardCore
import WardSMB2
import WardTestSupport

/// FramerVerifier-style checks (after NIO's `ByteToMessageDecoderVerifier`): the records must not depend on chunking.
@Suite struct SMB2FramerTests {
    /// A full session: negotiate, NTLM session setup, tree connect, a file written (big WRITE streamed), read,
    /// renamed and closed, a compound, a transform, logoff.
    static func session() -> [Segment] {
        let blob = SMB2Builder.ntlmAuthenticate(user: "u", domain: "D", workstation: "W")
        let random = (0..<70_000).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
        var segments = [
            Segment(direction: .originator, bytes: SMB2Builder.nbss(SMB2Builder.negotiateRequest(messageID: 0, dialects: [0x0210, 0x0311]))),
            Segment(direction: .responder, bytes: SMB2Builder.nbss(SMB2Builder.negotiateResponse(messageID: 0, dialect: 0x0311, securityMode: 1, capabilities: 0x40))),
            Segment(direction: .originator, bytes: SMB2Builder.nbss(SMB2Builder.sessionSetupRequest(messageID: 1, blob: blob))),
            Segment(direction: .responder, bytes: SMB2Builder.nbss(SMB2Builder.sessionSetupResponse(messageID: 1, status: 0, flags: 0))),
        ]
        segments += SMB2CommandTests.fileLife(writes: [random, [1, 2, 3]]).map {
            var segment = $0
            // Renumber to avoid clashing with message ids 0 and 1 above.
            if segment.bytes.count >= 36 { segment.bytes[4 + 24] &+= 100 }
            return segment
        }
        let compound = SMB2Builder.chained([
            SMB2Builder.createRequest(messageID: 300, name: "c.txt", disposition: 1),
            SMB2Builder.setInfoRename(messageID: 301, fileID: 0, newName: "c.locked", related: true),
            SMB2Builder.closeRequest(messageID: 302, fileID: 0, related: true),
        ])
        let compoundResponse = SMB2Builder.chained([
            SMB2Builder.createResponse(messageID: 300, action: 1, fileID: 0x99),
            SMB2Builder.setInfoResponse(messageID: 301),
            SMB2Builder.closeResponse(messageID: 302),
        ])
        let transform: [UInt8] = [0xFD, 0x53, 0x4D, 0x42] + [UInt8](repeating: 0, count: 32) + SMB2Builder.le32(100)
            + [0, 0, 1, 0] + SMB2Builder.le64(5) + [UInt8](repeating: 0xAB, count: 100)
        // Two messages coalesced in one segment, then a transform and logoff.
        segments.append(Segment(direction: .originator, bytes: SMB2Builder.nbss(compound) + SMB2Builder.nbss(transform)))
        segments.append(Segment(direction: .responder, bytes: SMB2Builder.nbss(compoundResponse)))
        segments.append(Segment(direction: .originator, bytes: SMB2Builder.nbss(SMB2Builder.logoff(messageID: 400, response: false))))
        segments.append(Segment(direction: .responder, bytes: SMB2Builder.nbss(SMB2Builder.logoff(messageID: 400, response: true))))
        return segments
    }

    @Test func wholeChunksGiveExpectedRecords() {
        let (records, analyzer) = runAnalyzer(Self.session())
        #expect(analyzer.anomalies.total == 0)
        #expect(records.count == 4)  // tree connect, file, compound file, session (at logoff)
        #expect(records[1].contains(#""bytes_written":70003,"write_count":2"#))
        #expect(records[2].contains(#""filename":"c.txt""#) && records[2].contains(#""renamed_to":"c.locked""#))
        #expect(records[3].contains(#""transform_packets":1,"transform_bytes":100"#))
        #expect(records[3].contains(#""user":"u","domain":"D","host":"W""#))
    }

    @Test func byteByByteFeedGivesIdenticalRecords() {
        let expected = runAnalyzer(Self.session()).records
        let dripped = runAnalyzer(Self.session()) { count in (0..<count).map { $0..<$0 + 1 } }
        #expect(dripped.records == expected)
        #expect(dripped.analyzer.anomalies.total == 0)
    }

    @Test func splitAtEveryOffsetGivesIdenticalRecords() {
        let expected = runAnalyzer(Self.session()).records
        // Coalesce the whole conversation per direction pair into one stream, then split each segment at every
        // offset (bounded to the first 200 offsets of big segments to keep the test quick).
        var failures = 0
        for split in 0..<200 {
            let result = runAnalyzer(Self.session()) { count in
                let cut = min(split, count)
                return [0..<cut, cut..<count]
            }
            if result.records != expected { failures += 1 }
        }
        #expect(failures == 0)
        // And at every offset of the big WRITE segment, sampled coarsely across its whole length.
        for split in stride(from: 0, to: 70_200, by: 331) {
            let result = runAnalyzer(Self.session()) { count in
                let cut = min(split, count)
                return [0..<cut, cut..<count]
            }
            if result.records != expected { failures += 1 }
        }
        #expect(failures == 0)
    }

    /// Messages a segment holds whole are read where they lie; the odd ones must come out as the buffered path
    /// frames them: a message shorter than a protocol id with another behind it in the same segment, an NBSS
    /// keep-alive and an empty session message, SMB1 and compression heads, a READ response's head. One segment or
    /// byte by byte: the same records and the same anomalies.
    @Test func oddMessagesInOneSegmentMatchByteByByte() {
        let tree = SMB2Builder.nbss(SMB2Builder.treeConnectRequest(messageID: 1, path: #"\\srv\share"#))
        let treeResponse = SMB2Builder.nbss(SMB2Builder.treeConnectResponse(messageID: 1, treeID: 7))
        let smb1: [UInt8] = [0xFF, 0x53, 0x4D, 0x42, 0x72] + [UInt8](repeating: 0, count: 40)
        let compression: [UInt8] = [0xFC, 0x53, 0x4D, 0x42] + [UInt8](repeating: 1, count: 200)
        let read = SMB2Builder.readResponse(messageID: 9, data: [UInt8](repeating: 3, count: 500))
        let originator = SMB2Builder.nbss([0xFE, 0x53]) + tree + [0x85, 0, 0, 0] + [0, 0, 0, 0]
            + SMB2Builder.nbss(smb1) + SMB2Builder.nbss(compression) + tree
        let responder = treeResponse + SMB2Builder.nbss(read) + treeResponse
        let segments = [Segment(direction: .originator, bytes: originator), Segment(direction: .responder, bytes: responder)]
        let whole = runAnalyzer(segments)
        let dripped = runAnalyzer(segments) { count in (0..<count).map { $0..<$0 + 1 } }
        #expect(whole.records == dripped.records)
        #expect(whole.analyzer.anomalies == dripped.analyzer.anomalies)
        #expect(whole.records.count >= 2)
        #expect(whole.analyzer.anomalies.total > 0)
    }

    @Test func resynchronizesAfterGap() {
        // A gap inside the header of a message: the analyzer must resync on the next NBSS + 0xFE 'SMB'.
        var analyzer = SMB2Analyzer()
        let first = SMB2Builder.nbss(SMB2Builder.treeConnectRequest(messageID: 1, path: #"\\a\b"#))
        first.prefix(10).withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: .originator, at: .zero) }
        analyzer.gap(length: 20, direction: .originator)
        // Garbage that contains "SMB" but no NBSS header, then a good message.
        let garbage: [UInt8] = [0x12, 0x53, 0x4D, 0x42, 0xFE, 0x53, 0x4D, 0x42, 0x00]
        let second = SMB2Builder.nbss(SMB2Builder.treeConnectRequest(messageID: 2, path: #"\\a\c"#))
        (garbage + second).withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: .originator, at: .zero) }
        SMB2Builder.nbss(SMB2Builder.treeConnectResponse(messageID: 2, treeID: 3)).withUnsafeBytes {
            _ = analyzer.receive($0.bytes, direction: .responder, at: .zero)
        }
        #expect(analyzer.anomalies[.smb2Gap] == 1)
        #expect(!analyzer.framer(.originator).isDesynchronized)
        guard case .treeConnect(let record)? = analyzer.popRecord() else {
            Issue.record("no tree connect after resync")
            return
        }
        #expect(record.tree == #"\\a\c"#)
    }

    @Test func gapInsideWritePayloadIsSkippedWithoutResync() {
        var analyzer = SMB2Analyzer()
        let write = SMB2Builder.nbss(SMB2Builder.writeRequest(messageID: 5, fileID: 1, offset: 0, data: [UInt8](repeating: 9, count: 5000)))
        write.prefix(1000).withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: .originator, at: .zero) }
        analyzer.gap(length: 3000, direction: .originator)
        write.suffix(from: 4000).withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: .originator, at: .zero) }
        #expect(!analyzer.framer(.originator).isDesynchronized)
        SMB2Builder.nbss(SMB2Builder.closeRequest(messageID: 6, fileID: 1)).withUnsafeBytes {
            _ = analyzer.receive($0.bytes, direction: .originator, at: .zero)
        }
        SMB2Builder.nbss(SMB2Builder.closeResponse(messageID: 6)).withUnsafeBytes {
            _ = analyzer.receive($0.bytes, direction: .responder, at: .zero)
        }
        let files = fileRecords(&analyzer)
        #expect(files.count == 1)
        #expect(files.first?.bytesWritten == 5000)
    }
}
