import Foundation
import WardCore
#if canImport(Glibc)
import Glibc
#endif

/// One syslog collector. `send` formats the RFC 5424 message and enqueues it; a background thread per destination
/// connects, writes and reconnects with exponential backoff.
///
/// Delivery guarantees:
/// - **Order**: messages leave in the order `send` received them. When the memory queue is full, its oldest half
///   moves to the spool file, and the thread always sends the spool before the queue, so order holds across outages
///   and across restarts (the spool of the previous run goes first).
/// - **No silent loss**: a message is either sent, still queued/spooled, or counted in one of the `dropped*`
///   counters (queue full without spool or with a full spool, UDP oversize, spool write error, shutdown without spool).
/// - **TCP/TLS and duplicates**: TCP has no application acknowledgement. A message counts as sent only once the
///   collector's TCP has acknowledged its bytes (`SIOCOUTQ`); if the connection breaks first, it is written again on
///   the next connection (`retransmitted`). Before each batch the thread checks whether the collector closed the
///   connection, so nothing is written into a half-closed socket. What remains: bytes the collector's kernel
///   acknowledged but the collector never read (it died with data in its receive buffer) are lost, and a message
///   acknowledged in the instant between the last check and the failure is sent twice. Use RELP for
///   application-level acknowledgements; this code chooses resending (possible duplicate) over losing.
/// - **UDP**: RFC 5426 gives no delivery guarantee. A datagram larger than `udpMaximumMessageSize` is dropped and
///   counted, never truncated. An ICMP "port unreachable" (ECONNREFUSED) makes the thread keep the message and
///   back off, so a collector that is down loses at most the datagrams sent before the first ICMP came back.
/// - **unix://**: datagram socket (rsyslog imuxsock, journald), or, if the path is a stream socket, one message per
///   line (`\n`-terminated; JSON lines never contain a raw newline). Messages over the kernel's datagram limit
///   (EMSGSIZE) are dropped as oversize.
public final class SyslogDestination {
    /// The parsed URL.
    public let endpoint: SyslogEndpoint
    private let formatter: SyslogFormatter
    private let state: SyslogDestinationState
    private let thread: Thread

