#if canImport(Glibc)
import Glibc
#endif

/// Waiting for the thread on the other side of a ring or a buffer (a consumer to make room, a producer to fill a
/// block): the first tries only yield the CPU (the other side usually answers within microseconds), later ones sleep
/// a little, then 200 µs at a time, so that a thread held up for long (a slow collector, a busy worker, a slow disk)
/// does not spin on a core the other threads need.
public struct Backoff {
    private var tries = 0
    private let firstSleepMicroseconds: UInt32

    /// A wait whose first sleeps (after 16 yields, up to the 64th try) last `firstSleepMicroseconds`.
    public init(firstSleepMicroseconds: UInt32 = 20) {
        self.firstSleepMicroseconds = firstSleepMicroseconds
    }

    /// Waits once; call again while the other side has still not answered.
    public mutating func pause() {
        tries += 1
        if tries <= 16 {
            sched_yield()
        } else {
            usleep(tries <= 64 ? firstSleepMicroseconds : 200)
        }
    }
}
