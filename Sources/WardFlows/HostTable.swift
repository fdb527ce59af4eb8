import WardCore

/// Bounded per-IP and per-MAC tables: who is on the network, with which MAC, talking to whom, offering what.
///
/// Hosts are found through a `SlotIndex` only when a flow starts; flows then carry a `HostReference`, so
/// per-packet accounting is an array write. When `maximumHosts` is reached the least recently active host is evicted
/// by a clock sweep (second chance), and the eviction is counted.
public struct HostTable: ~Copyable {
    /// The most hosts kept.
    public let maximumHosts: Int
    /// The most distinct (host, host) pairs remembered for peer counting.
    public let maximumPeerPairs: Int
    /// The most MAC addresses kept.
    public let maximumMACs: Int
    private var index: SlotIndex<IPAddress>
    private var slots: FixedSlab<HostRecord>
    private var clockHand = 0
    private(set) var peerPairs: Set<PeerPair> = []
    /// The MAC table, in an `OpenTable`: a `Dictionary` ran SipHash twice for every MAC seen with an address.
    private var macs = OpenTable<MACAddress, MACRecord>()
    /// Hosts evicted to stay within `maximumHosts`.
    public private(set) var evictions: UInt64 = 0
    /// New peer pairs not remembered because the pair table was full.
    public private(set) var peerPairsDropped: UInt64 = 0
    /// New MACs not remembered because the MAC table was full.
    public private(set) var macsDropped: UInt64 = 0

    /// An empty table with the given bounds.
    public init(maximumHosts: Int, maximumPeerPairs: Int, maximumMACs: Int) {
        self.maximumHosts = max(1, maximumHosts)
        self.maximumPeerPairs = max(0, maximumPeerPairs)
        self.maximumMACs = max(0, maximumMACs)
        index = SlotIndex(maximumKeys: self.maximumHosts)
        slots = FixedSlab(capacity: self.maximumHosts)
    }

    /// The number of hosts held.
    public var count: Int { index.count }

    /// The slot for `address`, inserting (and perhaps evicting) as needed.
    public mutating func reference(for address: IPAddress, at time: PacketTime) -> HostReference {
        let held = index.find(address) { slots[Int($0)].address }
        if held >= 0 {
            return HostReference(slot: held, generation: slots[Int(held)].generation)
        }
        let slot: Int
        if slots.count < maximumHosts {
            slot = slots.count
            slots.append(HostRecord(address: address, at: time))
        } else {
            slot = victimSlot()
            index.remove(slots[slot].address, slot: Int32(slot))
            let generation = slots[slot].generation &+ 1
            slots[slot] = HostRecord(address: address, at: time)
            slots[slot].generation = generation
            evictions += 1
        }
        index.insert(address, slot: Int32(slot))
        return HostReference(slot: Int32(slot), generation: slots[slot].generation)
    }

    /// Counts a frame sent by the referenced host.
    public mutating func recordSent(
        by reference: HostReference, bytes: Int, at time: PacketTime, mac: MACAddress, vlan: VLANTags
    ) {
        guard isValid(reference) else { return }
        let slot = Int(reference.slot)
        slots[slot].sent.packets &+= 1
        slots[slot].sent.bytes &+= UInt64(bytes)
        slots[slot].lastSeen = time
        slots[slot].recentlyUsed = true
        slots[slot].vlan = vlan
        if mac != slots[slot].mac && mac != .zero {
            if slots[slot].mac != .zero { slots[slot].macChanges &+= 1 }
            slots[slot].mac = mac
            observe(mac: mac, address: slots[slot].address, at: time, vlan: vlan)
        }
    }

    /// Counts a frame received by the referenced host.
    public mutating func recordReceived(by reference: HostReference, bytes: Int, at time: PacketTime) {
        guard isValid(reference) else { return }
        let slot = Int(reference.slot)
        slots[slot].received.packets &+= 1
        slots[slot].received.bytes &+= UInt64(bytes)
        slots[slot].lastSeen = time
        slots[slot].recentlyUsed = true
    }

