import WardCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads several pcap/pcapng files as one stream in timestamp order (rotated files, or captures of several taps).
///
/// Files are sorted by their first packet's time and opened only when the stream reaches that time, so days of
/// rotated files keep few descriptors open; overlapping files are merged packet by packet. `-` (standard input)
/// and named pipes are streams: they stay open from the start, since their first packet cannot be read twice.
/// Packet bytes are borrowed from libpcap or the record reader: the packet returned by `next()` is valid until the
/// following call, or, for files read into `ReadChunks`, until its chunk is released. Otherwise up to
/// `mostReadAhead` open files at a time are read ahead on threads of their own (`FileReadAhead`); the others, in a
/// merge of many, are read on the caller's thread, so that memory and threads stay bounded.
public struct FileReplay: ~Copyable {
    private struct Source {
        let handle: PcapHandle
        let linkType: Int32
        let size: Int64
        var current: CapturedPacket?
        /// Whether the file was opened to be read ahead.
        var readAhead = false
    }

    /// The most open files read ahead at a time.
    static let mostReadAhead = 4

    private struct Pending {
        let path: String
        let firstTime: PacketTime
        let size: Int64
        /// A stream's handle, kept open with its first packet still unread by `next()`.
        var stream: (handle: PcapHandle, first: CapturedPacket)?
    }

    private var pending: [Pending]
    private var active: [Source] = []
    private var lastReturned = -1
    /// The only file left once nothing else is pending, read without the merge.
    private var lastFile: (handle: Unmanaged<PcapHandle>, linkType: Int32)?
    private let filter: String?
    /// Where files opened from now on read their records into (see `read(into:)`).
    private var chunks: ReadChunks?
    private var finishedBytes: Int64 = 0
    /// Total size of all readable files, for progress.
    public let totalBytes: Int64
    /// Problems met while reading (unreadable files, truncated records), one line each, in order.
    public private(set) var problems: [String] = []

    /// Prepares to read `paths` (files; expand directories first with `FileReplay.expand`).
    ///
    /// Files that cannot be opened are recorded in `problems` and skipped; an invalid `filter` throws.
    /// - Throws: `PcapError.filterInvalid` if the BPF filter does not compile.
    public init(paths: [String], filter: String?) throws(PcapError) {
        self.filter = filter
        var readable: [Pending] = []
        var problems: [String] = []
        for path in paths {
            do {
                let handle = try PcapHandle.openOffline(path: path)
                if let filter { try handle.setFilter(filter) }
                switch handle.next() {
                case .packet(let packet):
                    let size = fileSize(path)
                    let stream = size == nil ? (handle, packet) : nil
                    readable.append(Pending(path: path, firstTime: packet.time, size: size ?? 0, stream: stream))
                case .failed(let message):
                    problems.append(damageReport(path: path, packetsRead: 0, message: message))
                case .end, .timeout:
                    break  // an empty file (or one whose packets the filter rejects) adds nothing
                }
            } catch {
                if error.code == .filterInvalid { throw error }
                problems.append(error.message)
            }
        }
        // Stable order: by first packet time, then by name (rotated files share no times).
        readable.sort { $0.firstTime != $1.firstTime ? $0.firstTime < $1.firstTime : $0.path < $1.path }
        pending = readable.reversed()
        totalBytes = readable.reduce(0) { $0 + $1.size }
        self.problems = problems
    }

    /// The next packet in time order with its link type, or `nil` at the end of all files.
    public mutating func next() -> (packet: CapturedPacket, linkType: Int32)? {
        // The common case, the last (or only) file, its packet just returned: read straight from its handle,
        // without the merge and without storing the packet in `active`.
        if lastReturned == 0, let last = lastFile {
            // `active[0]` holds the handle strongly; reading through the unretained reference costs no reference
            // counting per packet.
            let result = last.handle._withUnsafeGuaranteedRef { $0.next() }
            if case .packet(let packet) = result { return (packet, last.linkType) }
            closeLastFile(after: result)
            return nil
        }
        if lastReturned >= 0 { advance(lastReturned) }
        if pending.isEmpty && active.count == 1, let packet = active[0].current {
            lastReturned = 0
            lastFile = (Unmanaged.passUnretained(active[0].handle), active[0].linkType)
            return (packet, active[0].linkType)
        }
        lastReturned = -1
        while true {
            var best = -1
            for index in active.indices {
                guard let packet = active[index].current else { continue }
                if best < 0 || packet.time < active[best].current!.time { best = index }
            }
            // Open the next file when its first packet comes before what the open files hold.
            if let upcoming = pending.last, best < 0 || upcoming.firstTime <= active[best].current!.time {
                pending.removeLast()
                open(upcoming)
                continue
            }
            guard best >= 0 else { return nil }
            lastReturned = best
            return (active[best].current!, active[best].linkType)
        }
    }

