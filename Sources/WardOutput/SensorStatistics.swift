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
    /// Flows evicted to stay within the flow table bound.
    public var flowsEvicted: UInt64 = 0
    /// Flow records not delivered because the output queue was full (live capture only).
    public var flowEventsDropped: UInt64 = 0
    /// Hosts held at the end.
    public var hosts: Int = 0
    /// Hosts evicted to stay within the host table bound.
    public var hostsEvicted: UInt64 = 0
    /// MAC addresses held at the end.
    public var macs: Int = 0
    /// Packets the kernel dropped (live capture), if known.
    public var kernelDrops: UInt64?
    /// Packets the interface dropped (live capture), if known.
    public var interfaceDrops: UInt64?

    /// Zero counters.
    public init() {}
}
