import Testing
import WardCore
@testable import WardAnomaly

/// A detector engine saved with `learnedState()` and loaded into a new one with `restore(_:)` behaves as if it had
/// never stopped: no second warm-up, no re-alert on what it knew, the same baselines.
@Suite struct LearnedStateTests {
    /// Feeds one of every kind of knowledge during warm-up (60 s).
    func learnedEngine() -> DetectionEngine {
        var detection = engine { $0.warmUpSeconds = 60 }
        detection.observe(.newMAC(mac: mac("00:11:22:33:44:55"), address: ip("172.16.10.9"), vlan: .none, time: at(0), fromARP: true))
        detection.observe(
            .arp(operation: 2, senderMAC: mac("00:11:22:33:44:55"), senderAddress: ip("172.16.10.9"),
                targetAddress: ip("172.16.10.1"), frameSource: mac("00:11:22:33:44:55"), vlan: .none, time: at(1)))
        for host in 0..<3 {
            detection.observe(
                .flowStarted(originator: ip("172.16.20.50"), responder: IPAddress(ipv4: 0xAC10_1400 + UInt32(host)),
                    responderPort: 445, ipProtocol: 6, vlan: .none, time: at(Double(2 + host)), uid: UInt64(host)))
        }
        detection.observe(
            .dicomAssociation(calling: ip("172.16.10.31"), called: ip("172.16.10.10"), callingAE: "WS1", calledAE: "PACS1",
                commandCounts: [("C-STORE-RQ", 3)], instancesStored: 3, moveDestinations: [], bytes: 9000, time: at(10), uid: 7))
        detection.observe(
            .hl7Message(sender: ip("172.16.20.40"), receiver: ip("172.16.10.30"), sendingApplication: "HIS",
                sendingFacility: "GENHOSP", messageType: "ADT^A01", time: at(11), uid: 8))
        detection.observe(
            .smbFile(client: ip("172.16.20.57"), server: ip("172.16.20.10"), share: "clinic", name: "notes.docx",
                bytesWritten: 5000, writeEntropy: 4, overwrote: false, renamedTo: nil, deleted: false, time: at(12), uid: 9))
        _ = detection.drain()
        return detection
    }

    @Test func roundTripKeepsEverythingLearned() {
        let state = learnedEngine().learnedState()
        #expect(state.learningStarted == at(0))
        #expect(state.lastTime == at(12))
        let kinds = Set(state.facts.map(\.kind))
        for kind: LearnedFact.Kind in [.knownMAC, .arpBinding, .lateralPeer, .fileExtension, .aeCombination, .dicomRoute, .hl7Sender] {
            #expect(kinds.contains(kind.rawValue), "missing \(kind)")
        }
        #expect(state.baselines.contains { $0.kind == LearnedBaseline.Kind.lateralNewPeers.rawValue && $0.subject == "172.16.20.50" })
        var restored = engine { $0.warmUpSeconds = 60 }
        restored.restore(state)
        #expect(restored.learnedState() == state)
    }

    @Test func restartedEngineDoesNotLearnAgainOrReAlert() {
        let state = learnedEngine().learnedState()
        var restored = engine { $0.warmUpSeconds = 60 }
        restored.restore(state)
        // Hours later: warm-up is over (it counts from the saved start), known things stay quiet...
        restored.observe(.newMAC(mac: mac("00:11:22:33:44:55"), address: ip("172.16.10.9"), vlan: .none, time: at(7200), fromARP: true))
        restored.observe(
            .dicomAssociation(calling: ip("172.16.10.31"), called: ip("172.16.10.10"), callingAE: "WS1", calledAE: "PACS1",
                commandCounts: [("C-ECHO-RQ", 1)], instancesStored: 0, moveDestinations: [], bytes: 100, time: at(7201), uid: 10))
        restored.observe(
            .hl7Message(sender: ip("172.16.20.40"), receiver: ip("172.16.10.30"), sendingApplication: "HIS",
                sendingFacility: "GENHOSP", messageType: "ADT^A08", time: at(7202), uid: 11))
        #expect(restored.drain().isEmpty)
        // ...and new things alert at once, with no second warm-up.
        restored.observe(.newMAC(mac: mac("00:99:88:77:66:55"), address: ip("172.16.10.66"), vlan: .none, time: at(7203), fromARP: true))
        restored.observe(
            .hl7Message(sender: ip("172.16.20.40"), receiver: ip("172.16.10.30"), sendingApplication: "EVIL",
                sendingFacility: "X", messageType: "ADT^A08", time: at(7204), uid: 12))
        #expect(restored.drain().map(\.rule) == ["unknown_mac", "hl7_unknown_sender"])
        // A fresh engine (no state) would still be in its warm-up and say nothing.
        var fresh = engine { $0.warmUpSeconds = 60 }
        fresh.observe(.newMAC(mac: mac("00:99:88:77:66:55"), address: ip("172.16.10.66"), vlan: .none, time: at(7203), fromARP: true))
        #expect(fresh.drain().isEmpty)
    }

    @Test func suppressionSurvivesARestart() {
        var detection = engine { $0.warmUpSeconds = 0 }
        // A forged ARP (sender MAC differs from the frame's source), repeated by the attacker every second.
        let forged = { (t: Double) -> Observation in
            .arp(operation: 2, senderMAC: mac("00:00:00:00:00:01"), senderAddress: ip("172.16.10.3"),
                targetAddress: ip("172.16.10.9"), frameSource: mac("00:00:00:00:00:66"), vlan: .none, time: at(t))
        }
        detection.observe(forged(0))
        #expect(detection.drain().count == 1)
        var restored = engine { $0.warmUpSeconds = 0 }
        restored.restore(detection.learnedState())
        restored.observe(forged(1))  // within the suppression interval: counted, not repeated
        #expect(restored.drain().isEmpty)
        restored.observe(forged(100_000))  // long after: alerts again, carrying the suppressed count
        #expect(restored.drain().map(\.suppressedRepeats) == [1])
    }

    @Test func malformedRowsAreSkipped() {
        var state = LearnedState(learningStarted: at(0), lastTime: at(1))
        state.facts = [
            LearnedFact(kind: "unknown_mac.known", subject: "not a mac"),
            LearnedFact(kind: "arp_spoof.binding", subject: "172.16.10.1", value: "00:00:00:00:00:01"),  // no time
            LearnedFact(kind: "from.a.newer.sensor", subject: "x"),
        ]
        state.baselines = [LearnedBaseline(kind: "lateral_movement.new_peers", subject: "bad", baseline: EWMABaseline())]
        var detection = engine()
        detection.restore(state)
        let saved = detection.learnedState()
        #expect(saved.facts.isEmpty && saved.baselines.isEmpty)
        #expect(saved.learningStarted == at(0))
    }
}
