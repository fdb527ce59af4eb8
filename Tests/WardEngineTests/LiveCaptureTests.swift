import Foundation
import Testing
import WardTestSupport

/// Live capture on a veth pair between two network namespaces this test creates: packets seen in place,
/// flows flushed on SIGTERM, root dropped after the capture opens. Traffic stays between the two namespaces.
@Suite(.serialized) struct LiveCaptureTests {
    /// Namespaces need root and a kernel that allows them; elsewhere the test says why it did not run.
    static let namespacesAvailable = NamespaceLab.available

    @Test(.enabled(if: namespacesAvailable, "needs root and network namespaces (ip netns)"))
    func capturesOnVethFlushesOnSIGTERMAndDropsRoot() throws {
        let lab = try NamespaceLab.started(name: "wwlive")
        defer { lab.tearDown() }
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let events = directory.appendingPathComponent("events.jsonl")
        // The events file is created before privileges drop; let the unprivileged user reach the directory.
        chmod(directory.path, 0o777)

        let sensor = try startSensor(
            [
                "netns", "exec", lab.sensor, Fixtures.binary, "live", "--interface", "wwl0", "--flows",
                "--user", "nobody", "--events", events.path, "--metrics", "127.0.0.1:9467",
            ], logIn: directory)
        defer { if sensor.isRunning { sensor.terminate() } }

        // The sensor runs as nobody once the capture is open.
        let status = try String(contentsOfFile: "/proc/\(try sensorPID(parent: sensor.processIdentifier))/status", encoding: .utf8)
        let uidLine = status.split(separator: "\n").first { $0.hasPrefix("Uid:") } ?? ""
        #expect(!uidLine.contains("\t0\t"), "still root: \(uidLine)")

        let ping = try runCommand(which("ip")!, ["netns", "exec", lab.peer, "ping", "-c", "3", "-i", "0.2", "198.51.100.1"])
        #expect(ping.status == 0, "\(ping.output) \(ping.error)")
        // A connection attempt to a closed port: the kernel answers RST (REJ).
        _ = try runCommand(which("ip")!, ["netns", "exec", lab.peer, "bash", "-c", "exec 3<>/dev/tcp/198.51.100.1/9 || true"])
        Thread.sleep(forTimeInterval: 0.5)

        // The Prometheus endpoint (on the sensor namespace's loopback) counts what was seen, within a second.
        Thread.sleep(forTimeInterval: 1.2)
        let scrape = try runCommand(
            which("ip")!,
            [
                "netns", "exec", lab.sensor, "python3", "-c",
                "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:9467/metrics').read().decode())",
            ])
        #expect(scrape.status == 0, "\(scrape.error)")
        let packets = scrape.output.split(separator: "\n").first { $0.hasPrefix("wardwatch_packets_total ") }
        #expect((packets?.split(separator: " ").last).flatMap { Int($0) } ?? 0 >= 6, "\(scrape.output)")
        #expect(scrape.output.contains("wardwatch_kernel_drops_total 0"))
        #expect(scrape.output.contains("wardwatch_flows_active "))
        #expect(scrape.output.contains("wardwatch_events_total{type=\"flow\"}"))

        kill(try sensorPID(parent: sensor.processIdentifier), SIGTERM)
        sensor.waitUntilExit()
        #expect(sensor.terminationStatus == 0)

        let lines = try String(contentsOf: events, encoding: .utf8).split(separator: "\n")
        let flows = lines.filter { $0.contains("\"wardwatch.flow\"") }
        #expect(flows.contains { $0.contains("\"transport\":\"icmp\"") && $0.contains("\"packets\":3") })
        #expect(flows.contains { $0.contains("\"port\":9") && $0.contains("\"state\":\"REJ\"") })
        let stats = try #require(lines.last { $0.contains("\"wardwatch.stats\"") })
        #expect(stats.contains("\"kernel_drops\":0"))
    }

    /// The systemd unit's way: started as an unprivileged user holding only CAP_NET_RAW and CAP_NET_ADMIN (ambient),
    /// the sensor opens the capture and then holds no capability at all.
    @Test(.enabled(if: namespacesAvailable && which("setpriv") != nil, "needs root, namespaces and setpriv"))
    func unprivilegedDaemonDropsItsCapabilitiesAfterOpening() throws {
        let lab = try NamespaceLab.started(name: "wwlive")
        defer { lab.tearDown() }
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        chmod(directory.path, 0o777)
        let events = directory.appendingPathComponent("events.jsonl")
        let sensor = try startSensor(
            [
                "netns", "exec", lab.sensor, which("setpriv")!, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                "--inh-caps=+net_raw,+net_admin", "--ambient-caps=+net_raw,+net_admin", Fixtures.binary, "live",
                "--interface", "wwl0", "--duration", "3", "--events", events.path,
            ], logIn: directory)
        let status = try String(contentsOfFile: "/proc/\(try sensorPID(parent: sensor.processIdentifier))/status", encoding: .utf8)
        let lines = status.split(separator: "\n")
        for field in ["CapEff:", "CapPrm:", "CapAmb:"] {
            let line = lines.first { $0.hasPrefix(field) } ?? ""
            #expect(line.hasSuffix("0000000000000000"), "\(line)")
        }
        #expect(lines.first { $0.hasPrefix("Uid:") }?.contains("\t0\t") == false)
        sensor.waitUntilExit()
        #expect(sensor.terminationStatus == 0)
        #expect(try String(contentsOf: events, encoding: .utf8).contains("\"wardwatch.stats\""))
    }

