/// A streaming JSON builder that appends UTF-8 into one reused buffer (Suricata's `JsonBuilder` idea).
///
/// The buffer is raw memory the writer owns, not an `Array`: each step checks room once and stores bytes directly,
/// without `Array.append`'s uniqueness and capacity checks per byte. Keys are `StaticString`s, so writing an event
/// allocates nothing once the buffer has grown to its working size. The writer tracks only whether a separator is
/// due; callers nest `beginObject`/`endObject` correctly.
public struct JSONWriter: ~Copyable {
    @usableFromInline var storage: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    @usableFromInline var used = 0
    @usableFromInline var needsSeparator = false
    /// The last two seconds written and their `YYYY-MM-DDThh:mm:ss` texts, the latest first: events in a burst share
    /// them, and a flow record's end is often in the second after its start (with one text kept, the record's end
    /// and the next record's start each formatted theirs again).
    private var cachedSecond = Int64.min
    private var secondText = InlineArray<19, UInt8>(repeating: 0)
    private var earlierSecond = Int64.min
    private var earlierSecondText = InlineArray<19, UInt8>(repeating: 0)

    /// A writer whose buffer starts with room for `capacity` bytes.
    public init(capacity: Int = 4096) {
        self.capacity = max(64, capacity)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    /// Bytes rendered so far.
    public var count: Int { used }

    /// Lends the rendered bytes to `body` (valid only inside it).
    @inlinable
    public func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: storage, count: used))
    }

    /// The rendered text, copied (for tests and cold paths).
    public var text: String {
        withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Empties the buffer, keeping its capacity.
    public mutating func reset() {
        used = 0
        needsSeparator = false
    }

    /// Starts an object value (`{`).
    @inlinable
    public mutating func beginObject() {
        reserve(2)
        separate()
        appendUnchecked(UInt8(ascii: "{"))
        needsSeparator = false
    }

    /// Ends the current object (`}`).
    @inlinable
    public mutating func endObject() {
        reserve(1)
        appendUnchecked(UInt8(ascii: "}"))
        needsSeparator = true
    }

    /// Starts an array value (`[`).
    public mutating func beginArray() {
        reserve(2)
        separate()
        appendUnchecked(UInt8(ascii: "["))
        needsSeparator = false
    }

    /// Ends the current array (`]`).
    public mutating func endArray() {
        reserve(1)
        appendUnchecked(UInt8(ascii: "]"))
        needsSeparator = true
    }

    /// Writes `"name":`; the next call writes its value.
    @inlinable @inline(__always)
    public mutating func key(_ name: StaticString) {
        appendQuoted(name, reservingAfter: 1)
        appendUnchecked(UInt8(ascii: ":"))
        needsSeparator = false
    }

    /// Writes the separator if one is due, then `rendered`: JSON text rendered once that ends with a key and its
    /// colon (`"a":{"b":`), so that the next call writes that key's value.
    public mutating func key(rendered: UnsafeRawBufferPointer) {
        reserve(rendered.count + 1)
        separate()
        appendUnchecked(rendered)
        needsSeparator = false
    }

    /// Writes `"name":` for a name known only at run time (escaped); for cold-path records such as statistics.
    public mutating func keyDynamic(_ name: String) {
        value(name)
        reserve(1)
        appendUnchecked(UInt8(ascii: ":"))
        needsSeparator = false
    }

    /// Starts a nested object under `name`.
    @inlinable
    public mutating func beginObject(_ name: StaticString) {
        key(name)
        beginObject()
    }

    /// Writes a string from a static literal (no escaping needed for our own literals).
    @inlinable
    public mutating func value(_ text: StaticString) {
        appendQuoted(text, reservingAfter: 0)
        needsSeparator = true
    }

    /// Writes a string, escaping as RFC 8259 §7 requires; invalid UTF-8 bytes become U+FFFD.
    ///
    /// Disfavoured so that a literal argument picks the `StaticString` overload, which needs no escaping scan.
    @_disfavoredOverload
    public mutating func value(_ text: String) {
        // Native and small strings lend their UTF-8 in place; only a bridged one is copied first.
        let written: Void? = text.utf8.withContiguousStorageIfAvailable {
            value(utf8: UnsafeRawBufferPointer($0).bytes)
        }
        guard written == nil else { return }
        var text = text
        text.withUTF8 { value(utf8: UnsafeRawBufferPointer($0).bytes) }
    }

    /// Writes a string from raw bytes (for example a name read off the wire), escaping and repairing UTF-8.
    public mutating func value(utf8 text: RawSpan) {
        // Every input byte becomes at most six output bytes (`\u00XX`), so one reservation covers the string.
        reserve(text.byteCount * 6 + 3)
        separate()
        appendUnchecked(UInt8(ascii: "\""))
        text.withUnsafeBytes { raw in
            // Nearly every string needs no escaping at all: checked word by word, it is copied in one step.
            if Self.isPlain(raw) {
                appendUnchecked(raw)
                return
            }
            // Runs of printable ASCII other than `"` and `\` are copied in one step; a word that holds a byte to
            // escape says which one comes first, so the scan goes straight to it.
            var index = 0
            var plainStart = 0
            while index < raw.count {
                if index &+ 8 <= raw.count {
                    let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                    let marks = Self.nonPlainMarks(word)
                    if marks == 0 {
                        index &+= 8
                        continue
                    }
                    index &+= marks.trailingZeroBitCount >> 3
                } else if raw.count >= 8 {
                    // The last bytes: the string's last word with the bytes before `index` shifted out, and the
                    // zeros shifted in (above every byte left, so they cannot hide the first mark) masked off.
                    let left = raw.count &- index
                    let last = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: raw.count &- 8, as: UInt64.self))
                    let marks = Self.nonPlainMarks(last >> UInt64(8 &* (8 &- left))) & (1 << UInt64(8 &* left) &- 1)
                    if marks == 0 {
                        index = raw.count
                        continue
                    }
                    index &+= marks.trailingZeroBitCount >> 3
                }
                let byte = raw[index]
                if Self.isPlainByte(byte) {
                    index += 1
                    continue
                }
                if plainStart < index { appendUnchecked(UnsafeRawBufferPointer(rebasing: raw[plainStart..<index])) }
                if byte < 0x80 {
                    appendEscapedASCII(byte)
                    index += 1
                } else {
                    let length = validUTF8SequenceLength(text, at: index)
                    if length == 0 {
                        appendUnchecked(0xEF)  // U+FFFD replacement character
                        appendUnchecked(0xBF)
                        appendUnchecked(0xBD)
                        index += 1
                    } else {
                        appendUnchecked(UnsafeRawBufferPointer(rebasing: raw[index..<index + length]))
                        index += length
                    }
                }
                plainStart = index
            }
            if plainStart < index { appendUnchecked(UnsafeRawBufferPointer(rebasing: raw[plainStart..<index])) }
        }
        appendUnchecked(UInt8(ascii: "\""))
        needsSeparator = true
    }

    /// Writes an array of strings stored one after another in `bytes`, each ending at its offset in `ends`. The
    /// bytes are checked for escaping once as a whole: when none needs it (a list of UIDs), the array is written
    /// in one pass, without a scan and a call per string.
    public mutating func stringArray(concatenated bytes: UnsafeRawBufferPointer, ends: UnsafeBufferPointer<Int32>) {
        guard Self.isPlain(bytes) else {
            beginArray()
            var start = 0
            for end in ends {
                value(utf8: UnsafeRawBufferPointer(rebasing: bytes[start..<Int(end)]).bytes)
                start = Int(end)
            }
            endArray()
            return
        }
        reserve(bytes.count + 3 * ends.count + 3)
        separate()
        appendUnchecked(UInt8(ascii: "["))
        var start = 0
        for (index, end) in ends.enumerated() {
            if index > 0 { appendUnchecked(UInt8(ascii: ",")) }
            appendUnchecked(UInt8(ascii: "\""))
            appendUnchecked(UnsafeRawBufferPointer(rebasing: bytes[start..<Int(end)]))
            appendUnchecked(UInt8(ascii: "\""))
            start = Int(end)
        }
        appendUnchecked(UInt8(ascii: "]"))
        needsSeparator = true
    }

    /// Whether every byte of `raw` is printable ASCII other than `"` and `\\`: eight bytes at a time, the last word
    /// overlapping the one before it when the length is not a multiple of eight.
    @inline(__always)
    static func isPlain(_ raw: UnsafeRawBufferPointer) -> Bool {
        let count = raw.count
        guard count >= 8 else {
            for byte in raw where !isPlainByte(byte) { return false }
            return true
        }
        var index = 0
        while index &+ 8 <= count {
            guard isPlain(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) else { return false }
            index &+= 8
        }
        return index == count || isPlain(raw.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self))
    }

    /// Whether `byte` is printable ASCII other than `"` and `\\`, which a JSON string holds as it is.
    @inline(__always)
    static func isPlainByte(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
    }

    /// The top bit of each byte of `word` (loaded little-endian) that is not printable ASCII other than `"` and
    /// `\\`, where the lowest marked byte is always the first such byte. Bytes above it may be marked falsely (a
    /// borrow runs upward from a byte that matches), so only the lowest mark is to be trusted.
    @inline(__always)
    static func nonPlainMarks(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroBytes(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & high }
        let below20 = (word &- ones &* 0x20) & ~word & high
        return word & high | below20 | zeroBytes(word ^ (ones &* 0x7F)) | zeroBytes(word ^ (ones &* 0x22))
            | zeroBytes(word ^ (ones &* 0x5C))
    }

    /// Whether all eight bytes of `word` are printable ASCII other than `"` and `\\` (they need no escaping): the
    /// escaping scan's step over a plain run, eight bytes at a time (the bit tricks are exact, not heuristics).
    @inline(__always)
    static func isPlain(_ word: UInt64) -> Bool {
        nonPlainMarks(word) == 0
    }

    /// Writes an integer.
    public mutating func value(_ number: Int64) {
        reserve(22)
        separate()
        if number < 0 { appendUnchecked(UInt8(ascii: "-")) }
        used &+= writeDecimal(number.magnitude, to: storage + used)
        needsSeparator = true
    }

    /// Writes an unsigned integer.
    public mutating func value(_ number: UInt64) {
        reserve(21)
        separate()
        used &+= writeDecimal(number, to: storage + used)
        needsSeparator = true
    }

    /// Writes an integer.
    public mutating func value(_ number: Int) {
        value(Int64(number))
    }

    /// Writes a fixed-point number with `decimals` fractional digits, e.g. `value(12345, decimals: 3)` → `12.345`.
    public mutating func value(fixedPoint number: Int64, decimals: Int) {
        reserve(24 + max(0, decimals))
        separate()
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        if number < 0 { appendUnchecked(UInt8(ascii: "-")) }
        let magnitude = number.magnitude
        used &+= writeDecimal(magnitude / scale, to: storage + used)
        if decimals > 0 {
            appendUnchecked(UInt8(ascii: "."))
            var fraction = magnitude % scale
            var digitScale = scale / 10
            while digitScale > 0 {
                appendUnchecked(UInt8(ascii: "0") + UInt8(fraction / digitScale))
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
        reserve(15)
        separate()
        appendUnchecked(UInt8(ascii: "\""))
        appendUnchecked(UInt8(ascii: "C"))
        var rest = uid
        let symbols = alphabet.utf8Start
        for index in stride(from: 10, through: 0, by: -1) {
            storage[used + index] = symbols[Int(rest % 62)]
            rest /= 62
        }
        used &+= 11
        appendUnchecked(UInt8(ascii: "\""))
        needsSeparator = true
    }

    /// Writes a value already rendered as JSON (for example an object that is the same in every event).
    public mutating func value(json: UnsafeRawBufferPointer) {
        reserve(json.count + 1)
        separate()
        appendUnchecked(json)
        needsSeparator = true
    }

    /// Writes `true` or `false`.
    public mutating func value(_ flag: Bool) {
        value(literal: flag ? "true" : "false")
    }

    /// Writes an IP address as a string.
    public mutating func value(_ address: IPAddress) {
        reserve(IPAddress.maximumTextLength + 3)
        separate()
        appendUnchecked(UInt8(ascii: "\""))
        used &+= address.writeText(to: storage + used)
        appendUnchecked(UInt8(ascii: "\""))
        needsSeparator = true
    }

    /// Writes a MAC address as a string in ECS form (`00-1B-21-0A-0B-0C`).
    public mutating func value(_ address: MACAddress) {
        reserve(MACAddress.textLength + 3)
        separate()
        appendUnchecked(UInt8(ascii: "\""))
        address.writeText(to: storage + used, ecsStyle: true)
        used &+= MACAddress.textLength
        appendUnchecked(UInt8(ascii: "\""))
        needsSeparator = true
    }

    /// Writes an RFC 3339 UTC timestamp with microseconds, e.g. `"2026-11-26T03:12:32.123456Z"`.
    ///
    /// The date and time of day are formatted once per second and reused (the last two seconds): a flow record has
    /// several times, and records come in bursts.
    public mutating func value(_ time: PacketTime) {
        reserve(PacketTime.rfc3339Length + 3)
        separate()
        appendUnchecked(UInt8(ascii: "\""))
        let (second, microseconds) = time.secondsAndMicroseconds
        if second != cachedSecond {
            swap(&cachedSecond, &earlierSecond)
            swap(&secondText, &earlierSecondText)
            if second != cachedSecond {
                cachedSecond = second
                PacketTime.writeRFC3339Second(second, to: &secondText)
            }
        }
        let secondPrefix = secondText
        secondPrefix.span.withUnsafeBytes { appendUnchecked($0) }
        PacketTime.writeRFC3339Fraction(microseconds, to: storage + used)
        used &+= PacketTime.rfc3339FractionLength
        appendUnchecked(UInt8(ascii: "\""))
        needsSeparator = true
    }

    /// Ends a JSON-lines record with a newline.
    public mutating func appendNewline() {
        reserve(1)
        appendUnchecked(UInt8(ascii: "\n"))
        needsSeparator = false
    }

    /// Drops the last `n` bytes (for example the newline, when a collector frames records itself).
    public mutating func removeLast(_ n: Int) {
        used = max(0, used - n)
    }

    // MARK: - Buffer

    /// Makes room for `extra` more bytes; the append steps after it store without checking.
    @inlinable @inline(__always)
    mutating func reserve(_ extra: Int) {
        if used &+ extra > capacity { grow(toHold: used &+ extra) }
    }

    @usableFromInline
    mutating func grow(toHold needed: Int) {
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        larger.update(from: storage, count: used)
        storage.deallocate()
        storage = larger
        capacity = newCapacity
    }

    @inlinable @inline(__always)
    mutating func separate() {
        if needsSeparator { appendUnchecked(UInt8(ascii: ",")) }
    }

    @inlinable @inline(__always)
    mutating func appendUnchecked(_ byte: UInt8) {
        storage[used] = byte
        used &+= 1
    }

    /// The separator if one is due, then `"literal"`, with room for `extra` more bytes after it. Through
    /// `withUTF8Buffer`: a literal held as one scalar (a one-character literal may be) has neither `utf8Start` nor
    /// `utf8CodeUnitCount`.
    @inlinable @inline(__always)
    mutating func appendQuoted(_ literal: StaticString, reservingAfter extra: Int) {
        literal.withUTF8Buffer { text in
            reserve(text.count + 3 + extra)
            separate()
            appendUnchecked(UInt8(ascii: "\""))
            appendUnchecked(text)
            appendUnchecked(UInt8(ascii: "\""))
        }
    }

    @inlinable @inline(__always)
    mutating func appendUnchecked(_ text: UnsafeBufferPointer<UInt8>) {
        guard let base = text.baseAddress else { return }
        Self.copy(UnsafeRawPointer(base), count: text.count, to: UnsafeMutableRawPointer(storage + used))
        used &+= text.count
    }

    private mutating func appendUnchecked(_ run: UnsafeRawBufferPointer) {
        guard let base = run.baseAddress else { return }
        Self.copy(base, count: run.count, to: UnsafeMutableRawPointer(storage + used))
        used &+= run.count
    }

    /// Copies `count` bytes. Keys and most values are a few dozen bytes at most: those move as overlapping words,
    /// without a call to `memmove` (which cost more than the copy itself).
    @inlinable @inline(__always)
    static func copy(_ source: UnsafeRawPointer, count: Int, to destination: UnsafeMutableRawPointer) {
        switch count {
        case 16...32:
            let first = source.loadUnaligned(as: SIMD2<UInt64>.self)
            let last = source.loadUnaligned(fromByteOffset: count &- 16, as: SIMD2<UInt64>.self)
            destination.storeBytes(of: first, as: SIMD2<UInt64>.self)
            destination.storeBytes(of: last, toByteOffset: count &- 16, as: SIMD2<UInt64>.self)
        case 8..<16:
            let first = source.loadUnaligned(as: UInt64.self)
            let last = source.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
            destination.storeBytes(of: first, as: UInt64.self)
            destination.storeBytes(of: last, toByteOffset: count &- 8, as: UInt64.self)
        case 4..<8:
            let first = source.loadUnaligned(as: UInt32.self)
            let last = source.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
            destination.storeBytes(of: first, as: UInt32.self)
            destination.storeBytes(of: last, toByteOffset: count &- 4, as: UInt32.self)
        case 0..<4:
            for index in 0..<count {
                destination.storeBytes(of: source.load(fromByteOffset: index, as: UInt8.self), toByteOffset: index,
                                       as: UInt8.self)
            }
        default:
            destination.copyMemory(from: source, byteCount: count)
        }
    }

    /// Writes an unquoted literal such as `true`.
    private mutating func value(literal: StaticString) {
        literal.withUTF8Buffer { text in
            reserve(text.count + 1)
            separate()
            appendUnchecked(text)
        }
        needsSeparator = true
    }

    /// Writes an escaped ASCII byte; room was reserved by the caller (at most six bytes).
    private mutating func appendEscapedASCII(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            appendUnchecked(0x5C)
            appendUnchecked(byte)
        case 0x0A:
            appendUnchecked(0x5C)
            appendUnchecked(UInt8(ascii: "n"))
        case 0x0D:
            appendUnchecked(0x5C)
            appendUnchecked(UInt8(ascii: "r"))
        case 0x09:
            appendUnchecked(0x5C)
            appendUnchecked(UInt8(ascii: "t"))
        case 0..<0x20, 0x7F:
            appendUnchecked(0x5C)
            appendUnchecked(UInt8(ascii: "u"))
            appendUnchecked(UInt8(ascii: "0"))
            appendUnchecked(UInt8(ascii: "0"))
            appendUnchecked(hexDigit(byte >> 4))
            appendUnchecked(hexDigit(byte & 0xF))
        default: appendUnchecked(byte)
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
