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

    private struct Made {
        let observation: Observation
        let time: PacketTime
        let worker: Int
        let sequence: Int
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
            Thread.current.name = "ww-detect"
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
        let count = channels.count
        var current = [[Made]](repeating: [], count: count)
        var completed = [[(made: [Made], end: PacketTime?)]](repeating: [], count: count)
        var sequence = 0
        var done = [Bool](repeating: false, count: count)
        while true {
            var progressed = false
            for worker in 0..<count where !done[worker] {
                let closed = channels[worker].isClosed
                while let item = channels[worker].tryPop() {
                    progressed = true
                    switch item {
                    case .observation(let observation, let time):
                        current[worker].append(Made(observation: observation, time: time, worker: worker, sequence: sequence))
                        sequence += 1
                    case .epochEnd(let time):
                        completed[worker].append((current[worker], time))
                        current[worker] = []
                    }
                }
                if closed {
                    // The ring was closed before this drain began, so nothing more can arrive.
                    completed[worker].append((current[worker], nil))
                    current[worker] = []
                    done[worker] = true
                }
            }
            // Feed every epoch that all workers have finished (a finished worker has nothing more to add).
            while (0..<count).allSatisfy({ !completed[$0].isEmpty || (done[$0] && completed[$0].isEmpty) }),
                (0..<count).contains(where: { !completed[$0].isEmpty })
            {
                var epoch: [Made] = []
                var end: PacketTime?
                for worker in 0..<count where !completed[worker].isEmpty {
                    let (made, epochEnd) = completed[worker].removeFirst()
                    epoch.append(contentsOf: made)
                    if let epochEnd { end = max(end ?? epochEnd, epochEnd) }
                }
                feed(epoch, advancingTo: end)
            }
            if done.allSatisfy({ $0 }) && completed.allSatisfy({ $0.isEmpty }) { return }
            serveRequests()  // also under constant load: a checkpoint or reload must not wait for a quiet moment
            if !progressed { usleep(100) }
        }
    }

    /// Between drains: SIGHUP reloads, checkpoint requests and metrics (live runs only set these up).
    private func serveRequests() {
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

    private func feed(_ epoch: [Made], advancingTo end: PacketTime?) {
        let ordered = epoch.sorted {
            ($0.time, $0.worker, $0.sequence) < ($1.time, $1.worker, $1.sequence)
        }
        for made in ordered {
            detection.observe(made.observation)
            emitAlerts()
        }
        if let end {
            detection.advance(to: end)
            emitAlerts()
        }
    }

    private func emitAlerts() {
        while let alert = detection.popAlert() {
            alerts &+= 1
            if alertLines.count < 20 { alertLines.append("\(alert.rule) (severity \(alert.severity)): \(alert.message)") }
            guard !learningOnly, let output else { continue }
            let event = OutputEvent.alert(alert)
            var wait = ConsumerWait()
            while !output.tryPush(event) { wait.pause() }
        }
    }
}
