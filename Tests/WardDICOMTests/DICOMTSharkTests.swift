import Foundation
import Testing
import WardCore
import WardTestSupport

@testable import WardDICOM

/// Real-peer cross-check: the dcmtk captures are reassembled per TCP stream and direction, fed to the analyzer
/// packet by packet in capture order, and the records are compared with Wireshark's DICOM dissector.
@Suite struct DICOMTSharkTests {
    /// What tshark says about one TCP stream.
    struct Expected: Equatable {
        var associations: [[String]] = []  // [calling, called] per A-ASSOCIATE-RQ
        var reject: [Int]?  // result, source, reason
        var abort: [Int]?  // source, reason
        var commands: [String] = []  // DIMSE command names, in order
        var statuses: [UInt16: Int] = [:]
        var moveDestinations: [String] = []
    }

    static let captures = [
        "dicom/dicom-store-query.pcap", "dicom/dicom-reject-abort.pcap", "dicom/dicom-ct-study.pcap",
    ]
    static let decodeAs = ["-d", "tcp.port==11112,dicom", "-d", "tcp.port==104,dicom"]

    static func tshark() throws -> String {
        try #require(which("tshark"), "tshark is required: run `make setup` (Scripts/setup.sh)")
    }

    /// tshark's view: fields for association PDUs, and the verbose tree for DIMSE command fields.
    static func expected(_ path: String) throws -> [Int: Expected] {
        let tshark = try tshark()
        var result: [Int: Expected] = [:]
        let fields = try runCommand(
            tshark,
            ["-n", "-r", path] + decodeAs + [
                "-Y", "dicom", "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=;",
                "-e", "frame.number", "-e", "tcp.stream", "-e", "dicom.pdu.type", "-e", "dicom.assoc.ae.calling",
                "-e", "dicom.assoc.ae.called", "-e", "dicom.assoc.reject.result", "-e", "dicom.assoc.reject.source",
                "-e", "dicom.assoc.reject.reason", "-e", "dicom.assoc.abort.source", "-e", "dicom.assoc.abort.reason",
            ])
        #expect(fields.status == 0, "tshark failed: \(fields.error)")
        var streamOfFrame: [Int: Int] = [:]
        for line in fields.output.split(separator: "\n") {
            let column = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard column.count == 10, let frame = Int(column[0]), let stream = Int(column[1]) else { continue }
            streamOfFrame[frame] = stream
            var entry = result[stream] ?? Expected()
            let types = column[2].split(separator: ";")
            let calling = column[3].split(separator: ";", omittingEmptySubsequences: false)
            let called = column[4].split(separator: ";", omittingEmptySubsequences: false)
            var assocIndex = 0
            for type in types {
                if type == "0x01" {
                    entry.associations.append([
                        calling[assocIndex].trimmingCharacters(in: .whitespaces),
                        called[assocIndex].trimmingCharacters(in: .whitespaces),
                    ])
                }
                if type == "0x01" || type == "0x02" { assocIndex += 1 }
            }
            if !column[5].isEmpty { entry.reject = [column[5], column[6], column[7]].compactMap { Int($0) } }
            if !column[8].isEmpty { entry.abort = [column[8], column[9]].compactMap { Int($0) } }
            result[stream] = entry
        }
        // DIMSE commands from the verbose tree: "(0000,0100)  2 Command Field   C-FIND-RSP".
        let verbose = try runCommand(tshark, ["-n", "-r", path] + decodeAs + ["-Y", "dicom", "-V"])
        #expect(verbose.status == 0)
        var frame = 0
        for line in verbose.output.split(separator: "\n") {
            if line.hasPrefix("Frame "), let number = Int(line.dropFirst(6).prefix { $0.isNumber }) { frame = number }
            guard let stream = streamOfFrame[frame] else { continue }
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("(0000,0100)"), let name = text.split(separator: " ").last {
                result[stream]?.commands.append(String(name))
            } else if text.hasPrefix("(0000,0900)"), let open = text.lastIndex(of: "("),
                let status = UInt16(text[text.index(open, offsetBy: 3)...].dropLast(), radix: 16)
            {
                result[stream]?.statuses[status, default: 0] += 1
            } else if text.hasPrefix("(0000,0600)") {
                let destination = text.components(separatedBy: "Move Destination").last ?? ""
                result[stream]?.moveDestinations.append(destination.trimmingCharacters(in: .whitespaces))
            }
        }
        return result
    }

