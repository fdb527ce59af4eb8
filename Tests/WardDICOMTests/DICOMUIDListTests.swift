import Testing
import WardCore

@testable import WardDICOM

/// The distinct-UID list behind A-ASSOCIATE presentation contexts and association records.
@Suite struct DICOMUIDListTests {
    private static func insert(_ uid: String, into list: inout DICOMUIDList) -> Int? {
        var uid = uid
        return uid.withUTF8 { list.insert(UnsafeRawBufferPointer($0)) }
    }

    private static func find(_ uid: String, in list: DICOMUIDList) -> Int? {
        var uid = uid
        return uid.withUTF8 { list.firstIndex(of: UnsafeRawBufferPointer($0)) }
    }

    @Test func keepsDistinctUIDsInFirstSeenOrder() {
        var list = DICOMUIDList(limit: 10)
        #expect(Self.insert("1.2.840.10008.1.2", into: &list) == 0)
        #expect(Self.insert("1.2.840.10008.1.2.1", into: &list) == 1)
        #expect(Self.insert("1.2.840.10008.1.2", into: &list) == 0)
        #expect(Self.insert("1.2.840.10008.1.2.1", into: &list) == 1)
        #expect(Array(list) == ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"])
        #expect(list == ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"])
        #expect(list != ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"])
        // The same bytes split into other UIDs, and lists of other lengths, are not equal.
        #expect(list != ["1.2.840.10008.1.21", ".2.840.10008.1.2.1"])
        #expect(list != ["1.2.840.10008.1.2"] && DICOMUIDList(limit: 3) == [])
    }

    @Test func stopsAtItsLimitButStillFindsWhatItHolds() {
        var list = DICOMUIDList(limit: 2)
        _ = Self.insert("1.1", into: &list)
        _ = Self.insert("1.2", into: &list)
        #expect(list.isFull)
        #expect(Self.insert("1.3", into: &list) == nil)
        #expect(Self.insert("1.2", into: &list) == 1)
        #expect(list.count == 2)
    }

    /// Past eight UIDs the list switches from a linear scan to its hash index and grows it: every UID must still be
    /// found at its index, and prefixes of others must not match.
    @Test func findsEveryUIDThroughTheGrowingIndex() {
        var list = DICOMUIDList(limit: 500)
        let uids = (0..<300).map { "1.2.840.10008.5.1.4.1.1.\($0)" }
        for (index, uid) in uids.enumerated() { #expect(Self.insert(uid, into: &list) == index) }
        for (index, uid) in uids.enumerated() { #expect(Self.find(uid, in: list) == index) }
        #expect(Self.find("1.2.840.10008.5.1.4.1.1", in: list) == nil)
        #expect(Self.find("1.2.840.10008.5.1.4.1.1.3000", in: list) == nil)
        #expect(Self.insert(uids[123], into: &list) == 123)
        #expect(list.count == 300)
    }

    /// Room reserved up front (as a request's decoder does) builds the index early: UIDs are still found, before
    /// and after the list outgrows the reservation, and the limit still holds.
    @Test func findsEveryUIDAfterReservingRoom() {
        for reserved in [0, 3, 9, 40, 1000] {
            var list = DICOMUIDList(limit: 100)
            list.reserveCapacity(reserved, bytesEach: 26)
            let uids = (0..<120).map { "1.2.826.0.1.3680043.\($0 * 7)" }
            for (index, uid) in uids.enumerated() {
                #expect(Self.insert(uid, into: &list) == (index < 100 ? index : nil))
            }
            for (index, uid) in uids.enumerated().prefix(100) { #expect(Self.find(uid, in: list) == index) }
            #expect(Self.find("1.2.826.0.1.3680043", in: list) == nil)
            #expect(list.count == 100 && list.isFull)
        }
    }

    @Test func truncatesAndCopiesEntries() {
        let list: DICOMUIDList = ["1.1", "1.2", "1.3"]
        #expect(list.truncated(to: 2) == ["1.1", "1.2"])
        #expect(list.truncated(to: 2).isFull)
        #expect(list.truncated(to: 5) == list)
        var copy = DICOMUIDList(limit: 2)
        copy.appendDistinct(list, at: 2)
        copy.appendDistinct(list, at: 0)
        copy.appendDistinct(list, at: 1)
        #expect(copy == ["1.3", "1.1"])
    }

    @Test func encodesAsJSONArray() {
        var writer = JSONWriter()
        let list: DICOMUIDList = ["1.2.840.10008.1.1", "1.2.3"]
        list.encode(into: &writer)
        #expect(writer.text == #"["1.2.840.10008.1.1","1.2.3"]"#)
        var empty = JSONWriter()
        DICOMUIDList(limit: 4).encode(into: &empty)
        #expect(empty.text == "[]")
    }
}
