import WardCore
import WardFlows
import WardPacket

/// The Community IDs of recently rendered TCP and UDP flows, so a flow's protocol records and its flow record do
/// not each hash its key again (one SHA-1 per event was a third of a protocol record's rendering).
///
/// Direct-mapped by flow uid; an entry is used only when its whole key matches, so a uid collision costs a
/// recomputation, never a wrong identifier. ICMP flows are not cached (their identifier depends on type and code).
struct CommunityIDCache {
    private var entries: [(key: FlowKey, text: CommunityID.Text)?]

    /// A cache of `slots` entries (a power of two).
    init(slots: Int = 256) {
        entries = Array(repeating: nil, count: slots)
    }

    /// The Community ID of `flow` (seed 0), whose uid is `uid`.
    mutating func text(of flow: some FlowEndpoints, uid: UInt64) -> CommunityID.Text {
        guard flow.transport == .tcp || flow.transport == .udp else { return CommunityID.text(of: flow) }
        let slot = Int(truncatingIfNeeded: uid) & (entries.count - 1)
        if let entry = entries[slot], entry.key == flow.key { return entry.text }
        let text = CommunityID.text(of: flow)
        entries[slot] = (flow.key, text)
        return text
    }
}
