/// A streaming JSON builder that appends UTF-8 into one reused buffer (Suricata's `JsonBuilder` idea).
///
/// Keys are `StaticString`s, so writing an event allocates nothing once the buffer has grown to its working size.
/// The writer tracks only whether a separator is due; callers nest `beginObject`/`endObject` correctly.
public struct JSONWriter: ~Copyable {
    /// The rendered bytes so far.
    public private(set) var bytes: [UInt8]
    private var needsSeparator = false

    /// A writer whose buffer starts with room for `capacity` bytes.
    public init(capacity: Int = 4096) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Empties the buffer, keeping its capacity.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        needsSeparator = false
    }

    /// Starts an object value (`{`).
    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsSeparator = false
    }

    /// Ends the current object (`}`).
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsSeparator = true
    }

    /// Starts an array value (`[`).
    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsSeparator = false
    }

    /// Ends the current array (`]`).
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsSeparator = true
    }

    /// Writes `"name":`; the next call writes its value.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsSeparator = false
    }

    /// Writes `"name":` for a name known only at run time (escaped); for cold-path records such as statistics.
    public mutating func keyDynamic(_ name: String) {
        value(name)
        bytes.append(UInt8(ascii: ":"))
        needsSeparator = false
    }

    /// Starts a nested object under `name`.
    public mutating func beginObject(_ name: StaticString) {
        key(name)
        beginObject()
    }

    /// Writes a string from a static literal (no escaping needed for our own literals).
    public mutating func value(_ text: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        needsSeparator = true
    }

    /// Writes a string, escaping as RFC 8259 §7 requires; invalid UTF-8 bytes become U+FFFD.
    public mutating func value(_ text: String) {
        var text = text
        text.withUTF8 { value(utf8: UnsafeRawBufferPointer($0).bytes) }
    }

    /// Writes a string from raw bytes (for example a name read off the wire), escaping and repairing UTF-8.
    public mutating func value(utf8 text: RawSpan) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        text.withUnsafeBytes { raw in
            // Runs of printable ASCII other than `"` and `\` (nearly everything) are copied in one append.
            var index = 0
            var plainStart = 0
            while index < raw.count {
                let byte = raw[index]
                if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                    index += 1
                    continue
                }
                if plainStart < index { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[plainStart..<index])) }
                if byte < 0x80 {
                    appendEscapedASCII(byte)
                    index += 1
                } else {
                    let length = validUTF8SequenceLength(text, at: index)
                    if length == 0 {
                        bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])  // U+FFFD replacement character
                        index += 1
                    } else {
                        bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[index..<index + length]))
                        index += length
                    }
                }
                plainStart = index
            }
            if plainStart < index { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[plainStart..<index])) }
        }
        bytes.append(UInt8(ascii: "\""))
        needsSeparator = true
    }

    /// Writes an integer.
    public mutating func value(_ number: Int64) {
        separate()
        if number < 0 {
            bytes.append(UInt8(ascii: "-"))
            writeDecimal(number.magnitude, into: &bytes)
        } else {
            writeDecimal(UInt64(number), into: &bytes)
        }
        needsSeparator = true
    }

    /// Writes an unsigned integer.
    public mutating func value(_ number: UInt64) {
        separate()
        writeDecimal(number, into: &bytes)
        needsSeparator = true
    }

    /// Writes an integer.
    public mutating func value(_ number: Int) {
        value(Int64(number))
    }

    /// Writes a fixed-point number with `decimals` fractional digits, e.g. `value(12345, decimals: 3)` → `12.345`.
    public mutating func value(fixedPoint number: Int64, decimals: Int) {
        separate()
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = number.magnitude
        writeDecimal(magnitude / scale, into: &bytes)
        if decimals > 0 {
            bytes.append(UInt8(ascii: "."))
            var fraction = magnitude % scale
            var digitScale = scale / 10
            while digitScale > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(fraction / digitScale))
                fraction %= digitScale
                digitScale /= 10
            }
        }
        needsSeparator = true
    }

    /// Writes a number with `decimals` (0–3) fractional digits; non-finite values are written as 0 (JSON cannot
    /// carry them) and magnitudes are clamped so the scaled value fits in 64 bits.
    public mutating func value(_ number: Double, decimals: Int) {
        var scale = 1.0
        for _ in 0..<min(max(decimals, 0), 3) { scale *= 10 }
        let scaled = number.isFinite ? min(max(number * scale, -9.0e18), 9.0e18) : 0
        value(fixedPoint: Int64(scaled.rounded()), decimals: min(max(decimals, 0), 3))
    }

    /// Writes a flow identifier as flow records show it: `C` and eleven base-62 digits (Zeek's uid style).
    public mutating func value(flowUID uid: UInt64) {
        let alphabet: StaticString = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        var text = InlineArray<12, UInt8>(repeating: UInt8(ascii: "C"))
        var rest = uid
        alphabet.withUTF8Buffer { symbols in
            for index in stride(from: 11, through: 1, by: -1) {
                text[index] = symbols[Int(rest % 62)]
                rest /= 62
            }
        }
        value(utf8: text.span.bytes)
    }

    /// Writes `true` or `false`.
    public mutating func value(_ flag: Bool) {
        separate()
        if flag {
            bytes.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        } else {
            bytes.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        }
        needsSeparator = true
    }

    /// Writes an IP address as a string.
    public mutating func value(_ address: IPAddress) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        address.write(into: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsSeparator = true
    }

    /// Writes a MAC address as a string in ECS form (`00-1B-21-0A-0B-0C`).
    public mutating func value(_ address: MACAddress) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        address.write(into: &bytes, ecsStyle: true)
        bytes.append(UInt8(ascii: "\""))
        needsSeparator = true
    }

    /// Writes an RFC 3339 UTC timestamp with microseconds, e.g. `"2026-11-26T03:12:32.123456Z"`.
    public mutating func value(_ time: PacketTime) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        time.appendRFC3339(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsSeparator = true
    }

    /// Ends a JSON-lines record with a newline.
    public mutating func appendNewline() {
        bytes.append(UInt8(ascii: "\n"))
        needsSeparator = false
    }

    private mutating func separate() {
        if needsSeparator { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func appendEscapedASCII(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
        case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
        case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
        case 0..<0x20, 0x7F:
            bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            bytes.append(hexDigit(byte >> 4))
            bytes.append(hexDigit(byte & 0xF))
        default: bytes.append(byte)
        }
    }
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day) (H. Hinnant's `civil_from_days`).
@inlinable
package func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
    let shifted = daysSinceEpoch + 719_468
    let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
    let dayOfEra = shifted - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
}

/// The length of the valid UTF-8 sequence starting at `index`, or 0 when the bytes there are not valid UTF-8.
private func validUTF8SequenceLength(_ text: RawSpan, at index: Int) -> Int {
    let lead = text.loadUInt8(at: index)
    let length: Int
    let minimum: UInt32
    switch lead {
    case 0xC2...0xDF: (length, minimum) = (2, 0x80)
    case 0xE0...0xEF: (length, minimum) = (3, 0x800)
    case 0xF0...0xF4: (length, minimum) = (4, 0x10000)
    default: return 0
    }
    guard text.contains(offset: index, length: length) else { return 0 }
    var scalar = UInt32(lead) & (0xFF >> UInt32(length + 1))
    for offset in 1..<length {
        let continuation = text.loadUInt8(at: index + offset)
        guard continuation & 0xC0 == 0x80 else { return 0 }
        scalar = scalar << 6 | UInt32(continuation & 0x3F)
    }
    if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return 0 }
    return length
}
