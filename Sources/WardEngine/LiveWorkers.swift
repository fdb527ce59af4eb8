import CPcap
import Foundation
import Synchronization
import WardAnomaly
import WardCapture
import WardCore
import WardFlows
import WardOutput
import WardPacket

/// Live capture over several cores (`live --workers N`): N libpcap handles on the interface, joined in one
/// PACKET_FANOUT group in hash mode, so the kernel hands each flow (both directions) to one handle; each handle is
/// read on its own thread by its own engine. Observations go to one `DetectionCoordinator`, which judges them in
/// epochs of a quarter second of wall time (every worker marks each one); events go to one output thread.
enum LiveWorkers {
    /// Wall-clock length of a detection epoch, in nanoseconds.
    static let epochNanoseconds: UInt64 = 250_000_000

    /// The settings a worker thread needs (all plain values).
    struct WorkerSettings: @unchecked Sendable {
        var index: Int
        var handle: PcapHandle
        var channel: SPSCRing<DetectionChannelItem>
        var output: SPSCRing<OutputEvent>?
        var configuration: FlowTableConfiguration
        var analysis: StreamAnalysisConfiguration
        var emitsFlows: Bool
        var metrics: MetricsBoard?
        var batchSize: Int32
        var firstEpoch: UInt64
        var mailbox: SnapshotMailbox
    }

    static func run(
        settings: Live.CaptureSettings, options: RunOptions, onStart: (String?) -> Void,
        reload: @escaping (inout DetectionEngine) -> String?
    ) throws(Live.StartError) -> RunReport {
        let count = options.workers
        var handles: [PcapHandle] = []
        var warning: String?
        let group = UInt16(truncatingIfNeeded: getpid())
        do {
            for _ in 0..<count {
                let (handle, handleWarning) = try PcapHandle.openLive(
                    interface: settings.interface, snapshotLength: settings.snapshotLength,
                    promiscuous: settings.promiscuous, bufferSize: settings.bufferSize, timeoutMilliseconds: 100)
                if let filter = options.filter { try handle.setFilter(filter) }
                try handle.setNonBlocking()
                try handle.joinFanout(group: group)
                handles.append(handle)
                warning = warning ?? handleWarning
            }
        } catch {
            throw .capture(error)
        }
        try Live.dropPrivileges(settings)
        stopRequested.store(false, ordering: .relaxed)
        Live.installStopHandlers()
        onStart(warning)

        let output = OutputThread(
            observer: options.observer, destination: options.events, syslog: options.syslog, metrics: options.metrics,
            producers: count + 1)
        output.start()
        let wantsEvents = options.events != nil || !options.syslog.isEmpty
        let channels = (0..<count).map { _ in SPSCRing<DetectionChannelItem>(minimumCapacity: 4_096) }
        let mailbox = SnapshotMailbox(workers: count)
        let coordinator = DetectionCoordinator(
            detection: options.detection, channels: channels, output: wantsEvents ? output.rings[count] : nil,
            learningOnly: options.learnOnly)
        coordinator.reload = reload
        coordinator.metrics = options.metrics
        coordinator.metricsSource = count
        coordinator.mailbox = mailbox
        coordinator.start()
        let stop = WorkerStop()
        let shared = options.perWorker(count)
        let firstEpoch = DispatchTime.now().uptimeNanoseconds / epochNanoseconds
        let outcomes = (0..<count).map { index in
            startWorker(
                WorkerSettings(
                    index: index, handle: handles[index], channel: channels[index],
                    output: wantsEvents ? output.rings[index] : nil, configuration: shared.flowTable,
                    analysis: shared.analysis, emitsFlows: options.emitFlows, metrics: options.metrics,
                    batchSize: settings.batchSize, firstEpoch: firstEpoch, mailbox: mailbox),
                stop: stop)
        }

        let deadline = settings.duration.map { Date().addingTimeInterval($0) }
        var nextCheckpoint = options.checkpoint.map { Date().addingTimeInterval($0.interval) }
        while !stopRequested.load(ordering: .relaxed) && !stop.failed.load(ordering: .acquiring) {
            if let deadline, Date() >= deadline { break }
            if let checkpoint = options.checkpoint, let due = nextCheckpoint, Date() >= due {
                if let snapshot = mailbox.collect(generation: mailbox.ask(), timeout: 5) {
                    if let problem = checkpoint.save(snapshot) {
                        FileHandle.standardError.write(Data("wardwatch: state DB checkpoint failed: \(problem)\n".utf8))
                    }
                } else {
                    FileHandle.standardError.write(Data("wardwatch: state DB checkpoint skipped: workers busy\n".utf8))
                }
                nextCheckpoint = Date().addingTimeInterval(checkpoint.interval)
            }
            usleep(50_000)
        }
        stop.flag.store(true, ordering: .releasing)
        for outcome in outcomes { outcome.done.wait() }
        let detection = coordinator.finish()
        output.finish()

        var drops: (dropped: UInt64, interfaceDropped: UInt64) = (0, 0)
        for kernel in outcomes.compactMap(\.kernelDrops) {
            drops.dropped &+= kernel.dropped
            drops.interfaceDropped &+= kernel.interfaceDropped
        }
        let totals = RunTotals(
            merging: outcomes, coordinator: coordinator, detection: detection, keepsState: options.keepsState)
        return finishRun(
            totals, output: output, options: options, problems: outcomes.compactMap(\.problem), kernelDrops: drops)
    }

