import Testing
import WardAnomaly

@Suite struct PortSetTests {
    @Test func holdsExactlyItsPorts() {
        let members: [UInt16] = [0, 1, 63, 64, 445, 3389, 65_535]
        let set = PortSet(members)
        for port in 0...UInt16.max {
            #expect(set.contains(port) == members.contains(port), "port \(port)")
        }
        let literal: PortSet = [22, 445]
        #expect(literal == PortSet([445, 22, 22]))
        #expect(literal != PortSet([22]))
    }
}
