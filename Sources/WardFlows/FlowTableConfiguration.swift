/// Bounds and timeouts of the flow and host tables; every value has a default that fits a mid-size hospital.
public struct FlowTableConfiguration: Sendable {
    /// The most concurrent flows kept; past it the least recently active flow is evicted and counted.
    public var maximumFlows = 1_000_000
    /// The most hosts (IP addresses) kept.
    public var maximumHosts = 65_536
    /// The most distinct host pairs remembered for peer counts.
    public var maximumPeerPairs = 1_000_000
    /// The most MAC addresses kept.
    public var maximumMACs = 65_536
    /// TCP inactivity timeout in seconds of packet time (Zeek's `tcp_inactivity_timeout`).
    public var tcpTimeout: Int64 = 300
    /// UDP inactivity timeout in seconds.
    public var udpTimeout: Int64 = 60
    /// Inactivity timeout for ICMP and other protocols, in seconds.
    public var otherTimeout: Int64 = 60
    /// How long a closed or reset TCP flow stays to collect stray packets, in seconds (Zeek's `tcp_close_delay`).
    public var terminatedDelay: Int64 = 5

    /// The defaults.
    public init() {}
}
