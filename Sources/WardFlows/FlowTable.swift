import WardCore
import WardPacket

/// The flow table: canonical bidirectional flows in a slab, found through a `SlotIndex`, expired in packet time.
///
/// Each timeout class keeps an intrusive list ordered by last activity, so expiry looks only at list heads and a
/// packet moves its flow to a list tail in O(1). A flow seen again after its timeout starts anew, so the records
/// do not depend on when expiry runs (live and replay give the same flows). When `maximumFlows` is reached, the
/// least recently active flow is evicted, emitted and counted. Per packet nothing is allocated; a new flow may
/// grow the index (the slab is reserved up front).
public struct FlowTable: ~Copyable {
    /// Bounds and timeouts.
    public let configuration: FlowTableConfiguration
    /// The per-IP and per-MAC tables, updated with every packet.
    public var hosts: HostTable
    private var index: SlotIndex<FlowKey>
    private var slots: FixedSlab<FlowRecord>
    private var freeSlots: [Int32] = []
    private var heads = InlineArray<4, Int32>(repeating: -1)
    private var tails = InlineArray<4, Int32>(repeating: -1)
    private let timeouts: InlineArray<4, Int64>
    /// Whether a flow ended during the last `update` (a stale flow with the same key, or an evicted one): then
    /// `ended` holds it. A flag, so that the per-packet check copies no record.
    public private(set) var didEndFlow = false
    private var lastEnded: FlowRecord?
    /// The flow that ended during the last `update`, if one did.
    public var ended: FlowRecord? { didEndFlow ? lastEnded : nil }
    /// Why `ended` ended.
    public private(set) var endedReason: FlowEndReason = .idle
    /// Flows created.
    public private(set) var flowsCreated: UInt64 = 0
    /// Flows evicted to stay within `maximumFlows`.
    public private(set) var evictions: UInt64 = 0

    /// An empty table.
    public init(configuration: FlowTableConfiguration = FlowTableConfiguration()) {
        self.configuration = configuration
        hosts = HostTable(
            maximumHosts: configuration.maximumHosts, maximumPeerPairs: configuration.maximumPeerPairs,
            maximumMACs: configuration.maximumMACs)
        index = SlotIndex(maximumKeys: configuration.maximumFlows)
        slots = FixedSlab(capacity: max(1, configuration.maximumFlows))
        timeouts = [
            configuration.tcpTimeout * 1_000_000_000, configuration.udpTimeout * 1_000_000_000,
            configuration.otherTimeout * 1_000_000_000, configuration.terminatedDelay * 1_000_000_000,
        ]
    }

    /// Flows currently held.
    public var count: Int { index.count }

    /// Accounts one decoded IP packet to its flow and to both hosts; returns the flow's slot, or -1 if the packet
    /// has no flow (ARP, non-IP, or a transport header that could not be read).
    ///
    /// Check `ended` afterwards: a flow may have ended to make room. `packet` is only read; it is `inout` so that it
    /// is passed by address: as a value (or `borrowing`) the 217-byte packet was copied with `memcpy` for every
    /// packet on the way into this module, right after the decoder's narrow stores had built it.
    public mutating func update(with packet: inout DecodedPacket, frameLength: Int, at time: PacketTime) -> Int32 {
        didEndFlow = false
        lastUpdateCreatedFlow = false
        guard packet.network == .ipv4 || packet.network == .ipv6 else { return -1 }
        let hasPorts = packet.transport == .tcp || packet.transport == .udp
        if packet.transport == .none && !packet.fragment.isFragment { return -1 }
        let (key, sourceIsLow) = FlowKey.canonical(
            source: packet.sourceAddress, sourcePort: hasPorts ? packet.sourcePort : 0,
            destination: packet.destinationAddress, destinationPort: hasPorts ? packet.destinationPort : 0,
            ipProtocol: packet.ipProtocol, vlan: packet.vlan)

        var slot = index.find(key) { slots[Int($0)].key }
        if slot >= 0 && shouldRestart(slot, packet: packet, at: time) {
            endFlow(at: slot, reason: slots[Int(slot)].timeoutClass == .terminated ? .terminated : .idle)
            slot = -1
        }
        if slot < 0 {
            slot = createFlow(key: key, sourceIsLow: sourceIsLow, packet: packet, at: time)
            lastUpdateCreatedFlow = true
        }
        let fromOriginator = slots[Int(slot)].originatorIsLow == sourceIsLow
        lastPacketFromOriginator = fromOriginator
        account(slot: slot, packet: &packet, frameLength: frameLength, fromOriginator: fromOriginator, at: time)
        return slot
    }

    /// Whether the packet of the last `update` came from the flow's originator.
    public private(set) var lastPacketFromOriginator = true
    /// Whether the last `update` started a new flow.
    public private(set) var lastUpdateCreatedFlow = false

