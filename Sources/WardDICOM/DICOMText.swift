import WardCore

#if canImport(Glibc)
import Glibc
#endif

/// Turning the few textual wire fields the analyzer keeps (AE titles, UIDs, implementation version names) into
/// `String`s, once per association. Only printable ASCII survives: anything else becomes `?`, so no field can smuggle
/// control characters or arbitrary bytes into an event.
enum DICOMText {
    /// The bytes of `range` with leading and trailing spaces and NULs removed, as printable ASCII.
    static func trimmed(_ bytes: RawSpan, _ range: Range<Int>) -> String {
        guard range.lowerBound >= 0, range.upperBound <= bytes.byteCount else { return "" }
        return bytes.withUnsafeBytes { raw in
            var lower = range.lowerBound
            var upper = range.upperBound
            while lower < upper, isPadding(raw[lower]) { lower += 1 }
            while upper > lower, isPadding(raw[upper - 1]) { upper -= 1 }
            return String(unsafeUninitializedCapacity: upper - lower) { buffer in
                for index in lower..<upper {
                    let byte = raw[index]
                    buffer[index - lower] = (0x20...0x7E).contains(byte) ? byte : UInt8(ascii: "?")
                }
                return upper - lower
            }
        }
    }

    /// A UID from `range` (trailing NUL/space padding removed), or `nil` with an anomaly when it is too long or
    /// holds anything but digits and dots (PS3.5 §9.1).
    static func uid(
        _ bytes: RawSpan, _ range: Range<Int>, limits: DICOMLimits, anomalies: inout DICOMAnomalyCounts
    ) -> String? {
        var none: [String] = []
        return uid(bytes, range, limits: limits, anomalies: &anomalies, reusing: &none, keep: 0)
    }

    /// `uid(_:_:limits:anomalies:)` that returns an equal string from `recent` instead of making a new one, and keeps
    /// up to `keep` new ones there: the transfer syntaxes of an A-ASSOCIATE repeat in every presentation context.
    static func uid(
        _ bytes: RawSpan, _ range: Range<Int>, limits: DICOMLimits, anomalies: inout DICOMAnomalyCounts,
        reusing recent: inout [String], keep: Int
    ) -> String? {
        guard range.lowerBound >= 0, range.upperBound <= bytes.byteCount else { return nil }
        // Raw-byte passes only (this runs for every UID of every presentation context).
        let upper = bytes.withUnsafeBytes { raw in
            var upper = range.upperBound
            while upper > range.lowerBound, isPadding(raw[upper - 1]) { upper -= 1 }
            return upper
        }
        let length = upper - range.lowerBound
        if length == 0 { return nil }
        if length > limits.maximumUIDLength {
            anomalies.record(.uidTooLong)
            return nil
        }
        let valueRange = range.lowerBound..<upper
        // A UID equal to one kept earlier was valid then: reuse it without checking its characters again.
        if let known = recent.first(where: { equals($0, bytes, valueRange) }) { return known }
        let valid = bytes.withUnsafeBytes { raw in
            raw[valueRange].allSatisfy { $0 == UInt8(ascii: ".") || ($0 &- UInt8(ascii: "0")) < 10 }
        }
        guard valid else {
            anomalies.record(.invalidUID)
            return nil
        }
        let text = trimmed(bytes, valueRange)
        if recent.count < keep { recent.append(text) }
        return text
    }

    /// Whether `text` equals the bytes of `range` (compared without building a `String`).
    static func equals(_ text: String, _ bytes: RawSpan, _ range: Range<Int>) -> Bool {
        guard text.utf8.count == range.count, range.lowerBound >= 0, range.upperBound <= bytes.byteCount else {
            return false
        }
        if range.isEmpty { return true }
        return bytes.withUnsafeBytes { raw in
            let wire = UnsafeRawBufferPointer(rebasing: raw[range])
            // memcmp: this runs for every transfer syntax of every presentation context.
            return text.utf8.withContiguousStorageIfAvailable { stored in
                memcmp(stored.baseAddress!, wire.baseAddress!, range.count) == 0
            } ?? text.utf8.elementsEqual(wire)
        }
    }

    /// `range` without leading and trailing spaces and NULs.
    static func trimmedRange(_ bytes: RawSpan, _ range: Range<Int>) -> Range<Int> {
        guard range.lowerBound >= 0, range.upperBound <= bytes.byteCount else { return 0..<0 }
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isPadding(bytes.loadUInt8(at: lower)) { lower += 1 }
        while upper > lower, isPadding(bytes.loadUInt8(at: upper - 1)) { upper -= 1 }
        return lower..<upper
    }

    private static func isPadding(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x00
    }
}
