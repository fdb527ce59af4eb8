import Foundation
import Testing
import WardTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Floods, from the reliability issue: a SYN flood from random sources, many distinct UDP flows, SMB sessions each
/// holding a half-finished message (and out-of-order data after a hole that never fills), DICOM PDUs announcing
/// 4 GB, HL7 without an end block. Each is interleaved in time with a real attack capture from
/// `Captures/scenarios` (`replay` merges its files in time order) and replayed by the built binary with small
/// bounds, so that the limits are really hit: every packet is processed, the limits hit are counted in the final
/// `wardwatch.stats` event, the attack's alert (its truth file's rule and attacker) is still raised, the run ends in
/// bounded time, and memory stops growing once the tables are full.
///
/// The floods are the shapes `Scripts/make-flood.c` writes for `make flood` (a million SYNs and UDP flows, a
/// thousand sessions each), scaled down so that the suite takes well under two minutes on a debug build.
@Suite(.serialized) struct FloodTests {
    /// The bounds every flood is replayed with.
    static let bounds = [
        "--max-flows", "2000", "--max-hosts", "1000", "--max-sessions", "100", "--reassembly-total", "1048576",
    ]

    /// `Captures/scenarios/site.yaml` with the detectors' per-key tables bounded at 1,000 keys.
    static func siteFile(in directory: URL) throws -> String {
        let site = try String(contentsOfFile: Fixtures.capture("scenarios/site.yaml"), encoding: .utf8)
        let path = directory.appendingPathComponent("site.yaml")
        try site.replacingOccurrences(of: "\ndetection:\n", with: "\ndetection:\n  maximum_table_entries: 1000\n")
            .write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }

    @Test(arguments: FloodKind.allCases)
    func floodIsSurvivedAndTheEmbeddedAttackStillDetected(kind: FloodKind) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let attack = FloodCapture.attack(for: kind)
        let attackCapture = try PcapSummary(path: Fixtures.capture("scenarios/\(attack).pcap"))
        let flood = FloodCapture(kind: kind, count: kind.testCount, over: attackCapture)
        let floodPath = directory.appendingPathComponent("\(kind)-flood.pcap")
        try flood.writer.write(to: floodPath)
        let eventsPath = directory.appendingPathComponent("events.jsonl").path

        let run = try MeasuredRun(
            Fixtures.binary,
            ["replay", "--quiet", "--config", try Self.siteFile(in: directory), "--events", eventsPath]
                + Self.bounds + [floodPath.path, Fixtures.capture("scenarios/\(attack).pcap")],
            timeout: 90)
        #expect(!run.timedOut, "the replay stalled: killed after 90 s")
        #expect(run.status == 0, "\(run.error)")