    /// The flow in `slot` (valid until the next mutation).
    public func flow(at slot: Int32) -> FlowRecord {
        slots[Int(slot)]
    }

    /// The identity of the flow in `slot`, for its protocol records (read in place, without copying the record).
    public func identity(at slot: Int32) -> FlowIdentity {
        slots[Int(slot)].identity
    }

    /// The application-analysis session recorded for the flow in `slot`.
    @inline(__always)
    public func applicationSlot(at slot: Int32) -> Int32 {
        slots[Int(slot)].applicationSlot
    }

    /// Records the application-analysis decision for the flow in `slot`, and counts a probe attempt.
    public mutating func setApplicationSlot(_ session: Int32, at slot: Int32, countingAttempt: Bool = false) {
        slots[Int(slot)].applicationSlot = session
        if countingAttempt { slots[Int(slot)].probeAttempts &+= 1 }
    }

    /// Removes and returns one flow whose timeout has passed at `time`, or `nil` when none has.
    public mutating func popExpired(at time: PacketTime) -> (record: FlowRecord, reason: FlowEndReason)? {
        for timeoutClass in FlowTimeoutClass.allCases {
            let head = heads[Int(timeoutClass.rawValue)]
            guard head >= 0 else { continue }
            // The time is read in place; the 248-byte record is copied out only when it goes.
            if time.nanoseconds(since: slots[Int(head)].lastSeen) > timeouts[Int(timeoutClass.rawValue)] {
                let record = slots[Int(head)]
                release(slot: head)
                return (record, timeoutClass == .terminated ? .terminated : .idle)
            }
        }
        return nil
    }

    /// The slots of every flow held, ordered by first packet time then uid (for the end of a capture: remove them
    /// one by one with `removeFlow(at:)`, without copying the whole table).
    ///
    /// The sort keys are read once per flow into one contiguous array: comparing through the slots would load two
    /// 248-byte records and hash two uids per comparison (a million flows: 20 million comparisons, mostly cache
    /// misses).
    public func slotsInFirstSeenOrder() -> [Int32] {
        var order = index.slots().map { slot in
            (firstSeen: slots[Int(slot)].firstSeen, uid: slots[Int(slot)].uid, slot: slot)
        }
        order.sort { $0.firstSeen != $1.firstSeen ? $0.firstSeen < $1.firstSeen : $0.uid < $1.uid }
        return order.map(\.slot)
    }

    /// Removes the flow in `slot` and returns it.
    public mutating func removeFlow(at slot: Int32) -> FlowRecord {
        let record = slots[Int(slot)]
        release(slot: slot)
        return record
    }

    // MARK: - Internals

    /// Whether the packet starts a new flow in place of the one in `slot` (read in place: no record is copied).
    @inline(__always)
    private func shouldRestart(_ slot: Int32, packet: DecodedPacket, at time: PacketTime) -> Bool {
        let position = Int(slot)
        if time.nanoseconds(since: slots[position].lastSeen) > timeouts[Int(slots[position].timeoutClass.rawValue)] {
            return true
        }
        guard packet.transport == .tcp && packet.tcp.flags.contains(.syn) && !packet.tcp.flags.contains(.ack) else {
            return false
        }
        // A fresh SYN on a finished connection is a new connection reusing the ports (Zeek does the same); so is a
        // SYN whose initial sequence number differs from the one this connection started with.
        if slots[position].timeoutClass == .terminated { return true }
        guard let start = slots[position].tcp.originatorStreamStart else { return false }
        let fromOriginator =
            slots[position].originatorAddress == packet.sourceAddress
            && slots[position].originatorPort == packet.sourcePort
        return fromOriginator && packet.tcp.sequenceNumber &+ 1 != start
    }

