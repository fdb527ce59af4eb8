import Testing
@testable import WardCore
import WardTestSupport

/// The open-addressing table against a `Dictionary` model: sequential keys as SMB clients number their requests,
/// keys that collide, and removals from the middle of probe runs (the backward shift must keep every key reachable).
@Suite struct OpenTableTests {
    /// A key whose hash ignores part of it, so that many keys share a home and probe runs grow long.
    struct CollidingKey: OpenTableKey, Hashable {
        var value: UInt64

        func openTableHash(seed: UInt64) -> UInt64 {
            (value % 3) << 62
        }
    }

    /// A key holding strings, as the detectors' keys do (AE titles, HL7 applications, rule names).
    struct TextKey: OpenTableKey, Hashable {
        var name: String
        var detail: String

        func openTableHash(seed: UInt64) -> UInt64 {
            OpenTableHash.strings(name, detail, seed: seed)
        }
    }

    /// How the keys of a run are chosen.
    enum Pattern: CaseIterable {
        /// As clients number requests (each id used about three times in a row).
        case sequential
        /// Spread over a small range, so keys come back often.
        case scattered
        /// Three homes for every key (`CollidingKey`).
        case colliding
        /// Strings of every length from 0 to 40 bytes (`TextKey`), so the byte fold's tail and words both count.
        case text

        func key(_ step: Int) -> UInt64 {
            switch self {
            case .sequential: UInt64(step / 3)
            case .scattered, .colliding, .text: UInt64(truncatingIfNeeded: step &* 2_654_435_761) % 97
            }
        }
    }

    @Test(arguments: Pattern.allCases)
    func agreesWithADictionary(pattern: Pattern) {
        if pattern == .colliding {
            run(pattern, key: { CollidingKey(value: pattern.key($0)) })
        } else if pattern == .text {
            run(pattern, key: { step in
                let value = pattern.key(step)
                return TextKey(
                    name: String(repeating: "é", count: Int(value % 5))
                        + String(repeating: "A", count: Int(value % 41)),
                    detail: value.isMultiple(of: 2) ? "" : "\(value)")
            })
        } else {
            run(pattern, key: pattern.key)
        }
    }

    /// A table made with room for its keys holds them all without growing, and grows past them as any other.
    @Test func presizedTableHoldsItsKeysAndGrowsPastThem() {
        for minimum in [0, 1, 7, 8, 9, 1000] {
            var table = OpenTable<UInt64, Int>(minimumCapacity: minimum)
            let room = table.keys.count
            var expected = minimum == 0 ? 0 : 16
            while expected > 0 && expected < 2 * minimum { expected *= 2 }
            #expect(room == expected)
            for key in 0..<UInt64(minimum) { table.set(Int(key), for: key * 0x9E37) }
            #expect(table.keys.count == room, "minimum \(minimum)")
            for key in UInt64(minimum)..<UInt64(3 * minimum + 20) { table.set(Int(key), for: key * 0x9E37) }
            #expect(table.count == 3 * minimum + 20)
            for key in 0..<UInt64(3 * minimum + 20) { #expect(table[key * 0x9E37] == Int(key)) }
        }
    }

    /// `insert` stores a value only for a key not held (the first one stays), in one probe, across growth.
    @Test func insertKeepsTheFirstValue() {
        var table = OpenTable<UInt64, Int>()
        var model: [UInt64: Int] = [:]
        for step in 0..<5_000 {
            let key = UInt64(step % 1_700) &* 0x9E37_79B9
            let stored = table.insert(step, for: key)
            #expect(stored == (model[key] == nil))
            if model[key] == nil { model[key] = step }
        }
        #expect(table.count == model.count)
        for (key, value) in model { #expect(table[key] == value) }
    }

    /// `withValue(for:insertingIfAbsent:)` stores `make()` only for a key not held, tells `body` so, and lets it
    /// change the value where it is stored, across growth.
    @Test func withValueInsertsOnlyAbsentKeys() {
        var table = OpenTable<UInt64, Int>()
        var model: [UInt64: Int] = [:]
        for step in 0..<5_000 {
            let key = UInt64(step % 1_300) &* 0x9E37_79B9
            var made = false
            let seen = table.withValue(for: key, insertingIfAbsent: { made = true; return 1_000 }) { value, isNew in
                value += 1
                return isNew
            }
            #expect(seen == (model[key] == nil) && made == seen)
            model[key, default: 1_000] += 1
        }
        #expect(table.count == model.count)
        for (key, value) in model { #expect(table[key] == value) }
    }

    /// Equal strings hash alike, each byte and the length count, and the seed changes the hash.
    @Test func stringHashUsesEveryByteAndTheLength() {
        let seed: UInt64 = 0x1234_5678_9ABC_DEF0
        let texts = ["", "a", "ab", "abcdefg", "abcdefgh", "abcdefghi", "STORESCU", "STORESCP", "\u{0}", "\u{0}\u{0}"]
        var hashes = Set<UInt64>()
        for text in texts {
            let copy = String(decoding: Array(text.utf8), as: UTF8.self)
            #expect(OpenTableHash.string(text, seed: seed) == OpenTableHash.string(copy, seed: seed))
            hashes.insert(OpenTableHash.string(text, seed: seed))
        }
        #expect(hashes.count == texts.count)
        #expect(OpenTableHash.string("PACS_1", seed: 1) != OpenTableHash.string("PACS_1", seed: 2))
    }

    private func run<Key: OpenTableKey & Hashable>(_ pattern: Pattern, key makeKey: (Int) -> Key) {
        var table = OpenTable<Key, Int>()
        var model: [Key: Int] = [:]
        var random = SeededGenerator(state: 7)
        for step in 0..<20_000 {
            let key = makeKey(step)
            switch Int.random(in: 0..<12, using: &random) {
            case 0..<5:
                table.set(step, for: key)
                model[key] = step
            case 5..<9:
                #expect(table.remove(key) == model.removeValue(forKey: key), "\(pattern) step \(step)")
            case 9:
                let doubled = table.withValue(for: key) { value -> Int in
                    value *= 2
                    return value
                }
                if model[key] != nil { model[key]! *= 2 }
                #expect(doubled == model[key], "\(pattern) step \(step)")
            default:
                #expect(table.contains(key) == (model[key] != nil), "\(pattern) step \(step)")
                #expect(table[key] == model[key], "\(pattern) step \(step)")
            }
            #expect(table.count == model.count)
            if step % 5_000 == 4_999 {
                for (key, value) in model { #expect(table[key] == value, "\(pattern): \(key) lost") }
                #expect(table.values.sorted() == model.values.sorted())
            }
        }
        if let (key, value) = model.first {
            #expect(table.first { candidate, _ in candidate == key }?.value == value)
        }
        #expect(table.first { _, _ in false } == nil)
        for (key, value) in model { #expect(table.remove(key) == value) }
        #expect(table.count == 0 && table.values.isEmpty)
        table.set(1, for: makeKey(7))
        table.removeAll()
        #expect(table.count == 0 && !table.contains(makeKey(7)))
    }
}