    /// Opens the spool (if configured) and starts the I/O thread. Throws only for a bad URL, an unresolvable host,
    /// an unusable spool directory or bad TLS files; a collector that is down is not an error (it is retried).
    public init(url: String, options: SyslogOptions) throws(SyslogError) {
        let endpoint = try SyslogEndpoint(url: url)
        self.endpoint = endpoint
        if let (host, port) = endpoint.hostAndPort, case .failure(let error) = resolve(host: host, port: port, datagram: endpoint.isUDP) {
            throw error
        }
        var hostname = options.hostname
        if hostname.isEmpty {
            var buffer = [CChar](repeating: 0, count: 256)
            if gethostname(&buffer, buffer.count - 1) == 0 {
                hostname = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        formatter = SyslogFormatter(
            hostname: hostname, appName: options.appName,
            procid: options.procid.isEmpty ? String(getpid()) : options.procid, ceeCookie: options.ceeCookie)
        var spool: SyslogSpool? = nil
        if let directory = options.spoolDirectory {
            spool = try SyslogSpool(directory: directory, name: endpoint.spoolName, maximumBytes: options.spoolMaxBytes)
        }
        var tlsContext: SyslogTLSContext? = nil
        if case .tls = endpoint { tlsContext = try SyslogTLSContext(options: options.tls) }
        let state = SyslogDestinationState(options: options, spool: spool)
        self.state = state
        let worker = SyslogWorker(endpoint: endpoint, options: options, state: state, tlsContext: tlsContext)
        thread = Thread {
            ThreadName.set("ww-syslog")
            worker.run()
        }
        thread.start()
    }

    deinit { close() }

    /// Formats and enqueues one event. Returns at once: memory queue, else spool file, else a counted drop.
    public func send(json: [UInt8], info: SyslogMessageInfo) {
        let message = formatter.message(json: json, info: info)
        state.enqueue(message, datagram: endpoint.isUDP)
    }

    /// Waits up to `timeout` seconds until every queued and spooled message has been delivered.
    /// Returns whether everything was delivered.
    @discardableResult
    public func flush(timeout: Double) -> Bool {
        state.waitUntilDelivered(deadline: Date(timeIntervalSinceNow: timeout))
    }

    /// Stops the I/O thread. Messages not delivered yet are written to the spool (in order) for the next run, or
    /// counted as `droppedAtShutdown` without one. Call `flush` first to try to deliver them. Idempotent.
    public func close() {
        state.stop()
    }

    /// A snapshot of the counters.
    public var counters: SyslogCounters { state.snapshot() }
}

/// State shared by `send` (output thread) and the I/O thread, guarded by one condition lock.
final class SyslogDestinationState: @unchecked Sendable {
    let condition = NSCondition()
    let options: SyslogOptions
    // Guarded by `condition`:
    var queue: [[UInt8]] = []
    var queueHead = 0
    let spool: SyslogSpool?
    var inFlightCount = 0
    var counters = SyslogCounters()
    var stopping = false
    var stopped = false
    /// Set while someone waits in `flush`: the I/O thread retries a lost collector at once instead of backing off.
    var flushing = false

    init(options: SyslogOptions, spool: SyslogSpool?) {
        self.options = options
        self.spool = spool
        counters.spoolPending = UInt64(spool?.unreadCount ?? 0)
    }

    var queueCount: Int { queue.count - queueHead }

    /// Nothing waiting (caller holds the lock).
    var isIdle: Bool { queueCount == 0 && (spool?.unreadCount ?? 0) == 0 }

    func enqueue(_ message: [UInt8], datagram: Bool) {
        condition.lock()
        defer { condition.unlock() }
        if datagram && message.count > options.udpMaximumMessageSize {
            counters.droppedOversize += 1
            return
        }
        if stopping {
            counters.droppedAtShutdown += 1
            return
        }
        if queueCount >= max(1, options.queueCapacity), let spool {
            // Spill the oldest half of the queue: the spool always holds older messages than the queue.
            let spill = max(1, queueCount / 2)
            let result = spool.append(queue[queueHead..<(queueHead + spill)])
            if result.failed {
                counters.droppedSpoolError += 1
                return
            }
            queueHead += result.appended
            counters.spooled += UInt64(result.appended)
            counters.spoolPending = UInt64(spool.unreadCount)
            compactQueue()
        }
        guard queueCount < max(1, options.queueCapacity) else {
            counters.droppedQueueFull += 1
            return
        }
        queue.append(message)
        counters.queued = UInt64(queueCount + inFlightCount)
        condition.signal()
    }

    /// Takes up to `limit` messages for the I/O thread: spool first, then queue.
    func take(limit: Int) -> [(message: [UInt8], spoolEnd: Int?)] {
        condition.lock()
        defer { condition.unlock() }
        var batch: [(message: [UInt8], spoolEnd: Int?)] = []
        if let spool, spool.unreadCount > 0 {
            for record in spool.read(limit: limit) { batch.append((record.message, record.end)) }
            counters.spoolPending = UInt64(spool.unreadCount)
        } else {
            let count = min(limit, queueCount)
            for index in queueHead..<(queueHead + count) { batch.append((queue[index], nil)) }
            queueHead += count
            compactQueue()
        }
        inFlightCount += batch.count
        counters.queued = UInt64(queueCount + inFlightCount)
        return batch
    }

    /// The I/O thread finished with `count` in-flight messages (`sent` of them delivered, the rest dropped as oversize).
    func release(count: Int, sent: Int, oversize: Int, spoolEnd: Int?) {
        condition.lock()
        defer { condition.unlock() }
        inFlightCount -= count
        counters.sent += UInt64(sent)
        counters.droppedOversize += UInt64(oversize)
        if let spoolEnd, let spool { spool.commit(through: spoolEnd) }
        counters.queued = UInt64(queueCount + inFlightCount)
        condition.broadcast()
    }

    func count(_ update: (inout SyslogCounters) -> Void) {
        condition.lock()
        update(&counters)
        condition.unlock()
    }

    private func compactQueue() {
        if queueHead > 1024 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        } else if queueHead == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
        }
    }

