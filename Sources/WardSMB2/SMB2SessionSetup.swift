import WardCore

/// The fields read from SMB2 SESSION_SETUP ([MS-SMB2] §2.2.5 request, §2.2.6 response) and the NTLMSSP
/// AUTHENTICATE message inside its security buffer ([MS-NLMP] §2.2.1.3), possibly wrapped in SPNEGO.
///
/// Only the user, domain and workstation names are read; the challenge responses (hashes) never are.
public enum SMB2SessionSetup {
    /// SMB2_SESSION_FLAG_ENCRYPT_DATA in the response's SessionFlags.
    public static let sessionFlagEncryptData: UInt16 = 0x0004
    /// SMB2_SESSION_FLAG_IS_GUEST.
    public static let sessionFlagGuest: UInt16 = 0x0001

    /// The names an NTLMSSP AUTHENTICATE message carries.
    public struct NTLMAuthenticate: Sendable, Equatable {
        /// UserName.
        public var user: String
        /// DomainName.
        public var domain: String
        /// Workstation.
        public var workstation: String
    }

    /// The security buffer of a request or response: its range within `message` (header at offset 0).
    /// - Throws: ``SMB2DecodeFailure/truncated`` when the fixed part is cut short or the buffer lies outside.
    public static func securityBuffer(_ message: RawSpan, isResponse: Bool) throws(SMB2DecodeFailure) -> Range<Int> {
        let body = SMB2Header.length
        let fieldOffset = isResponse ? 4 : 12
        let fixed = isResponse ? 8 : 24
        guard message.contains(offset: body, length: fixed) else { throw .truncated }
        let offset = Int(message.loadUInt16LE(at: body + fieldOffset))
        let length = Int(message.loadUInt16LE(at: body + fieldOffset + 2))
        if length == 0 { return body + fixed..<body + fixed }
        guard message.contains(offset: offset, length: length) else { throw .truncated }
        return offset..<offset + length
    }

    /// The response's SessionFlags.
    /// - Throws: ``SMB2DecodeFailure/truncated`` when the fixed part is cut short.
    public static func sessionFlags(_ message: RawSpan) throws(SMB2DecodeFailure) -> UInt16 {
        guard message.contains(offset: SMB2Header.length, length: 8) else { throw .truncated }
        return message.loadUInt16LE(at: SMB2Header.length + 2)
    }

    /// Finds `NTLMSSP\0` in the first `maxScan` bytes of `buffer` and reads an AUTHENTICATE (type 3) message's
    /// names; `nil` when there is none or it is malformed.
    public static func ntlmAuthenticate(in buffer: RawSpan, maxScan: Int, maxCodeUnits: Int) -> NTLMAuthenticate? {
        let signature: [UInt8] = [0x4E, 0x54, 0x4C, 0x4D, 0x53, 0x53, 0x50, 0x00]
        let limit = min(buffer.byteCount, maxScan)
        var start = 0
        while start <= limit - 8 {
            var matches = true
            for index in 0..<8 where buffer.loadUInt8(at: start + index) != signature[index] {
                matches = false
                break
            }
            if matches { break }
            start += 1
        }
        guard start <= limit - 8, buffer.contains(offset: start, length: 12) else { return nil }
        let ntlm = buffer.extracting(start..<buffer.byteCount)
        guard ntlm.loadUInt32LE(at: 8) == 3, ntlm.contains(offset: 0, length: 64) else { return nil }
        // NegotiateFlags sit at 60; NTLMSSP_NEGOTIATE_UNICODE is bit 0.
        let unicode = ntlm.loadUInt32LE(at: 60) & 0x1 != 0
        return NTLMAuthenticate(
            user: field(ntlm, at: 36, unicode: unicode, maxCodeUnits: maxCodeUnits),
            domain: field(ntlm, at: 28, unicode: unicode, maxCodeUnits: maxCodeUnits),
            workstation: field(ntlm, at: 44, unicode: unicode, maxCodeUnits: maxCodeUnits))
    }

    /// An NTLMSSP string field (Len, MaxLen, Offset from the message start) at `at`; empty when malformed.
    private static func field(_ ntlm: RawSpan, at: Int, unicode: Bool, maxCodeUnits: Int) -> String {
        let length = Int(ntlm.loadUInt16LE(at: at))
        let offset = Int(ntlm.loadUInt32LE(at: at + 4))
        let text =
            unicode
            ? ntlm.utf16LEString(at: offset, length: length, maxCodeUnits: maxCodeUnits)
            : ntlm.latin1String(at: offset, length: length, maxCodeUnits: maxCodeUnits)
        return text ?? ""
    }
}
