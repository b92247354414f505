package import CfgConfig
package import CfgSecure
import Foundation

/// Everything the AWS backend needs besides credentials: the region, the profile, the Secrets Manager and STS
/// endpoints, and the parsed shared files, resolved from the environment file, the standard variables and
/// `~/.aws`.
///
/// Precedence, field by field (the variables win over the environment file, as they do for Vault, because a
/// pod's or CI job's variables describe where it actually runs):
/// * profile: `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, `backend.profile`, `default`;
/// * region: `AWS_REGION`, `AWS_DEFAULT_REGION`, `backend.region`, the profile's `region`;
/// * Secrets Manager: `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL`, `backend.endpoint`,
///   `https://secretsmanager.REGION.amazonaws.com`;
/// * STS: `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, `https://sts.REGION.amazonaws.com`.
///
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` ignores the endpoint variables. A pure function of its inputs:
/// the files are read through an injected reader from the paths the injected environment names.
package struct AWSSettings: Sendable, CustomStringConvertible {
    /// Where the profile name came from.
    package enum ProfileSource: Sendable, Hashable, CustomStringConvertible {
        /// `AWS_PROFILE` or `AWS_DEFAULT_PROFILE`.
        case variable(String)
        /// `backend.profile` in the environment file.
        case environmentFile
        /// Nothing named one: `default`.
        case implicitDefault

        package var description: String {
            switch self {
            case .variable(let name): name
            case .environmentFile: "backend.profile"
            case .implicitDefault: "the default profile"
            }
        }
    }

    package var region: String
    /// Where the region came from (a variable, `backend.region` or a file line), for messages.
    package var regionSource: String
    package var profile: String
    package var profileSource: ProfileSource
    /// `https://secretsmanager.eu-west-1.amazonaws.com`, without a trailing `/`.
    package var secretsManagerEndpoint: String
    /// `https://sts.eu-west-1.amazonaws.com`, without a trailing `/`.
    package var stsEndpoint: String
    /// Things the user should know (an unencrypted endpoint); never a value of a secret.
    package var warnings: [String]
    /// The merged `~/.aws/config` and `~/.aws/credentials`.
    package var sharedConfig: AWSSharedConfig

    /// The profile was named by a variable or the environment file, so it must exist.
    package var profileIsExplicit: Bool { profileSource != .implicitDefault }

    /// The profile was named by the environment file (cfg's equivalent of `--profile`): as botocore does for an
    /// explicitly chosen profile, the credential chain then skips the credential variables.
    package var profileSkipsEnvironmentCredentials: Bool { profileSource == .environmentFile }

    /// Resolves the settings.
    ///
    /// - Parameters:
    ///   - config: the environment file's `backend:`.
    ///   - environment: the process environment (injected).
    ///   - readFile: reads the shared files (injected; the default reads them into guarded memory).
    /// - Throws: `.configuration` naming the variable, field or file line that holds an unusable value, or
    ///   saying how to set the region when none is known.
    package static func resolve(
        config: AWSBackendConfig,
        environment: [String: String],
        readFile: (String) throws(FileError) -> Secret = SecureFile.readCredentialFile
    ) throws(AWSCredentialError) -> AWSSettings {
        let sharedConfig = try AWSSharedConfig.load(environment: environment, readFile: readFile)
        var warnings: [String] = []

        let profile: String
        let profileSource: ProfileSource
        if let (name, value) = variable(["AWS_PROFILE", "AWS_DEFAULT_PROFILE"], in: environment) {
            (profile, profileSource) = (value, .variable(name))
        } else if let value = config.profile, !value.isEmpty {
            (profile, profileSource) = (value, .environmentFile)
        } else {
            (profile, profileSource) = ("default", .implicitDefault)
        }

        let regionChoice: (value: String, source: String)
        if let (name, value) = variable(["AWS_REGION", "AWS_DEFAULT_REGION"], in: environment) {
            regionChoice = (value, name)
        } else if let value = config.region, !value.isEmpty {
            regionChoice = (value, "backend.region")
        } else if let value = sharedConfig.profiles[profile]?.value("region") {
            regionChoice = (value.text, "region in profile '\(profile)' (\(value.location))")
        } else {
            throw AWSCredentialError(
                .configuration,
                "No AWS region is set; set AWS_REGION or `backend.region` in the environment file "
                    + "(or `region` in the profile '\(profile)' in \(sharedConfig.configFile))."
            )
        }
        let region = try validatedRegion(regionChoice.value, source: regionChoice.source)

        let ignoreVariables = environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() == "true"
        let endpointVariables = ignoreVariables ? [:] : environment
        let secretsManager: (url: String, source: String)
        if let (name, value) = variable(
            ["AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL"],
            in: endpointVariables
        ) {
            secretsManager = (try validatedEndpoint(value, source: name), name)
        } else if let value = config.endpoint, !value.isEmpty {
            secretsManager = (try validatedEndpoint(value, source: "backend.endpoint"), "backend.endpoint")
        } else {
            secretsManager = (defaultEndpoint(service: "secretsmanager", region: region), "the default endpoint")
        }
        let sts: (url: String, source: String)
        if let (name, value) = variable(["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"], in: endpointVariables) {
            sts = (try validatedEndpoint(value, source: name), name)
        } else {
            sts = (defaultEndpoint(service: "sts", region: region), "the default endpoint")
        }
        for (what, endpoint) in [("Secrets Manager", secretsManager), ("STS", sts)]
        where endpoint.url.hasPrefix("http://") && !isLoopback(host(of: endpoint.url)) {
            warnings.append(
                "The \(what) endpoint \(endpoint.url) (\(endpoint.source)) is plain http: credentials and secrets "
                    + "cross the network unencrypted"
            )
        }

        return AWSSettings(
            region: region,
            regionSource: regionChoice.source,
            profile: profile,
            profileSource: profileSource,
            secretsManagerEndpoint: secretsManager.url,
            stsEndpoint: sts.url,
            warnings: warnings,
            sharedConfig: sharedConfig
        )
    }

    /// Region, profile and endpoints; never a credential.
    package var description: String {
        "AWSSettings(region: \(region), profile: \(profile), secretsManager: \(secretsManagerEndpoint), "
            + "sts: \(stsEndpoint))"
    }

    // MARK: - Helpers

    /// The first of `names` that is set to a non-empty value.
    static func variable(_ names: [String], in environment: [String: String]) -> (String, String)? {
        for name in names {
            if let value = environment[name], !value.isEmpty { return (name, value) }
        }
        return nil
    }

    /// `https://SERVICE.REGION.amazonaws.com` (`amazonaws.com.cn` in the China regions).
    package static func defaultEndpoint(service: String, region: String) -> String {
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return "https://\(service).\(region).\(suffix)"
    }

    /// A region name goes into host names and the signature scope: lower-case letters, digits and inner `-`.
    private static func validatedRegion(_ text: String, source: String) throws(AWSCredentialError) -> String {
        let valid =
            !text.isEmpty && text.count <= 64 && !text.hasPrefix("-") && !text.hasSuffix("-")
            && text.utf8.allSatisfy {
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
                    || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                    || $0 == UInt8(ascii: "-")
            }
        guard valid else {
            throw AWSCredentialError(
                .configuration,
                "The AWS region from \(source) is not a region name; set it to one such as eu-west-1."
            )
        }
        return text
    }

    /// An `http://` or `https://` URL with a host and nothing after it but an optional `/`; the value is not
    /// echoed (it could carry user information).
    static func validatedEndpoint(_ text: String, source: String) throws(AWSCredentialError) -> String {
        var url = CredentialText.trimmed(text)
        while url.hasSuffix("/") { url.removeLast() }
        let lower = url.lowercased()
        let scheme = lower.hasPrefix("https://") ? "https://" : lower.hasPrefix("http://") ? "http://" : nil
        let authority = scheme.map { url.dropFirst($0.count) } ?? ""
        let valid =
            scheme != nil && !authority.isEmpty
            && !authority.contains(where: { "/?#@ ".contains($0) })
            && !host(of: url).isEmpty
        guard let scheme, valid else {
            throw AWSCredentialError(
                .configuration,
                "The endpoint in \(source) must be an http:// or https:// URL with a host and no path, "
                    + "such as https://secretsmanager.eu-west-1.amazonaws.com."
            )
        }
        return scheme + authority
    }

    /// The host of `scheme://host[:port]…`, lower-case, without brackets around an IPv6 address.
    static func host(of url: String) -> String {
        var rest = Substring(url)
        if let range = rest.range(of: "://") { rest = rest[range.upperBound...] }
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return "" }
            return rest[rest.index(after: rest.startIndex)..<close].lowercased()
        }
        if let colon = rest.lastIndex(of: ":") { rest = rest[..<colon] }
        return rest.lowercased()
    }

    /// `localhost`, `127.0.0.0/8` or `::1`.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
