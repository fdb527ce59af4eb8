import Foundation
import Testing
import WardTestSupport

/// `--workers N` against one engine: the same events (flow, protocol, host records, alerts and statistics), only in
/// another interleaving, for every capture in `Captures/` (the scenarios with their site file, so detectors fire)
/// and every file of the peer corpus when present.
@Suite struct WorkerEquivalenceTests {
    private func sortedEvents(_ arguments: [String]) throws -> (status: Int32, lines: [Substring]) {
        let result = try runCommand(Fixtures.binary, ["replay", "--quiet", "--flows", "--hosts", "--events", "-"] + arguments)
        return (result.status, result.output.split(separator: "\n").sorted())
    }

    @Test(arguments: [2, 3])
    func workersGiveTheEventsOfOneEngine(workers: Int) throws {
        let site = Fixtures.capture("scenarios/site.yaml")
        var inputs = Fixtures.allCaptures().map { path in
            path.contains("/scenarios/") ? ["--config", site, path] : [path]
        }
        inputs.append(["--config", site, Fixtures.capture("scenarios")])  // every scenario as one merged stream
        if let corpus = Fixtures.corpusRoot {
            inputs += Fixtures.files(under: corpus) { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.map { [$0] }
        }
        var alerts = 0
        for input in inputs {
            let one = try sortedEvents(input)
            let several = try sortedEvents(["--workers", String(workers)] + input)
            #expect(several.status == one.status, "\(input)")
            #expect(several.lines == one.lines, "\(input.last!): \(Set(one.lines).subtracting(several.lines).prefix(2))")
            alerts += one.lines.filter { $0.contains("\"wardwatch.alert\"") }.count
        }
        #expect(alerts >= 10)  // the detectors did fire, through the coordinator (18 on Captures/ alone)
    }

    @Test func workerCountIsValidated() throws {
        let result = try runCommand(Fixtures.binary, ["replay", "--workers", "0", Fixtures.capture("net/tcp-states.pcap")])
        #expect(result.status != 0 && result.error.contains("--workers"))
    }
}
