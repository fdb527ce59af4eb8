import Foundation
import Testing
import WardCore
import WardTestSupport
import WardHL7

/// Cross-check against a real peer capture (python-hl7 MLLP client → hl7apy MLLP server on 2575), tshark's HL7
/// dissector, and the capture's expected table.
@Suite struct HL7RealPeerTests {
    static let capture = Fixtures.capture("hl7/hl7-mllp.pcap")
    static let serverPort = "2575"

    struct Payload {
        var stream: Int
        var direction: StreamDirection
        var bytes: [UInt8]
        var time: PacketTime
    }

    /// Every TCP payload in frame order, with its stream, direction (towards 2575 = originator) and time.
    static func payloads(_ tshark: String) throws -> [Payload] {
        let result = try runCommand(tshark, [
            "-n", "-r", capture, "-Y", "tcp.len > 0", "-T", "fields",
            "-e", "frame.time_epoch", "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.payload",
        ])
        #expect(result.status == 0, "tshark failed: \(result.error)")
        return result.output.split(separator: "\n").compactMap { line in
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count == 4, let stream = Int(columns[1]) else { return nil }
            return Payload(
                stream: stream, direction: columns[2] == serverPort ? .responder : .originator,
                bytes: hex(columns[3].replacingOccurrences(of: ":", with: "")), time: packetTime(columns[0]))
        }
    }

    /// `1795663626.881247000` → nanoseconds, exactly.
    static func packetTime(_ text: String) -> PacketTime {
        let parts = text.split(separator: ".")
        let seconds = Int64(parts.first ?? "0") ?? 0
        let fraction = parts.count > 1 ? String(parts[1]).padding(toLength: 9, withPad: "0", startingAt: 0) : "0"
        return PacketTime(seconds: seconds, nanoseconds: Int64(fraction) ?? 0)
    }

