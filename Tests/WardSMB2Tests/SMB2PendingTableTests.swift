import Testing

@testable import WardSMB2

/// The pending-request table against a `Dictionary` model: sequential ids as clients send them, ids that collide
/// in the table's hash, and removals from the middle of probe runs (the backward shift must keep every key
/// reachable).
@Suite struct SMB2PendingTableTests {
    /// How the ids of a run are chosen.
    enum Pattern: CaseIterable {
        /// As clients number requests (each id used about three times in a row).
        case sequential
        /// Multiples of 2^60 share the top bits of the product in a 16-slot table: long probe runs.
        case colliding
        /// Spread over a small range, so ids come back often.
        case scattered

        func id(_ step: Int) -> UInt64 {
            switch self {
            case .sequential: UInt64(step / 3)
            case .colliding: UInt64(step % 40) << 60 | UInt64(step % 7)
            case .scattered: UInt64(truncatingIfNeeded: step &* 2_654_435_761) % 97
            }
        }
    }

    @Test(arguments: Pattern.allCases)
    func agreesWithADictionary(pattern: Pattern) {
        var table = SMB2PendingTable<Int>()
        var model: [UInt64: Int] = [:]
        var random = SystemRandomNumberGenerator()
        for step in 0..<20_000 {
            let id = pattern.id(step)
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5:
                table.set(step, for: id)
                model[id] = step
            case 5..<9:
                #expect(table.remove(id) == model.removeValue(forKey: id), "\(pattern) step \(step)")
            default:
                #expect(table.contains(id) == (model[id] != nil), "\(pattern) step \(step)")
            }
            #expect(table.count == model.count)
            if step % 5_000 == 4_999 {
                for (id, value) in model { #expect(table.contains(id), "\(pattern): \(id) lost, value \(value)") }
            }
        }
        for (id, value) in model { #expect(table.remove(id) == value) }
        #expect(table.count == 0)
        table.set(1, for: 7)
        table.removeAll()
        #expect(table.count == 0 && !table.contains(7))
    }
}
