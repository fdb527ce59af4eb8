import Foundation
import Testing
import WardTestSupport

/// Every event the sensor writes for the test captures validates against `schema/wardwatch-events.schema.json`
/// (checked by `schema/validate.py` with Python's `jsonschema`, formats included), and every dataset occurs; the
/// closed `hl7` object rejects a field the schema does not list (the privacy guard).
@Suite struct EventSchemaTests {
    static let schemaDirectory = Fixtures.packageRoot.appendingPathComponent("schema")
    static let validator = schemaDirectory.appendingPathComponent("validate.py").path

    static let datasets = [
        "wardwatch.flow", "wardwatch.host", "wardwatch.stats", "wardwatch.dicom", "wardwatch.hl7", "wardwatch.smb",
        "wardwatch.alert",
    ]

    /// A Python 3 that can import `jsonschema`: the one on `PATH`, else Debian's (`Scripts/setup.sh` installs
    /// python3-jsonschema for /usr/bin/python3).
    static func python() throws -> String {
        let candidates = [which("python3"), "/usr/bin/python3"].compactMap { $0 }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            if let result = try? runCommand(candidate, ["-c", "import jsonschema"]), result.status == 0 { return candidate }
        }
        throw MissingValidator(description: "no python3 with the jsonschema package (tried \(candidates)); run Scripts/setup.sh")
    }

    struct MissingValidator: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `validate.py --summary` on `files`; returns its result and the per-dataset line counts of its summary.
    static func validate(_ files: [String]) throws -> (result: CommandResult, counts: [String: Int], lines: Int) {
        let result = try runCommand(try python(), [validator, "--summary"] + files)
        var counts: [String: Int] = [:]
        var lines = 0
        if let summary = result.output.split(separator: "\n").last(where: { $0.hasPrefix("validated ") }) {
            let words = summary.split(separator: " ")
            lines = Int(words[1]) ?? 0
            for word in words where word.contains("=") {
                let parts = word.split(separator: "=")
                counts[String(parts[0])] = Int(parts[1]) ?? 0
            }
        }
        return (result, counts, lines)
    }

    @Test func everyEventOfEveryCaptureMatchesTheSchema() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let captures = Fixtures.allCaptures().filter { !$0.contains("/malformed/") }
        try #require(!captures.isEmpty)
        let corpus = CorpusTests.corpusCaptures
        var files: [String] = []
        func replay(_ paths: [String], name: String, mustSucceed: Bool) throws {
            let output = directory.appendingPathComponent("\(files.count)-\(name).jsonl").path
            let result = try runCommand(
                Fixtures.binary, ["replay", "--quiet", "--flows", "--hosts", "--events", output] + paths)
            if mustSucceed {
                #expect(result.status == 0, "replay \(paths): \(result.error)")
            }
            // A damaged corpus capture may end with a reported problem (exit 1); what it wrote must still be valid.
            if FileManager.default.fileExists(atPath: output) {
                files.append(output)
            } else {
                Issue.record("replay \(paths) wrote no events file: \(result.error)")
            }
        }
        // All bundled captures as one time-ordered run (as `make demo` does), then each capture on its own.
        try replay(captures, name: "captures", mustSucceed: true)
        for capture in captures + corpus {
            try replay([capture], name: (capture as NSString).lastPathComponent, mustSucceed: !corpus.contains(capture))
        }
        let (result, counts, lines) = try Self.validate(files)
        #expect(result.status == 0, "schema violations:\n\(result.output.prefix(20_000))\(result.error)")
        #expect(lines > 0)
        for dataset in Self.datasets {
            #expect((counts[dataset] ?? 0) > 0, "no \(dataset) event among \(lines) lines: \(counts)")
        }
        print("EventSchemaTests: \(lines) lines from \(files.count) replays (\(captures.count) captures, \(corpus.count) corpus files): \(counts)")
    }

    /// A real-shaped `wardwatch.hl7` event; `extra` is spliced into its `hl7` object.
    static func hl7Event(extra: String = "") -> String {
        """
        {"@timestamp":"2024-05-01T08:15:30.123456Z","event":{"kind":"event","category":["network"],\
        "dataset":"wardwatch.hl7"},"observer":{"name":"sensor-1","type":"sensor","vendor":"WardWatch",\
        "product":"wardwatch","version":"0.1.0"},"source":{"ip":"10.1.2.3","port":41001,"mac":"02-00-00-00-00-01"},\
        "destination":{"ip":"10.1.2.4","port":2575},"network":{"transport":"tcp","protocol":"hl7","type":"ipv4"},\
        "hl7":{"message_type":"ADT^A01","control_id":"WW00000001","sending_application":"REGADT",\
        "sending_facility":"GENHOSP","receiving_application":"HIS","receiving_facility":"GENHOSP",\
        "processing_id":"P","version":"2.5",\(extra)"message_bytes":348,"segment_count":5},\
        "wardwatch":{"schema_version":1,"flow":{"uid":"C0000000001a"}}}

        """
    }

    @Test func anUnlistedHL7FieldIsRejected() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("good.jsonl")
        let bad = directory.appendingPathComponent("bad.jsonl")
        try Self.hl7Event().write(to: good, atomically: true, encoding: .utf8)
        try Self.hl7Event(extra: #""patient_name":"DOE^JANE","#).write(to: bad, atomically: true, encoding: .utf8)

        // The same event without the extra field is valid, so the rejection is for that field alone.
        let accepted = try Self.validate([good.path])
        #expect(accepted.result.status == 0, "\(accepted.result.output)\(accepted.result.error)")
        #expect(accepted.counts["wardwatch.hl7"] == 1)

        let rejected = try Self.validate([bad.path])
        #expect(rejected.result.status == 1, "\(rejected.result.output)\(rejected.result.error)")
        #expect(rejected.result.output.contains("patient_name"), "\(rejected.result.output)")
        #expect(rejected.result.output.contains("bad.jsonl:1: wardwatch.hl7: hl7:"), "\(rejected.result.output)")
    }
}
