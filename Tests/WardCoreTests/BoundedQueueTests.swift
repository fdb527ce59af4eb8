import Testing
import WardCore

@Suite struct BoundedQueueTests {
    @Test func keepsOrderRefusesWhenFullAndReusesStorage() {
        var queue = BoundedQueue<Int>(capacity: 3)
        for value in 1...3 {
            let accepted = queue.push(value)
            #expect(accepted)
        }
        let overflow = queue.push(4)
        #expect(!overflow)
        #expect(queue.count == 3)
        #expect(queue.pop() == 1)
        let refilled = queue.push(5)
        #expect(refilled)
        var drained: [Int?] = []
        for _ in 0..<4 { drained.append(queue.pop()) }
        #expect(drained == [2, 3, 5, nil])
        for round in 0..<1000 {
            queue.push(round)
            #expect(queue.pop() == round)
        }
        #expect(queue.count == 0)
    }
}
