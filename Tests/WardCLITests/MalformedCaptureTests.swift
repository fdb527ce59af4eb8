import Foundation
import Testing
import WardTestSupport

/// Hostile and broken capture files (`Captures/malformed/`, written by `make-malformed.py` from
/// `net/tcp-states.pcap`), replayed by the built binary with `--flows --events -`.
///
/// The rules: never a crash (exit status 0 or 1 only); a damaged file exits 1 with one stderr line that names it
/// and says why, after every event from the packets before the damage; a file that is only cut short by its
/// snapshot length exits 0, keeps counting packets and bytes by their headers, and names what it could not decode
/// in the `wardwatch.stats` anomalies.
@Suite struct MalformedCaptureTests {
    static let base = Fixtures.capture("malformed/base.pcap")
    static let basePackets = 88

    static func malformed(_ name: String) -> String { Fixtures.capture("malformed/\(name)") }

    /// One replay's outcome: exit status, stderr lines, flow event lines and the stats object.
    struct Outcome {
        let status: Int32
        let errorLines: [String]
        let output: String
        let flowLines: [String]
        let stats: [String: Any]

        /// The stats record's decode anomalies by name.
        var anomalies: [String: Int] { stats["anomalies"] as? [String: Int] ?? [:] }
    }

    static func replay(_ paths: [String]) throws -> Outcome {
        let result = try runCommand(Fixtures.binary, ["replay", "--quiet", "--flows", "--events", "-"] + paths)
        let lines = result.output.split(separator: "\n").map(String.init)
        var stats: [String: Any] = [:]
        for line in lines where line.contains("\"wardwatch.stats\"") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            stats = (object?["wardwatch"] as? [String: Any])?["stats"] as? [String: Any] ?? [:]
        }
        return Outcome(
            status: result.status, errorLines: result.error.split(separator: "\n").map(String.init),
            output: result.output, flowLines: lines.filter { $0.contains("\"wardwatch.flow\"") }, stats: stats)
    }

    /// A temporary pcap holding the first `count` records of `base.pcap`: what a replay of a file damaged after
    /// packet `count` should still give.
    static func basePrefix(_ count: Int) throws -> (path: String, directory: URL) {
        let data = try Data(contentsOf: URL(fileURLWithPath: base))
        var offset = 24
        for _ in 0..<count {
            let caplen = data[offset + 8..<offset + 12].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            offset += 16 + caplen
        }
        let directory = try Fixtures.temporaryDirectory()
        let path = directory.appendingPathComponent("prefix-\(count).pcap").path
        try data.prefix(offset).write(to: URL(fileURLWithPath: path))
        return (path, directory)
    }

    static func expectNoCrash(_ outcome: Outcome, _ name: String) {
        #expect(outcome.status == 0 || outcome.status == 1, "\(name): exit status \(outcome.status) (a crash or a signal?)")
        #expect(!outcome.stats.isEmpty, "\(name): no wardwatch.stats record: the replay did not finish")
    }

    // MARK: - Every file

    @Test(arguments: Fixtures.files(under: Fixtures.capture("malformed")) {
        $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng")
    })
    func neverCrashesAndAlwaysFinishes(path: String) throws {
        let outcome = try Self.replay([path])
        Self.expectNoCrash(outcome, path)
        #expect(outcome.errorLines.count == (outcome.status == 0 ? 0 : 1), "\(path): \(outcome.errorLines)")
    }

    // MARK: - Damaged files: exit 1, one line naming the file, every event before the damage

    /// (file, packets of the base capture before the damage, what stderr must say)
    static let damaged: [(String, Int, String)] = [
        ("truncated-last-record-data.pcap", 87, "stopped after packet 87: truncated dump file; tried to read 70 captured bytes, only got 35"),
        ("truncated-record-header.pcap", 44, "stopped after packet 44: truncated dump file; tried to read 16 header bytes, only got 7"),
        ("bad-magic.pcap", 0, "unknown file format"),
        ("zero-length.pcap", 0, "truncated dump file; tried to read 4 file header bytes, only got 0"),
        ("caplen-ffffffff.pcap", 29, "stopped after packet 29: invalid packet capture length 4294967295, bigger than snaplen of 65535"),
        ("caplen-over-snaplen.pcap", 59, "stopped after packet 59: invalid packet capture length 300000, bigger than snaplen of 65535"),
        ("len-ffffffff.pcap", 69, "stopped after packet 69: invalid packet length 4294967295, bigger than maximum of 2147483647"),
        ("pcapng-block-length-unaligned.pcapng", 44, "stopped after packet 44: block in pcapng dump file has a length of 21 that is not a multiple of 4"),
        ("pcapng-block-length-too-small.pcapng", 44, "stopped after packet 44: block in pcapng dump file has a length of 8 < 12"),
    ]

    @Test(arguments: damaged)
    func damagedFileKeepsEveryEventBeforeTheDamage(name: String, packetsBefore: Int, message: String) throws {
        let path = Self.malformed(name)
        let outcome = try Self.replay([path])
        Self.expectNoCrash(outcome, name)
        #expect(outcome.status == 1, "\(name): bad input must exit 1")
        #expect(outcome.errorLines == ["wardwatch: \(path): \(message)"], "\(name)")
        #expect(outcome.stats["packets"] as? Int == packetsBefore)

        // The same events, byte for byte, as a clean capture of the packets before the damage.
        let (prefix, directory) = try Self.basePrefix(packetsBefore)
        defer { try? FileManager.default.removeItem(at: directory) }
        let reference = try Self.replay([prefix])
        #expect(reference.status == 0 && reference.errorLines.isEmpty, "\(reference.errorLines)")
        #expect(outcome.output == reference.output, "\(name): events differ from the first \(packetsBefore) packets'")
        if packetsBefore >= 44 { #expect(outcome.flowLines.count >= 5) }
    }

    @Test func lenBelowCaplenIsCountedAtCaplenAndReported() throws {
        let path = Self.malformed("len-below-caplen.pcap")
        let outcome = try Self.replay([path])
        #expect(outcome.status == 1)
        #expect(outcome.errorLines == [
            "wardwatch: \(path): 1 record with len smaller than caplen (first: packet 5, len 56, caplen 66); counted at caplen"
        ])
        // Every packet is replayed, and counted as the clean capture counts it.
        let reference = try Self.replay([Self.base])
        #expect(outcome.output == reference.output)
    }

    @Test func damagedFileDoesNotStopTheOtherFiles() throws {
        // A rotated set with a torn file: the torn file's packets before the damage and all of the next file.
        let torn = Self.malformed("truncated-record-header.pcap")
        let outcome = try Self.replay([torn, Self.malformed("header-only.pcap"), Self.malformed("bad-magic.pcap")])
        #expect(outcome.status == 1)
        #expect(outcome.errorLines.count == 2)
        #expect(outcome.errorLines.contains { $0.hasPrefix("wardwatch: \(torn): stopped after packet 44: ") })
        #expect(outcome.errorLines.contains { $0.contains("bad-magic.pcap: unknown file format") })
        #expect(outcome.stats["packets"] as? Int == 44)
    }

    // MARK: - Readable oddities: exit 0

    @Test func pcapngUnknownAndCustomBlocksAreSkipped() throws {
        let outcome = try Self.replay([Self.malformed("pcapng-unknown-blocks.pcapng")])
        #expect(outcome.status == 0 && outcome.errorLines.isEmpty, "\(outcome.errorLines)")
        let reference = try Self.replay([Self.base])
        #expect(outcome.output == reference.output)
        #expect(outcome.flowLines.count == 11)
    }

    @Test func headerOnlyFileIsAnEmptyCapture() throws {
        let outcome = try Self.replay([Self.malformed("header-only.pcap")])
        #expect(outcome.status == 0 && outcome.errorLines.isEmpty)
        #expect(outcome.flowLines.isEmpty)
        #expect(outcome.stats["packets"] as? Int == 0)
    }

    // MARK: - Snaplen-truncated copies: exit 0, counted by headers, anomalies named

    /// (snaplen, decode anomalies of the 88 packets, flows emitted). Per packet (tcpdump numbering): 8 ARP,
    /// 2 VLAN ARP, 38 IPv4 TCP (11 SYN/SYN-ACK with 40-byte headers, 26 with 32, one bare RST with 20), 2 DNS,
    /// 6 ICMP, 6 ICMPv6, 16 IPv6 TCP, 10 VLAN IPv4 TCP. A flow needs the whole transport header (as tshark's
    /// conversations do), so at 54 and 64 only the RST, DNS, ICMP (and at 64 ICMPv6) packets form flows.
    static let snaplens: [(Int, [String: Int], Int)] = [
        (14, ["truncated_arp": 8, "truncated_vlan_tag": 12, "truncated_ipv4": 46, "truncated_ipv6": 22], 0),
        (34, ["truncated_arp": 10, "truncated_ipv4": 10, "truncated_tcp": 38, "truncated_udp": 2, "truncated_icmp": 6,
              "truncated_ipv6": 22], 0),
        (54, ["truncated_tcp": 63, "truncated_icmp": 6, "snaplen_truncated_payload": 8], 3),
        (64, ["truncated_tcp": 63, "snaplen_truncated_payload": 14], 5),
        (96, ["snaplen_truncated_payload": 24], 11),
        (128, ["snaplen_truncated_payload": 10], 11),
    ]

    @Test(arguments: snaplens)
    func snaplenTruncatedCopyIsCountedByHeaders(snaplen: Int, anomalies: [String: Int], flows: Int) throws {
        let name = "snaplen-" + String(repeating: "0", count: 3 - String(snaplen).count) + "\(snaplen).pcap"
        let outcome = try Self.replay([Self.malformed(name)])
        let reference = try Self.replay([Self.base])
        Self.expectNoCrash(outcome, name)
        #expect(outcome.status == 0 && outcome.errorLines.isEmpty, "\(name): \(outcome.errorLines)")
        #expect(outcome.anomalies == anomalies, "\(name)")
        #expect(outcome.anomalies.values.reduce(0, +) <= Self.basePackets)
        // Packets and bytes come from the record headers, whatever was captured.
        #expect(outcome.stats["packets"] as? Int == Self.basePackets)
        #expect(outcome.stats["bytes"] as? Int == reference.stats["bytes"] as? Int)
        #expect(outcome.flowLines.count == flows, "\(name)")
        if snaplen >= 96 {
            // Every header captured: the same flows, packet and byte counts and states as the full capture.
            #expect(outcome.flowLines == reference.flowLines, "\(name)")
        } else {
            // Each flow it can see is one of the full capture's flows (same endpoint pair; a flow whose first
            // packets were not decodable may be seen from the other side), never one made up.
            let endpoints = { (line: String) -> String in
                let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
                let source = object["source"] as? [String: Any] ?? [:]
                let destination = object["destination"] as? [String: Any] ?? [:]
                let pair = ["\(source["ip"] ?? "") \(source["port"] ?? "")", "\(destination["ip"] ?? "") \(destination["port"] ?? "")"]
                return pair.sorted().joined(separator: " <-> ")
            }
            let known = Set(reference.flowLines.map(endpoints))
            for line in outcome.flowLines { #expect(known.contains(endpoints(line)), "\(name): \(line)") }
        }
    }
}
