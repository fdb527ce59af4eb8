import CPcap
import Foundation
import Synchronization
import WardAnomaly
import WardCapture
import WardCore
import WardFlows
import WardOutput
import WardPacket

/// Set by SIGINT/SIGTERM; the capture loop stops, flushes every flow and the output queue, and returns.
let stopRequested = Atomic<Bool>(false)
/// Set by SIGHUP: reload the site file and Signatures/ at the next idle moment.
let reloadRequested = Atomic<Bool>(false)
/// The open live handle's address, so the signal handler can wake a `pcap_dispatch` blocked in `poll`.
let liveHandleAddress = Atomic<Int>(0)

/// Live capture on a mirror port: libpcap's TPACKET_V3 ring read in place, in batches, on the calling thread.
public enum Live {
    /// Settings of the capture handle.
    public struct CaptureSettings {
        /// The interface to capture on.
        public var interface: String
        /// The snapshot length.
        public var snapshotLength: Int32 = 65_535
        /// Whether to put the interface in promiscuous mode (a mirror port needs it).
        public var promiscuous = true
        /// The kernel ring size in bytes.
        public var bufferSize: Int32 = 64 * 1024 * 1024
        /// Packets per `pcap_dispatch` batch.
        public var batchSize: Int32 = 256
        /// An unprivileged user to switch to once the capture is open (when running as root).
        public var user: String?
        /// Stop after this many seconds (for tests and `learn`); `nil` runs until a signal.
        public var duration: Double?

        /// Settings for `interface` with defaults for the rest.
        public init(interface: String) {
            self.interface = interface
        }
    }

    /// Errors that stop a live run before it starts.
    public enum StartError: Error, CustomStringConvertible {
        case capture(PcapError)
        case privileges(String)

        public var description: String {
            switch self {
            case .capture(let error): error.message
            case .privileges(let message): message
            }
        }
    }

    /// Captures until SIGINT/SIGTERM (or `duration`), then flushes and reports.
    /// - Parameter onStart: called once the capture is open and privileges are dropped (e.g. to print a banner).
    /// - Parameter reload: called on SIGHUP to re-read the site file and Signatures/; it applies them to the detectors
    ///   and returns `nil`, or returns the problem (the old settings then stay in force).
    public static func run(
        settings: CaptureSettings, options: RunOptions, onStart: (String?) -> Void = { _ in },
        reload: @escaping (inout DetectionEngine) -> String? = { _ in nil }
    ) throws(StartError) -> RunReport {
        if options.workers > 1 {
            return try LiveWorkers.run(settings: settings, options: options, onStart: onStart, reload: reload)
        }
        let handle: PcapHandle
        let warning: String?
        do {
            (handle, warning) = try PcapHandle.openLive(
                interface: settings.interface, snapshotLength: settings.snapshotLength,
                promiscuous: settings.promiscuous, bufferSize: settings.bufferSize, timeoutMilliseconds: 100)
            if let filter = options.filter { try handle.setFilter(filter) }
            try handle.setNonBlocking()
        } catch {
            throw .capture(error)
        }
        try dropPrivileges(settings)
        stopRequested.store(false, ordering: .relaxed)
        liveHandleAddress.store(handle.signalSafeAddress, ordering: .releasing)
        defer { liveHandleAddress.store(0, ordering: .releasing) }
        installStopHandlers()
        onStart(warning)

        let output = OutputThread(observer: options.observer, destination: options.events, syslog: options.syslog,
                                  metrics: options.metrics)
        output.start()
        var context = LiveContext(
            engine: Engine(
                configuration: options.flowTable, analysis: options.analysis, detection: options.detection, metrics: options.metrics,
                ring: options.events == nil && options.syslog.isEmpty ? nil : output.ring, emitsFlows: options.emitFlows, waitWhenFull: false),
            linkType: LinkType(rawValue: handle.linkType))
        context.engine.learningOnly = options.learnOnly
        let deadline = settings.duration.map { Date().addingTimeInterval($0) }
        var nextCheckpoint = options.checkpoint.map { Date().addingTimeInterval($0.interval) }
        var problems: [String] = []
        withUnsafeMutablePointer(to: &context) { pointer in
            while !stopRequested.load(ordering: .relaxed) {
                let status = handle.dispatch(
                    count: settings.batchSize, context: UnsafeMutableRawPointer(pointer), callback: processCaptured)
                if status < 0 {
                    problems.append("\(settings.interface): \(handle.lastError)")
                    break
                }
                if status == 0 {
                    // An idle link: wait a little, and let packet time follow the wall clock so idle flows expire.
                    handle.waitForPackets(timeoutMilliseconds: 100)
                    if let counts = handle.statistics() {
                        pointer.pointee.engine.recordKernelDrops(counts.dropped, interface: counts.interfaceDropped)
                    }
                    pointer.pointee.engine.tick(at: wallClockTime())
                }
                if reloadRequested.exchange(false, ordering: .relaxed) {
                    var problem: String?
                    pointer.pointee.engine.reconfigureDetection {
                        problem = reload(&$0)
                        return problem == nil
                    }
                    if let problem {
                        FileHandle.standardError.write(Data("wardwatch: reload failed, keeping the old settings: \(problem)\n".utf8))
                    }
                }
                if let checkpoint = options.checkpoint, let due = nextCheckpoint, Date() >= due {
                    if let problem = checkpoint.save(pointer.pointee.engine.stateSnapshot()) {
                        FileHandle.standardError.write(Data("wardwatch: state DB checkpoint failed: \(problem)\n".utf8))
                    }
                    nextCheckpoint = Date().addingTimeInterval(checkpoint.interval)
                }
                if let deadline, Date() >= deadline { break }
            }
        }
        let statistics = handle.statistics()
        context.engine.finish()
        output.finish()
        return finishRun(
            engine: &context.engine, output: output, options: options, problems: problems,
            kernelDrops: statistics.map { ($0.dropped, $0.interfaceDropped) })
    }

