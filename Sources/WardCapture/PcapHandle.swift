import CPcap
import WardCore

#if canImport(Glibc)
import Glibc
#endif

/// One open libpcap handle (a file being read or an activated interface); closed when released.
///
/// A final class rather than a `~Copyable` struct so that several files can be merged from one array;
/// its methods are statically dispatched.
public final class PcapHandle {
    let handle: OpaquePointer
    /// The path or interface name, for messages.
    public let name: String

    /// Packets returned by `next()` so far, to say where a damaged file stops.
    @exclusivity(unchecked) public private(set) var packetsRead = 0
    /// Records whose wire length (`len`) was smaller than their captured length (`caplen`); `next()` counts
    /// such a packet at its captured length.
    public private(set) var shortWireLengthRecords = 0
    /// The first such record: its packet number and the two lengths, for the report.
    public private(set) var firstShortWireLength: (packet: Int, wireLength: UInt32, capturedLength: UInt32)?

    /// The largest wire length accepted: a record claiming more (negative as a signed 32-bit field) is corrupt.
    public static let maximumWireLength: UInt32 = 0x7FFF_FFFF

    /// The stdio buffer a file is read through (freed after `pcap_close`, which closes the file).
    private let readBuffer: UnsafeMutableRawPointer?
    /// The reader of a classic pcap file's records, where it replaces libpcap's (see `openOffline`).
    @exclusivity(unchecked) private var records: PcapRecordReader?
    /// The BPF filter the record reader applies (libpcap applies its own when it reads).
    @exclusivity(unchecked) private var recordFilter: bpf_program?

    /// Bytes read from a file per `read(2)`. libpcap's own `fopen` leaves stdio at the file system's block size
    /// (4 KiB), a system call every few packets; 64 KiB measured best on the hospital mix (the replay 15–20 %
    /// faster; 128 KiB was slower again and 1 MiB no better, see Benchmarks/README.md).
    public static var readBufferSize: Int { 64 << 10 }

    private init(handle: OpaquePointer, name: String, readBuffer: UnsafeMutableRawPointer? = nil) {
        self.handle = handle
        self.name = name
        self.readBuffer = readBuffer
    }

    deinit {
        if var program = recordFilter { pcap_freecode(&program) }
        pcap_close(handle)
        readBuffer?.deallocate()
    }