    /// `learn` on a live interface fills the state DB; `live --state` keeps it up to date with checkpoints, so a
    /// sensor killed with SIGKILL keeps what it learned up to its last checkpoint, in a DB that still opens.
    @Test(.enabled(if: namespacesAvailable, "needs root and network namespaces (ip netns)"), arguments: ["1", "2"])
    func liveLearningAndCheckpointsSurviveSIGKILL(workers: String) throws {
        let lab = try NamespaceLab.started(name: "wwlive")
        defer { lab.tearDown() }
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        chmod(directory.path, 0o777)
        let state = directory.appendingPathComponent("state.db").path
        let ip = which("ip")!

        func peerLastSeen() throws -> Int64? {
            let export = try runCommand(Fixtures.binary, ["inventory", "export", "--state", state])
            #expect(export.status == 0, "\(export.error)")
            for line in export.output.split(separator: "\n") {
                let device = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                guard (device["addresses"] as? [String])?.contains("198.51.100.2") == true,
                    let text = device["last_seen"] as? String
                else { continue }
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                return formatter.date(from: text).map { Int64($0.timeIntervalSince1970 * 1000) }
            }
            return nil
        }

        // Learn for 3 s while the peer pings.
        let learner = try startSensor(
            [
                "netns", "exec", lab.sensor, Fixtures.binary, "learn", "--interface", "wwl0", "--duration", "3",
                "--user", "nobody", "--state", state,
            ], logIn: directory)
        _ = try runCommand(ip, ["netns", "exec", lab.peer, "ping", "-c", "3", "-i", "0.2", "198.51.100.1"])
        learner.waitUntilExit()
        #expect(learner.terminationStatus == 0)
        let learned = try #require(try peerLastSeen(), "the peer is not in the learned inventory")

        // Run live with a 1 s checkpoint, ping again, then SIGKILL: no clean exit, only checkpoints (with two
        // workers each answers the checkpoint with its own hosts, merged).
        let sensor = try startSensor(
            [
                "netns", "exec", lab.sensor, Fixtures.binary, "live", "--interface", "wwl0", "--user", "nobody",
                "--state", state, "--checkpoint-seconds", "1", "--workers", workers,
            ], logIn: directory)
        _ = try runCommand(ip, ["netns", "exec", lab.peer, "ping", "-c", "3", "-i", "0.2", "198.51.100.1"])
        Thread.sleep(forTimeInterval: 2.5)
        kill(try sensorPID(parent: sensor.processIdentifier), SIGKILL)
        sensor.waitUntilExit()
        let checkpointed = try #require(try peerLastSeen())
        #expect(checkpointed > learned + 500, "the checkpoint did not record the later pings")
    }

