import WardCore

/// Writes a message's UTF-8 straight into a new string's storage, piece by piece: for messages made once per event
/// of a kind that can come in floods (every new device is an `unknown_mac` alert), where appending to a `String`
/// cost some 340 instructions a piece and the address and number pieces each made a string first.
///
/// The caller gives the most the pieces can take; a piece that might not fit whole is left out (so the text stays
/// valid UTF-8 whatever the inputs): text by its length, an address or a number by its longest form.
struct MessageWriter {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var count = 0

    /// The string that `body` writes, of at most `capacity` bytes.
    static func string(capacity: Int, _ body: (inout MessageWriter) -> Void) -> String {
        String(unsafeUninitializedCapacity: capacity) { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            var writer = MessageWriter(base: base, capacity: buffer.count)
            body(&writer)
            return writer.count
        }
    }

    private init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    /// Whether `length` more bytes fit.
    private func fits(_ length: Int) -> Bool { length <= capacity &- count }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append(UnsafeRawBufferPointer($0)) }
    }

    /// Disfavoured so that a literal argument picks the `StaticString` overload.
    @_disfavoredOverload
    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// UTF-8 bytes (whole sequences: a piece is written whole or not at all).
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, fits(bytes.count) else { return }
        UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: bytes.count)
        count &+= bytes.count
    }

    mutating func append(_ address: IPAddress) {
        guard fits(IPAddress.maximumTextLength) else { return }
        count &+= address.writeText(to: base + count)
    }

    mutating func append(_ mac: MACAddress) {
        guard fits(MACAddress.textLength) else { return }
        mac.writeText(to: base + count)
        count &+= MACAddress.textLength
    }

    /// A whole number in decimal.
    mutating func append(decimal value: Int) {
        guard fits(21) else { return }
        if value < 0 {
            base[count] = UInt8(ascii: "-")
            count &+= 1
        }
        count &+= writeDecimal(UInt64(value.magnitude), to: base + count)
    }
}
