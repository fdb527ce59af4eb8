import Testing
import WardCore
import WardHL7
import WardTestSupport

@Suite struct MLLPFramerTests {
    static let t0 = PacketTime(nanoseconds: 1_000_000_000)
    static let t1 = PacketTime(nanoseconds: 1_250_000_000)

    static let conversation: [HL7Chunk] = [
        HL7Chunk(direction: .originator, bytes: HL7Bytes.framed(HL7Bytes.customADT), time: t0),
        HL7Chunk(direction: .responder, bytes: HL7Bytes.framed(HL7Bytes.ackAA), time: t1),
        HL7Chunk(
            direction: .originator,
            bytes: HL7Bytes.framed(HL7Bytes.adtA08()) + HL7Bytes.framed(HL7Bytes.adtA08(controlID: "CTL0003")),
            time: PacketTime(nanoseconds: 2_000_000_000)),
        HL7Chunk(direction: .responder, bytes: HL7Bytes.framed(HL7Bytes.nakAE), time: PacketTime(nanoseconds: 2_500_000_000)),
    ]

    @Test func sameRecordsForEveryChunking() throws {
        let (outcome, mismatches) = verifyChunking(Self.conversation)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(outcome.records.map(\.controlID) == ["CTL0001", "ACKCTL0001", "CTL0002", "CTL0003", "ACKCTL0002"])
        #expect(outcome.records.map { $0.ackCode ?? "-" } == ["-", "AA", "-", "-", "AE"])
        #expect(outcome.records.map { $0.ackLatencyNanoseconds ?? -1 } == [-1, 250_000_000, -1, -1, 500_000_000])
        #expect(outcome.anomalies.total == 0)
    }

    @Test func sameRecordsForEveryChunkingOfMalformedFraming() {
        // Doubled start block, junk, missing end block, missing start block, stray CR LF.
        let a = HL7Bytes.adtA08(controlID: "M1")
        let b = HL7Bytes.adtA08(controlID: "M2")
        let c = HL7Bytes.adtA08(controlID: "M3")
        let stream = [0x0B, 0x0B] + a + [0x1C, 0x0D, 0x0D, 0x0A] + Array("junk".utf8) + [0x0B] + b + c + [0x1C, 0x0D]
            + [0x0B] + a
        let (outcome, mismatches) = verifyChunking([HL7Chunk(direction: .originator, bytes: stream, time: Self.t0)])
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(outcome.records.map(\.controlID) == ["M1", "M2", "M1"])
    }

    @Test func newStartBlockEndsMessageWithoutEndBlock() {
        let stream = [0x0B] + HL7Bytes.adtA08(controlID: "M1") + HL7Bytes.framed(HL7Bytes.adtA08(controlID: "M2"))
        let outcome = runAnalyzer([HL7Chunk(direction: .originator, bytes: stream, time: Self.t0)])
        #expect(outcome.records.map(\.controlID) == ["M1", "M2"])
        #expect(outcome.records.map(\.messageBytes) == [HL7Bytes.adtA08(controlID: "M1").count, HL7Bytes.adtA08(controlID: "M2").count])
        #expect(outcome.anomalies[.missingEndBlock] == 1)
        #expect(outcome.anomalies.total == 1)
    }

    @Test func connectionEndReportsMessageWithoutEndBlock() {
        let stream = [0x0B] + HL7Bytes.adtA08(controlID: "M1")
        let end = PacketTime(nanoseconds: 5_000_000_000)
        let outcome = runAnalyzer([HL7Chunk(direction: .originator, bytes: stream, time: Self.t0)], finishAt: end)
        #expect(outcome.records.map(\.controlID) == ["M1"])
        #expect(outcome.records.first?.time == end)
        #expect(outcome.anomalies[.missingEndBlock] == 1)
    }

    @Test func doubledStartBlockIsTolerated() {
        let stream = [0x0B, 0x0B] + HL7Bytes.adtA08(controlID: "M1") + [0x1C, 0x0D]
        let outcome = runAnalyzer([HL7Chunk(direction: .originator, bytes: stream, time: Self.t0)])
        #expect(outcome.records.map(\.controlID) == ["M1"])
        #expect(outcome.records.first?.messageBytes == HL7Bytes.adtA08(controlID: "M1").count)
        #expect(outcome.anomalies == HL7AnomalyCounts())
    }

    @Test func junkBetweenMessagesIsSkippedAndCounted() {
        let junk = Array("\r\nHELLO MSX|".utf8) + [0x00, 0xFF, 0x1C, 0x0D]
        let stream = junk + HL7Bytes.framed(HL7Bytes.adtA08(controlID: "M1")) + junk
            + HL7Bytes.framed(HL7Bytes.adtA08(controlID: "M2")) + junk
        let outcome = runAnalyzer([HL7Chunk(direction: .originator, bytes: stream, time: Self.t0)])
        #expect(outcome.records.map(\.controlID) == ["M1", "M2"])
        #expect(outcome.anomalies.bytesOutsideFraming == UInt64(3 * junk.count))
        #expect(outcome.anomalies.total == 0)
    }

    @Test func messagesWithoutStartBlockAreFoundByMSH() {
        let a = HL7Bytes.adtA08(controlID: "M1")
        let b = HL7Bytes.adtA08(controlID: "M2")
        let framedWithoutStart = a + [0x1C, 0x0D] + b + [0x1C, 0x0D]
        let outcome = runAnalyzer([HL7Chunk(direction: .originator, bytes: framedWithoutStart, time: Self.t0)])
        #expect(outcome.records.map(\.controlID) == ["M1", "M2"])
        #expect(outcome.records.map(\.messageBytes) == [a.count, b.count])
        #expect(outcome.anomalies[.missingStartBlock] == 2)
        #expect(outcome.anomalies[.missingEndBlock] == 0)
    }