    /// Switches to the configured user and gives up every capability, once the capture is open.
    static func dropPrivileges(_ settings: CaptureSettings) throws(StartError) {
        do {
            if let user = settings.user { try PrivilegeDrop.switchTo(user: user) }
            // Root that switched users has lost its capabilities already; an unprivileged daemon started with
            // CAP_NET_RAW/CAP_NET_ADMIN gives them up here. Either way nothing privileged is left.
            if geteuid() != 0 { try PrivilegeDrop.dropCapabilities() }
        } catch {
            throw .privileges(error.message)
        }
    }

    static func installStopHandlers() {
        // A parent may have left these signals blocked (process supervisors, test runners): unblock them.
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        sigaddset(&mask, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
        sigaddset(&mask, SIGHUP)
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
        signal(SIGHUP) { _ in
            reloadRequested.store(true, ordering: .relaxed)
            PcapHandle.breakLoop(signalSafeAddress: liveHandleAddress.load(ordering: .acquiring))
        }
        for signalNumber in [SIGINT, SIGTERM] {
            // With TPACKET_V3 an idle link can leave pcap_dispatch in poll(2) indefinitely; pcap_breakloop wakes
            // it through libpcap's eventfd and is documented as safe in a signal handler.
            signal(signalNumber) { _ in
                stopRequested.store(true, ordering: .relaxed)
                PcapHandle.breakLoop(signalSafeAddress: liveHandleAddress.load(ordering: .acquiring))
            }
        }
    }

    static func wallClockTime() -> PacketTime {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return PacketTime(seconds: Int64(now.tv_sec), nanoseconds: Int64(now.tv_nsec))
    }
}

/// libpcap's callback for each captured packet: hands the borrowed bytes to the engine in the `LiveContext` that
/// `user` points to.
let processCaptured: @convention(c) (UnsafeMutablePointer<UInt8>?, UnsafePointer<pcap_pkthdr>?, UnsafePointer<UInt8>?)
    -> Void = { user, header, data in
        guard let user, let header, let data else { return }
        let context = UnsafeMutableRawPointer(user).assumingMemoryBound(to: LiveContext.self)
        let bytes = UnsafeRawBufferPointer(start: data, count: Int(header.pointee.caplen))
        context.pointee.engine.process(
            bytes.bytes, wireLength: Int(header.pointee.len), linkType: context.pointee.linkType,
            time: PacketTime(seconds: Int64(header.pointee.ts.tv_sec), nanoseconds: Int64(header.pointee.ts.tv_usec)))
    }

/// What the C capture callback reaches through libpcap's `user` pointer.
struct LiveContext: ~Copyable {
    var engine: Engine
    let linkType: LinkType
}
