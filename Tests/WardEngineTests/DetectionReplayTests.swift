import Foundation
import Testing
import WardTestSupport

/// The detectors as wired into the engine, on real-peer captures: the ransomware-like SMB burst is caught quickly
/// and explained; ordinary hospital traffic raises nothing.
@Suite struct DetectionReplayTests {
    static func alerts(in events: [[String: Any]]) -> [[String: Any]] {
        events.filter { ($0["event"] as? [String: Any])?["kind"] as? String == "alert" }
    }

    @Test func ransomwareLikeBurstRaisesOneExplainedAlert() throws {
        let (_, events) = try ReplayHarness.replay([Fixtures.capture("smb2/smb-ransomware-like.pcap")], flows: false)
        let alerts = Self.alerts(in: events)
        #expect(alerts.count == 1)
        let alert = try #require(alerts.first)
        #expect((alert["rule"] as? [String: Any])?["name"] as? String == "smb_ransomware")
        #expect(((alert["threat"] as? [String: Any])?["technique"] as? [String: Any])?["id"] as? String == "T1486")
        #expect((alert["source"] as? [String: Any])?["ip"] as? String == "172.16.20.57")
        let message = try #require(alert["message"] as? String)
        #expect(message.contains("172.16.20.57") && message.contains("bits/byte"))
        let evidence = try #require((alert["wardwatch"] as? [String: Any])?["alert"] as? [String: Any])
        #expect(((evidence["flow_uids"] as? [String]) ?? []).count >= 1)
        // Caught before ten files were lost: fewer overwrite records precede the alert than that.
        let alertIndex = try #require(events.firstIndex { ($0["event"] as? [String: Any])?["kind"] as? String == "alert" })
        let overwritesBefore = events[..<alertIndex].filter {
            (($0["smb"] as? [String: Any])?["write_entropy"] as? Double ?? 0) > 7.5
        }
        #expect(overwritesBefore.count < 10)
    }

    @Test(arguments: [
        "dicom/dicom-store-query.pcap", "dicom/dicom-reject-abort.pcap", "hl7/hl7-mllp.pcap", "net/tcp-states.pcap",
        "smb2/smb2-fileserver.pcap", "smb2/smb3-encrypted.pcap",
    ])
    func benignHospitalTrafficRaisesNothing(capture: String) throws {
        let (_, events) = try ReplayHarness.replay([Fixtures.capture(capture)], flows: false)
        #expect(Self.alerts(in: events).isEmpty)
    }
}
