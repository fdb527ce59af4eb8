import WardCore
import WardFlows
import WardOutput
import WardPacket

/// One capture thread's pipeline: decode → flow and host tables → finished flows into the output ring.
///
/// The engine owns its tables and is driven only by packet time. It allocates nothing per packet: decoding works on
/// the borrowed bytes, counters are inline, and finished flows are copied into a pre-allocated ring.
public struct Engine: ~Copyable {
    /// The flow and host tables.
    public private(set) var flows: FlowTable
    private let ring: SPSCRing<FlowEvent>?
    private let waitWhenFull: Bool
    private var anomalyCounts = InlineArray<32, UInt64>(repeating: 0)
    private var statistics = SensorStatistics()
    private var packetsSinceExpiry = 0
    /// The latest packet time seen (the engine's clock).
    public private(set) var now: PacketTime = .zero
    /// The first packet time seen.
    public private(set) var firstPacketTime: PacketTime?

    /// Expiry runs every this many packets, removing at most `expiryBudget` flows (DPDK/nDPI-style budgets).
    static let expiryInterval = 256
    static let expiryBudget = 64

    /// An engine with the given table configuration.
    ///
    /// - Parameters:
    ///   - ring: where finished flows go; `nil` when flow records are not wanted.
    ///   - waitWhenFull: `true` for replay (wait for the output thread, never lose a record); `false` for live
    ///     capture (count a drop rather than stall the capture).
    public init(configuration: FlowTableConfiguration, ring: SPSCRing<FlowEvent>?, waitWhenFull: Bool) {
        flows = FlowTable(configuration: configuration)
        self.ring = ring
        self.waitWhenFull = waitWhenFull
    }

    /// Processes one packet borrowed from the capture.
    public mutating func process(_ frame: RawSpan, wireLength: Int, linkType: LinkType, time: PacketTime) {
        if firstPacketTime == nil { firstPacketTime = time }
        if time > now { now = time }
        statistics.packets &+= 1
        statistics.bytes &+= UInt64(wireLength)
        let packet = PacketDecoder.decode(frame, wireLength: wireLength, linkType: linkType)
        if packet.anomaly != .none { anomalyCounts[Int(packet.anomaly.rawValue) & 31] &+= 1 }
        switch packet.network {
        case .ipv4: statistics.ipv4Packets &+= 1
        case .ipv6: statistics.ipv6Packets &+= 1
        case .arp: statistics.arpPackets &+= 1
        case .other, .none: statistics.otherPackets &+= 1
        }
        if packet.fragment.isFragment { statistics.fragments &+= 1 }
        if packet.network == .arp && packet.anomaly == .none {
            flows.hosts.observe(
                mac: packet.arp.senderMAC, address: packet.arp.senderAddress, at: time, vlan: packet.vlan)
        }
        _ = flows.update(with: packet, frameLength: wireLength, at: time)
        if let ended = flows.ended { emit(FlowEvent(record: ended, reason: flows.endedReason)) }
        packetsSinceExpiry += 1
        if packetsSinceExpiry >= Self.expiryInterval {
            packetsSinceExpiry = 0
            expire(budget: Self.expiryBudget)
        }
    }

    /// Advances the clock without a packet (an idle live link) and expires what timed out.
    public mutating func tick(at time: PacketTime) {
        if time > now { now = time }
        expire(budget: Int.max)
    }

    /// Ends every remaining flow (end of replay or shutdown) in first-seen order.
    public mutating func finish() {
        expire(budget: Int.max)
        for record in flows.drainAll() { emit(FlowEvent(record: record, reason: .shutdown)) }
    }

    /// The run's counters so far.
    public var currentStatistics: SensorStatistics {
        var result = statistics
        result.anomalies = (1..<min(32, DecodeAnomaly.count)).compactMap { id in
            anomalyCounts[id] > 0 ? (DecodeAnomaly(rawValue: UInt8(id)).name, anomalyCounts[id]) : nil
        }.sorted { $0.name < $1.name }
        result.flowsCreated = flows.flowsCreated
        result.flowsEvicted = flows.evictions
        result.hosts = flows.hosts.count
        result.hostsEvicted = flows.hosts.evictions
        result.macs = flows.hosts.macCount
        return result
    }

    private mutating func expire(budget: Int) {
        var remaining = budget
        while remaining > 0, let (record, reason) = flows.popExpired(at: now) {
            emit(FlowEvent(record: record, reason: reason))
            remaining -= 1
        }
    }

    private mutating func emit(_ event: FlowEvent) {
        guard let ring else { return }
        if ring.tryPush(event) { return }
        guard waitWhenFull else {
            statistics.flowEventsDropped &+= 1
            return
        }
        while !ring.tryPush(event) { yieldToConsumer() }
    }
}
