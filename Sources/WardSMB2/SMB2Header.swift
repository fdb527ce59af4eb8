import WardCore

/// Why a fixed SMB2 layout could not be decoded (payload-free, for typed throws on the hot path).
public enum SMB2DecodeFailure: Error, Sendable, Equatable {
    /// Fewer bytes than the fixed part needs.
    case truncated
    /// The protocol id is not `0xFE 'SMB'` (or the expected magic).
    case badMagic
    /// The StructureSize field is wrong.
    case badStructureSize
}

/// The 64-byte SMB2 packet header ([MS-SMB2] §2.2.1.1 async and §2.2.1.2 sync).
public struct SMB2Header: Sendable, Equatable, BitwiseCopyable {
    /// The header length and its StructureSize.
    public static let length = 64
    /// `0xFE 'S' 'M' 'B'` read as a little-endian 32-bit value.
    public static let protocolID: UInt32 = 0x424D_53FE

    /// SMB2_FLAGS_SERVER_TO_REDIR: a response.
    public static let flagResponse: UInt32 = 0x0000_0001
    /// SMB2_FLAGS_ASYNC_COMMAND: the async form (AsyncId instead of TreeId).
    public static let flagAsync: UInt32 = 0x0000_0002
    /// SMB2_FLAGS_RELATED_OPERATIONS: part of a related compound chain.
    public static let flagRelated: UInt32 = 0x0000_0004
    /// SMB2_FLAGS_SIGNED.
    public static let flagSigned: UInt32 = 0x0000_0008

    /// CreditCharge.
    public var creditCharge: UInt16
    /// Status (responses) or ChannelSequence/Reserved (requests).
    public var status: SMB2Status
    /// Command.
    public var command: SMB2Command
    /// CreditRequest/CreditResponse.
    public var credits: UInt16
    /// Flags.
    public var flags: UInt32
    /// NextCommand: the offset from this header to the next in a compound, or 0.
    public var nextCommand: UInt32
    /// MessageId.
    public var messageID: UInt64
    /// AsyncId (async form only, else 0).
    public var asyncID: UInt64
    /// TreeId (sync form only, else 0).
    public var treeID: UInt32
    /// SessionId.
    public var sessionID: UInt64

    /// Whether the server sent it.
    public var isResponse: Bool { flags & Self.flagResponse != 0 }
    /// Whether it is a related operation of a compound.
    public var isRelated: Bool { flags & Self.flagRelated != 0 }
    /// Whether it uses the async form.
    public var isAsync: Bool { flags & Self.flagAsync != 0 }
    /// Whether it is signed.
    public var isSigned: Bool { flags & Self.flagSigned != 0 }

    /// Decodes the header starting at `offset` of `span`.
    /// - Throws: ``SMB2DecodeFailure`` when fewer than 64 bytes remain, the magic or the StructureSize is wrong.
    public static func decode(from span: RawSpan, at offset: Int) throws(SMB2DecodeFailure) -> SMB2Header {
        guard span.contains(offset: offset, length: length) else { throw .truncated }
        guard span.loadUInt32LE(at: offset) == protocolID else { throw .badMagic }
        guard span.loadUInt16LE(at: offset + 4) == 64 else { throw .badStructureSize }
        // The 64 bytes were checked once above: the fields are read through a raw pointer, without a range check
        // per load (it runs for every message).
        return span.withUnsafeBytes { raw in
            let header = raw.baseAddress! + offset
            func load<T: FixedWidthInteger>(_ at: Int, as: T.Type) -> T {
                T(littleEndian: header.loadUnaligned(fromByteOffset: at, as: T.self))
            }
            let flags = load(16, as: UInt32.self)
            let isAsync = flags & flagAsync != 0
            return SMB2Header(
                creditCharge: load(6, as: UInt16.self),
                status: SMB2Status(rawValue: load(8, as: UInt32.self)),
                command: SMB2Command(rawValue: load(12, as: UInt16.self)),
                credits: load(14, as: UInt16.self),
                flags: flags,
                nextCommand: load(20, as: UInt32.self),
                messageID: load(24, as: UInt64.self),
                asyncID: isAsync ? load(32, as: UInt64.self) : 0,
                treeID: isAsync ? 0 : load(36, as: UInt32.self),
                sessionID: load(40, as: UInt64.self))
        }
    }
}

/// The four-byte protocol ids that can follow an NBSS header on an SMB port.
public enum SMB2ProtocolMagic: UInt8, Sendable, BitwiseCopyable {
    /// `0xFE 'SMB'`: an SMB2/3 message ([MS-SMB2] §2.2.1).
    case smb2 = 0xFE
    /// `0xFD 'SMB'`: an SMB3 transform (encrypted) message (§2.2.41).
    case transform = 0xFD
    /// `0xFC 'SMB'`: an SMB3 compression transform (§2.2.42).
    case compression = 0xFC
    /// `0xFF 'SMB'`: SMB1 ([MS-CIFS] §2.2.3.1).
    case smb1 = 0xFF

    /// The magic starting at `offset`, or `nil` when the four bytes are not one of the SMB protocol ids.
    /// One 32-bit load and compare (it runs for every message; byte by byte it cost about 50 instructions).
    @inline(__always)
    static func at(_ offset: Int, in span: RawSpan) -> SMB2ProtocolMagic? {
        guard span.contains(offset: offset, length: 4) else { return nil }
        let word = span.loadUInt32(at: offset)
        guard word & 0x00FF_FFFF == 0x0053_4D42 else { return nil }
        return SMB2ProtocolMagic(rawValue: UInt8(truncatingIfNeeded: word >> 24))
    }
}
