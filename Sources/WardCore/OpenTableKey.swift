/// A key an ``OpenTable`` can hold.
public protocol OpenTableKey: Equatable {
    /// The key mixed with `seed` into 64 bits whose top bits are well spread (the table indexes by them).
    func openTableHash(seed: UInt64) -> UInt64
}

/// The mixing steps of ``OpenTableKey`` conformances.
public enum OpenTableHash {
    /// The seed every ``OpenTable`` of this process hashes with: a key that is costly to hash (one holding strings)
    /// may work out its hash once with it when it is made, and return that for this seed.
    @inlinable
    public static var processSeed: UInt64 { OpenTableSeed.value }

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

    /// `text`'s UTF-8 bytes folded eight at a time with the seed, the length in the last fold: for keys that hold
    /// strings (rule names, AE titles, application names), where SipHash through `Hasher` cost more than the rest of
    /// the table's work. Strings equal byte for byte hash alike. `==` on `String` is canonical equivalence, which
    /// also equates a few byte-different spellings of text that is not NFC; such a pair may hash apart, and then at
    /// worst one key is held twice.
    public static func string(_ text: String, seed: UInt64) -> UInt64 {
        var text = text
        return text.withUTF8 { bytes in
            // Odd constants (digits of pi) keep a zero word or an empty string from zeroing a product.
            var hash = 0x243F_6A88_85A3_08D3 ^ UInt64(bytes.count)
            var offset = 0
            while offset + 8 <= bytes.count {
                let word = UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                hash = fold(hash ^ word, 0x1319_8A2E_0370_7345, seed: seed)
                offset += 8
            }
            var tail: UInt64 = 0
            while offset < bytes.count {
                tail = tail << 8 | UInt64(bytes[offset])
                offset += 1
            }
            return fold(hash ^ tail, 0xA409_3822_299F_31D1 ^ UInt64(bytes.count), seed: seed)
        }
    }

    /// Two strings of a key, in order (the second is multiplied before the two are combined, so that swapping them
    /// changes the hash): the string part of keys such as a rule and its detail, or a pair of AE titles.
    @inlinable
    public static func strings(_ first: String, _ second: String, seed: UInt64) -> UInt64 {
        string(first, seed: seed) ^ string(second, seed: seed) &* 3
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

extension UInt32: OpenTableKey {
    /// As for `UInt64`; a 32-bit key keeps a table's empty entries to 8 bytes (the MAC vendor registry's OUIs).
    @inlinable
    public func openTableHash(seed: UInt64) -> UInt64 {
        (UInt64(self) ^ seed) &* 0x9E37_79B9_7F4A_7C15
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
