/// Bounds of application-protocol analysis: which analyzers run and how much reassembly memory they may use.
public struct StreamAnalysisConfiguration: Sendable {
    /// Whether DICOM, HL7 and SMB2 analyzers are attached to TCP flows whose first bytes match them.
    public var enabled = true
    /// Out-of-order bytes buffered per direction of one connection before a gap is declared.
    public var reassemblyBytesPerDirection = 256 * 1024
    /// Out-of-order bytes buffered over all connections; past it, the connection adding more declares a gap.
    public var reassemblyBytesTotal = 64 * 1024 * 1024
    /// The most connections analysed at once; a further match ends the least recently active of a sample of them
    /// (counted as evicted; its flow is left unanalysed) to make room.
    public var maximumSessions = 65_536
    /// A hole in a stream larger than this is not a loss but a desynchronised or forged sequence number: the
    /// analyzer's session ends there (its records so far are kept) instead of scanning the rest for a resync.
    public var maximumGap = 16 * 1024 * 1024
    /// Payload packets the probes look at before a flow is left unanalysed.
    public var probePackets: UInt8 = 4

    /// The defaults.
    public init() {}
}
