import Testing
import WardFlows

/// A byte sink standing in for an analyzer: what the reassembler lets through, in order, and the gaps.
private struct Stream {
    var reassembler: TCPReassembler
    var delivered: [UInt8] = []
    var gaps: [Int] = []
    var ready: [UInt8] = []
    var waived = 0

    init(limit: Int) {
        reassembler = TCPReassembler(limit: limit)
    }

    /// Feeds one segment the way the engine does.
    mutating func segment(_ sequence: UInt32, _ bytes: [UInt8]) {
        if reassembler.takeInOrder(sequence: sequence, length: bytes.count) {
            if bytes.count <= reassembler.waivable {
                reassembler.waive(bytes.count)
                waived += bytes.count
            } else {
                delivered += bytes
            }
            return
        }
        switch reassembler.place(sequence: sequence, length: bytes.count) {
        case .duplicate:
            return
        case .deliver(let from):
            delivered += bytes[from...]
            reassembler.advance(by: bytes.count - from)
            drain()
        case .early:
            let stored = bytes.withUnsafeBytes { reassembler.store(sequence: sequence, payload: $0.bytes) }
            if !stored {
                while reassembler.hasBuffered {
                    let hole = reassembler.skipToBuffered()
                    if hole > 0 { gaps.append(hole) }
                    drain()
                }
                segment(sequence, bytes)
            }
        }
    }

    mutating func drain() {
        while reassembler.popReady(into: &ready) {
            delivered += ready
            reassembler.advance(by: ready.count)
        }
    }
}

@Suite struct TCPReassemblerTests {
    private let data = (0..<100).map { UInt8($0) }

    @Test func passesInOrderDataThrough() {
        var stream = Stream(limit: 1000)
        stream.segment(1000, Array(data[0..<40]))
        stream.segment(1040, Array(data[40..<100]))
        #expect(stream.delivered == data)
        #expect(stream.reassembler.bufferedBytes == 0)
    }

    /// The engine's fast path takes only a segment that continues the stream exactly while nothing waits out of
    /// order; anything else is left for `place`, with the stream unchanged.
    @Test func takesOnlyTheSegmentThatContinuesTheStream() {
        var reassembler = TCPReassembler(limit: 1000)
        var taken = reassembler.takeInOrder(sequence: 1000, length: 10)  // the first segment starts the stream
        #expect(taken && reassembler.nextSequence == 1010)
        for (sequence, length) in [(1000, 10), (1020, 10), (1010, 0)] as [(UInt32, Int)] {  // old, early, empty
            taken = reassembler.takeInOrder(sequence: sequence, length: length)
            #expect(!taken && reassembler.nextSequence == 1010, "\(sequence) \(length)")
        }
        let early = [UInt8](repeating: 7, count: 10)
        let stored = early.withUnsafeBytes { reassembler.store(sequence: 1020, payload: $0.bytes) }
        taken = reassembler.takeInOrder(sequence: 1010, length: 10)  // fills a hole: held bytes must follow it
        #expect(stored && !taken && reassembler.nextSequence == 1010)
    }

    /// Segments wholly inside the bytes the analyzer waived are counted, not handed on; one that runs past them is
    /// handed on whole, and the count is reported once.
    @Test func passesOverWaivedBytes() {
        var stream = Stream(limit: 1000)
        stream.segment(1000, Array(data[0..<10]))
        stream.reassembler.waivable = 50
        stream.segment(1010, Array(data[10..<40]))
        stream.segment(1040, Array(data[40..<60]))
        stream.segment(1060, Array(data[60..<100]))  // past the waived bytes: handed on whole
        #expect(stream.delivered == Array(data[0..<10]) + Array(data[60..<100]))
        #expect(stream.waived == 50 && stream.reassembler.waivable == 0)
        let reported = stream.reassembler.takeWaived()
        let again = stream.reassembler.takeWaived()
        #expect(reported == 50 && again == 0)
    }

    @Test func reordersEarlySegments() {
        var stream = Stream(limit: 1000)
        stream.segment(1000, Array(data[0..<20]))
        stream.segment(1060, Array(data[60..<100]))
        stream.segment(1040, Array(data[40..<60]))
        #expect(stream.delivered == Array(data[0..<20]))
        stream.segment(1020, Array(data[20..<40]))
        #expect(stream.delivered == data)
        #expect(stream.reassembler.bufferedBytes == 0)
        #expect(stream.gaps.isEmpty)
    }

    @Test func trimsRetransmissionsAndOverlaps() {
        var stream = Stream(limit: 1000)
        stream.segment(1000, Array(data[0..<50]))
        stream.segment(1000, Array(data[0..<50]))  // full retransmission
        stream.segment(1030, Array(data[30..<70]))  // overlapping retransmission with new tail
        stream.segment(1080, Array(data[80..<100]))  // early
        stream.segment(1060, Array(data[60..<90]))  // fills the hole and overlaps the early one
        #expect(stream.delivered == data)
    }

    @Test func declaresAGapWhenTheBufferIsFull() {
        var stream = Stream(limit: 30)
        stream.segment(1000, Array(data[0..<10]))
        stream.segment(1050, Array(data[50..<70]))  // buffered (20 bytes)
        stream.segment(1070, Array(data[70..<100]))  // 30 more would exceed 30: give up on 1010..<1050
        #expect(stream.gaps == [40])
        #expect(stream.delivered == Array(data[0..<10]) + Array(data[50..<100]))
        #expect(stream.reassembler.gapBytes == 40)
        #expect(stream.reassembler.bufferedBytes == 0)
    }

    @Test func handlesSequenceWraparound() {
        var stream = Stream(limit: 1000)
        let start = UInt32.max - 9
        stream.segment(start, Array(data[0..<20]))
        stream.segment(start &+ 40, Array(data[40..<60]))
        stream.segment(start &+ 20, Array(data[20..<40]))
        #expect(stream.delivered == Array(data[0..<60]))
    }

    @Test func neverHoldsMoreThanItsLimit() {
        var stream = Stream(limit: 64)
        var generator = SystemRandomNumberGenerator()
        stream.segment(0, [0])
        for _ in 0..<2000 {
            let sequence = UInt32.random(in: 1..<100_000, using: &generator)
            stream.segment(sequence, [UInt8](repeating: 1, count: Int.random(in: 1..<40, using: &generator)))
            #expect(stream.reassembler.bufferedBytes <= 64)
        }
    }
}
