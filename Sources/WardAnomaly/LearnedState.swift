import WardCore

/// What the detectors have learned, as plain rows: the state DB stores them and a restarted sensor loads them, so it
/// neither learns again nor repeats the alerts it already raised.
///
/// Only knowledge is kept (devices seen, ARP bindings, known peers and AE titles, baselines, suppression); windows of
/// recent activity are not, so a restart begins new windows. Every list is bounded by the detectors' table capacity.
public struct LearnedState: Sendable, Equatable {
    /// Packet time learning began: the warm-up runs from here. `nil` when nothing was learned yet.
    public var learningStarted: PacketTime?
    /// The latest packet time the detectors saw.
    public var lastTime: PacketTime?
    /// Set members: a MAC seen, an ARP binding, a host's known peer, an AE-title combination, an HL7 sender.
    public var facts: [LearnedFact]
    /// Per-subject baselines (EWMA of per-window counts or volumes).
    public var baselines: [LearnedBaseline]

    /// Nothing learned.
    public init(
        learningStarted: PacketTime? = nil, lastTime: PacketTime? = nil, facts: [LearnedFact] = [],
        baselines: [LearnedBaseline] = []
    ) {
        self.learningStarted = learningStarted
        self.lastTime = lastTime
        self.facts = facts
        self.baselines = baselines
    }

    /// Whether anything was learned.
    public var isEmpty: Bool { learningStarted == nil && facts.isEmpty && baselines.isEmpty }

    /// The facts of one kind (`LearnedFact.Kind`), in the order they were learned.
    func facts(_ kind: LearnedFact.Kind) -> [LearnedFact] { facts.filter { $0.kind == kind.rawValue } }

    /// The baselines of one kind, in the order they were learned.
    func baselines(_ kind: LearnedBaseline.Kind) -> [LearnedBaseline] { baselines.filter { $0.kind == kind.rawValue } }
}

/// One learned fact: what kind, about which subject (an address), with which peer and values.
public struct LearnedFact: Sendable, Hashable {
    /// The kinds of facts, named after the detector that keeps them.
    public enum Kind: String, Sendable, CaseIterable {
        /// `subject` = MAC address seen.
        case knownMAC = "unknown_mac.known"
        /// `subject` = IP address, `value` = the MAC that last claimed it, `time` = when.
        case arpBinding = "arp_spoof.binding"
        /// `subject` = source, `peer` = an internal host it reached on an admin port.
        case lateralPeer = "lateral_movement.peer"
        /// `subject` = client, `peer` = a server it used a service-control pipe on.
        case managedPair = "lateral_movement.managed"
        /// `subject` = SMB client, `value` = a file extension it uses.
        case fileExtension = "smb_ransomware.extension"
        /// `subject` = calling host, `peer` = called host, `value` = calling AE, `detail` = called AE.
        case aeCombination = "dicom_unknown_ae.combination"
        /// `subject` = host, `value` = AE title, `detail` = role; already reported as not in the inventory.
        case aeUndeclared = "dicom_unknown_ae.undeclared"
        /// `subject` = sender, `peer` = receiver, `value` = `new` when first seen after warm-up.
        case dicomRoute = "dicom_bulk_export.route"
        /// `subject` = host, `value` = MSH-3 application, `detail` = MSH-4 facility.
        case hl7Sender = "hl7_unknown_sender.sender"
        /// `subject`/`peer` = the alert key's addresses, `value` = rule, `detail` = key detail,
        /// `number` = repeats suppressed since, `time` = last emitted.
        case suppression = "suppression"
    }

    /// `Kind.rawValue` (kept as text so a newer sensor's rows load without failing).
    public var kind: String
    public var subject: String
    public var peer: String
    public var value: String
    public var detail: String
    public var number: Double
    public var time: PacketTime?

    public init(
        kind: String, subject: String, peer: String = "", value: String = "", detail: String = "", number: Double = 0,
        time: PacketTime? = nil
    ) {
        self.kind = kind
        self.subject = subject
        self.peer = peer
        self.value = value
        self.detail = detail
        self.number = number
        self.time = time
    }

    init(
        _ kind: Kind, subject: String, peer: String = "", value: String = "", detail: String = "", number: Double = 0,
        time: PacketTime? = nil
    ) {
        self.init(kind: kind.rawValue, subject: subject, peer: peer, value: value, detail: detail, number: number, time: time)
    }
}

/// One learned baseline: an EWMA of a per-window statistic for a subject (and peer).
public struct LearnedBaseline: Sendable, Equatable {
    /// The kinds of baselines.
    public enum Kind: String, Sendable, CaseIterable {
        /// `subject` = source; new internal admin-port peers per window.
        case lateralNewPeers = "lateral_movement.new_peers"
        /// `subject` = client, `peer` = server; SMB3 transform bytes per window.
        case encryptedVolume = "smb_ransomware.encrypted_volume"
        /// `subject` = sender; instances per association.
        case dicomInstances = "dicom_bulk_export.instances"
    }

    public var kind: String
    public var subject: String
    public var peer: String
    public var baseline: EWMABaseline
    /// Start of the window being counted when saved.
    public var windowStart: PacketTime?

    public init(kind: String, subject: String, peer: String = "", baseline: EWMABaseline, windowStart: PacketTime? = nil) {
        self.kind = kind
        self.subject = subject
        self.peer = peer
        self.baseline = baseline
        self.windowStart = windowStart
    }

    init(_ kind: Kind, subject: String, peer: String = "", baseline: EWMABaseline, windowStart: PacketTime? = nil) {
        self.init(kind: kind.rawValue, subject: subject, peer: peer, baseline: baseline, windowStart: windowStart)
    }
}
