import WardCore

/// What every detector shares: site knowledge, the clock (packet time), warm-up, suppression and the alert queue.
struct DetectionContext {
    private(set) var configuration: DetectorConfiguration
    private(set) var zones: ZoneMap
    private(set) var inventory: DeviceInventory
    private(set) var signatures: DetectionSignatures
    /// The first observation's time: warm-up runs from here.
    private(set) var firstTime: PacketTime?
    /// The latest packet time seen (observations or `advance(to:)`).
    private(set) var now = PacketTime.zero
    private var suppressor: AlertSuppressor
    private var queue = BoundedQueue<Alert>(capacity: queueCapacity)
    /// Alerts dropped because the queue was full (the engine did not pop).
    private(set) var droppedAlerts = 0
    /// The most alerts held before the engine pops them.
    static let queueCapacity = 4096

    init(configuration: DetectorConfiguration, zones: ZoneMap, inventory: DeviceInventory, signatures: DetectionSignatures) {
        self.configuration = configuration
        self.zones = zones
        self.inventory = inventory
        self.signatures = signatures
        suppressor = AlertSuppressor(
            intervalSeconds: configuration.suppressionSeconds, capacity: configuration.maximumTableEntries)
    }

    var suppressionEvictions: Int { suppressor.evictions }

    /// Saves the learning start, the clock and the suppression state.
    func export(into state: inout LearnedState) {
        state.learningStarted = firstTime
        state.lastTime = firstTime == nil ? nil : now
        suppressor.export(into: &state)
    }

    /// Loads them: warm-up keeps counting from the saved start, so a restarted sensor does not learn again.
    mutating func restore(from state: LearnedState) {
        if let started = state.learningStarted { firstTime = started }
        if let last = state.lastTime, last > now { now = last }
        suppressor.restore(from: state)
    }

    /// Takes new settings, zones, devices and signatures, keeping everything learned and the suppression state.
    mutating func reconfigure(
        configuration: DetectorConfiguration, zones: ZoneMap, inventory: DeviceInventory,
        signatures: DetectionSignatures
    ) {
        self.configuration = configuration
        self.zones = zones
        self.inventory = inventory
        self.signatures = signatures
    }

    mutating func advance(to time: PacketTime) {
        if firstTime == nil { firstTime = time }
        if time > now { now = time }
    }

    /// Whether `time` is inside the warm-up period.
    func inWarmUp(_ time: PacketTime) -> Bool {
        guard let firstTime else { return true }
        return Double(time.nanoseconds(since: firstTime)) < configuration.warmUpSeconds * 1e9
    }

    /// Queues `alert` unless a repeat for (rule, key) is being suppressed; the next one carries the count.
    mutating func emit(
        _ alert: consuming Alert, first: IPAddress = .zero, second: IPAddress = .zero, detail: String = ""
    ) {
        // Taken, not borrowed: the detector's new alert is completed and queued without a copy.
        let key = AlertSuppressor.Key(rule: alert.rule, first: first, second: second, detail: detail)
        guard let suppressed = suppressor.admit(key, at: alert.lastTime) else { return }
        enqueue(alert, suppressedRepeats: suppressed)
    }

    /// ``emit(_:first:second:detail:)`` for an alert of `rule` whose last time is `lastTime`, made by `make` (given
    /// this context to read) only when it goes out: a repeat inside the suppression interval is counted without its
    /// message being written (a ransomware pair keeps matching while the encryption lasts, and most of those
    /// repeats are suppressed).
    mutating func emit(
        rule: String, lastTime: PacketTime, first: IPAddress = .zero, second: IPAddress = .zero, detail: String = "",
        _ make: (borrowing DetectionContext) -> Alert
    ) {
        let key = AlertSuppressor.Key(rule: rule, first: first, second: second, detail: detail)
        guard let suppressed = suppressor.admit(key, at: lastTime) else { return }
        let alert = make(self)
        assert(alert.rule == rule && alert.lastTime == lastTime, "the alert made is not the one admitted")
        enqueue(alert, suppressedRepeats: suppressed)
    }

    /// Completes an admitted alert (repeats suppressed before it, zones of its addresses) and queues it.
    private mutating func enqueue(_ alert: consuming Alert, suppressedRepeats: Int) {
        alert.suppressedRepeats = suppressedRepeats
        if alert.sourceZone == nil, let source = alert.source { alert.sourceZone = zones.zone(for: source)?.name }
        if alert.destinationZone == nil, let destination = alert.destination {
            alert.destinationZone = zones.zone(for: destination)?.name
        }
        if !queue.push(consume alert) { droppedAlerts += 1 }
    }

    mutating func pop() -> Alert? {
        queue.pop()
    }

    /// Whether an alert is queued.
    var hasAlerts: Bool { queue.count > 0 }

    /// `172.16.10.5 (pacs-1, clinical)`: the address with its inventory name and zone, when known.
    func describe(_ address: IPAddress, vlan: VLANTags = .none) -> String {
        var labels: [String] = []
        if let device = inventory.device(address: address) { labels.append(device.name) }
        if let zone = zones.zone(for: address, vlan: vlan) { labels.append(zone.name) }
        return labels.isEmpty ? address.description : "\(address) (\(labels.joined(separator: ", ")))"
    }
}

/// Stable rule identifiers, one per rule variant.
public enum RuleID {
    public static let unknownMAC = "WW-1001"
    public static let arpFlipFlop = "WW-1101"
    public static let arpEthernetMismatch = "WW-1102"
    public static let arpStorm = "WW-1103"
    public static let arpInventoryMismatch = "WW-1104"
    public static let lateralFanOut = "WW-1201"
    public static let lateralServiceControl = "WW-1202"
    public static let ransomwareFiles = "WW-1301"
    public static let ransomwareEncryptedVolume = "WW-1302"
    public static let ransomwareEncryptedRewrite = "WW-1303"
    public static let internetSeparation = "WW-1401"
    public static let dicomNewAE = "WW-1501"
    public static let dicomAENotInInventory = "WW-1502"
    public static let dicomBulkExport = "WW-1601"
    public static let hl7UnknownSender = "WW-1701"
    public static let remoteAccessTool = "WW-1801"
    public static let smb1InUse = "WW-1901"
}

extension Double {
    /// Seconds → nanoseconds for windows, saturating.
    var nanoseconds: Int64 { self <= 0 ? 0 : self >= 9.2e9 ? .max : Int64(self * 1e9) }
}
