/// What a destination has done so far. Every message handed to `send` ends up in exactly one of `sent`,
/// `dropped` or is still `queued`/`spoolPending` (plus `retransmitted`, which counts second sends, see
/// `SyslogDestination`).
public struct SyslogCounters: Sendable, Equatable {
    /// Messages written to the kernel (UDP/unix datagram: sent; TCP/TLS: written and acknowledged by the peer's TCP).
    public var sent: UInt64 = 0
    /// Messages in memory now (queue plus written-but-unacknowledged).
    public var queued: UInt64 = 0
    /// Messages ever written to the spool file.
    public var spooled: UInt64 = 0
    /// Messages in the spool file now, not yet delivered.
    public var spoolPending: UInt64 = 0
    /// Messages dropped because the queue was full and there was no spool or it was full.
    public var droppedQueueFull: UInt64 = 0
    /// UDP messages larger than `udpMaximumMessageSize` (never truncated: JSON cut in half is garbage).
    public var droppedOversize: UInt64 = 0
    /// Messages that could not be written to the spool file (disk error).
    public var droppedSpoolError: UInt64 = 0
    /// Messages still undelivered when `close` ran without a spool to keep them.
    public var droppedAtShutdown: UInt64 = 0
    /// Successful (re)connections after the first one.
    public var reconnects: UInt64 = 0
    /// Failed connection attempts.
    public var connectFailures: UInt64 = 0
    /// TCP/TLS messages written again on a new connection because the old one broke before the peer's TCP
    /// acknowledged them.
    public var retransmitted: UInt64 = 0

    /// All drops.
    public var dropped: UInt64 { droppedQueueFull + droppedOversize + droppedSpoolError + droppedAtShutdown }
}
