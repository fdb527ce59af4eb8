import WardCore

#if canImport(Glibc)
import Glibc
#endif

/// A byte histogram over a bounded sample of the bytes written to one file, giving Shannon entropy (bits per byte)
/// and Pearson's χ² against the uniform distribution: the ransomware signal of DESIGN.md "Detection principles".
///
/// Only these statistics leave the analyzer; the bytes themselves are never kept.
public struct WriteEntropy: Sendable, Equatable {
    private var counts: [UInt32] = []
    /// How many bytes were sampled.
    public private(set) var sampledBytes: Int = 0

    /// An empty sample (allocates its 256 counters on the first byte).
    public init() {}

    /// Adds `bytes` to the sample, at most `limit` of them; returns how many were taken.
    @discardableResult
    public mutating func add(_ bytes: RawSpan, limit: Int) -> Int {
        let taken = min(bytes.byteCount, max(0, limit))
        guard taken > 0 else { return 0 }
        if counts.isEmpty { counts = [UInt32](repeating: 0, count: 256) }
        // Through raw pointers: a byte indexes a 256-entry table, so no bound needs checking per byte.
        counts.withUnsafeMutableBufferPointer { table in
            bytes.withUnsafeBytes { raw in
                for index in 0..<taken { table[Int(raw[index])] &+= 1 }
            }
        }
        sampledBytes += taken
        return taken
    }

    /// Shannon entropy in bits per byte (0…8), or `nil` when nothing was sampled.
    public var shannonBitsPerByte: Double? { statistics?.shannonBitsPerByte }

    /// Pearson's χ² statistic against a uniform byte distribution (255 degrees of freedom; ≈255 for random data),
    /// or `nil` when nothing was sampled.
    public var chiSquare: Double? { statistics?.chiSquare }

    /// Both statistics, or `nil` when nothing was sampled.
    ///
    /// χ² = Σ (c − e)² / e with e = N / 256 is Σ c² / e − N: the squares are summed exactly in integers, so the
    /// statistic costs one division instead of one per counter. The entropy's terms are added in counter order.
    public var statistics: (shannonBitsPerByte: Double, chiSquare: Double)? {
        guard sampledBytes > 0 else { return nil }
        let total = Double(sampledBytes)
        var entropy = 0.0
        var squares: UInt64 = 0
        // Small samples repeat small counts: each one's entropy term is worked out once (the same expression, so the
        // sum is bit for bit what a `log2` per byte value gives).
        var smallCountTerms = InlineArray<64, Double>(repeating: .nan)
        for count in counts where count > 0 {
            squares &+= UInt64(count) &* UInt64(count)
            let small = count < 64
            if small, !smallCountTerms[Int(count)].isNaN {
                entropy -= smallCountTerms[Int(count)]
                continue
            }
            let p = Double(count) / total
            let term = p * log2(p)
            if small { smallCountTerms[Int(count)] = term }
            entropy -= term
        }
        let chiSquare = Double(squares) * 256 / total - total
        return (max(0, entropy), max(0, chiSquare))
    }
}
