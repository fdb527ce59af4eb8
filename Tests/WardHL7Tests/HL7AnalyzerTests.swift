import Testing
import WardCore
import WardTestSupport
import WardHL7

@Suite struct HL7AnalyzerTests {
    static let t0 = PacketTime(nanoseconds: 1_795_663_626_000_000_000)
    static let t1 = PacketTime(nanoseconds: 1_795_663_626_012_345_678)

    @Test func reportsADTThenAcknowledgementWithLatency() throws {
        let outcome = runAnalyzer([
            HL7Chunk(direction: .originator, bytes: HL7Bytes.framed(HL7Bytes.customADT), time: Self.t0),
            HL7Chunk(direction: .responder, bytes: HL7Bytes.framed(HL7Bytes.ackAA), time: Self.t1),
        ])
        #expect(outcome.anomalies == HL7AnomalyCounts())
        try #require(outcome.records.count == 2)
        let adt = outcome.records[0]
        #expect(adt == HL7MessageRecord(
            time: Self.t0, direction: .originator, messageType: "ADT^A01", controlID: "CTL0001",
            sendingApplication: "REGADT", sendingFacility: "GENHOSP", receivingApplication: "HIS",
            receivingFacility: "GENHOSP", processingID: "T", version: "2.5",
            messageBytes: HL7Bytes.customADT.count, segmentCount: 4))
        let ack = outcome.records[1]
        #expect(ack.direction == .responder)
        #expect(ack.messageType == "ACK^A01")
        #expect(ack.ackCode == "AA")
        #expect(ack.acknowledgedControlID == "CTL0001")
        #expect(ack.ackLatencyNanoseconds == 12_345_678)
        #expect(ack.segmentCount == 2)
        #expect(renderJSON(ack) == #"{"hl7":{"message_type":"ACK^A01","control_id":"ACKCTL0001","sending_application":"HIS","sending_facility":"GENHOSP","receiving_application":"REGADT","receiving_facility":"GENHOSP","processing_id":"T","version":"2.5","ack_code":"AA","ack_latency_ms":12.345,"message_bytes":\#(HL7Bytes.ackAA.count),"segment_count":2}}"#)
        #expect(renderJSON(adt).contains(#""message_type":"ADT^A01""#))
        #expect(!renderJSON(adt).contains("ack_code"))
    }

    @Test func reportsNAKWithCode() throws {
        let outcome = runAnalyzer([
            HL7Chunk(direction: .originator, bytes: HL7Bytes.framed(HL7Bytes.adtA08()), time: Self.t0),
            HL7Chunk(direction: .responder, bytes: HL7Bytes.framed(HL7Bytes.nakAE), time: Self.t1),
        ])
        try #require(outcome.records.count == 2)
        #expect(outcome.records[0].messageType == "ADT^A08")
        #expect(outcome.records[0].segmentCount == 5)
        #expect(outcome.records[1].ackCode == "AE")
        #expect(outcome.records[1].ackLatencyNanoseconds == 12_345_678)
        #expect(outcome.anomalies.total == 0)
    }

    @Test func flagsAcknowledgementOfUnknownMessage() {
        let outcome = runAnalyzer([HL7Chunk(direction: .responder, bytes: HL7Bytes.framed(HL7Bytes.ackAA), time: Self.t1)])
        #expect(outcome.records.count == 1)
        #expect(outcome.records.first?.ackLatencyNanoseconds == nil)
        #expect(outcome.anomalies[.unmatchedAck] == 1)
    }

    @Test func acknowledgementMustComeFromTheOtherDirection() {
        let outcome = runAnalyzer([
            HL7Chunk(direction: .originator, bytes: HL7Bytes.framed(HL7Bytes.customADT), time: Self.t0),
            HL7Chunk(direction: .originator, bytes: HL7Bytes.framed(HL7Bytes.ackAA), time: Self.t1),
        ])
        #expect(outcome.anomalies[.unmatchedAck] == 1)
        #expect(outcome.records.last?.ackLatencyNanoseconds == nil)
    }

    @Test func pendingTableIsBoundedAndEvictsTheOldest() {
        let limits = HL7Limits(maxPendingMessages: 4)
        var chunks = (1...6).map {
            HL7Chunk(direction: .originator, bytes: HL7Bytes.framed(HL7Bytes.adtA08(controlID: "C\($0)")), time: Self.t0)
        }
        for id in [1, 6] {  // C1 was evicted, C6 is still pending
            let ack = HL7Bytes.message([#"MSH|^~\&|HIS|H|R|RF|||ACK^A08|A\#(id)|P|2.5"#, "MSA|AA|C\(id)"])
            chunks.append(HL7Chunk(direction: .responder, bytes: HL7Bytes.framed(ack), time: Self.t1))
        }
        let outcome = runAnalyzer(chunks, limits: limits)
        #expect(outcome.anomalies.pendingEvicted == 2)
        #expect(outcome.anomalies[.unmatchedAck] == 1)
        #expect(outcome.records.last?.ackLatencyNanoseconds == 12_345_678)
    }

    /// `receive` says true exactly when a chunk completed a message; the engine pops only then.
    @Test func receiveAnswersWhetherRecordsWait() {
        var analyzer = HL7Analyzer()
        let message = HL7Bytes.framed(HL7Bytes.adtA08(controlID: "C1"))
        let head = Array(message.prefix(10))
        let tail = Array(message.dropFirst(10))
        #expect(!head.withUnsafeBytes { analyzer.receive($0.bytes, direction: .originator, at: Self.t0) })
        #expect(analyzer.popRecord() == nil)
        #expect(tail.withUnsafeBytes { analyzer.receive($0.bytes, direction: .originator, at: Self.t0) })
        #expect(analyzer.popRecord()?.controlID == "C1")
        #expect(analyzer.popRecord() == nil)
    }

    @Test func recordQueueIsBoundedAndCountsDrops() {
        var analyzer = HL7Analyzer(limits: HL7Limits(maxQueuedRecords: 3))
        let stream = (1...5).flatMap { HL7Bytes.framed(HL7Bytes.adtA08(controlID: "C\($0)")) }
        stream.withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: .originator, at: Self.t0) }
        #expect(analyzer.queuedRecordCount == 3)
        #expect(analyzer.anomalies.recordsDropped == 2)
        #expect(analyzer.popRecord()?.controlID == "C1")
        #expect(analyzer.popRecord()?.controlID == "C2")
        #expect(analyzer.popRecord()?.controlID == "C3")
        #expect(analyzer.popRecord() == nil)
    }

    @Test(arguments: [
        (Array("\u{0B}MSH|^~\\&|".utf8), ProbeResult.match),
        (Array("\u{0B}\u{0B}MSH#~$\\&#".utf8), .match),
        (Array("MSH|^~\\&".utf8), .match),
        ([0x0B, 0x4D, 0x53, 0x48, 0x7C], .needMoreBytes),
        (Array("MSH-LIKE HR=72".utf8), .noMatch),
        (Array("MSH|^~|".utf8), .noMatch),
        ([0x0B, 0x4D, 0x53], .needMoreBytes),
        ([0x0B], .needMoreBytes),
        ([], .needMoreBytes),
        ([0x0B, 0x4D, 0x53, 0x48], .needMoreBytes),
        ([0x0B, 0x50, 0x49, 0x44, 0x7C], .noMatch),
        ([0x4D, 0x53, 0x48, 0x41], .noMatch),
        ([0x16, 0x03, 0x01, 0x00], .noMatch),
        ([0x47, 0x45, 0x54, 0x20], .noMatch),
    ] as [([UInt8], ProbeResult)])
    func probesMLLPAndBareMSH(bytes: [UInt8], expected: ProbeResult) {
        let result = bytes.withUnsafeBytes { HL7Analyzer.probe($0.bytes, direction: .originator) }
        #expect(result == expected)
    }

    @Test func anomalyNamesAreStable() {
        #expect(HL7Anomaly.all.map(\.name) == [
            "hl7_missing_start_block", "hl7_missing_end_block", "hl7_message_too_large", "hl7_bad_msh",
            "hl7_unmatched_ack", "hl7_gap",
        ])
        #expect(HL7Anomaly.all.count <= HL7AnomalyCounts.capacity)
    }

    @Test func badMSHIsCountedAndYieldsNoRecord() {
        let junk = HL7Bytes.framed(HL7Bytes.message(["PID|1||FAKEPID0001||DOE^JANE"]))
        let outcome = runAnalyzer([HL7Chunk(direction: .originator, bytes: junk, time: Self.t0)])
        #expect(outcome.records.isEmpty)
        #expect(outcome.anomalies[.badMSH] == 1)
    }
}
