package import CfgHTTP
import CfgSecure
import FoundationEssentials

/// Container credentials: the ECS task role (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, served by the ECS agent
/// at 169.254.170.2) or EKS Pod Identity and other agents (`AWS_CONTAINER_CREDENTIALS_FULL_URI`), with an
/// optional `Authorization` token from `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (re-read on every fetch, and
/// preferred, as botocore does) or `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
///
/// A full URI must be `https`, or name a loopback host or one of the agents' link-local addresses, so that the
/// token is never sent in clear text across a network. Like botocore: 2 s per request, 3 tries.
package struct ContainerCredentialProvider: AWSCredentialProvider, CustomStringConvertible, CustomReflectable {
    /// Where the ECS agent serves relative URIs.
    package static let defaultHost = "169.254.170.2"
    /// Hosts a plain-http full URI may name besides loopback: the ECS agent and the EKS Pod Identity agent.
    static let agentHosts: Set<String> = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23"]

    /// Where the `Authorization` value comes from.
    enum Authorization: Sendable {
        case none
        /// `AWS_CONTAINER_AUTHORIZATION_TOKEN`, checked when the chain is set up.
        case token(Secret)
        /// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, read on every fetch.
        case tokenFile(String)
    }

    /// The full URL (it may carry an identifier of the task's credentials, so messages show ``displayEndpoint``).
    let url: String
    /// `http://169.254.170.2 (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)`: scheme and host, and the variable.
    let displayEndpoint: String
    let authorization: Authorization
    let transport: any HTTPTransport
    var timeout: Duration = .seconds(2)
    var attempts = 3
    /// The largest answer accepted: credentials in JSON are a few KiB.
    static let maxResponseBytes = 64 << 10
    /// The pause between tries (botocore sleeps 1 s).
    var retryDelay: Duration = .seconds(1)

    /// The provider the variables describe, or nil when neither URI variable is set.
    ///
    /// - Parameters:
    ///   - processEnvironment: the process environment (injected).
    ///   - transport: sends the requests.
    ///   - containerHost: the host relative URIs are served from; tests point it at a local server.
    /// - Throws: `.configuration` for a relative URI without a leading `/`, a full URI that is not allowed, or
    ///   a token holding CR or LF.
    package static func fromEnvironment(
        _ processEnvironment: [String: String],
        transport: any HTTPTransport,
        containerHost: String = defaultHost
    ) throws(AWSCredentialError) -> ContainerCredentialProvider? {
        let url: String
        let display: String
        if let relative = nonEmpty(processEnvironment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]) {
            guard relative.hasPrefix("/"), !relative.contains(where: { $0.isWhitespace }) else {
                throw AWSCredentialError(
                    .configuration,
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path starting with /; fix or unset it."
                )
            }
            url = "http://\(containerHost)\(relative)"
            display = "http://\(containerHost) (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)"
        } else if let full = nonEmpty(processEnvironment["AWS_CONTAINER_CREDENTIALS_FULL_URI"]) {
            url = try validatedFullURI(full)
            let host = AWSEndpoint.host(of: url)
            display =
                "\(url.lowercased().hasPrefix("https") ? "https" : "http")://"
                + "\(host.contains(":") ? "[\(host)]" : host) (AWS_CONTAINER_CREDENTIALS_FULL_URI)"
        } else {
            return nil
        }
        let authorization: Authorization
        if let file = nonEmpty(processEnvironment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]) {
            authorization = .tokenFile(file)
        } else if let token = nonEmpty(processEnvironment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]) {
            // The variable is a String already; the copy cfg keeps is in guarded memory.
            let secret = Secret(copying: token)
            guard !CredentialText.containsLineBreak(secret) else {
                throw AWSCredentialError(
                    .configuration,
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN contains a line break, which is not allowed in a header; fix it."
                )
            }
            authorization = .token(secret)
        } else {
            authorization = .none
        }
        return ContainerCredentialProvider(
            url: url,
            displayEndpoint: display,
            authorization: authorization,
            transport: transport
        )
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// A full URI that is `https`, or `http` to a loopback or agent address.
    private static func validatedFullURI(_ text: String) throws(AWSCredentialError) -> String {
        let lower = text.lowercased()
        let host = AWSEndpoint.host(of: text)
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), !host.isEmpty else {
            throw AWSCredentialError(
                .configuration,
                "AWS_CONTAINER_CREDENTIALS_FULL_URI must be an http:// or https:// URL; fix or unset it."
            )
        }
        guard lower.hasPrefix("https://") || AWSEndpoint.isLoopback(host) || agentHosts.contains(host) else {
            throw AWSCredentialError(
                .configuration,
                "AWS_CONTAINER_CREDENTIALS_FULL_URI names the host \(host) over plain http; only https, a "
                    + "loopback address or the ECS/EKS agent addresses (169.254.170.2, 169.254.170.23, "
                    + "fd00:ec2::23) are allowed."
            )
        }
        return text
    }

    package func credentials() async throws(AWSCredentialError) -> AWSCredentials {
        var request = HTTPRequest(
            method: .get,
            url: url,
            headers: [HTTPHeader("Accept", "application/json")],
            timeout: timeout,
            maxResponseBytes: Self.maxResponseBytes
        )
        switch authorization {
        case .none:
            break
        case .token(let token):
            request.headers.append(HTTPHeader("Authorization", secret: token))
        case .tokenFile(let path):
            let token = try CredentialText.readToken(
                path,
                what: "container authorization token",
                setting: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
            )
            guard !CredentialText.containsLineBreak(token) else {
                throw AWSCredentialError(
                    .configuration,
                    "The container authorization token file \(path) (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) contains "
                        + "a line break, which is not allowed in a header; fix the file."
                )
            }
            request.headers.append(HTTPHeader("Authorization", secret: token))
        }
        var lastError = AWSCredentialError(.unreachable, "The container credentials endpoint was not called.")
        for attempt in 1...max(1, attempts) {
            if attempt > 1, retryDelay > .zero {
                do {
                    try await Task.sleep(for: retryDelay)
                } catch {
                    throw AWSCredentialError(.unreachable, "Fetching container credentials was cancelled.")
                }
            }
            let response: HTTPResponse
            do {
                response = try await transport.send(request)
            } catch {
                let verb = error.kind == .responseTooLarge ? "sent too large an answer" : "did not answer"
                lastError = AWSCredentialError(
                    .unreachable,
                    "The container credentials endpoint \(displayEndpoint) \(verb) (\(error.message)); "
                        + "check that the task or pod has a role and the agent is running."
                )
                // An oversized answer would be oversized again.
                if [.cancelled, .invalidRequest, .responseTooLarge].contains(error.kind) { throw lastError }
                continue
            }
            if response.status >= 500 {
                lastError = AWSCredentialError(
                    .unreachable,
                    "The container credentials endpoint \(displayEndpoint) failed (HTTP \(response.status)); "
                        + "try again later."
                )
                continue
            }
            guard response.status == 200 else {
                let code = CredentialDocument.errorCode(in: response.body, key: "code")
                throw AWSCredentialError(
                    .rejected,
                    "The container credentials endpoint \(displayEndpoint) refused the request (HTTP "
                        + "\(response.status)\(code.map { ", \($0)" } ?? "")); check the task or pod role and "
                        + "the authorization token."
                )
            }
            return try CredentialDocument.credentials(
                in: response.body,
                endpoint: displayEndpoint,
                source: "container credentials"
            )
        }
        throw lastError
    }

    /// Where it fetches from, without the path (which may identify the task's credentials).
    package var description: String { "container credentials from \(displayEndpoint)" }

    /// The endpoint only.
    package var customMirror: Mirror { Mirror(self, children: ["endpoint": displayEndpoint], displayStyle: .struct) }
}