    @Test func unframedMessagesAreSplitAtEachMSH() {
        let a = HL7Bytes.adtA08(controlID: "M1")
        let b = HL7Bytes.adtA08(controlID: "M2")
        let (outcome, mismatches) = verifyChunking([HL7Chunk(direction: .originator, bytes: a + b, time: Self.t0)])
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(outcome.records.map(\.controlID) == ["M1", "M2"])
        #expect(outcome.records.map(\.messageBytes) == [a.count, b.count])
        #expect(outcome.records.map(\.segmentCount) == [5, 5])
        #expect(outcome.anomalies[.missingStartBlock] == 2)
        #expect(outcome.anomalies[.missingEndBlock] == 2)
    }

    @Test func gapDropsTheMessageInProgressAndResynchronises() {
        var analyzer = HL7Analyzer()
        let first = HL7Bytes.framed(HL7Bytes.adtA08(controlID: "LOST"))
        let second = HL7Bytes.framed(HL7Bytes.adtA08(controlID: "M2"))
        first[..<40].withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: .originator, at: Self.t0) }
        analyzer.gap(length: 100, direction: .originator)
        (Array(first[140...]) + second).withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: .originator, at: Self.t1) }
        analyzer.finish(at: Self.t1)
        #expect(analyzer.popRecord()?.controlID == "M2")
        #expect(analyzer.popRecord() == nil)
        #expect(analyzer.anomalies[.gap] == 1)
    }

    @Test func tenMegabyteMessageStaysWithinTheBufferLimit() throws {
        let limits = HL7Limits()
        var analyzer = HL7Analyzer(limits: limits)
        let initialCapacity = analyzer.bufferCapacity
        #expect(initialCapacity >= 2 * limits.maxBufferedBytesPerMessage)
        #expect(initialCapacity <= 2 * (limits.maxBufferedBytesPerMessage + 64))
        let header = HL7Bytes.message([#"MSH|^~\&|LIS|LAB|HIS|H|||ORU^R01^ORU_R01|BIG1|P|2.5"#, "PID|1||FAKEPID0001||DOE^JANE"])
        let obx = Array("OBX|1|ED|PDF^Report||^AP^PDF^Base64^\(String(repeating: "QUJD", count: 250))\r".utf8)
        let obxCount = 10_000_000 / obx.count + 1
        HL7Bytes.startBlock.withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: .originator, at: Self.t0) }
        header.withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: .originator, at: Self.t0) }
        var chunk: [UInt8] = []
        for _ in 0..<64 { chunk += obx }
        var sent = 0
        while sent < obxCount {
            let n = min(64, obxCount - sent)
            chunk[..<(n * obx.count)].withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: .originator, at: Self.t0) }
            sent += n
            #expect(analyzer.bufferCapacity == initialCapacity)
        }
        HL7Bytes.endBlock.withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: .originator, at: Self.t1) }
        let popped = analyzer.popRecord()
        let record = try #require(popped)
        #expect(record.controlID == "BIG1")
        #expect(record.messageBytes == header.count + obxCount * obx.count)
        #expect(record.messageBytes > 10_000_000)
        #expect(record.segmentCount == 2 + obxCount)
        #expect(analyzer.anomalies[.messageTooLarge] == 1)
        #expect(analyzer.bufferCapacity == initialCapacity)
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func randomBytesNeverTrap(seed: UInt64) {
        var generator = SeededGenerator(state: seed)
        // Bytes biased towards the framing and separator alphabet, plus mutated real messages.
        let alphabet: [UInt8] = [0x0B, 0x1C, 0x0D, 0x0A] + Array("MSHA|^~\\&#$CTL0".utf8)
        let valid = HL7Bytes.framed(HL7Bytes.ackAA) + HL7Bytes.framed(HL7Bytes.customADT)
        let limits = HL7Limits(maxBufferedBytesPerMessage: 64, maxMessageBytes: 300, maxPendingMessages: 2, maxQueuedRecords: 2, maxFieldBytes: 4)
        for _ in 0..<200 {
            var analyzer = HL7Analyzer(limits: limits)
            let capacity = analyzer.bufferCapacity
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                var bytes: [UInt8]
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes = (0..<Int.random(in: 0...600, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                case 1: bytes = (0..<Int.random(in: 0...600, using: &generator)).map { _ in alphabet.randomElement(using: &generator) ?? 0 }
                default:
                    bytes = valid
                    for _ in 0..<Int.random(in: 0...6, using: &generator) {
                        let index = Int.random(in: 0..<bytes.count, using: &generator)
                        bytes[index] = alphabet.randomElement(using: &generator) ?? 0
                    }
                }
                let direction: StreamDirection = Bool.random(using: &generator) ? .originator : .responder
                let time = PacketTime(nanoseconds: Int64.random(in: Int64.min...Int64.max, using: &generator))
                _ = bytes.withUnsafeBytes { HL7Analyzer.probe($0.bytes, direction: direction) }
                bytes.withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: direction, at: time) }
                if Int.random(in: 0..<5, using: &generator) == 0 { analyzer.gap(length: 10, direction: direction) }
                if Bool.random(using: &generator) { _ = analyzer.popRecord() }
            }
            analyzer.finish(at: PacketTime(nanoseconds: Int64.random(in: Int64.min...Int64.max, using: &generator)))
            var popped = 0
            while let record = analyzer.popRecord() {
                popped += 1
                #expect((record.ackLatencyNanoseconds ?? 0) >= 0)
                #expect(record.controlID.utf8.count <= 4)
                _ = renderJSON(record)
            }
            #expect(popped <= limits.maxQueuedRecords)
            #expect(analyzer.bufferCapacity == capacity)
        }
    }
}
