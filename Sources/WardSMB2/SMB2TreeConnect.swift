import WardCore

/// The fields read from SMB2 TREE_CONNECT ([MS-SMB2] §2.2.9 request, §2.2.10 response).
public enum SMB2TreeConnect {
    /// The share type of a response.
    public struct ShareType: RawRepresentable, Hashable, Sendable, BitwiseCopyable {
        /// The wire value.
        public var rawValue: UInt8
        /// A share type from its wire value.
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// SMB2_SHARE_TYPE_DISK.
        public static let disk = ShareType(rawValue: 1)
        /// SMB2_SHARE_TYPE_PIPE.
        public static let pipe = ShareType(rawValue: 2)
        /// SMB2_SHARE_TYPE_PRINT.
        public static let print = ShareType(rawValue: 3)
    }

    /// The request's share path (`\\server\share`), decoded from UTF-16LE.
    /// - Throws: ``SMB2DecodeFailure/truncated`` when the fixed part or the path lies outside `message`.
    public static func decodePath(_ message: RawSpan, maxCodeUnits: Int) throws(SMB2DecodeFailure) -> String {
        let body = SMB2Header.length
        guard message.contains(offset: body, length: 8) else { throw .truncated }
        let offset = Int(message.loadUInt16LE(at: body + 4))
        let length = Int(message.loadUInt16LE(at: body + 6))
        guard let path = message.utf16LEString(at: offset, length: length, maxCodeUnits: maxCodeUnits) else {
            throw .truncated
        }
        return path
    }

    /// The response's share type, or `nil` when the fixed part is missing (error responses carry none).
    public static func decodeShareType(_ message: RawSpan) -> ShareType? {
        guard message.contains(offset: SMB2Header.length, length: 16) else { return nil }
        return ShareType(rawValue: message.loadUInt8(at: SMB2Header.length + 2))
    }
}
