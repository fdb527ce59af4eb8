import WardCore

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
        for index in 0..<taken {
            counts[Int(bytes.loadUInt8(at: index))] &+= 1
        }
        sampledBytes += taken
        return taken
    }

    /// Shannon entropy in bits per byte (0…8), or `nil` when nothing was sampled.
    public var shannonBitsPerByte: Double? {
        guard sampledBytes > 0 else { return nil }
        let total = Double(sampledBytes)
        var entropy = 0.0
        for count in counts where count > 0 {
            let p = Double(count) / total
            entropy -= p * binaryLogarithm(p)
        }
        return max(0, entropy)
    }

    /// Pearson's χ² statistic against a uniform byte distribution (255 degrees of freedom; ≈255 for random data),
    /// or `nil` when nothing was sampled.
    public var chiSquare: Double? {
        guard sampledBytes > 0 else { return nil }
        let expected = Double(sampledBytes) / 256
        var sum = 0.0
        for count in counts {
            let difference = Double(count) - expected
            sum += difference * difference / expected
        }
        return sum
    }
}

/// log₂(x) for finite x > 0 without Foundation: exponent plus ln(significand)/ln 2 by the atanh series.
func binaryLogarithm(_ x: Double) -> Double {
    guard x > 0, x.isFinite else { return x == 0 ? -.infinity : .nan }
    var exponent = Double(x.exponent)
    var significand = x.significand  // in [1, 2)
    if significand > 1.414_213_562_373_095 {  // centre on 1 so the series converges fast
        significand /= 2
        exponent += 1
    }
    let y = (significand - 1) / (significand + 1)
    let y2 = y * y
    var term = y
    var sum = 0.0
    var k = 1.0
    while k < 60 {
        sum += term / k
        term *= y2
        k += 2
    }
    return exponent + 2 * sum / 0.693_147_180_559_945_3
}
