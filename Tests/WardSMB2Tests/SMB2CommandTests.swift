import Testing
#if canImport(Glibc)
import Glibc
#endif
import WardCore
import WardSMB2
import WardTestSupport

@Suite struct SMB2CommandTests {
    @Test func decodesNegotiateRequestAndResponse() throws {
        let request = SMB2Builder.negotiateRequest(messageID: 0, dialects: [0x0202, 0x0210, 0x0300, 0x0302, 0x0311])
        let decoded = try request.withUnsafeBytes { raw in
            do throws(SMB2DecodeFailure) { return Result<SMB2Negotiate.Request, SMB2DecodeFailure>.success(try SMB2Negotiate.decodeRequest(raw.bytes, maxDialects: 16)) }
            catch { return .failure(error) }
        }.get()
        #expect(decoded.dialects == [.smb202, .smb210, .smb300, .smb302, .smb311])
        let response = SMB2Builder.negotiateResponse(messageID: 0, dialect: 0x0311, securityMode: 3, capabilities: 0x6F)
        let chosen = try response.withUnsafeBytes { raw in
            do throws(SMB2DecodeFailure) { return Result<SMB2Negotiate.Response, SMB2DecodeFailure>.success(try SMB2Negotiate.decodeResponse(raw.bytes)) }
            catch { return .failure(error) }
        }.get()
        #expect(chosen.dialect == .smb311)
        #expect(chosen.dialect.name == "3.1.1")
        #expect(chosen.capabilities & SMB2Negotiate.capabilityEncryption != 0)
        let (records, _) = runAnalyzer([
            Segment(direction: .originator, bytes: SMB2Builder.nbss(request)),
            Segment(direction: .responder, bytes: SMB2Builder.nbss(response)),
        ])
        #expect(records == [
            #"{"action":"session","dialect":"3.1.1","dialects_offered":["2.0.2","2.1","3.0","3.0.2","3.1.1"],"#
                + #""encrypted":false,"transform_packets":0,"transform_bytes":0,"compressed_packets":0,"smb1":false,"#
                + #""signing_required":true,"commands":2,"session_id":0}"#
        ])
    }

    @Test func readsNTLMSSPAuthenticateNamesNotHashes() {
        let blob = SMB2Builder.ntlmAuthenticate(user: "nurse.jane", domain: "WARD", workstation: "WS-REG01")
        let (records, analyzer) = runAnalyzer([
            Segment(direction: .originator, bytes: SMB2Builder.nbss(SMB2Builder.sessionSetupRequest(messageID: 2, blob: blob))),
            Segment(
                direction: .responder,
                bytes: SMB2Builder.nbss(SMB2Builder.sessionSetupResponse(messageID: 2, status: 0, flags: 4))),
        ])
        #expect(analyzer.anomalies.total == 0)
        #expect(records.count == 1)
        #expect(records[0].contains(#""encrypted":true"#))
        #expect(records[0].contains(#""user":"nurse.jane","domain":"WARD","host":"WS-REG01","auth_status":"success""#))
    }

    @Test func recordsTreeConnectWithStatus() {
        let (records, _) = runAnalyzer([
            Segment(direction: .originator, bytes: SMB2Builder.nbss(SMB2Builder.treeConnectRequest(messageID: 3, path: #"\\FILESRV01\clinic"#))),
            Segment(direction: .responder, bytes: SMB2Builder.nbss(SMB2Builder.treeConnectResponse(messageID: 3, treeID: 7))),
            Segment(direction: .originator, bytes: SMB2Builder.nbss(SMB2Builder.treeConnectRequest(messageID: 4, path: #"\\FILESRV01\nope"#))),
            Segment(
                direction: .responder,
                bytes: SMB2Builder.nbss(SMB2Builder.treeConnectResponse(messageID: 4, treeID: 0, status: 0xC000_00CC))),
        ])
        #expect(records[0] == #"{"action":"tree_connect","tree":"\\\\FILESRV01\\clinic","status":"success","share_type":"disk","session_id":4386}"#)
        #expect(records[1].contains(#""tree":"\\\\FILESRV01\\nope","status":"bad_network_name""#))
    }

    /// A whole file life: tree, CREATE (overwrite_if → overwritten), two WRITEs, READ, rename, CLOSE.
    static func fileLife(writes: [[UInt8]]) -> [Segment] {
        var segments = [
            Segment(direction: .originator, bytes: SMB2Builder.nbss(SMB2Builder.treeConnectRequest(messageID: 1, path: #"\\srv\clinic"#))),
            Segment(direction: .responder, bytes: SMB2Builder.nbss(SMB2Builder.treeConnectResponse(messageID: 1, treeID: 1))),
            Segment(
                direction: .originator,
                bytes: SMB2Builder.nbss(SMB2Builder.createRequest(messageID: 2, name: #"ward7\doc.txt"#, disposition: 5))),
            Segment(direction: .responder, bytes: SMB2Builder.nbss(SMB2Builder.createResponse(messageID: 2, action: 3, fileID: 9))),
        ]
        var messageID: UInt64 = 3
        var offset: UInt64 = 0
        for data in writes {
            segments.append(Segment(direction: .originator, bytes: SMB2Builder.nbss(
                SMB2Builder.writeRequest(messageID: messageID, fileID: 9, offset: offset, data: data))))
            segments.append(Segment(direction: .responder, bytes: SMB2Builder.nbss(
                SMB2Builder.writeResponse(messageID: messageID, count: UInt32(data.count)))))
            messageID += 1
            offset += UInt64(data.count)
        }
        segments += [
            Segment(direction: .originator, bytes: SMB2Builder.nbss(SMB2Builder.readRequest(messageID: 50, fileID: 9, length: 4096))),
            Segment(direction: .responder, bytes: SMB2Builder.nbss(SMB2Builder.readResponse(messageID: 50, data: [UInt8](repeating: 7, count: 300)))),
            Segment(direction: .originator, bytes: SMB2Builder.nbss(SMB2Builder.setInfoRename(messageID: 51, fileID: 9, newName: #"ward7\doc.txt.locked"#))),
            Segment(direction: .responder, bytes: SMB2Builder.nbss(SMB2Builder.setInfoResponse(messageID: 51))),
            Segment(direction: .originator, bytes: SMB2Builder.nbss(SMB2Builder.closeRequest(messageID: 52, fileID: 9))),
            Segment(direction: .responder, bytes: SMB2Builder.nbss(SMB2Builder.closeResponse(messageID: 52))),
        ]
        return segments
    }

    /// `receive` says true exactly when the segment queued records: the tree connect, then the file's record at
    /// CLOSE. The engine pops only then.
    @Test func receiveAnswersWhetherRecordsWait() {
        var analyzer = SMB2Analyzer()
        var answers: [Bool] = []
        for (index, segment) in Self.fileLife(writes: [[1, 2, 3]]).enumerated() {
            let queued = segment.bytes.withUnsafeBytes {
                analyzer.receive($0.bytes, direction: segment.direction, at: PacketTime(nanoseconds: Int64(index)))
            }
            var popped = 0
            while analyzer.popRecord() != nil { popped += 1 }
            #expect(queued == (popped > 0), "segment \(index)")
            answers.append(queued)
        }
        #expect(answers.filter { $0 }.count >= 2)
    }

    @Test func tracksCreateWriteReadRenameClose() throws {
        let uniform = (0..<256).map { UInt8($0) }  // every byte once: exactly 8 bits/byte, χ² = 0
        var fresh = SMB2Analyzer()
        for (index, segment) in Self.fileLife(writes: [uniform, uniform]).enumerated() {
            segment.bytes.withUnsafeBytes {
                _ = fresh.receive($0.bytes, direction: segment.direction, at: PacketTime(nanoseconds: Int64(index)))
            }
        }
        let files = fileRecords(&fresh)
        try #require(files.count == 1)
        let file = files[0]
        #expect(file.tree == #"\\srv\clinic"#)
        #expect(file.filename == #"ward7\doc.txt"#)
        #expect(file.disposition == .overwriteIf)
        #expect(file.createAction == .overwritten)
        #expect(file.overwrote)
        #expect(file.bytesWritten == 512)
        #expect(file.writeCount == 2)
        #expect(file.bytesRead == 300)
        #expect(file.writeEntropy == 8.0)
        #expect(file.writeChiSquare == 0)
        #expect(file.sampledBytes == 512)
        #expect(file.renamedTo == #"ward7\doc.txt.locked"#)
        #expect(!file.deleted)
        #expect(file.closedCleanly)
        #expect(fresh.anomalies.total == 0)
    }

    @Test(arguments: [
        ([UInt8](repeating: 0x41, count: 1000), 0.0),
        ([UInt8](repeating: 0x41, count: 500) + [UInt8](repeating: 0x42, count: 500), 1.0),
        ((0..<1024).map { UInt8($0 % 4) }, 2.0),
    ])
    func computesExactWriteEntropy(data: [UInt8], expected: Double) throws {
        var analyzer = SMB2Analyzer()
        for (index, segment) in Self.fileLife(writes: [data]).enumerated() {
            segment.bytes.withUnsafeBytes {
                _ = analyzer.receive($0.bytes, direction: segment.direction, at: PacketTime(nanoseconds: Int64(index)))
            }
        }
        let files = fileRecords(&analyzer)
        let entropy = try #require(files.first?.writeEntropy)
        #expect(abs(entropy - expected) < 1e-12)
    }

    /// The entropy equals, bit for bit, the plain sum of -p·log2(p) over byte values in order, for samples whose
    /// counts repeat (small and skewed) and for samples with counts of 64 and more.
    /// The engine passes over bytes the analyzer says it would consume unread (a READ response's data, a WRITE's data
    /// past its sample) and reports them with the next chunk or before the end: the records and anomalies are the
    /// ones every byte gives. Large writes and a large read, cut in 1,448-byte chunks; the last READ response is cut
    /// short by the end of the connection.
    @Test func skippingWhatTheAnalyzerWouldNotReadChangesNothing() throws {
        var generator = SeededGenerator(state: 7)
        let writes = (0..<3).map { _ in (0..<20_000).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        var segments = Self.fileLife(writes: writes)
        let read = SMB2Builder.nbss(SMB2Builder.readResponse(messageID: 60, data: [UInt8](repeating: 9, count: 30_000)))
        segments.insert(Segment(direction: .originator, bytes: SMB2Builder.nbss(
            SMB2Builder.readRequest(messageID: 60, fileID: 9, length: 30_000))), at: segments.count - 2)
        segments.insert(Segment(direction: .responder, bytes: read), at: segments.count - 2)
        segments.append(Segment(direction: .responder, bytes: Array(read.prefix(10_000))))
        let chunks = { (count: Int) in stride(from: 0, to: count, by: 1448).map { $0..<min($0 + 1448, count) } }
        let everyByte = runAnalyzer(segments, chunk: chunks)

        var analyzer = SMB2Analyzer()
        var records: [String] = []
        var skippable = [0, 0]
        var skipped = [0, 0]
        var passedOver = 0
        for (index, segment) in segments.enumerated() {
            let side = segment.direction == .originator ? 0 : 1
            for range in chunks(segment.bytes.count) {
                if range.count <= skippable[side] {
                    skippable[side] -= range.count
                    skipped[side] += range.count
                    passedOver += range.count
                    continue
                }
                segment.bytes[range].withUnsafeBytes {
                    _ = analyzer.receive(
                        $0.bytes, direction: segment.direction, at: PacketTime(nanoseconds: Int64(index)),
                        afterSkipping: skipped[side], skippable: &skippable[side])
                }
                skipped[side] = 0
            }
            while let record = analyzer.popRecord() { records.append(encode(record)) }
        }
        analyzer.skip(skipped[0], direction: .originator)
        analyzer.skip(skipped[1], direction: .responder)
        analyzer.finish(at: PacketTime(nanoseconds: 1_000_000))
        while let record = analyzer.popRecord() { records.append(encode(record)) }

        #expect(passedOver > 80_000)
        #expect(records == everyByte.records)
        #expect(analyzer.anomalies == everyByte.analyzer.anomalies)
    }

    @Test func writeEntropyIsThePlainSumBitForBit() {
        var random = SeededGenerator(state: 11)
        for size in [1, 3, 17, 100, 255, 1000, 4096, 20_000] {
            for skew in [1, 4, 64] {
                let bytes = (0..<size).map { _ in
                    UInt8(truncatingIfNeeded: Int.random(in: 0..<256, using: &random) / skew)
                }
                var entropy = WriteEntropy()
                bytes.withUnsafeBytes { _ = entropy.add($0.bytes, limit: .max) }
                var counts = [Int](repeating: 0, count: 256)
                for byte in bytes { counts[Int(byte)] += 1 }
                var plain = 0.0
                for count in counts where count > 0 {
                    let p = Double(count) / Double(size)
                    plain -= p * log2(p)
                }
                #expect(entropy.shannonBitsPerByte?.bitPattern == max(0, plain).bitPattern, "size \(size) skew \(skew)")
            }
        }
    }

    /// χ² from the integer sum of squared counts equals Pearson's definition, Σ (c − e)² / e with e = N / 256:
    /// exactly for a uniform sample (0) and a single repeated byte (255·N), and to rounding for random samples.
    @Test func writeChiSquareIsPearsonsStatistic() throws {
        var random = SeededGenerator(state: 7)
        for (size, skew) in [(256, 0), (1000, -1), (1, 1), (17, 1), (4096, 1), (4096, 16), (65_536, 3)] {
            let bytes: [UInt8] =
                switch skew {
                case 0: (0..<size).map { UInt8($0 % 256) }
                case -1: [UInt8](repeating: 0x41, count: size)
                default: (0..<size).map { _ in UInt8(Int.random(in: 0..<256, using: &random) / skew) }
                }
            var entropy = WriteEntropy()
            bytes.withUnsafeBytes { _ = entropy.add($0.bytes, limit: .max) }
            var counts = [Int](repeating: 0, count: 256)
            for byte in bytes { counts[Int(byte)] += 1 }
            let expected = Double(size) / 256
            let pearson = counts.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
            let chiSquare = try #require(entropy.chiSquare)
            #expect(abs(chiSquare - pearson) <= 1e-9 * max(1, pearson), "size \(size) skew \(skew)")
            if skew == 0 { #expect(chiSquare == 0) }
            if skew == -1 { #expect(chiSquare == 255 * Double(size)) }
        }
    }

    @Test func samplesOnlyTheFirstBytesOfEachWrite() throws {
        let limits = SMB2Limits(entropySampleBytesPerWrite: 100, entropySampleBytesPerFile: 150)
        var analyzer = SMB2Analyzer(limits: limits)
        let big = [UInt8](repeating: 1, count: 100) + (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        for segment in Self.fileLife(writes: [big, big, big]) {
            segment.bytes.withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: segment.direction, at: .zero) }
        }
        let file = try #require(fileRecords(&analyzer).first)
        #expect(file.sampledBytes == 150)
        #expect(file.writeEntropy == 0)  // only the constant prefixes were sampled
        #expect(file.bytesWritten == UInt64(3 * big.count))
    }

    @Test func marksDeletionBySetInfoAndDeleteOnClose() throws {
        var analyzer = SMB2Analyzer()
        let segments = [
            Segment(direction: .originator, bytes: SMB2Builder.nbss(SMB2Builder.createRequest(messageID: 1, name: "a", disposition: 1))),
            Segment(direction: .responder, bytes: SMB2Builder.nbss(SMB2Builder.createResponse(messageID: 1, action: 1, fileID: 1))),
            Segment(direction: .originator, bytes: SMB2Builder.nbss(SMB2Builder.setInfoDelete(messageID: 2, fileID: 1))),
            Segment(direction: .responder, bytes: SMB2Builder.nbss(SMB2Builder.setInfoResponse(messageID: 2))),
            Segment(direction: .originator, bytes: SMB2Builder.nbss(SMB2Builder.closeRequest(messageID: 3, fileID: 1))),
            Segment(direction: .responder, bytes: SMB2Builder.nbss(SMB2Builder.closeResponse(messageID: 3))),
            Segment(
                direction: .originator,
                bytes: SMB2Builder.nbss(SMB2Builder.createRequest(messageID: 4, name: "b", disposition: 1, options: 0x1000))),
            Segment(direction: .responder, bytes: SMB2Builder.nbss(SMB2Builder.createResponse(messageID: 4, action: 1, fileID: 2))),
        ]
        for segment in segments {
            segment.bytes.withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: segment.direction, at: .zero) }
        }
        analyzer.finish(at: .zero)
        let files = fileRecords(&analyzer)
        try #require(files.count == 2)
        #expect(files[0].filename == "a" && files[0].deleted && files[0].closedCleanly)
        #expect(files[1].filename == "b" && files[1].deleted && !files[1].closedCleanly)
        #expect(!files[0].overwrote)
    }

    @Test func encodesFileRecordFields() {
        let (records, _) = runAnalyzer(Self.fileLife(writes: [[1, 2, 3, 4]]))
        let file = records.first { $0.contains(#""action":"file""#) } ?? ""
        #expect(file.hasPrefix(
            #"{"action":"file","tree":"\\\\srv\\clinic","filename":"ward7\\doc.txt","disposition":"overwrite_if","#
                + #""create_options":0,"bytes_read":300,"bytes_written":4,"write_count":1,"write_entropy":2.000,"#
                + #""write_chi_square":252.00,"renamed_to":"ward7\\doc.txt.locked","deleted":false,"overwrote":true,"#))
    }
}
