import Foundation
import WardCore
import WardHL7

/// Builders and drivers shared by the HL7 tests.
enum HL7Bytes {
    static let startBlock: [UInt8] = [0x0B]
    static let endBlock: [UInt8] = [0x1C, 0x0D]

    /// Segments joined and terminated with CR.
    static func message(_ segments: [String]) -> [UInt8] {
        Array(segments.map { $0 + "\r" }.joined().utf8)
    }

    /// `message` inside MLLP blocks.
    static func framed(_ message: [UInt8]) -> [UInt8] {
        startBlock + message + endBlock
    }

    /// ADT^A01 with custom separators: field `#`, component `~`, repetition `$`, escape `\`, subcomponent `&`.
    static let customADT = message([
        #"MSH#~$\&#REGADT~1.2.3~ISO$SECOND#GENHOSP&SUB#HIS#GENHOSP#20260115083000##ADT~A01~ADT_A01#CTL0001#T#2.5"#,
        "EVN#A01#20260115083000",
        "PID#1##FAKEPID0001~~~GENHOSP~MR##DOE~JANE~Q##19310517#F",
        "PV1#1#I#WARD4B~14~1",
    ])

    /// The acknowledgement of `customADT`, with standard separators.
    static let ackAA = message([
        #"MSH|^~\&|HIS|GENHOSP|REGADT|GENHOSP|20260115083001||ACK^A01^ACK|ACKCTL0001|T|2.5"#,
        "MSA|AA|CTL0001",
    ])

    /// A negative acknowledgement (AE) of `CTL0002`, with an ERR segment.
    static let nakAE = message([
        #"MSH|^~\&|HIS|GENHOSP|REGADT|GENHOSP|20260115083101||ACK^A08^ACK|ACKCTL0002|T|2.5"#,
        "MSA|AE|CTL0002",
        "ERR|||204^Unknown key identifier^HL70357|E||||Unknown patient id FAKEPID0099: not admitted",
    ])

    /// An ADT^A08 with standard separators and a PID full of fake patient data.
    static func adtA08(controlID: String = "CTL0002") -> [UInt8] {
        message([
            #"MSH|^~\&|REGADT|GENHOSP|HIS|GENHOSP|20260115083100||ADT^A08^ADT_A01|"# + controlID + "|T|2.5",
            "EVN|A08|20260115083100",
            "PID|1||FAKEPID0001^^^GENHOSP^MR||DOE^JANE^Q||19310517|F|||1 FAKE STREET^^TESTVILLE^ZZ^00000||(555)555-0100",
            "NK1|1|DOE^JOHN|SPO^Spouse^HL70063",
            "OBX|1|ST|8310-5^TEMP^LN||DOE^JANE said FAKEPID0001||||||F",
        ])
    }
}

/// One chunk of a connection: which side, which bytes, when.
struct HL7Chunk {
    var direction: StreamDirection
    var bytes: [UInt8]
    var time: PacketTime
}

/// What the analyzer produced for a whole connection.
struct HL7Outcome: Equatable {
    var records: [HL7MessageRecord]
    var anomalies: HL7AnomalyCounts
}

/// Feeds `chunks` (each optionally re-split by `split`) to a fresh analyzer, then finishes it.
func runAnalyzer(
    _ chunks: [HL7Chunk], limits: HL7Limits = HL7Limits(), finishAt: PacketTime = PacketTime(nanoseconds: 9_000_000_000),
    split: (Int, [UInt8]) -> [[UInt8]] = { _, bytes in [bytes] }
) -> HL7Outcome {
    var analyzer = HL7Analyzer(limits: limits)
    var records: [HL7MessageRecord] = []
    for (index, chunk) in chunks.enumerated() {
        for piece in split(index, chunk.bytes) {
            piece.withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: chunk.direction, at: chunk.time) }
            while let record = analyzer.popRecord() { records.append(record) }
        }
    }
    analyzer.finish(at: finishAt)
    while let record = analyzer.popRecord() { records.append(record) }
    return HL7Outcome(records: records, anomalies: analyzer.anomalies)
}

/// The framer verifier (after NIO's `ByteToMessageDecoderVerifier`): the outcome is the same whether each chunk is
/// fed whole, byte by byte, or split in two at every offset. Returns the whole-chunk outcome and every mismatch.
func verifyChunking(_ chunks: [HL7Chunk], limits: HL7Limits = HL7Limits()) -> (HL7Outcome, [String]) {
    let reference = runAnalyzer(chunks, limits: limits)
    var mismatches: [String] = []
    let dripped = runAnalyzer(chunks, limits: limits) { _, bytes in bytes.map { [$0] } }
    if dripped != reference { mismatches.append("byte by byte") }
    for (target, chunk) in chunks.enumerated() {
        for offset in 0...chunk.bytes.count {
            let outcome = runAnalyzer(chunks, limits: limits) { index, bytes in
                index == target ? [Array(bytes[..<offset]), Array(bytes[offset...])] : [bytes]
            }
            if outcome != reference { mismatches.append("chunk \(target) split at \(offset)") }
        }
    }
    // Every chunk of one direction coalesced into one (directions fed one after the other).
    let coalesced = [StreamDirection.originator, .responder].compactMap { direction -> HL7Chunk? in
        let parts = chunks.filter { $0.direction == direction }
        guard let last = parts.last else { return nil }
        return HL7Chunk(direction: direction, bytes: parts.flatMap(\.bytes), time: last.time)
    }
    let together = runAnalyzer(coalesced, limits: limits)
    let key = { (outcome: HL7Outcome) in
        (outcome.records.filter { $0.direction == .originator } + outcome.records.filter { $0.direction == .responder })
            .map { "\($0.direction) \($0.messageType) \($0.controlID) \($0.ackCode ?? "-") \($0.messageBytes)" }
    }
    if key(together) != key(reference) { mismatches.append("coalesced per direction") }
    return (reference, mismatches)
}

/// The `hl7` object of a record, rendered as the engine would.
func renderJSON(_ record: HL7MessageRecord) -> String {
    var writer = JSONWriter()
    writer.beginObject()
    writer.beginObject("hl7")
    record.encode(into: &writer)
    writer.endObject()
    writer.endObject()
    return writer.text
}

