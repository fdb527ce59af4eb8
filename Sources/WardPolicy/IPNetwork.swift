import WardAnomaly
import WardCore

/// An IPv4 or IPv6 network in CIDR notation (`172.16.10.0/24`, `2001:db8:20::/64`); a bare address is a host route.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The network address with host bits cleared.
    public var network: IPAddress
    /// The prefix length in the address's own family (0–32 for IPv4, 0–128 for IPv6).
    public var prefixLength: Int

    /// The prefix length in the 128-bit space IPv4 addresses are held in (IPv4-mapped: 96 + n).
    public var mappedPrefixLength: Int { network.isIPv4 ? 96 + prefixLength : prefixLength }

    /// Parses CIDR text; `nil` with a reason on failure.
    public static func parse(_ text: String) -> Result<IPNetwork, ParseFailure> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(String(parts[0])) else {
            return .failure(ParseFailure(reason: "\"\(text)\" is not an IPv4 or IPv6 network (a.b.c.d/n or x:y::/n)"))
        }
        let maximum = address.isIPv4 ? 32 : 128
        var length = maximum
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...maximum).contains(value) else {
                return .failure(
                    ParseFailure(reason: "bad CIDR \"\(text)\" (prefix length must be 0–\(maximum) for \(address.isIPv4 ? "IPv4" : "IPv6"))"))
            }
            length = value
        }
        let mapped = address.isIPv4 ? 96 + length : length
        return .success(IPNetwork(network: ZoneMap.mask(address, length: mapped), prefixLength: length))
    }

    /// Why CIDR text did not parse.
    public struct ParseFailure: Error, Sendable {
        public var reason: String
    }

    /// Whether `address` is inside the network.
    public func contains(_ address: IPAddress) -> Bool {
        address.isIPv4 == network.isIPv4 && ZoneMap.mask(address, length: mappedPrefixLength) == network
    }

    public var description: String { "\(network)/\(prefixLength)" }
}
