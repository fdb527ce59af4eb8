import Foundation
import Testing
import WardTestSupport

/// Conn states of the real-peer TCP-state capture equal the hand-verified table made with it.
@Suite struct ConnectionStateExpectationTests {
    @Test func realPeerConnectionsHaveTheirVerifiedStates() throws {
        let table = try String(contentsOfFile: Fixtures.capture("net/tcp-states.expected.tsv"), encoding: .utf8)
        let (_, events) = try ReplayHarness.replay([Fixtures.capture("net/tcp-states.pcap")])
        let flows = ReplayHarness.flows(in: events)
        var checked = 0
        for line in table.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("proto") {
            let columns = line.split(separator: "\t").map(String.init)
            guard columns.count == 6 else { continue }
            let matching = flows.filter {
                $0.transport == columns[0] && $0.sourceIP == columns[1] && String($0.sourcePort) == columns[2]
                    && $0.destinationIP == columns[3] && String($0.destinationPort) == columns[4]
            }
            #expect(matching.count == 1, "one flow for \(line)")
            #expect(matching.first?.state == columns[5], "state for \(line)")
            checked += 1
        }
        #expect(checked >= 8)
    }

    @Test func vlanTaggedFlowCarriesItsVLAN() throws {
        let (_, events) = try ReplayHarness.replay([Fixtures.capture("net/tcp-states.pcap")])
        let tagged = ReplayHarness.flows(in: events).filter { $0.destinationPort == 2000 }
        #expect(tagged.count == 1)
        #expect(tagged.first?.vlan == "10")
    }
}
