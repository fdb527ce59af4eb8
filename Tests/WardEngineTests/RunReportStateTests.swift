import Testing
import WardAnomaly
import WardEngine
import WardTestSupport

/// What a run learned is gathered for its report only when a state DB will keep it.
@Suite struct RunReportStateTests {
    @Test func stateIsGatheredOnlyWhenKept() throws {
        let capture = Fixtures.capture("scenarios/unknown-device-dicom.pcap")
        let (plain, _) = try ReplayHarness.replay([capture])
        #expect(plain.state == nil)
        let (kept, _) = try ReplayHarness.replay([capture]) { $0.keepsState = true }
        let state = try #require(kept.state)
        #expect(!state.macs.isEmpty && !state.hosts.isEmpty)
        #expect(!state.learned.facts.isEmpty)
    }
}
