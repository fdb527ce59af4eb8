import WardCore

/// An SMB2 dialect revision ([MS-SMB2] §2.2.3, Dialects; §2.2.4, DialectRevision); an open set.
public struct SMB2Dialect: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
    /// The wire value (e.g. 0x0311).
    public var rawValue: UInt16

    /// A dialect from its wire value.
    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// SMB 2.0.2.
    public static let smb202 = SMB2Dialect(rawValue: 0x0202)
    /// SMB 2.1.
    public static let smb210 = SMB2Dialect(rawValue: 0x0210)
    /// SMB 3.0.
    public static let smb300 = SMB2Dialect(rawValue: 0x0300)
    /// SMB 3.0.2.
    public static let smb302 = SMB2Dialect(rawValue: 0x0302)
    /// SMB 3.1.1.
    public static let smb311 = SMB2Dialect(rawValue: 0x0311)
    /// SMB 2.??? (the multi-protocol negotiate wildcard).
    public static let wildcard = SMB2Dialect(rawValue: 0x02FF)

    /// The dotted name used in events ("3.1.1"), or the hex value for an unknown revision.
    public var name: String {
        switch self {
        case .smb202: "2.0.2"
        case .smb210: "2.1"
        case .smb300: "3.0"
        case .smb302: "3.0.2"
        case .smb311: "3.1.1"
        case .wildcard: "2.???"
        default: "0x" + String(rawValue, radix: 16)
        }
    }
}

/// The fields read from SMB2 NEGOTIATE ([MS-SMB2] §2.2.3 request, §2.2.4 response).
public enum SMB2Negotiate {
    /// SMB2_NEGOTIATE_SIGNING_REQUIRED in SecurityMode.
    public static let signingRequired: UInt16 = 0x0002
    /// SMB2_GLOBAL_CAP_ENCRYPTION in Capabilities.
    public static let capabilityEncryption: UInt32 = 0x0000_0040

    /// A NEGOTIATE request's fields.
    public struct Request: Sendable, Equatable {
        /// SecurityMode.
        public var securityMode: UInt16
        /// Capabilities.
        public var capabilities: UInt32
        /// The dialects offered, in order (at most `maxDialects`).
        public var dialects: [SMB2Dialect]
    }

    /// A NEGOTIATE response's fields.
    public struct Response: Sendable, Equatable, BitwiseCopyable {
        /// SecurityMode.
        public var securityMode: UInt16
        /// DialectRevision: the dialect chosen.
        public var dialect: SMB2Dialect
        /// Capabilities.
        public var capabilities: UInt32
    }

    /// Decodes a request whose SMB2 header starts at offset 0 of `message`.
    /// - Throws: ``SMB2DecodeFailure/truncated`` when the fixed part or the dialect list is cut short.
    public static func decodeRequest(_ message: RawSpan, maxDialects: Int) throws(SMB2DecodeFailure) -> Request {
        let body = SMB2Header.length
        guard message.contains(offset: body, length: 36) else { throw .truncated }
        let count = Int(message.loadUInt16LE(at: body + 2))
        guard message.contains(offset: body + 36, length: count * 2) else { throw .truncated }
        var dialects: [SMB2Dialect] = []
        for index in 0..<min(count, maxDialects) {
            dialects.append(SMB2Dialect(rawValue: message.loadUInt16LE(at: body + 36 + index * 2)))
        }
        return Request(
            securityMode: message.loadUInt16LE(at: body + 4), capabilities: message.loadUInt32LE(at: body + 8),
            dialects: dialects)
    }

    /// Decodes a response whose SMB2 header starts at offset 0 of `message`.
    /// - Throws: ``SMB2DecodeFailure/truncated`` when the fixed part is cut short.
    public static func decodeResponse(_ message: RawSpan) throws(SMB2DecodeFailure) -> Response {
        let body = SMB2Header.length
        guard message.contains(offset: body, length: 64) else { throw .truncated }
        return Response(
            securityMode: message.loadUInt16LE(at: body + 2),
            dialect: SMB2Dialect(rawValue: message.loadUInt16LE(at: body + 4)),
            capabilities: message.loadUInt32LE(at: body + 24))
    }
}
