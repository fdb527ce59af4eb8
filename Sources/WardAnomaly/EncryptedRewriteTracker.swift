import WardCore

/// Files rewritten in place over SMB3 encryption, seen through message sizes only.
///
/// Encryption hides names and contents, but not each message's plaintext size. Ransomware reads a file and writes it
/// back encrypted with the same length (or overwrites a file it has just listed with the same length), so its WRITE
/// requests carry exactly the data sizes that READ responses or earlier WRITEs to that server carried moments before.
/// Per client→server pair this keeps the data sizes seen recently and counts, within the ransomware window, distinct
/// WRITE sizes that repeat one of them ("rewrites"). Sizes that are multiples of 4 KiB are ignored: full chunks of
/// large transfers all have the same size and say nothing about files.
struct EncryptedRewriteTracker {
    /// SMB2 WRITE request: 64-byte header + 48-byte body before the data ([MS-SMB2] §2.2.21, DataOffset 0x70).
    static let writeRequestOverhead: UInt32 = 112
    /// SMB2 READ response: 64-byte header + 16-byte body before the data (§2.2.20, DataOffset 0x50).
    static let readResponseOverhead: UInt32 = 80
    /// Least data size that counts as file content.
    static let minimumDataSize: UInt32 = 512
    /// Per pair: sizes remembered, and rewrites kept in the window; pairs followed at once. Anyone can send
    /// TRANSFORM-framed messages to port 445, so together these bound the memory (at most some 20 MB).
    static let maximumKnownSizes = 1024
    static let maximumRewrites = 256
    static let maximumPairs = 1024
    /// How long a size is remembered (packet time): long enough for read-then-write, short enough that a nightly job
    /// writing the same files again is not a rewrite.
    static let sizeHorizonSeconds = 3600.0

    struct Rewrite {
        var size: UInt32
        var time: PacketTime
        var uid: UInt64
    }

    private struct PairState {
        var sizes: [UInt32: PacketTime] = [:]
        var order: [UInt32] = []
        var rewrites: [Rewrite] = []
    }

    private var pairs: BoundedTable<RansomwareDetector.Pair, PairState>

    init(capacity: Int) {
        pairs = BoundedTable(capacity: min(capacity, Self.maximumPairs))
    }

    var evictions: Int { pairs.evictions }

    /// Takes one encrypted message; returns the rewrites in the window when a WRITE just added one, else `nil`.
    mutating func observe(
        _ pair: RansomwareDetector.Pair, fromClient: Bool, size: UInt32, time: PacketTime, uid: UInt64,
        windowSeconds: Double
    ) -> [Rewrite]? {
        let overhead = fromClient ? Self.writeRequestOverhead : Self.readResponseOverhead
        guard size >= overhead + Self.minimumDataSize else { return nil }
        let data = size - overhead
        guard data % 4096 != 0 else { return nil }
        let window = windowSeconds.nanoseconds
        let horizon = Self.sizeHorizonSeconds.nanoseconds
        return pairs.update(pair, default: PairState()) { state -> [Rewrite]? in
            var added = false
            if fromClient, let seen = state.sizes[data], time.nanoseconds(since: seen) <= horizon {
                state.rewrites.removeAll { time.nanoseconds(since: $0.time) > window }
                if !state.rewrites.contains(where: { $0.size == data }) && state.rewrites.count < Self.maximumRewrites {
                    state.rewrites.append(Rewrite(size: data, time: time, uid: uid))
                    added = true
                }
            }
            if state.sizes.updateValue(time, forKey: data) == nil {
                state.order.append(data)
                if state.order.count > Self.maximumKnownSizes {
                    state.sizes[state.order.removeFirst()] = nil
                }
            }
            return added ? state.rewrites : nil
        }
    }

    /// Forgets the pair's rewrites (after an alert, so the next one needs new evidence).
    mutating func reset(_ pair: RansomwareDetector.Pair) {
        pairs.update(pair, default: PairState()) { $0.rewrites.removeAll() }
    }
}