        let events = try FloodEvents(path: eventsPath)
        let stats = try #require(events.statistics, "no wardwatch.stats event")
        #expect(stats["packets"] as? Int == flood.packets + attackCapture.packets)
        let anomalies = stats["anomalies"] as? [String: Int] ?? [:]
        switch kind {
        case .syn:
            #expect((stats["flows_evicted"] as? Int ?? 0) >= kind.testCount - 2000)
            #expect((stats["hosts_evicted"] as? Int ?? 0) >= kind.testCount - 1000)
            // Every random source reached an admin port: the lateral-movement table turned over many times.
            #expect((stats["detector_evictions"] as? Int ?? 0) >= kind.testCount - 1000)
        case .udp:
            #expect((stats["flows_evicted"] as? Int ?? 0) >= kind.testCount - 2000)
            #expect((stats["hosts_evicted"] as? Int ?? 0) >= kind.testCount - 1000)
        case .smb:
            // Past --max-sessions 100, each new session ends the least recently active one.
            #expect(stats["smb_sessions"] as? Int == kind.testCount + 2, "the flood's and the attack's two")
            #expect((stats["sessions_evicted"] as? Int ?? 0) >= kind.testCount + 2 - 100)
            #expect(stats["sessions_refused"] as? Int == 0)
            #expect((stats["reassembly_overflows"] as? Int ?? 0) > 0)
            #expect((stats["reassembly_gap_bytes"] as? Int ?? 0) > 0)
            #expect((anomalies["smb2_gap"] ?? 0) > 0)
        case .dicom:
            // Half announce a 4 GB A-ASSOCIATE-RQ (not taken for DICOM), half a 4 GB P-DATA-TF after associating.
            #expect((stats["dicom_sessions"] as? Int ?? 0) >= kind.testCount / 2)
            #expect((anomalies["dicom_truncated_pdu"] ?? 0) >= kind.testCount / 2)
        case .hl7:
            #expect((stats["hl7_sessions"] as? Int ?? 0) >= kind.testCount)
            #expect((stats["sessions_evicted"] as? Int ?? 0) >= kind.testCount - 100)
            #expect((anomalies["hl7_missing_end_block"] ?? 0) >= kind.testCount)
        }
        for truth in try ScenarioTruth.rows(of: attack) {
            #expect(
                events.alerts.contains { $0.rule == truth.rule && $0.addresses.contains(truth.attacker) },
                "\(truth.rule) by \(truth.attacker) not raised in the \(kind) flood; alerts: \(events.alerts)")
        }
    }

    /// Once the flow, host, detector and analysis bounds are reached, a flood four times as large costs (almost)
    /// no more memory: peak RSS grows by less than a fifth of what keeping every extra flow or session would take.
    /// (Measured on a debug build: 10,000 → 40,000 SYNs +0.4 MB bounded, +54 MB with the default bounds; 100 → 400
    /// SMB sessions +1.9 MB bounded, +50 MB with the defaults.)
    @Test(.enabled(if: MeasuredRun.canMeasureMemory, "needs GNU time (apt-get install time)"),
          arguments: [FloodKind.syn, .smb])
    func memoryStopsGrowingOnceTheBoundsAreReached(kind: FloodKind) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let attackCapture = try PcapSummary(path: Fixtures.capture("scenarios/ransomware-smb2.pcap"))
        var peaks: [Int] = []
        for count in [kind.testCount / 2, kind.testCount * 2] {
            let flood = FloodCapture(kind: kind, count: count, over: attackCapture)
            let path = directory.appendingPathComponent("\(kind)-\(count).pcap")
            try flood.writer.write(to: path)
            let site = try Self.siteFile(in: directory)
            let run = try MeasuredRun(
                Fixtures.binary, ["replay", "--quiet", "--config", site] + Self.bounds + [path.path], timeout: 90)
            #expect(run.status == 0 && !run.timedOut, "\(run.error)")
            peaks.append(try #require(run.peakRSSKiB, "no peak RSS from GNU time: \(run.error)"))
        }
        // What the extra flood would cost unbounded: about 1 KiB per SYN (flow, host, a detector's per-source
        // state), or the message head and out-of-order bytes each SMB session holds.
        let extra = kind.testCount * 2 - kind.testCount / 2
        let unboundedKiB =
            kind == .syn ? extra : extra * (32 + FloodCapture.smbOutOfOrderSegments * 1448 / 1024)
        #expect(peaks[1] - peaks[0] < unboundedKiB / 5, "peak RSS \(peaks[0]) KiB → \(peaks[1]) KiB")
    }
}

/// The kinds of flood, as `Scripts/make-flood.c` names them.
enum FloodKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case syn, udp, smb, dicom, hl7

    var testDescription: String { rawValue }

    /// Packets (SYN, UDP) or connections (the others) in the test's flood.
    var testCount: Int {
        switch self {
        case .syn, .udp: 20_000
        case .smb, .dicom, .hl7: 200
        }
    }
}

/// A flood capture built in memory, its packets spread evenly over an attack capture's time span.
struct FloodCapture {
    private(set) var writer = PcapFileWriter()
    private(set) var packets = 0
    private var generator = SeededGenerator(state: 1)
    private let start: UInt64
    private let span: UInt64
    private var total = 0

    static let fileServer: UInt32 = 0xAC10_140A  // 172.16.20.10, filesrv01
    static let pacs: UInt32 = 0xAC10_0A0A  // 172.16.10.10, pacs-1
    static let hl7Engine: UInt32 = 0xAC10_0A1E  // 172.16.10.30, hl7-engine
    static let smbOutOfOrderSegments = 64

    /// The scenario each flood hides: connection floods hide lateral movement, the others ransomware on the file
    /// server.
    static func attack(for kind: FloodKind) -> String {
        kind == .syn || kind == .udp ? "lateral-movement-vpn" : "ransomware-smb2"
    }

    init(kind: FloodKind, count: Int, over attack: PcapSummary) {
        start = attack.firstMicroseconds
        span = attack.lastMicroseconds - attack.firstMicroseconds
        // First pass counts the packets, so that the second can spread them evenly.
        var counting = self
        counting.build(kind, count)
        total = counting.packets
        build(kind, count)
    }

