import Foundation
import Testing
import WardAnomaly
import WardCore
import WardFlows
@testable import WardState

@Suite struct StateStoreTests {
    func temporaryPath(_ name: String = "state.db") -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wardstate-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent(name).path
    }

    func sampleState() -> LearnedState {
        LearnedState(
            learningStarted: PacketTime(nanoseconds: 1_000), lastTime: PacketTime(nanoseconds: 9_000),
            facts: [
                LearnedFact(kind: LearnedFact.Kind.knownMAC.rawValue, subject: "00:11:22:33:44:55"),
                LearnedFact(
                    kind: LearnedFact.Kind.aeCombination.rawValue, subject: "172.16.10.31", peer: "172.16.10.10",
                    value: "WS1", detail: "PACS1"),
                LearnedFact(
                    kind: LearnedFact.Kind.hl7Sender.rawValue, subject: "172.16.10.31", value: "RIS", detail: "GEN"),
                LearnedFact(
                    kind: LearnedFact.Kind.suppression.rawValue, subject: "172.16.10.1", peer: "::", value: "arp_spoof",
                    detail: "x", number: 3, time: PacketTime(nanoseconds: 5_000)),
            ],
            baselines: [
                LearnedBaseline(
                    kind: LearnedBaseline.Kind.lateralNewPeers.rawValue, subject: "172.16.20.50",
                    baseline: EWMABaseline(mean: 1.5, variance: 0.25, samples: 12), windowStart: PacketTime(nanoseconds: 7_000))
            ])
    }

    @Test func learnedStateRoundTripsAndFilesAreOwnerOnly() throws {
        let path = temporaryPath()
        let store = try StateStore(path: path)
        #expect(try store.loadLearned().isEmpty)
        try store.save(learned: sampleState(), macs: [], hosts: [], vendors: .empty)
        #expect(try StateStore(path: path).loadLearned() == sampleState())
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) has mode \(String(mode ?? 0, radix: 8))")
        }
        // A second save replaces the snapshot instead of appending to it.
        var smaller = sampleState()
        smaller.facts.removeLast(2)
        try store.save(learned: smaller, macs: [], hosts: [], vendors: .empty)
        #expect(try store.loadLearned() == smaller)
    }

    @Test func journalIsWAL() throws {
        let path = temporaryPath()
        _ = try StateStore(path: path)
        let header = try #require(FileManager.default.contents(atPath: path))
        // SQLite file header bytes 18 and 19 are the write/read format versions: 2 means WAL.
        #expect(header.count >= 20 && header[18] == 2 && header[19] == 2)
    }

    @Test func notADatabaseIsRefusedAsCorrupt() throws {
        let path = temporaryPath()
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try StateStore(path: path)
        } throws: { error in
            guard case .corrupt(let failing, _) = error as? StateStoreError else { return false }
            return failing == path && "\(error)".contains("learn")
        }
    }

    @Test func damagedPagesFailTheIntegrityCheck() throws {
        let path = temporaryPath()
        var state = sampleState()
        for index in 0..<2000 {
            state.facts.append(LearnedFact(kind: LearnedFact.Kind.knownMAC.rawValue, subject: "00:00:00:00:\(index / 256):\(index % 256)"))
        }
        do {
            let store = try StateStore(path: path)
            try store.save(learned: state, macs: [], hosts: [], vendors: .empty)
        }  // the last connection closes: SQLite checkpoints the WAL into the main file
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        var bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(bytes.count > 16384)
        for index in 8192..<12288 { bytes[index] = 0xA5 }
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(throws: StateStoreError.self) {
            let reopened = try StateStore(path: path)
            _ = try reopened.loadLearned()
        }
    }

    @Test func unwritableLocationIsCannotOpen() {
        #expect {
            _ = try StateStore(path: "/nonexistent-dir/state.db")
        } throws: { error in
            if case .cannotOpen = error as? StateStoreError { return true }
            return false
        }
    }

    @Test func devicesMergeAcrossRuns() throws {
        let first = InventoryDevice(
            mac: "00:0b:db:10:00:0a", vendor: "Dell Inc.", locallyAdministered: false, firstSeen: 100, lastSeen: 200,
            vlan: 10, addresses: ["172.16.10.10"], addressOverflow: 0, servicesOffered: ["tcp/11112"], servicesUsed: [],
            dicomAETitles: ["PACS1"], hl7Applications: [])
        var merged = first
        var second = first
        second.firstSeen = 50
        second.lastSeen = 900
        second.vlan = 20
        second.addresses = ["172.16.10.10", "172.16.10.11"]
        second.dicomAETitles = ["PACS1", "PACS1_Q"]
        merged.merge(second)
        #expect(merged.firstSeen == 50 && merged.lastSeen == 900 && merged.vlan == 20)
        #expect(merged.addresses == ["172.16.10.10", "172.16.10.11"])
        #expect(merged.dicomAETitles == ["PACS1", "PACS1_Q"])
        var full = first
        full.addresses = (0..<16).map { "10.0.0.\($0)" }
        var more = first
        more.addresses = ["10.0.0.1", "10.0.1.1", "10.0.1.2"]
        full.merge(more)
        #expect(full.addresses.count == InventoryDevice.maximumListLength)
        #expect(full.addressOverflow == 2)
    }
}