    func waitUntilDelivered(deadline: Date) -> Bool {
        condition.lock()
        flushing = true
        condition.broadcast()
        defer {
            flushing = false
            condition.unlock()
        }
        while !(isIdle && inFlightCount == 0) {
            if stopped || !condition.wait(until: deadline) { return isIdle && inFlightCount == 0 }
        }
        return true
    }

    /// Asks the I/O thread to stop and waits for it.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }

    /// Called by the I/O thread as it exits: keeps `inFlight` + spool + queue, in that order, in the spool.
    func persist(inFlight: [[UInt8]]) {
        condition.lock()
        defer {
            stopped = true
            condition.broadcast()
            condition.unlock()
        }
        let queued = Array(queue[queueHead...])
        queue.removeAll()
        queueHead = 0
        inFlightCount = 0
        guard let spool else {
            counters.droppedAtShutdown += UInt64(inFlight.count + queued.count)
            counters.queued = 0
            return
        }
        var all = inFlight
        if !inFlight.isEmpty {
            // Messages taken from the spool but not delivered are in `inFlight`; what follows them is unread.
            for record in spool.read(limit: Int.max) { all.append(record.message) }
            all.append(contentsOf: queued)
            let total = all.count
            if spool.rewrite(all) == false { counters.droppedSpoolError += UInt64(total) } else {
                let kept = spool.unreadCount
                counters.droppedAtShutdown += UInt64(total - kept)
                counters.spooled += UInt64(queued.count)
            }
        } else if !queued.isEmpty {
            let result = spool.append(queued[...])
            if result.failed { counters.droppedSpoolError += UInt64(queued.count) } else {
                counters.spooled += UInt64(result.appended)
                counters.droppedAtShutdown += UInt64(queued.count - result.appended)
            }
        }
        counters.queued = 0
        counters.spoolPending = UInt64(spool.unreadCount)
    }

    func snapshot() -> SyslogCounters {
        condition.lock()
        defer { condition.unlock() }
        return counters
    }
}

/// The I/O thread's loop: connect, write in order, track acknowledgements, reconnect with backoff.
final class SyslogWorker: @unchecked Sendable {
    private struct InFlight {
        enum Status { case pending, written, oversize }
        var message: [UInt8]
        var spoolEnd: Int?
        var status: Status = .pending
        /// Stream kinds: `streamPosition` of the connection once this message was fully written.
        var streamEnd: UInt64 = 0
    }

    private let endpoint: SyslogEndpoint
    private let options: SyslogOptions
    private let state: SyslogDestinationState
    private let tlsContext: SyslogTLSContext?
    private var inFlight: [InFlight] = []
    private var connection: SyslogConnection? = nil

    init(endpoint: SyslogEndpoint, options: SyslogOptions, state: SyslogDestinationState, tlsContext: SyslogTLSContext?) {
        self.endpoint = endpoint
        self.options = options
        self.state = state
        self.tlsContext = tlsContext
    }

    private var stopping: Bool {
        state.condition.lock()
        defer { state.condition.unlock() }
        return state.stopping
    }

