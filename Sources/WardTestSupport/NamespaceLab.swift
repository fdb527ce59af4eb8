import Foundation

/// Two network namespaces joined by a veth pair, for live-capture tests: `sensor` holds `wwl0` (198.51.100.1),
/// `peer` holds `wwl1` (198.51.100.2). Traffic never leaves them. Needs root; `tearDown` removes everything.
public struct NamespaceLab {
    /// The namespace where the sensor captures.
    public let sensor: String
    /// The namespace that sends traffic.
    public let peer: String

    /// A lab whose namespaces are named after `name` and this process.
    public init(name: String) {
        sensor = "\(name)-a-\(getpid())"
        peer = "\(name)-b-\(getpid())"
    }

    /// Whether namespaces can be made here (root, `ip`, a kernel that allows them).
    public static let available: Bool = {
        guard getuid() == 0, let ip = which("ip") else { return false }
        let probe = "wwprobe-\(getpid())"
        guard (try? runCommand(ip, ["netns", "add", probe]))?.status == 0 else { return false }
        _ = try? runCommand(ip, ["netns", "del", probe])
        return true
    }()

    /// A lab named after `name`, freshly made: leftovers of an earlier run are removed first. Pair it with
    /// `defer { lab.tearDown() }`.
    public static func started(name: String) throws -> NamespaceLab {
        let lab = NamespaceLab(name: name)
        lab.tearDown()
        try lab.up()
        return lab
    }

    /// Creates the namespaces and the veth pair, addressed and up.
    public func up() throws {
        try run("ip", "netns", "add", sensor)
        try run("ip", "netns", "add", peer)
        try run("ip", "link", "add", "wwl0", "netns", sensor, "type", "veth", "peer", "name", "wwl1", "netns", peer)
        try run("ip", "-n", sensor, "addr", "add", "198.51.100.1/24", "dev", "wwl0")
        try run("ip", "-n", peer, "addr", "add", "198.51.100.2/24", "dev", "wwl1")
        for (namespace, device) in [(sensor, "wwl0"), (peer, "wwl1")] {
            try run("ip", "-n", namespace, "link", "set", device, "up")
            try run("ip", "-n", namespace, "link", "set", "lo", "up")
        }
    }

    /// Removes both namespaces (and with them the veth pair).
    public func tearDown() {
        let ip = which("ip") ?? "/usr/sbin/ip"
        _ = try? runCommand(ip, ["netns", "del", sensor])
        _ = try? runCommand(ip, ["netns", "del", peer])
    }

    /// Runs a command inside `namespace`.
    public func exec(in namespace: String, _ arguments: [String]) throws -> CommandResult {
        try runCommand(which("ip") ?? "/usr/sbin/ip", ["netns", "exec", namespace] + arguments)
    }

    private func run(_ arguments: String...) throws {
        let result = try runCommand(which(arguments[0]) ?? "/usr/sbin/\(arguments[0])", Array(arguments.dropFirst()))
        guard result.status == 0 else { throw Failure(command: arguments.joined(separator: " "), error: result.error) }
    }

    /// A lab command that failed.
    public struct Failure: Error {
        /// The command.
        public let command: String
        /// What it printed on standard error.
        public let error: String
    }
}
