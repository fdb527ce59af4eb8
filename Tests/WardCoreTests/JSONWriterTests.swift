import Foundation
import Testing

@testable import WardCore
import WardTestSupport

@Suite struct JSONWriterTests {
    @Test func writesNestedObjectsWithSeparators() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("a")
        writer.value(1)
        writer.beginObject("b")
        writer.key("c")
        writer.value(true)
        writer.key("d")
        writer.beginArray()
        writer.value("x")
        writer.value(-2)
        writer.endArray()
        writer.endObject()
        writer.key("e")
        writer.value(fixedPoint: 12_345, decimals: 3)
        writer.endObject()
        #expect(writer.text == #"{"a":1,"b":{"c":true,"d":["x",-2]},"e":12.345}"#)
    }

    @Test func escapesControlCharactersQuotesAndInvalidUTF8() throws {
        var writer = JSONWriter()
        let raw: [UInt8] = [0x22, 0x5C, 0x0A, 0x01, 0x41, 0xFF, 0xC3, 0xA9, 0xE2, 0x82]
        raw.withUnsafeBytes { writer.value(utf8: $0.bytes) }
        let text = writer.text
        #expect(text == "\"\\\"\\\\\\n\\u0001A\u{FFFD}é\u{FFFD}\u{FFFD}\"")
        // Whatever the input, the output parses as JSON.
        let parsed = try JSONSerialization.jsonObject(with: Data(("[" + text + "]").utf8), options: [])
        #expect((parsed as? [String])?.count == 1)
    }

    /// The scan skips plain runs eight bytes at a time: every byte that needs escaping (and one that does not) is
    /// found at every position of strings from 0 to 24 bytes long, as the byte-at-a-time scan finds it.
    @Test func escapesAtEveryPositionOfTheEightByteSteps() throws {
        func escapedOneByOne(_ bytes: [UInt8]) -> String {
            var text = "\""
            for byte in bytes {
                switch byte {
                case 0x22: text += "\\\""
                case 0x5C: text += "\\\\"
                case 0x7F: text += "\\u007f"
                case 0x1F: text += "\\u001f"
                case 0x80: text += "\u{FFFD}"
                default: text += String(UnicodeScalar(byte))
                }
            }
            return text + "\""
        }
        for length in 0...24 {
            for position in 0..<max(length, 1) {
                for special: UInt8 in [0x22, 0x5C, 0x1F, 0x7F, 0x80, 0x7E, 0x20] {
                    var bytes = (0..<length).map { UInt8(0x41 + $0 % 26) }
                    if length > 0 { bytes[position] = special }
                    var writer = JSONWriter()
                    bytes.withUnsafeBytes { writer.value(utf8: $0.bytes) }
                    #expect(writer.text == escapedOneByOne(bytes), "length \(length), 0x\(String(special, radix: 16)) at \(position)")
                }
            }
        }
        #expect(!JSONWriter.isPlain(0x4141_4141_4141_4122) && JSONWriter.isPlain(0x7E7E_2020_4141_3030))
    }

    /// Two bytes to escape at every pair of positions: the second is often in the string's last word, which the scan
    /// reads again with the bytes before it (the first one among them) shifted out.
    @Test func escapesEveryPairOfPositions() {
        for length in 8...20 {
            for first in 0..<length {
                for second in first..<length {
                    var bytes = (0..<length).map { UInt8(0x61 + $0 % 26) }
                    bytes[first] = 0x5C
                    bytes[second] = 0x22
                    let expected = bytes.map { $0 == 0x5C ? "\\\\" : $0 == 0x22 ? "\\\"" : String(UnicodeScalar($0)) }
                    var writer = JSONWriter()
                    bytes.withUnsafeBytes { writer.value(utf8: $0.bytes) }
                    #expect(writer.text == "\"" + expected.joined() + "\"", "length \(length), \(first) and \(second)")
                }
            }
        }
    }

    @Test func escapesStringsWithSeveralBytesToEscapeAtEveryLength() {
        // Pieces and what each becomes: plain bytes, escapes, a valid two-byte sequence, an invalid byte.
        let pieces: [(bytes: [UInt8], escaped: String)] = [
            ([0x22], "\\\""), ([0x5C], "\\\\"), ([0x0A], "\\n"), ([0x7F], "\\u007f"), ([0xC3, 0xA9], "é"),
            ([0xFF], "\u{FFFD}"), ([0x41], "A"), ([0x61], "a"), ([0x2F], "/"),
        ]
        var generator = SeededGenerator(state: 7)
        for count in 0...30 {
            for _ in 0..<40 {
                var bytes: [UInt8] = []
                var expected = "\""
                for _ in 0..<count {
                    let piece = pieces.randomElement(using: &generator)!
                    bytes += piece.bytes
                    expected += piece.escaped
                }
                var writer = JSONWriter()
                bytes.withUnsafeBytes { writer.value(utf8: $0.bytes) }
                #expect(writer.text == expected + "\"", "\(bytes)")
            }
        }
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000000Z"),
        (Int64(1_300_475_167_096_535_000), "2011-03-18T19:06:07.096535Z"),
        (Int64(951_782_400_000_000_999), "2000-02-29T00:00:00.000000Z"),
        (Int64(-1_000), "1969-12-31T23:59:59.999999Z"),
        (Int64.max, "2262-04-11T23:47:16.854775Z"),
        (Int64.min, "1677-09-21T00:12:43.145224Z"),
    ])
    func formatsRFC3339Timestamps(nanoseconds: Int64, expected: String) {
        var writer = JSONWriter()
        writer.value(PacketTime(nanoseconds: nanoseconds))
        #expect(writer.text == "\"\(expected)\"")
    }
}