    func run() {
        // TLS writes go through write(2), which raises SIGPIPE on a dead peer: block it on this thread only.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        var delay = options.reconnectMinimumDelay
        var everConnected = false
        while true {
            // Wait for work (or, with unacknowledged messages, poll their acknowledgement every few ms).
            state.condition.lock()
            if inFlight.isEmpty {
                while !state.stopping && state.isIdle { state.condition.wait() }
            } else if state.isIdle && !state.stopping && !inFlight.contains(where: { $0.status == .pending }) {
                _ = state.condition.wait(until: Date(timeIntervalSinceNow: 0.005))
            }
            let stop = state.stopping
            state.condition.unlock()
            if stop { break }

            if let open = connection {
                switch open.peerState() {
                case .open: break
                case .finished: dropConnection(peerFinished: true)
                case .reset: dropConnection(peerFinished: false)
                }
            }
            if connection == nil {
                switch SyslogConnection.open(endpoint, timeout: options.connectTimeout, tlsContext: tlsContext) {
                case .success(let opened):
                    connection = opened
                    if everConnected { state.count { $0.reconnects += 1 } }
                    everConnected = true
                    delay = options.reconnectMinimumDelay
                case .failure:
                    state.count { $0.connectFailures += 1 }
                    backOff(&delay)
                    continue
                }
            }
            guard let connection else { continue }

            if inFlight.count < 1024 {
                for taken in state.take(limit: 256) { inFlight.append(InFlight(message: taken.message, spoolEnd: taken.spoolEnd)) }
            }
            var failed = false
            for index in inFlight.indices where inFlight[index].status == .pending {
                switch connection.write(inFlight[index].message, abandon: { self.stopping }) {
                case .written:
                    inFlight[index].status = .written
                    inFlight[index].streamEnd = connection.streamPosition
                case .oversize:
                    inFlight[index].status = .oversize
                case .failed:
                    failed = true
                }
                if failed { break }
            }
            releaseAcknowledged(connection)
            if failed {
                dropConnection(peerFinished: false)
                backOff(&delay)
            }
        }
        if let connection {
            // Last chance for acknowledgements before closing.
            releaseAcknowledged(connection)
        }
        connection = nil
        state.persist(inFlight: inFlight.filter { $0.status != .oversize }.map(\.message))
        inFlight.removeAll()
    }

    /// Releases the delivered prefix of `inFlight`: datagrams once written, stream messages once the peer's TCP
    /// acknowledged their last byte (TLS: their last record byte).
    private func releaseAcknowledged(_ connection: SyslogConnection) {
        var releasable = 0
        if connection.framing == .datagram {
            while releasable < inFlight.count && inFlight[releasable].status != .pending { releasable += 1 }
        } else {
            let unacknowledged = connection.unacknowledgedBytes()
            let acknowledged = connection.streamPosition &- unacknowledged
            while releasable < inFlight.count {
                let item = inFlight[releasable]
                if item.status == .oversize {
                    releasable += 1
                } else if item.status == .written && item.streamEnd <= acknowledged {
                    releasable += 1
                } else {
                    break
                }
            }
        }
        guard releasable > 0 else { return }
        let released = inFlight[..<releasable]
        let oversize = released.count { $0.status == .oversize }
        let spoolEnd = released.compactMap(\.spoolEnd).last
        inFlight.removeFirst(releasable)
        state.release(count: releasable, sent: releasable - oversize, oversize: oversize, spoolEnd: spoolEnd)
    }

    /// Closes a broken connection; everything written but not acknowledged is written again on the next one.
    /// After a clean close (FIN) the acknowledgement count is read once more: the collector read everything its
    /// TCP acknowledged. After a reset or a write error it is not (the kernel has dropped the queue, so it would
    /// claim everything was acknowledged): all unconfirmed messages are resent.
    private func dropConnection(peerFinished: Bool) {
        if let connection, peerFinished || connection.framing == .datagram { releaseAcknowledged(connection) }
        connection = nil
        var resent = 0
        for index in inFlight.indices where inFlight[index].status == .written {
            inFlight[index].status = .pending
            resent += 1
        }
        if resent > 0 { state.count { $0.retransmitted += UInt64(resent) } }
    }

    /// Sleeps `delay` (interruptible by `close`), then doubles it up to the maximum.
    /// While a `flush` waits, retries after the minimum delay, so a shutdown does not wait out a long backoff.
    private func backOff(_ delay: inout Double) {
        state.condition.lock()
        let wait = state.flushing ? options.reconnectMinimumDelay : delay
        let deadline = Date(timeIntervalSinceNow: wait)
        while !state.stopping && Date() < deadline {
            _ = state.condition.wait(until: deadline)
            if state.flushing && wait > options.reconnectMinimumDelay { break }
        }
        state.condition.unlock()
        delay = min(delay * 2, options.reconnectMaximumDelay)
    }
}
