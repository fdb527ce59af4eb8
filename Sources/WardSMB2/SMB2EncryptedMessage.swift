import WardCore

/// What a passive sensor can know of one large SMB3 encrypted (TRANSFORM) message: its direction, its plaintext size
/// (OriginalMessageSize, [MS-SMB2] §2.2.41) and its time. Detectors use the sizes to see bulk transfers and files
/// rewritten in place without decrypting anything.
public struct SMB2EncryptedMessage: Sendable, Equatable, BitwiseCopyable {
    /// Messages smaller than this (plaintext bytes) are not reported: they are control traffic, not file data.
    public static let minimumReportedSize: UInt32 = 512

    /// Sent by the client (the connection's originator).
    public var fromClient: Bool
    /// The plaintext SMB2 message size.
    public var originalSize: UInt32
    /// Packet time of the segment that completed it.
    public var time: PacketTime

    public init(fromClient: Bool, originalSize: UInt32, time: PacketTime) {
        self.fromClient = fromClient
        self.originalSize = originalSize
        self.time = time
    }
}
