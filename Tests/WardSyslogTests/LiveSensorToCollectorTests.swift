import Foundation
import Testing
import WardTestSupport

/// The appliance end to end: `wardwatch live` on a veth between two namespaces, delivering to a real rsyslog over
/// its unix socket; SIGHUP reloads the site file (a broken one is refused, the old settings stay); the collector is
/// down for a while (`WARDWATCH_SYSLOG_OUTAGE` seconds, 30 by default) while traffic goes on; SIGTERM flushes every
/// flow to the collector before the sensor exits, and every event arrives exactly once.
@Suite(.serialized) struct LiveSensorToCollectorTests {
    @Test(.enabled(if: NamespaceLab.available, "needs root and network namespaces (ip netns)"))
    func liveEventsReachRsyslogAcrossReloadAndShutdown() throws {
        let collector = try RsyslogCollector()
        let lab = try NamespaceLab.started(name: "wwsys")
        defer { lab.tearDown() }
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let site = directory.appendingPathComponent("wardwatch.yaml")
        let good = "schema_version: 1\nzones:\n  - name: lab\n    networks: [198.51.100.0/24]\n"
        try good.write(to: site, atomically: true, encoding: .utf8)
        let events = directory.appendingPathComponent("events.jsonl")

        let sensor = Process()
        sensor.executableURL = URL(fileURLWithPath: which("ip")!)
        sensor.arguments = [
            "netns", "exec", lab.sensor, Fixtures.binary, "live", "--interface", "wwl0", "--flows", "--quiet",
            "--config", site.path, "--events", events.path, "--syslog", "unix://\(collector.socketPath)", "--syslog-cee",
        ]
        let errorPipe = Pipe()
        sensor.standardError = errorPipe
        try sensor.run()
        defer { if sensor.isRunning { sensor.terminate() } }
        Thread.sleep(forTimeInterval: 1.5)

        #expect(try lab.exec(in: lab.peer, ["ping", "-c", "2", "-i", "0.2", "198.51.100.1"]).status == 0)
        // A valid change is applied; a broken file is refused with its line, and the sensor keeps running.
        try (good + "  - name: spare\n    networks: [192.0.2.0/24]\n").write(to: site, atomically: true, encoding: .utf8)
        kill(sensor.processIdentifier, SIGHUP)
        Thread.sleep(forTimeInterval: 0.5)
        try "schema_version: 1\nzones: [\n".write(to: site, atomically: true, encoding: .utf8)
        kill(sensor.processIdentifier, SIGHUP)
        Thread.sleep(forTimeInterval: 0.5)
        _ = try lab.exec(in: lab.peer, ["bash", "-c", "exec 3<>/dev/tcp/198.51.100.1/9 || true"])
        Thread.sleep(forTimeInterval: 0.5)
        #expect(sensor.isRunning)

        // Collector outage while the sensor keeps seeing traffic (new connections end as REJ and are reported).
        let outage = Double(ProcessInfo.processInfo.environment["WARDWATCH_SYSLOG_OUTAGE"] ?? "") ?? 30
        collector.stop()
        let outageEnds = Date().addingTimeInterval(outage)
        var port = 10
        while Date() < outageEnds {
            _ = try lab.exec(in: lab.peer, ["bash", "-c", "exec 3<>/dev/tcp/198.51.100.1/\(port) || true"])
            port += 1
            Thread.sleep(forTimeInterval: 1)
        }
        try collector.start()
        _ = try lab.exec(in: lab.peer, ["bash", "-c", "exec 3<>/dev/tcp/198.51.100.1/\(port) || true"])
        Thread.sleep(forTimeInterval: 0.5)

        kill(sensor.processIdentifier, SIGTERM)
        sensor.waitUntilExit()
        #expect(sensor.terminationStatus == 0)
        let stderr = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("reload failed") && stderr.contains("wardwatch.yaml:"))

        let written = try String(contentsOf: events, encoding: .utf8).split(separator: "\n")
        let stats = try #require(written.last { $0.contains("\"wardwatch.stats\"") })
        #expect(stats.contains("\"reloads\":1"))
        // Every flow record written to the file also reached the collector, exactly once.
        let flows = written.filter { $0.contains("\"wardwatch.flow\"") }
        #expect(flows.count >= 2)
        #expect(flows.count >= Int(outage / 2))
        let received = collector.waitForMessages(written.count - 1, timeout: 30).filter { $0.msgid == "wardwatch.flow" }
        #expect(received.count == flows.count)
        let uids = received.compactMap { ($0.json["wardwatch"] as? [String: Any]).flatMap { $0["flow"] as? [String: Any] }?["uid"] as? String }
        #expect(Set(uids).count == uids.count, "a flow arrived twice")
        #expect(received.contains { ($0.json["wardwatch"] as? [String: Any]).flatMap { $0["flow"] as? [String: Any] }?["state"] as? String == "REJ" })
    }
}
