import Testing
import WardCore

@testable import WardSMB2

/// SMB names are UTF-16LE: the ASCII fast path and the general decoder give what `String(decoding:as: UTF16.self)`
/// gives, for ASCII, Japanese, emoji and broken surrogates, cut at `maxCodeUnits`.
@Suite struct UTF16NameTests {
    private func decode(_ units: [UInt16], maxCodeUnits: Int = 255) -> String? {
        let bytes = units.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
        return bytes.withUnsafeBytes { $0.bytes.utf16LEString(at: 0, length: bytes.count, maxCodeUnits: maxCodeUnits) }
    }

    @Test(arguments: ["report.docx", "", "患者一覧.xlsx", "a\u{1F600}b.txt", "DEL\u{7F}x", "é"])
    func decodesLikeTheStandardLibrary(name: String) {
        #expect(decode(Array(name.utf16)) == name)
    }

    @Test func unpairedSurrogatesBecomeReplacementCharacters() {
        #expect(decode([0x0061, 0xD800, 0x0062]) == "a\u{FFFD}b")
    }

    @Test func longNamesAreCutAtTheLimit() {
        #expect(decode(Array("abcdefgh".utf16), maxCodeUnits: 3) == "abc")
        #expect(decode(Array("ああああ".utf16), maxCodeUnits: 2) == "ああ")
    }

    @Test func rangesOutsideTheBytesGiveNil() {
        let bytes: [UInt8] = [0x61, 0x00]
        #expect(bytes.withUnsafeBytes { $0.bytes.utf16LEString(at: 0, length: 4, maxCodeUnits: 10) } == nil)
    }
}
