import Foundation

/// Locates the repository's fixtures (`Captures/`, `Signatures/`) and the shared peer corpus, via `#filePath`.
public enum Fixtures {
    /// The package root.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A path under `Captures/`.
    public static func capture(_ relativePath: String) -> String {
        packageRoot.appendingPathComponent("Captures").appendingPathComponent(relativePath).path
    }

    /// Every capture file under `Captures/`, sorted.
    public static func allCaptures() -> [String] {
        files(under: packageRoot.appendingPathComponent("Captures").path) {
            $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng")
        }
    }

    /// The shared corpus of peer test-suite captures (`../shared/corpus` beside the clone), if present.
    public static var corpusRoot: String? {
        let candidates: [String?] = [
            ProcessInfo.processInfo.environment["WARDWATCH_CORPUS"],
            packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus").path,
        ]
        return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Every regular file under `directory` whose name passes `include`, sorted by path.
    public static func files(under directory: String, include: (String) -> Bool) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var result: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if include((relative as NSString).lastPathComponent) { result.append(directory + "/" + relative) }
        }
        return result.sorted()
    }

    /// The built `wardwatch` binary (debug build by default, or `WARDWATCH_BINARY`).
    public static var binary: String {
        ProcessInfo.processInfo.environment["WARDWATCH_BINARY"]
            ?? packageRoot.appendingPathComponent(".build/debug/wardwatch").path
    }

    /// A fresh temporary directory for one test.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wardwatch-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
