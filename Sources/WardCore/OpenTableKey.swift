/// A key an ``OpenTable`` can hold.
public protocol OpenTableKey: Equatable {
    /// The key mixed with `seed` into 64 bits whose top bits are well spread (the table indexes by them).
    func openTableHash(seed: UInt64) -> UInt64
}

/// The mixing steps of ``OpenTableKey`` conformances.
public enum OpenTableHash {
    /// `a` and `b` with the seed in both, folded by a full 128-bit multiply (the two halves of the product XORed,
    /// as in aHash's fallback), then spread into the top bits.
    @inlinable
    public static func fold(_ a: UInt64, _ b: UInt64, seed: UInt64) -> UInt64 {
        let product = (a ^ seed).multipliedFullWidth(by: b ^ (seed &* 0x9E37_79B9_7F4A_7C15))
        return (product.high ^ product.low) &* 0xBF58_476D_1CE4_E5B9
    }

    /// A pair of addresses (client and server, sender and receiver), in order.
    @inlinable
    public static func pair(_ first: IPAddress, _ second: IPAddress, seed: UInt64) -> UInt64 {
        fold(first.openTableHash(seed: seed), second.openTableHash(seed: seed), seed: seed)
    }

    /// `value`'s SipHash with the seed, for keys that hold strings.
    @inlinable
    public static func hashing<Value: Hashable>(_ value: Value, seed: UInt64) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(seed)
        hasher.combine(value)
        return UInt64(UInt(bitPattern: hasher.finalize())) &* 0x9E37_79B9_7F4A_7C15
    }
}

extension UInt64: OpenTableKey {
    /// A multiplicative (Fibonacci) hash of the seeded key: sequential keys, such as an SMB connection's message ids,
    /// spread over the top bits.
    @inlinable
    public func openTableHash(seed: UInt64) -> UInt64 {
        (self ^ seed) &* 0x9E37_79B9_7F4A_7C15
    }
}

extension IPAddress: OpenTableKey {
    @inlinable
    public func openTableHash(seed: UInt64) -> UInt64 {
        OpenTableHash.fold(high, low, seed: seed)
    }
}

extension MACAddress: OpenTableKey {
    @inlinable
    public func openTableHash(seed: UInt64) -> UInt64 {
        OpenTableHash.fold(rawValue, 0, seed: seed)
    }
}