    /// Hands every packet to `body` in time order with its link type, as `next()` returns them, and tells `progress`
    /// the bytes and packets read so far every `interval` packets (a power of two); returns the number of packets.
    /// Once only the last file is left, its packets go to `body` in a loop over its handle, without a call of `next()`
    /// per packet.
    public mutating func forEachPacket(
        progressEvery interval: UInt64, progress: (_ bytesRead: Int64, _ packets: UInt64) -> Void,
        _ body: (CapturedPacket, Int32) -> Void
    ) -> UInt64 {
        let mask = interval - 1
        var packets: UInt64 = 0
        while let (packet, linkType) = next() {
            body(packet, linkType)
            packets &+= 1
            if packets & mask == 0 { progress(bytesRead, packets) }
            guard lastReturned == 0, let last = lastFile else { continue }
            let result = last.handle._withUnsafeGuaranteedRef { handle in
                while true {
                    let result = handle.next()
                    guard case .packet(let packet) = result else { return result }
                    body(packet, last.linkType)
                    packets &+= 1
                    if packets & mask == 0 { progress(bytesRead, packets) }
                }
            }
            closeLastFile(after: result)
        }
        return packets
    }

    /// Ends the last file, at its end or at a damaged record (`result`).
    private mutating func closeLastFile(after result: PcapReadResult) {
        if case .failed(let message) = result {
            let handle = active[0].handle
            problems.append(damageReport(path: handle.name, packetsRead: handle.packetsRead, message: message))
        }
        lastReturned = -1
        lastFile = nil
        close(0)
    }

    /// Makes files opened from now on read their records into `chunks`, so that a packet from such a file stays valid
    /// after the next call, until its chunk is released (`ReadChunks.contains` tells which packets are in one).
    public mutating func read(into chunks: ReadChunks) {
        self.chunks = chunks
    }

    /// Bytes consumed so far over all files, for progress (streams count 0: their size is unknown).
    public var bytesRead: Int64 {
        finishedBytes + active.reduce(0) { $0 + max(0, min($1.handle.fileOffset, $1.size)) }
    }

    private mutating func open(_ file: Pending) {
        if let stream = file.stream {
            active.append(Source(handle: stream.handle, linkType: stream.handle.linkType, size: 0, current: stream.first))
            return
        }
        do {
            let readAhead = chunks == nil && active.count(where: \.readAhead) < Self.mostReadAhead
            let handle = try PcapHandle.openOffline(path: file.path, chunks: chunks, readAhead: readAhead)
            if let filter { try handle.setFilter(filter) }
            active.append(
                Source(handle: handle, linkType: handle.linkType, size: file.size, current: nil, readAhead: readAhead))
            advance(active.count - 1)
        } catch {
            problems.append(error.message)
            finishedBytes += file.size
        }
    }

    private mutating func advance(_ index: Int) {
        switch active[index].handle.next() {
        case .packet(let packet):
            active[index].current = packet
        case .failed(let message):
            let handle = active[index].handle
            problems.append(damageReport(path: handle.name, packetsRead: handle.packetsRead, message: message))
            close(index)
        case .end, .timeout:
            close(index)
        }
    }

    private mutating func close(_ index: Int) {
        if let report = active[index].handle.shortWireLengthReport { problems.append(report) }
        finishedBytes += active[index].size
        active.remove(at: index)
    }

    /// Expands directories into the capture files they hold (sorted by name), leaving files as given.
    public static func expand(_ paths: [String]) -> [String] {
        var result: [String] = []
        for path in paths {
            var status = stat()
            guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
                result.append(path)
                continue
            }
            guard let directory = opendir(path) else {
                result.append(path)
                continue
            }
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name.hasPrefix(".") { continue }
                if name.contains(".pcap") || name.hasSuffix(".cap") {
                    names.append(name)
                }
            }
            closedir(directory)
            result.append(contentsOf: names.sorted().map { path.hasSuffix("/") ? path + $0 : path + "/" + $0 })
        }
        return result
    }
}

/// One line for a file that stops at a damaged record: the file, how far it was read, and libpcap's reason.
private func damageReport(path: String, packetsRead: Int, message: String) -> String {
    let position = packetsRead == 0 ? "no packet read" : "stopped after packet \(packetsRead)"
    return "\(path): \(position): \(message)"
}

/// The size of a regular file, or `nil` for a stream (`-`, a named pipe, a device) that can be read only once.
private func fileSize(_ path: String) -> Int64? {
    var status = stat()
    guard path != "-", stat(path, &status) == 0 else { return path == "-" ? nil : 0 }
    return status.st_mode & S_IFMT == S_IFREG ? Int64(status.st_size) : nil
}
