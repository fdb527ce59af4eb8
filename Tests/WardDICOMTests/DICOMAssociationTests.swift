import Testing
import WardCore
import WardTestSupport

@testable import WardDICOM

/// Byte-level fixtures: real dcmtk bytes (the C-ECHO association of `dicom-store-query.pcap`, copied as hex) and
/// builder-made RQ/AC/RJ/RELEASE/ABORT/P-DATA, with the record fields each must produce.
@Suite struct DICOMAssociationTests {
    // echoscu (dcmtk 3.6.7) → dcmqrscp, frames 6, 8, 10+12, 14+16, 18, 19 of dicom-store-query.pcap.
    static let echoRequest = hex("""
        0100000000cd000100005041435331202020202020202020202043543031202020202020202020202020
        0000000000000000000000000000000000000000000000000000000000000000
        10000015312e322e3834302e31303030382e332e312e312e3120
        00002e0100ff0030000011312e322e3834302e31303030382e312e3140000011312e322e3834302e31303030382e312e32
        5000003a51000004000040005200001b312e322e3237362e302e373233303031302e332e302e332e362e37
        5500000f4f464649535f44434d544b5f333637
        """)
    static let echoAccept = hex("""
        0200000000b8000100005041435331202020202020202020202043543031202020202020202020202020
        0000000000000000000000000000000000000000000000000000000000000000
        10000015312e322e3834302e31303030382e332e312e312e31
        210000190100000040000011312e322e3834302e31303030382e312e32
        5000003a51000004000010005200001b312e322e3237362e302e373233303031302e332e302e332e362e37
        5500000f4f464649535f44434d544b5f333637
        """)
    static let echoCommand = hex("""
        04000000004a000000460103
        0000000004000000380000000000020012000000312e322e3834302e31303030382e312e3100000000010200000030000000
        100102000000010000000008020000000101
        """)
    static let echoResponse = hex("""
        040000000054000000500103
        0000000004000000420000000000020012000000312e322e3834302e31303030382e312e3100000000010200000030800000
        20010200000001000000000802000000010100000009020000000000
        """)
    static let release = hex("05000000000400000000")
    static let releaseResponse = hex("06000000000400000000")

    static var echoSegments: [Segment] {
        [
            Segment(direction: .originator, bytes: echoRequest, time: Scripts.time(1)),
            Segment(direction: .responder, bytes: echoAccept, time: Scripts.time(2)),
            Segment(direction: .originator, bytes: echoCommand, time: Scripts.time(3)),
            Segment(direction: .responder, bytes: echoResponse, time: Scripts.time(4)),
            Segment(direction: .originator, bytes: release, time: Scripts.time(5)),
            Segment(direction: .responder, bytes: releaseResponse, time: Scripts.time(6)),
        ]
    }

    @Test func decodesRealAssociateRequest() throws {
        var anomalies = DICOMAnomalyCounts()
        let pdu = try Self.echoRequest.withUnsafeBytes { raw throws(DICOMAssociatePDU.DecodeFailure) in
            try DICOMAssociatePDU.decode(
                raw.bytes.extracting(6..<raw.count), isAccept: false, limits: DICOMLimits(), anomalies: &anomalies)
        }
        #expect(pdu.protocolVersion == 1)
        #expect(pdu.callingAE == "CT01")
        #expect(pdu.calledAE == "PACS1")
        #expect(pdu.applicationContext == "1.2.840.10008.3.1.1.1")
        let context = try #require(pdu.presentationContexts.first)
        #expect(pdu.presentationContexts.count == 1 && context.id == 1 && context.result == nil)
        #expect(pdu.abstractSyntax(of: context) == "1.2.840.10008.1.1")
        #expect(pdu.transferSyntaxes(of: context) == ["1.2.840.10008.1.2"])
        #expect(pdu.maximumPDULength == 16384)
        #expect(pdu.implementationClassUID == "1.2.276.0.7230010.3.0.3.6.7")
        #expect(pdu.implementationVersion == "OFFIS_DCMTK_367")
        #expect(pdu.userIdentityType == nil)
        #expect(anomalies.total == 0)
    }

