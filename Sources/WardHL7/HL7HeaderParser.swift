import WardCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads the metadata of one HL7 v2 message from its buffered prefix: the MSH header (MSH-3..6, 9..12) and, for
/// acknowledgements, the MSA segment (MSA-1, MSA-2). Nothing else is read: PID, PV1, OBX, NK1 and every other
/// segment's contents are never looked at, so they cannot leave the analyzer.
///
/// Pure functions over a borrowed `RawSpan`; every read is bounds-checked and malformed input yields `nil`.
public enum HL7HeaderParser {
    /// The metadata of one message. Values are the first repetition, the named component, the first subcomponent,
    /// raw (escape sequences are not decoded) and cut to `HL7Limits.maxFieldBytes`.
    public struct Header: Sendable, Equatable {
        /// MSH-9 components 1 and 2, joined with `^` whatever the wire's component separator (`ADT^A01`).
        public var messageType: String
        /// MSH-10.
        public var controlID: String
        /// MSH-3 component 1.
        public var sendingApplication: String
        /// MSH-4 component 1.
        public var sendingFacility: String
        /// MSH-5 component 1.
        public var receivingApplication: String
        /// MSH-6 component 1.
        public var receivingFacility: String
        /// MSH-11 component 1.
        public var processingID: String
        /// MSH-12 component 1.
        public var version: String
        /// MSA-1 when the message has an MSA segment.
        public var ackCode: String?
        /// MSA-2 when the message has an MSA segment.
        public var acknowledgedControlID: String?
        /// The separators read from MSH-1 and MSH-2.
        public var separators: HL7Separators
    }

    /// The header of `message` (the bytes between the MLLP blocks, or the buffered prefix of them), or `nil`
    /// when there is no readable MSH (it must be the first segment, after optional FHS/BHS batch headers), its
    /// separators are invalid, or MSH-9 or MSH-10 is empty.
    public static func parse(_ message: RawSpan, maxFieldBytes: Int) -> Header? {
        message.withUnsafeBytes { parse($0, maxFieldBytes: maxFieldBytes) }
    }

    private static func parse(_ message: UnsafeRawBufferPointer, maxFieldBytes: Int) -> Header? {
        var cursor = 0
        var mshRange: Range<Int>?
        while let segment = nextSegment(in: message, from: &cursor) {
            if startsWith(message, segment, "M", "S", "H") {
                mshRange = segment
                break
            }
            // Batch envelopes come before the first MSH; anything else means this is not an HL7 message.
            guard startsWith(message, segment, "F", "H", "S") || startsWith(message, segment, "B", "H", "S") else {
                return nil
            }
        }
        guard let msh = mshRange,
            let separators = HL7Separators(mshSegment: UnsafeRawBufferPointer(rebasing: message[msh]).bytes)
        else { return nil }
        let limit = max(1, maxFieldBytes)
        // MSH-1 is the separator itself, so MSH-n is the (n-1)-th piece when split on the field separator. The
        // segment is split once, up to MSH-12.
        let fields = Fields(message, msh, separator: separators.field)

        /// The text of a field's `component`, cut at the limit.
        func fieldText(_ field: Range<Int>?, component: Int = 0) -> String {
            text(message, field.flatMap { value(message, field: $0, component: component, separators) }, limit)
        }
        func mshValue(_ fieldNumber: Int, component: Int = 0) -> String {
            fieldText(fields[fieldNumber - 1], component: component)
        }
        let typeCode = mshValue(9)
        let triggerEvent = mshValue(9, component: 1)
        let controlID = mshValue(10)
        guard !typeCode.isEmpty, !controlID.isEmpty else { return nil }
        var header = Header(
            messageType: triggerEvent.isEmpty ? typeCode : typeCode + "^" + triggerEvent,
            controlID: controlID,
            sendingApplication: mshValue(3), sendingFacility: mshValue(4),
            receivingApplication: mshValue(5), receivingFacility: mshValue(6),
            processingID: mshValue(11), version: mshValue(12),
            ackCode: nil, acknowledgedControlID: nil, separators: separators)

        while let segment = nextSegment(in: message, from: &cursor) {
            guard startsWith(message, segment, "M", "S", "A"), segment.count >= 4,
                message[segment.lowerBound + 3] == separators.field
            else { continue }
            let msa = Fields(message, segment, separator: separators.field)
            header.ackCode = fieldText(msa[1])
            header.acknowledgedControlID = fieldText(msa[2])
            break
        }
        return header
    }

