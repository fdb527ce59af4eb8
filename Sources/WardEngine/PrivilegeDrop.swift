import CCapabilities
import Foundation

/// Switching from root to an unprivileged account once the capture socket is open.
public enum PrivilegeDrop {
    /// A failure to switch accounts, with the reason.
    public struct Failure: Error {
        /// What went wrong.
        public let message: String
    }

    /// Gives up every capability (for a daemon started unprivileged with CAP_NET_RAW/CAP_NET_ADMIN, as the systemd
    /// unit does): once the capture socket is open, the process keeps no privilege at all.
    /// - Throws: `Failure` when the kernel refuses.
    public static func dropCapabilities() throws(Failure) {
        guard ward_drop_all_capabilities() == 0 else { throw Failure(message: "dropping capabilities: \(errnoText())") }
    }

    /// Switches the process to `user` (groups, group, then user) and checks root cannot be regained.
    /// Does nothing when not running as root.
    /// - Throws: `Failure` when the user is unknown or a call fails.
    public static func switchTo(user: String) throws(Failure) {
        guard geteuid() == 0 else { return }
        guard let entry = getpwnam(user) else { throw Failure(message: "unknown user '\(user)' for --user") }
        let uid = entry.pointee.pw_uid
        let gid = entry.pointee.pw_gid
        guard initgroups(user, gid) == 0 else { throw Failure(message: "initgroups(\(user)): \(errnoText())") }
        guard setgid(gid) == 0 else { throw Failure(message: "setgid(\(gid)): \(errnoText())") }
        guard setuid(uid) == 0 else { throw Failure(message: "setuid(\(uid)): \(errnoText())") }
        if uid != 0 && setuid(0) == 0 { throw Failure(message: "could regain root after dropping to \(user)") }
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
