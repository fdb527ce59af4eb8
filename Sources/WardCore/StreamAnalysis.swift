/// The vocabulary shared by the application-protocol analyzers (DICOM, HL7/MLLP, SMB2) and the engine.
///
/// An analyzer is a concrete struct per TCP connection. The engine feeds it the connection's reassembled bytes in
/// order, per direction, in chunks of any size (a chunk may hold several PDUs, part of one, or a PDU's tail and the
/// next one's head); reports a gap when bytes were lost; and calls `finish` when the connection ends. `receive`
/// answers whether records wait, so the engine pops only then. Analyzers never see packets, never allocate per
/// chunk, and never trap on any input.

/// Which side of a TCP connection sent the bytes.
public enum StreamDirection: UInt8, Sendable, BitwiseCopyable {
    /// The connection's originator (usually the client).
    case originator
    /// The responder (usually the server).
    case responder
}

/// What a probe concluded from the first bytes of a direction.
public enum ProbeResult: Sendable, BitwiseCopyable, Equatable {
    /// The bytes look like this protocol: attach the analyzer.
    case match
    /// The bytes are certainly not this protocol.
    case noMatch
    /// Too few bytes to tell; ask again with more.
    case needMoreBytes
}
