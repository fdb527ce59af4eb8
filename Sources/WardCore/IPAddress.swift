/// An IPv4 or IPv6 address in 16 bytes; IPv4 is held IPv4-mapped (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2).
public struct IPAddress: Hashable, Comparable, Sendable, BitwiseCopyable {
    /// The first 64 bits in network order.
    public var high: UInt64
    /// The last 64 bits in network order.
    public var low: UInt64

    /// An address from its two 64-bit halves.
    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// An IPv4 address from its 32-bit value.
    @inlinable
    public init(ipv4 value: UInt32) {
        self.init(high: 0, low: 0xFFFF_0000_0000 | UInt64(value))
    }

    /// The unspecified address `::`, meaning "none".
    @inlinable public static var zero: IPAddress { IPAddress(high: 0, low: 0) }

    /// Reads a 4-byte IPv4 address at `offset`; the caller has checked the bounds.
    @inlinable
    package init(ipv4 bytes: RawSpan, at offset: Int) {
        self.init(ipv4: bytes.loadUInt32(at: offset))
    }

    /// Reads a 16-byte IPv6 address at `offset`; the caller has checked the bounds.
    @inlinable
    package init(ipv6 bytes: RawSpan, at offset: Int) {
        self.init(high: bytes.loadUInt64(at: offset), low: bytes.loadUInt64(at: offset + 8))
    }

    /// Whether this is an IPv4 address.
    @inlinable
    public var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

    /// The IPv4 value, meaningful only when `isIPv4`.
    @inlinable
    public var ipv4Value: UInt32 { UInt32(truncatingIfNeeded: low) }

    @inlinable
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        lhs.high != rhs.high ? lhs.high < rhs.high : lhs.low < rhs.low
    }

    /// The 16-bit group `index` (0…7) of the IPv6 form.
    @inlinable
    func group(_ index: Int) -> UInt16 {
        let word = index < 4 ? high : low
        return UInt16(truncatingIfNeeded: word >> UInt64((3 - index % 4) * 16))
    }

    /// The longest text form: an IPv6 address with eight four-digit groups.
    public static var maximumTextLength: Int { 39 }

    /// Appends the text form (dotted quad, or RFC 5952 IPv6) to `output`.
    public func write(into output: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.maximumTextLength) { text in
            let length = writeText(to: text.baseAddress!)
            output.append(contentsOf: UnsafeBufferPointer(rebasing: text[..<length]))
        }
    }

    /// Writes the text form (dotted quad, or RFC 5952 IPv6) at `output`, which has room for `maximumTextLength`
    /// bytes; returns how many it wrote.
    public func writeText(to output: UnsafeMutablePointer<UInt8>) -> Int {
        var length = 0
        if isIPv4 {
            let value = ipv4Value
            for index in 0..<4 {
                if index > 0 {
                    output[length] = UInt8(ascii: ".")
                    length += 1
                }
                length += writeOctet(UInt8(truncatingIfNeeded: value >> UInt32((3 - index) * 8)), to: output + length)
            }
            return length
        }
        // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first one on a tie.
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            if group(index) == 0 {
                var end = index
                while end < 8 && group(end) == 0 { end += 1 }
                if end - index > bestLength {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        index = 0
        while index < 8 {
            if index == bestStart {
                output[length] = UInt8(ascii: ":")
                length += 1
                if index == 0 {
                    output[length] = UInt8(ascii: ":")
                    length += 1
                }
                index += bestLength
                if index == 8 { break }
                continue
            }
            length += writeHexGroup(group(index), to: output + length)
            index += 1
            if index < 8 {
                output[length] = UInt8(ascii: ":")
                length += 1
            }
        }
        return length
    }

    /// Parses a dotted-quad IPv4 or an RFC 4291 IPv6 text address, for configuration and tests.
    public init?(_ text: String) {
        if !text.contains(":") {
            guard let value = parseIPv4(Substring(text)) else { return nil }
            self.init(ipv4: value)
            return
        }
        guard let groups = parseIPv6Groups(text) else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 {
            if index < 4 {
                high = high << 16 | UInt64(groups[index])
            } else {
                low = low << 16 | UInt64(groups[index])
            }
        }
        self.init(high: high, low: low)
    }
}

extension IPAddress: CustomStringConvertible {
    /// Written straight into the string's storage (through an array it cost two allocations and a UTF-8 check).
    public var description: String {
        String(unsafeUninitializedCapacity: Self.maximumTextLength) { writeText(to: $0.baseAddress!) }
    }
}

/// Writes the decimal digits of `value` at `output` (room for 20 bytes); returns how many it wrote.
///
/// Two digits per division, from a table of the pairs "00" to "99": JSON output writes about ten numbers per
/// record.
@inlinable
package func writeDecimal(_ value: UInt64, to output: UnsafeMutablePointer<UInt8>) -> Int {
    if value < 10 {
        output[0] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value)
        return 1
    }
    var length = 2
    var scale: UInt64 = 100
    while length < 20 && value >= scale {
        length += 1
        scale = scale &* 10
    }
    let pairs = decimalDigitPairs.utf8Start
    var rest = value
    var end = length
    while rest >= 100 {
        let pair = Int(truncatingIfNeeded: rest % 100) &* 2
        rest /= 100
        end -= 2
        output[end] = pairs[pair]
        output[end + 1] = pairs[pair + 1]
    }
    if rest >= 10 {
        let pair = Int(truncatingIfNeeded: rest) &* 2
        output[0] = pairs[pair]
        output[1] = pairs[pair + 1]
    } else {
        output[0] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest)
    }
    return length
}

