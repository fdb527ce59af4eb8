import WardCore

/// Little-endian reads SMB2 needs beyond WardCore's (kept in this module; WardCore is not modified).
extension RawSpan {
    /// The little-endian 64-bit value at `offset`; the caller has checked the bounds.
    @inlinable
    package func loadUInt64LE(at offset: Int) -> UInt64 {
        UInt64(littleEndian: unsafeLoadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The little-endian 16-bit value at `offset`, or `nil` when it lies outside the span.
    @inlinable
    package func uint16LEIfPresent(at offset: Int) -> UInt16? {
        contains(offset: offset, length: 2) ? loadUInt16LE(at: offset) : nil
    }

    /// The little-endian 32-bit value at `offset`, or `nil` when it lies outside the span.
    @inlinable
    package func uint32LEIfPresent(at offset: Int) -> UInt32? {
        contains(offset: offset, length: 4) ? loadUInt32LE(at: offset) : nil
    }

    /// The little-endian 64-bit value at `offset`, or `nil` when it lies outside the span.
    @inlinable
    package func uint64LEIfPresent(at offset: Int) -> UInt64? {
        contains(offset: offset, length: 8) ? loadUInt64LE(at: offset) : nil
    }

    /// Decodes `length` bytes of UTF-16LE at `offset` into a string of at most `maxCodeUnits` code units
    /// (unpaired surrogates become U+FFFD); `nil` when the range lies outside the span.
    package func utf16LEString(at offset: Int, length: Int, maxCodeUnits: Int) -> String? {
        guard contains(offset: offset, length: length) else { return nil }
        let units = min(length / 2, maxCodeUnits)
        var codeUnits: [UInt16] = []
        codeUnits.reserveCapacity(units)
        for index in 0..<units { codeUnits.append(loadUInt16LE(at: offset + index * 2)) }
        return String(decoding: codeUnits, as: UTF16.self)
    }

    /// Decodes `length` single-byte (OEM/Latin-1) characters at `offset`; `nil` when outside the span.
    package func latin1String(at offset: Int, length: Int, maxCodeUnits: Int) -> String? {
        guard contains(offset: offset, length: length) else { return nil }
        var scalars = String.UnicodeScalarView()
        for index in 0..<min(length, maxCodeUnits) {
            scalars.append(Unicode.Scalar(loadUInt8(at: offset + index)))
        }
        return String(scalars)
    }
}
