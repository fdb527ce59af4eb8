import Testing

@testable import WardEngine

/// The engine's per-connection storage: elements survive the array's growth and are released exactly once, and a
/// pool hands freed slots out again.
@Suite struct InPlaceArrayTests {
    final class Releases {
        var count = 0
    }

    final class Tracked {
        let value: Int
        let releases: Releases

        init(_ value: Int, releases: Releases) {
            self.value = value
            self.releases = releases
        }

        deinit { releases.count += 1 }
    }

    @Test func elementsSurviveGrowthAndAreReleasedOnce() {
        let releases = Releases()
        do {
            var array = InPlaceArray<Tracked>()
            for value in 0..<1000 { array.append(Tracked(value, releases: releases)) }
            #expect(array.count == 1000)
            #expect(releases.count == 0)  // growing moved the elements, it neither copied nor destroyed them
            #expect((0..<1000).allSatisfy { array[$0].value == $0 })
            array[500] = Tracked(-1, releases: releases)
            #expect(releases.count == 1)
            #expect(array[500].value == -1)
        }
        #expect(releases.count == 1001)
    }

    @Test func mutatesInPlace() {
        var array = InPlaceArray<[Int]>()
        array.append([1])
        array.append([2])
        array[1].append(3)
        #expect(array[0] == [1])
        #expect(array[1] == [2, 3])
    }

    @Test func poolReusesFreedSlots() {
        let releases = Releases()
        do {
            var pool = SlotPool(vacant: Tracked(-1, releases: releases))
            let first = pool.insert(Tracked(1, releases: releases))
            let second = pool.insert(Tracked(2, releases: releases))
            pool.remove(first)
            #expect(releases.count == 1)
            #expect(!pool.contains(first) && pool.contains(second) && !pool.contains(-1) && !pool.contains(9))
            let third = pool.insert(Tracked(3, releases: releases))
            #expect(third == first)
            #expect(pool.items[Int(third)].value == 3 && pool.items[Int(second)].value == 2)
            #expect(pool.count == 2)
        }
        #expect(releases.count == 4)
    }
}
