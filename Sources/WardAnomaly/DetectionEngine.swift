import WardCore

/// All detectors for one engine thread: observations in, alerts out, packet time only.
///
/// Use: `observe(_:)` each observation in capture order, `advance(to:)` between batches (moves the clock when no
/// observation does), `popAlert()` until `nil`. Not thread-safe by design: one per capture thread.
public struct DetectionEngine {
    private var context: DetectionContext
    private var unknownMAC: UnknownMACDetector
    private var arpSpoof: ARPSpoofDetector
    private var lateralMovement: LateralMovementDetector
    private var ransomware: RansomwareDetector
    private var internetSeparation = InternetSeparationDetector()
    private var dicomPeers: DICOMPeerDetector
    private var hl7Senders: HL7SenderDetector
    private var remoteAccess = RemoteAccessToolDetector()
    private var smb1 = SMB1Detector()
    /// Whether the detectors run (`--no-detectors` turns them off: observations are ignored, no alert is raised).
    public var isEnabled = true

    /// An engine for one thread.
    /// - Parameters:
    ///   - configuration: Thresholds and windows (WardPolicy fills it from `detection:`).
    ///   - zones: The compiled zone map (`SiteConfiguration.zoneMap`).
    ///   - knownDevices: The declared devices (`SiteConfiguration.inventory`).
    ///   - signatures: `Signatures/` data (`SignatureSet.detectionSignatures`), or `.builtIn`.
    public init(
        configuration: DetectorConfiguration = DetectorConfiguration(), zones: ZoneMap = .empty,
        knownDevices: DeviceInventory = .empty, signatures: DetectionSignatures = .builtIn
    ) {
        context = DetectionContext(
            configuration: configuration, zones: zones, inventory: knownDevices, signatures: signatures)
        unknownMAC = UnknownMACDetector(configuration: configuration)
        arpSpoof = ARPSpoofDetector(configuration: configuration)
        lateralMovement = LateralMovementDetector(configuration: configuration)
        ransomware = RansomwareDetector(configuration: configuration)
        dicomPeers = DICOMPeerDetector(configuration: configuration)
        hl7Senders = HL7SenderDetector(configuration: configuration)
    }

    /// Applies a reloaded site file and Signatures/ (SIGHUP): thresholds, zones, devices and signature lists change,
    /// while learned baselines, seen devices and suppression state are kept (table capacities stay as started).
    public mutating func reconfigure(
        configuration: DetectorConfiguration, zones: ZoneMap, knownDevices: DeviceInventory,
        signatures: DetectionSignatures
    ) {
        context.reconfigure(configuration: configuration, zones: zones, inventory: knownDevices, signatures: signatures)
    }

    /// Feeds one observation to the detectors that use it.
    public mutating func observe(_ observation: Observation) {
        guard isEnabled else { return }
        // The time is taken in the one switch: through `observation.time` the 129-byte observation was copied once
        // more for every observation.
        switch observation {
        case .newMAC(_, _, _, let time, _):
            context.advance(to: time)
            unknownMAC.observe(observation, context: &context)
        case .arp(_, _, _, _, _, _, let time):
            context.advance(to: time)
            arpSpoof.observe(observation, context: &context)
        case .flowStarted(_, _, _, _, _, let time, _):
            context.advance(to: time)
            internetSeparation.observe(observation, context: &context)
            lateralMovement.observe(observation, context: &context)
        case .flowEnded(_, _, _, _, _, _, let time, _), .smbTree(_, _, _, let time, _):
            context.advance(to: time)
            lateralMovement.observe(observation, context: &context)
        case .smbFile(_, _, _, _, _, _, _, _, _, let time, _):
            context.advance(to: time)
            lateralMovement.observe(observation, context: &context)
            ransomware.observe(observation, context: &context)
        case .smbSession(_, _, _, _, _, _, let time, _):
            context.advance(to: time)
            smb1.observe(observation, context: &context)
        case .smbEncryptedMessage(_, _, _, _, let time, _):
            context.advance(to: time)
            ransomware.observe(observation, context: &context)
        case .dicomAssociation(_, _, _, _, _, _, _, _, let time, _):
            context.advance(to: time)
            dicomPeers.observe(observation, context: &context)
        case .hl7Message(_, _, _, _, _, let time, _):
            context.advance(to: time)
            hl7Senders.observe(observation, context: &context)
        case .dnsQuery(_, _, let time, _), .tlsServerName(_, _, let time, _):
            context.advance(to: time)
            remoteAccess.observe(observation, context: &context)
        }
    }

    /// The next alert, oldest first, or `nil`.
    public mutating func popAlert() -> Alert? { context.pop() }

    /// Whether an alert waits to be popped: asked after every observation, where most give none, so that no empty
    /// optional alert (224 bytes) is made and copied for them. A `mutating` getter, so that the engine is read where
    /// it lies: through a plain getter its 1.3 KB were copied first.
    public var hasAlerts: Bool {
        mutating get { context.hasAlerts }
    }

    /// Moves packet time forward without an observation (windows and warm-up follow it).
    public mutating func advance(to time: PacketTime) {
        guard isEnabled else { return }
        context.advance(to: time)
    }

    /// Whether `time` is still in the warm-up period.
    public func inWarmUp(at time: PacketTime) -> Bool { context.inWarmUp(time) }

    /// Counters for the stats record: per-key table evictions, alerts dropped because nobody popped them.
    public var statistics: (tableEvictions: Int, droppedAlerts: Int) {
        let evictions =
            context.suppressionEvictions + unknownMAC.evictions + arpSpoof.evictions + lateralMovement.evictions
            + ransomware.evictions + dicomPeers.evictions + hl7Senders.evictions
        return (evictions, context.droppedAlerts)
    }

    /// The `Signatures/` data in force (MAC vendors for the inventory, SOP class names for DICOM events).
    public var signatures: DetectionSignatures { context.signatures }

    /// Everything learned so far, for the state DB.
    public func learnedState() -> LearnedState {
        var state = LearnedState()
        context.export(into: &state)
        unknownMAC.export(into: &state)
        arpSpoof.export(into: &state)
        lateralMovement.export(into: &state)
        ransomware.export(into: &state)
        dicomPeers.export(into: &state)
        hl7Senders.export(into: &state)
        return state
    }

    /// Loads what an earlier run learned (call before the first observation). Rows that do not parse are skipped.
    public mutating func restore(_ state: LearnedState) {
        context.restore(from: state)
        unknownMAC.restore(from: state)
        arpSpoof.restore(from: state)
        lateralMovement.restore(from: state)
        ransomware.restore(from: state)
        dicomPeers.restore(from: state)
        hl7Senders.restore(from: state)
    }

    /// The lateral-movement baseline of `source` (for tests and `learn`).
    public func lateralBaseline(of source: IPAddress) -> EWMABaseline? { lateralMovement.baseline(of: source) }
}

@available(*, unavailable)
extension DetectionEngine: Sendable {}
