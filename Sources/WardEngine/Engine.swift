import WardAnomaly
import WardCore
import WardDICOM
import WardFlows
import WardHL7
import WardOutput
import WardPacket
import WardSMB2

/// One capture thread's pipeline: decode → flow and host tables → TCP reassembly and protocol analyzers →
/// events into the output ring.
///
/// The engine owns its tables and is driven only by packet time. Per packet it allocates nothing: decoding works on
/// the borrowed bytes, counters are inline, in-order TCP payload goes to the analyzers without a copy, and events
/// are moved into a pre-allocated ring. Allocation happens per new flow, per analysed connection and per record.
public struct Engine: ~Copyable {
    /// The flow and host tables.
    public internal(set) var flows: FlowTable
    let ring: SPSCRing<OutputEvent>?
    let emitsFlows: Bool
    let waitWhenFull: Bool
    let analysis: StreamAnalysisConfiguration
    private var anomalyCounts = InlineArray<32, UInt64>(repeating: 0)
    var statistics = SensorStatistics()
    private var packetsSinceExpiry = 0
    /// The latest packet time seen (the engine's clock).
    public private(set) var now: PacketTime = .zero
    /// The first packet time seen.
    public private(set) var firstPacketTime: PacketTime?

    /// Where counters are published for the metrics endpoint, about once a second of packet time.
    let metrics: MetricsBoard?
    private var lastPublished: PacketTime = .zero
    /// The first alerts as one line each (rule, severity, message), for the terminal summary.
    public internal(set) var alertLines: [String] = []
    /// Learning only: alerts are counted and listed in `alertLines`, not emitted (`wardwatch learn`).
    public var learningOnly = false
    /// The detectors, fed with observations of this engine's traffic (see Engine+Detection.swift).
    var detection: DetectionEngine
    /// A worker of several (`--workers`): observations go to the detection coordinator through this ring instead
    /// of to `detection`, which stays unused.
    public var detectionChannel: SPSCRing<DetectionChannelItem>?
    /// A replay worker expires flows only on the reader's ticks (`expiryTick`), which follow the whole capture.
    public var expiresOnReaderTicks = false
    /// Which of the metrics board's sources this engine publishes as (its worker number).
    public var metricsSource = 0
    // Application analysis (see Engine+Streams.swift).
    var sessions = SlotPool(vacant: StreamSession(flowSlot: -1, kind: .pending, analyzerSlot: -1))
    var reassemblers = InPlaceArray<TCPReassembler>()
    var dicomAnalyzers = SlotPool(vacant: DICOMAnalyzer())
    /// The A-ASSOCIATE bodies this engine's DICOM connections decoded last (a modality repeats its request).
    var dicomAssociations = DICOMAssociateMemo()
    var hl7Analyzers = SlotPool(vacant: HL7Analyzer())
    var smb2Analyzers = SlotPool(vacant: SMB2Analyzer())
    var reassemblyBytes = 0
    /// Where the next search for a session to evict starts (see `evictIdlestSession`).
    var sessionHand = 0
    var readyBytes: [UInt8] = []

    /// Expiry runs every this many packets, removing at most `expiryBudget` flows (DPDK/nDPI-style budgets).
    static let expiryInterval = 256
    static let expiryBudget = 64

    /// An engine with the given table configuration.
    ///
    /// - Parameters:
    ///   - ring: where events go; `nil` when no events are wanted.
    ///   - emitsFlows: whether finished flows are events (`--flows`); protocol records always are.
    ///   - waitWhenFull: `true` for replay (wait for the output thread, never lose a record); `false` for live
    ///     capture (count a drop rather than stall the capture).
    public init(
        configuration: FlowTableConfiguration, analysis: StreamAnalysisConfiguration = StreamAnalysisConfiguration(),
        detection: DetectionEngine = DetectionEngine(), metrics: MetricsBoard? = nil, ring: SPSCRing<OutputEvent>?,
        emitsFlows: Bool, waitWhenFull: Bool
    ) {
        self.metrics = metrics
        flows = FlowTable(configuration: configuration)
        self.detection = detection
        self.analysis = analysis
        self.ring = ring
        self.emitsFlows = emitsFlows
        self.waitWhenFull = waitWhenFull
        readyBytes.reserveCapacity(64 * 1024)
    }

    /// Processes one packet borrowed from the capture.
    public mutating func process(_ frame: RawSpan, wireLength: Int, linkType: LinkType, time: PacketTime) {
        var packet = DecodedPacket()
        PacketDecoder.decode(frame, wireLength: wireLength, linkType: linkType, into: &packet)
        // Passed by address: as a plain argument the 217-byte packet was copied first, and that copy's wide loads
        // stalled on the decoder's narrow stores that had just written it (perf annotate).
        process(decoded: &packet, frame: frame, wireLength: wireLength, time: time)
    }

    /// Processes one packet already decoded (by the replay reader that shards packets over workers); `packet` is
    /// only read, in place.
    public mutating func process(_ packet: inout DecodedPacket, frame: RawSpan, wireLength: Int, time: PacketTime) {
        process(decoded: &packet, frame: frame, wireLength: wireLength, time: time)
    }

