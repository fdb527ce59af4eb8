import WardCore

#if canImport(Glibc)
import Glibc
#endif

/// Distinct UIDs in first-seen order, at most `limit` of them, kept as bytes in one buffer.
///
/// An A-ASSOCIATE-RQ from a modality proposes over a hundred presentation contexts, each naming its abstract syntax
/// and repeating the same few transfer syntaxes. Keeping them here costs three allocations per list instead of one
/// `String` per UID; strings are made only when a caller asks for one. Equal UIDs are found through a small
/// open-addressing index (a hash of each UID's tail) once the list outgrows a linear scan.
public struct DICOMUIDList: Sendable, Equatable, RandomAccessCollection, ExpressibleByArrayLiteral {
    /// The UID bytes, one after another.
    private var storage: [UInt8] = []
    /// The end offset in `storage` of each UID.
    private var ends: [Int32] = []
    /// Open-addressing slots holding `index + 1` (0 = empty); empty until the list outgrows `linearLimit`.
    private var slots: [Int32] = []
    /// Most UIDs kept; later distinct ones are not.
    public let limit: Int

    /// Lists this short are searched linearly.
    private static let linearLimit = 8

    /// An empty list that keeps at most `limit` UIDs.
    public init(limit: Int) {
        self.limit = Swift.max(0, limit)
    }