    @Test func recordsRealEchoAssociation() throws {
        let (records, analyzer) = Harness.run(Self.echoSegments)
        let record = try #require(records.first)
        #expect(records.count == 1)
        #expect(record.callingAE == "CT01" && record.calledAE == "PACS1")
        #expect(record.result == .released)
        #expect(record.start == Scripts.time(1) && record.end == Scripts.time(6))
        #expect(record.abstractSyntaxes == ["1.2.840.10008.1.1"])
        #expect(record.transferSyntaxes == ["1.2.840.10008.1.2"])
        #expect(record.requestorMaximumPDULength == 16384 && record.acceptorMaximumPDULength == 4096)
        #expect(record.acceptorImplementationVersion == "OFFIS_DCMTK_367")
        #expect(record.commandCounts.map(\.name) == ["C-ECHO-RQ", "C-ECHO-RSP"])
        #expect(record.statusCounts.map(\.status) == [0])
        #expect(record.affectedSOPClasses == ["1.2.840.10008.1.1"])
        #expect(record.bytes == UInt64(Self.echoCommand.count + Self.echoResponse.count))
        #expect(analyzer.anomalies.total == 0)
        let json = Harness.render(record)
        #expect(json.contains(#""command_counts":{"C-ECHO-RQ":1,"C-ECHO-RSP":1}"#))
        #expect(json.contains(#""status_counts":{"success":1}"#))
        #expect(json.contains(#""result":"released""#))
    }

    /// `receive` says true exactly when a segment closed an association (the release and the abort here); the
    /// engine pops only then.
    @Test func receiveAnswersWhetherRecordsWait() {
        var analyzer = DICOMAnalyzer()
        var closing = 0
        for (index, segment) in Scripts.storeAndMove.enumerated() {
            let queued = segment.bytes.withUnsafeBytes {
                analyzer.receive($0.bytes, direction: segment.direction, at: segment.time)
            }
            let records = Harness.drain(&analyzer)
            #expect(queued == !records.isEmpty, "segment \(index)")
            if queued { closing += 1 }
        }
        #expect(closing == 2)
    }

    @Test func recordsStoreMoveAndAbortWithoutPatientData() throws {
        let (records, analyzer) = Harness.run(Scripts.storeAndMove)
        #expect(records.count == 2)
        let first = try #require(records.first)
        #expect(first.result == .released)
        #expect(first.presentationContextsProposed == 3 && first.presentationContextsAccepted == 2)
        #expect(first.abstractSyntaxes == [PDUBuilder.verification, PDUBuilder.ctImageStorage])
        #expect(first.transferSyntaxes == [PDUBuilder.implicitLittleEndian, PDUBuilder.explicitLittleEndian])
        #expect(first.userIdentityType == 2)
        #expect(first.count(of: "C-STORE-RQ") == 1 && first.count(of: "C-STORE-RSP") == 1)
        #expect(first.count(of: "C-MOVE-RQ") == 1 && first.count(of: "C-MOVE-RSP") == 1)
        #expect(first.instancesStored == 1)  // 0xB000 is a warning: stored with coercion
        #expect(first.moveDestinations == ["WS1"])
        #expect(first.affectedSOPClasses == [PDUBuilder.verification, PDUBuilder.ctImageStorage, PDUBuilder.studyRootMove])
        #expect(first.statusClassCounts.map(\.count) == [1, 1, 1])  // success, warning, failure
        let second = try #require(records.last)
        #expect(second.result == .aborted)
        #expect(second.abort == DICOMAbort(source: 2, reason: 2) && second.abortedBy == .responder)
        #expect(analyzer.anomalies.total == 0)
        for record in records {
            let json = Harness.render(record)
            for secret in ["DOE^JANE", "s3cr3t", "FAKEPID0001", "pixel", "query keys"] {
                #expect(!json.contains(secret), "record leaks \(secret): \(json)")
            }
        }
    }

