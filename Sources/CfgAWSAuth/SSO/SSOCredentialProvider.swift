package import CfgHTTP
package import CfgSecure
package import FoundationEssentials

/// IAM Identity Center (AWS SSO): role credentials from the portal's `GetRoleCredentials`, signed in with the access
/// token that `aws sso login` cached.
///
/// As botocore's `SSOProvider` and `SSOTokenLoader` do, the token is read from
/// `~/.aws/sso/cache/<sha1 hex of the key>.json`, where the key is the `sso_session` name, or for a legacy profile
/// (`sso_start_url` in the profile itself) the start URL; its `accessToken` and `expiresAt` are used. The call is
/// `GET {portal}/federation/credentials?account_id=…&role_name=…` with the token in `x-amz-sso_bearer_token`, the
/// portal being `https://portal.sso.{sso_region}.amazonaws.com` or the override the caller resolved
/// (`AWS_ENDPOINT_URL_SSO`). cfg never starts the browser sign-in and does not refresh the token: a missing,
/// expired or revoked token is an error that says to run `aws sso login`.
///
/// Like the other network providers: 10 s per request, 3 tries for a server error, 429 or no answer.
package struct SSOCredentialProvider: AWSCredentialProvider, CustomStringConvertible, CustomReflectable {
    /// The profile, for messages and the login hint.
    let profile: String
    /// The `sso_session` name; nil for a legacy profile.
    let sessionName: String?
    let startURL: String
    let accountID: String
    let roleName: String
    /// `$HOME/.aws/sso/cache`.
    let cacheDirectory: String
    /// The portal, without a trailing `/`.
    let portalEndpoint: String
    let transport: any HTTPTransport
    let now: @Sendable () -> Date
    var timeout: Duration = .seconds(10)
    var attempts = 3
    var retryDelay: Duration = .seconds(1)
    /// The largest answer accepted.
    static let maxResponseBytes = 64 << 10

    /// The token file's path: the cache key is the session name, else the start URL (botocore's
    /// `SSOTokenLoader._generate_cache_key`).
    var tokenFile: String {
        "\(cacheDirectory)/\(SHA1.hexDigest(sessionName ?? startURL)).json"
    }

    /// What the user runs to sign in again.
    var loginCommand: String {
        let profilePart = "`aws sso login --profile \(profile)`"
        guard let sessionName else { return profilePart }
        return "\(profilePart) (or `aws sso login --sso-session \(sessionName)`)"
    }

    package func credentials() async throws(AWSCredentialError) -> AWSCredentials {
        let token = try readToken()
        guard !CredentialText.containsLineBreak(token) else {
            throw AWSCredentialError(
                .malformed,
                "The cached IAM Identity Center token \(tokenFile) of profile '\(profile)' contains a line break; "
                    + "run \(loginCommand) again."
            )
        }
        let query =
            "account_id=\(SigV4Encoding.encode(accountID))&role_name=\(SigV4Encoding.encode(roleName))"
        let request = HTTPRequest(
            method: .get,
            url: "\(portalEndpoint)/federation/credentials?\(query)",
            headers: [HTTPHeader("x-amz-sso_bearer_token", secret: token), HTTPHeader("Accept", "application/json")],
            timeout: timeout,
            maxResponseBytes: Self.maxResponseBytes
        )
        let what = "IAM Identity Center (\(displayPortal)) for profile '\(profile)'"
        var lastError = AWSCredentialError(.unreachable, "\(what) was not called.")
        for attempt in 1...max(1, attempts) {
            if attempt > 1, retryDelay > .zero {
                do {
                    try await Task.sleep(for: retryDelay)
                } catch {
                    throw AWSCredentialError(.unreachable, "Fetching IAM Identity Center credentials was cancelled.")
                }
            }
            let response: HTTPResponse
            do {
                response = try await transport.send(request)
            } catch {
                lastError = AWSCredentialError(.unreachable, "\(what) did not answer (\(error.message)); try again.")
                if [.cancelled, .invalidRequest, .responseTooLarge].contains(error.kind) { throw lastError }
                continue
            }
            switch response.status {
            case 200:
                return try roleCredentials(in: response.body, what: what)
            case 401:
                throw AWSCredentialError(
                    .rejected,
                    "\(what) refused the cached sign-in (HTTP 401): it has expired or was revoked; run "
                        + "\(loginCommand)."
                )
            case 403, 404:
                throw AWSCredentialError(
                    .rejected,
                    "\(what) refused the role '\(roleName)' in account \(accountID) (HTTP \(response.status)"
                        + "\(errorType(response).map { ", \($0)" } ?? "")); check sso_account_id and sso_role_name, "
                        + "and that your user is assigned that permission set."
                )
            case 429, 500...:
                lastError = AWSCredentialError(
                    .unreachable,
                    "\(what) failed (HTTP \(response.status)); try again later."
                )
                continue
            default:
                throw AWSCredentialError(
                    .rejected,
                    "\(what) refused the request (HTTP \(response.status)"
                        + "\(errorType(response).map { ", \($0)" } ?? ""))."
                )
            }
        }
        throw lastError
    }

    /// The token from the cache file, checked for expiry against the injected clock.
    private func readToken() throws(AWSCredentialError) -> Secret {
        let contents: Secret
        do {
            contents = try SecureFile.readCredentialFile(tokenFile)
        } catch {
            let reason = error.code == .notFound ? "there is no cached sign-in" : "the cached sign-in cannot be read"
            throw AWSCredentialError(
                .configuration,
                "The profile '\(profile)' uses IAM Identity Center, but \(reason) (\(tokenFile)); run "
                    + "\(loginCommand), then cfg again."
            )
        }
        return try token(in: contents)
    }

    /// The access token of a cached sign-in (`{"accessToken": …, "expiresAt": "2026-…Z", …}`), if it has not
    /// expired.
    func token(in contents: Secret) throws(AWSCredentialError) -> Secret {
        guard let root = try? SecureJSON(parsing: contents).root, root.kind == .object,
            let token = root["accessToken"]?.secretString(), !token.isEmpty,
            let expiresAt = root["expiresAt"]?.text()
        else {
            throw AWSCredentialError(
                .malformed,
                "The cached IAM Identity Center sign-in \(tokenFile) of profile '\(profile)' has no accessToken or "
                    + "expiresAt; run \(loginCommand)."
            )
        }
        guard let expiry = Timestamp.rfc3339(expiresAt) else {
            throw AWSCredentialError(
                .malformed,
                "The cached IAM Identity Center sign-in \(tokenFile) of profile '\(profile)' has an unreadable "
                    + "expiresAt; run \(loginCommand)."
            )
        }
        guard expiry > now() else {
            throw AWSCredentialError(
                .rejected,
                "The IAM Identity Center sign-in of profile '\(profile)' expired at \(expiresAt); run "
                    + "\(loginCommand), then cfg again."
            )
        }
        return token
    }

    /// `{"roleCredentials": {"accessKeyId", "secretAccessKey", "sessionToken", "expiration": epoch milliseconds}}`.
    func roleCredentials(in body: Secret, what: String) throws(AWSCredentialError) -> AWSCredentials {
        guard let root = try? SecureJSON(parsing: body).root, let role = root["roleCredentials"],
            let keyID = role["accessKeyId"]?.text(), !keyID.isEmpty,
            let secret = role["secretAccessKey"]?.secretString(), !secret.isEmpty
        else {
            throw AWSCredentialError(.malformed, "\(what) answered without roleCredentials.")
        }
        var expiration: Date?
        if let node = role["expiration"], !node.isNull {
            guard let milliseconds = node.double() else {
                throw AWSCredentialError(.malformed, "\(what) answered with an unreadable expiration.")
            }
            expiration = Date(timeIntervalSince1970: milliseconds / 1000)
        }
        let token = role["sessionToken"]?.secretString()
        return AWSCredentials(
            accessKeyID: keyID,
            secretAccessKey: secret,
            sessionToken: token?.isEmpty == false ? token : nil,
            expiration: expiration,
            source: "profile '\(profile)' (IAM Identity Center)"
        )
    }

    /// The `x-amzn-ErrorType` header's code (`ForbiddenException:http://…` → `ForbiddenException`), if it looks
    /// like one.
    private func errorType(_ response: HTTPResponse) -> String? {
        guard let header = response.header("x-amzn-ErrorType") else { return nil }
        return CredentialText.errorCode(header.split(separator: ":").first.map(String.init))
    }

    /// Scheme and host of the portal.
    private var displayPortal: String { portalEndpoint }

    /// The profile, account, role and portal; never the token.
    package var description: String {
        "IAM Identity Center role \(roleName) in account \(accountID) for profile '\(profile)' via \(portalEndpoint)"
    }

    /// Non-secret fields only.
    package var customMirror: Mirror {
        Mirror(
            self,
            children: ["profile": profile, "accountID": accountID, "roleName": roleName, "portal": portalEndpoint],
            displayStyle: .struct
        )
    }
}

extension SSOCredentialProvider {
    /// The two documents this provider parses, for the fuzz target: a cached sign-in (a file `aws sso login` wrote)
    /// and the portal's GetRoleCredentials answer. Errors are the correct answer to bad input and are dropped.
    package static func parseUntrusted(token contents: Secret, answer: Secret, transport: any HTTPTransport) {
        let provider = SSOCredentialProvider(
            profile: "fuzz",
            sessionName: "fuzz",
            startURL: "https://fuzz.invalid/start",
            accountID: "123456789012",
            roleName: "fuzz",
            cacheDirectory: "/nonexistent/cfg-fuzz",
            portalEndpoint: "http://127.0.0.1:9",
            transport: transport,
            now: { Date(timeIntervalSince1970: 1_800_000_000) }
        )
        _ = try? provider.token(in: contents)
        _ = try? provider.roleCredentials(in: answer, what: "the portal")
    }
}
