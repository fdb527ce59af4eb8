import Testing
import WardCore
import WardTestSupport

@testable import WardDICOM

/// Truncation sweeps, probes, and random input: nothing may trap, and truncation must be noticed.
@Suite struct DICOMHostileInputTests {
    static let request = PDUBuilder.associateRequest(
        called: "PACS1", calling: "CT01",
        contexts: [
            (1, PDUBuilder.verification, [PDUBuilder.implicitLittleEndian]),
            (3, PDUBuilder.ctImageStorage, [PDUBuilder.explicitLittleEndian]),
        ],
        identity: .init(type: 1, primary: "operator", secondary: ""))

    @Test func everyPrefixOfAnAssociateRequest() {
        for length in 0...Self.request.count {
            var analyzer = DICOMAnalyzer()
            Array(Self.request[..<length]).withUnsafeBytes {
                _ = analyzer.receive($0.bytes, direction: .originator, at: .zero)
            }
            analyzer.finish(at: .zero)
            let record = analyzer.popRecord()
            if length == Self.request.count {
                #expect(record?.callingAE == "CT01" && record?.result == .incomplete)
                #expect(analyzer.anomalies.total == 0)
            } else {
                #expect(record == nil, "prefix \(length)")
                #expect(analyzer.anomalies[.truncatedPDU] == (length == 0 ? 0 : 1), "prefix \(length)")
            }
        }
    }

    @Test func everyPrefixOfAnAssociateRequestBody() {
        let body = Array(Self.request[6...])
        // Item boundaries, where a cut leaves only whole items.
        var boundaries: Set<Int> = [DICOMAssociatePDU.fixedLength]
        var offset = DICOMAssociatePDU.fixedLength
        while offset + 4 <= body.count {
            offset += 4 + Int(body[offset + 2]) << 8 + Int(body[offset + 3])
            boundaries.insert(offset)
        }
        for length in 0...body.count {
            var anomalies = DICOMAnomalyCounts()
            let prefix = Array(body[..<length])
            let result = prefix.withUnsafeBytes { raw in
                Result { () throws(DICOMAssociatePDU.DecodeFailure) in
                    try DICOMAssociatePDU.decode(raw.bytes, isAccept: false, limits: DICOMLimits(), anomalies: &anomalies)
                }
            }
            switch result {
            case .failure:
                #expect(length < DICOMAssociatePDU.fixedLength)
            case .success(let pdu):
                #expect(length >= DICOMAssociatePDU.fixedLength)
                #expect(pdu.callingAE == "CT01")
                #expect((anomalies[.truncatedItem] == 0) == boundaries.contains(length), "prefix \(length)")
            }
        }
    }

