import Foundation
import WardEngine
import WardOutput
import WardTestSupport

/// A flow record as read back from the JSON the sensor wrote.
struct EmittedFlow {
    let transport: String
    let sourceIP: String
    let sourcePort: Int
    let destinationIP: String
    let destinationPort: Int
    let vlan: String
    let sourcePackets: Int
    let sourceBytes: Int
    let destinationPackets: Int
    let destinationBytes: Int
    let state: String
    let history: String?

    /// The unordered endpoint pair with transport (tshark's conversation key), and whether source comes first.
    var conversationKey: (key: String, sourceFirst: Bool) {
        let source = "\(sourceIP)|\(sourcePort)"
        let destination = "\(destinationIP)|\(destinationPort)"
        return source <= destination
            ? ("\(transport) \(source) \(destination)", true) : ("\(transport) \(destination) \(source)", false)
    }
}

/// Replays captures through the real engine and output path, and parses every JSON line it wrote.
enum ReplayHarness {
    static func replay(_ paths: [String], flows: Bool = true, hosts: Bool = false, configure: (inout RunOptions) -> Void = { _ in })
        throws -> (report: RunReport, events: [[String: Any]])
    {
        let (report, lines) = try eventLines(paths, flows: flows, hosts: hosts, configure: configure)
        let events = try lines.map { line -> [String: Any] in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [])
            guard let dictionary = object as? [String: Any] else { throw HarnessError.notAnObject(String(line)) }
            return dictionary
        }
        return (report, events)
    }

    /// The JSON lines the sensor wrote, as written.
    static func eventLines(
        _ paths: [String], flows: Bool = true, hosts: Bool = false, configure: (inout RunOptions) -> Void = { _ in }
    ) throws -> (report: RunReport, lines: [Substring]) {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let eventsPath = directory.appendingPathComponent("events.jsonl").path
        var options = RunOptions(observer: ObserverInfo(name: "test-sensor", version: "test"))
        options.events = try JSONLinesFile(path: eventsPath)
        options.emitFlows = flows
        options.emitHosts = hosts
        configure(&options)
        let report = try Replay.run(paths: paths, options: options)
        options.events = nil  // flushed and closed
        return (report, try String(contentsOfFile: eventsPath, encoding: .utf8).split(separator: "\n"))
    }

    static func flows(in events: [[String: Any]]) -> [EmittedFlow] {
        events.compactMap { event in
            guard (event["event"] as? [String: Any])?["dataset"] as? String == "wardwatch.flow" else { return nil }
            let source = event["source"] as? [String: Any] ?? [:]
            let destination = event["destination"] as? [String: Any] ?? [:]
            let network = event["network"] as? [String: Any] ?? [:]
            let flow = (event["wardwatch"] as? [String: Any])?["flow"] as? [String: Any] ?? [:]
            var vlan = ((network["vlan"] as? [String: Any])?["id"] as? String) ?? ""
            if let inner = (((network["inner"] as? [String: Any])?["vlan"]) as? [String: Any])?["id"] as? String {
                vlan += "," + inner
            }
            if let all = flow["vlan_ids"] as? [String] { vlan = all.joined(separator: ",") }
            return EmittedFlow(
                transport: network["transport"] as? String ?? "?", sourceIP: source["ip"] as? String ?? "",
                sourcePort: source["port"] as? Int ?? 0, destinationIP: destination["ip"] as? String ?? "",
                destinationPort: destination["port"] as? Int ?? 0, vlan: vlan,
                sourcePackets: source["packets"] as? Int ?? 0, sourceBytes: source["bytes"] as? Int ?? 0,
                destinationPackets: destination["packets"] as? Int ?? 0,
                destinationBytes: destination["bytes"] as? Int ?? 0, state: flow["state"] as? String ?? "",
                history: flow["history"] as? String)
        }
    }

    enum HarnessError: Error {
        case notAnObject(String)
    }
}
