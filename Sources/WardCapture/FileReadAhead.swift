import Synchronization
import WardCore

#if canImport(Glibc)
import Glibc
#endif

/// Reads a regular file on a thread of its own, a few blocks ahead of its reader, so that the kernel's copy from the
/// page cache (about a quarter of a one-worker replay of the hospital mix) runs beside the parse instead of inside it.
/// (From a cold disk the kernel's own read-ahead already overlaps the disk with the parse.)
///
/// The file is read into `blockCount` blocks of `blockBytes`, in turn; the reader takes them in order and hands each
/// back once it has moved on. In front of every block lies room for the longest record, where the reader puts the
/// unread end of the block before it, so that a record never straddles two blocks. A block shorter than
/// `blockBytes` is the file's last: its end, or where reading failed. A reader allowed only one CPU (`taskset`, a
/// cgroup's cpuset) reads on its own thread: sharing that CPU, the thread reading ahead would only add its switches
/// and push the blocks out of the cache before they are parsed.
final class FileReadAhead: @unchecked Sendable {
    /// One block, as the reader takes it.
    struct Block {
        /// Where the block's bytes start; `room` bytes in front of them are free for the reader.
        let bytes: UnsafeMutableRawPointer
        /// How many bytes were read into it.
        let count: Int
        /// `errno` of a read that failed after those bytes, or 0.
        let error: Int32
    }

    /// Bytes per block: the size measured best for `read(2)` on the mix (Benchmarks/README.md).
    static let blockBytes = 1 << 20
    /// Blocks read ahead: four megabytes, a few milliseconds of parsing.
    static let blockCount = 4
    /// The room in front of each block: the longest record with its header, cache-line aligned.
    static let room = (16 + Int(PcapRecordReader.maximumCapturedLength) + 63) & ~63
    private static let stride = room + blockBytes

    private let descriptor: Int32
    private let memory: UnsafeMutableRawPointer
    private let counts: UnsafeMutablePointer<Int>
    private let errors: UnsafeMutablePointer<Int32>
    /// Blocks filled so far; written by the thread reading ahead.
    private let filled = Atomic<Int>(0)
    /// Blocks handed back so far; written by the reader.
    private let released = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private var thread = pthread_t()
    /// Blocks taken by the reader (reader only).
    private var taken = 0

    /// Starts reading `descriptor` ahead from its current offset; `nil` when the calling thread may run on one CPU
    /// only or no thread could be started. The descriptor stays its caller's: close it only after `stop()`.
    static func start(descriptor: Int32) -> FileReadAhead? {
        guard allowedCPUs() > 1 else { return nil }
        let ahead = FileReadAhead(descriptor: descriptor)
        let context = Unmanaged.passRetained(ahead).toOpaque()
        let started = pthread_create(&ahead.thread, nil, { context in
            let ahead = Unmanaged<FileReadAhead>.fromOpaque(context!).takeRetainedValue()
            ThreadName.set("ww-read-ahead")
            ahead.fill()
            return nil
        }, context)
        guard started == 0 else {
            Unmanaged<FileReadAhead>.fromOpaque(context).release()
            return nil
        }
        return ahead
    }

    /// How many CPUs the calling thread may run on, from its `Cpus_allowed` mask in `/proc` (1 if unreadable).
    static func allowedCPUs() -> Int {
        guard let status = fopen("/proc/thread-self/status", "r") else { return 1 }
        defer { fclose(status) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, status) > 0, let line {
            let text = String(cString: line)
            guard text.hasPrefix("Cpus_allowed:") else { continue }
            return text.dropFirst(13).reduce(0) { $0 + ($1.hexDigitValue?.nonzeroBitCount ?? 0) }
        }
        return 1
    }

    private init(descriptor: Int32) {
        self.descriptor = descriptor
        memory = .allocate(byteCount: Self.blockCount * Self.stride, alignment: 64)
        counts = .allocate(capacity: Self.blockCount)
        errors = .allocate(capacity: Self.blockCount)
    }

    deinit {
        memory.deallocate()
        counts.deallocate()
        errors.deallocate()
    }

    /// The next block, waiting until it is read. Reader only; call only while the blocks so far were full.
    func next() -> Block {
        var wait = Backoff()
        while filled.load(ordering: .acquiring) <= taken { wait.pause() }
        let slot = taken % Self.blockCount
        taken += 1
        return Block(bytes: memory + slot * Self.stride + Self.room, count: counts[slot], error: errors[slot])
    }

    /// Hands back the oldest block taken and not yet handed back, for the file's next bytes. Reader only.
    func releaseOldest() {
        released.add(1, ordering: .releasing)
    }

    /// Stops reading ahead and waits for the thread to end. Call once, before closing the descriptor.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        pthread_join(thread, nil)
    }

    /// The thread's work: fills blocks in turn while one is free, until the file ends or reading fails.
    private func fill() {
        var index = 0
        var wait = Backoff(firstSleepMicroseconds: 200)
        while !stopping.load(ordering: .relaxed) {
            guard index - released.load(ordering: .acquiring) < Self.blockCount else {
                wait.pause()
                continue
            }
            wait = Backoff(firstSleepMicroseconds: 200)
            let slot = index % Self.blockCount
            let bytes = memory + slot * Self.stride + Self.room
            var count = 0
            var error: Int32 = 0
            while count < Self.blockBytes {
                let got = read(descriptor, bytes + count, Self.blockBytes - count)
                if got > 0 {
                    count += got
                } else if got == 0 {
                    break
                } else if errno != EINTR {
                    error = errno
                    break
                }
            }
            counts[slot] = count
            errors[slot] = error
            index += 1
            filled.store(index, ordering: .releasing)
            if count < Self.blockBytes { return }
        }
    }
}
