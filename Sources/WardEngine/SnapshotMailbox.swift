import Foundation
import Synchronization
import WardAnomaly
import WardCore
import WardFlows

/// State DB checkpoints of a live run with several workers: the main thread asks, and each worker (its hosts, peer
/// pairs and MACs) and the detection coordinator (what the detectors learned) answer from their own thread at their
/// next idle moment; the parts are merged as at the end of a run.
final class SnapshotMailbox: @unchecked Sendable {
    private let request = Atomic<Int>(0)
    private let lock = NSLock()
    private let workers: Int
    private var hosts: [[HostRecord]]
    private var peerPairs: [[(IPAddress, IPAddress)]]
    private var macs: [[MACRecord]]
    private var learned: LearnedState?
    private var answered: [Int]  // per worker, then the coordinator: the generation answered last

    init(workers: Int) {
        self.workers = workers
        hosts = Array(repeating: [], count: workers)
        peerPairs = Array(repeating: [], count: workers)
        macs = Array(repeating: [], count: workers)
        answered = Array(repeating: 0, count: workers + 1)
    }

    /// The generation asked for last (0: none yet).
    var requested: Int { request.load(ordering: .acquiring) }

    /// Asks every participant for its part; returns the generation to wait for.
    func ask() -> Int {
        request.add(1, ordering: .releasing).newValue
    }

    /// A worker's part.
    func answer(worker: Int, generation: Int, hosts: [HostRecord], peerPairs: [(IPAddress, IPAddress)], macs: [MACRecord]) {
        lock.withLock {
            self.hosts[worker] = hosts
            self.peerPairs[worker] = peerPairs
            self.macs[worker] = macs
            answered[worker] = generation
        }
    }

    /// The coordinator's part.
    func answer(generation: Int, learned: LearnedState) {
        lock.withLock {
            self.learned = learned
            answered[workers] = generation
        }
    }

    /// The merged snapshot once everyone answered `generation`, or `nil` after `timeout` seconds.
    func collect(generation: Int, timeout: Double) -> StateSnapshot? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let parts = lock.withLock { () -> ([[HostRecord]], [[(IPAddress, IPAddress)]], [[MACRecord]], LearnedState)? in
                guard answered.allSatisfy({ $0 >= generation }), let learned else { return nil }
                return (hosts, peerPairs, macs, learned)
            }
            if let (hosts, peerPairs, macs, learned) = parts {
                return StateSnapshot(
                    learned: learned, macs: HostRecordMerge.merge(macs),
                    hosts: HostRecordMerge.merge(hosts, peerPairs: peerPairs))
            }
            usleep(10_000)
        }
        return nil
    }
}
