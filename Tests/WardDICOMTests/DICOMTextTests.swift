import Testing

@testable import WardDICOM

/// The checks on the textual fields kept from A-ASSOCIATE PDUs.
@Suite struct DICOMTextTests {
    private static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { DICOMText.isValidUID($0) }
    }

    /// A valid UID's byte at `position`: a dot at every third, digits elsewhere.
    private static func uidByte(at position: Int) -> UInt8 {
        let digit = UInt8(ascii: "0") + UInt8(position % 10)
        return position % 3 == 2 ? UInt8(ascii: ".") : digit
    }

    /// The word-at-a-time check agrees with the definition (digits and dots only) for every byte value at every
    /// position of UIDs of 0 to 20 bytes, the lengths around one and two words included.
    @Test func acceptsOnlyDigitsAndDotsAtEveryPosition() {
        #expect(Self.isValid([]))
        for length in 1...20 {
            let valid = (0..<length).map(Self.uidByte)
            #expect(Self.isValid(valid), "length \(length)")
            for position in 0..<length {
                for byte in 0...255 {
                    var bytes = valid
                    bytes[position] = UInt8(byte)
                    let expected = byte == 0x2E || (0x30...0x39).contains(byte)
                    if Self.isValid(bytes) != expected {
                        Issue.record("length \(length), byte \(byte) at \(position)")
                    }
                }
            }
        }
    }

    @Test func acceptsRealUIDs() {
        for uid in ["1.2.840.10008.1.2", "1.2.840.10008.5.1.4.1.1.2", "1.2.276.0.7230010.3.0.3.6.7", "1"] {
            #expect(Self.isValid(Array(uid.utf8)), "\(uid)")
        }
        for uid in ["1.2.840.10008.1.2 ", "1.2.840-10008", "1.2.840.10008.1.2\u{0}", "1,2"] {
            #expect(!Self.isValid(Array(uid.utf8)), "\(uid)")
        }
    }
}
