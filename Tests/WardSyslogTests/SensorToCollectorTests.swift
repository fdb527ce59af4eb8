import Foundation
import Testing
import WardTestSupport

/// The sensor itself delivering to a real rsyslog: every event of a replay arrives once, as JSON, with the
/// dataset or rule as MSGID and alerts at a higher severity.
@Suite(.serialized) struct SensorToCollectorTests {
    @Test(arguments: ["tcp", "udp"])
    func replayEventsArriveAtRsyslog(transport: String) throws {
        let collector = try RsyslogCollector()
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let eventsFile = directory.appendingPathComponent("events.jsonl").path
        let port = transport == "tcp" ? collector.tcpPort : collector.udpPort
        let result = try runCommand(
            Fixtures.binary,
            [
                "replay", "--quiet", "--flows", "--events", eventsFile, "--syslog", "\(transport)://127.0.0.1:\(port)",
                "--syslog-cee", Fixtures.capture("smb2/smb-ransomware-like.pcap"),
            ])
        #expect(result.status == 0, "\(result.error)")
        // Everything but the end-of-run statistics record goes to syslog as well.
        let written = try String(contentsOfFile: eventsFile, encoding: .utf8).split(separator: "\n")
            .filter { !$0.contains("\"wardwatch.stats\"") }
        #expect(written.count > 20)
        let received = collector.waitForMessages(written.count)
        #expect(received.count == written.count)
        #expect(collector.rejected().isEmpty)
        let alerts = received.filter { $0.msgid == "smb_ransomware" }
        #expect(alerts.count == 1)
        // local0 (16) × 8 + error (3) for a severity-8 alert, or critical (2).
        #expect(alerts.allSatisfy { $0.pri == "131" || $0.pri == "130" })
        #expect(received.filter { $0.msgid == "wardwatch.smb" }.count > 10)
        #expect(received.allSatisfy { $0.appName == "wardwatch" })
    }
}
