/// Case-insensitive (ASCII) file-name globs with `*` (any run) and `?` (one byte), matched together: the ransom-note
/// patterns, checked against the name of every file an SMB client opens, renames or deletes.
///
/// Each pattern keeps the set of bytes it requires: its literal bytes, ASCII-folded, one bit per `byte & 63`. A name
/// that lacks one of them cannot match, so most names are turned away by one pass over their bytes and a mask test
/// per pattern, before any backtracking. The set is only a filter: every name it lets through is matched in full.
struct GlobSet: Sendable {
    private struct Pattern: Sendable {
        var bytes: [UInt8]
        var requiredBytes: UInt64
    }

    private let patterns: [Pattern]

    /// The set of `patterns` (UTF-8; only ASCII letters are folded).
    init(_ patterns: [String]) {
        self.patterns = patterns.map { pattern in
            let bytes = Array(pattern.utf8)
            var required: UInt64 = 0
            for byte in bytes where byte != UInt8(ascii: "*") && byte != UInt8(ascii: "?") {
                required |= Self.bit(byte)
            }
            return Pattern(bytes: bytes, requiredBytes: required)
        }
    }

    /// Whether `text` matches at least one pattern.
    func matchesAny(_ text: Substring) -> Bool {
        guard !patterns.isEmpty else { return false }
        var text = text
        return text.withUTF8 { text in
            var present: UInt64 = 0
            for byte in text { present |= Self.bit(byte) }
            for pattern in patterns where pattern.requiredBytes & ~present == 0 {
                if pattern.bytes.withUnsafeBufferPointer({ Self.glob($0, matches: text) }) { return true }
            }
            return false
        }
    }

    /// The filter bit of `byte`, after ASCII folding.
    @inline(__always)
    private static func bit(_ byte: UInt8) -> UInt64 {
        1 &<< (folded(byte) & 63)
    }

    @inline(__always)
    private static func folded(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// Iterative matching with one backtrack point (the last `*`), over bytes: nothing is allocated.
    private static func glob(_ pattern: UnsafeBufferPointer<UInt8>, matches text: UnsafeBufferPointer<UInt8>) -> Bool {
        var p = 0
        var t = 0
        var starP = -1
        var starT = 0
        while t < text.count {
            if p < pattern.count && (pattern[p] == UInt8(ascii: "?") || folded(pattern[p]) == folded(text[t])) {
                p += 1
                t += 1
            } else if p < pattern.count && pattern[p] == UInt8(ascii: "*") {
                starP = p
                starT = t
                p += 1
            } else if starP >= 0 {
                p = starP + 1
                starT += 1
                t = starT
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
