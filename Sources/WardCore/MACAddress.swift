/// A 48-bit IEEE 802 MAC address, kept in the low bits of a `UInt64`.
public struct MACAddress: Hashable, Comparable, Sendable, BitwiseCopyable {
    /// The address in network order in the low 48 bits.
    public var rawValue: UInt64

    /// An address from its 48-bit value.
    @inlinable
    public init(rawValue: UInt64) {
        self.rawValue = rawValue & 0xFFFF_FFFF_FFFF
    }

    /// The all-zero address, meaning "none" (for example Linux cooked captures without a link address).
    @inlinable public static var zero: MACAddress { MACAddress(rawValue: 0) }

    /// Reads six bytes at `offset`; the caller has checked the bounds.
    @inlinable @inline(__always)
    package init(_ bytes: RawSpan, at offset: Int) {
        let high = UInt64(bytes.loadUInt16(at: offset))
        let low = UInt64(bytes.loadUInt32(at: offset + 2))
        self.init(rawValue: high << 32 | low)
    }

    /// Parses `aa:bb:cc:dd:ee:ff` (or with `-`), for configuration and tests.
    public init?(_ text: String) {
        var value: UInt64 = 0
        var digits = 0
        for character in text.utf8 {
            if character == UInt8(ascii: ":") || character == UInt8(ascii: "-") { continue }
            guard let nibble = hexValue(character) else { return nil }
            value = value << 4 | UInt64(nibble)
            digits += 1
        }
        guard digits == 12 else { return nil }
        self.init(rawValue: value)
    }

    /// Group (multicast or broadcast) addresses have the low bit of the first octet set.
    @inlinable
    public var isGroup: Bool { rawValue & 0x0100_0000_0000 != 0 }

    /// Locally administered addresses (randomised by phones and laptops) have the second bit of the first octet set.
    @inlinable
    public var isLocallyAdministered: Bool { rawValue & 0x0200_0000_0000 != 0 }

    /// The 24-bit organisationally unique identifier (vendor prefix).
    @inlinable
    public var oui: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 24) }

    @inlinable
    public static func < (lhs: MACAddress, rhs: MACAddress) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// The length of the text form, `aa:bb:cc:dd:ee:ff`.
    public static var textLength: Int { 17 }

    /// Appends `aa:bb:cc:dd:ee:ff` (or ECS's `AA-BB-CC-DD-EE-FF` when `ecsStyle`) to `output`.
    public func write(into output: inout [UInt8], ecsStyle: Bool = false) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.textLength) { text in
            writeText(to: text.baseAddress!, ecsStyle: ecsStyle)
            output.append(contentsOf: text)
        }
    }

    /// Writes `aa:bb:cc:dd:ee:ff` (or ECS's `AA-BB-CC-DD-EE-FF` when `ecsStyle`) at `output`, which has room for
    /// `textLength` bytes. The digits of four octets, then of two, are worked out at once in a 64-bit word, without a
    /// branch per digit (every flow record writes two of these).
    @inlinable
    public func writeText(to output: UnsafeMutablePointer<UInt8>, ecsStyle: Bool = false) {
        let separator = ecsStyle ? UInt8(ascii: "-") : UInt8(ascii: ":")
        let first = Self.hexDigits(UInt32(truncatingIfNeeded: rawValue >> 16), upperCase: ecsStyle)
        let last = Self.hexDigits(UInt32(truncatingIfNeeded: rawValue) << 16, upperCase: ecsStyle)
        let raw = UnsafeMutableRawPointer(output)
        for index in 0..<4 {
            raw.storeBytes(
                of: UInt16(truncatingIfNeeded: first >> (16 * index)), toByteOffset: 3 * index, as: UInt16.self)
        }
        for index in 0..<2 {
            raw.storeBytes(
                of: UInt16(truncatingIfNeeded: last >> (16 * index)), toByteOffset: 12 + 3 * index, as: UInt16.self)
        }
        for offset in stride(from: 2, to: 17, by: 3) { output[offset] = separator }
    }

    /// The eight hexadecimal digits of `octets` (most significant first) as the bytes of a word, in the order they
    /// are written (the first digit in the lowest byte, for a little-endian store).
    @inlinable
    static func hexDigits(_ octets: UInt32, upperCase: Bool) -> UInt64 {
        // One octet per 16-bit lane, the first octet in the lowest lane.
        var lanes = UInt64(octets.byteSwapped)
        lanes = (lanes | lanes << 16) & 0x0000_FFFF_0000_FFFF
        lanes = (lanes | lanes << 8) & 0x00FF_00FF_00FF_00FF
        // In each lane the high nibble in the low byte, the low nibble in the high byte: one digit per byte.
        let nibbles = (lanes >> 4) & 0x000F_000F_000F_000F | (lanes & 0x000F_000F_000F_000F) << 8
        // A digit of 10 or more gets bit 4 set by adding 6; it then moves on from '9' + 1 to 'a' or 'A'.
        let letters = ((nibbles &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
        return nibbles &+ 0x3030_3030_3030_3030 &+ letters &* (upperCase ? 0x07 : 0x27)
    }
}

extension MACAddress: CustomStringConvertible {
    /// Written straight into the string's storage (through an array it cost two allocations and a UTF-8 check).
    public var description: String {
        String(unsafeUninitializedCapacity: Self.textLength) { text in
            writeText(to: text.baseAddress!)
            return Self.textLength
        }
    }
}

/// The lower-case hexadecimal digit for a nibble.
@inlinable
package func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
}

/// The value of a hexadecimal digit, or `nil`.
@inlinable
package func hexValue(_ character: UInt8) -> UInt8? {
    switch character {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
    default: nil
    }
}