    /// Records per stream, feeding payloads to one analyzer per TCP stream in frame order.
    static func analyze(_ payloads: [Payload]) -> [Int: (records: [HL7MessageRecord], anomalies: HL7AnomalyCounts)] {
        var analyzers: [Int: HL7Analyzer] = [:]
        var records: [Int: [HL7MessageRecord]] = [:]
        for payload in payloads {
            var analyzer = analyzers[payload.stream] ?? HL7Analyzer()
            payload.bytes.withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: payload.direction, at: payload.time) }
            while let record = analyzer.popRecord() { records[payload.stream, default: []].append(record) }
            analyzers[payload.stream] = analyzer
        }
        var result: [Int: (records: [HL7MessageRecord], anomalies: HL7AnomalyCounts)] = [:]
        for (stream, var analyzer) in analyzers {
            analyzer.finish(at: payloads.last?.time ?? .zero)
            while let record = analyzer.popRecord() { records[stream, default: []].append(record) }
            result[stream] = (records[stream] ?? [], analyzer.anomalies)
        }
        return result
    }

    /// (stream, MSH-9 components 1-2, MSH-10, MSA-1 or "-") for every message tshark's HL7 dissector decodes.
    static func tsharkMessages(_ tshark: String) throws -> [String] {
        let result = try runCommand(tshark, [
            "-n", "-r", capture, "-d", "tcp.port==\(serverPort),hl7", "-Y", "hl7", "-T", "fields", "-E", "aggregator=;",
            "-e", "tcp.stream", "-e", "hl7.segment",
        ])
        #expect(result.status == 0, "tshark failed: \(result.error)")
        var messages: [String] = []
        for line in result.output.split(separator: "\n") {
            let columns = line.split(separator: "\t", maxSplits: 1).map(String.init)
            guard columns.count == 2 else { continue }
            let segments = columns[1].split(separator: ";").map { segment in
                segment.hasSuffix("\\r") ? String(segment.dropLast(2)) : String(segment)
            }
            guard let msh = segments.first(where: { $0.hasPrefix("MSH") }), msh.count > 8 else { continue }
            let fieldSeparator = msh[msh.index(msh.startIndex, offsetBy: 3)]
            let fields = msh.split(separator: fieldSeparator, omittingEmptySubsequences: false).map(String.init)
            guard fields.count > 9, let componentSeparator = fields[1].first else { continue }
            let type = fields[8].split(separator: componentSeparator, omittingEmptySubsequences: false).prefix(2)
                .joined(separator: "^")
            var ack = "-"
            if let msa = segments.first(where: { $0.hasPrefix("MSA") }) {
                let msaFields = msa.split(separator: fieldSeparator, omittingEmptySubsequences: false)
                if msaFields.count > 1 { ack = String(msaFields[1]) }
            }
            messages.append("\(columns[0]) \(type) \(fields[9]) \(ack)")
        }
        return messages
    }

    @Test func agreesWithTSharkAndTheExpectedTable() throws {
        let tshark = try #require(which("tshark"), "tshark is required: run `make setup` (Scripts/setup.sh)")
        let payloads = try Self.payloads(tshark)
        try #require(!payloads.isEmpty)
        let perStream = Self.analyze(payloads)
        #expect(perStream.keys.sorted() == [0, 1])
        for (stream, outcome) in perStream {
            #expect(outcome.anomalies == HL7AnomalyCounts(), "stream \(stream): \(outcome.anomalies)")
        }

        // 1. tshark's HL7 dissector: same messages, types, control ids and ACK codes, in the same order.
        let ours = perStream.keys.sorted().flatMap { stream in
            perStream[stream, default: ([], HL7AnomalyCounts())].records.map {
                "\(stream) \($0.messageType) \($0.controlID) \($0.ackCode ?? "-")"
            }
        }
        let theirs = try Self.tsharkMessages(tshark)
        #expect(theirs.count == 12)
        #expect(ours == theirs)

        // 2. The expected table written by the capture script.
        let table = try String(contentsOfFile: Fixtures.capture("hl7/hl7-mllp.expected.tsv"), encoding: .utf8)
        let rows = table.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("orig_port") }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 6)
        let all = perStream.values.flatMap(\.records)
        for row in rows {
            try #require(row.count == 10)
            let controlID = row[1]
            let message = try #require(all.first { $0.direction == .originator && $0.controlID == controlID }, "\(controlID)")
            #expect(message.messageType == row[2].split(separator: "^").prefix(2).joined(separator: "^"))
            #expect(message.sendingApplication == row[3])
            #expect(message.sendingFacility == row[4])
            #expect(message.receivingApplication == row[5])
            #expect(message.receivingFacility == row[6])
            #expect(message.messageBytes == Int(row[8]))
            #expect(message.processingID == "T")
            #expect(message.version == "2.5")
            let ack = try #require(all.first { $0.direction == .responder && $0.acknowledgedControlID == controlID })
            #expect(ack.ackCode == row[9])
            #expect(ack.controlID == "ACK" + controlID)
            let latency = try #require(ack.ackLatencyNanoseconds)
            #expect(latency > 0 && latency < 10_000_000_000)
            #expect(ack.time.nanoseconds(since: message.time) == latency)
        }
        // The stream of each row is the one whose originator used that source port.
        let ports = try runCommand(tshark, [
            "-n", "-r", Self.capture, "-Y", "tcp.dstport == \(Self.serverPort) && tcp.len > 0", "-T", "fields",
            "-e", "tcp.stream", "-e", "tcp.srcport",
        ])
        var portOfStream: [Int: String] = [:]
        for line in ports.output.split(separator: "\n") {
            let columns = line.split(separator: "\t").map(String.init)
            if columns.count == 2, let stream = Int(columns[0]) { portOfStream[stream] = columns[1] }
        }
        for row in rows {
            let stream = perStream.first { $0.value.records.contains { $0.controlID == row[1] } }?.key
            #expect(stream.flatMap { portOfStream[$0] } == row[0], "\(row[1])")
        }
    }

    @Test func sameRecordsWhenEachDirectionIsConcatenated() throws {
        let tshark = try #require(which("tshark"))
        let payloads = try Self.payloads(tshark)
        let interleaved = Self.analyze(payloads)
        for stream in interleaved.keys {
            // Per stream and direction, all payloads concatenated, fed as one chunk each (originator first).
            let chunks = [StreamDirection.originator, .responder].map { direction in
                HL7Chunk(
                    direction: direction,
                    bytes: payloads.filter { $0.stream == stream && $0.direction == direction }.flatMap(\.bytes),
                    time: payloads.last?.time ?? .zero)
            }
            let outcome = runAnalyzer(chunks)
            let key = { (records: [HL7MessageRecord]) in
                records.map { "\($0.direction) \($0.messageType) \($0.controlID) \($0.ackCode ?? "-") \($0.messageBytes) \($0.segmentCount)" }
                    .sorted()
            }
            #expect(key(outcome.records) == key(interleaved[stream]?.records ?? []))
            #expect(outcome.anomalies == HL7AnomalyCounts())
        }
    }

    @Test func noPrivacyCanaryInAnyRecord() throws {
        let tshark = try #require(which("tshark"))
        let canaries = try String(contentsOfFile: Fixtures.capture("PRIVACY-CANARIES.txt"), encoding: .utf8)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        #expect(canaries.count > 10)
        let payloads = try Self.payloads(tshark)
        let wire = String(decoding: payloads.flatMap(\.bytes), as: UTF8.self)
        #expect(wire.contains("FAKEPID0001") && wire.contains("DOE^JANE"))  // the check below can fail
        let records = Self.analyze(payloads).values.flatMap(\.records)
        #expect(records.count == 12)
        for record in records {
            let json = renderJSON(record)
            for canary in canaries { #expect(!json.contains(canary), "\(canary) leaked in \(json)") }
        }
    }
}
