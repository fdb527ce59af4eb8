import Foundation
import Testing
import WardTestSupport

/// `make eval` as a regression test: the labelled real-peer scenarios (Captures/scenarios) replayed after the benign
/// day must keep every detection that works today and raise no false alert.
@Suite struct ScenarioEvaluationTests {
    @Test func labelledScenariosAreDetectedWithoutFalseAlerts() throws {
        let script = Fixtures.packageRoot.appendingPathComponent("Scripts/eval.sh").path
        let result = try runCommand(
            "/usr/bin/env", ["WARDWATCH=\(Fixtures.binary)", "bash", script])
        #expect(result.status == 0, "\(result.error)")
        let summary = try #require(result.output.split(separator: "\n").last { $0.hasPrefix("summary:") })
        // The encrypted-SMB3 burst is too small for the transform-volume baseline (see Captures/scenarios); the
        // other eight expected detections must hold.
        #expect(summary.contains("summary: 8/9 expected detections, 0 false alerts"), "\(result.output)")
        let ransomware = try #require(result.output.split(separator: "\n").first { $0.hasPrefix("ransomware-smb2 ") })
        let columns = ransomware.split(separator: " ", omittingEmptySubsequences: true)
        let latency = try #require(Double(columns[columns.count - 3]))
        let filesLost = try #require(Int(columns[columns.count - 2]))
        #expect(latency < 10 && filesLost < 10)
    }
}
