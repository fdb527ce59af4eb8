import Foundation
import Testing
import WardTestSupport

/// The analyzers see the same stream whatever the network did to the segments: a real DICOM capture with its
/// data segments swapped pairwise within each direction and some retransmitted gives the same association records as the original.
@Suite struct ReassemblyTests {
    /// The records of a classic little-endian pcap file (header, then (header, bytes) per packet).
    static func records(of data: Data) -> (header: Data, packets: [Data]) {
        var packets: [Data] = []
        var offset = 24
        while offset + 16 <= data.count {
            let captured = Int(data[offset + 8]) | Int(data[offset + 9]) << 8 | Int(data[offset + 10]) << 16
                | Int(data[offset + 11]) << 24
            packets.append(data[offset..<(offset + 16 + captured)])
            offset += 16 + captured
        }
        return (data.prefix(24), packets)
    }

    /// The source address and port of an Ethernet/IPv4/TCP record (bytes 26…29 and the TCP source port).
    static func sender(_ record: Data) -> Data {
        let frame = record.dropFirst(16)
        let base = frame.startIndex
        let ipHeader = Int(frame[base + 14] & 0x0F) * 4
        return frame[(base + 26)..<(base + 30)] + frame[(base + 14 + ipHeader)..<(base + 16 + ipHeader)]
    }

    /// Whether an Ethernet/IPv4/TCP record carries TCP payload.
    static func carriesPayload(_ record: Data) -> Bool {
        let frame = record.dropFirst(16)
        let base = frame.startIndex
        guard frame.count > 54, frame[base + 12] == 0x08, frame[base + 13] == 0x00, frame[base + 23] == 6 else {
            return false
        }
        let ipHeader = Int(frame[base + 14] & 0x0F) * 4
        let total = Int(frame[base + 16]) << 8 | Int(frame[base + 17])
        let tcpHeader = Int(frame[base + 14 + ipHeader + 12] >> 4) * 4
        return total - ipHeader - tcpHeader > 0
    }

    static func dicomRecords(_ path: String) throws -> [String] {
        let (_, events) = try ReplayHarness.replay([path], flows: false)
        return events.compactMap { event -> String? in
            guard let dicom = event["dicom"] as? [String: Any] else { return nil }
            let keys = ["calling_ae", "called_ae", "result", "command_counts", "status_codes", "instances_stored", "bytes"]
            let selected = keys.map { key -> String in
                if let counts = dicom[key] as? [String: Any] {
                    return "\(key)=" + counts.keys.sorted().map { "\($0):\(counts[$0]!)" }.joined(separator: ",")
                }
                return "\(key)=\(String(describing: dicom[key] ?? "-"))"
            }
            return selected.joined(separator: " ")
        }.sorted()
    }

    @Test func reorderedAndRetransmittedSegmentsGiveTheSameRecords() throws {
        let original = Fixtures.capture("dicom/dicom-store-query.pcap")
        let (header, packets) = Self.records(of: try Data(contentsOf: URL(fileURLWithPath: original)))
        var mangled: [Data] = []
        var index = 0
        var swaps = 0
        while index < packets.count {
            // Reordering happens within one direction (a response never overtakes its request on the wire).
            if index + 1 < packets.count && Self.carriesPayload(packets[index]) && Self.carriesPayload(packets[index + 1])
                && Self.sender(packets[index]) == Self.sender(packets[index + 1])
            {
                mangled += [packets[index + 1], packets[index]]  // the later segment first
                if swaps % 3 == 0 { mangled.append(packets[index]) }  // and sometimes a retransmission
                swaps += 1
                index += 2
            } else {
                mangled.append(packets[index])
                index += 1
            }
        }
        #expect(swaps >= 20)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("reordered.pcap").path
        var file = header
        for packet in mangled { file.append(packet) }
        try file.write(to: URL(fileURLWithPath: path))

        let expected = try Self.dicomRecords(original)
        #expect(expected.count == 6)
        #expect(try Self.dicomRecords(path) == expected)
    }
}