    struct Packet {
        var frame: Int
        var time: PacketTime
        var stream: Int
        var sourcePort: Int
        var isSYN: Bool
        var sequence: Int
        var payload: [UInt8]
    }

    /// Every TCP packet of the capture, in order.
    static func packets(_ path: String) throws -> [Packet] {
        let result = try runCommand(
            try tshark(),
            [
                "-n", "-r", path, "-o", "tcp.analyze_sequence_numbers:TRUE", "-T", "fields", "-E", "separator=|",
                "-e", "frame.number", "-e", "frame.time_epoch", "-e", "tcp.stream", "-e", "tcp.srcport",
                "-e", "tcp.flags.syn", "-e", "tcp.flags.ack", "-e", "tcp.seq", "-e", "tcp.payload", "tcp",
            ])
        #expect(result.status == 0, "tshark failed: \(result.error)")
        return result.output.split(separator: "\n").compactMap { line in
            let column = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard column.count == 8, let frame = Int(column[0]), let seconds = Double(column[1]),
                let stream = Int(column[2]), let port = Int(column[3]), let sequence = Int(column[6])
            else { return nil }
            let isSYN = (column[4] == "1" || column[4] == "True") && (column[5] == "0" || column[5] == "False")
            return Packet(
                frame: frame, time: PacketTime(nanoseconds: Int64(seconds * 1e9)), stream: stream, sourcePort: port,
                isSYN: isSYN, sequence: sequence, payload: hex(column[7]))
        }
    }

    /// Feeds each stream's bytes in sequence order as they become contiguous (out-of-order segments wait,
    /// retransmitted bytes are trimmed), one chunk per packet, in capture order.
    static func analyze(_ path: String) throws -> [Int: (records: [DICOMAssociationRecord], anomalies: DICOMAnomalyCounts)] {
        let packets = try packets(path)
        var originatorPort: [Int: Int] = [:]
        for packet in packets where packet.isSYN && originatorPort[packet.stream] == nil {
            originatorPort[packet.stream] = packet.sourcePort
        }
        var analyzers: [Int: DICOMAnalyzer] = [:]
        var nextSequence: [String: Int] = [:]
        var pending: [String: [(sequence: Int, bytes: [UInt8])]] = [:]
        var lastTime: [Int: PacketTime] = [:]
        for packet in packets {
            lastTime[packet.stream] = packet.time
            guard !packet.payload.isEmpty else { continue }
            let direction: StreamDirection = originatorPort[packet.stream] == packet.sourcePort ? .originator : .responder
            let key = "\(packet.stream)/\(direction)"
            pending[key, default: []].append((packet.sequence, packet.payload))
            var next = nextSequence[key] ?? 1  // relative sequence numbers: the first payload byte is 1
            var analyzer = analyzers[packet.stream] ?? DICOMAnalyzer()
            var progressed = true
            while progressed {
                progressed = false
                for (index, segment) in (pending[key] ?? []).enumerated() where segment.sequence <= next {
                    let skip = next - segment.sequence
                    if skip < segment.bytes.count {
                        let fresh = Array(segment.bytes[skip...])
                        fresh.withUnsafeBytes { _ = analyzer.receive($0.bytes, direction: direction, at: packet.time) }
                        next += fresh.count
                    }
                    pending[key]?.remove(at: index)
                    progressed = true
                    break
                }
            }
            nextSequence[key] = next
            analyzers[packet.stream] = analyzer
        }
        var result: [Int: ([DICOMAssociationRecord], DICOMAnomalyCounts)] = [:]
        for (stream, var analyzer) in analyzers {
            #expect(pending["\(stream)/originator", default: []].isEmpty && pending["\(stream)/responder", default: []].isEmpty)
            analyzer.finish(at: lastTime[stream] ?? .zero)
            result[stream] = (Harness.drain(&analyzer), analyzer.anomalies)
        }
        return result
    }

