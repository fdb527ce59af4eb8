/// RFC 3339 text for packet times, shared by the JSON writer and the syslog header.
extension PacketTime {
    /// The length of `YYYY-MM-DDThh:mm:ss.ffffffZ`.
    public static var rfc3339Length: Int { 27 }

    /// Whole seconds since the epoch and microseconds into that second, by floor division (so that times before
    /// 1970 still format correctly).
    public var secondsAndMicroseconds: (seconds: Int64, microseconds: Int64) {
        var seconds = nanoseconds / 1_000_000_000
        var fraction = nanoseconds % 1_000_000_000
        if fraction < 0 {
            fraction += 1_000_000_000
            seconds -= 1
        }
        return (seconds, fraction / 1000)
    }

    /// Appends the time as RFC 3339 UTC with microseconds (`2026-11-26T03:12:32.123456Z`), without allocating.
    public func appendRFC3339(to bytes: inout [UInt8]) {
        let (seconds, microseconds) = secondsAndMicroseconds
        var second = InlineArray<19, UInt8>(repeating: 0)
        Self.writeRFC3339Second(seconds, to: &second)
        second.span.withUnsafeBytes { bytes.append(contentsOf: $0) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.rfc3339FractionLength) { fraction in
            Self.writeRFC3339Fraction(microseconds, to: fraction.baseAddress!)
            bytes.append(contentsOf: fraction)
        }
    }

    /// The length of `.ffffffZ`, what follows the second.
    public static var rfc3339FractionLength: Int { 8 }

    /// Writes `.ffffffZ` for `microseconds` (0–999,999) at `output`, which has room for `rfc3339FractionLength`
    /// bytes.
    ///
    /// Written as three pairs of digits from the table ``writeDecimal(_:to:)`` uses: every event carries two or three
    /// times.
    public static func writeRFC3339Fraction(_ microseconds: Int64, to output: UnsafeMutablePointer<UInt8>) {
        let pairs = decimalDigitPairs.utf8Start
        var rest = UInt32(truncatingIfNeeded: min(max(microseconds, 0), 999_999))
        output[0] = UInt8(ascii: ".")
        for index in stride(from: 5, through: 1, by: -2) {
            let pair = Int(rest % 100) &* 2
            rest /= 100
            output[index] = pairs[pair]
            output[index + 1] = pairs[pair + 1]
        }
        output[7] = UInt8(ascii: "Z")
    }

    /// Writes `YYYY-MM-DDThh:mm:ss` for `seconds` since the epoch; Int64 nanoseconds span the years 1677 to 2262, so
    /// the year always has four digits.
    public static func writeRFC3339Second(_ seconds: Int64, to text: inout InlineArray<19, UInt8>) {
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        func digits(_ value: Int64, at offset: Int, width: Int) {
            var rest = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                text[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            }
        }
        digits(year, at: 0, width: 4)
        text[4] = UInt8(ascii: "-")
        digits(month, at: 5, width: 2)
        text[7] = UInt8(ascii: "-")
        digits(day, at: 8, width: 2)
        text[10] = UInt8(ascii: "T")
        digits(secondOfDay / 3600, at: 11, width: 2)
        text[13] = UInt8(ascii: ":")
        digits(secondOfDay / 60 % 60, at: 14, width: 2)
        text[16] = UInt8(ascii: ":")
        digits(secondOfDay % 60, at: 17, width: 2)
    }
}
