/// Thresholds, windows (seconds of packet time), warm-up, suppression and table caps for every detector.
///
/// Every value has a default here; WardPolicy overrides them from the `detection:` section of `wardwatch.yaml`,
/// whose keys are the snake_case forms of these names (`lateral_minimum_destinations`).
public struct DetectorConfiguration: Sendable, Equatable {
    // MARK: Common
    /// Seconds after the first observation during which learning detectors (unknown MAC, DICOM AE, HL7 sender)
    /// learn what is normal instead of alerting.
    public var warmUpSeconds: Double = 600
    /// Repeats of an alert for the same rule and key within this many seconds are counted, not emitted.
    public var suppressionSeconds: Double = 3600
    /// The most keys any one per-key table holds; more evicts the oldest (counted).
    public var maximumTableEntries: Int = 65_536

    // MARK: unknown_mac
    /// Learn MAC addresses seen during warm-up instead of alerting on them.
    public var learnMACsDuringWarmUp: Bool = true
    /// Mention (and score higher) locally administered (randomised) addresses.
    public var flagLocallyAdministered: Bool = true

    // MARK: arp_spoof
    /// A MAC change for an IP is a flip-flop when the old MAC claimed it within this many seconds.
    public var arpRecentSeconds: Double = 3600
    /// Window for counting gratuitous ARPs per MAC.
    public var arpStormWindowSeconds: Double = 10
    /// Gratuitous ARPs from one MAC within the window that make a storm.
    public var arpStormThreshold: Int = 20

    // MARK: lateral_movement
    /// Sliding window for distinct new admin-port destinations per source.
    public var lateralWindowSeconds: Double = 60
    /// Least distinct new internal destinations in the window before the baseline is consulted.
    public var lateralMinimumDestinations: Int = 10
    /// Standard deviations above the source's own baseline (EWMA of per-window counts) that fire.
    public var lateralZScore: Double = 4
    /// EWMA weight of each closed window in the baseline.
    public var lateralBaselineAlpha: Double = 0.1
    /// Multiplier of the minimum for sources in a remote-maintenance zone (VPN segment): lower = more sensitive.
    public var lateralRemoteMaintenanceWeight: Double = 0.5
    /// Share of failed connections (REJ, S0, RSTOS0) in the window that marks a scan.
    public var lateralFailureRatio: Double = 0.5

    // MARK: smb_ransomware
    /// Sliding window for file activity per client→server.
    public var ransomwareWindowSeconds: Double = 10
    /// Distinct files encrypted (high-entropy overwrite, rename to a new or known-bad extension, encrypted copy +
    /// delete) within the window that fire. Must stay below 10 (Morato et al. 2018: < 10 files lost).
    public var ransomwareMinimumFiles: Int = 4
    /// Shannon entropy (bits per byte) above which written data looks encrypted.
    public var ransomwareEntropyBitsPerByte: Double = 7.5
    /// Least bytes written to a file for its entropy to count.
    public var ransomwareMinimumWriteBytes: Int = 512
    /// For SMB3-encrypted sessions: standard deviations above the client's transform-bytes-per-window baseline.
    public var encryptedVolumeZScore: Double = 6
    /// For SMB3-encrypted sessions: least transform bytes in one window before the baseline is consulted.
    public var encryptedVolumeMinimumBytes: Int = 200_000_000
    /// Windows of baseline a client needs before its encrypted volume is judged.
    public var encryptedVolumeMinimumWindows: Int = 30

    // MARK: dicom_bulk_export
    /// Window for instances sent to one destination.
    public var dicomBulkWindowSeconds: Double = 3600
    /// Least instances to a new destination within the window before the baseline is consulted.
    public var dicomBulkMinimumInstances: Int = 500
    /// Standard deviations above the sender's per-association baseline that fire.
    public var dicomBulkZScore: Double = 4

    public init() {}
}
