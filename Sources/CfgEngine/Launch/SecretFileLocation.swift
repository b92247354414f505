/// Where a service's secret files go: `ROOT/ENV/SERVICE`, or `ROOT/ENV/_all` for the environment-wide files (one
/// directory per environment and service, so several cfg processes in one container do not clash).
package struct SecretFileLocation: Sendable, Hashable {
    /// The directory used for `cfg exec ENV` without `--service` (service names cannot contain `_`).
    package static let environmentWide = "_all"

    /// `exec.secrets_dir`, without trailing slashes.
    package var root: String
    package var environmentName: String
    package var service: String?

    package init(root: String, environmentName: String, service: String?) {
        var root = root
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        self.root = root
        self.environmentName = environmentName
        self.service = service
    }

    /// The directories below ``root``.
    package var components: [String] { [environmentName, service ?? Self.environmentWide] }

    /// The absolute path of the directory.
    package var path: String { (root == "/" ? "" : root) + "/" + components.joined(separator: "/") }
}
