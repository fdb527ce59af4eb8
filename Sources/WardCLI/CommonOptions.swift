import ArgumentParser
import Foundation
import WardAnomaly
import WardEngine
import WardFlows
import WardGeoIP
import WardOutput
import WardSyslog

/// Options shared by `replay` and `live`.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Write JSON-lines events to this file ('-' for standard output).", valueName: "path"))
    var events: String?

    @Option(name: .long, help: ArgumentHelp("Send every event to this syslog collector (udp://, tcp://, tls://host:port or unix:///dev/log); repeat for several.", valueName: "url"))
    var syslog: [String] = []

    @Flag(name: .long, help: "Prefix syslog messages with '@cee: ' (rsyslog mmjsonparse).")
    var syslogCee = false

    @Option(name: .long, help: ArgumentHelp("Directory for the on-disk spool used while a collector is down.", valueName: "dir"))
    var spoolDir: String?

    @Option(name: .long, help: ArgumentHelp("CA file to verify a tls:// collector.", valueName: "pem"))
    var syslogCA: String?

    @Option(name: .long, help: ArgumentHelp("Client certificate and key for a tls:// collector.", valueName: "pem"))
    var syslogCert: String?

    @Option(name: .long, help: ArgumentHelp("Client private key for a tls:// collector.", valueName: "pem"))
    var syslogKey: String?

    @Option(name: .long, help: ArgumentHelp("Serve Prometheus metrics at http://ADDRESS:PORT/metrics (ADDRESS defaults to 127.0.0.1).", valueName: "[address:]port"))
    var metrics: String?

    @Option(name: .long, help: ArgumentHelp("MaxMind-format country database (GeoLite2/GeoIP2 Country or City) for public addresses.", valueName: "mmdb"))
    var geoipCountry: String?

    @Option(name: .long, help: ArgumentHelp("MaxMind-format ASN database for public addresses.", valueName: "mmdb"))
    var geoipAsn: String?

    @Flag(name: .long, help: "Include a wardwatch.flow record for every flow.")
    var flows = false

    @Flag(name: .long, help: "Include a wardwatch.host record per IP address at the end.")
    var hosts = false

    @Option(name: .long, help: ArgumentHelp("Only look at packets matching this BPF filter.", valueName: "filter"))
    var bpf: String?

    @Option(name: .long, help: "Most concurrent flows kept; the least recently active are evicted (counted).")
    var maxFlows = 1_000_000

    @Option(name: .long, help: "Most hosts (IP addresses) kept.")
    var maxHosts = 65_536

    @Option(name: .long, help: "Most address pairs remembered for the hosts' distinct-peer counts (past it: counted, not kept).")
    var maxPeerPairs = 1_000_000

    @Option(name: .long, help: "Most MAC addresses kept in the MAC table (past it: counted, not kept).")
    var maxMacs = 65_536

    @Option(name: .long, help: ArgumentHelp("TCP inactivity timeout in seconds of packet time.", valueName: "seconds"))
    var tcpTimeout: Int64 = 300

    @Option(name: .long, help: ArgumentHelp("UDP inactivity timeout in seconds.", valueName: "seconds"))
    var udpTimeout: Int64 = 60

    @Option(name: .long, help: ArgumentHelp("ICMP and other protocols' inactivity timeout in seconds.", valueName: "seconds"))
    var otherTimeout: Int64 = 60

    @Flag(name: .long, help: "Do not run the DICOM, HL7 and SMB analyzers (flows and hosts only).")
    var noAnalyzers = false

    @Flag(name: .long, help: "Do not run the detectors: no alerts, only flow, host and protocol records.")
    var noDetectors = false

    @Option(name: .long, help: "Most connections analysed (DICOM, HL7, SMB) at once; a new one ends the least recently active (counted).")
    var maxSessions = StreamAnalysisConfiguration().maximumSessions

    @Option(name: .long, help: ArgumentHelp("Out-of-order bytes buffered per direction of an analysed connection; past it a gap is declared (counted).", valueName: "bytes"))
    var reassemblyBuffer = StreamAnalysisConfiguration().reassemblyBytesPerDirection

    @Option(name: .long, help: ArgumentHelp("Out-of-order bytes buffered over all analysed connections; past it a gap is declared (counted).", valueName: "bytes"))
    var reassemblyTotal = StreamAnalysisConfiguration().reassemblyBytesTotal

    @Option(name: .long, help: ArgumentHelp("Engines running in parallel, each on the flows hashed to it (one detection thread judges all).", valueName: "n"))
    var workers = 1

    @Flag(name: .long, help: "Print nothing on the terminal but errors.")
    var quiet = false

    @Flag(name: .long, help: "Show the progress bar even when standard error is not a terminal.")
    var progress = false

    func validate() throws {
        guard maxFlows > 0 else { throw ValidationError("--max-flows must be positive") }
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be between 1 and 64") }
        guard (syslogKey == nil) == (syslogCert == nil) else {
            throw ValidationError("--syslog-cert and --syslog-key go together")
        }
        guard maxHosts > 0 else { throw ValidationError("--max-hosts must be positive") }
        guard maxPeerPairs >= 0, maxMacs >= 0 else {
            throw ValidationError("--max-peer-pairs and --max-macs must not be negative")
        }
        guard maxSessions > 0 else { throw ValidationError("--max-sessions must be positive") }
        guard reassemblyBuffer >= 0, reassemblyTotal >= 0 else {
            throw ValidationError("--reassembly-buffer and --reassembly-total must not be negative")
        }
        guard tcpTimeout > 0, udpTimeout > 0, otherTimeout > 0 else {
            throw ValidationError("timeouts must be positive")
        }
    }

    /// Run options from the flags; opens the events destination (appending in live mode).
    func runOptions(interface: String? = nil) throws -> RunOptions {
        let isLive = interface != nil
        var options = RunOptions(
            observer: ObserverInfo(name: ProcessInfo.processInfo.hostName, version: wardWatchVersion, interface: interface))
        if geoipCountry != nil || geoipAsn != nil {
            do {
                options.observer.geoIP = GeoIPEnricher(
                    country: try geoipCountry.map { path throws(GeoIPError) in try GeoIPDatabase(path: path) },
                    asn: try geoipAsn.map { path throws(GeoIPError) in try GeoIPDatabase(path: path) })
            } catch {
                throw InputFailure(message: "\(error)")
            }
        }
        options.filter = bpf
        options.workers = workers
        options.emitFlows = flows
        options.emitHosts = hosts
        options.analysis.enabled = !noAnalyzers
        options.detection.isEnabled = !noDetectors
        options.analysis.maximumSessions = maxSessions
        options.analysis.reassemblyBytesPerDirection = reassemblyBuffer
        options.analysis.reassemblyBytesTotal = reassemblyTotal
        options.flowTable.maximumFlows = maxFlows
        options.flowTable.maximumHosts = maxHosts
        options.flowTable.maximumPeerPairs = maxPeerPairs
        options.flowTable.maximumMACs = maxMacs
        options.flowTable.tcpTimeout = tcpTimeout
        options.flowTable.udpTimeout = udpTimeout
        options.flowTable.otherTimeout = otherTimeout
        if let events {
            do {
                options.events = try JSONLinesFile(path: events, append: isLive)
            } catch {
                throw InputFailure(message: error.message)
            }
        }
        if let metrics {
            let parts = metrics.split(separator: ":", omittingEmptySubsequences: false)
            let address = parts.count == 2 ? String(parts[0]) : "127.0.0.1"
            guard let port = UInt16(parts.last ?? "") else {
                throw InputFailure(message: "--metrics \(metrics): expected [address:]port")
            }
            let board = MetricsBoard()
            do {
                _ = try MetricsServer(address: address, port: port, board: board)
            } catch let failure as MetricsServer.Failure {
                throw InputFailure(message: failure.message)
            }
            options.metrics = board
        }
        for url in syslog {
            var syslogOptions = SyslogOptions()
            syslogOptions.hostname = ProcessInfo.processInfo.hostName
            syslogOptions.procid = String(ProcessInfo.processInfo.processIdentifier)
            syslogOptions.ceeCookie = syslogCee
            syslogOptions.spoolDirectory = spoolDir
            syslogOptions.tls.caFile = syslogCA
            syslogOptions.tls.certificateFile = syslogCert
            syslogOptions.tls.privateKeyFile = syslogKey
            do {
                options.syslog.append(try SyslogDestination(url: url, options: syslogOptions))
            } catch {
                throw InputFailure(message: "--syslog \(url): \(error)")
            }
        }
        return options
    }

    /// Whether to print the readable summary: on a terminal, when events do not go to standard output.
    var printsSummary: Bool {
        !quiet && events != "-"
    }
}
