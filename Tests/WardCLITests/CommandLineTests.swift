import ArgumentParser
import Foundation
import Testing
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
}