    @Test func recordsRejection() throws {
        let segments = [
            Segment(
                direction: .originator,
                bytes: PDUBuilder.associateRequest(
                    called: "PACS9", calling: "CT01", contexts: [(1, PDUBuilder.verification, [PDUBuilder.implicitLittleEndian])]),
                time: Scripts.time(1)),
            Segment(direction: .responder, bytes: PDUBuilder.reject(result: 1, source: 1, reason: 7), time: Scripts.time(2)),
        ]
        let (records, analyzer) = Harness.run(segments)
        let record = try #require(records.first)
        #expect(records.count == 1)
        #expect(record.result == .rejected && record.calledAE == "PACS9")
        #expect(record.reject == DICOMAssociateReject(result: 1, source: 1, reason: 7))
        #expect(record.abstractSyntaxes == [PDUBuilder.verification])  // proposed: no AC was seen
        #expect(record.end == Scripts.time(2))
        #expect(Harness.render(record).contains(#""reject_result":1,"reject_source":1,"reject_reason":7"#))
        #expect(analyzer.anomalies.total == 0)
    }

    /// The record names the abstract syntaxes of the accepted contexts, in the accept's order, once each: read
    /// from the request's bytes by context ID (the first context proposing an ID counts).
    @Test func namesAcceptedAbstractSyntaxesInTheAcceptsOrder() throws {
        let request = PDUBuilder.associateRequest(
            called: "PACS1", calling: "CT01",
            contexts: [
                (1, PDUBuilder.verification, [PDUBuilder.implicitLittleEndian]),
                (3, PDUBuilder.ctImageStorage, [PDUBuilder.explicitLittleEndian]),
                (5, PDUBuilder.ctImageStorage, [PDUBuilder.implicitLittleEndian]),
                (7, PDUBuilder.studyRootMove, [PDUBuilder.implicitLittleEndian]),
                (7, PDUBuilder.verification, [PDUBuilder.implicitLittleEndian]),
                (9, "DOE^JANE", [PDUBuilder.implicitLittleEndian]),
            ])
        let accept = PDUBuilder.associateAccept(
            called: "PACS1", calling: "CT01",
            contexts: [
                (7, 0, PDUBuilder.implicitLittleEndian), (5, 0, PDUBuilder.implicitLittleEndian),
                (3, 0, PDUBuilder.explicitLittleEndian), (1, 3, PDUBuilder.implicitLittleEndian),
                (9, 0, PDUBuilder.implicitLittleEndian), (11, 0, PDUBuilder.implicitLittleEndian),
            ])
        let (records, analyzer) = Harness.run([
            Segment(direction: .originator, bytes: request, time: Scripts.time(1)),
            Segment(direction: .responder, bytes: accept, time: Scripts.time(2)),
        ])
        let record = try #require(records.first)
        #expect(record.abstractSyntaxes == [PDUBuilder.studyRootMove, PDUBuilder.ctImageStorage])
        #expect(record.transferSyntaxes == [PDUBuilder.implicitLittleEndian, PDUBuilder.explicitLittleEndian])
        #expect(record.presentationContextsProposed == 6 && record.presentationContextsAccepted == 5)
        #expect(analyzer.anomalies[.invalidUID] == 1)
    }

    @Test func finishEmitsOpenAssociationAsFarAsKnown() throws {
        let requestOnly = Array(Self.echoSegments.prefix(1))
        #expect(Harness.run(requestOnly).records.map(\.result) == [.incomplete])
        let accepted = Array(Self.echoSegments.prefix(4))
        let record = try #require(Harness.run(accepted).records.first)
        #expect(record.result == .accepted && record.end == PacketTime(nanoseconds: 999_000))
    }

