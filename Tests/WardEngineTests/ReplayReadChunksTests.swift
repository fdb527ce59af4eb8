import Testing
import WardEngine
import WardTestSupport

/// `--workers` replay with workers reading packets where the file was read into: with very few, small chunks the
/// reader keeps waiting for workers to release them (or, with one chunk, falls back to copying), and the events must
/// still be those of one engine.
@Suite struct ReplayReadChunksTests {
    /// Every event line of a replay of `paths`, sorted.
    static func events(_ paths: [String], workers: Int, chunks: (count: Int, bytes: Int)) throws -> [Substring] {
        try ReplayHarness.eventLines(paths, hosts: true) { options in
            options.workers = workers
            options.replayChunks = chunks
        }.lines.sorted()
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
