import WardCore

/// What the sensor knows about one IP address: its MAC, VLAN, activity, peers and services.
public struct HostRecord: Sendable, BitwiseCopyable {
    /// The address.
    public var address: IPAddress
    /// The source MAC most recently seen with this address.
    public var mac: MACAddress = .zero
    /// How many times the source MAC for this address changed.
    public var macChanges: UInt32 = 0
    /// The VLAN tags most recently seen.
    public var vlan: VLANTags = .none
    /// First packet time.
    public var firstSeen: PacketTime
    /// Last packet time.
    public var lastSeen: PacketTime
    /// Frames and frame bytes this host sent.
    public var sent = HostCounters()
    /// Frames and frame bytes this host received.
    public var received = HostCounters()
    /// Distinct peers seen in flows with this host (bounded by the peer-pair table).
    public var distinctPeers: UInt32 = 0
    /// Flows this host originated.
    public var flowsOriginated: UInt64 = 0
    /// Flows this host answered as responder.
    public var flowsResponded: UInt64 = 0
    /// Services (transport, port) this host answered on.
    public var servicesOffered = ServiceSet()
    /// Services (transport, port) this host used on others.
    public var servicesUsed = ServiceSet()
    var generation: UInt32 = 0
    var recentlyUsed = true

    init(address: IPAddress, at time: PacketTime) {
        self.address = address
        self.firstSeen = time
        self.lastSeen = time
    }
}

/// Frame and byte counters for one direction of a host's traffic.
public struct HostCounters: Sendable, BitwiseCopyable {
    /// Frames.
    public var packets: UInt64 = 0
    /// Frame bytes.
    public var bytes: UInt64 = 0

    /// Zero counters.
    @inlinable
    public init() {}
}

/// A reference from a flow to a host table slot, invalidated when the slot is reused (generation mismatch).
public struct HostReference: Sendable, BitwiseCopyable, Equatable {
    /// The slot index, or -1.
    public var slot: Int32
    /// The slot's generation when the reference was taken.
    public var generation: UInt32

    /// No host.
    public static let none = HostReference(slot: -1, generation: 0)
}

/// A small inline set of (IP protocol, port) services; past its capacity only a count of the overflow is kept.
public struct ServiceSet: Sendable, BitwiseCopyable {
    /// The capacity of the inline set.
    public static let capacity = 8
    private var entries: InlineArray<8, UInt32> = .init(repeating: 0)
    /// The number of services held.
    public private(set) var count: UInt8 = 0
    /// Services seen after the set was full.
    public private(set) var overflow: UInt32 = 0

    /// An empty set.
    public init() {}

    /// Adds a service, keeping the first `capacity` distinct ones.
    public mutating func insert(ipProtocol: UInt8, port: UInt16) {
        let packed = UInt32(ipProtocol) << 16 | UInt32(port)
        for index in 0..<Int(count) where entries[index] == packed { return }
        guard Int(count) < Self.capacity else {
            overflow &+= 1
            return
        }
        entries[Int(count)] = packed
        count += 1
    }

    /// The services held, as (protocol, port) pairs (allocates; for output).
    public var services: [(ipProtocol: UInt8, port: UInt16)] {
        (0..<Int(count)).map { (UInt8(entries[$0] >> 16), UInt16(truncatingIfNeeded: entries[$0])) }
    }
}

extension ServiceSet {
    /// Adds the services of `other` (its overflow count too).
    mutating func absorb(_ other: ServiceSet) {
        for service in other.services { insert(ipProtocol: service.ipProtocol, port: service.port) }
        overflow &+= other.overflow
    }
}

extension HostRecord {
    /// The run report's order of top talkers: more bytes sent and received first, then the lower address (addresses
    /// are distinct, so the order is total).
    public static func isBusier(_ a: HostRecord, than b: HostRecord) -> Bool {
        let aBytes = a.sent.bytes &+ a.received.bytes
        let bBytes = b.sent.bytes &+ b.received.bytes
        return aBytes != bBytes ? aBytes > bBytes : a.address < b.address
    }
}
