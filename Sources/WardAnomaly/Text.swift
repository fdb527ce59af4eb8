import WardCore

/// Small text helpers for alert messages (no Foundation): numbers with fixed decimals, case, names, extensions.
enum Text {
    /// `value` with `decimals` fractional digits (`1.25` → `"1.3"` for one decimal).
    static func number(_ value: Double, decimals: Int = 1) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9.0e18 else { return value < 0 ? "-inf" : "inf" }
        let integer = UInt64(scaled)
        let unit = UInt64(scale)
        var text = value < 0 && integer > 0 ? "-" : ""
        text += String(integer / unit)
        if decimals > 0 {
            var fraction = String(integer % unit)
            while fraction.count < decimals { fraction = "0" + fraction }
            text += "." + fraction
        }
        return text
    }

    /// A whole count with thousands separators (`1240` → `"1,240"`).
    static func count<N: BinaryInteger>(_ value: N) -> String {
        let digits = Array(String(value.magnitude))
        var text = value < 0 ? "-" : ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return text
    }

    /// Seconds from nanoseconds, for messages.
    static func seconds(_ nanoseconds: Int64) -> String {
        number(Double(nanoseconds) / 1e9, decimals: nanoseconds < 10_000_000_000 ? 1 : 0)
    }

    /// ASCII lower-casing (names on the wire are compared case-insensitively, as Windows does).
    static func lowercased(_ text: String) -> String {
        var text = text
        return text.withUTF8 { mapped($0[...], lowercasedASCII) }
    }

    /// ASCII upper-casing.
    static func uppercased(_ text: String) -> String {
        var text = text
        return text.withUTF8 { mapped($0[...]) { $0 >= 0x61 && $0 <= 0x7A ? $0 & 0xDF : $0 } }
    }

    /// Whether `a` and `b` are equal but for ASCII letter case (as Windows compares share and pipe names), over
    /// their UTF-8 bytes: no lower- or upper-cased copies.
    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a
        var b = b
        return a.withUTF8 { a in
            b.withUTF8 { b in zip(a, b).allSatisfy { lowercasedASCII($0) == lowercasedASCII($1) } }
        }
    }

    private static func lowercasedASCII(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// `bytes` (UTF-8) as a string with every byte passed through `transform`, written straight into the new string's
    /// storage. `transform` must map ASCII to ASCII and leave other bytes alone, so the result stays valid UTF-8.
    private static func mapped(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, _ transform: (UInt8) -> UInt8) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { buffer in
            for (index, byte) in zip(buffer.indices, bytes) { buffer[index] = transform(byte) }
            return bytes.count
        }
    }

    /// The last path component of a Windows or POSIX path. The separator is looked for in the string's own UTF-8
    /// storage: through `String.UTF8View` indices the search cost about eight instructions a byte.
    static func baseName(_ path: String) -> Substring {
        var contiguous = path
        let separator = contiguous.withUTF8 { bytes in
            bytes.lastIndex { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "/") }
        }
        guard let separator else { return path[...] }
        return path[path.utf8.index(path.utf8.startIndex, offsetBy: separator + 1)...]
    }

    /// The lower-cased extension of a file name without the dot (`"scan.DCM.lockbit"` → `"lockbit"`), or `""`.
    /// Found over the UTF-8 bytes: this runs for every file an SMB client opens or renames.
    static func fileExtension(_ path: String) -> String {
        fileExtension(ofBaseName: baseName(path))
    }

    /// ``fileExtension(_:)`` of a name that ``baseName(_:)`` gave already.
    static func fileExtension(ofBaseName name: Substring) -> String {
        var name = name
        return name.withUTF8 { bytes in
            guard let dot = bytes.lastIndex(of: UInt8(ascii: ".")) else { return "" }
            let length = bytes.count - dot - 1
            // A leading dot (".profile") is no extension.
            guard dot > 0, (1...32).contains(length) else { return "" }
            return mapped(bytes[(dot + 1)...], lowercasedASCII)
        }
    }

    /// `name` ready for ``host(_:isWithin:)``: lower-cased, a trailing dot removed.
    static func hostName(_ name: String) -> String {
        var host = lowercased(name)
        if host.hasSuffix(".") { host.removeLast() }
        return host
    }

    /// Whether `host` (from ``hostName(_:)``) equals `domain` (lower-case) or is a subdomain of it. Compared over
    /// the UTF-8 bytes: a query is checked against every domain of a list, and building `"." + domain` and
    /// lower-casing both sides for each cost two strings per domain.
    static func host(_ host: String, isWithin domain: String) -> Bool {
        var host = host
        var domain = domain
        return host.withUTF8 { host in
            domain.withUTF8 { domain in
                guard !domain.isEmpty, host.count >= domain.count else { return false }
                let start = host.count - domain.count
                guard start == 0 || host[start - 1] == UInt8(ascii: ".") else { return false }
                return UnsafeBufferPointer(rebasing: host[start...]).elementsEqual(domain)
            }
        }
    }
}
