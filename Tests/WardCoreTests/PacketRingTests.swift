import Foundation
import Testing
import WardCore

/// The reader-to-worker packet ring: records wrap around the end of the buffer, a full ring refuses, and two
/// threads pass a million packets of every size through it unchanged and in order.
@Suite struct PacketRingTests {
    private func frame(_ number: Int, length: Int) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: number &* 31 &+ $0) }
    }

    @Test func recordsWrapAroundAndAFullRingRefuses() {
        let ring = PacketRing<Int>(byteCapacity: 1 << 16)
        var produced = 0
        var consumed = 0
        // Uneven sizes so that records meet the end of the buffer at every offset.
        for round in 0..<2_000 {
            let length = (round * 977) % 3_000
            let bytes = frame(produced, length: length)
            let pushed = bytes.withUnsafeBytes { ring.tryPush(header: produced, frame: $0) }
            if pushed { produced += 1 } else {
                // Full: drain two, then the push fits.
                for _ in 0..<2 {
                    guard let (header, data) = ring.peek() else { break }
                    #expect(header.pointee == consumed)
                    #expect(Array(data) == frame(consumed, length: data.count))
                    ring.release()
                    consumed += 1
                }
            }
        }
        while let (header, data) = ring.peek() {
            #expect(header.pointee == consumed && Array(data) == frame(consumed, length: data.count))
            ring.release()
            consumed += 1
        }
        #expect(consumed == produced && produced > 1_000)
        #expect(ring.peek() == nil)
    }

    @Test func framesBeyondHalfTheRingAreRefused() {
        let ring = PacketRing<Int>(byteCapacity: 1 << 16)
        let big = [UInt8](repeating: 1, count: ring.maximumFrameLength + 1)
        #expect(!big.withUnsafeBytes { ring.tryPush(header: 0, frame: $0) })
        let largest = [UInt8](repeating: 2, count: ring.maximumFrameLength)
        #expect(largest.withUnsafeBytes { ring.tryPush(header: 1, frame: $0) })
        #expect(ring.peek()?.frame.count == ring.maximumFrameLength)
    }

    @Test func twoThreadsPassEveryPacketInOrder() {
        let ring = PacketRing<UInt64>(byteCapacity: 1 << 20)
        let count = 200_000
        let producer = Thread {
            var scratch = [UInt8](repeating: 0, count: 2_048)
            for number in 0..<count {
                let length = number % 1_500
                for index in 0..<min(length, 8) { scratch[index] = UInt8(truncatingIfNeeded: number >> (index * 8)) }
                while !scratch.withUnsafeBytes({ ring.tryPush(header: UInt64(number), frame: UnsafeRawBufferPointer(rebasing: $0.prefix(length))) }) {
                    sched_yield()
                }
            }
            ring.close()
        }
        producer.start()
        var expected = 0
        var intact = true
        while true {
            guard let (header, data) = ring.peek() else {
                if ring.isClosed && ring.peek() == nil { break }
                continue
            }
            intact = intact && header.pointee == UInt64(expected) && data.count == expected % 1_500
            for index in 0..<min(data.count, 8) where data[index] != UInt8(truncatingIfNeeded: expected >> (index * 8)) {
                intact = false
            }
            ring.release()
            expected += 1
        }
        #expect(intact)
        #expect(expected == count)
    }
}