    private mutating func build(_ kind: FloodKind, _ count: Int) {
        generator = SeededGenerator(state: 1)
        packets = 0
        writer = PcapFileWriter()
        switch kind {
        case .syn: synFlood(count)
        case .udp: udpFlood(count)
        case .smb: smbFlood(count)
        case .dicom: dicomFlood(count)
        case .hl7: hl7Flood(count)
        }
    }

    private mutating func append(_ frame: [UInt8]) {
        let time = start + (total > 1 ? UInt64(packets) * span / UInt64(total - 1) : 0)
        packets += 1
        if total > 0 {
            writer.append(frame: frame, seconds: UInt32(time / 1_000_000), microseconds: UInt32(time % 1_000_000))
        }
    }

    /// SYNs from random sources and ports to the file server's port 445.
    private mutating func synFlood(_ count: Int) {
        for _ in 0..<count {
            let random = generator.next()
            var source = UInt32(truncatingIfNeeded: random)
            if source >> 24 == 0 || source >> 24 == 127 || source >> 24 >= 224 { source ^= 0x4000_0000 }
            append(
                FrameBuilder.tcp(
                    source: (source, UInt16(1024 + (random >> 32) % 64512)), destination: (Self.fileServer, 445),
                    flags: 0x02, sequence: UInt32(truncatingIfNeeded: random >> 16)))
        }
    }

    /// Distinct UDP flows of one datagram each, from 198.18.0.0/15 to the file server's port 514.
    private mutating func udpFlood(_ count: Int) {
        let payload = Array("wardwatch udp flood 0123456789".utf8)
        for index in 0..<count {
            append(
                FrameBuilder.udp(
                    source: (0xC612_0000 + UInt32(index % 131_072), UInt16(10_000 + index / 131_072)),
                    destination: (Self.fileServer, 514), payload: payload))
        }
    }

    /// Connections to the file server, each announcing a 128 KiB SMB2 CREATE, sending 32 KiB of it, skipping a
    /// segment and sending more after the hole.
    private mutating func smbFlood(_ count: Int) {
        let announced = 128 * 1024
        var message = [UInt8](repeating: 0, count: 4 + announced)
        message[1] = UInt8(announced >> 16)
        message[2] = UInt8(announced >> 8 & 0xFF)
        message[3] = UInt8(announced & 0xFF)
        message.replaceSubrange(4..<8, with: [0xFE, 0x53, 0x4D, 0x42])
        message[8] = 64  // StructureSize
        message[16] = 5  // CREATE
        message[18] = 1  // credits
        for index in 68..<message.count { message[index] = UInt8(truncatingIfNeeded: index &* 7 &+ index >> 9) }
        for index in 0..<count {
            var connection = open(client: client(0xAC10_1400, index), server: (Self.fileServer, 445))
            send(&connection, Array(message[0..<32 * 1024]))
            connection.clientSequence &+= 1448  // a segment that never arrives
            let after = 32 * 1024 + 1448
            send(&connection, Array(message[after..<after + Self.smbOutOfOrderSegments * 1448]))
        }
    }

