import Foundation
import Testing
import WardEngine
import WardOutput
import WardTestSupport

/// Replays of the peer projects' own test captures (Zeek, Suricata, tcpdump, nDPI, pynetdicom; see
/// ../shared/corpus/README.md): nothing crashes, and per-flow packet and frame-byte counts equal the tshark-derived
/// flow tables shipped with the corpus.
@Suite struct CorpusTests {
    static var corpusCaptures: [String] {
        guard let root = Fixtures.corpusRoot else { return [] }
        return Fixtures.files(under: root) { name in
            (name.hasSuffix(".pcap") || name.hasSuffix(".pcapng") || name.hasSuffix(".cap"))
        }.filter { !$0.contains("/_generated_tshark/") }
    }

    struct Counts: Equatable, CustomStringConvertible {
        var packetsLowToHigh = 0
        var bytesLowToHigh = 0
        var packetsHighToLow = 0
        var bytesHighToLow = 0
        var description: String { "\(packetsLowToHigh)/\(bytesLowToHigh) ↔ \(packetsHighToLow)/\(bytesHighToLow)" }

        mutating func add(from: String, packets: Int, bytes: Int, to: String) {
            if from <= to {
                packetsLowToHigh += packets
                bytesLowToHigh += bytes
            } else {
                packetsHighToLow += packets
                bytesHighToLow += bytes
            }
        }
    }

    /// IPv6 next-header values of extension headers (RFC 8200 §4).
    static let ipv6ExtensionHeaders: Set<String> = ["0", "43", "44", "51", "60", "135"]

    static func key(vlan: String, proto: String, _ a: String, _ b: String) -> String {
        "\(vlan) \(proto) \(min(a, b)) \(max(a, b))"
    }

    static func protocolNumber(_ transport: String) -> String {
        switch transport {
        case "tcp": "6"
        case "udp": "17"
        case "icmp": "1"
        case "ipv6-icmp": "58"
        case "gre": "47"
        case "esp": "50"
        case "sctp": "132"
        default: transport
        }
    }

    @Test(.enabled(if: Fixtures.corpusRoot != nil, "needs ../shared/corpus"), arguments: corpusCaptures)
    func flowsMatchTheCorpusFlowTable(capture: String) throws {
        let root = try #require(Fixtures.corpusRoot)
        let relative = String(capture.dropFirst(root.count + 1))
        let (report, events) = try ReplayHarness.replay([capture])
        let tablePath = root + "/_generated_tshark/" + relative + ".flows.tsv"
        guard let table = try? String(contentsOfFile: tablePath, encoding: .utf8) else {
            // No flow table for this capture: surviving it is the test.
            #expect(report.statistics.packets > 0 || !report.problems.isEmpty)
            return
        }
        var expected: [String: Counts] = [:]
        for line in table.split(separator: "\n", omittingEmptySubsequences: false) where !line.hasPrefix("#") && !line.hasPrefix("vlan\t") && !line.isEmpty {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 10 else { continue }
            // The table's generator takes ports from the first TCP/UDP header anywhere in the frame (also the one
            // quoted inside an ICMP error) and its protocol from the first IPv6 next-header (perhaps an extension
            // header); the sensor keys ICMP without ports and names the protocol after the extension headers.
            let proto = columns[1]
            let keepsPorts =
                proto == "6" || proto == "17" || (Self.ipv6ExtensionHeaders.contains(proto) && !columns[3].isEmpty)
            let a = "\(columns[2])|\(keepsPorts ? columns[3] : "")"
            let b = "\(columns[4])|\(keepsPorts ? columns[5] : "")"
            let key = Self.key(vlan: columns[0], proto: Self.ipv6ExtensionHeaders.contains(proto) ? "*" : proto, a, b)
            var counts = expected[key] ?? Counts()
            counts.add(from: a, packets: Int(columns[6]) ?? 0, bytes: Int(columns[7]) ?? 0, to: b)
            counts.add(from: b, packets: Int(columns[8]) ?? 0, bytes: Int(columns[9]) ?? 0, to: a)
            expected[key] = counts
        }
        var ours: [String: Counts] = [:]
        for flow in ReplayHarness.flows(in: events) {
            let hasPorts = flow.transport == "tcp" || flow.transport == "udp"
            let a = "\(flow.sourceIP)|\(hasPorts ? String(flow.sourcePort) : "")"
            let b = "\(flow.destinationIP)|\(hasPorts ? String(flow.destinationPort) : "")"
            var key = Self.key(vlan: flow.vlan, proto: Self.protocolNumber(flow.transport), a, b)
            let wildcard = Self.key(vlan: flow.vlan, proto: "*", a, b)
            if expected[key] == nil && expected[wildcard] != nil { key = wildcard }
            var counts = ours[key] ?? Counts()
            counts.add(from: a, packets: flow.sourcePackets, bytes: flow.sourceBytes, to: b)
            counts.add(from: b, packets: flow.destinationPackets, bytes: flow.destinationBytes, to: a)
            ours[key] = counts
        }
        let missing = Set(expected.keys).subtracting(ours.keys).sorted()
        let extra = Set(ours.keys).subtracting(expected.keys).sorted()
        #expect(missing.isEmpty && extra.isEmpty, "\(relative): missing \(missing.prefix(5)) extra \(extra.prefix(5))")
        for (key, counts) in expected.sorted(by: { $0.key < $1.key }) {
            guard let mine = ours[key] else { continue }
            #expect(mine == counts, "\(relative) \(key): ours \(mine) tshark \(counts)")
        }
    }
}
