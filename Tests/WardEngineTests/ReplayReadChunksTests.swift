import Foundation
import Testing
import WardEngine
import WardOutput
import WardTestSupport

/// `--workers` replay with workers reading packets where the file was read into: with very few, small chunks the
/// reader keeps waiting for workers to release them (or, with one chunk, falls back to copying), and the events must
/// still be those of one engine.
@Suite struct ReplayReadChunksTests {
    /// Every event line of a replay of `paths`, sorted.
    static func events(_ paths: [String], workers: Int, chunks: (count: Int, bytes: Int)) throws -> [Substring] {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let eventsPath = directory.appendingPathComponent("events.jsonl").path
        var options = RunOptions(observer: ObserverInfo(name: "test-sensor", version: "test"))
        options.events = try JSONLinesFile(path: eventsPath)
        options.emitFlows = true
        options.emitHosts = true
        options.workers = workers
        options.replayChunks = chunks
        _ = try Replay.run(paths: paths, options: options)
        options.events = nil  // flushed and closed
        return try String(contentsOfFile: eventsPath, encoding: .utf8).split(separator: "\n").sorted()
    }

    @Test(arguments: [(1, 0), (2, 0), (3, 400 << 10)])
    func workersOnFewSmallChunksGiveOneEnginesEvents(count: Int, bytes: Int) throws {
        for paths in [[Fixtures.capture("dicom/dicom-ct-study.pcap")], [Fixtures.capture("scenarios")]] {
            let one = try Self.events(paths, workers: 1, chunks: (8, 512 << 10))
            let two = try Self.events(paths, workers: 2, chunks: (count, bytes))
            #expect(one.count >= 5)  // the CT series: one flow, one DICOM record, two hosts, the statistics
            #expect(two == one, "\(paths): \(Set(one).subtracting(two).prefix(2))")
        }
    }
}
