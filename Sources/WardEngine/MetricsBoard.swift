import Synchronization
import WardOutput

/// The latest counters of a running sensor, published by the capture thread (each worker, and the detection
/// coordinator, with `--workers`) about once a second of packet time and read by the metrics endpoint: one lock per
/// publication, never per packet.
public final class MetricsBoard: Sendable {
    private let latest = Mutex([SensorStatistics()])
    private let outputs = Mutex(OutputCounters())

    /// Counters of the output side (events written, collector deliveries).
    public struct OutputCounters: Sendable {
        /// Events written to the events file.
        public var eventsWritten: UInt64 = 0
        /// Events rendered, by kind: flow records, protocol records (DICOM, HL7, SMB), alerts.
        public var flowEvents: UInt64 = 0
        /// Protocol records rendered.
        public var protocolEvents: UInt64 = 0
        /// Alerts rendered.
        public var alertEvents: UInt64 = 0
        /// Messages handed to syslog collectors and still queued, spooled, sent or dropped, over all collectors.
        public var syslogSent: UInt64 = 0
        /// Syslog messages waiting in memory or in the spool.
        public var syslogPending: UInt64 = 0
        /// Syslog messages dropped (queue full without spool, oversize datagrams, spool errors).
        public var syslogDropped: UInt64 = 0

        /// Zero counters.
        public init() {}
    }

    /// An empty board.
    public init() {}

    /// Replaces the capture-side counters published by `source` (0 with one engine; each worker and the detection
    /// coordinator have their own).
    public func publish(_ statistics: SensorStatistics, source: Int = 0) {
        latest.withLock { sources in
            while sources.count <= source { sources.append(SensorStatistics()) }
            sources[source] = statistics
        }
    }

    /// The sum of what every source published (host and MAC gauges add up per worker).
    private var merged: SensorStatistics {
        latest.withLock { sources in
            var total = sources[0]
            for other in sources.dropFirst() {
                total.add(other)
                total.alerts &+= other.alerts
                total.hosts += other.hosts
                total.macs += other.macs
                total.detectorEvictions &+= other.detectorEvictions
                total.alertsDropped &+= other.alertsDropped
                if let drops = other.kernelDrops { total.kernelDrops = (total.kernelDrops ?? 0) &+ drops }
                if let drops = other.interfaceDrops { total.interfaceDrops = (total.interfaceDrops ?? 0) &+ drops }
            }
            return total
        }
    }

    /// Replaces the published output-side counters.
    public func publish(_ counters: OutputCounters) {
        outputs.withLock { $0 = counters }
    }

    /// The Prometheus text exposition (version 0.0.4) of the latest counters.
    public func exposition() -> String {
        let statistics = merged
        let output = outputs.withLock { $0 }
        var text = ""
        func metric(_ name: String, _ help: String, _ type: String, _ samples: [(labels: String, value: UInt64)]) {
            text += "# HELP wardwatch_\(name) \(help)\n# TYPE wardwatch_\(name) \(type)\n"
            for sample in samples { text += "wardwatch_\(name)\(sample.labels) \(sample.value)\n" }
        }
        metric("packets_total", "Packets read.", "counter", [("", statistics.packets)])
        metric("bytes_total", "Frame bytes read.", "counter", [("", statistics.bytes)])
        let perSource = latest.withLock { $0.map(\.packets) }
        if perSource.count > 1 {
            // With --workers: how evenly the flow hash spreads the load (the last source is the detection thread).
            metric("worker_packets_total", "Packets read by each worker.", "counter",
                   perSource.dropLast().enumerated().map { ("{worker=\"\($0.offset)\"}", $0.element) })
        }
        metric("kernel_drops_total", "Packets the kernel dropped (live capture).", "counter",
               [("", statistics.kernelDrops ?? 0)])
        metric("interface_drops_total", "Packets the interface dropped (live capture).", "counter",
               [("", statistics.interfaceDrops ?? 0)])
        metric("flows_created_total", "Flows created.", "counter", [("", statistics.flowsCreated)])
        metric("flows_evicted_total", "Flows evicted at the table bound.", "counter", [("", statistics.flowsEvicted)])
        metric("flows_active", "Flows in the table.", "gauge", [("", UInt64(statistics.flowsActive))])
        metric("reassembly_buffered_bytes", "Out-of-order bytes held for analyzers.", "gauge",
               [("", UInt64(statistics.reassemblyBufferedBytes))])
        metric("hosts", "IP addresses held.", "gauge", [("", UInt64(statistics.hosts))])
        metric("analysed_connections_total", "Connections given to a protocol analyzer.", "counter", [
            ("{protocol=\"dicom\"}", statistics.dicomSessions), ("{protocol=\"hl7\"}", statistics.hl7Sessions),
            ("{protocol=\"smb\"}", statistics.smbSessions),
        ])
        metric("reassembly_gap_bytes_total", "Bytes lost to analyzers.", "counter", [("", statistics.reassemblyGapBytes)])
        metric("reassembly_overflows_total", "Reassembly buffers found full.", "counter",
               [("", statistics.reassemblyOverflows)])
        metric("hosts_evicted_total", "Hosts evicted at the table bound.", "counter", [("", statistics.hostsEvicted)])
        metric("macs", "MAC addresses held.", "gauge", [("", UInt64(statistics.macs))])
        metric("table_drops_total", "Entries not kept because a bounded table was full.", "counter", [
            ("{table=\"peer_pairs\"}", statistics.peerPairsDropped), ("{table=\"macs\"}", statistics.macsDropped),
            ("{table=\"detectors\"}", statistics.detectorEvictions),
        ])
        metric("sessions_evicted_total", "Analysed connections ended to make room at the session bound.", "counter",
               [("", statistics.sessionsEvicted)])
        metric("sessions_refused_total", "Connections not analysed because no session was free.", "counter",
               [("", statistics.sessionsRefused)])
        metric("alerts_total", "Alerts raised.", "counter", [("", statistics.alerts)])
        metric("alerts_dropped_total", "Alerts dropped because the detectors' queue was full.", "counter",
               [("", statistics.alertsDropped)])
        metric("events_dropped_total", "Events dropped because the output queue was full.", "counter",
               [("", statistics.eventsDropped)])
        metric("anomalies_total", "Decode and protocol anomalies by name.", "counter",
               (statistics.anomalies + statistics.protocolAnomalies).map { ("{name=\"\($0.name)\"}", $0.count) })
        metric("events_written_total", "Events written to the events file.", "counter", [("", output.eventsWritten)])
        metric("events_total", "Events produced, by type.", "counter", [
            ("{type=\"flow\"}", output.flowEvents), ("{type=\"protocol\"}", output.protocolEvents),
            ("{type=\"alert\"}", output.alertEvents),
        ])
        metric("syslog_sent_total", "Messages delivered to syslog collectors.", "counter", [("", output.syslogSent)])
        metric("syslog_pending", "Syslog messages queued or spooled.", "gauge", [("", output.syslogPending)])
        metric("syslog_dropped_total", "Syslog messages dropped.", "counter", [("", output.syslogDropped)])
        return text
    }
}
