import Foundation
import Testing
import WardCore
import WardSMB2
import WardTestSupport

/// What tshark's SMB2 dissector and the analyzer each saw in one capture.
struct PeerComparison {
    var tsharkRequests: [Int: [UInt16]] = [:]
    var tsharkResponses: [Int: [UInt16]] = [:]
    var tsharkTrees: Set<String> = []
    var tsharkNames: Set<String> = []
    var tsharkTransformFrames = 0
    var tsharkDialects: [Int: String] = [:]
    var ourRequests: [Int: [UInt16]] = [:]
    var ourResponses: [Int: [UInt16]] = [:]
    var ourNames: Set<String> = []
    var records: [SMB2Record] = []
    var dialects: [Int: String] = [:]
    var streams: [Int] = []
    var anomalies: [Int: SMB2AnomalyCounts] = [:]

    var treeConnects: [SMB2TreeConnectRecord] {
        records.compactMap { if case .treeConnect(let r) = $0 { r } else { nil } }
    }
    var files: [SMB2FileRecord] { records.compactMap { if case .file(let r) = $0 { r } else { nil } } }
    var sessions: [SMB2SessionRecord] { records.compactMap { if case .session(let r) = $0 { r } else { nil } } }
}

/// Extracts each TCP stream's payload with tshark, feeds the analyzer in frame order, and collects tshark's view.
func comparePeers(_ path: String) throws -> PeerComparison {
    let tshark = try #require(which("tshark"))
    let result = try runCommand(tshark, [
        "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=|",
        "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.payload", "-e", "smb2.cmd",
        "-e", "smb2.flags.response", "-e", "smb2.tree", "-e", "smb2.filename",
        "-e", "smb2.header.transform.signature", "-e", "smb2.dialect", "-e", "tcp.analysis.retransmission",
    ])
    try #require(result.status == 0, "tshark failed: \(result.error)")
    let rows = result.output.split(separator: "\n", omittingEmptySubsequences: true).map {
        $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    }
    let smbPorts: Set<String> = ["445", "139"]
    var retransmitted: Set<Int> = []
    for row in rows where row.count >= 11 && !row[10].isEmpty { retransmitted.insert(Int(row[0]) ?? -1) }
    var comparison = PeerComparison()
    var analyzers: [Int: SMB2Analyzer] = [:]
    for (index, row) in rows.enumerated() where row.count >= 11 {
        guard let stream = Int(row[0]), smbPorts.contains(row[1]) || smbPorts.contains(row[2]),
            !retransmitted.contains(stream)
        else { continue }
        let direction: StreamDirection = smbPorts.contains(row[1]) ? .responder : .originator
        if analyzers[stream] == nil {
            var analyzer = SMB2Analyzer()
            analyzer.state.trace = []
            analyzer.state.traceCreateNames = []
            analyzers[stream] = analyzer
            comparison.streams.append(stream)
        }
        let payload = hex(row[3])
        payload.withUnsafeBytes {
            _ = analyzers[stream]?.receive($0.bytes, direction: direction, at: PacketTime(nanoseconds: Int64(index)))
        }
        let commands = row[4].split(separator: "|").compactMap { UInt16($0) }
        let responses = row[5].split(separator: "|").map { $0 == "1" || $0 == "True" }
        for (command, isResponse) in zip(commands, responses) {
            if isResponse {
                comparison.tsharkResponses[stream, default: []].append(command)
            } else {
                comparison.tsharkRequests[stream, default: []].append(command)
            }
        }
        for tree in row[6].split(separator: "|") { comparison.tsharkTrees.insert(String(tree)) }
        // smb2.filename also carries QUERY_DIRECTORY patterns and listings: keep CREATE/SET_INFO request frames.
        if !responses.contains(true), commands.contains(where: { $0 == 5 || $0 == 17 }), !commands.contains(14) {
            for name in row[7].split(separator: "|") { comparison.tsharkNames.insert(String(name)) }
        }
        comparison.tsharkTransformFrames += row[8].split(separator: "|").count
        if commands == [0], responses == [true], !row[9].isEmpty { comparison.tsharkDialects[stream] = row[9] }
    }
    for stream in comparison.streams {
        guard var analyzer = analyzers[stream] else { continue }
        for entry in analyzer.state.trace ?? [] {
            if entry.isResponse {
                comparison.ourResponses[stream, default: []].append(entry.command.rawValue)
            } else {
                comparison.ourRequests[stream, default: []].append(entry.command.rawValue)
            }
        }
        for name in analyzer.state.traceCreateNames ?? [] where !name.isEmpty { comparison.ourNames.insert(name) }
        analyzer.finish(at: PacketTime(nanoseconds: Int64(rows.count)))
        while let record = analyzer.popRecord() {
            comparison.records.append(record)
            if case .session(let session) = record, let dialect = session.dialect {
                comparison.dialects[stream] = "0x" + String(format: "%04x", dialect.rawValue)
            }
        }
        comparison.anomalies[stream] = analyzer.anomalies
    }
    return comparison
}

/// Real-peer cross-checks against tshark's SMB2 dissector and Zeek's baselines.
@Suite(.enabled(if: which("tshark") != nil, "needs tshark"))
struct SMB2PeerTests {
    static var corpusCaptures: [String] {
        guard let root = Fixtures.corpusRoot else { return [] }
        return [
            root + "/zeek/testing/btest/Traces/smb/smb2.pcap",
            root + "/zeek/testing/btest/Traces/smb/smb3.pcap",
            root + "/zeek/testing/btest/Traces/smb/smb2readwrite.pcap",
            root + "/suricata-verify/tests/smb2-07/20171220_smb_psexec_add_user.pcap",
        ].filter { FileManager.default.fileExists(atPath: $0) }
    }