    /// The flag that ends every worker's loop, and the one a failing worker raises to end the run.
    final class WorkerStop: Sendable {
        let flag = Atomic<Bool>(false)
        let failed = Atomic<Bool>(false)
    }

    private static func startWorker(_ settings: WorkerSettings, stop: WorkerStop) -> WorkerOutcome {
        let outcome = WorkerOutcome()
        let thread = Thread {
            ThreadName.set("ww-capture-\(settings.index)")
            var context = LiveContext(
                engine: Engine(
                    configuration: settings.configuration, analysis: settings.analysis, detection: DetectionEngine(),
                    metrics: settings.metrics, ring: settings.output, emitsFlows: settings.emitsFlows,
                    waitWhenFull: false),
                linkType: LinkType(rawValue: settings.handle.linkType))
            context.engine.detectionChannel = settings.channel
            context.engine.metricsSource = settings.index
            var epoch = settings.firstEpoch
            var answered = 0
            withUnsafeMutablePointer(to: &context) { pointer in
                while !stop.flag.load(ordering: .acquiring) {
                    let status = settings.handle.dispatch(
                        count: settings.batchSize, context: UnsafeMutableRawPointer(pointer), callback: processCaptured)
                    if status < 0 {
                        outcome.problem = "\(settings.handle.name): \(settings.handle.lastError)"
                        stop.failed.store(true, ordering: .releasing)
                        break
                    }
                    if status == 0 {
                        settings.handle.waitForPackets(timeoutMilliseconds: 100)
                        if let counts = settings.handle.statistics() {
                            pointer.pointee.engine.recordKernelDrops(counts.dropped, interface: counts.interfaceDropped)
                        }
                        pointer.pointee.engine.tick(at: Live.wallClockTime())
                    }
                    // One mark per epoch index, so that every worker's k-th mark closes the same quarter second.
                    let current = DispatchTime.now().uptimeNanoseconds / epochNanoseconds
                    while epoch < current {
                        epoch += 1
                        pointer.pointee.engine.endEpoch(at: pointer.pointee.engine.now)
                    }
                    if settings.mailbox.requested > answered {
                        answered = settings.mailbox.requested
                        settings.mailbox.answer(
                            worker: settings.index, generation: answered,
                            hosts: pointer.pointee.engine.flows.hosts.allHosts,
                            peerPairs: pointer.pointee.engine.flows.hosts.peerPairList,
                            macs: pointer.pointee.engine.flows.hosts.allMACs)
                    }
                }
            }
            outcome.kernelDrops = settings.handle.statistics().map { ($0.dropped, $0.interfaceDropped) }
            context.engine.finish()
            settings.channel.close()
            settings.output?.close()
            outcome.complete(with: context.engine)
        }
        thread.start()
        return outcome
    }
}
