import WardCore

/// The fields read from SMB2 READ and WRITE ([MS-SMB2] §2.2.19–§2.2.22); the data itself is never buffered.
public enum SMB2ReadWrite {
    /// The fixed part of a WRITE request after the header (StructureSize 49 counts one byte of Buffer).
    public static let writeRequestFixedLength = 48

    /// A READ request's fields.
    public struct ReadRequest: Sendable, Equatable, BitwiseCopyable {
        /// Length requested.
        public var length: UInt32
        /// Offset in the file.
        public var offset: UInt64
        /// FileId.
        public var fileID: SMB2FileID
    }

    /// A WRITE request's fields.
    public struct WriteRequest: Sendable, Equatable, BitwiseCopyable {
        /// DataOffset from the start of the SMB2 header.
        public var dataOffset: UInt16
        /// Length of the data.
        public var length: UInt32
        /// Offset in the file.
        public var offset: UInt64
        /// FileId.
        public var fileID: SMB2FileID
    }

    /// Decodes a READ request whose SMB2 header starts at offset 0 of `message`.
    /// - Throws: ``SMB2DecodeFailure/truncated`` when the fixed part is cut short.
    public static func decodeReadRequest(_ message: RawSpan) throws(SMB2DecodeFailure) -> ReadRequest {
        let body = SMB2Header.length
        guard message.contains(offset: body, length: 48) else { throw .truncated }
        return ReadRequest(
            length: message.loadUInt32LE(at: body + 4), offset: message.loadUInt64LE(at: body + 8),
            fileID: SMB2FileID.load(from: message, at: body + 16))
    }

    /// A READ response's DataLength.
    /// - Throws: ``SMB2DecodeFailure/truncated`` when the fixed part is cut short.
    public static func decodeReadResponseLength(_ message: RawSpan) throws(SMB2DecodeFailure) -> UInt32 {
        guard message.contains(offset: SMB2Header.length, length: 16) else { throw .truncated }
        return message.loadUInt32LE(at: SMB2Header.length + 4)
    }

    /// Decodes a WRITE request whose SMB2 header starts at offset 0 of `message` (only the fixed part is needed).
    /// - Throws: ``SMB2DecodeFailure/truncated`` when the fixed part is cut short.
    public static func decodeWriteRequest(_ message: RawSpan) throws(SMB2DecodeFailure) -> WriteRequest {
        let body = SMB2Header.length
        guard message.contains(offset: body, length: writeRequestFixedLength) else { throw .truncated }
        return WriteRequest(
            dataOffset: message.loadUInt16LE(at: body + 2), length: message.loadUInt32LE(at: body + 4),
            offset: message.loadUInt64LE(at: body + 8), fileID: SMB2FileID.load(from: message, at: body + 16))
    }
}
