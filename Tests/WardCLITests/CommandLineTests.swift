import ArgumentParser
import Foundation
import Testing
import WardAnomaly
import WardEngine
import WardFlows
import WardOutput
import WardTestSupport

@testable import WardCLI

/// The command line as users and scripts rely on it: parsing in-process, exit codes and output of the binary.
@Suite struct CommandLineTests {
    @Test func parsesReplayOptions() throws {
        let command = try WardCommand.parseAsRoot([
            "replay", "--flows", "--events", "-", "--bpf", "tcp", "--max-flows", "10", "a.pcap", "b.pcap",
        ])
        let replay = try #require(command as? ReplayCommand)
        #expect(replay.paths == ["a.pcap", "b.pcap"])
        #expect(replay.common.flows)
        #expect(replay.common.maxFlows == 10)
        #expect(replay.common.bpf == "tcp")
    }

    @Test func rejectsNonPositiveBounds() {
        #expect(throws: (any Error).self) { try WardCommand.parseAsRoot(["replay", "--max-flows", "0", "a.pcap"]) }
        #expect(throws: (any Error).self) { try WardCommand.parseAsRoot(["replay", "--max-sessions", "0", "a.pcap"]) }
        #expect(throws: (any Error).self) {
            try WardCommand.parseAsRoot(["replay", "--reassembly-total", "-1", "a.pcap"])
        }
    }

    @Test func parsesAnalysisBounds() throws {
        let command = try WardCommand.parseAsRoot([
            "replay", "--max-sessions", "10", "--reassembly-buffer", "4096", "--reassembly-total", "65536", "a.pcap",
        ])
        let replay = try #require(command as? ReplayCommand)
        #expect(replay.common.maxSessions == 10)
        #expect(replay.common.reassemblyBuffer == 4096)
        #expect(replay.common.reassemblyTotal == 65536)
        let defaults = try #require(try WardCommand.parseAsRoot(["replay", "a.pcap"]) as? ReplayCommand)
        #expect(defaults.common.maxSessions == 65_536 && defaults.common.reassemblyTotal == 64 << 20)
    }

    @Test func hostTableBoundsReachTheFlowTable() throws {
        let command = try WardCommand.parseAsRoot([
            "replay", "--max-peer-pairs", "100", "--max-macs", "7", "--workers", "2", "a.pcap",
        ])
        let replay = try #require(command as? ReplayCommand)
        let options = try replay.common.runOptions()
        #expect(options.flowTable.maximumPeerPairs == 100 && options.flowTable.maximumMACs == 7)
        #expect(options.workers == 2)
        #expect(throws: (any Error).self) { try WardCommand.parseAsRoot(["replay", "--max-macs", "-1", "a.pcap"]) }
        #expect(throws: (any Error).self) { try WardCommand.parseAsRoot(["replay", "--workers", "65", "a.pcap"]) }
    }

    @Test func replayWritesOneJSONObjectPerLine() throws {
        let result = try runCommand(
            Fixtures.binary, ["replay", "--flows", "--events", "-", Fixtures.capture("net/tcp-states.pcap")])
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n")
        #expect(lines.count >= 9)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["@timestamp"] != nil)
        }
        #expect(lines.last?.contains("\"wardwatch.stats\"") == true)
    }

    /// `-` and named pipes (`tcpdump -w - | wardwatch replay -`, a decompressor) give the same events as the file.
    @Test func replayReadsStandardInputAndNamedPipes() throws {
        let capture = Fixtures.capture("scenarios/lateral-movement-vpn.pcap")
        let arguments = ["replay", "--quiet", "--flows", "--hosts", "--events", "-"]
        let fromFile = try runCommand(Fixtures.binary, arguments + [capture])
        #expect(fromFile.status == 0 && fromFile.output.split(separator: "\n").count > 20, "\(fromFile.error)")
        let fromStandardInput = try runCommand(Fixtures.binary, arguments + ["-"], standardInput: capture)
        #expect(fromStandardInput.status == 0, "\(fromStandardInput.error)")
        #expect(fromStandardInput.output == fromFile.output)
        let pipe = try Fixtures.temporaryDirectory().appendingPathComponent("capture.fifo").path
        #expect(mkfifo(pipe, 0o600) == 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "cat \"$0\" > \"$1\"", capture, pipe]
        try writer.run()
        let fromPipe = try runCommand(Fixtures.binary, arguments + [pipe])
        writer.waitUntilExit()
        #expect(fromPipe.status == 0, "\(fromPipe.error)")
        #expect(fromPipe.output == fromFile.output)
    }

    @Test func missingFileIsBadInputWithItsName() throws {
        let result = try runCommand(Fixtures.binary, ["replay", "--quiet", "/nonexistent/capture.pcap"])
        #expect(result.status == 1)
        #expect(result.error.contains("/nonexistent/capture.pcap"))
    }

    @Test func unknownOptionIsUsageError() throws {
        let result = try runCommand(Fixtures.binary, ["replay", "--no-such-flag", "x.pcap"])
        #expect(result.status == 2)
    }

    @Test func invalidFilterIsBadInput() throws {
        let result = try runCommand(
            Fixtures.binary, ["replay", "--quiet", "--bpf", "tcp port", Fixtures.capture("net/tcp-states.pcap")])
        #expect(result.status == 1)
        #expect(result.error.contains("BPF filter"))
    }

    @Test func filterSelectsPackets() throws {
        let result = try runCommand(
            Fixtures.binary,
            ["replay", "--flows", "--events", "-", "--bpf", "udp port 53", Fixtures.capture("net/tcp-states.pcap")])
        #expect(result.status == 0)
        let flows = result.output.split(separator: "\n").filter { $0.contains("\"wardwatch.flow\"") }
        #expect(flows.count == 1)
        #expect(flows.first?.contains("\"port\":53") == true)
    }

    @Test func summaryNamesTheCounts() throws {
        let result = try runCommand(Fixtures.binary, ["replay", Fixtures.capture("net/tcp-states.pcap")])
        #expect(result.status == 0)
        #expect(result.output.contains("WardWatch summary"))
        #expect(result.output.contains("packets        88"))
        #expect(result.output.contains("top talkers"))
    }

    @Test func checkConfigNamesFileLineAndKey() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("wardwatch.yaml")
        try "schema_version: 1\nzones:\n  - name: clinical\n    networks: [172.16.10.0/33]\n    colour: red\n"
            .write(to: bad, atomically: true, encoding: .utf8)
        let result = try runCommand(Fixtures.binary, ["check-config", bad.path])
        #expect(result.status == 1)
        #expect(result.error.contains("wardwatch.yaml:4:"))
        #expect(result.error.contains("wardwatch.yaml:5:") && result.error.contains("colour"))
        let good = Fixtures.packageRoot.appendingPathComponent("Signatures/wardwatch.example.yaml").path
        let signatures = Fixtures.packageRoot.appendingPathComponent("Signatures").path
        let ok = try runCommand(Fixtures.binary, ["check-config", good, "--signatures", signatures])
        #expect(ok.status == 0, "\(ok.error)")
    }

    @Test func replayRefusesABadSiteFile() throws {
        let result = try runCommand(
            Fixtures.binary, ["replay", "--quiet", "--config", "/nonexistent.yaml", Fixtures.capture("net/tcp-states.pcap")])
        #expect(result.status == 1)
        #expect(result.error.contains("/nonexistent.yaml"))
    }

    @Test func enrichesPublicAddressesWithGeoIP() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var capture = PcapFileWriter()
        // 172.16.10.31 (clinical, private) → 81.2.69.160 (a public address in the test database: GB, AS20712).
        capture.append(
            frame: FrameBuilder.udp(source: (0xAC10_0A1F, 40_000), destination: (0x5102_45A0, 443)), seconds: 1,
            microseconds: 0)
        let pcap = directory.appendingPathComponent("public.pcap")
        try capture.write(to: pcap)
        let database = Fixtures.packageRoot.appendingPathComponent("Tests/WardGeoIPTests/Fixtures/wardwatch-test.mmdb").path
        let result = try runCommand(
            Fixtures.binary,
            ["replay", "--flows", "--events", "-", "--geoip-country", database, "--geoip-asn", database, pcap.path])
        #expect(result.status == 0, "\(result.error)")
        let flow = try #require(result.output.split(separator: "\n").first { $0.contains("\"wardwatch.flow\"") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(flow.utf8)) as? [String: Any])
        let destination = try #require(object["destination"] as? [String: Any])
        #expect((destination["geo"] as? [String: Any])?["country_iso_code"] as? String == "GB")
        #expect((destination["as"] as? [String: Any])?["number"] as? Int == 20712)
        #expect((object["source"] as? [String: Any])?["geo"] == nil)  // private addresses are not looked up
        // The enriched events still match the published schema.
        let events = directory.appendingPathComponent("events.jsonl")
        try result.output.write(to: events, atomically: true, encoding: .utf8)
        let validator = Fixtures.packageRoot.appendingPathComponent("schema/validate.py").path
        let validation = try runCommand("/usr/bin/env", ["python3", validator, events.path])
        #expect(validation.status == 0, "\(validation.output)\(validation.error)")
        let missing = try runCommand(Fixtures.binary, ["replay", "--quiet", "--geoip-country", "/nonexistent.mmdb", pcap.path])
        #expect(missing.status == 1 && missing.error.contains("/nonexistent.mmdb"))
    }

    @Test func daemonEventsAppendWhileReplayReportsStartFresh() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("events.jsonl").path
        for _ in 0..<2 {
            let file = try JSONLinesFile(path: path, append: true)
            Array("{}\n".utf8).withUnsafeBytes { file.write(line: $0) }
            file.flush()
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{}\n{}\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let replay = try JSONLinesFile(path: path)
        Array("{}\n".utf8).withUnsafeBytes { replay.write(line: $0) }
        replay.flush()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{}\n")
    }

    /// Lines written in a block (as the output thread writes what it rendered) follow the lines buffered before them;
    /// on a full disk the first failure is kept and every later line is counted lost, without a crash.
    @Test func blocksOfLinesKeepTheirOrderAndAFullDiskCountsThemLost() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("events.jsonl").path
        let file = try JSONLinesFile(path: path)
        Array("{\"a\":1}\n".utf8).withUnsafeBytes { file.write(line: $0) }
        Array("{\"b\":2}\n{\"c\":3}\n".utf8).withUnsafeBytes { file.write(lines: $0, count: 2) }
        Array("{\"d\":4}\n".utf8).withUnsafeBytes { file.write(line: $0) }
        file.flush()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n{\"d\":4}\n")
        #expect(file.linesWritten == 4 && file.linesLost == 0 && file.failure == nil)

        let full = try JSONLinesFile(path: "/dev/full")
        Array("{}\n{}\n{}\n".utf8).withUnsafeBytes { full.write(lines: $0, count: 3) }
        Array("{}\n".utf8).withUnsafeBytes { full.write(line: $0) }
        Array("{}\n{}\n".utf8).withUnsafeBytes { full.write(lines: $0, count: 2) }
        full.flush()
        #expect(full.failure?.contains("/dev/full") == true)
        #expect(full.linesWritten == 3 && full.linesLost == 3)
    }

    @Test func summaryPutsAlertsFirst() throws {
        let result = try runCommand(Fixtures.binary, ["replay", Fixtures.capture("smb2/smb-ransomware-like.pcap")])
        #expect(result.status == 0)
        let alerts = try #require(result.output.range(of: "ALERTS (1)"))
        let packets = try #require(result.output.range(of: "packets "))
        #expect(alerts.lowerBound < packets.lowerBound)
        #expect(result.output.contains("smb_ransomware") && result.output.contains("172.16.20.57"))
    }
}

