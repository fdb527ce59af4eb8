import WardCore

/// Combining what several workers' host tables hold about the same addresses (`--workers`): each worker saw the
/// flows hashed to it, so counters add up, times widen, and peers are counted over the union of peer pairs.
public enum HostRecordMerge {
    /// One record per address from all `tables` (each from `HostTable.allHosts`), ordered by address, with
    /// `distinctPeers` recounted from the union of the tables' peer pairs (`HostTable.peerPairList`).
    public static func merge(_ tables: [[HostRecord]], peerPairs: [[(IPAddress, IPAddress)]]) -> [HostRecord] {
        let merged = combine(tables, by: \.address) { $0.absorb($1) }
        var peers: [IPAddress: UInt32] = [:]
        var seen = Set<PeerPair>()
        for list in peerPairs {
            for (first, second) in list where seen.insert(PeerPair(first, second)).inserted {
                peers[first, default: 0] &+= 1
                if first != second { peers[second, default: 0] &+= 1 }
            }
        }
        return merged.values.map { host in
            var host = host
            host.distinctPeers = peers[host.address] ?? 0
            return host
        }.sorted { $0.address < $1.address }
    }

    /// One record per MAC from all `tables` (each from `HostTable.allMACs`), ordered by MAC.
    public static func merge(_ tables: [[MACRecord]]) -> [MACRecord] {
        combine(tables, by: \.mac) { $0.absorb($1) }.values.sorted { $0.mac < $1.mac }
    }

    /// One record per key from all `tables`: the first one met, absorbing every later one with the same key.
    private static func combine<Record, Key: Hashable>(
        _ tables: [[Record]], by key: (Record) -> Key, absorb: (inout Record, Record) -> Void
    ) -> [Key: Record] {
        var merged: [Key: Record] = [:]
        for table in tables {
            for record in table {
                let recordKey = key(record)
                if merged[recordKey] != nil {
                    absorb(&merged[recordKey]!, record)
                } else {
                    merged[recordKey] = record
                }
            }
        }
        return merged
    }
}

extension HostRecord {
    /// Adds another worker's view of the same address; MAC and VLAN come from whichever saw the host last (among
    /// those that saw it send: only a sender's frames carry its MAC).
    mutating func absorb(_ other: HostRecord) {
        if other.mac != .zero && (mac == .zero || other.lastSeen > lastSeen) {
            mac = other.mac
            vlan = other.vlan
        }
        macChanges &+= other.macChanges
        firstSeen = min(firstSeen, other.firstSeen)
        lastSeen = max(lastSeen, other.lastSeen)
        sent.packets &+= other.sent.packets
        sent.bytes &+= other.sent.bytes
        received.packets &+= other.received.packets
        received.bytes &+= other.received.bytes
        flowsOriginated &+= other.flowsOriginated
        flowsResponded &+= other.flowsResponded
        servicesOffered.absorb(other.servicesOffered)
        servicesUsed.absorb(other.servicesUsed)
    }
}

extension HostTable {
    /// The address pairs that have had a flow (allocates; for merging workers' tables).
    public var peerPairList: [(IPAddress, IPAddress)] {
        peerPairs.map { ($0.first, $0.second) }
    }
}
