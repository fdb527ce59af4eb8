import WardCore
import WardDICOM

/// Builds DICOM Upper Layer PDUs byte by byte for tests (PS3.8 §9.3), independently of the analyzer's decoders.
enum PDUBuilder {
    static func be16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> UInt32($0 * 8)) } }

    static func pdu(_ type: UInt8, _ body: [UInt8]) -> [UInt8] { [type, 0] + be32(UInt32(body.count)) + body }
    static func item(_ type: UInt8, _ value: [UInt8]) -> [UInt8] { [type, 0] + be16(value.count) + value }
    static func ae(_ title: String) -> [UInt8] {
        Array(title.utf8.prefix(16)) + Array(repeating: 0x20, count: max(0, 16 - title.utf8.count))
    }

    static let applicationContext = "1.2.840.10008.3.1.1.1"
    static let implicitLittleEndian = "1.2.840.10008.1.2"
    static let explicitLittleEndian = "1.2.840.10008.1.2.1"
    static let verification = "1.2.840.10008.1.1"
    static let ctImageStorage = "1.2.840.10008.5.1.4.1.1.2"
    static let studyRootMove = "1.2.840.10008.5.1.4.1.2.2.2"

    struct UserIdentity {
        var type: UInt8
        var primary: String
        var secondary: String
    }

    static func userInformation(
        maxPDU: UInt32, implementationUID: String, version: String, identity: UserIdentity? = nil
    ) -> [UInt8] {
        var value = item(0x51, be32(maxPDU)) + item(0x52, Array(implementationUID.utf8)) + item(0x55, Array(version.utf8))
        if let identity {
            let primary = Array(identity.primary.utf8)
            let secondary = Array(identity.secondary.utf8)
            value += item(0x58, [identity.type, 0] + be16(primary.count) + primary + be16(secondary.count) + secondary)
        }
        return item(0x50, value)
    }

    static func associateRequest(
        called: String, calling: String, contexts: [(id: UInt8, abstract: String, transfers: [String])],
        maxPDU: UInt32 = 16384, implementationUID: String = "1.2.3.4", version: String = "TEST_1",
        identity: UserIdentity? = nil
    ) -> [UInt8] {
        var body = be16(1) + [0, 0] + ae(called) + ae(calling) + Array(repeating: 0, count: 32)
        body += item(0x10, Array(applicationContext.utf8))
        for context in contexts {
            var value: [UInt8] = [context.id, 0, 0, 0] + item(0x30, Array(context.abstract.utf8))
            for transfer in context.transfers { value += item(0x40, Array(transfer.utf8)) }
            body += item(0x20, value)
        }
        body += userInformation(maxPDU: maxPDU, implementationUID: implementationUID, version: version, identity: identity)
        return pdu(0x01, body)
    }

    static func associateAccept(
        called: String, calling: String, contexts: [(id: UInt8, result: UInt8, transfer: String)],
        maxPDU: UInt32 = 32768, implementationUID: String = "9.8.7", version: String = "PACS_2"
    ) -> [UInt8] {
        var body = be16(1) + [0, 0] + ae(called) + ae(calling) + Array(repeating: 0, count: 32)
        body += item(0x10, Array(applicationContext.utf8))
        for context in contexts {
            body += item(0x21, [context.id, 0, context.result, 0] + item(0x40, Array(context.transfer.utf8)))
        }
        body += userInformation(maxPDU: maxPDU, implementationUID: implementationUID, version: version)
        return pdu(0x02, body)
    }

    static func reject(result: UInt8, source: UInt8, reason: UInt8) -> [UInt8] { pdu(0x03, [0, result, source, reason]) }
    static let releaseRequest = pdu(0x05, [0, 0, 0, 0])
    static let releaseResponse = pdu(0x06, [0, 0, 0, 0])
    static func abort(source: UInt8, reason: UInt8) -> [UInt8] { pdu(0x07, [0, 0, source, reason]) }

    /// A P-DATA-TF holding the given PDVs (context ID, message control header, value).
    static func pData(_ pdvs: [(context: UInt8, control: UInt8, value: [UInt8])]) -> [UInt8] {
        var body: [UInt8] = []
        for pdv in pdvs { body += be32(UInt32(pdv.value.count + 2)) + [pdv.context, pdv.control] + pdv.value }
        return pdu(0x04, body)
    }

    enum Value {
        case uid(String)
        case ae(String)
        case us(UInt16)
    }

    /// An implicit-VR little-endian command set with its group length (0000,0000).
    static func commandSet(_ elements: [(element: UInt16, value: Value)]) -> [UInt8] {
        var body: [UInt8] = []
        for (element, value) in elements {
            let bytes: [UInt8]
            switch value {
            case .uid(let text):
                bytes = Array(text.utf8) + (text.utf8.count % 2 == 1 ? [0] : [])
            case .ae(let text):
                bytes = Array(text.utf8) + (text.utf8.count % 2 == 1 ? [0x20] : [])
            case .us(let number):
                bytes = le16(number)
            }
            body += le16(0) + le16(element) + le32(UInt32(bytes.count)) + bytes
        }
        return le16(0) + le16(0) + le32(4) + le32(UInt32(body.count)) + body
    }

    static func command(
        _ field: UInt16, sopClass: String, messageID: UInt16? = nil, respondedTo: UInt16? = nil,
        status: UInt16? = nil, dataSet: Bool = false, moveDestination: String? = nil
    ) -> [UInt8] {
        var elements: [(element: UInt16, value: Value)] = [(0x0002, .uid(sopClass)), (0x0100, .us(field))]
        if let messageID { elements.append((0x0110, .us(messageID))) }
        if let respondedTo { elements.append((0x0120, .us(respondedTo))) }
        if let moveDestination { elements.append((0x0600, .ae(moveDestination))) }
        elements.append((0x0800, .us(dataSet ? 0x0000 : 0x0101)))
        if let status { elements.append((0x0900, .us(status))) }
        return commandSet(elements)
    }
}

