import WardCore

/// `smb1_in_use`: a client and server that still speak SMB1, the protocol EternalBlue/WannaCry spread through
/// (MITRE T1210, Exploitation of Remote Services). Once per pair per suppression interval.
struct SMB1Detector {
    mutating func observe(_ observation: Observation, context: inout DetectionContext) {
        guard case .smbSession(let client, let server, let dialect, let smb1, _, _, let time, let uid) = observation,
            smb1
        else { return }
        let dialectText = dialect.map { " (dialect \($0))" } ?? ""
        let message =
            "\(context.describe(client)) and \(context.describe(server)) use SMB1\(dialectText), the protocol "
            + "WannaCry spread through; switch SMB1 off on both"
        context.emit(
            Alert(
                rule: "smb1_in_use", ruleID: RuleID.smb1InUse, severity: 5, riskScore: 50, message: message,
                technique: "T1210", source: client, destination: server, flowUIDs: [uid], firstTime: time,
                lastTime: time, statistic: 1, threshold: 0),
            first: client, second: server)
    }
}
