/// Counters describing one run, rendered as the `wardwatch.stats` event and the terminal summary.
public struct SensorStatistics: Sendable {
    /// Packets read.
    public var packets: UInt64 = 0
    /// Frame bytes on the wire.
    public var bytes: UInt64 = 0
    /// Packets per network layer.
    public var ipv4Packets: UInt64 = 0
    /// IPv6 packets.
    public var ipv6Packets: UInt64 = 0
    /// ARP packets.
    public var arpPackets: UInt64 = 0
    /// Packets of other network protocols (LLDP, STP, ...).
    public var otherPackets: UInt64 = 0
    /// IP fragments seen.
    public var fragments: UInt64 = 0
    /// Decode anomalies by name, non-zero only, in name order.
    public var anomalies: [(name: String, count: UInt64)] = []
    /// Flows created.
    public var flowsCreated: UInt64 = 0
    /// Flows in the table now (a gauge for the metrics endpoint).
    public var flowsActive: Int = 0
    /// Out-of-order bytes held by the reassemblers now (a gauge for the metrics endpoint).
    public var reassemblyBufferedBytes: Int = 0
    /// Flows evicted to stay within the flow table bound.
    public var flowsEvicted: UInt64 = 0
    /// DNS queries whose names the detectors saw (the first of each flow).
    public var dnsQueries: UInt64 = 0
    /// TLS ClientHello server names the detectors saw.
    public var tlsServerNames: UInt64 = 0
    /// Configuration reloads applied (SIGHUP).
    public var reloads: UInt64 = 0
    /// Alerts raised by the detectors.
    public var alerts: UInt64 = 0
    /// Events not delivered because the output queue was full (live capture only).
    public var eventsDropped: UInt64 = 0
    /// Connections given to each protocol analyzer.
    public var dicomSessions: UInt64 = 0
    /// HL7/MLLP connections analysed.
    public var hl7Sessions: UInt64 = 0
    /// SMB connections analysed.
    public var smbSessions: UInt64 = 0
    /// Connections that matched an analyzer but were left unanalysed because `maximumSessions` was reached.
    public var sessionsRefused: UInt64 = 0
    /// Analysed connections ended early, the least recently active first, to make room for a new one when
    /// `maximumSessions` was reached.
    public var sessionsEvicted: UInt64 = 0
    /// Bytes declared lost to analyzers (capture loss, snaplen, or reassembly limits).
    public var reassemblyGapBytes: UInt64 = 0
    /// Analysed connections given up because their sequence numbers jumped more than the allowed gap.
    public var sessionsAbandoned: UInt64 = 0
    /// Times a connection's out-of-order buffer, or the sensor-wide reassembly budget, was full.
    public var reassemblyOverflows: UInt64 = 0
    /// Protocol anomalies reported by the analyzers, by name, non-zero only.
    public var protocolAnomalies: [(name: String, count: UInt64)] = []
    /// Hosts held at the end.
    public var hosts: Int = 0
    /// Hosts evicted to stay within the host table bound.
    public var hostsEvicted: UInt64 = 0
    /// New (host, host) pairs not remembered for peer counting because the pair table was full.
    public var peerPairsDropped: UInt64 = 0
    /// New MAC addresses not remembered because the MAC table was full.
    public var macsDropped: UInt64 = 0
    /// Keys evicted from the detectors' per-key tables (sources, pairs, bindings, suppression) to stay in bounds.
    public var detectorEvictions: UInt64 = 0
    /// Alerts dropped because the detectors' alert queue was full.
    public var alertsDropped: UInt64 = 0
    /// MAC addresses held at the end.
    public var macs: Int = 0
    /// Packets the kernel dropped (live capture), if known.
    public var kernelDrops: UInt64?
    /// Packets the interface dropped (live capture), if known.
    public var interfaceDrops: UInt64?

    /// Zero counters.
    public init() {}
}

extension SensorStatistics {
    /// Adds another worker's counters (`--workers`): packets, bytes, flows, sessions, reassembly and anomaly counts
    /// add up. Counts over the whole picture (hosts, MACs, alerts, detector tables) are set by the caller from the
    /// merged tables and the one detection engine.
    public mutating func add(_ other: SensorStatistics) {
        packets &+= other.packets
        bytes &+= other.bytes
        ipv4Packets &+= other.ipv4Packets
        ipv6Packets &+= other.ipv6Packets
        arpPackets &+= other.arpPackets
        otherPackets &+= other.otherPackets
        fragments &+= other.fragments
        anomalies = Self.sum(anomalies, other.anomalies)
        flowsCreated &+= other.flowsCreated
        flowsActive += other.flowsActive
        reassemblyBufferedBytes += other.reassemblyBufferedBytes
        flowsEvicted &+= other.flowsEvicted
        dnsQueries &+= other.dnsQueries
        tlsServerNames &+= other.tlsServerNames
        eventsDropped &+= other.eventsDropped
        dicomSessions &+= other.dicomSessions
        hl7Sessions &+= other.hl7Sessions
        smbSessions &+= other.smbSessions
        sessionsRefused &+= other.sessionsRefused
        sessionsEvicted &+= other.sessionsEvicted
        reassemblyGapBytes &+= other.reassemblyGapBytes
        sessionsAbandoned &+= other.sessionsAbandoned
        reassemblyOverflows &+= other.reassemblyOverflows
        protocolAnomalies = Self.sum(protocolAnomalies, other.protocolAnomalies)
        hostsEvicted &+= other.hostsEvicted
        peerPairsDropped &+= other.peerPairsDropped
        macsDropped &+= other.macsDropped
    }

    private static func sum(_ left: [(name: String, count: UInt64)], _ right: [(name: String, count: UInt64)])
        -> [(name: String, count: UInt64)]
    {
        var totals: [String: UInt64] = [:]
        for (name, count) in left + right { totals[name, default: 0] &+= count }
        return totals.map { (name: $0.key, count: $0.value) }.sorted { $0.name < $1.name }
    }
}
