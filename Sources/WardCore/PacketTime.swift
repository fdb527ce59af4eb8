/// A packet's capture time in nanoseconds since the Unix epoch: the only clock the engine uses.
///
/// Timeouts, windows and statistics all run on packet time, so that a replay of a capture gives the same
/// results as the live run that recorded it (Zeek's `network_time()`).
public struct PacketTime: Comparable, Hashable, Sendable, BitwiseCopyable {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    public var nanoseconds: Int64

    /// A time from nanoseconds since the epoch.
    @inlinable
    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// A time from whole seconds and a nanosecond fraction, saturating instead of overflowing.
    @inlinable
    public init(seconds: Int64, nanoseconds fraction: Int64) {
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self.nanoseconds = overflow ? (seconds < 0 ? .min : .max) : scaled &+ fraction
    }

    /// The epoch itself, used before the first packet.
    @inlinable public static var zero: PacketTime { PacketTime(nanoseconds: 0) }

    @inlinable
    public static func < (lhs: PacketTime, rhs: PacketTime) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    /// This time plus a duration in nanoseconds, saturating.
    @inlinable
    public func advanced(byNanoseconds delta: Int64) -> PacketTime {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(delta)
        return PacketTime(nanoseconds: overflow ? .max : sum)
    }

    /// Nanoseconds from `earlier` to this time, saturating.
    @inlinable
    public func nanoseconds(since earlier: PacketTime) -> Int64 {
        let (difference, overflow) = nanoseconds.subtractingReportingOverflow(earlier.nanoseconds)
        return overflow ? .max : difference
    }
}
