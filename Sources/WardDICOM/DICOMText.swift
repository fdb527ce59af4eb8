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
        guard let valueRange = validUID(bytes, range, limits: limits, anomalies: &anomalies) else { return nil }
        return trimmed(bytes, valueRange)
    }

    /// The UID of `range` added to `list` (or found there): its index, or `nil` when the UID is empty, too long or
    /// not digits and dots (the last two with an anomaly), or new while the list is full. No `String` is made.
    /// `likely` is the index the caller expects (one comparison instead of a lookup when it is right).
    static func uid(
        _ bytes: RawSpan, _ range: Range<Int>, into list: inout DICOMUIDList, likely: Int? = nil, limits: DICOMLimits,
        anomalies: inout DICOMAnomalyCounts
    ) -> Int? {
        guard let valueRange = uidRange(bytes, range, limits: limits, anomalies: &anomalies) else { return nil }
        return bytes.withUnsafeBytes { raw in
            let value = UnsafeRawBufferPointer(rebasing: raw[valueRange])
            // A UID the list holds was valid when it went in: no second character check.
            if let likely, list.uid(at: likely, equals: value) { return likely }
            if let known = list.firstIndex(of: value) { return known }
            guard isValidUID(value) else {
                anomalies.record(.invalidUID)
                return nil
            }
            return list.appendDistinct(value)
        }
    }

    /// Where the UID of `range` lies without its padding, when it is valid: the checks of
    /// ``uid(_:_:into:likely:limits:anomalies:)`` (with the same anomalies), without keeping the UID.
    static func validUID(
        _ bytes: RawSpan, _ range: Range<Int>, limits: DICOMLimits, anomalies: inout DICOMAnomalyCounts
    ) -> Range<Int>? {
        guard let valueRange = uidRange(bytes, range, limits: limits, anomalies: &anomalies) else { return nil }
        guard bytes.withUnsafeBytes({ isValidUID(UnsafeRawBufferPointer(rebasing: $0[valueRange])) }) else {
            anomalies.record(.invalidUID)
            return nil
        }
        return valueRange
    }

    /// `range` without its trailing NUL/space padding (`range` itself when it is out of bounds).
    static func unpadded(_ bytes: RawSpan, _ range: Range<Int>) -> Range<Int> {
        guard range.lowerBound >= 0, range.upperBound <= bytes.byteCount else { return range }
        let upper = bytes.withUnsafeBytes { raw in
            var upper = range.upperBound
            while upper > range.lowerBound, isPadding(raw[upper - 1]) { upper -= 1 }
            return upper
        }
        return range.lowerBound..<upper
    }

    /// `range` without its trailing NUL/space padding; `nil` when that leaves nothing, and `nil` with an anomaly
    /// when it is longer than the limit.
    private static func uidRange(
        _ bytes: RawSpan, _ range: Range<Int>, limits: DICOMLimits, anomalies: inout DICOMAnomalyCounts
    ) -> Range<Int>? {
        guard range.lowerBound >= 0, range.upperBound <= bytes.byteCount else { return nil }
        let value = unpadded(bytes, range)
        if value.isEmpty { return nil }
        if value.count > limits.maximumUIDLength {
            anomalies.record(.uidTooLong)
            return nil
        }
        return value
    }

    /// Whether `value` is only digits and dots (PS3.5 §9.1).
    ///
    /// Checked eight bytes at a time (the last word overlapping the one before): a byte-by-byte test branched on
    /// dot-or-digit, which the processor cannot predict inside a UID.
    static func isValidUID(_ value: UnsafeRawBufferPointer) -> Bool {
        let count = value.count
        guard count >= 8 else {
            // Padded with digits to one word.
            var word: UInt64 = 0x3030_3030_3030_3030
            withUnsafeMutableBytes(of: &word) { $0.copyMemory(from: value) }
            return isUIDWord(word)
        }
        var offset = 0
        while offset < count {
            let word = value.loadUnaligned(fromByteOffset: min(offset, count - 8), as: UInt64.self)
            if !isUIDWord(word) { return false }
            offset += 8
        }
        return true
    }

    /// Whether all eight bytes of `word` are digits or dots. Each test works on the low seven bits of every byte,
    /// so no carry crosses into the next byte, and counts bytes with the top bit set as failing.
    private static func isUIDWord(_ word: UInt64) -> Bool {
        let lowSeven: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        // Digits become 0–9; adding 0x76 sets the top bit of every byte that is 10 or more.
        let digits = word ^ 0x3030_3030_3030_3030
        let notDigit = ((digits & lowSeven) &+ 0x7676_7676_7676_7676) | digits
        // Dots become 0; adding 0x7F sets the top bit of every byte that is not 0.
        let dots = word ^ 0x2E2E_2E2E_2E2E_2E2E
        let notDot = ((dots & lowSeven) &+ lowSeven) | dots
        return notDigit & notDot & 0x8080_8080_8080_8080 == 0
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
