import Foundation
import Testing
import WardCore
import WardTestSupport
@testable import WardHL7

@Suite struct HL7HeaderParserTests {
    static func parse(_ bytes: [UInt8], maxFieldBytes: Int = 128) -> HL7HeaderParser.Header? {
        bytes.withUnsafeBytes { HL7HeaderParser.parse($0.bytes, maxFieldBytes: maxFieldBytes) }
    }

    @Test func readsSeparatorsFromMSH1AndMSH2() throws {
        let separators = try #require(HL7Bytes.customADT.withUnsafeBytes { HL7Separators(mshSegment: $0.bytes) })
        #expect(separators == HL7Separators(
            field: UInt8(ascii: "#"), component: UInt8(ascii: "~"), repetition: UInt8(ascii: "$"),
            escape: UInt8(ascii: "\\"), subcomponent: UInt8(ascii: "&")))
    }

    @Test func decodesADTWithCustomSeparators() throws {
        let header = try #require(Self.parse(HL7Bytes.customADT))
        #expect(header.messageType == "ADT^A01")
        #expect(header.controlID == "CTL0001")
        #expect(header.sendingApplication == "REGADT")  // first repetition, first component
        #expect(header.sendingFacility == "GENHOSP")  // first subcomponent
        #expect(header.receivingApplication == "HIS")
        #expect(header.receivingFacility == "GENHOSP")
        #expect(header.processingID == "T")
        #expect(header.version == "2.5")
        #expect(header.ackCode == nil)
        #expect(header.acknowledgedControlID == nil)
    }

    @Test func decodesAcknowledgementAndNAK() throws {
        let ack = try #require(Self.parse(HL7Bytes.ackAA))
        #expect(ack.messageType == "ACK^A01")
        #expect(ack.controlID == "ACKCTL0001")
        #expect(ack.ackCode == "AA")
        #expect(ack.acknowledgedControlID == "CTL0001")
        let nak = try #require(Self.parse(HL7Bytes.nakAE))
        #expect(nak.ackCode == "AE")
        #expect(nak.acknowledgedControlID == "CTL0002")
        #expect(nak.sendingApplication == "HIS")
    }

    @Test func messageTypeKeepsOnlyTwoComponents() throws {
        let bytes = HL7Bytes.message([#"MSH|^~\&|A|B|C|D|||ORU^R01^ORU_R01^extra|X1|P|2.5.1"#])
        #expect(try #require(Self.parse(bytes)).messageType == "ORU^R01")
        let single = HL7Bytes.message([#"MSH|^~\&|A|B|C|D|||ACK|X1|P|2.5.1"#])
        #expect(try #require(Self.parse(single)).messageType == "ACK")
    }

    @Test func toleratesLineFeedsAndBatchHeaders() throws {
        let bytes = Array("FHS|^~\\&|A\nBHS|^~\\&|A\nMSH|^~\\&|APP|FAC|R|RF|||ADT^A03|C9|P|2.3\nMSA|CA|C8\n".utf8)
        let header = try #require(Self.parse(bytes))
        #expect(header.messageType == "ADT^A03")
        #expect(header.ackCode == "CA")
        #expect(header.acknowledgedControlID == "C8")
    }

    /// MSH read up to MSH-12 when later fields follow (or when it stops early), and an MSA behind long segments
    /// and mixed terminators.
    @Test func readsFieldsUpToMSH12AndFindsALateMSA() throws {
        let full = HL7Bytes.message([
            #"MSH|^~\&|LAB|HOSP|EMR|WARD|20250101||ACK^R01|C77|P|2.5.1|1|AL|NE|JPN|UNICODE UTF-8|ja|||PROFILE"#,
            "SFT|" + String(repeating: "S", count: 600),
            "NTE|1||" + String(repeating: "n", count: 900),
            "MSA|AE|C76|error",
        ])
        let header = try #require(Self.parse(full))
        #expect(header.version == "2.5.1" && header.processingID == "P" && header.receivingFacility == "WARD")
        #expect(header.ackCode == "AE" && header.acknowledgedControlID == "C76")
        let short = try #require(Self.parse(HL7Bytes.message([#"MSH|^~\&|A|B|C|D|||ADT^A08|C1"#])))
        #expect(short.controlID == "C1" && short.processingID.isEmpty && short.version.isEmpty)
        let mixed = Array("MSH|^~\\&|A|B|C|D|||ACK|C2|P|2.4\r\nPID|1||SECRET\n\rMSA|AA|C1\r".utf8)
        let ack = try #require(Self.parse(mixed))
        #expect(ack.ackCode == "AA" && ack.acknowledgedControlID == "C1")
    }

    @Test func cutsLongFieldsToTheLimit() throws {
        let long = String(repeating: "Z", count: 500)
        let bytes = HL7Bytes.message([#"MSH|^~\&|"# + long + "|F|R|RF|||ADT^A01|C1|P|2.5"])
        let header = try #require(Self.parse(bytes, maxFieldBytes: 16))
        #expect(header.sendingApplication == String(repeating: "Z", count: 16))
    }

    @Test(arguments: [
        "PID|1||X",  // not MSH first
        "MSHX^~\\&|A",  // alphanumeric field separator
        "MSH||A|B",  // empty MSH-2
        "MSH|^^\\&|A",  // repeated encoding character
        "MSH|^~\\&|A|B|C|D|||ADT^A01||P|2.5",  // empty MSH-10
        "MSH|^~\\&|A|B|C|D|||||P|2.5",  // empty MSH-9
        "MSH|^~\\&|A|B",  // truncated before MSH-9
        "MSH",
        "",
    ])
    func rejectsUnreadableMSH(text: String) {
        #expect(Self.parse(Array(text.utf8) + [0x0D]) == nil)
    }

    @Test func truncationSweepParsesExactlyThePrefixesHoldingMSH10() throws {
        let bytes = HL7Bytes.ackAA
        let text = String(decoding: bytes, as: UTF8.self)
        let controlStart = try #require(text.range(of: "ACKCTL0001")).lowerBound.utf16Offset(in: text)
        for length in 0...bytes.count {
            let header = Self.parse(Array(bytes[..<length]))
            #expect((header != nil) == (length > controlStart), "prefix \(length)")
            if length == bytes.count { #expect(header?.ackCode == "AA") }
        }
    }
}
