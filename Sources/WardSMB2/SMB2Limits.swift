/// Every cap the SMB2 analyzer enforces, in one place (Suricata's `SMB_CFG_MAX_*`).
///
/// Going over a limit raises an ``SMB2Anomaly`` and skips, drops or resynchronises; memory never grows past these.
public struct SMB2Limits: Sendable, Equatable {
    /// The most bytes of one NBSS message buffered per direction (the SMB2 headers and the fixed parts of the
    /// command bodies we read). WRITE and READ payloads are streamed past, never buffered.
    public var maxMessageBytes: Int
    /// The most requests awaiting a response per connection (message id → command).
    public var maxPendingRequests: Int
    /// The most open files tracked per connection.
    public var maxOpenFiles: Int
    /// The most tree ids remembered per connection (tree id → share path).
    public var maxTrees: Int
    /// The most records queued before ``SMB2Analyzer/popRecord()`` is called; further records are dropped and counted.
    public var maxQueuedRecords: Int
    /// The first bytes of each WRITE's data fed to the entropy sample.
    public var entropySampleBytesPerWrite: Int
    /// The most written bytes per file fed to the entropy sample.
    public var entropySampleBytesPerFile: Int
    /// The longest name (in UTF-16 code units) kept for a file, share, rename target, user, domain or host.
    public var maxNameCodeUnits: Int
    /// The most bytes of a security buffer scanned for the NTLMSSP signature.
    public var maxSecurityBufferScan: Int
    /// The most dialects remembered from a NEGOTIATE request.
    public var maxDialectsOffered: Int

    /// Limits with defaults suited to a hospital file server.
    public init(
        maxMessageBytes: Int = 65_536, maxPendingRequests: Int = 512, maxOpenFiles: Int = 1024, maxTrees: Int = 64,
        maxQueuedRecords: Int = 256, entropySampleBytesPerWrite: Int = 4096, entropySampleBytesPerFile: Int = 65_536,
        maxNameCodeUnits: Int = 1024, maxSecurityBufferScan: Int = 4096, maxDialectsOffered: Int = 16
    ) {
        // The framer needs room for a header plus a WRITE's fixed part whatever the caller asks for.
        self.maxMessageBytes = max(maxMessageBytes, SMB2Framer.headBytes)
        self.maxPendingRequests = max(0, maxPendingRequests)
        self.maxOpenFiles = max(0, maxOpenFiles)
        self.maxTrees = max(0, maxTrees)
        self.maxQueuedRecords = max(1, maxQueuedRecords)
        self.entropySampleBytesPerWrite = max(0, entropySampleBytesPerWrite)
        self.entropySampleBytesPerFile = max(0, entropySampleBytesPerFile)
        self.maxNameCodeUnits = max(0, maxNameCodeUnits)
        self.maxSecurityBufferScan = max(0, maxSecurityBufferScan)
        self.maxDialectsOffered = max(0, maxDialectsOffered)
    }
}
