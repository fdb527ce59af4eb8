/// Bounds-checked big-endian reads from borrowed packet bytes.
///
/// The `load…` functions expect the caller to have checked the length once for a whole header (the tcpdump
/// way: compare by subtraction); `RawSpan` still traps on a bug, which is the safety net, not the design.
/// The optional `…IfPresent` variants check themselves and are for single fields past a variable part.
extension RawSpan {
    /// Whether `length` bytes starting at `offset` lie inside the span, computed without overflow.
    @inlinable
    package func contains(offset: Int, length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= byteCount && length <= byteCount - offset
    }

    /// The byte at `offset`; the caller has checked the bounds.
    @inlinable
    package func loadUInt8(at offset: Int) -> UInt8 {
        unsafeLoad(fromByteOffset: offset, as: UInt8.self)
    }

    /// The big-endian 16-bit value at `offset`; the caller has checked the bounds.
    @inlinable
    package func loadUInt16(at offset: Int) -> UInt16 {
        UInt16(bigEndian: unsafeLoadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// The big-endian 32-bit value at `offset`; the caller has checked the bounds.
    @inlinable
    package func loadUInt32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: unsafeLoadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// The big-endian 64-bit value at `offset`; the caller has checked the bounds.
    @inlinable
    package func loadUInt64(at offset: Int) -> UInt64 {
        UInt64(bigEndian: unsafeLoadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The little-endian 16-bit value at `offset`; the caller has checked the bounds.
    @inlinable
    package func loadUInt16LE(at offset: Int) -> UInt16 {
        UInt16(littleEndian: unsafeLoadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// The little-endian 32-bit value at `offset`; the caller has checked the bounds.
    @inlinable
    package func loadUInt32LE(at offset: Int) -> UInt32 {
        UInt32(littleEndian: unsafeLoadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

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

    /// The byte at `offset`, or `nil` when it lies outside the span.
    @inlinable
    package func uint8IfPresent(at offset: Int) -> UInt8? {
        contains(offset: offset, length: 1) ? loadUInt8(at: offset) : nil
    }

    /// The big-endian 16-bit value at `offset`, or `nil` when it lies outside the span.
    @inlinable
    package func uint16IfPresent(at offset: Int) -> UInt16? {
        contains(offset: offset, length: 2) ? loadUInt16(at: offset) : nil
    }

    /// The big-endian 32-bit value at `offset`, or `nil` when it lies outside the span.
    @inlinable
    package func uint32IfPresent(at offset: Int) -> UInt32? {
        contains(offset: offset, length: 4) ? loadUInt32(at: offset) : nil
    }
}
