import Foundation
import WardCore
import WardOutput
import WardSyslog

/// The thread that turns events (finished flows, protocol records) into JSON lines, off the capture thread.
///
/// It drains its rings (one per producer: the engine, or each worker and the detection coordinator), renders each
/// record with `EventFormatter`, and writes it to every destination. It sleeps briefly when the rings are empty and
/// ends once they are all closed and empty.
public final class OutputThread: @unchecked Sendable {
    /// One ring per producer thread.
    public let rings: [SPSCRing<OutputEvent>]
    /// The first producer's ring (the engine's, with one worker).
    public var ring: SPSCRing<OutputEvent> { rings[0] }
    private let observer: ObserverInfo
    private let destination: JSONLinesFile?
    private let syslog: [SyslogDestination]
    private let metrics: MetricsBoard?
    private let finished = DispatchSemaphore(value: 0)
    /// Flow records written.
    public private(set) var flowsWritten: UInt64 = 0
    /// DICOM, HL7 and SMB records written.
    public private(set) var protocolRecordsWritten: UInt64 = 0
    /// Alerts written.
    public private(set) var alertsWritten: UInt64 = 0

    /// An output thread writing to `destination` and to every syslog collector (nothing is written when there is
    /// neither; events are still drained), fed by `producers` threads.
    public init(
        observer: ObserverInfo, destination: JSONLinesFile?, syslog: [SyslogDestination] = [],
        metrics: MetricsBoard? = nil, ringCapacity: Int = 16_384, producers: Int = 1
    ) {
        self.metrics = metrics
        rings = (0..<max(1, producers)).map { _ in SPSCRing(minimumCapacity: ringCapacity) }
        self.observer = observer
        self.destination = destination
        self.syslog = syslog
    }

    /// Starts consuming.
    public func start() {
        let thread = Thread { [self] in
            ThreadName.set("ww-output")
            run()
            finished.signal()
        }
        thread.start()
    }

    /// Closes the rings and waits until everything pushed so far is written.
    public func finish() {
        for ring in rings { ring.close() }
        finished.wait()
        destination?.flush()
        for collector in syslog {
            _ = collector.flush(timeout: 10)
            collector.close()
        }
    }

    /// Publishes what was written and delivered, for the metrics endpoint (when the ring is idle).
    private func publishCounters() {
        guard let metrics else { return }
        var counters = MetricsBoard.OutputCounters()
        counters.eventsWritten = destination?.linesWritten ?? 0
        counters.flowEvents = flowsWritten
        counters.protocolEvents = protocolRecordsWritten
        counters.alertEvents = alertsWritten
        for collector in syslog {
            let delivered = collector.counters
            counters.syslogSent &+= delivered.sent
            counters.syslogPending &+= delivered.queued &+ delivered.spoolPending
            counters.syslogDropped &+= delivered.dropped
        }
        metrics.publish(counters)
    }

    /// Hands the line rendered from offset `start` of the formatter's writer to every collector, without its newline
    /// (syslog frames each record itself); they queue and spool, never block long.
    private func send(_ event: OutputEvent, line start: Int, formatter: borrowing EventFormatter) {
        let json = formatter.writer.withBytes { Array($0[start..<($0.count - 1)]) }
        let info = SyslogMessageInfo(severity: event.syslogSeverity, timestamp: event.time, msgid: event.messageID)
        for collector in syslog { collector.send(json: json, info: info) }
    }

    /// How long the thread sleeps once every ring is empty. Events arrive all the time while packets flow, so each
    /// wake-up finds some: a longer sleep means larger batches and fewer context switches (the capture thread and
    /// this one often share a core), at the cost of that much latency before a line is written. At 200 µs the
    /// switches cost a few percent of a replay; a 16,384-slot ring fills in 2 ms only above 8 million events/s.
    static let idleSleepMicroseconds: UInt32 = 2_000

    /// How many bytes of rendered lines the formatter's writer collects before they are written out in one step,
    /// from where they were rendered: copying each line into the file's own buffer moved the whole output (88 MB on
    /// the mix) once more. Small enough to stay in the core's cache.
    static let linesWriteThreshold = 64 * 1024

    /// The formatter and the counters live in locals while the thread runs: each access to a class's stored
    /// property is checked for exclusivity at run time, which cost a few accesses per event. The counters are
    /// stored back whenever the rings are idle and at the end.
    private func run() {
        var formatter = EventFormatter(observer: observer)
        var written = (flows: flowsWritten, protocolRecords: protocolRecordsWritten, alerts: alertsWritten)
        var pendingLines: UInt64 = 0
        while true {
            var wrote = false
            for ring in rings {
                // Up to a batch from each producer in turn, so none waits long behind another.
                var batch = 0
                while batch < 256, let event = ring.tryPop() {
                    let lineStart = formatter.writer.count
                    formatter.append(event)
                    pendingLines &+= 1
                    if !syslog.isEmpty { send(event, line: lineStart, formatter: formatter) }
                    switch event {
                    case .flow: written.flows &+= 1
                    case .alert: written.alerts &+= 1
                    case .dicom, .hl7, .smb: written.protocolRecords &+= 1
                    }
                    batch += 1
                    if formatter.writer.count >= Self.linesWriteThreshold {
                        writeLines(&formatter, count: &pendingLines)
                    }
                }
                wrote = wrote || batch > 0
            }
            if wrote { continue }
            writeLines(&formatter, count: &pendingLines)
            (flowsWritten, protocolRecordsWritten, alertsWritten) = written
            if rings.allSatisfy({ $0.isClosed && $0.count == 0 }) { return }
            destination?.flush()
            publishCounters()
            usleep(Self.idleSleepMicroseconds)
        }
    }

    /// Writes the `count` lines rendered since the last call in one step, and empties the formatter's writer.
    private func writeLines(_ formatter: inout EventFormatter, count: inout UInt64) {
        if count > 0 { formatter.writer.withBytes { destination?.write(lines: $0, count: count) } }
        formatter.writer.reset()
        count = 0
    }
}