    /// Records a new flow between two hosts: flow counts and distinct peers.
    public mutating func recordFlowStart(originator: HostReference, responder: HostReference) {
        guard isValid(originator), isValid(responder) else { return }
        let originatorSlot = Int(originator.slot)
        let responderSlot = Int(responder.slot)
        slots[originatorSlot].flowsOriginated &+= 1
        slots[responderSlot].flowsResponded &+= 1
        let pair = PeerPair(slots[originatorSlot].address, slots[responderSlot].address)
        if peerPairs.count < maximumPeerPairs {
            guard peerPairs.insert(pair).inserted else { return }  // one hash, where contains + insert took two
        } else {
            if !peerPairs.contains(pair) { peerPairsDropped &+= 1 }
            return
        }
        slots[originatorSlot].distinctPeers &+= 1
        if originatorSlot != responderSlot { slots[responderSlot].distinctPeers &+= 1 }
    }

    /// Records the service a finished flow used, when the responder answered.
    public mutating func recordService(
        originator: HostReference, responder: HostReference, ipProtocol: UInt8, port: UInt16
    ) {
        if isValid(responder) { slots[Int(responder.slot)].servicesOffered.insert(ipProtocol: ipProtocol, port: port) }
        if isValid(originator) { slots[Int(originator.slot)].servicesUsed.insert(ipProtocol: ipProtocol, port: port) }
    }

    /// Records a MAC seen with an IP address (from ARP or IP traffic); a MAC seen for the first time is also
    /// queued in `discoveredMACs` for the detectors.
    public mutating func observe(
        mac: MACAddress, address: IPAddress, at time: PacketTime, vlan: VLANTags, fromARP: Bool = false
    ) {
        let known: Void? = macs.withValue(for: mac) { $0.observe(address: address, at: time, vlan: vlan) }
        guard known == nil else { return }
        guard macs.count < maximumMACs else {
            macsDropped &+= 1
            return
        }
        var record = MACRecord(mac: mac, at: time)
        record.observe(address: address, at: time, vlan: vlan)
        macs.set(record, for: mac)
        if discoveredMACs.count < Self.discoveryQueueLimit {
            discoveredMACs.append(DiscoveredMAC(mac: mac, address: address, vlan: vlan, time: time, fromARP: fromARP))
        }
    }

    /// MACs seen for the first time since the last `clearDiscoveredMACs()` (at most `discoveryQueueLimit`).
    public private(set) var discoveredMACs: [DiscoveredMAC] = []
    /// The most first-seen MACs queued between two drains (one packet's worth is at most two).
    public static let discoveryQueueLimit = 64

    /// Empties `discoveredMACs`, keeping its storage.
    public mutating func clearDiscoveredMACs() {
        discoveredMACs.removeAll(keepingCapacity: true)
    }

    /// The record a reference points to, if still valid.
    public func host(_ reference: HostReference) -> HostRecord? {
        isValid(reference) ? slots[Int(reference.slot)] : nil
    }

    /// The record for an address, if held.
    public func host(for address: IPAddress) -> HostRecord? {
        let slot = index.find(address) { slots[Int($0)].address }
        return slot >= 0 ? slots[Int(slot)] : nil
    }

    /// All hosts, ordered by address (allocates; for end-of-run output). The slots are sorted, then each record is
    /// copied once: sorting the records themselves moved every one of them about log₂ n times.
    public var allHosts: [HostRecord] {
        index.slots().sorted { slots[Int($0)].address < slots[Int($1)].address }.map { slots[Int($0)] }
    }

