#if canImport(Glibc)
import Glibc
#endif

/// Names the calling thread as `top -H`, `ps -L`, `perf` and `/proc/PID/task/TID/comm` show it (Linux keeps at most
/// 15 bytes).
///
/// Written to the kernel directly, through `/proc/thread-self/comm`: Foundation's `Thread.current.name` applies a
/// name through the handle that `Thread.start()` stores only after the new thread exists, so a thread that names
/// itself first, before the starting thread gets there, silently keeps its parent's name (seen once in a test of
/// `live --workers 2`).
public enum ThreadName {
    /// Names the calling thread `name` (cut to 15 bytes); a failure leaves the name as it was.
    public static func set(_ name: String) {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