/// The JSON credential documents of the container endpoint and instance metadata:
/// `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration", …}`.
enum CredentialDocument {
    /// The credentials in `body`.
    ///
    /// - Throws: `.malformed` naming the endpoint when the document is not JSON or lacks a field.
    static func credentials(
        in body: Secret,
        endpoint: String,
        source: String
    ) throws(AWSCredentialError) -> AWSCredentials {
        let root: SecureJSON.Node
        do {
            root = try SecureJSON(parsing: body).root
        } catch {
            throw AWSCredentialError(.malformed, "\(endpoint) answered with something that is not JSON.")
        }
        guard let keyID = root["AccessKeyId"]?.text(), !keyID.isEmpty,
            let secret = root["SecretAccessKey"]?.secretString(), !secret.isEmpty
        else {
            throw AWSCredentialError(.malformed, "\(endpoint) answered without AccessKeyId and SecretAccessKey.")
        }
        var expiration: Date?
        if let text = root["Expiration"]?.text() {
            guard let date = Timestamp.rfc3339(text) else {
                throw AWSCredentialError(.malformed, "\(endpoint) answered with an unreadable Expiration.")
            }
            expiration = date
        }
        let token = root["Token"]?.secretString()
        return AWSCredentials(
            accessKeyID: keyID,
            secretAccessKey: secret,
            sessionToken: token?.isEmpty == false ? token : nil,
            expiration: expiration,
            source: source
        )
    }

    /// An error document's code (`{"code": "…"}` or `{"Code": "…"}`), if it looks like one.
    static func errorCode(in body: Secret, key: String) -> String? {
        guard let root = try? SecureJSON(parsing: body).root else { return nil }
        return CredentialText.errorCode(root[key]?.text())
    }
}
