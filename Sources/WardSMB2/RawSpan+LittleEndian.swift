import WardCore

/// Text decoding SMB2 needs: UTF-16LE and single-byte names.
extension RawSpan {
    /// Decodes `length` bytes of UTF-16LE at `offset` into a string of at most `maxCodeUnits` code units
    /// (unpaired surrogates become U+FFFD); `nil` when the range lies outside the span.
    package func utf16LEString(at offset: Int, length: Int, maxCodeUnits: Int) -> String? {
        guard contains(offset: offset, length: length) else { return nil }
        let units = min(length / 2, maxCodeUnits)
        return withUnsafeBytes { raw in
            // ASCII names (nearly all): each code unit's low byte goes straight into the string's storage, with no
            // array of code units and no transcoding. Four code units are checked and narrowed at a time (the range
            // was checked above, so the loads need no bounds checks of their own).
            guard units > 0, let base = raw.baseAddress else { return "" }
            let source = base + offset
            var ascii = true
            var index = 0
            while index &+ 4 <= units {
                let word = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: index &* 2, as: UInt64.self))
                if word & 0xFF80_FF80_FF80_FF80 != 0 {
                    ascii = false
                    break
                }
                index &+= 4
            }
            while ascii && index < units {
                ascii = source.load(fromByteOffset: index &* 2 &+ 1, as: UInt8.self) == 0
                    && source.load(fromByteOffset: index &* 2, as: UInt8.self) < 0x80
                index &+= 1
            }
            if ascii {
                return String(unsafeUninitializedCapacity: units) { buffer in
                    let target = UnsafeMutableRawPointer(buffer.baseAddress!)
                    var index = 0
                    while index &+ 4 <= units {
                        let word = UInt64(
                            littleEndian: source.loadUnaligned(fromByteOffset: index &* 2, as: UInt64.self))
                        let narrowed = (word & 0xFF) | (word >> 8 & 0xFF00) | (word >> 16 & 0xFF_0000)
                            | (word >> 24 & 0xFF00_0000)
                        target.storeBytes(of: UInt32(truncatingIfNeeded: narrowed).littleEndian, toByteOffset: index,
                                          as: UInt32.self)
                        index &+= 4
                    }
                    while index < units {
                        target.storeBytes(of: source.load(fromByteOffset: index &* 2, as: UInt8.self),
                                          toByteOffset: index, as: UInt8.self)
                        index &+= 1
                    }
                    return units
                }
            }
            var codeUnits: [UInt16] = []
            codeUnits.reserveCapacity(units)
            for index in 0..<units { codeUnits.append(loadUInt16LE(at: offset + index * 2)) }
            return String(decoding: codeUnits, as: UTF16.self)
        }
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