    /// The first pieces of a segment split on the field separator (index 0 is the segment name), found in one pass.
    private struct Fields {
        /// Pieces kept: MSH-12 is the last one read.
        static let count = 12
        private var starts = InlineArray<12, Int32>(repeating: -1)
        private var ends = InlineArray<12, Int32>(repeating: -1)

        init(_ message: UnsafeRawBufferPointer, _ segment: Range<Int>, separator: UInt8) {
            var index = 0
            var start = segment.lowerBound
            var offset = segment.lowerBound
            while offset < segment.upperBound {
                if message[offset] == separator {
                    starts[index] = Int32(start)
                    ends[index] = Int32(offset)
                    index += 1
                    if index == Self.count { return }
                    start = offset + 1
                }
                offset += 1
            }
            starts[index] = Int32(start)
            ends[index] = Int32(segment.upperBound)
        }

        /// Piece `index`, if the segment has it.
        subscript(index: Int) -> Range<Int>? {
            guard index >= 0, index < Self.count, starts[index] >= 0 else { return nil }
            return Int(starts[index])..<Int(ends[index])
        }
    }

    /// The next non-empty segment at or after `cursor` (terminated by CR, tolerating LF), advancing `cursor` past it.
    static func nextSegment(in message: UnsafeRawBufferPointer, from cursor: inout Int) -> Range<Int>? {
        var start = max(0, cursor)
        while start < message.count, isTerminator(message[start]) { start += 1 }
        guard start < message.count, let base = message.baseAddress else {
            cursor = message.count
            return nil
        }
        // Segments run to hundreds of bytes (OBX, NTE) and only their first three are read: memchr skips the rest.
        let length = message.count - start
        var end = memchr(base + start, 0x0D, length).map { base.distance(to: UnsafeRawPointer($0)) } ?? message.count
        if let lineFeed = memchr(base + start, 0x0A, end - start) {
            end = base.distance(to: UnsafeRawPointer(lineFeed))
        }
        cursor = end
        return start..<end
    }

    /// The `index`-th piece of `range` split on `delimiter` (index 0 is before the first delimiter).
    static func piece(
        _ message: UnsafeRawBufferPointer, _ range: Range<Int>, delimiter: UInt8, index: Int
    ) -> Range<Int>? {
        guard index >= 0, range.lowerBound >= 0, range.upperBound <= message.count else { return nil }
        var remaining = index
        var start = range.lowerBound
        var offset = range.lowerBound
        while offset < range.upperBound {
            if message[offset] == delimiter {
                if remaining == 0 { return start..<offset }
                remaining -= 1
                start = offset + 1
            }
            offset += 1
        }
        return remaining == 0 ? start..<range.upperBound : nil
    }

    /// The first repetition of `field`, component `component`, first subcomponent.
    static func value(
        _ message: UnsafeRawBufferPointer, field: Range<Int>, component: Int, _ separators: HL7Separators
    ) -> Range<Int>? {
        guard let repetition = piece(message, field, delimiter: separators.repetition, index: 0),
            let part = piece(message, repetition, delimiter: separators.component, index: component)
        else { return nil }
        return piece(message, part, delimiter: separators.subcomponent, index: 0)
    }

    /// The bytes of `range` as a string, cut to `limit` bytes; invalid UTF-8 is repaired.
    static func text(_ message: UnsafeRawBufferPointer, _ range: Range<Int>?, _ limit: Int) -> String {
        guard let range, range.lowerBound >= 0, range.upperBound <= message.count, !range.isEmpty else { return "" }
        let count = min(range.count, limit)
        return String(unsafeUninitializedCapacity: count) { buffer in
            for index in 0..<count { buffer[index] = message[range.lowerBound + index] }
            return count
        }
    }

    static func startsWith(
        _ message: UnsafeRawBufferPointer, _ range: Range<Int>, _ a: Unicode.Scalar, _ b: Unicode.Scalar,
        _ c: Unicode.Scalar
    ) -> Bool {
        range.count >= 3 && range.lowerBound >= 0 && range.lowerBound + 3 <= message.count
            && message[range.lowerBound] == UInt8(ascii: a)
            && message[range.lowerBound + 1] == UInt8(ascii: b)
            && message[range.lowerBound + 2] == UInt8(ascii: c)
    }

    @inline(__always)
    static func isTerminator(_ byte: UInt8) -> Bool { byte == 0x0D || byte == 0x0A }
}