    /// Connections to the PACS (ports 104 and 11112 in turn): even ones an A-ASSOCIATE-RQ header announcing
    /// 0xFFFFFFF0 bytes; odd ones associate, then a P-DATA-TF announcing as much; 8 KiB of each is sent.
    private mutating func dicomFlood(_ count: Int) {
        let body = (0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 13) }
        for index in 0..<count {
            var connection = open(
                client: client(0xAC10_0A00, index), server: (Self.pacs, index % 2 == 1 ? 11112 : 104))
            if index % 2 == 0 {
                send(&connection, [0x01, 0, 0xFF, 0xFF, 0xFF, 0xF0, 0, 1] + body)
            } else {
                send(&connection, Self.dicomAssociate(type: 1))
                send(&connection, Self.dicomAssociate(type: 2), fromServer: true)
                send(&connection, [0x04, 0, 0xFF, 0xFF, 0xFF, 0xF0, 0xFF, 0xFF, 0xFF, 0xEC, 1, 0] + body)
            }
        }
    }

    /// MLLP connections to the HL7 engine sending a start block, MSH and 16 KiB of NTE segments, never the end block.
    private mutating func hl7Flood(_ count: Int) {
        let note = Array("NTE|1||flood filler without an end block 0123456789 abcdefghijklmnopqrstuvwxyz\r".utf8)
        for index in 0..<count {
            var connection = open(client: client(0xAC10_0A00, index), server: (Self.hl7Engine, 2575))
            let header = "MSH|^~\\&|FLOOD|WARD|REGADT|HOSP|20261126043100||ADT^A01|FLOOD\(index)|P|2.5\r"
            var stream = [0x0B] + Array(header.utf8)
            while stream.count + note.count <= 16 * 1024 { stream += note }
            send(&connection, stream)
        }
    }

    // MARK: - TCP connections

    private struct Connection {
        var client: (UInt32, UInt16)
        var server: (UInt32, UInt16)
        var clientSequence: UInt32
        var serverSequence: UInt32
    }

    /// Client `index` of 100 addresses .100–.199 in the /24 `network`, with its own source port.
    private func client(_ network: UInt32, _ index: Int) -> (UInt32, UInt16) {
        (network | UInt32(100 + index % 100), UInt16(20_000 + index / 100))
    }

    private mutating func open(client: (UInt32, UInt16), server: (UInt32, UInt16)) -> Connection {
        var connection = Connection(
            client: client, server: server, clientSequence: UInt32(truncatingIfNeeded: generator.next()),
            serverSequence: UInt32(truncatingIfNeeded: generator.next()))
        append(FrameBuilder.tcp(source: client, destination: server, flags: 0x02, sequence: connection.clientSequence))
        connection.clientSequence &+= 1
        append(
            FrameBuilder.tcp(
                source: server, destination: client, flags: 0x12, sequence: connection.serverSequence,
                acknowledgement: connection.clientSequence))
        connection.serverSequence &+= 1
        append(
            FrameBuilder.tcp(
                source: client, destination: server, flags: 0x10, sequence: connection.clientSequence,
                acknowledgement: connection.serverSequence))
        return connection
    }

    /// Sends `data` in 1448-byte segments.
    private mutating func send(_ connection: inout Connection, _ data: [UInt8], fromServer: Bool = false) {
        for offset in stride(from: 0, to: data.count, by: 1448) {
            let segment = Array(data[offset..<min(offset + 1448, data.count)])
            if fromServer {
                append(
                    FrameBuilder.tcp(
                        source: connection.server, destination: connection.client, flags: 0x18,
                        sequence: connection.serverSequence, acknowledgement: connection.clientSequence,
                        payload: segment))
                connection.serverSequence &+= UInt32(segment.count)
            } else {
                append(
                    FrameBuilder.tcp(
                        source: connection.client, destination: connection.server, flags: 0x18,
                        sequence: connection.clientSequence, acknowledgement: connection.serverSequence,
                        payload: segment))
                connection.clientSequence &+= UInt32(segment.count)
            }
        }
    }

    /// An A-ASSOCIATE-RQ (1) or -AC (2) to PACS1 from FLOODSCU: one presentation context, CT image storage in
    /// implicit VR little endian, maximum PDU length 16 KiB (DICOM PS3.8 §9.3.2–9.3.3).
    static func dicomAssociate(type: UInt8) -> [UInt8] {
        func item(_ itemType: UInt8, _ text: String) -> [UInt8] {
            let bytes = Array(text.utf8)
            return [itemType, 0, UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
        }
        var context: [UInt8] = [1, 0, 0, 0]
        if type == 1 { context += item(0x30, "1.2.840.10008.5.1.4.1.1.2") }
        context += item(0x40, "1.2.840.10008.1.2")
        var body: [UInt8] = [0, 1, 0, 0] + Array("PACS1           FLOODSCU        ".utf8)
        body += [UInt8](repeating: 0, count: 32)
        body += item(0x10, "1.2.840.10008.3.1.1.1")
        body += [type == 1 ? 0x20 : 0x21, 0, UInt8(context.count >> 8), UInt8(context.count & 0xFF)] + context
        body += [0x50, 0, 0, 8, 0x51, 0, 0, 4, 0, 0, 0x40, 0]
        let length = UInt32(body.count)
        return [type, 0, UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF),
                UInt8(length & 0xFF)] + body
    }
}

/// Packet count and first/last timestamps of a classic pcap file (either byte order, µs or ns).
struct PcapSummary {
    let packets: Int
    let firstMicroseconds: UInt64
    let lastMicroseconds: UInt64

