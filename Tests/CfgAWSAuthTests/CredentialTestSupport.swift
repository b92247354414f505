import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Synchronization
import Testing

@testable import CfgAWSAuth

/// A fake home directory for one test: `~/.aws/config`, `~/.aws/credentials` and token files, never the real
/// ones.
struct CredentialHome {
    let path: String

    /// Runs `body` with a fresh home that is removed afterwards.
    static func with<T>(_ body: (CredentialHome) async throws -> T) async throws -> T {
        try await TemporaryDirectory.with { path in
            try FileManager.default.createDirectory(atPath: path + "/.aws", withIntermediateDirectories: true)
            return try await body(CredentialHome(path: path))
        }
    }

    /// `HOME` and instance metadata turned off: the base of every test environment.
    var processEnvironment: [String: String] { ["HOME": path, "AWS_EC2_METADATA_DISABLED": "true"] }

    func writeConfig(_ text: String) throws {
        try write(".aws/config", text)
    }

    func writeCredentials(_ text: String) throws {
        try write(".aws/credentials", text)
    }

    /// Writes `text` to `name` under the home and returns the full path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// The chain's settings for this home: the shared files `environment` names, the profile named by
    /// `profileVariable` (as `AWS_PROFILE`), else by `profile` (as cfg's `backend.profile`), else `default`, and STS
    /// at `sts` (default: the region's endpoint).
    func settings(
        _ processEnvironment: [String: String],
        profile: String? = nil,
        profileVariable: String? = nil,
        region: String = "us-east-1",
        sts: String? = nil
    ) throws(AWSCredentialError) -> AWSCredentialSettings {
        let (name, source): (String, AWSCredentialSettings.ProfileSource) =
            if let profileVariable {
                (profileVariable, .variable("AWS_PROFILE"))
            } else if let profile {
                (profile, .setting("backend.profile"))
            } else {
                ("default", .implicitDefault)
            }
        return AWSCredentialSettings(
            profile: name,
            profileSource: source,
            profileSetting: "backend.profile",
            region: region,
            stsEndpoint: sts ?? AWSEndpoint.defaultURL(service: "sts", region: region),
            sharedConfig: try AWSSharedConfig.load(processEnvironment: processEnvironment)
        )
    }
}

/// A clock tests move by hand.
final class CredentialClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    var date: Date { current.withLock { $0 } }

    func advance(_ seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    var now: @Sendable () -> Date { { [self] in self.date } }
}

/// A provider that counts its fetches and hands out credentials valid for `lifetime` from the clock's now.
final class CountingCredentialProvider: AWSCredentialProvider {
    private struct State {
        var fetches = 0
        var failing = false
    }

    private let state = Mutex(State())
    let clock: CredentialClock
    let lifetime: TimeInterval
    let delay: Duration?

    init(clock: CredentialClock, lifetime: TimeInterval = 3600, delay: Duration? = nil) {
        self.clock = clock
        self.lifetime = lifetime
        self.delay = delay
    }

    var fetches: Int { state.withLock { $0.fetches } }

    func fail(_ failing: Bool) {
        state.withLock { $0.failing = failing }
    }

    func credentials() async throws(AWSCredentialError) -> AWSCredentials {
        let (count, failing) = state.withLock { state in
            state.fetches += 1
            return (state.fetches, state.failing)
        }
        if let delay { try? await Task.sleep(for: delay) }
        if failing { throw AWSCredentialError(.unreachable, "The test issuer is down.") }
        return AWSCredentials(
            accessKeyID: "ASIACOUNT\(count)",
            secretAccessKey: Secret(copying: "secret-\(count)"),
            sessionToken: Secret(copying: "token-\(count)"),
            expiration: clock.date.addingTimeInterval(lifetime),
            source: "the counting test provider"
        )
    }
}

