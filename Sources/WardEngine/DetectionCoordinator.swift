import Foundation
import Synchronization
import WardAnomaly
import WardCore
import WardOutput

/// The one detection engine of a multi-worker run (`--workers`), on its own thread.
///
/// Each worker sees only the flows hashed to it, but the detectors need the whole picture (a scanner's peers are
/// spread over all workers). Workers therefore send their observations here instead of judging them. The reader
/// marks epochs in every worker's packet stream; once every worker has finished an epoch, its observations are put
/// in the order of the packet times at which they were made (ties: worker, then the worker's own order) and fed to
/// the detectors, whose clock then advances to the epoch's end. The order depends only on the packets, never on
/// thread timing, so a run gives the same alerts every time. Rings are always drained (pending epochs wait in
/// memory, bounded by the reader's epoch length), so no worker ever waits on another.
final class DetectionCoordinator: @unchecked Sendable {
    private let channels: [SPSCRing<DetectionChannelItem>]
    private let output: SPSCRing<OutputEvent>?
    private let learningOnly: Bool
    private var detection: DetectionEngine
    private let finished = DispatchSemaphore(value: 0)
    /// Alerts raised.
    private(set) var alerts: UInt64 = 0
    /// The first alerts as one line each, for the terminal summary.
    private(set) var alertLines: [String] = []
    /// Reloads of the site file and Signatures/ applied (live, SIGHUP).
    private(set) var reloads: UInt64 = 0
    /// Live runs: applies a reloaded site file on SIGHUP, returning the problem if it failed.
    var reload: ((inout DetectionEngine) -> String?)?
    /// Live runs: where the detectors' counters are published (as source `metricsSource`), about once a second.
    var metrics: MetricsBoard?
    var metricsSource = 0
    /// Live runs: where checkpoints ask for what the detectors learned.
    var mailbox: SnapshotMailbox?
    private var answeredGeneration = 0
    private var nextPublication = Date.distantPast

    /// One worker's observations not fed yet, in the order it made them, and where each of its finished epochs ends.
    /// Kept from epoch to epoch, so that their storage is reused instead of allocated afresh.
    private struct Backlog {
        var made: [Made] = []
        /// The finished epochs, oldest first: how many of `made` each closes, and the epoch's end (nil: the worker's
        /// last, after its channel closed).
        var finished: [(count: Int, end: PacketTime?)] = []
        var closed = false
    }

    /// An observation and the worker's packet time when it was made. The observation is taken out (moved, not
    /// copied) when it is fed.
    private struct Made {
        var observation: Observation?
        let time: PacketTime
    }

    /// Where an observation of the epoch being fed stands in the order of packet time (ties: worker, then the
    /// worker's own order): small keys are sorted instead of the observations themselves.
    private struct Rank {
        let time: PacketTime
        let worker: Int32
        let index: Int32
    }

    /// A coordinator reading `channels` (one per worker) and writing alerts to `output`.
    init(
        detection: DetectionEngine, channels: [SPSCRing<DetectionChannelItem>], output: SPSCRing<OutputEvent>?,
        learningOnly: Bool
    ) {
        self.detection = detection
        self.channels = channels
        self.output = output
        self.learningOnly = learningOnly
    }

    /// Starts the thread; it ends when every channel is closed and drained.
    func start() {
        let thread = Thread { [self] in
            ThreadName.set("ww-detect")
            run()
            finished.signal()
        }
        thread.start()
    }

    /// Waits for the thread to end (close every channel first) and returns the detectors with what they learned.
    func finish() -> DetectionEngine {
        finished.wait()
        output?.close()
        return detection
    }