    /// A request decoded for its abstract syntaxes' places only counts the anomalies a full decode counts, and
    /// finds each context's abstract syntax where the full decode read it: on every prefix, with hostile items.
    @Test func rangesOnlyDecodeAgreesWithTheFullDecode() {
        var capped = DICOMLimits()
        capped.maximumPresentationContexts = 3
        capped.maximumUIDLength = 20
        let hostile = PDUBuilder.associateRequest(
            called: "B", calling: "A",
            contexts: [
                (1, PDUBuilder.verification, [PDUBuilder.implicitLittleEndian, "1.2.x", PDUBuilder.explicitLittleEndian]),
                (3, "DOE^JANE", [PDUBuilder.implicitLittleEndian]),
                (5, "1.2.840.10008.5.1.4.1.1.2.1.2.3.4", ["", PDUBuilder.implicitLittleEndian]),
                (7, PDUBuilder.ctImageStorage, [PDUBuilder.implicitLittleEndian]),
            ])
        for (request, limits) in [(Self.request, DICOMLimits()), (hostile, capped)] {
            let body = Array(request[6...])
            for length in DICOMAssociatePDU.fixedLength...body.count {
                body[..<length].withUnsafeBytes { raw in
                    var fullAnomalies = DICOMAnomalyCounts()
                    var rangesAnomalies = DICOMAnomalyCounts()
                    guard
                        let full = try? DICOMAssociatePDU.decode(
                            raw.bytes, isAccept: false, limits: limits, anomalies: &fullAnomalies),
                        let ranges = try? DICOMAssociatePDU.decode(
                            raw.bytes, isAccept: false, limits: limits, anomalies: &rangesAnomalies,
                            detail: .abstractSyntaxRanges)
                    else {
                        Issue.record("prefix \(length) not decoded")
                        return
                    }
                    #expect(rangesAnomalies == fullAnomalies, "prefix \(length)")
                    #expect(ranges.abstractSyntaxes.isEmpty && ranges.transferSyntaxes.isEmpty)
                    #expect(ranges.presentationContexts.map(\.id) == full.presentationContexts.map(\.id))
                    #expect(
                        ranges.presentationContexts.map(\.abstractSyntaxRange)
                            == full.presentationContexts.map(\.abstractSyntaxRange), "prefix \(length)")
                    for context in full.presentationContexts {
                        let text = context.abstractSyntaxRange.map { String(decoding: raw[$0], as: UTF8.self) }
                        #expect(text == full.abstractSyntax(of: context))
                    }
                }
            }
        }
    }

    @Test func userIdentityValueIsNeverKept() throws {
        var anomalies = DICOMAnomalyCounts()
        let pdu = try Self.request.withUnsafeBytes { raw throws(DICOMAssociatePDU.DecodeFailure) in
            try DICOMAssociatePDU.decode(raw.bytes.extracting(6..<raw.count), isAccept: false, limits: DICOMLimits(), anomalies: &anomalies)
        }
        #expect(pdu.userIdentityType == 1)
        #expect(!String(describing: pdu).contains("operator"))
    }

    @Test func tooManyContextsAndBadUIDsAreCapped() throws {
        var limits = DICOMLimits()
        limits.maximumPresentationContexts = 2
        limits.maximumUIDLength = 20
        let request = PDUBuilder.associateRequest(
            called: "B", calling: "A",
            contexts: [
                (1, PDUBuilder.verification, [PDUBuilder.implicitLittleEndian]),
                (3, "DOE^JANE", [PDUBuilder.implicitLittleEndian]),
                (5, PDUBuilder.ctImageStorage, [PDUBuilder.implicitLittleEndian]),
            ])
        var anomalies = DICOMAnomalyCounts()
        let pdu = try request.withUnsafeBytes { raw throws(DICOMAssociatePDU.DecodeFailure) in
            try DICOMAssociatePDU.decode(raw.bytes.extracting(6..<raw.count), isAccept: false, limits: limits, anomalies: &anomalies)
        }
        #expect(pdu.presentationContexts.count == 2)
        #expect(pdu.presentationContexts.map { pdu.abstractSyntax(of: $0) } == [PDUBuilder.verification, nil])
        #expect(anomalies[.tooManyPresentationContexts] == 1)
        #expect(anomalies[.invalidUID] == 1)
        #expect(anomalies[.uidTooLong] == 1)  // the application context (21 characters)
    }

    @Test func probes() {
        func probe(_ bytes: [UInt8], _ direction: StreamDirection) -> ProbeResult {
            bytes.withUnsafeBytes { DICOMAnalyzer.probe($0.bytes, direction: direction) }
        }
        #expect(probe(Self.request, .originator) == .match)
        #expect(probe(DICOMAssociationTests.echoRequest, .originator) == .match)
        #expect(probe(Array(Self.request.prefix(7)), .originator) == .needMoreBytes)
        #expect(probe([], .originator) == .needMoreBytes)
        #expect(probe(Self.request, .responder) == .noMatch)
        #expect(probe(Array("GET / HTTP/1.1\r\n".utf8), .originator) == .noMatch)
        #expect(probe([0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01], .originator) == .noMatch)
        #expect(probe([0x01, 0x00, 0x00, 0x00, 0x00, 0xCD, 0x00, 0x00], .originator) == .noMatch)
        #expect(probe(DICOMAssociationTests.echoAccept, .responder) == .match)
        #expect(probe(PDUBuilder.reject(result: 1, source: 1, reason: 7), .responder) == .match)
        #expect(probe(PDUBuilder.abort(source: 0, reason: 0), .responder) == .match)
        #expect(probe([0x16, 0x03, 0x01, 0x02, 0x00, 0x01], .responder) == .noMatch)
    }

    @Test func randomChunksNeverTrap() {
        var generator = SeededGenerator(state: 0x5EED_D1C0)
        var analyzer = DICOMAnalyzer()
        var records = 0
        for step in 0..<10_000 {
            let length = Int.random(in: 0...96, using: &generator)
            var chunk = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Bias towards plausible PDU starts so that deep states are reached.
            if length >= 6, Bool.random(using: &generator) {
                chunk[0] = UInt8.random(in: 1...7, using: &generator)
                chunk[1] = 0
                chunk[2] = 0
                chunk[3] = 0
            }
            let direction: StreamDirection = Bool.random(using: &generator) ? .originator : .responder
            chunk.withUnsafeBytes {
                _ = analyzer.receive($0.bytes, direction: direction, at: PacketTime(nanoseconds: Int64(step)))
            }
            if step % 997 == 0 { analyzer.gap(length: Int.random(in: 1...5000, using: &generator), direction: direction) }
            while analyzer.popRecord() != nil { records += 1 }
            #expect(analyzer.framer(direction).bodyCapacity <= DICOMLimits().maximumAssociatePDUBytes)
        }
        analyzer.finish(at: PacketTime(nanoseconds: 10_000))
        #expect(analyzer.anomalies.total > 0)
    }

    @Test func mutatedValidStreamsNeverTrap() {
        var generator = SeededGenerator(state: 42)
        let segments = Scripts.storeAndMove
        for _ in 0..<300 {
            var analyzer = DICOMAnalyzer()
            for segment in segments {
                var bytes = segment.bytes
                for _ in 0..<Int.random(in: 0...3, using: &generator) where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                var cursor = 0
                while cursor < bytes.count {
                    let take = min(bytes.count - cursor, Int.random(in: 1...64, using: &generator))
                    Harness.feed(&analyzer, Array(bytes[cursor..<(cursor + take)]), segment)
                    cursor += take
                }
            }
            analyzer.finish(at: Scripts.time(99))
            for record in Harness.drain(&analyzer) {
                #expect(!Harness.render(record).contains("DOE^JANE"))
            }
        }
    }
}
