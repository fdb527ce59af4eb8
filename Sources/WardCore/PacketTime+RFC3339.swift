/// RFC 3339 text for packet times, shared by the JSON writer and the syslog header.
extension PacketTime {
    /// Appends the time as RFC 3339 UTC with microseconds (`2026-11-26T03:12:32.123456Z`), without allocating.
    public func appendRFC3339(to bytes: inout [UInt8]) {
        // Floor division so that times before 1970 still format correctly.
        var seconds = nanoseconds / 1_000_000_000
        var fraction = nanoseconds % 1_000_000_000
        if fraction < 0 {
            fraction += 1_000_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        // `YYYY-MM-DDThh:mm:ss.ffffffZ` built in place and appended once (once per event and per syslog header);
        // Int64 nanoseconds span the years 1677 to 2262, so the year always has four digits.
        var text: InlineArray<27, UInt8> = [
            0, 0, 0, 0, 0x2D, 0, 0, 0x2D, 0, 0, 0x54, 0, 0, 0x3A, 0, 0, 0x3A, 0, 0, 0x2E, 0, 0, 0, 0, 0, 0, 0x5A,
        ]
        func digits(_ value: Int64, at offset: Int, width: Int) {
            var rest = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                text[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
        }
        digits(year, at: 0, width: 4)
        digits(month, at: 5, width: 2)
        digits(day, at: 8, width: 2)
        digits(secondOfDay / 3600, at: 11, width: 2)
        digits(secondOfDay / 60 % 60, at: 14, width: 2)
        digits(secondOfDay % 60, at: 17, width: 2)
        digits(fraction / 1000, at: 20, width: 6)
        text.span.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
}