extension JSONWriterTests {
    @Test func growsPastItsFirstCapacityKeepingEveryByte() {
        var writer = JSONWriter(capacity: 1)
        writer.beginArray()
        for index in 0..<2_000 { writer.value(index) }
        writer.value(utf8: Array(repeating: UInt8(ascii: "\""), count: 500).span.bytes)
        writer.endArray()
        let expected =
            "[" + (0..<2_000).map(String.init).joined(separator: ",") + ",\""
            + String(repeating: "\\\"", count: 500) + "\"]"
        #expect(writer.text == expected)
        #expect(writer.count == expected.utf8.count)
    }

    @Test func reusesTheFormattedSecondOnlyWithinThatSecond() {
        var writer = JSONWriter()
        writer.beginArray()
        // Seconds alternating, as a flow record's end and the next record's start do, then a third second.
        let times: [Int64] = [
            1_300_475_167_096_535_000, 1_300_475_167_999_999_999, 1_300_475_168_000_000_000, 1_300_475_167_000_000_001,
            1_300_475_168_500_000_000, 0, 1_300_475_168_000_000_002,
        ]
        for nanoseconds in times { writer.value(PacketTime(nanoseconds: nanoseconds)) }
        writer.endArray()
        #expect(
            writer.text
                == #"["2011-03-18T19:06:07.096535Z","2011-03-18T19:06:07.999999Z","2011-03-18T19:06:08.000000Z","#
                + #""2011-03-18T19:06:07.000000Z","2011-03-18T19:06:08.500000Z","1970-01-01T00:00:00.000000Z","#
                + #""2011-03-18T19:06:08.000000Z"]"#)
    }

    @Test func writesLiteralsWhateverTheirStorage() {
        // Built through the unicode-scalar literal protocol, a `StaticString` may hold one scalar instead of a
        // pointer; keys and values must take both forms.
        func scalarLiteral<Literal: ExpressibleByUnicodeScalarLiteral>() -> Literal { "é" }
        let scalar: StaticString = scalarLiteral()
        var writer = JSONWriter()
        writer.beginObject()
        writer.key(scalar)
        writer.value(scalar)
        writer.key("")
        writer.value("")
        writer.endObject()
        #expect(writer.text == #"{"é":"é","":""}"#)
    }

    @Test func writesPreRenderedJSONAndDropsTheNewline() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("a")
        Array(#"{"b":[1,2]}"#.utf8).withUnsafeBytes { writer.value(json: $0) }
        writer.key("c")
        writer.value(false)
        writer.endObject()
        writer.appendNewline()
        writer.removeLast(1)
        #expect(writer.text == #"{"a":{"b":[1,2]},"c":false}"#)
    }

    /// The lowest mark of a word is its first byte that needs escaping, whatever the bytes after it (the marks above
    /// it may be false); no mark means none does. Words drawn from the bytes at every boundary of the tests.
    @Test func marksTheFirstByteToEscapeInAWord() {
        let edges: [UInt8] = [0x00, 0x01, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x41, 0x5B, 0x5C, 0x5D, 0x7E, 0x7F, 0x80, 0xA0,
                              0xC3, 0xFF]
        var random = SeededGenerator(state: 5)
        for _ in 0..<200_000 {
            let bytes = (0..<8).map { _ in edges[Int.random(in: 0..<edges.count, using: &random)] }
            let word = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            let first = bytes.firstIndex { !JSONWriter.isPlainByte($0) } ?? 8
            let marks = JSONWriter.nonPlainMarks(word)
            #expect((marks == 0 ? 8 : marks.trailingZeroBitCount >> 3) == first, "\(bytes)")
        }
    }

    /// The one-pass array of concatenated strings writes what one `value` per string writes, plain or escaped.
    @Test(arguments: [
        [String](), [""], ["1.2.840.10008.1.2"], ["1.2.840.10008.1.2", "", "1.2.840.10008.1.2.1", "1.2"],
        ["plain", #"back\slash"#, "quote\"", "tab\t"],
    ])
    func writesConcatenatedStringsAsOneArray(strings: [String]) {
        var bytes: [UInt8] = []
        var ends: [Int32] = []
        for string in strings {
            bytes.append(contentsOf: string.utf8)
            ends.append(Int32(bytes.count))
        }
        var expected = JSONWriter()
        expected.beginObject()
        expected.key("k")
        expected.beginArray()
        for string in strings { expected.value(string) }
        expected.endArray()
        expected.key("n")
        expected.value(1)
        expected.endObject()
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("k")
        bytes.withUnsafeBytes { raw in
            ends.withUnsafeBufferPointer { writer.stringArray(concatenated: raw, ends: $0) }
        }
        writer.key("n")
        writer.value(1)
        writer.endObject()
        #expect(writer.text == expected.text)
    }
}

@Suite struct SPSCRingTests {
    @Test func refusesWhenFullAndKeepsOrder() {
        let ring = SPSCRing<Int>(minimumCapacity: 3)
        #expect(ring.capacity == 4)
        for value in 0..<4 { #expect(ring.tryPush(value)) }
        #expect(!ring.tryPush(99))
        #expect(ring.tryPop() == 0)
        #expect(ring.tryPush(4))
        var drained: [Int] = []
        while let value = ring.tryPop() { drained.append(value) }
        #expect(drained == [1, 2, 3, 4])
    }

    @Test func carriesEveryRecordAcrossThreads() async {
        let ring = SPSCRing<Int>(minimumCapacity: 64)
        let count = 200_000
        let consumer = Task.detached { () -> Int in
            var sum = 0
            var received = 0
            while received < count {
                if let value = ring.tryPop() {
                    sum &+= value
                    received += 1
                }
            }
            return sum
        }
        for value in 0..<count {
            while !ring.tryPush(value) {}
        }
        #expect(await consumer.value == (0..<count).reduce(0, +))
    }
}