/// Shared helpers of the credential tests.
enum CredentialFixture {
    /// A libcurl transport (no proxies, nothing from the environment).
    static func transport() throws -> CurlTransport {
        try CurlTransport(options: HTTPClientOptions())
    }

    /// The shared moto server's endpoint, or a skip.
    static func motoEndpoint() throws -> String {
        try TestServers.skipUnlessAvailable(try TestServers.moto(), "moto_server").endpoint
    }

    static let roleARN = "arn:aws:iam::123456789012:role/airflow"

    /// An STS `AssumeRole*` answer.
    static func stsSuccess(
        action: String = "AssumeRole",
        keyID: String = "ASIASTSKEY",
        secret: String = "sts-secret",
        token: String = "sts-token",
        expiration: String = "2030-01-01T00:00:00Z"
    ) -> ScriptedHTTPServer.ScriptedResponse {
        let xml = """
            <\(action)Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><\(action)Result><Credentials>\
            <AccessKeyId>\(keyID)</AccessKeyId><SecretAccessKey>\(xmlEscaped(secret))</SecretAccessKey>\
            <SessionToken>\(xmlEscaped(token))</SessionToken><Expiration>\(expiration)</Expiration></Credentials>\
            </\(action)Result></\(action)Response>
            """
        return ScriptedHTTPServer.ScriptedResponse(
            status: 200,
            headers: [ScriptedHTTPServer.HeaderField("Content-Type", "text/xml")],
            body: Array(xml.utf8)
        )
    }

    /// An STS error answer.
    static func stsError(status: Int = 403, code: String, message: String) -> ScriptedHTTPServer.ScriptedResponse {
        let xml = """
            <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>\
            <Code>\(code)</Code><Message>\(xmlEscaped(message))</Message></Error><RequestId>r-1</RequestId>\
            </ErrorResponse>
            """
        return ScriptedHTTPServer.ScriptedResponse(status: status, body: Array(xml.utf8))
    }

    /// A container or instance-metadata credential document.
    static func credentialJSON(
        keyID: String = "ASIACONTAINER",
        secret: String = "container-secret",
        token: String = "container-token",
        expiration: String = "2030-01-01T00:00:00Z",
        code: String? = nil
    ) -> ScriptedHTTPServer.ScriptedResponse {
        var object: [String: String] = [
            "AccessKeyId": keyID, "SecretAccessKey": secret, "Token": token, "Expiration": expiration,
        ]
        if let code {
            object["Code"] = code
            object["Type"] = "AWS-HMAC"
            object["LastUpdated"] = "2029-12-31T18:00:00Z"
        }
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return ScriptedHTTPServer.ScriptedResponse(
            status: 200,
            headers: [ScriptedHTTPServer.HeaderField("Content-Type", "application/json")],
            body: Array(data)
        )
    }

    static func xmlEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&apos;")
    }

    /// The form fields of a recorded request body, decoded.
    static func form(_ request: ScriptedHTTPServer.RecordedRequest) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: request.body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0].removingPercentEncoding ?? String(parts[0])
            let value =
                parts.count > 1
                ? (parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(parts[1])) : ""
            fields[name] = value
        }
        return fields
    }

    /// The credentials or the error of one call, for task groups (a typed `do` inside a child task is
    /// miscompiled by Swift 6.3.1 -O).
    static func result(_ provider: any AWSCredentialProvider) async -> Result<AWSCredentials, AWSCredentialError> {
        do {
            return .success(try await provider.credentials())
        } catch {
            return .failure(error)
        }
    }

    /// The error `provider` throws; a test failure if it returns credentials.
    static func error(
        _ provider: any AWSCredentialProvider,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> AWSCredentialError? {
        switch await result(provider) {
        case .success:
            Issue.record("expected an error, got credentials", sourceLocation: sourceLocation)
            return nil
        case .failure(let error):
            return error
        }
    }

    /// The secret's bytes as text, for comparisons in tests.
    static func text(_ secret: Secret?) -> String? {
        secret?.stringValue()
    }
}
