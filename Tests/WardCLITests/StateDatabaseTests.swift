import Foundation
import Testing
import WardTestSupport

/// `learn`, `inventory` and `--state` through the built binary: what a restarted sensor remembers, what an admin
/// sees, and what a damaged or killed run leaves behind.
@Suite(.serialized) struct StateDatabaseTests {
    let site = Fixtures.capture("scenarios/site.yaml")
    let benign = Fixtures.capture("scenarios/benign-day.pcap")

    func alerts(in events: URL) throws -> [String] {
        try String(contentsOf: events, encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("\"kind\":\"alert\"") }.map(String.init)
    }

    @Test func learnedSensorStaysQuietOnKnownTrafficAndAlertsOnNewAtOnce() throws {
        let directory = try Fixtures.temporaryDirectory()
        let state = directory.appendingPathComponent("state.db").path
        let learn = try runCommand(Fixtures.binary, ["learn", "--config", site, "--state", state, benign])
        #expect(learn.status == 0, "\(learn.error)")
        #expect(learn.output.contains("learned: 18 devices"), "\(learn.output)")
        #expect(learn.output.contains("WITHHELD WHILE LEARNING") == false)  // the benign day raises nothing
        // The same day again, as a restarted sensor: nothing new, so nothing to say.
        let again = directory.appendingPathComponent("again.jsonl")
        var result = try runCommand(
            Fixtures.binary, ["replay", "--quiet", "--config", site, "--state", state, "--events", again.path, benign])
        #expect(result.status == 0, "\(result.error)")
        #expect(try alerts(in: again).isEmpty)
        // A new device speaking DICOM with an unknown AE: alerted at once, no second warm-up.
        let attack = directory.appendingPathComponent("attack.jsonl")
        result = try runCommand(
            Fixtures.binary,
            ["replay", "--quiet", "--config", site, "--state", state, "--events", attack.path,
             Fixtures.capture("scenarios/unknown-device-dicom.pcap")])
        #expect(result.status == 0, "\(result.error)")
        let rules = try alerts(in: attack).compactMap { line -> String? in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return (object?["rule"] as? [String: Any])?["name"] as? String
        }
        #expect(rules == ["unknown_mac", "dicom_unknown_ae"])
        // ...and only once: the state DB remembers the device and the alert's suppression.
        let repeated = directory.appendingPathComponent("repeated.jsonl")
        result = try runCommand(
            Fixtures.binary,
            ["replay", "--quiet", "--config", site, "--state", state, "--events", repeated.path,
             Fixtures.capture("scenarios/unknown-device-dicom.pcap")])
        #expect(try alerts(in: repeated).isEmpty)
        let mode = try FileManager.default.attributesOfItem(atPath: state)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func inventoryListsAndExportsDevicesWithVendorAETitlesAndNames() throws {
        let directory = try Fixtures.temporaryDirectory()
        let state = directory.appendingPathComponent("state.db").path
        #expect(try runCommand(Fixtures.binary, ["learn", "--quiet", "--config", site, "--state", state, benign]).status == 0)
        let list = try runCommand(Fixtures.binary, ["inventory", "list", "--state", state, "--config", site])
        #expect(list.status == 0, "\(list.error)")
        let pacs = try #require(list.output.split(separator: "\n").first { $0.hasPrefix("00:0b:db:10:00:0a") })
        #expect(pacs.contains("172.16.10.10") && pacs.contains("PACS1") && pacs.contains("pacs-1") && pacs.contains("tcp/11112"))
        #expect(list.output.contains("18 devices, 12 not declared in the site file"))
        let export = try runCommand(Fixtures.binary, ["inventory", "export", "--state", state, "--config", site])
        #expect(export.status == 0, "\(export.error)")
        let devices = try export.output.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(devices.count == 18)
        let device = try #require(devices.first { $0["mac"] as? String == "00:0b:db:10:00:0a" })
        #expect(device["dicom_ae_titles"] as? [String] == ["PACS1"])
        #expect(device["name"] as? String == "pacs-1" && device["declared"] as? Bool == true)
        // The vendor comes from the OUI registry (Debian's ieee-data, or the Signatures/ fallback): both list Dell.
        #expect((device["vendor"] as? String)?.hasPrefix("Dell") == true)
        let hl7 = try #require(devices.first { ($0["addresses"] as? [String])?.contains("172.16.20.40") == true })
        #expect(hl7["hl7_applications"] as? [String] == ["HIS^GENHOSP"])
        let csv = try runCommand(Fixtures.binary, ["inventory", "export", "--format", "csv", "--state", state])
        #expect(csv.output.hasPrefix("mac,vendor,locally_administered,addresses,first_seen"))
        #expect(csv.output.split(separator: "\n").count == 19)
    }

    @Test func usageAndBadStateFilesAreClearErrors() throws {
        var result = try runCommand(Fixtures.binary, ["learn", benign])
        #expect(result.status == 2 && result.error.contains("--state"))
        let directory = try Fixtures.temporaryDirectory()
        let junk = directory.appendingPathComponent("junk.db")
        try Data(repeating: 0x5A, count: 4096).write(to: junk)
        result = try runCommand(
            Fixtures.binary, ["replay", "--quiet", "--state", junk.path, Fixtures.capture("net/tcp-states.pcap")])
        #expect(result.status == 1)
        #expect(result.error.contains(junk.path) && result.error.contains("integrity check"), "\(result.error)")
        result = try runCommand(Fixtures.binary, ["inventory", "list", "--state", directory.appendingPathComponent("none.db").path])
        #expect(result.status == 1 && result.error.contains("no such state DB"))
    }

    /// SIGKILL at arbitrary moments of a learning run (while reading, while saving): the state DB always opens,
    /// passes its integrity check and holds a whole snapshot, the earlier one or the new one.
    @Test func killedRunsNeverCorruptTheStateDB() throws {
        let directory = try Fixtures.temporaryDirectory()
        let state = directory.appendingPathComponent("state.db").path
        let small = Fixtures.capture("scenarios/arp-flip-flop.pcap")
        #expect(try runCommand(Fixtures.binary, ["learn", "--quiet", "--config", site, "--state", state, small]).status == 0)
        let before = try runCommand(Fixtures.binary, ["inventory", "export", "--state", state]).output
        let scenarios = Fixtures.files(under: Fixtures.capture("scenarios")) { $0.hasSuffix(".pcap") }
        let arguments = ["learn", "--quiet", "--config", site, "--state", state] + scenarios
        // Kill moments are fractions of how long a whole run takes on this machine (timed on a scratch DB), so
        // they land mid-run on a fast CI machine as on a slow one.
        let scratch = directory.appendingPathComponent("timing.db").path
        let started = Date()
        #expect(try runCommand(Fixtures.binary, ["learn", "--quiet", "--config", site, "--state", scratch] + scenarios).status == 0)
        let wholeRun = Date().timeIntervalSince(started)
        var generator = SeededGenerator(state: 2026)
        var killedMidRun = 0
        for _ in 0..<6 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Fixtures.binary)
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: wholeRun * Double.random(in: 0.05...0.7, using: &generator))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killedMidRun += 1
            }
            process.waitUntilExit()
            let list = try runCommand(Fixtures.binary, ["inventory", "export", "--state", state])
            #expect(list.status == 0, "\(list.error)")
            let devices = list.output.split(separator: "\n").count
            #expect(list.output == before || devices >= 18, "neither the old nor a new snapshot: \(devices) devices")
        }
        #expect(killedMidRun > 0)
        let replay = try runCommand(Fixtures.binary, ["replay", "--quiet", "--state", state, small])
        #expect(replay.status == 0, "\(replay.error)")
    }
}
