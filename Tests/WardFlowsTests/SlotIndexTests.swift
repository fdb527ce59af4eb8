import Testing
import WardCore
import WardTestSupport

@testable import WardFlows

/// The flow and host tables' open-addressing index against `Dictionary` as the model: inserts, finds and back-shift
/// removals in random order, through growth, with keys that differ in one field only.
@Suite struct SlotIndexTests {
    private func key(_ number: Int) -> FlowKey {
        // Neighbouring numbers differ in one field: port, address, protocol or VLAN (IPv4 and IPv6 alike).
        let address = number % 3 == 0 ? IPAddress(high: 0x2001_0DB8_0000_0000, low: UInt64(number / 7)) : IPAddress(ipv4: UInt32(number / 7))
        var vlan = VLANTags.none
        if number % 5 == 4 { vlan.push(UInt16(number % 4094 + 1)) }
        return FlowKey(
            lowAddress: address, highAddress: IPAddress(ipv4: 0xC633_6401), lowPort: UInt16(truncatingIfNeeded: number),
            highPort: 445, ipProtocol: number % 2 == 0 ? 6 : 17, vlan: vlan)
    }

    @Test func agreesWithADictionaryThroughGrowthAndRemovals() {
        var index = SlotIndex<FlowKey>(maximumKeys: 200_000)
        var model: [FlowKey: Int32] = [:]
        var keys: [FlowKey] = []  // the key stored at each slot
        var generator = SeededGenerator(state: 7)
        for step in 0..<300_000 {
            let number = Int.random(in: 0..<150_000, using: &generator)
            let candidate = key(number)
            let found = index.find(candidate) { keys[Int($0)] }
            #expect(found == (model[candidate] ?? -1), "step \(step)")
            if found >= 0 {
                if Bool.random(using: &generator) {
                    index.remove(candidate, slot: found)
                    model[candidate] = nil
                }
            } else if model.count < 100_000 {
                let slot = Int32(keys.count)
                keys.append(candidate)
                index.insert(candidate, slot: slot)
                model[candidate] = slot
            }
            #expect(index.count == model.count)
        }
        #expect(model.count > 1 << 16)  // the index grew past its initial capacity
        for (key, slot) in model { #expect(index.find(key) { keys[Int($0)] } == slot) }
        #expect(Set(index.slots()) == Set(model.values))
        for (key, slot) in model { index.remove(key, slot: slot) }
        #expect(index.count == 0 && index.slots().isEmpty)
    }

    @Test func removingAKeyNotHeldChangesNothing() {
        var index = SlotIndex<FlowKey>(maximumKeys: 8)
        let keys = (0..<4).map(key)
        for (slot, key) in keys.enumerated() { index.insert(key, slot: Int32(slot)) }
        index.remove(key(99), slot: 9)
        index.remove(keys[1], slot: 3)  // the right key at the wrong slot
        #expect(index.count == 4)
        for (slot, key) in keys.enumerated() { #expect(index.find(key) { keys[Int($0)] } == Int32(slot)) }
    }

    @Test func findsIPv4AndIPv6AddressesThatShareWords() {
        var index = SlotIndex<IPAddress>(maximumKeys: 1_000)
        // IPv4-mapped and IPv6 addresses with equal low words, and neighbours: distinct keys, one slot each.
        let addresses = (0..<500).flatMap { number in
            [IPAddress(ipv4: UInt32(number)), IPAddress(high: 0x2001_0DB8_0000_0000, low: UInt64(number))]
        }
        for (slot, address) in addresses.enumerated() { index.insert(address, slot: Int32(slot)) }
        #expect(index.count == addresses.count)
        for (slot, address) in addresses.enumerated() {
            #expect(index.find(address) { addresses[Int($0)] } == Int32(slot))
        }
        #expect(index.find(IPAddress(ipv4: 0xC633_6401)) { addresses[Int($0)] } == -1)
    }
}