/// One chunk of a connection, as the engine would deliver it.
struct Segment {
    var direction: StreamDirection
    var bytes: [UInt8]
    var time: PacketTime
}

/// Feeding helpers and a canonical rendering of records for comparisons.
enum Harness {
    /// Feeds every segment whole, then finishes.
    static func run(_ segments: [Segment], limits: DICOMLimits = DICOMLimits(), split: (Int, Int)? = nil,
                    byteByByte: Bool = false) -> (records: [DICOMAssociationRecord], analyzer: DICOMAnalyzer) {
        var analyzer = DICOMAnalyzer(limits: limits)
        for (index, segment) in segments.enumerated() {
            if byteByByte {
                for byte in segment.bytes { feed(&analyzer, [byte], segment) }
            } else if let (splitIndex, offset) = split, splitIndex == index {
                feed(&analyzer, Array(segment.bytes[..<offset]), segment)
                feed(&analyzer, Array(segment.bytes[offset...]), segment)
            } else {
                feed(&analyzer, segment.bytes, segment)
            }
        }
        analyzer.finish(at: PacketTime(nanoseconds: 999_000))
        return (drain(&analyzer), analyzer)
    }

    static func feed(_ analyzer: inout DICOMAnalyzer, _ bytes: [UInt8], _ segment: Segment) {
        bytes.withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: segment.direction, at: segment.time) }
    }

    static func drain(_ analyzer: inout DICOMAnalyzer) -> [DICOMAssociationRecord] {
        var records: [DICOMAssociationRecord] = []
        while let record = analyzer.popRecord() { records.append(record) }
        return records
    }

    /// The record's JSON fields plus its times: equal renderings mean equal records.
    static func render(_ record: DICOMAssociationRecord) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("start")
        writer.value(record.start.nanoseconds)
        writer.key("end")
        writer.value(record.end.nanoseconds)
        writer.beginObject("dicom")
        record.encode(into: &writer)
        writer.endObject()
        writer.endObject()
        return writer.text
    }
}


/// Scripted connections shared by several suites.
enum Scripts {
    static func time(_ step: Int) -> PacketTime { PacketTime(nanoseconds: Int64(step) * 1000) }

