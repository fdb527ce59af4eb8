import Testing
import WardFlows

/// A byte sink standing in for an analyzer: what the reassembler lets through, in order, and the gaps.
private struct Stream {
    var reassembler: TCPReassembler
    var delivered: [UInt8] = []
    var gaps: [Int] = []
    var ready: [UInt8] = []

    init(limit: Int) {
        reassembler = TCPReassembler(limit: limit)
    }

    /// Feeds one segment the way the engine does.
    mutating func segment(_ sequence: UInt32, _ bytes: [UInt8]) {
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