    init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func read32(_ offset: Int, bigEndian: Bool) -> UInt32 {
            let value = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
            return bigEndian ? value.byteSwapped : value
        }
        let magic = read32(0, bigEndian: false)
        let bigEndian = magic == 0xD4C3_B2A1 || magic == 0x4D3C_B2A1
        let nanoseconds = magic == 0xA1B2_3C4D || magic == 0x4D3C_B2A1
        guard [0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1].contains(magic) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        var offset = 24
        var count = 0
        var first: UInt64?
        var last: UInt64 = 0
        while offset + 16 <= bytes.count {
            let fraction = UInt64(read32(offset + 4, bigEndian: bigEndian))
            let time =
                UInt64(read32(offset, bigEndian: bigEndian)) * 1_000_000 + (nanoseconds ? fraction / 1000 : fraction)
            if first == nil { first = time }
            last = time
            offset += 16 + Int(read32(offset + 8, bigEndian: bigEndian))
            count += 1
        }
        packets = count
        firstMicroseconds = first ?? 0
        lastMicroseconds = last
    }
}

/// The expected detections of a scenario (`Captures/scenarios/<name>.truth.tsv`).
struct ScenarioTruth {
    let attacker: String
    let rule: String

    static func rows(of scenario: String) throws -> [ScenarioTruth] {
        let text = try String(contentsOfFile: Fixtures.capture("scenarios/\(scenario).truth.tsv"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let columns = line.split(separator: "\t").map(String.init)
            guard columns.count >= 3, !line.hasPrefix("#"), columns[0] != "attack_start" else { return nil }
            return ScenarioTruth(attacker: columns[1], rule: columns[2])
        }
    }
}

/// The alerts and the final statistics of an events file.
struct FloodEvents {
    struct Alert: CustomStringConvertible {
        let rule: String
        let addresses: [String]
        var description: String { "\(rule) \(addresses)" }
    }

    private(set) var alerts: [Alert] = []
    private(set) var statistics: [String: Any]?

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for line in text.split(separator: "\n") {
            guard line.contains("\"alert\"") || line.contains("\"wardwatch.stats\"") else { continue }
            let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let kind = (event["event"] as? [String: Any])?["kind"] as? String
            if kind == "alert" {
                let ips = ["source", "destination"].compactMap { (event[$0] as? [String: Any])?["ip"] as? String }
                alerts.append(Alert(rule: (event["rule"] as? [String: Any])?["name"] as? String ?? "?", addresses: ips))
            } else if kind == "metric" {
                statistics = (event["wardwatch"] as? [String: Any])?["stats"] as? [String: Any]
            }
        }
    }
}

/// Runs a program under GNU time (when installed) for its exit status, wall time and peak RSS; kills it after
/// `timeout` seconds. (The child's own `ru_maxrss` would not do: `posix_spawn` shares the test process's memory
/// until `exec`, and Linux counts that high-water mark in the child's.)
struct MeasuredRun {
    static let time = "/usr/bin/time"
    static var canMeasureMemory: Bool { FileManager.default.isExecutableFile(atPath: time) }

    private(set) var status: Int32 = -1
    private(set) var seconds = 0.0
    /// Peak resident set size in KiB, if GNU time is installed.
    private(set) var peakRSSKiB: Int?
    private(set) var timedOut = false
    private(set) var error = ""

    init(_ executable: String, _ arguments: [String], timeout: Double) throws {
        let errorPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("wardwatch-flood-stderr-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let marker = "wardwatch-flood-peak-rss-kib"
        let command =
            Self.canMeasureMemory
            ? [Self.time, "-f", "\(marker) %M", executable] + arguments : [executable] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so that a timeout kills GNU time and the sensor together.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let argv = command.map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let started = Date()
        let spawned = posix_spawn(&pid, command[0], &actions, &attributes, argv + [nil], environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }
        var rawStatus: Int32 = 0
        while true {
            let waited = waitpid(pid, &rawStatus, WNOHANG)
            if waited == pid { break }
            if waited < 0 && errno != EINTR { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD) }
            if !timedOut && Date().timeIntervalSince(started) > timeout {
                timedOut = true
                kill(-pid, SIGKILL)
            }
            usleep(20_000)
        }
        seconds = Date().timeIntervalSince(started)
        status = rawStatus & 0x7F == 0 ? (rawStatus >> 8) & 0xFF : -(rawStatus & 0x7F)
        error = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        if let line = error.split(separator: "\n").last(where: { $0.hasPrefix(marker) }) {
            peakRSSKiB = Int(line.dropFirst(marker.count + 1))
        }
    }
}