/// DICOM events name their SOP classes from `Signatures/dicom-sop-classes.yaml`.
@Suite struct SOPClassNameTests {
    @Test func dicomEventsCarrySOPClassNamesFromTheSignatures() throws {
        let signatures = Fixtures.packageRoot.appendingPathComponent("Signatures").path
        let result = try runCommand(
            Fixtures.binary, ["replay", "--signatures", signatures, "--events", "-", Fixtures.capture("dicom/dicom-reject-abort.pcap")])
        #expect(result.status == 0, "\(result.error)")
        // The rejected C-ECHO association proposes Verification only; the storescu one proposes storage classes.
        let names = try result.output.split(separator: "\n").filter { $0.contains("\"wardwatch.dicom\"") }.map { line in
            let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let dicom = try #require(event["dicom"] as? [String: Any])
            return try #require(dicom["sop_class_names"] as? [String])
        }
        #expect(names.first == ["Verification SOP Class"])
        #expect(names.dropFirst().allSatisfy { $0.contains("CT Image Storage") && $0.contains("MR Image Storage") })
    }
}

/// `--no-detectors` turns the alerts off and nothing else.
@Suite struct NoDetectorsTests {
    @Test func onlyTheAlertsGo() throws {
        let capture = Fixtures.capture("smb2/smb-ransomware-like.pcap")
        func events(_ extra: [String]) throws -> [Substring] {
            let result = try runCommand(Fixtures.binary, ["replay", "--flows", "--events", "-"] + extra + [capture])
            #expect(result.status == 0, "\(result.error)")
            return result.output.split(separator: "\n").filter { !$0.contains("\"wardwatch.stats\"") }
        }
        let all = try events([])
        let quiet = try events(["--no-detectors"])
        let alerts = all.filter { $0.contains("\"wardwatch.alert\"") }
        #expect(!alerts.isEmpty)
        #expect(!quiet.contains { $0.contains("\"wardwatch.alert\"") })
        #expect(quiet == all.filter { !$0.contains("\"wardwatch.alert\"") })
        let replay = try #require(try WardCommand.parseAsRoot(["replay", "--no-detectors", "a.pcap"]) as? ReplayCommand)
        #expect(try replay.common.runOptions().detection.isEnabled == false)
    }
}