    /// On a mirror port the sensor only listens: with syslog, metrics and an events file configured and alerts
    /// raised, not one frame leaves the monitored interface (its transmit counter does not move).
    @Test(.enabled(if: namespacesAvailable, "needs root and network namespaces (ip netns)"))
    func sensorNeverTransmitsOnTheMonitoredInterface() throws {
        let lab = try NamespaceLab.started(name: "wwlive")
        defer { lab.tearDown() }
        let ip = which("ip")!
        // A mirror port: no address, no IPv6, so the kernel itself has no reason to send anything either.
        _ = try runCommand(ip, ["-n", lab.sensor, "addr", "flush", "dev", "wwl0"])
        _ = try lab.exec(in: lab.sensor, ["sysctl", "-q", "-w", "net.ipv6.conf.wwl0.disable_ipv6=1"])
        Thread.sleep(forTimeInterval: 0.5)
        func transmitted() throws -> Int {
            let counters = try lab.exec(in: lab.sensor, ["cat", "/sys/class/net/wwl0/statistics/tx_packets"])
            return Int(counters.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        let before = try transmitted()
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let events = directory.appendingPathComponent("events.jsonl")
        let sensor = try startSensor(
            [
                "netns", "exec", lab.sensor, Fixtures.binary, "live", "--interface", "wwl0", "--duration", "4",
                "--flows", "--events", events.path, "--syslog", "udp://127.0.0.1:5514", "--metrics", "127.0.0.1:9468",
            ], logIn: directory)
        // The peer looks for hosts that do not answer (ARP requests and a TCP SYN flood of the broadcast domain).
        _ = try runCommand(ip, ["netns", "exec", lab.peer, "ping", "-c", "3", "-i", "0.2", "-W", "1", "198.51.100.1"])
        _ = try runCommand(ip, ["netns", "exec", lab.peer, "arping", "-c", "2", "-U", "-I", "wwl1", "198.51.100.2"])
        sensor.waitUntilExit()
        #expect(sensor.terminationStatus == 0)
        let lines = try String(contentsOf: events, encoding: .utf8).split(separator: "\n")
        #expect(lines.contains { $0.contains("\"wardwatch.stats\"") && !$0.contains("\"packets\":0,") })
        #expect(try transmitted() == before, "frames left the monitored interface")
    }

    /// `live --workers 2`: two handles in one PACKET_FANOUT group share the link by flow; every packet is counted
    /// once, both workers get traffic, and the detection thread still sees the whole scan (lateral movement spread
    /// over both workers' flows).
    @Test(.enabled(if: namespacesAvailable && which("tcpreplay") != nil, "needs root, namespaces and tcpreplay"))
    func workersShareTheLinkThroughPacketFanout() throws {
        let lab = try NamespaceLab.started(name: "wwfan")
        defer { lab.tearDown() }
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let events = directory.appendingPathComponent("events.jsonl")
        let capture = Fixtures.capture("scenarios/lateral-movement-vpn.pcap")
        let sensor = try startSensor(
            [
                "netns", "exec", lab.sensor, Fixtures.binary, "live", "--interface", "wwl0", "--workers", "2", "--flows",
                "--config", Fixtures.capture("scenarios/site.yaml"), "--events", events.path, "--metrics", "127.0.0.1:9468",
            ], logIn: directory)
        defer { if sensor.isRunning { sensor.terminate() } }
        let replay = try lab.exec(in: lab.peer, ["tcpreplay", "-q", "-i", "wwl1", "--mbps", "20", capture])
        #expect(replay.status == 0, "\(replay.error)")
        Thread.sleep(forTimeInterval: 1.5)
        let scrape = try lab.exec(
            in: lab.sensor,
            ["python3", "-c", "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:9468/metrics').read().decode())"])
        let perWorker = scrape.output.split(separator: "\n").filter { $0.hasPrefix("wardwatch_worker_packets_total{") }
            .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
        #expect(perWorker.count == 2 && perWorker.allSatisfy { $0 > 50 }, "\(scrape.output)")

        // Each thread says what it is, for `top -H` and `perf`: a Linux thread only takes a name it sets itself, of
        // at most 15 bytes.
        let pid = try sensorPID(parent: sensor.processIdentifier)
        let threadNames = Set(try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").compactMap {
            try? String(contentsOfFile: "/proc/\(pid)/task/\($0)/comm", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        })
        #expect(
            threadNames.isSuperset(of: ["ww-capture-0", "ww-capture-1", "ww-detect", "ww-output", "ww-metrics"]),
            "\(threadNames)")
        kill(pid, SIGTERM)
        sensor.waitUntilExit()
        #expect(sensor.terminationStatus == 0)
        let lines = try String(contentsOf: events, encoding: .utf8).split(separator: "\n")
        // Every IPv4 flow of the capture, whole (same Community ID, packets and bytes) as a replay counts it: no flow
        // was split between the workers and no packet lost or counted twice. (The veth adds IPv6 messages of its own.)
        func ipv4Flows(_ lines: [Substring]) -> [Substring] {
            lines.filter { $0.contains("\"wardwatch.flow\"") && $0.contains("\"type\":\"ipv4\"") }.compactMap { line in
                line.range(of: "\"community_id\":").map { line[$0.lowerBound...].prefix { $0 != "}" } }
            }.sorted()
        }
        let replayed = try runCommand(Fixtures.binary, ["replay", "--quiet", "--flows", "--events", "-", capture])
        let flowsReplayed = ipv4Flows(replayed.output.split(separator: "\n"))
        #expect(flowsReplayed.count > 50)
        #expect(ipv4Flows(lines) == flowsReplayed)
        #expect(lines.contains { $0.contains("\"wardwatch.alert\"") && $0.contains("lateral_movement") })
        let stats = try #require(lines.last { $0.contains("\"wardwatch.stats\"") })
        #expect(stats.contains("\"kernel_drops\":0"))
        #expect(perWorker.reduce(0, +) <= 2_000)
    }

    /// Starts `ip` with `arguments` (a sensor under `ip netns exec`), standard error in a file in `directory`, and
    /// returns once the sensor says its capture is open, so no test depends on how long start-up takes on a busy
    /// machine.
    private func startSensor(_ arguments: [String], logIn directory: URL) throws -> Process {
        let log = directory.appendingPathComponent("sensor-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: which("ip")!)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        var text = ""
        while Date() < deadline {
            text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if text.contains("capturing on") { return process }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        if process.isRunning { process.terminate() }
        throw SensorDidNotStart(arguments: arguments, output: text)
    }

    struct SensorDidNotStart: Error {
        let arguments: [String]
        let output: String
    }

    /// `ip netns exec` execs the binary in place, but look for a child too in case a wrapper stays.
    private func sensorPID(parent: Int32) throws -> Int32 {
        let children = (try? String(contentsOfFile: "/proc/\(parent)/task/\(parent)/children", encoding: .utf8)) ?? ""
        return children.split(separator: " ").first.flatMap { Int32($0) } ?? parent
    }
}