    /// Opens a pcap or pcapng file (`-` is standard input) with nanosecond timestamps, read through a
    /// `readBufferSize` stdio buffer.
    ///
    /// libpcap opens and checks every file. The records of a regular classic pcap file that libpcap would pass on
    /// unchanged are then read by a `PcapRecordReader` instead, without libpcap's copies, unless
    /// `libpcapReadsRecords` (for comparing the two); given `chunks`, it reads into them (see `ReadChunks`), and
    /// otherwise, with `readAhead`, has another thread read the file ahead where the process may use more than one
    /// CPU (see `FileReadAhead`).
    /// - Throws: `PcapError.openFailed` with the reason (missing file, bad magic number, ...).
    public static func openOffline(
        path: String, libpcapReadsRecords: Bool = false, chunks: ReadChunks? = nil, readAhead: Bool = false
    ) throws(PcapError) -> PcapHandle {
        let file = path == "-" ? fdopen(dup(STDIN_FILENO), "rb") : fopen(path, "rb")
        guard let file else { throw PcapError(.openFailed, "\(path): \(String(cString: strerror(errno)))") }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: readBufferSize, alignment: 16)
        setvbuf(file, buffer.assumingMemoryBound(to: CChar.self), _IOFBF, readBufferSize)
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_fopen_offline_with_tstamp_precision(file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer)
        else {
            fclose(file)  // libpcap leaves a file it refused open
            buffer.deallocate()
            let reason = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PcapError(.openFailed, "\(path): \(reason)")
        }
        let opened = PcapHandle(handle: handle, name: path, readBuffer: buffer)
        if path != "-" && !libpcapReadsRecords {
            opened.records = recordReader(path: path, handle: handle, chunks: chunks, readAhead: readAhead)
        }
        return opened
    }

    /// A reader of the file's records, when libpcap would hand them on unchanged: a regular file in the usual pcap
    /// format (version 2.4, microsecond or nanosecond magic, either byte order) of a link type whose headers libpcap
    /// never rewrites (it byte-swaps Linux cooked headers from files of the other byte order). Anything else, and
    /// pcapng, stays with libpcap.
    private static func recordReader(
        path: String, handle: OpaquePointer, chunks: ReadChunks?, readAhead: Bool
    ) -> PcapRecordReader? {
        let swapped = pcap_is_swapped(handle) == 1
        let linkType = pcap_datalink(handle)
        let rawAsOpenBSDNumbersIt: Int32 = 14
        let passedOn: Set<Int32> = [DLT_NULL, DLT_EN10MB, DLT_RAW, rawAsOpenBSDNumbersIt, DLT_LOOP, DLT_IPV4, DLT_IPV6]
        let cooked: Set<Int32> = [DLT_LINUX_SLL, DLT_LINUX_SLL2]
        guard pcap_major_version(handle) == 2, pcap_minor_version(handle) == 4,
            passedOn.contains(linkType) || (!swapped && cooked.contains(linkType))
        else { return nil }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        var magic: UInt32 = 0
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG,
            pread(descriptor, &magic, 4, 0) == 4, lseek(descriptor, 24, SEEK_SET) == 24
        else {
            close(descriptor)
            return nil
        }
        if swapped { magic = magic.byteSwapped }
        guard magic == 0xA1B2_C3D4 || magic == 0xA1B2_3C4D else {
            close(descriptor)  // the modified format of some old libpcaps, with longer record headers
            return nil
        }
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
        return PcapRecordReader(
            descriptor: descriptor, fileOffset: 24, swapped: swapped, nanosecondFile: magic == 0xA1B2_3C4D,
            snapshot: pcap_snapshot(handle), chunks: chunks, readAhead: readAhead)
    }

    /// Opens and activates a live capture on `interface` with a TPACKET_V3 ring of `bufferSize` bytes.
    /// - Throws: `PcapError.openFailed` / `.activateFailed` with libpcap's reason (no such device, no permission).
    public static func openLive(
        interface: String, snapshotLength: Int32, promiscuous: Bool, bufferSize: Int32, timeoutMilliseconds: Int32
    ) throws(PcapError) -> (handle: PcapHandle, warning: String?) {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let raw = pcap_create(interface, &errorBuffer) else {
            let reason = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PcapError(.openFailed, "\(interface): \(reason)")
        }
        let handle = PcapHandle(handle: raw, name: interface)
        pcap_set_snaplen(raw, snapshotLength)
        pcap_set_promisc(raw, promiscuous ? 1 : 0)
        pcap_set_timeout(raw, timeoutMilliseconds)
        pcap_set_buffer_size(raw, bufferSize)
        pcap_set_tstamp_precision(raw, PCAP_TSTAMP_PRECISION_NANO)
        let status = pcap_activate(raw)
        if status < 0 {
            let detail = handle.lastError
            let summary = String(cString: pcap_statustostr(status))
            throw PcapError(.activateFailed, "\(interface): \(summary)\(detail.isEmpty ? "" : ": \(detail)")")
        }
        let warning = status > 0 ? "\(interface): \(String(cString: pcap_statustostr(status))) \(handle.lastError)" : nil
        return (handle, warning)
    }

    /// Joins the live handle's socket to PACKET_FANOUT group `group` in hash mode (with IP defragmentation), so that
    /// the kernel spreads the interface's packets over every handle in the group by a flow hash that is the same for
    /// both directions of a flow (`--workers` in live capture).
    public func joinFanout(group: UInt16) throws(PcapError) {
        var value = Int32(group) | Int32(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16
        guard setsockopt(pcap_fileno(handle), Int32(SOL_PACKET), PACKET_FANOUT, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
        else {
            throw PcapError(.activateFailed, "\(name): PACKET_FANOUT group \(group): \(String(cString: strerror(errno)))")
        }
    }

    /// Puts a live handle in non-blocking mode, so that `dispatch` returns at once when the ring is empty and the
    /// caller waits with `waitForPackets` (libpcap's TPACKET_V3 reader can otherwise sleep in poll(2) for ever on a
    /// silent link, and idle flows would never expire).
    public func setNonBlocking() throws(PcapError) {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard pcap_setnonblock(handle, 1, &errorBuffer) == 0 else {
            let reason = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PcapError(.activateFailed, "\(name): non-blocking mode: \(reason)")
        }
    }

    /// Waits until packets may be ready or `timeoutMilliseconds` pass (or a signal arrives).
    public func waitForPackets(timeoutMilliseconds: Int32) {
        let descriptor = pcap_get_selectable_fd(handle)
        guard descriptor >= 0 else {
            usleep(UInt32(timeoutMilliseconds) * 1000)
            return
        }
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        _ = poll(&request, 1, timeoutMilliseconds)
    }

    /// Whether a `PcapRecordReader` reads the file's records instead of libpcap.
    public var readsRecordsItself: Bool { records != nil }

    /// Whether another thread reads the file ahead of its records (see `FileReadAhead`).
    public var readsAhead: Bool { records?.readsAhead ?? false }

    /// The data-link type (DLT value).
    public var linkType: Int32 { pcap_datalink(handle) }

    /// libpcap's last error message for this handle.
    public var lastError: String { String(cString: pcap_geterr(handle)) }

    /// Compiles and installs a BPF filter.
    /// - Throws: `PcapError.filterInvalid` with libpcap's message.
    public func setFilter(_ expression: String) throws(PcapError) {
        var program = bpf_program()
        guard pcap_compile(handle, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            throw PcapError(.filterInvalid, "BPF filter '\(expression)': \(lastError)")
        }
        if records != nil {
            if var previous = recordFilter { pcap_freecode(&previous) }
            recordFilter = program
            return
        }
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(handle, &program) == 0 else {
            throw PcapError(.filterInvalid, "BPF filter '\(expression)': \(lastError)")
        }
    }

    /// Reads the next packet. The bytes are borrowed from libpcap or the record reader and valid only until the next
    /// call.
    @inline(__always)
    public func next() -> PcapReadResult {
        while records != nil {
            switch records!.next() {
            case .record(let header, let data):
                if recordFilter != nil && !passesFilter(header, data) { continue }
                return packet(
                    data, capturedLength: header.capturedLength, wireLength: header.wireLength,
                    time: PacketTime(seconds: header.seconds, nanoseconds: header.nanoseconds))
            case .end:
                return .end
            case .failed(let message):
                return .failed(message)
            }
        }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let status = pcap_next_ex(handle, &header, &data)
        switch status {
        case 1:
            guard let header, let data else { return .timeout }
            let time = PacketTime(
                seconds: Int64(header.pointee.ts.tv_sec), nanoseconds: Int64(header.pointee.ts.tv_usec))
            return packet(
                UnsafeRawPointer(data), capturedLength: header.pointee.caplen, wireLength: header.pointee.len,
                time: time)
        case 0:
            return .timeout
        case PCAP_ERROR_BREAK:
            return .end
        default:
            return .failed(lastError)
        }
    }

    /// Whether the record reader's record passes the filter, tested as libpcap tests the records it reads.
    private func passesFilter(_ header: PcapRecordReader.Header, _ data: UnsafeRawPointer) -> Bool {
        var libpcapHeader = pcap_pkthdr()
        libpcapHeader.caplen = header.capturedLength
        libpcapHeader.len = header.wireLength
        return pcap_offline_filter(&recordFilter!, &libpcapHeader, data.assumingMemoryBound(to: UInt8.self)) != 0
    }

    /// The packet of a record read, after the checks on its lengths that both readers share.
    @inline(__always)
    private func packet(
        _ data: UnsafeRawPointer, capturedLength: UInt32, wireLength: UInt32, time: PacketTime
    ) -> PcapReadResult {
        if wireLength > Self.maximumWireLength {
            return .failed("invalid packet length \(wireLength), bigger than maximum of \(Self.maximumWireLength)")
        }
        packetsRead += 1
        var counted = Int(wireLength)
        if wireLength < capturedLength {
            noteShortWireLength(wireLength, captured: capturedLength)
            counted = Int(capturedLength)
        }
        let bytes = UnsafeRawBufferPointer(start: data, count: Int(capturedLength))
        return .packet(CapturedPacket(bytes: bytes, wireLength: counted, time: time))
    }

    @inline(never)
    private func noteShortWireLength(_ wireLength: UInt32, captured: UInt32) {
        if shortWireLengthRecords == 0 {
            firstShortWireLength = (packetsRead, wireLength, captured)
        }
        shortWireLengthRecords += 1
    }

    /// A one-line report of records whose `len` was below their `caplen`, or `nil` when there were none.
    public var shortWireLengthReport: String? {
        guard let first = firstShortWireLength else { return nil }
        let count = shortWireLengthRecords == 1 ? "1 record" : "\(shortWireLengthRecords) records"
        return "\(name): \(count) with len smaller than caplen (first: packet \(first.packet), len \(first.wireLength), "
            + "caplen \(first.capturedLength)); counted at caplen"
    }

    /// Bytes of the file consumed so far (offline handles), for progress display.
    public var fileOffset: Int64 {
        if let offset = records?.fileOffset { return offset }
        guard let file = pcap_file(handle) else { return 0 }
        return Int64(ftello(file))
    }

    /// Kernel statistics of a live handle: packets received, dropped for lack of buffer, dropped by the interface.
    public func statistics() -> (received: UInt64, dropped: UInt64, interfaceDropped: UInt64)? {
        var stats = pcap_stat()
        guard pcap_stats(handle, &stats) == 0 else { return nil }
        return (UInt64(stats.ps_recv), UInt64(stats.ps_drop), UInt64(stats.ps_ifdrop))
    }

    /// The handle's address as an integer, for `breakLoop(signalSafeAddress:)` from a signal handler.
    public var signalSafeAddress: Int { Int(bitPattern: UnsafeRawPointer(handle)) }

    /// Makes a blocking `dispatch` on the handle at `signalSafeAddress` return (async-signal-safe; 0 does nothing).
    public static func breakLoop(signalSafeAddress: Int) {
        guard let pointer = OpaquePointer(bitPattern: signalSafeAddress) else { return }
        pcap_breakloop(pointer)
    }

    /// Processes up to `count` packets from the ring, calling `callback` with `context` for each
    /// (libpcap's `pcap_dispatch`; the callback must not capture context, pass it through `context`).
    /// - Returns: packets processed, 0 on timeout or after `breakLoop`, or a negative libpcap status.
    public func dispatch(
        count: Int32, context: UnsafeMutableRawPointer,
        callback: @convention(c) (UnsafeMutablePointer<UInt8>?, UnsafePointer<pcap_pkthdr>?, UnsafePointer<UInt8>?)
            -> Void
    ) -> Int32 {
        let status = pcap_dispatch(handle, count, callback, context.assumingMemoryBound(to: UInt8.self))
        return status == PCAP_ERROR_BREAK ? 0 : status
    }
}

/// A packet borrowed from libpcap: valid only until the next read on the same handle.
public struct CapturedPacket {
    /// The captured bytes (at most the snapshot length).
    public let bytes: UnsafeRawBufferPointer
    /// The packet's length on the wire.
    public let wireLength: Int
    /// The capture timestamp.
    public let time: PacketTime

    /// A packet from its parts.
    public init(bytes: UnsafeRawBufferPointer, wireLength: Int, time: PacketTime) {
        self.bytes = bytes
        self.wireLength = wireLength
        self.time = time
    }
}

/// The outcome of one read.
public enum PcapReadResult {
    /// A packet.
    case packet(CapturedPacket)
    /// A live read timed out with no packet.
    case timeout
    /// The end of a file, or `breakLoop` was called.
    case end
    /// libpcap reported an error (for files: a truncated or corrupt record), with its message.
    case failed(String)
}