    private func run() {
        // The detectors are a local while the thread runs: a class's stored property is checked for exclusive access
        // at run time on every use.
        var detection = self.detection
        defer { self.detection = detection }
        var backlogs = [Backlog](repeating: Backlog(), count: channels.count)
        var ranks: [Rank] = []
        while true {
            for worker in backlogs.indices where !backlogs[worker].closed {
                let closed = channels[worker].isClosed
                while let item = channels[worker].tryPop() {
                    // Consumed: the observation moves into the backlog instead of being copied and the item destroyed.
                    switch consume item {
                    case .observation(let observation, let time):
                        backlogs[worker].made.append(Made(observation: observation, time: time))
                    case .epochEnd(let time):
                        backlogs[worker].finished.append((backlogs[worker].made.count, time))
                    }
                }
                if closed {
                    // The ring was closed before this drain began, so nothing more can arrive.
                    backlogs[worker].finished.append((backlogs[worker].made.count, nil))
                    backlogs[worker].closed = true
                }
            }
            // Feed every epoch that all workers have finished (a closed worker has nothing more to add).
            while backlogs.allSatisfy({ !$0.finished.isEmpty || $0.closed }),
                backlogs.contains(where: { !$0.finished.isEmpty })
            {
                feedEpoch(&backlogs, ranks: &ranks, to: &detection)
            }
            if backlogs.allSatisfy({ $0.closed && $0.finished.isEmpty }) { return }
            // Also under constant load: a checkpoint or reload must not wait for a quiet moment.
            serveRequests(&detection)
            // One drain a millisecond: observations trickle in all the time, so waking sooner found a few each time and
            // cost the workers a context switch on their cores. The rings hold far more than a millisecond's worth.
            if channels.allSatisfy({ $0.count < $0.capacity / 2 }) { usleep(1_000) }
        }
    }

    /// Feeds the oldest finished epoch of every worker that has one, in the order of packet time, then advances the
    /// detectors' clock to the latest of those epochs' ends.
    private func feedEpoch(_ backlogs: inout [Backlog], ranks: inout [Rank], to detection: inout DetectionEngine) {
        ranks.removeAll(keepingCapacity: true)
        var end: PacketTime?
        var taken = [Int](repeating: 0, count: backlogs.count)
        for worker in backlogs.indices where !backlogs[worker].finished.isEmpty {
            let (count, epochEnd) = backlogs[worker].finished.removeFirst()
            taken[worker] = count
            // Each time read where it lies: through the array's subscript, the whole observation was copied (and every
            // string in it retained and released) to read its time.
            backlogs[worker].made.withUnsafeBufferPointer { made in
                for index in 0..<count {
                    ranks.append(Rank(time: made[index].time, worker: Int32(worker), index: Int32(index)))
                }
            }
            if let epochEnd { end = max(end ?? epochEnd, epochEnd) }
        }
        ranks.sort { ($0.time, $0.worker, $0.index) < ($1.time, $1.worker, $1.index) }
        for rank in ranks {
            // Moved out where it lies: lent from the array (or through a pointer into it) for a call that may write
            // memory, each observation was copied, every string in it retained and released.
            if let observation = backlogs[Int(rank.worker)].made[Int(rank.index)].observation.take() {
                detection.observe(observation)
            }
            emitAlerts(&detection)
        }
        if let end {
            detection.advance(to: end)
            emitAlerts(&detection)
        }
        for worker in backlogs.indices where taken[worker] > 0 {
            backlogs[worker].made.removeFirst(taken[worker])
            for epoch in backlogs[worker].finished.indices { backlogs[worker].finished[epoch].count -= taken[worker] }
        }
    }

    /// Between drains: SIGHUP reloads, checkpoint requests and metrics (live runs only set these up).
    private func serveRequests(_ detection: inout DetectionEngine) {
        if let reload, reloadRequested.exchange(false, ordering: .relaxed) {
            if let problem = reload(&detection) {
                FileHandle.standardError.write(Data("wardwatch: reload failed, keeping the old settings: \(problem)\n".utf8))
            } else {
                reloads &+= 1
            }
        }
        if let mailbox, mailbox.requested > answeredGeneration {
            answeredGeneration = mailbox.requested
            mailbox.answer(generation: answeredGeneration, learned: detection.learnedState())
        }
        if let metrics, Date() >= nextPublication {
            nextPublication = Date().addingTimeInterval(1)
            var counters = SensorStatistics()
            counters.alerts = alerts
            counters.reloads = reloads
            let tables = detection.statistics
            counters.detectorEvictions = UInt64(tables.tableEvictions)
            counters.alertsDropped = UInt64(tables.droppedAlerts)
            metrics.publish(counters, source: metricsSource)
        }
    }

    private func emitAlerts(_ detection: inout DetectionEngine) {
        guard detection.hasAlerts else { return }
        while let alert = detection.popAlert() {
            alerts &+= 1
            if alertLines.count < 20 { alertLines.append("\(alert.rule) (severity \(alert.severity)): \(alert.message)") }
            guard !learningOnly, let output else { continue }
            let event = OutputEvent.alert(alert)
            var wait = Backoff()
            while !output.tryPush(event) { wait.pause() }
        }
    }
}