/// "00", "01", … "99" one after another, for ``writeDecimal(_:to:)``. A static string: no lazy initialisation.
@usableFromInline
let decimalDigitPairs: StaticString = """
    00010203040506070809101112131415161718192021222324252627282930313233343536373839\
    40414243444546474849505152535455565758596061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899
    """

/// Writes an IPv4 octet in decimal (1–3 digits); returns its length.
private func writeOctet(_ octet: UInt8, to output: UnsafeMutablePointer<UInt8>) -> Int {
    if octet < 10 {
        output[0] = UInt8(ascii: "0") &+ octet
        return 1
    }
    let pairs = decimalDigitPairs.utf8Start
    let pair = Int(octet % 100) &* 2
    if octet < 100 {
        output[0] = pairs[pair]
        output[1] = pairs[pair + 1]
        return 2
    }
    output[0] = UInt8(ascii: "0") &+ octet / 100
    output[1] = pairs[pair]
    output[2] = pairs[pair + 1]
    return 3
}

/// Writes a group of an IPv6 address in lower-case hexadecimal without leading zeros; returns its length (1–4).
private func writeHexGroup(_ group: UInt16, to output: UnsafeMutablePointer<UInt8>) -> Int {
    var length = 0
    var started = false
    var shift = 12
    while shift >= 0 {
        let nibble = UInt8(truncatingIfNeeded: group >> UInt16(shift)) & 0xF
        if nibble != 0 || started || shift == 0 {
            output[length] = hexDigit(nibble)
            length += 1
            started = true
        }
        shift -= 4
    }
    return length
}

private func parseIPv4(_ text: Substring) -> UInt32? {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var value: UInt32 = 0
    for part in parts {
        guard !part.isEmpty, part.count <= 3, let octet = UInt32(part), octet <= 255 else { return nil }
        value = value << 8 | octet
    }
    return value
}

private func parseIPv6Groups(_ text: String) -> [UInt16]? {
    let halves = text.components(separatedByDoubleColon: ())
    guard halves.count <= 2 else { return nil }
    func groups(_ part: Substring, allowIPv4Tail: Bool) -> [UInt16]? {
        if part.isEmpty { return [] }
        var result: [UInt16] = []
        let fields = part.split(separator: ":", omittingEmptySubsequences: false)
        for (index, field) in fields.enumerated() {
            if allowIPv4Tail && index == fields.count - 1 && field.contains(".") {
                guard let value = parseIPv4(field) else { return nil }
                result.append(UInt16(value >> 16))
                result.append(UInt16(value & 0xFFFF))
            } else {
                guard !field.isEmpty, field.count <= 4, let group = UInt16(field, radix: 16) else { return nil }
                result.append(group)
            }
        }
        return result
    }
    if halves.count == 1 {
        guard let all = groups(halves[0], allowIPv4Tail: true), all.count == 8 else { return nil }
        return all
    }
    guard let head = groups(halves[0], allowIPv4Tail: false), let tail = groups(halves[1], allowIPv4Tail: true),
        head.count + tail.count <= 7
    else { return nil }
    return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
}

extension String {
    /// Splits at `::` (at most once meaningful); a helper for IPv6 parsing without Foundation.
    fileprivate func components(separatedByDoubleColon: Void) -> [Substring] {
        var parts: [Substring] = []
        var start = startIndex
        var index = startIndex
        while index < endIndex {
            let next = self.index(after: index)
            if self[index] == ":" && next < endIndex && self[next] == ":" {
                parts.append(self[start..<index])
                start = self.index(after: next)
                index = start
                continue
            }
            index = next
        }
        parts.append(self[start..<endIndex])
        return parts
    }
}
