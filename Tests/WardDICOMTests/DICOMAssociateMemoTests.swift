import Testing
import WardCore
@testable import WardDICOM

/// Connections that share an A-ASSOCIATE memo give the same records and anomalies as connections that decode every
/// body, and the memo answers only for the same bytes, PDU type and limits.
@Suite struct DICOMAssociateMemoTests {
    /// A request with anomalies (a non-UID abstract syntax, a bad and an empty transfer syntax) and its accept, which
    /// does not depend on `abstract`, the abstract syntax of context 5.
    static func hostileAssociation(calling: String, abstract: String = PDUBuilder.ctImageStorage) -> [Segment] {
        [
            Segment(
                direction: .originator,
                bytes: PDUBuilder.associateRequest(
                    called: "PACS1", calling: calling,
                    contexts: [
                        (1, PDUBuilder.verification, [PDUBuilder.implicitLittleEndian, "1.2.x"]),
                        (3, "DOE^JANE", [PDUBuilder.implicitLittleEndian]),
                        (5, abstract, ["", PDUBuilder.explicitLittleEndian]),
                    ]),
                time: Scripts.time(1)),
            Segment(
                direction: .responder,
                bytes: PDUBuilder.associateAccept(
                    called: "PACS1", calling: calling,
                    contexts: [(1, 0, PDUBuilder.implicitLittleEndian), (5, 0, PDUBuilder.explicitLittleEndian)]),
                time: Scripts.time(2)),
            Segment(direction: .originator, bytes: PDUBuilder.releaseRequest, time: Scripts.time(3)),
            Segment(direction: .responder, bytes: PDUBuilder.releaseResponse, time: Scripts.time(4)),
        ]
    }

    /// Runs each connection on its own analyzer, all sharing `memo`; returns the rendered records and anomalies.
    static func run(_ connections: [[Segment]], memo: inout DICOMAssociateMemo) -> [String] {
        connections.map { segments in
            var analyzer = DICOMAnalyzer()
            for segment in segments {
                segment.bytes.withUnsafeBytes {
                    _ = analyzer.receive($0.bytes, direction: segment.direction, at: segment.time, associations: &memo)
                }
            }
            analyzer.finish(at: Scripts.time(99))
            let records = Harness.drain(&analyzer).map(Harness.render)
            let anomalies = analyzer.anomalies.nonZero.map { "\($0.anomaly.name)=\($0.count)" }
            return (records + anomalies).joined(separator: "\n")
        }
    }

    @Test func sharedMemoGivesTheRecordsAndAnomaliesOfSeparateDecodes() {
        // "CT01" and "CT02" make requests of equal length that differ in one byte: the memo must tell them apart.
        // The last connection's accept is byte for byte the one before it, but answers another request: what it
        // accepted must be worked out again.
        let connections = [
            Scripts.storeAndMove, Self.hostileAssociation(calling: "CT01"), Scripts.storeAndMove,
            Self.hostileAssociation(calling: "CT02"), Self.hostileAssociation(calling: "CT01"),
            Self.hostileAssociation(calling: "CT01", abstract: PDUBuilder.studyRootMove),
        ]
        var unshared = DICOMAssociateMemo(capacity: 0)
        let expected = Self.run(connections, memo: &unshared)
        var memo = DICOMAssociateMemo(capacity: 8)
        let shared = Self.run(connections, memo: &memo)
        #expect(shared == expected)
        #expect(expected[1] != expected[3] && expected[1].contains("invalid"))
        #expect(expected[4].contains(PDUBuilder.ctImageStorage) && expected[5].contains(PDUBuilder.studyRootMove))
        // storeAndMove holds two associations: 4 request and accept bodies decoded, then 4 found; the hostile ones
        // decode 2 + 2, find 2, then decode the new request and find its accept.
        #expect(memo.hits == 7 && memo.misses == 9 && memo.count == 8)
        #expect(unshared.hits == 0 && unshared.count == 0)
    }

    @Test func memoAnswersOnlyForTheSameLimitsAndType() throws {
        let request = Array(Self.hostileAssociation(calling: "CT01")[0].bytes[6...])
        var capped = DICOMLimits()
        capped.maximumPresentationContexts = 1
        var memo = DICOMAssociateMemo(capacity: 2)
        let full = try memo.decode(request, isAccept: false, limits: DICOMLimits())
        let cappedDecode = try memo.decode(request, isAccept: false, limits: capped)
        #expect(memo.misses == 2 && full.pdu.presentationContexts.count == 3)
        #expect(cappedDecode.pdu.presentationContexts.count == 1)
        _ = try memo.decode(request, isAccept: true, limits: DICOMLimits())
        #expect(memo.misses == 3 && memo.hits == 0)
        // The third body replaced the first: the memo holds two.
        _ = try memo.decode(request, isAccept: false, limits: capped)
        _ = try memo.decode(request, isAccept: false, limits: DICOMLimits())
        #expect(memo.hits == 1 && memo.misses == 4 && memo.count == 2)
        #expect(throws: DICOMAssociatePDU.DecodeFailure.truncated) {
            try memo.decode(Array(request[..<10]), isAccept: false, limits: DICOMLimits())
        }
    }
}
