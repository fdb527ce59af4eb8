import Testing
import WardCore
import WardSMB2
import WardTestSupport

/// Hostile input: huge lengths, truncation, flooding, random bytes. Nothing may trap or grow past a limit.
@Suite struct SMB2HostileTests {
    @Test func hugeNBSSLengthStaysWithinBufferLimit() {
        let limits = SMB2Limits(maxMessageBytes: 4096)
        var analyzer = SMB2Analyzer(limits: limits)
        // A CREATE header claiming 0xFFFFFF bytes, followed by 1 MiB of filler.
        var message = SMB2Builder.createRequest(messageID: 1, name: "x", disposition: 1)
        message += [UInt8](repeating: 0x41, count: 1 << 20)
        let bytes = [0x00, 0xFF, 0xFF, 0xFF] + message
        for start in stride(from: 0, to: bytes.count, by: 1460) {
            bytes[start..<min(start + 1460, bytes.count)].withUnsafeBytes {
                _ = analyzer.receive($0.bytes, direction: .originator, at: .zero)
            }
            #expect(analyzer.framer(.originator).bufferCapacity <= 4096 + 64)
        }
        #expect(analyzer.anomalies[.nbssLengthExceedsLimit] == 1)
        #expect(analyzer.framer(.originator).bufferCapacity <= 4096 + 64)
    }

    @Test func hugeWriteIsStreamedNotBuffered() {
        var analyzer = SMB2Analyzer()
        let data = [UInt8](repeating: 0x5A, count: 8 << 20)
        let bytes = SMB2Builder.nbss(SMB2Builder.writeRequest(messageID: 1, fileID: 1, offset: 0, data: data))
        for start in stride(from: 0, to: bytes.count, by: 65_536) {
            bytes[start..<min(start + 65_536, bytes.count)].withUnsafeBytes {
                _ = analyzer.receive($0.bytes, direction: .originator, at: .zero)
            }
        }
        #expect(analyzer.framer(.originator).bufferCapacity <= SMB2Framer.headBytes + 64)
        #expect(analyzer.anomalies.total == 0)
    }

