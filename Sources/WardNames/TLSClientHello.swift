import WardCore

/// The server name (SNI, RFC 6066 §3) of a TLS ClientHello (RFC 8446 §4.1.2), read from the first bytes a client
/// sends; the rest of the handshake is ignored.
public enum TLSClientHello {
    /// Whether `bytes` start like a TLS handshake record carrying a ClientHello.
    public static func looksLikeClientHello(_ bytes: RawSpan) -> Bool {
        bytes.byteCount >= 6 && bytes.loadUInt8(at: 0) == 0x16 && bytes.loadUInt8(at: 1) == 0x03
            && bytes.loadUInt8(at: 5) == 0x01
    }

    /// The host name from the server_name extension of the ClientHello at the start of `bytes`, lower-cased, or
    /// `nil` (not a ClientHello, no SNI, or cut off by the first segment's end).
    public static func serverName(_ bytes: RawSpan) -> String? {
        guard looksLikeClientHello(bytes), bytes.byteCount >= 9 else { return nil }
        // record header (5) + handshake type (1) + length (3) + version (2) + random (32)
        var offset = 5 + 4 + 2 + 32
        guard let sessionIDLength = bytes.uint8IfPresent(at: offset) else { return nil }
        offset += 1 + Int(sessionIDLength)
        guard let cipherSuitesLength = bytes.uint16IfPresent(at: offset) else { return nil }
        offset += 2 + Int(cipherSuitesLength)
        guard let compressionLength = bytes.uint8IfPresent(at: offset) else { return nil }
        offset += 1 + Int(compressionLength)
        guard let extensionsLength = bytes.uint16IfPresent(at: offset) else { return nil }
        offset += 2
        let end = min(bytes.byteCount, offset + Int(extensionsLength))
        while offset + 4 <= end {
            let type = bytes.loadUInt16(at: offset)
            let length = Int(bytes.loadUInt16(at: offset + 2))
            offset += 4
            guard length <= end - offset else { return nil }
            if type == 0 {  // server_name: list length (2), then entries of type (1), length (2), name
                var entry = offset + 2
                while entry + 3 <= offset + length {
                    let nameType = bytes.loadUInt8(at: entry)
                    let nameLength = Int(bytes.loadUInt16(at: entry + 1))
                    entry += 3
                    guard nameLength > 0, nameLength <= 255, nameLength <= offset + length - entry else { return nil }
                    if nameType == 0 {
                        var name: [UInt8] = []
                        name.reserveCapacity(nameLength)
                        for index in 0..<nameLength {
                            let byte = bytes.loadUInt8(at: entry + index)
                            guard byte > 0x20 && byte < 0x7F else { return nil }
                            name.append((UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte)
                        }
                        return String(decoding: name, as: UTF8.self)
                    }
                    entry += nameLength
                }
                return nil
            }
            offset += length
        }
        return nil
    }
}
