import Testing
import WardCore
@testable import WardAnomaly

@Suite struct MessageWriterTests {
    @Test func writesEachKindOfPiece() {
        let text = MessageWriter.string(capacity: 200) { text in
            text.append("device ")
            text.append(MACAddress("00:1b:2c:3d:4e:5f")!)
            text.append(" at ")
            text.append(IPAddress("fe80::1")!)
            text.append(" and ")
            text.append(IPAddress("10.0.0.254")!)
            text.append(" in ")
            text.append(String("Radiologie – Röntgen"))
            text.append(" (")
            text.append(decimal: 0)
            text.append(", ")
            text.append(decimal: -42)
            text.append(", ")
            text.append(decimal: Int.max)
            text.append(")")
        }
        #expect(
            text == "device 00:1b:2c:3d:4e:5f at fe80::1 and 10.0.0.254 in Radiologie – Röntgen (0, -42, \(Int.max))")
    }

    @Test func leavesOutAPieceThatDoesNotFitWhole() {
        // "Röntgen" is 8 bytes; with 7 left it is left out, not cut (possibly inside the "ö").
        let text = MessageWriter.string(capacity: 10) { text in
            text.append("abc")
            text.append(String("Röntgen"))
            text.append("d")
            text.append(MACAddress("00:1b:2c:3d:4e:5f")!)
            text.append(decimal: 123_456)
        }
        #expect(text == "abcd")
        // A number or an address needs room for its longest form (21 and 39 bytes).
        let number = MessageWriter.string(capacity: 24) { text in
            text.append("abc")
            text.append(decimal: 123_456)
            text.append(IPAddress("10.0.0.1")!)
        }
        #expect(number == "abc123456")
    }
}