    @Test(arguments: 0..<SMB2Framer.headBytes + 40)
    func truncatedMessagesNeverTrap(length: Int) {
        // A message whose NBSS length says `length`: every command body cut at every length.
        let builders: [[UInt8]] = [
            SMB2Builder.createRequest(messageID: 1, name: "abc", disposition: 1),
            SMB2Builder.createResponse(messageID: 1, action: 1, fileID: 1),
            SMB2Builder.negotiateRequest(messageID: 0, dialects: [0x0311]),
            SMB2Builder.negotiateResponse(messageID: 0, dialect: 0x0311, securityMode: 0, capabilities: 0),
            SMB2Builder.sessionSetupRequest(messageID: 1, blob: SMB2Builder.ntlmAuthenticate(user: "a", domain: "b", workstation: "c")),
            SMB2Builder.treeConnectRequest(messageID: 1, path: #"\\s\t"#),
            SMB2Builder.setInfoRename(messageID: 1, fileID: 1, newName: "n"),
            SMB2Builder.writeRequest(messageID: 1, fileID: 1, offset: 0, data: [1, 2, 3]),
            SMB2Builder.readResponse(messageID: 1, data: [1, 2]),
            SMB2Builder.closeRequest(messageID: 1, fileID: 1),
        ]
        for message in builders {
            var analyzer = SMB2Analyzer()
            let cut = Array(message.prefix(length))
            SMB2Builder.nbss(cut).withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: .originator, at: .zero) }
            SMB2Builder.nbss(cut).withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: .responder, at: .zero) }
            analyzer.finish(at: .zero)
            while analyzer.popRecord() != nil {}
            if (1..<4).contains(length) { #expect(analyzer.anomalies[.smb2BadMagic] >= 1) }
        }
    }

    @Test func pendingTableIsBounded() {
        var analyzer = SMB2Analyzer()
        var bytes: [UInt8] = []
        for id in 0..<600 {
            bytes += SMB2Builder.nbss(SMB2Builder.readRequest(messageID: UInt64(id), fileID: 1, length: 10))
        }
        bytes.withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: .originator, at: .zero) }
        #expect(analyzer.state.pendingCount == 512)
        #expect(analyzer.anomalies[.smb2TooManyPending] == 88)
    }

    @Test func openFilesAndRecordQueueAreBounded() {
        let limits = SMB2Limits(maxOpenFiles: 10, maxQueuedRecords: 5)
        var analyzer = SMB2Analyzer(limits: limits)
        for id in 0..<30 {
            SMB2Builder.nbss(SMB2Builder.createRequest(messageID: UInt64(id), name: "f\(id)", disposition: 1))
                .withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: .originator, at: .zero) }
            SMB2Builder.nbss(SMB2Builder.createResponse(messageID: UInt64(id), action: 1, fileID: UInt64(id)))
                .withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: .responder, at: .zero) }
        }
        #expect(analyzer.state.openFileCount == 10)
        #expect(analyzer.anomalies[.smb2TooManyOpenFiles] == 20)
        analyzer.finish(at: .zero)
        var count = 0
        while analyzer.popRecord() != nil { count += 1 }
        #expect(count == 5)
        #expect(analyzer.anomalies[.smb2RecordQueueFull] == 6)  // 10 files + 1 session − 5
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func randomBytesNeverTrap(seed: UInt64) {
        var generator = SplitMix(state: seed)
        var analyzer = SMB2Analyzer(limits: SMB2Limits(maxMessageBytes: 2048))
        for round in 0..<200 {
            var bytes = (0..<Int(generator.next() % 3000)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            // Bias towards plausible framing so the deeper parsers are reached.
            if round % 2 == 0, bytes.count > 72 {
                let length = UInt32(bytes.count - 4)
                bytes.replaceSubrange(0..<8, with: [0, UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), 0xFE, 0x53, 0x4D, 0x42])
                bytes.replaceSubrange(8..<10, with: [64, 0])
                bytes[16] = UInt8(generator.next() % 20)
                bytes[17] = 0
            }
            let direction: StreamDirection = generator.next() % 2 == 0 ? .originator : .responder
            bytes.withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: direction, at: .zero) }
            if round % 50 == 0 { analyzer.gap(length: Int(generator.next() % 100_000), direction: direction) }
            while analyzer.popRecord() != nil {}
        }
        analyzer.finish(at: .zero)
        while analyzer.popRecord() != nil {}
        #expect(analyzer.framer(.originator).bufferCapacity <= 2048 + 64)
        #expect(analyzer.state.pendingCount <= 512)
    }

    @Test func probeRecognisesSMBFlavours() {
        func probe(_ bytes: [UInt8]) -> ProbeResult {
            bytes.withUnsafeBytes { SMB2Analyzer.probe($0.bytes, direction: .originator) }
        }
        #expect(probe([0, 0, 0, 0x68, 0xFE, 0x53, 0x4D, 0x42]) == .match)
        #expect(probe([0, 0, 0, 0x68, 0xFD, 0x53, 0x4D, 0x42]) == .match)
        #expect(probe([0, 0, 0, 0x68, 0xFC, 0x53, 0x4D, 0x42]) == .match)
        #expect(probe([0, 0, 0, 0x68, 0xFF, 0x53, 0x4D, 0x42]) == .match)
        #expect(probe([0, 0, 0, 0x68, 0xFE, 0x53]) == .needMoreBytes)
        #expect(probe([0x81, 0, 0, 0x44]) == .match)
        #expect(probe(Array("GET / HTTP/1.1".utf8)) == .noMatch)
        #expect(probe([0, 0, 0, 0x68, 0xFE, 0x53, 0x4D, 0x43]) == .noMatch)
        #expect(probe([]) == .needMoreBytes)
    }

    @Test func smb1IsFlagged() {
        let smb1: [UInt8] = [0xFF, 0x53, 0x4D, 0x42, 0x72] + [UInt8](repeating: 0, count: 40)
        let (records, analyzer) = runAnalyzer([Segment(direction: .originator, bytes: SMB2Builder.nbss(smb1))])
        #expect(analyzer.anomalies[.smb1InUse] == 1)
        #expect(records.first?.contains(#""smb1":true"#) == true)
    }
}

/// A small deterministic generator (SplitMix64) so random tests are reproducible.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