    /// The work of both `process` forms; `packet` is only read.
    @inline(__always)
    private mutating func process(decoded packet: inout DecodedPacket, frame: RawSpan, wireLength: Int, time: PacketTime) {
        if firstPacketTime == nil { firstPacketTime = time }
        if time > now { now = time }
        statistics.packets &+= 1
        statistics.bytes &+= UInt64(wireLength)
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
                mac: packet.arp.senderMAC, address: packet.arp.senderAddress, at: time, vlan: packet.vlan,
                fromARP: true)
            observeARP(packet, time: time)
        }
        let slot = flows.update(with: &packet, frameLength: wireLength, at: time)
        if flows.didEndFlow, let ended = flows.ended { endFlow(ended, reason: flows.endedReason) }
        if !flows.hosts.discoveredMACs.isEmpty { observeDiscoveredMACs() }
        if flows.lastUpdateCreatedFlow {
            observeFlowStart(slot)
            if packet.transport == .udp && packet.destinationPort == 53 {
                observeDNSQuery(frame.extracting(packet.payloadRange), from: packet.sourceAddress, flowSlot: slot, time: time)
            }
        }
        if slot >= 0 && packet.transport == .tcp && analysis.enabled && packet.payloadWireLength > 0 {
            analyze(
                payload: packet.payloadRange, wireLength: Int(packet.payloadWireLength),
                sequence: packet.tcp.sequenceNumber, frame: frame, flowSlot: slot, time: time)
        }
        guard !expiresOnReaderTicks else { return }
        packetsSinceExpiry += 1
        if packetsSinceExpiry >= Self.expiryInterval {
            packetsSinceExpiry = 0
            expire(budget: Self.expiryBudget)
        }
    }

    /// A worker's regular expiry (`--workers`): the reader sends one every `expiryInterval` packets of the whole
    /// capture, with the latest packet time read, so flows end at the moments one engine would end them.
    public mutating func expiryTick(at time: PacketTime) {
        if time > now { now = time }
        expire(budget: Self.expiryBudget)
    }

    /// Advances the clock without a packet (an idle live link) and expires what timed out.
    public mutating func tick(at time: PacketTime) {
        if time > now { now = time }
        expire(budget: Int.max)
    }

    /// Applies reloaded detector settings (SIGHUP) without losing flows, hosts or anything the detectors learned.
    /// - Parameter apply: changes the detectors and returns whether it did (a reload that failed changes nothing).
    public mutating func reconfigureDetection(_ apply: (inout DetectionEngine) -> Bool) {
        if apply(&detection) { statistics.reloads &+= 1 }
    }

    /// Records the capture's kernel and interface drop counters (live capture), for the statistics and metrics.
    public mutating func recordKernelDrops(_ dropped: UInt64, interface: UInt64) {
        statistics.kernelDrops = dropped
        statistics.interfaceDrops = interface
    }

    /// Ends every remaining flow (end of replay or shutdown) in first-seen order.
    public mutating func finish() {
        expire(budget: Int.max)
        for slot in flows.slotsInFirstSeenOrder() { endFlow(flows.removeFlow(at: slot), reason: .shutdown) }
        metrics?.publish(currentStatistics)
    }

    /// The run's counters so far.
    public var currentStatistics: SensorStatistics {
        var result = statistics
        result.anomalies = (1..<min(32, DecodeAnomaly.count)).compactMap { id in
            anomalyCounts[id] > 0 ? (DecodeAnomaly(rawValue: UInt8(id)).name, anomalyCounts[id]) : nil
        }.sorted { $0.name < $1.name }
        result.flowsCreated = flows.flowsCreated
        result.flowsEvicted = flows.evictions
        result.flowsActive = flows.count
        result.reassemblyBufferedBytes = reassemblyBytes
        result.hosts = flows.hosts.count
        result.hostsEvicted = flows.hosts.evictions
        result.peerPairsDropped = flows.hosts.peerPairsDropped
        result.macsDropped = flows.hosts.macsDropped
        let detectorCounts = detection.statistics
        result.detectorEvictions = UInt64(detectorCounts.tableEvictions)
        result.alertsDropped = UInt64(detectorCounts.droppedAlerts)
        result.macs = flows.hosts.macCount
        return result
    }

    private mutating func expire(budget: Int) {
        advanceDetection()
        if let metrics, now.nanoseconds(since: lastPublished) >= 1_000_000_000 {
            lastPublished = now
            metrics.publish(currentStatistics, source: metricsSource)
        }
        var remaining = budget
        while remaining > 0, let (record, reason) = flows.popExpired(at: now) {
            endFlow(record, reason: reason)
            remaining -= 1
        }
    }

    /// A flow left the table: finish its analyzer (its last records first), then emit the flow record.
    private mutating func endFlow(_ record: FlowRecord, reason: FlowEndReason) {
        if record.applicationSlot >= 0 { finishSession(record.applicationSlot, flow: record) }
        observeFlowEnd(record)
        if emitsFlows { emit(.flow(FlowEvent(record: record, reason: reason))) }
    }

    /// Hands an event to the output thread, moving it into the ring; when the ring is full, waits (replay) or counts
    /// a drop (live).
    mutating func emit(_ event: consuming OutputEvent) {
        guard let ring else { return }
        if !ring.hasRoom {
            guard waitWhenFull else {
                statistics.eventsDropped &+= 1
                return
            }
            var wait = Backoff()
            repeat { wait.pause() } while !ring.hasRoom
        }
        ring.push(event)
    }
}
