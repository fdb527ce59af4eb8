import WardAnomaly
import WardCore
import WardFlows
import WardOutput
import WardSyslog

/// What a replay or live run should do; the CLI fills it from flags (and later from the site configuration).
public struct RunOptions {
    /// Flow and host table bounds and timeouts.
    public var flowTable = FlowTableConfiguration()
    /// Engines run in parallel (`--workers`), each on the flows hashed to it; 1 runs everything on one thread.
    public var workers = 1
    /// The detectors, configured from the site file and Signatures/.
    public var detection = DetectionEngine()
    /// Protocol analyzers and reassembly bounds.
    public var analysis = StreamAnalysisConfiguration()
    /// A BPF filter applied before decoding.
    public var filter: String?
    /// Where JSON-lines events go, if anywhere.
    public var events: JSONLinesFile?
    /// Syslog collectors that receive every event (RFC 5424 over UDP, TCP, TLS or a unix socket).
    public var syslog: [SyslogDestination] = []
    /// Where counters are published for the Prometheus endpoint, if one runs.
    public var metrics: MetricsBoard?
    /// Whether to emit `wardwatch.flow` records.
    public var emitFlows = false
    /// Whether to emit `wardwatch.host` records at the end.
    public var emitHosts = false
    /// Observer fields for every event.
    public var observer: ObserverInfo
    /// Learning only (`wardwatch learn`): the detectors learn, alerts are counted and listed but not emitted.
    public var learnOnly = false
    /// Periodic saving of what was learned during a live run (the state DB), if wanted.
    public var checkpoint: Checkpoint?
    /// Read buffers of a `--workers` replay: workers process packets where the file was read into, and a chunk is
    /// filled again once every worker is past it (see `ReadChunks`). Small enough to stay in the caches between the
    /// kernel's copy into them and the workers' reading (4 MiB chunks made that copy dearer; Benchmarks/README.md).
    public var replayChunks = (count: 8, bytes: 512 << 10)
    /// Whether the report carries what the run learned (for the state DB). Gathering it walks every detector's
    /// tables, so a run without a state DB skips it.
    public var keepsState = false

    /// Options with defaults for everything but the observer.
    public init(observer: ObserverInfo) {
        self.observer = observer
    }
}

/// What a run did: counters, problems met, and the busiest hosts, for the exit code and the terminal summary.
public struct RunReport {
    /// The counters.
    public var statistics: SensorStatistics
    /// Problems met (unreadable files, truncated records, write failures), one line each.
    public var problems: [String]
    /// Hosts ordered by bytes sent and received, busiest first (at most ``topTalkerCount``).
    public var topTalkers: [HostRecord]
    /// How many top talkers a report lists.
    public static let topTalkerCount = 10
    /// Flow records written.
    public var flowsWritten: UInt64
    /// DICOM, HL7 and SMB records written.
    public var protocolRecordsWritten: UInt64
    /// The first alerts, one line each, for the terminal summary.
    public var alerts: [String]
    /// Packet time of the first and last packets, if any.
    public var firstPacketTime: PacketTime?
    /// Packet time of the last packet.
    public var lastPacketTime: PacketTime
    /// What the run learned and saw, for the state DB; `nil` unless ``RunOptions/keepsState`` was set.
    public var state: StateSnapshot?
}

/// What the detectors learned and the host table saw at one moment: what the state DB keeps.
public struct StateSnapshot: Sendable {
    /// `DetectionEngine.learnedState()`.
    public var learned: LearnedState
    /// Every MAC address seen, with its IP addresses.
    public var macs: [MACRecord]
    /// Every IP address held, with its services.
    public var hosts: [HostRecord]
}

/// Saving what was learned every `interval` seconds of wall time during a live run (and so surviving a crash).
public struct Checkpoint {
    /// Seconds between saves.
    public var interval: Double
    /// Called on the capture thread with the snapshot; returns a problem to report, or `nil`.
    public var save: (StateSnapshot) -> String?

    public init(interval: Double, save: @escaping (StateSnapshot) -> String?) {
        self.interval = interval
        self.save = save
    }
}

/// A progress snapshot for the terminal: bytes read of the total, packets so far.
public struct ReplayProgress {
    /// Bytes of capture files consumed.
    public var bytesRead: Int64
    /// Total bytes of all capture files.
    public var totalBytes: Int64
    /// Packets processed.
    public var packets: UInt64
}

extension RunOptions {
    /// One worker's table and analysis settings when `count` workers share the run: the bounds on flows, analysed
    /// connections and buffered out-of-order bytes are divided among them (rounded up), so the run as a whole stays
    /// within what was configured. Hosts and MACs are not divided: every worker may see every host.
    func perWorker(_ count: Int) -> (flowTable: FlowTableConfiguration, analysis: StreamAnalysisConfiguration) {
        func share(_ total: Int) -> Int { max(1, (total + count - 1) / count) }
        var flowTable = self.flowTable
        var analysis = self.analysis
        flowTable.maximumFlows = share(flowTable.maximumFlows)
        analysis.maximumSessions = share(analysis.maximumSessions)
        analysis.reassemblyBytesTotal = share(analysis.reassemblyBytesTotal)
        return (flowTable, analysis)
    }
}
