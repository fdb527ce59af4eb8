import WardCore

/// The SMB3 TRANSFORM_HEADER that wraps an encrypted message ([MS-SMB2] §2.2.41); the payload cannot be decrypted
/// by a passive sensor, so only its size and session are counted.
public struct SMB2TransformHeader: Sendable, Equatable, BitwiseCopyable {
    /// The header length (ProtocolId through SessionId).
    public static let length = 52
    /// `0xFD 'S' 'M' 'B'` read as a little-endian 32-bit value.
    public static let protocolID: UInt32 = 0x424D_53FD

    /// OriginalMessageSize: the size of the encrypted SMB2 message.
    public var originalMessageSize: UInt32
    /// Flags (3.1.1) / EncryptionAlgorithm (3.0): 1 = encrypted.
    public var flags: UInt16
    /// SessionId.
    public var sessionID: UInt64

    /// Decodes the transform header at `offset` of `span`.
    /// - Throws: ``SMB2DecodeFailure`` when fewer than 52 bytes remain or the magic is wrong.
    public static func decode(from span: RawSpan, at offset: Int) throws(SMB2DecodeFailure) -> SMB2TransformHeader {
        guard span.contains(offset: offset, length: length) else { throw .truncated }
        guard span.loadUInt32LE(at: offset) == protocolID else { throw .badMagic }
        return SMB2TransformHeader(
            originalMessageSize: span.loadUInt32LE(at: offset + 36),
            flags: span.loadUInt16LE(at: offset + 42),
            sessionID: span.loadUInt64LE(at: offset + 44))
    }
}

/// The SMB3 COMPRESSION_TRANSFORM_HEADER ([MS-SMB2] §2.2.42); counted, not decompressed.
public struct SMB2CompressionHeader: Sendable, Equatable, BitwiseCopyable {
    /// The fixed length read (ProtocolId through Offset/Length).
    public static let length = 16
    /// `0xFC 'S' 'M' 'B'` read as a little-endian 32-bit value.
    public static let protocolID: UInt32 = 0x424D_53FC

    /// OriginalCompressedSegmentSize.
    public var originalSize: UInt32
    /// CompressionAlgorithm.
    public var algorithm: UInt16
    /// Flags (1 = chained).
    public var flags: UInt16

    /// Decodes the compression header at `offset` of `span`.
    /// - Throws: ``SMB2DecodeFailure`` when fewer than 16 bytes remain or the magic is wrong.
    public static func decode(from span: RawSpan, at offset: Int) throws(SMB2DecodeFailure) -> SMB2CompressionHeader {
        guard span.contains(offset: offset, length: length) else { throw .truncated }
        guard span.loadUInt32LE(at: offset) == protocolID else { throw .badMagic }
        return SMB2CompressionHeader(
            originalSize: span.loadUInt32LE(at: offset + 4),
            algorithm: span.loadUInt16LE(at: offset + 8),
            flags: span.loadUInt16LE(at: offset + 10))
    }
}