    /// The `count` hosts that carried the most bytes (sent and received), busiest first, without ordering the
    /// rest: the run report's top talkers when no host record is written and no state kept.
    public func busiestHosts(_ count: Int) -> [HostRecord] {
        var busiest: [HostRecord] = []
        guard count > 0 else { return busiest }
        busiest.reserveCapacity(count + 1)
        for slot in index.slots() {
            let host = slots[Int(slot)]
            guard busiest.count < count || HostRecord.isBusier(host, than: busiest[busiest.count - 1]) else {
                continue
            }
            let place = busiest.firstIndex { HostRecord.isBusier(host, than: $0) } ?? busiest.count
            busiest.insert(host, at: place)
            if busiest.count > count { busiest.removeLast() }
        }
        return busiest
    }

    /// All MACs, ordered by address (allocates; for end-of-run output).
    public var allMACs: [MACRecord] {
        macs.values.sorted { $0.mac < $1.mac }
    }

    /// The number of MACs held.
    public var macCount: Int { macs.count }

    func isValid(_ reference: HostReference) -> Bool {
        reference.slot >= 0 && Int(reference.slot) < slots.count
            && slots[Int(reference.slot)].generation == reference.generation
    }

    private mutating func victimSlot() -> Int {
        while true {
            if clockHand >= slots.count { clockHand = 0 }
            if slots[clockHand].recentlyUsed {
                slots[clockHand].recentlyUsed = false
                clockHand += 1
            } else {
                defer { clockHand += 1 }
                return clockHand
            }
        }
    }
}

/// A MAC address seen for the first time, with where and how.
public struct DiscoveredMAC: Sendable {
    /// The address.
    public let mac: MACAddress
    /// The IP address it was first seen with.
    public let address: IPAddress
    /// Its VLAN tags.
    public let vlan: VLANTags
    /// When.
    public let time: PacketTime
    /// Whether it was learned from an ARP packet (else from IP traffic).
    public let fromARP: Bool
}

/// An unordered pair of addresses.
struct PeerPair: Hashable {
    let first: IPAddress
    let second: IPAddress

    init(_ a: IPAddress, _ b: IPAddress) {
        (first, second) = a < b ? (a, b) : (b, a)
    }
}

/// What the sensor knows about one MAC address: when, where, and with which IP addresses.
public struct MACRecord: Sendable {
    /// The address.
    public let mac: MACAddress
    /// First time seen.
    public private(set) var firstSeen: PacketTime
    /// Last time seen.
    public private(set) var lastSeen: PacketTime
    /// The VLAN tags last seen.
    public private(set) var vlan: VLANTags = .none
    /// IP addresses seen with this MAC, first ones first (at most `maximumAddresses`).
    public private(set) var addresses: [IPAddress] = []
    /// Addresses seen beyond `maximumAddresses`.
    public private(set) var addressOverflow: UInt32 = 0
    /// The most addresses remembered per MAC (a router's MAC carries many).
    public static let maximumAddresses = 8

    init(mac: MACAddress, at time: PacketTime) {
        self.mac = mac
        self.firstSeen = time
        self.lastSeen = time
    }

    mutating func observe(address: IPAddress, at time: PacketTime, vlan: VLANTags) {
        lastSeen = max(lastSeen, time)
        self.vlan = vlan
        if address == .zero || addresses.contains(address) { return }
        if addresses.count < Self.maximumAddresses {
            addresses.append(address)
        } else {
            addressOverflow &+= 1
        }
    }
}

extension MACRecord {
    /// Adds another worker's view of the same MAC: the earliest first sighting, the latest last one (and its VLAN),
    /// and the addresses of both, first ones first.
    mutating func absorb(_ other: MACRecord) {
        firstSeen = min(firstSeen, other.firstSeen)
        let otherIsLater = other.lastSeen > lastSeen
        for address in other.addresses { observe(address: address, at: lastSeen, vlan: vlan) }
        if otherIsLater {
            lastSeen = other.lastSeen
            vlan = other.vlan
        }
        addressOverflow &+= other.addressOverflow
    }
}
