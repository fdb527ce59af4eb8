import Testing
import WardCore
import WardTestSupport
import WardHL7

/// Patient data in PID, NK1 and OBX never reaches a rendered record.
@Suite struct HL7PrivacyTests {
    static let canaries = ["DOE^JANE", "DOE~JANE", "FAKEPID0001", "DOE^JOHN", "1 FAKE STREET", "(555)555-0100", "19310517"]

    @Test func recordsCarryNoPatientData() throws {
        let chunks = [
            HL7Chunk(direction: .originator, bytes: HL7Bytes.framed(HL7Bytes.adtA08()), time: PacketTime(nanoseconds: 1)),
            HL7Chunk(direction: .originator, bytes: HL7Bytes.framed(HL7Bytes.customADT), time: PacketTime(nanoseconds: 2)),
            HL7Chunk(direction: .responder, bytes: HL7Bytes.framed(HL7Bytes.nakAE), time: PacketTime(nanoseconds: 3)),
        ]
        // The input does hold the canaries, so the check below can fail.
        let input = String(decoding: chunks.flatMap(\.bytes), as: UTF8.self)
        for canary in ["DOE^JANE", "FAKEPID0001"] { #expect(input.contains(canary)) }
        let outcome = runAnalyzer(chunks)
        try #require(outcome.records.count == 3)
        for record in outcome.records {
            let json = renderJSON(record)
            for canary in Self.canaries { #expect(!json.contains(canary), "\(canary) leaked: \(json)") }
            // Every string field too, not only the rendered ones.
            let fields = [record.messageType, record.controlID, record.sendingApplication, record.sendingFacility,
                          record.receivingApplication, record.receivingFacility, record.processingID, record.version,
                          record.ackCode ?? "", record.acknowledgedControlID ?? ""]
            for field in fields { #expect(!Self.canaries.contains { field.contains($0) }, "\(field)") }
        }
    }

    @Test func patientDataInsideMSHPositionsOfOtherSegmentsIsIgnored() throws {
        // A PID placed first and an MSA-like PID payload must not be mistaken for header fields.
        let message = HL7Bytes.message([
            #"MSH|^~\&|APP|FAC|R|RF|||ADT^A01|C1|P|2.5"#,
            "PID|MSA|FAKEPID0001|DOE^JANE",
            "NK1|MSA|AA|FAKEPID0001",
        ])
        let outcome = runAnalyzer([HL7Chunk(direction: .originator, bytes: HL7Bytes.framed(message), time: .zero)])
        let record = try #require(outcome.records.first)
        #expect(record.ackCode == nil)
        #expect(record.acknowledgedControlID == nil)
        for canary in Self.canaries { #expect(!renderJSON(record).contains(canary)) }
    }
}