    /// C-ECHO, then C-STORE with a two-fragment command and a three-fragment data set, a C-MOVE, release; then a
    /// second association on the same connection that is aborted by the responder.
    static var storeAndMove: [Segment] {
        let rq = PDUBuilder.associateRequest(
            called: "PACS1", calling: "CT01",
            contexts: [
                (1, PDUBuilder.verification, [PDUBuilder.implicitLittleEndian]),
                (3, PDUBuilder.ctImageStorage, [PDUBuilder.explicitLittleEndian, PDUBuilder.implicitLittleEndian]),
                (5, PDUBuilder.studyRootMove, [PDUBuilder.implicitLittleEndian]),
            ],
            identity: .init(type: 2, primary: "DOE^JANE", secondary: "s3cr3t-passcode"))
        let ac = PDUBuilder.associateAccept(
            called: "PACS1", calling: "CT01",
            contexts: [
                (1, 0, PDUBuilder.implicitLittleEndian), (3, 0, PDUBuilder.explicitLittleEndian),
                (5, 3, PDUBuilder.implicitLittleEndian),
            ])
        let echo = PDUBuilder.command(0x0030, sopClass: PDUBuilder.verification, messageID: 1)
        let echoResponse = PDUBuilder.command(0x8030, sopClass: PDUBuilder.verification, respondedTo: 1, status: 0)
        let store = PDUBuilder.command(0x0001, sopClass: PDUBuilder.ctImageStorage, messageID: 2, dataSet: true)
        let dataSet = Array("DOE^JANE FAKEPID0001 pixel data".utf8) + Array(repeating: 0xAB, count: 300)
        let storeResponse = PDUBuilder.command(
            0x8001, sopClass: PDUBuilder.ctImageStorage, respondedTo: 2, status: 0xB000)
        let move = PDUBuilder.command(
            0x0021, sopClass: PDUBuilder.studyRootMove, messageID: 3, dataSet: true, moveDestination: "WS1")
        let moveFailure = PDUBuilder.command(0x8021, sopClass: PDUBuilder.studyRootMove, respondedTo: 3, status: 0xA801)
        var segments: [Segment] = [
            Segment(direction: .originator, bytes: rq, time: time(1)),
            Segment(direction: .responder, bytes: ac, time: time(2)),
            Segment(direction: .originator, bytes: PDUBuilder.pData([(1, 0x03, echo)]), time: time(3)),
            Segment(direction: .responder, bytes: PDUBuilder.pData([(1, 0x03, echoResponse)]), time: time(4)),
            // Command split over two PDVs in one PDU, then the data set in three PDUs.
            Segment(
                direction: .originator,
                bytes: PDUBuilder.pData([(3, 0x01, Array(store[..<20])), (3, 0x03, Array(store[20...]))])
                    + PDUBuilder.pData([(3, 0x00, Array(dataSet[..<100]))]), time: time(5)),
            Segment(
                direction: .originator,
                bytes: PDUBuilder.pData([(3, 0x00, Array(dataSet[100..<200]))])
                    + PDUBuilder.pData([(3, 0x02, Array(dataSet[200...]))]), time: time(6)),
            Segment(direction: .responder, bytes: PDUBuilder.pData([(3, 0x03, storeResponse)]), time: time(7)),
            Segment(
                direction: .originator,
                bytes: PDUBuilder.pData([(5, 0x03, move), (5, 0x02, Array("0020000D query keys".utf8))]),
                time: time(8)),
            Segment(direction: .responder, bytes: PDUBuilder.pData([(5, 0x03, moveFailure)]), time: time(9)),
            Segment(direction: .originator, bytes: PDUBuilder.releaseRequest, time: time(10)),
            Segment(direction: .responder, bytes: PDUBuilder.releaseResponse, time: time(11)),
        ]
        segments += [
            Segment(
                direction: .originator,
                bytes: PDUBuilder.associateRequest(
                    called: "PACS1", calling: "CT01", contexts: [(1, PDUBuilder.verification, [PDUBuilder.implicitLittleEndian])]),
                time: time(12)),
            Segment(
                direction: .responder,
                bytes: PDUBuilder.associateAccept(
                    called: "PACS1", calling: "CT01", contexts: [(1, 0, PDUBuilder.implicitLittleEndian)]),
                time: time(13)),
            Segment(direction: .responder, bytes: PDUBuilder.abort(source: 2, reason: 2), time: time(14)),
        ]
        return segments
    }
}