    private mutating func createFlow(key: FlowKey, sourceIsLow: Bool, packet: DecodedPacket, at time: PacketTime)
        -> Int32
    {
        if index.count >= configuration.maximumFlows { evictOldest() }
        // A SYN-ACK first means we missed the SYN: its receiver is the originator (history gets '^').
        let flipped = packet.transport == .tcp && packet.tcp.flags.contains([.syn, .ack])
        var record = FlowRecord(
            key: key, originatorIsLow: flipped ? !sourceIsLow : sourceIsLow, at: time, transport: packet.transport)
        if flipped { record.history.markFlipped() }
        if packet.transport == .icmp || packet.transport == .icmpv6 {
            record.icmpType = packet.icmp.type
            record.icmpCode = packet.icmp.code
        }
        record.originatorHost = hosts.reference(for: record.originatorAddress, at: time)
        record.responderHost = hosts.reference(for: record.responderAddress, at: time)
        hosts.recordFlowStart(originator: record.originatorHost, responder: record.responderHost)
        record.timeoutClass = timeoutClass(for: packet.transport)
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slots[Int(slot)] = record
        } else {
            slot = Int32(slots.count)
            slots.append(record)
        }
        index.insert(key, slot: slot)
        append(slot: slot, to: record.timeoutClass)
        flowsCreated &+= 1
        return slot
    }

    /// `packet` is only read; `inout` passes it by address (as a value it was copied for every packet).
    private mutating func account(
        slot: Int32, packet: inout DecodedPacket, frameLength: Int, fromOriginator: Bool, at time: PacketTime
    ) {
        let position = Int(slot)
        let payload = Int(packet.payloadWireLength)
        slots[position].lastSeen = max(slots[position].lastSeen, time)
        if fromOriginator {
            slots[position].originator.packets &+= 1
            slots[position].originator.bytes &+= UInt64(frameLength)
            slots[position].originator.ipBytes &+= UInt64(packet.ipLength)
            slots[position].originator.payloadBytes &+= UInt64(payload)
            slots[position].originatorMAC = packet.sourceMAC
            slots[position].responderMAC = packet.destinationMAC
        } else {
            slots[position].responder.packets &+= 1
            slots[position].responder.bytes &+= UInt64(frameLength)
            slots[position].responder.ipBytes &+= UInt64(packet.ipLength)
            slots[position].responder.payloadBytes &+= UInt64(payload)
            slots[position].responderMAC = packet.sourceMAC
            slots[position].originatorMAC = packet.destinationMAC
        }
        if packet.transport == .tcp {
            var history = slots[position].history
            slots[position].tcp.observe(
                packet.tcp, payloadLength: payload, fromOriginator: fromOriginator, history: &history)
            slots[position].history = history
        }
        let sender = fromOriginator ? slots[position].originatorHost : slots[position].responderHost
        let receiver = fromOriginator ? slots[position].responderHost : slots[position].originatorHost
        hosts.recordSent(by: sender, bytes: frameLength, at: time, mac: packet.sourceMAC, vlan: packet.vlan)
        hosts.recordReceived(by: receiver, bytes: frameLength, at: time)

        let wanted: FlowTimeoutClass =
            packet.transport == .tcp && slots[position].tcp.isTerminated
            ? .terminated : slots[position].timeoutClass
        // Move to the tail of its expiry list (most recently active), unless it is there already (a burst).
        if wanted != slots[position].timeoutClass || tails[Int(wanted.rawValue)] != slot {
            unlink(slot: slot)
            slots[position].timeoutClass = wanted
            append(slot: slot, to: wanted)
        }
    }

    private func timeoutClass(for transport: TransportLayer) -> FlowTimeoutClass {
        switch transport {
        case .tcp: .tcp
        case .udp: .udp
        default: .other
        }
    }

    private mutating func evictOldest() {
        var victim: Int32 = -1
        for timeoutClass in [FlowTimeoutClass.terminated, .udp, .other, .tcp] {
            let head = heads[Int(timeoutClass.rawValue)]
            if head >= 0 && (victim < 0 || slots[Int(head)].lastSeen < slots[Int(victim)].lastSeen) {
                victim = head
            }
        }
        guard victim >= 0 else { return }
        evictions &+= 1
        endFlow(at: victim, reason: .evicted)
    }

    private mutating func endFlow(at slot: Int32, reason: FlowEndReason) {
        lastEnded = slots[Int(slot)]
        didEndFlow = true
        endedReason = reason
        release(slot: slot)
    }

    private mutating func release(slot: Int32) {
        let record = slots[Int(slot)]
        if record.responder.packets > 0 && (record.transport == .tcp || record.transport == .udp)
            && record.connectionState != .rej
        {
            hosts.recordService(
                originator: record.originatorHost, responder: record.responderHost, ipProtocol: record.key.ipProtocol,
                port: record.responderPort)
        }
        unlink(slot: slot)
        index.remove(record.key, slot: slot)
        freeSlots.append(slot)
    }

    private mutating func append(slot: Int32, to timeoutClass: FlowTimeoutClass) {
        let list = Int(timeoutClass.rawValue)
        slots[Int(slot)].previous = tails[list]
        slots[Int(slot)].next = -1
        if tails[list] >= 0 {
            slots[Int(tails[list])].next = slot
        } else {
            heads[list] = slot
        }
        tails[list] = slot
    }

    private mutating func unlink(slot: Int32) {
        let list = Int(slots[Int(slot)].timeoutClass.rawValue)
        let previous = slots[Int(slot)].previous
        let next = slots[Int(slot)].next
        if previous >= 0 { slots[Int(previous)].next = next } else { heads[list] = next }
        if next >= 0 { slots[Int(next)].previous = previous } else { tails[list] = previous }
        slots[Int(slot)].previous = -1
        slots[Int(slot)].next = -1
    }
}
