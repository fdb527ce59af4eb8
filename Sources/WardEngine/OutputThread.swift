import Foundation
import WardCore
import WardOutput
import WardSyslog

/// The thread that turns events (finished flows, protocol records) into JSON lines, off the capture thread.
///
/// It drains the ring, renders each record with `EventFormatter`, and writes it to every destination. It sleeps
/// briefly when the ring is empty and ends once the ring is closed and empty.
public final class OutputThread: @unchecked Sendable {
    /// The ring the engine pushes into.
    public let ring: SPSCRing<OutputEvent>
    private var formatter: EventFormatter
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
    /// neither; events are still drained).
    public init(
        observer: ObserverInfo, destination: JSONLinesFile?, syslog: [SyslogDestination] = [],
        metrics: MetricsBoard? = nil, ringCapacity: Int = 16_384
    ) {
        self.metrics = metrics
        ring = SPSCRing(minimumCapacity: ringCapacity)
        formatter = EventFormatter(observer: observer)
        self.destination = destination
        self.syslog = syslog
    }

    /// Starts consuming.
    public func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "wardwatch-output"
        thread.start()
    }

    /// Closes the ring and waits until everything pushed so far is written.
    public func finish() {
        ring.close()
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

    /// Hands the rendered JSON (without its newline) to every collector; they queue and spool, never block long.
    private func send(_ event: OutputEvent) {
        let json = Array(formatter.writer.bytes.dropLast())
        let info = SyslogMessageInfo(severity: event.syslogSeverity, timestamp: event.time, msgid: event.messageID)
        for collector in syslog { collector.send(json: json, info: info) }
    }

    private func run() {
        while true {
            if let event = ring.tryPop() {
                formatter.render(event)
                destination?.write(line: formatter.writer.bytes)
                if !syslog.isEmpty { send(event) }
                switch event {
                case .flow: flowsWritten &+= 1
                case .alert: alertsWritten &+= 1
                case .dicom, .hl7, .smb: protocolRecordsWritten &+= 1
                }
                continue
            }
            if ring.isClosed && ring.count == 0 { return }
            destination?.flush()
            publishCounters()
            usleep(200)
        }
    }
}

/// Lets the output thread run while the capture thread waits for ring space (replay only).
func yieldToConsumer() {
    sched_yield()
}
