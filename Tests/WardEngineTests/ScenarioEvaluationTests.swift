import Foundation
import Testing
import WardTestSupport

/// `make eval` as a regression test: the labelled real-peer scenarios (Captures/scenarios), each replayed with the
/// state DB learned from the benign day, must all be detected, ransomware within 10 s and 10 files, with no false
/// alert.
@Suite struct ScenarioEvaluationTests {
    @Test func labelledScenariosAreDetectedWithoutFalseAlerts() throws {
        let script = Fixtures.packageRoot.appendingPathComponent("Scripts/eval.sh").path
        let result = try runCommand(
            "/usr/bin/env", ["WARDWATCH=\(Fixtures.binary)", "bash", script])
        #expect(result.status == 0, "\(result.error)")
        let summary = try #require(result.output.split(separator: "\n").last { $0.hasPrefix("summary:") })
        #expect(summary.contains("summary: 9/9 expected detections, 0 false alerts"), "\(result.output)")
        for scenario in ["ransomware-smb2 ", "ransomware-smb3-encrypted "] {
            let row = try #require(result.output.split(separator: "\n").first { $0.hasPrefix(scenario) })
            let columns = row.split(separator: " ", omittingEmptySubsequences: true)
            let latency = try #require(Double(columns[columns.count - 3]))
            let filesLost = try #require(Int(columns[columns.count - 2]))
            #expect(latency < 10 && filesLost < 10, "\(row)")
        }
    }
}