    /// Event sequences into the state machine and the records (or anomalies) that must come out.
    @Test(arguments: [
        (["rq", "ac", "relrq", "relrp"], [DICOMAssociationResult.released], 0),
        (["rq", "rj"], [.rejected], 0),
        (["rq", "ac", "abort"], [.aborted], 0),
        (["rq", "abort"], [.aborted], 0),
        (["rq", "ac", "rq", "ac", "relrq", "relrp"], [.accepted, .released], 1),
        (["ac"], [], 1),
        (["relrp"], [], 1),
        (["rq", "relrq"], [.incomplete], 1),
        (["rq", "ac", "relrq", "relrq", "relrp"], [.released], 0),
        (["rq", "ac", "relrp"], [.accepted], 1),
    ])
    func stateMachineSequences(events: [String], results: [DICOMAssociationResult], anomalies: Int) {
        var machine = DICOMAssociationStateMachine()
        let request = DICOMAssociatePDU(isAccept: false, protocolVersion: 1, calledAE: "B", callingAE: "A")
        let accept = DICOMAssociatePDU(isAccept: true, protocolVersion: 1, calledAE: "B", callingAE: "A")
        var produced: [DICOMAssociationResult] = []
        var raised = 0
        for (index, event) in events.enumerated() {
            let time = Scripts.time(index)
            let action: DICOMAssociationStateMachine.Action
            switch event {
            case "rq": action = machine.associateRequest(request, body: [], at: time)
            case "ac": action = machine.associateAccept(accept, at: time)
            case "rj": action = machine.associateReject(DICOMAssociateReject(result: 1, source: 1, reason: 1), at: time)
            case "relrq": action = machine.releaseRequest(at: time)
            case "relrp": action = machine.releaseResponse(at: time)
            default: action = machine.abort(DICOMAbort(source: 0, reason: 0), from: .originator, at: time)
            }
            if let record = action.record { produced.append(record.result) }
            if action.anomaly != nil { raised += 1 }
        }
        if let record = machine.finish(at: Scripts.time(99)).record { produced.append(record.result) }
        #expect(produced == results)
        #expect(raised == anomalies)
    }

    @Test func decodesCommandSet() throws {
        let bytes = PDUBuilder.command(
            0x0021, sopClass: PDUBuilder.studyRootMove, messageID: 7, dataSet: true, moveDestination: "WS1")
        let command = try bytes.withUnsafeBytes { raw throws(DICOMCommandSet.DecodeFailure) in
            try DICOMCommandSet.decode(raw.bytes)
        }
        #expect(command.commandField == .cMoveRequest && command.commandField?.name == "C-MOVE-RQ")
        #expect(command.messageID == 7 && command.dataSetType == 0)
        #expect(command.moveDestination.map { String(decoding: bytes[$0], as: UTF8.self) } == "WS1")
        #expect(command.affectedSOPClass.map { String(decoding: bytes[$0], as: UTF8.self) } == PDUBuilder.studyRootMove)
        // Every truncation of a command set is rejected or still yields only in-bounds ranges.
        for length in 0..<bytes.count {
            let prefix = Array(bytes[..<length])
            let result = prefix.withUnsafeBytes { raw in Result { () throws(DICOMCommandSet.DecodeFailure) in try DICOMCommandSet.decode(raw.bytes) } }
            if case .success(let partial) = result {
                #expect((partial.affectedSOPClass?.upperBound ?? 0) <= length)
            }
        }
    }

    @Test(arguments: [
        (UInt16(0x0001), "C-STORE-RQ"), (0x8001, "C-STORE-RSP"), (0x0010, "C-GET-RQ"), (0x8020, "C-FIND-RSP"),
        (0x0FFF, "C-CANCEL-RQ"), (0x0100, "N-EVENT-REPORT-RQ"), (0x8150, "N-DELETE-RSP"), (0x1234, "UNKNOWN-0x1234"),
        (0x8FFF, "UNKNOWN-0x8FFF"),
    ])
    func namesCommandFields(raw: UInt16, name: String) {
        #expect(DICOMCommandField(rawValue: raw).name == name)
    }
}