    /// A list of the given UIDs (duplicates are kept once), without a limit.
    public init(arrayLiteral elements: String...) {
        self.init(limit: Int.max)
        for element in elements {
            var text = element
            text.withUTF8 { _ = insert(UnsafeRawBufferPointer($0)) }
        }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { ends.count }

    /// The UID at `position` as a `String` (the bytes were checked to be digits and dots when inserted).
    public subscript(position: Int) -> String {
        let range = byteRange(at: position)
        return String(unsafeUninitializedCapacity: range.count) { buffer in
            _ = buffer.initialize(from: storage[range])
            return range.count
        }
    }

    /// Whether the list holds `limit` UIDs.
    public var isFull: Bool { ends.count >= limit }

    /// Calls `body` with the bytes of the UID at `position`.
    func withUID<Result>(at position: Int, _ body: (RawSpan) -> Result) -> Result {
        let range = byteRange(at: position)
        return storage.withUnsafeBytes { raw in body(UnsafeRawBufferPointer(rebasing: raw[range]).bytes) }
    }

    /// Whether the UID at `position` equals `uid`.
    public func uid(at position: Int, equals uid: UnsafeRawBufferPointer) -> Bool {
        ends.indices.contains(position) && equals(position, uid)
    }

    /// The index of the UID equal to `uid`, if the list holds it.
    public func firstIndex(of uid: UnsafeRawBufferPointer) -> Int? {
        if slots.isEmpty {
            for position in ends.indices where equals(position, uid) { return position }
            return nil
        }
        let mask = slots.count - 1
        var slot = Int(Self.hash(uid)) & mask
        while slots[slot] != 0 {
            let position = Int(slots[slot]) - 1
            if equals(position, uid) { return position }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Adds `uid` unless the list holds it already or is full.
    /// - Returns: its index, or `nil` when it is new and the list is full.
    @discardableResult
    public mutating func insert(_ uid: UnsafeRawBufferPointer) -> Int? {
        if let existing = firstIndex(of: uid) { return existing }
        return appendDistinct(uid)
    }

    /// Adds `uid`, which the caller knows is not in this list yet (``firstIndex(of:)`` found nothing).
    /// - Returns: its index, or `nil` when the list is full.
    @discardableResult
    public mutating func appendDistinct(_ uid: UnsafeRawBufferPointer) -> Int? {
        guard !isFull else { return nil }
        // As typed bytes: `append(contentsOf:)` takes a raw buffer through a slower generic path.
        storage.append(contentsOf: uid.assumingMemoryBound(to: UInt8.self))
        ends.append(Int32(storage.count))
        indexNewest()
        return ends.count - 1
    }

    /// Makes room for `count` more UIDs of about `bytesEach` bytes, so that filling the list reallocates nothing.
    public mutating func reserveCapacity(_ count: Int, bytesEach: Int) {
        let count = Swift.min(count, limit - ends.count)
        guard count > 0 else { return }
        storage.reserveCapacity(storage.count + count * bytesEach)
        ends.reserveCapacity(ends.count + count)
        let total = ends.count + count
        if total > Self.linearLimit && slots.count < total * 2 {
            var capacity = Swift.max(32, slots.count)
            while capacity < total * 2 { capacity *= 2 }
            rebuildSlots(capacity: capacity)
        }
    }

    /// Adds the UID at `position` of `other`, which the caller knows is not in this list yet; nothing when full.
    public mutating func appendDistinct(_ other: DICOMUIDList, at position: Int) {
        guard !isFull else { return }
        let range = other.byteRange(at: position)
        other.storage.withUnsafeBufferPointer { storage.append(contentsOf: UnsafeBufferPointer(rebasing: $0[range])) }
        ends.append(Int32(storage.count))
        indexNewest()
    }

    /// The first `count` UIDs, as a list that keeps at most `count`.
    public func truncated(to count: Int) -> DICOMUIDList {
        if self.count <= count && limit <= count { return self }
        var list = DICOMUIDList(limit: count)
        for position in ends.indices.prefix(count) { list.appendDistinct(self, at: position) }
        return list
    }

    /// Writes the list as a JSON array of strings.
    public func encode(into writer: inout JSONWriter) {
        storage.withUnsafeBytes { bytes in
            ends.withUnsafeBufferPointer { writer.stringArray(concatenated: bytes, ends: $0) }
        }
    }

    /// Lists are equal when they hold the same UIDs in the same order (the limit and index do not count).
    public static func == (lhs: DICOMUIDList, rhs: DICOMUIDList) -> Bool {
        guard lhs.ends == rhs.ends else { return false }
        // The bytes compared by `memcmp` (equal `ends` make the counts equal): `Array`'s `==` went byte by byte.
        return lhs.storage.withUnsafeBytes { left in
            rhs.storage.withUnsafeBytes { right in
                left.isEmpty || memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0
            }
        }
    }

    private func byteRange(at position: Int) -> Range<Int> {
        (position == 0 ? 0 : Int(ends[position - 1]))..<Int(ends[position])
    }

    private func equals(_ position: Int, _ uid: UnsafeRawBufferPointer) -> Bool {
        let range = byteRange(at: position)
        guard range.count == uid.count else { return false }
        if uid.isEmpty { return true }
        return storage.withUnsafeBytes { raw in
            memcmp(raw.baseAddress! + range.lowerBound, uid.baseAddress!, uid.count) == 0
        }
    }

    /// Indexes the last UID added, growing the slots to keep them at most half full.
    private mutating func indexNewest() {
        guard !slots.isEmpty || ends.count > Self.linearLimit else { return }
        if slots.count < ends.count * 2 {
            rebuildSlots(capacity: Swift.max(32, slots.count * 2))
        } else {
            index(ends.count - 1)
        }
    }

    private mutating func rebuildSlots(capacity: Int) {
        slots = [Int32](repeating: 0, count: capacity)
        for position in ends.indices { index(position) }
    }

    private mutating func index(_ position: Int) {
        let hash = storage.withUnsafeBytes { raw in
            Self.hash(UnsafeRawBufferPointer(rebasing: raw[byteRange(at: position)]))
        }
        let mask = slots.count - 1
        var slot = Int(hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(position + 1)
    }

    /// A hash of the last eight bytes and the length (MurmurHash3's finaliser steps). UIDs of one kind share
    /// their leading digits (`1.2.840.10008.…`) and differ at the end, so the tail is what tells them apart; reading
    /// eight bytes at once costs the same for every length.
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var tail: UInt64 = 0
        if bytes.count >= 8 {
            tail = bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self)
        } else {
            for byte in bytes { tail = tail << 8 | UInt64(byte) }
        }
        // A multiply only carries bits upwards, and the last byte is the top one: fold high bits down first.
        var hash = tail ^ UInt64(bytes.count)
        hash ^= hash >> 33
        hash &*= 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        return UInt32(truncatingIfNeeded: hash)
    }
}
