import WardCore
import WardPacket

/// One bidirectional flow as the table keeps it, and as it is handed to output when it ends.
///
/// Everything is inline (no references), so records live in one contiguous slab and copy as plain bytes.
/// `MemoryLayout<FlowRecord>.stride` is checked by a test against the documented budget of 256 bytes.
public struct FlowRecord: FlowEndpoints, Sendable, BitwiseCopyable {
    /// The canonical key.
    public var key: FlowKey
    /// Whether the originator is the key's low endpoint.
    public var originatorIsLow: Bool
    /// Time of the first packet.
    public var firstSeen: PacketTime
    /// Time of the last packet.
    public var lastSeen: PacketTime
    /// Counters of what the originator sent.
    public var originator = FlowEndpointCounters()
    /// Counters of what the responder sent.
    public var responder = FlowEndpointCounters()
    /// The originator's MAC address as last seen.
    public var originatorMAC: MACAddress = .zero
    /// The responder's MAC address as last seen.
    public var responderMAC: MACAddress = .zero
    /// TCP endpoint states (TCP flows only).
    public var tcp = TCPConnectionTracker()
    /// Zeek-style history letters (TCP flows only).
    public var history = ConnectionHistory()
    /// The transport layer of the flow's packets.
    public var transport: TransportLayer
    /// ICMP type and code of the first packet (ICMP flows only).
    public var icmpType: UInt8 = 0
    /// ICMP code of the first packet (ICMP flows only).
    public var icmpCode: UInt8 = 0
    /// Host table slots of the two endpoints, cached so per-packet host accounting needs no hashing.
    public var originatorHost = HostReference.none
    /// The responder's host slot.
    public var responderHost = HostReference.none
    /// The application-analysis session of this flow: -1 not decided yet, -2 none, else the engine's session index.
    public var applicationSlot: Int32 = -1
    /// Payload-carrying packets the protocol probes have looked at without a verdict.
    public var probeAttempts: UInt8 = 0
    // Table bookkeeping: the expiry list this record is on and its neighbours there.
    var timeoutClass: FlowTimeoutClass = .other
    var previous: Int32 = -1
    var next: Int32 = -1

    /// A new flow whose first packet went from `source`, deciding the originator as Zeek does.
    init(key: FlowKey, originatorIsLow: Bool, at time: PacketTime, transport: TransportLayer) {
        self.key = key
        self.originatorIsLow = originatorIsLow
        self.firstSeen = time
        self.lastSeen = time
        self.transport = transport
    }

    /// Zeek's `conn_state` for this flow.
    public var connectionState: ConnectionState {
        switch transport {
        case .tcp:
            tcp.connectionState(
                history: history, originatorPayloadBytes: originator.payloadBytes,
                responderPayloadBytes: responder.payloadBytes)
        case .udp:
            originator.packets > 0 ? (responder.packets > 0 ? .sf : .s0) : (responder.packets > 0 ? .shr : .oth)
        default:
            .oth
        }
    }

    /// A deterministic identifier from the key and the first packet time (same in live and replay runs).
    public var uid: UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        @inline(__always) func mix(_ value: UInt64) {
            hash = (hash ^ value) &* 0x0000_0100_0000_01B3
            hash ^= hash >> 29
        }
        mix(key.lowAddress.high)
        mix(key.lowAddress.low)
        mix(key.highAddress.high)
        mix(key.highAddress.low)
        mix(UInt64(key.lowPort) << 32 | UInt64(key.highPort) << 16 | UInt64(key.ipProtocol))
        mix(UInt64(key.vlan.rawValue))
        mix(UInt64(bitPattern: firstSeen.nanoseconds))
        // splitmix64 finaliser for good bit spread
        hash = (hash ^ (hash >> 30)) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ (hash >> 27)) &* 0x94D0_49BB_1331_11EB
        return hash ^ (hash >> 31)
    }
}

/// Per-direction counters of a flow.
public struct FlowEndpointCounters: Sendable, BitwiseCopyable {
    /// Frames sent.
    public var packets: UInt64 = 0
    /// Frame bytes on the wire (as tshark's conversation table counts them).
    public var bytes: UInt64 = 0
    /// IP-layer bytes (Zeek's `ip_bytes`).
    public var ipBytes: UInt64 = 0
    /// Transport payload bytes as declared by the headers.
    public var payloadBytes: UInt64 = 0

    /// Zero counters.
    @inlinable
    public init() {}
}

/// Which timeout a flow currently waits for; each class keeps its own list ordered by last activity.
enum FlowTimeoutClass: UInt8, CaseIterable, BitwiseCopyable {
    case tcp, udp, other, terminated
}

/// Why a flow record was emitted.
public enum FlowEndReason: UInt8, Sendable, BitwiseCopyable {
    /// No packet within the inactivity timeout.
    case idle
    /// Closed or reset, and the close delay passed (or a new connection reused the key).
    case terminated
    /// Pushed out because the table reached `maximumFlows`.
    case evicted
    /// The capture ended (end of replay, or shutdown).
    case shutdown

    /// The stable name used in events.
    public var name: StaticString {
        switch self {
        case .idle: "idle"
        case .terminated: "terminated"
        case .evicted: "evicted"
        case .shutdown: "shutdown"
        }
    }
}
