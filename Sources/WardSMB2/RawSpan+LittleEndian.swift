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
            // array of code units and no transcoding.
            var ascii = true
            for index in 0..<units where raw[offset + index * 2 + 1] != 0 || raw[offset + index * 2] >= 0x80 {
                ascii = false
                break
            }
            if ascii {
                return String(unsafeUninitializedCapacity: units) { buffer in
                    for index in 0..<units { buffer[index] = raw[offset + index * 2] }
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
