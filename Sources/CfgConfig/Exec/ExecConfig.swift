/// `exec: { pass: [NAME, …], secrets_dir: PATH }`: cfg's own credential variables (`VAULT_TOKEN`,
/// `AWS_ACCESS_KEY_ID`, …) that `cfg exec` passes on to the command (by default none), and where secret files go.
package struct ExecConfig: Sendable, Hashable {
    /// Where secret files are written when `exec.secrets_dir` is not set.
    package static let defaultSecretsDirectory = "/dev/shm/cfg"

    package var pass: [String] = []
    /// An absolute path on tmpfs; files go to `SECRETS_DIR/ENV/SERVICE/NAME`.
    package var secretsDirectory: String = ExecConfig.defaultSecretsDirectory

    package init(pass: [String] = [], secretsDirectory: String = ExecConfig.defaultSecretsDirectory) {
        self.pass = pass
        self.secretsDirectory = secretsDirectory
    }
}