    @Test(arguments: captures)
    func agreesWithWiresharkDissector(capture: String) throws {
        let path = Fixtures.capture(capture)
        let expected = try Self.expected(path)
        let ours = try Self.analyze(path)
        #expect(!expected.isEmpty)
        // The oracle itself must have content, or the comparison below proves nothing.
        #expect(expected.values.allSatisfy { !$0.associations.isEmpty })
        #expect(expected.values.map(\.commands.count).reduce(0, +) >= (capture.contains("store") ? 25 : 3))
        if ProcessInfo.processInfo.environment["DICOM_TSHARK_DEBUG"] != nil {
            for stream in expected.keys.sorted() { print("tshark \(capture) \(stream): \(String(describing: expected[stream]))") }
        }
        #expect(Set(ours.keys) == Set(expected.keys), "DICOM streams of \(capture)")
        for (stream, theirs) in expected {
            guard let (records, anomalies) = ours[stream] else { continue }
            var mine = Expected()
            mine.associations = records.map { [$0.callingAE, $0.calledAE] }
            if let reject = records.compactMap(\.reject).first {
                mine.reject = [Int(reject.result), Int(reject.source), Int(reject.reason)]
            }
            if let abort = records.compactMap(\.abort).first { mine.abort = [Int(abort.source), Int(abort.reason)] }
            for record in records {
                for (status, count) in record.statusCounts { mine.statuses[status, default: 0] += count }
                mine.moveDestinations += record.moveDestinations
            }
            // Commands: the record keeps counts in order of first appearance; compare with tshark's sequence.
            var order: [String] = []
            var counts: [String: Int] = [:]
            for name in theirs.commands {
                if counts[name] == nil { order.append(name) }
                counts[name, default: 0] += 1
            }
            let ourCommands = records.flatMap(\.commandCounts)
            #expect(ourCommands.map(\.name) == order, "command order in \(capture) stream \(stream)")
            #expect(ourCommands.map(\.count) == order.map { counts[$0] ?? 0 }, "command counts in \(capture) stream \(stream)")
            mine.commands = theirs.commands
            #expect(mine == theirs, "\(capture) stream \(stream)")
            // The killed storescu ends inside a P-DATA-TF: that, and nothing else, is irregular.
            let irregular = anomalies.nonZero.map(\.anomaly.description)
            #expect(irregular.allSatisfy { $0 == "dicom_truncated_pdu" }, "\(capture) stream \(stream): \(irregular)")
        }
    }

    @Test func recordsExpectedResultsForEveryAssociation() throws {
        let store = try Self.analyze(Fixtures.capture("dicom/dicom-store-query.pcap"))
        let results = store.keys.sorted().flatMap { stream in store[stream]?.records.map(\.result) ?? [] }
        #expect(results == Array(repeating: DICOMAssociationResult.released, count: 6))
        let stored = store.values.flatMap(\.records).map(\.instancesStored).reduce(0, +)
        #expect(stored == 4 + 2 + 1)  // storescu x4, C-MOVE sub-operations x2, C-GET sub-operation x1
        #expect(store.values.flatMap(\.records).allSatisfy { $0.transferSyntaxes.allSatisfy { $0.hasPrefix("1.2.840.10008.1.2") } })
        let reject = try Self.analyze(Fixtures.capture("dicom/dicom-reject-abort.pcap"))
        let rejectResults = reject.keys.sorted().flatMap { stream in reject[stream]?.records.map(\.result) ?? [] }
        #expect(rejectResults == [.rejected, .aborted, .aborted])
        // No patient data reaches any record.
        let canaries = try String(contentsOfFile: Fixtures.capture("PRIVACY-CANARIES.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }
        #expect(!canaries.isEmpty)
        for record in (store.values.flatMap(\.records) + reject.values.flatMap(\.records)) {
            let json = Harness.render(record)
            for canary in canaries { #expect(!json.contains(canary), "record leaks \(canary)") }
        }
    }
}
