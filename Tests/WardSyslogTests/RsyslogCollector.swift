import Foundation
import Testing
import WardTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A real rsyslogd on 127.0.0.1 for one test: imudp, imtcp (plain and, with certificates, TLS through the ossl
/// driver) on free ports, imuxsock on a socket in the temp directory, mmjsonparse, and omfile writing
/// `APP-NAME<TAB>MSGID<TAB>PRI<TAB>JSON` per parsed message (`received.tsv`) and the raw message of anything
/// mmjsonparse rejected (`rejected.log`).
final class RsyslogCollector {
    let directory: URL
    let udpPort: UInt16
    let tcpPort: UInt16
    let tlsPort: UInt16
    var socketPath: String { directory.appendingPathComponent("log.sock").path }
    var certificatePath: String { directory.appendingPathComponent("cert.pem").path }
    private var process: Process?

    /// The rsyslogd binary (Debian installs it in /usr/sbin, often not on a user's PATH).
    static var executable: String? {
        which("rsyslogd") ?? (FileManager.default.isExecutableFile(atPath: "/usr/sbin/rsyslogd") ? "/usr/sbin/rsyslogd" : nil)
    }

    /// Whether the ossl network stream driver (Debian package rsyslog-openssl) is installed.
    static var hasTLSDriver: Bool {
        ["/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so", "/usr/lib/aarch64-linux-gnu/rsyslog/lmnsd_ossl.so", "/usr/lib/rsyslog/lmnsd_ossl.so"]
            .contains { FileManager.default.fileExists(atPath: $0) }
    }

    /// Writes the configuration (and, with `tls`, a self-signed certificate for 127.0.0.1) and starts rsyslogd.
    init(tls: Bool = false) throws {
        directory = try Fixtures.temporaryDirectory()
        udpPort = try freePort(datagram: true)
        tcpPort = try freePort(datagram: false)
        tlsPort = tls ? try freePort(datagram: false) : 0
        if tls {
            let openssl = try #require(which("openssl"))
            let result = try runCommand(
                openssl,
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", directory.appendingPathComponent("key.pem").path, "-out", certificatePath,
                ])
            try #require(result.status == 0, "openssl req failed: \(result.error)")
        }
        try writeConfiguration(tls: tls)
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private func writeConfiguration(tls: Bool) throws {
        let dir = directory.path
        var text = """
            global(workDirectory="\(dir)" maxMessageSize="128k"
            """
        if tls {
            text += """
                 defaultNetstreamDriverCAFile="\(certificatePath)" defaultNetstreamDriverCertFile="\(certificatePath)"
                 defaultNetstreamDriverKeyFile="\(dir)/key.pem"
                """
        }
        text += """
            )
            module(load="imudp")
            module(load="imtcp" maxSessions="50")
            module(load="imuxsock" SysSock.Use="off")
            module(load="mmjsonparse")
            input(type="imudp" address="127.0.0.1" port="\(udpPort)" rcvBufSize="8m")
            input(type="imtcp" address="127.0.0.1" port="\(tcpPort)")
            input(type="imuxsock" Socket="\(dir)/log.sock" RateLimit.Interval="0"
                  UseSpecialParser="off" ParseHostname="on")

            """
        if tls {
            text += """
                input(type="imtcp" address="127.0.0.1" port="\(tlsPort)" streamDriver.name="ossl" streamDriver.mode="1"
                      streamDriver.authMode="anon")

                """
        }
        text += """
            template(name="parsed" type="string" string="%app-name%\\t%msgid%\\t%pri%\\t%$!all-json%\\n")
            template(name="raw" type="string" string="%rawmsg%\\n")
            action(type="mmjsonparse")
            if $parsesuccess == "OK" then {
                action(type="omfile" file="\(dir)/received.tsv" template="parsed")
            } else {
                action(type="omfile" file="\(dir)/rejected.log" template="raw")
            }

            """
        try text.write(to: directory.appendingPathComponent("rsyslog.conf"), atomically: true, encoding: .utf8)
    }

    /// Starts rsyslogd and waits until its TCP port accepts and its unix socket exists.
    func start() throws {
        let executable = try #require(Self.executable, "rsyslogd is required: run `make setup` (Scripts/setup.sh)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "-n", "-f", directory.appendingPathComponent("rsyslog.conf").path,
            "-i", directory.appendingPathComponent("rsyslogd.pid").path,
        ]
        let log = directory.appendingPathComponent("rsyslogd.out")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        // The child inherits this thread's signal mask, and test-runner threads block SIGTERM: rsyslogd would
        // never see it. Spawn with nothing blocked.
        var everything = sigset_t()
        var previous = sigset_t()
        sigemptyset(&everything)
        pthread_sigmask(SIG_SETMASK, &everything, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
        self.process = process
        let deadline = Date(timeIntervalSinceNow: 10)
        while Date() < deadline {
            if canConnect(port: tcpPort) && FileManager.default.fileExists(atPath: socketPath)
                && (tlsPort == 0 || canConnect(port: tlsPort))
            {
                return
            }
            guard process.isRunning else { break }
            usleep(20_000)
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        Issue.record("rsyslogd did not come up: \(output)")
        throw CocoaError(.fileReadUnknown)
    }

    /// SIGTERM, then waits for the process to exit.
    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date(timeIntervalSinceNow: 10)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            Issue.record("rsyslogd ignored SIGTERM for 10 s")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        self.process = nil
        // rsyslog leaves its socket file behind; a restart recreates it.
    }

    /// The parsed messages so far: (app-name, msgid, pri, JSON object).
    func received() -> [(appName: String, msgid: String, pri: String, json: [String: Any])] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("received.tsv"), encoding: .utf8) else {
            return []
        }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count == 4,
                let object = try? JSONSerialization.jsonObject(with: Data(fields[3].utf8)) as? [String: Any]
            else { return nil }
            return (String(fields[0]), String(fields[1]), String(fields[2]), object)
        }
    }

    /// Lines mmjsonparse rejected.
    func rejected() -> [String] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("rejected.log"), encoding: .utf8) else {
            return []
        }
        return text.split(separator: "\n").map(String.init)
    }

    /// Waits until `count` messages were written (or `timeout` passed) and returns them.
    func waitForMessages(_ count: Int, timeout: Double = 15) -> [(appName: String, msgid: String, pri: String, json: [String: Any])] {
        let deadline = Date(timeIntervalSinceNow: timeout)
        var messages = received()
        while messages.count < count && Date() < deadline {
            usleep(50_000)
            messages = received()
        }
        // A little longer, so that duplicates arriving late are seen too.
        usleep(200_000)
        return received()
    }
}

/// A port the kernel hands out for 127.0.0.1 (closed again before use: a small race that tests accept).
func freePort(datagram: Bool) throws -> UInt16 {
    let fd = socket(AF_INET, datagram ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue), 0)
    try #require(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    try #require(bound)
    return UInt16(bigEndian: address.sin_port)
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
func canConnect(port: UInt16) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = port.bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}