    static let captures: [String] =
        [
            Fixtures.capture("smb2/smb2-fileserver.pcap"), Fixtures.capture("smb2/smb3-encrypted.pcap"),
            Fixtures.capture("smb2/smb-ransomware-like.pcap"),
        ] + corpusCaptures

    @Test(arguments: captures)
    func agreesWithTshark(path: String) throws {
        let comparison = try comparePeers(path)
        #expect(!comparison.streams.isEmpty)
        #expect(comparison.tsharkRequests.values.reduce(0) { $0 + $1.count } > 0, "tshark saw SMB2 commands")
        #expect(comparison.ourRequests == comparison.tsharkRequests, "request command sequence")
        #expect(comparison.ourResponses == comparison.tsharkResponses, "response command sequence")
        #expect(Set(comparison.treeConnects.map(\.tree)) == comparison.tsharkTrees, "tree paths")
        #expect(comparison.ourNames == comparison.tsharkNames, "file names")
        let transforms = comparison.sessions.reduce(0) { $0 + Int($1.transformPackets) }
        #expect(transforms == comparison.tsharkTransformFrames, "transform frames")
        for (stream, dialect) in comparison.tsharkDialects {
            #expect(comparison.dialects[stream] == dialect, "dialect of stream \(stream)")
        }
        for (stream, counts) in comparison.anomalies {
            #expect(counts[.smb2BadMagic] == 0 && counts[.smb2TruncatedCommand] == 0, "stream \(stream)")
        }
    }

    @Test(.enabled(if: Fixtures.corpusRoot != nil, "needs the shared corpus"))
    func psexecShowsAdminSharesAndServiceControl() throws {
        let root = try #require(Fixtures.corpusRoot)
        let comparison = try comparePeers(root + "/suricata-verify/tests/smb2-07/20171220_smb_psexec_add_user.pcap")
        let trees = Set(comparison.treeConnects.map(\.tree))
        #expect(trees.isSuperset(of: [#"\\dc1\ADMIN$"#, #"\\dc1\IPC$"#]))
        let names = Set(comparison.files.map(\.filename))
        #expect(names.isSuperset(of: ["PSEXESVC.exe", "svcctl"]))
        #expect(comparison.files.contains { $0.filename == "PSEXESVC.exe" && $0.bytesWritten > 0 })
    }

    @Test func encryptedSessionIsCountedNotDecoded() throws {
        let comparison = try comparePeers(Fixtures.capture("smb2/smb3-encrypted.pcap"))
        #expect(comparison.tsharkTransformFrames > 0)
        #expect(comparison.sessions.contains { $0.encrypted && $0.transformPackets > 0 && $0.transformBytes > 0 })
        #expect(comparison.sessions.allSatisfy { $0.dialect == .smb311 })
    }

    @Test func ransomwareLikeCaptureShowsRenamesAndHighEntropyOverwrites() throws {
        let comparison = try comparePeers(Fixtures.capture("smb2/smb-ransomware-like.pcap"))
        let files = comparison.files
        let renamed = files.filter { $0.renamedTo?.hasSuffix(".locked") == true }
        #expect(renamed.count == 10)
        let overwrites = files.filter { $0.overwrote && $0.bytesWritten > 0 }
        #expect(overwrites.count == 10)
        for file in overwrites {
            #expect((file.writeEntropy ?? 0) > 7.5, "\(file.filename): \(file.writeEntropy ?? -1)")
        }
        let originals = files.filter { !$0.overwrote && $0.bytesWritten > 0 && $0.filename.hasSuffix(".txt") }
        #expect(originals.count >= 10)
        for file in originals {
            #expect((file.writeEntropy ?? 8) < 6, "\(file.filename): \(file.writeEntropy ?? -1)")
        }
        let session = try #require(comparison.sessions.first)
        #expect(session.dialect == .smb311)
        #expect(session.user?.isEmpty == false)
    }

    @Test(.enabled(if: Fixtures.corpusRoot != nil, "needs the shared corpus"))
    func agreesWithZeekBaselines() throws {
        let root = try #require(Fixtures.corpusRoot)
        let comparison = try comparePeers(root + "/zeek/testing/btest/Traces/smb/smb2.pcap")
        let baseline = root + "/zeek/testing/btest/Baseline/scripts.base.protocols.smb.smb2/"
        let mappings = try zeekColumn(baseline + "smb_mapping.log", "path")
        #expect(Set(mappings) == Set(comparison.treeConnects.map(\.tree)))
        let paths = try zeekColumn(baseline + "smb_files.log", "path")
        let names = try zeekColumn(baseline + "smb_files.log", "name")
        for (path, name) in zip(paths, names) {
            let filename = name == "<share_root>" ? "" : name
            #expect(comparison.files.contains { $0.tree == path && $0.filename == filename }, "\(path) \(name)")
        }
        let seen = try zeekColumn(baseline + "files.log", "seen_bytes").compactMap { UInt64($0) }
        let pdf = comparison.files.first { $0.filename == "WP_SMBPlugin.pdf" && $0.bytesWritten + $0.bytesRead > 0 }
        #expect(seen.first == pdf.map { $0.bytesWritten + $0.bytesRead })
    }
}

/// A column of a Zeek ASCII log, with Zeek's `\\` escapes undone.
func zeekColumn(_ path: String, _ column: String) throws -> [String] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var fields: [String] = []
    var values: [String] = []
    for line in text.split(separator: "\n") {
        if line.hasPrefix("#fields") {
            fields = line.split(separator: "\t").dropFirst().map(String.init)
        } else if !line.hasPrefix("#"), let index = fields.firstIndex(of: column) {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false)
            if index < cells.count { values.append(cells[index].replacingOccurrences(of: "\\\\", with: "\\")) }
        }
    }
    return values
}
