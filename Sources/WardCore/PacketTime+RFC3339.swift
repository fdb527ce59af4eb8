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
        appendPadded(year, width: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendPadded(month, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendPadded(day, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        appendPadded(secondOfDay / 3600, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendPadded(secondOfDay / 60 % 60, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendPadded(secondOfDay % 60, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        appendPadded(fraction / 1000, width: 6, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
    }
}

/// Appends `number` with at least `width` digits, zero-padded.
private func appendPadded(_ number: Int64, width: Int, to bytes: inout [UInt8]) {
    var divisor: Int64 = 1
    for _ in 1..<width { divisor *= 10 }
    var rest = max(0, number)
    if rest >= divisor * 10 {  // wider than requested: write all digits
        writeDecimal(UInt64(rest), into: &bytes)
        return
    }
    while divisor > 0 {
        bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
        rest %= divisor
        divisor /= 10
    }
}
