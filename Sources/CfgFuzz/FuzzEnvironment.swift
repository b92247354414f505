import CfgConfig

/// Loads the input as an environment file, as `cfg` does after reading one: UTF-8 first, then YAML and validation.
package func fuzzEnvironment(_ bytes: UnsafeRawBufferPointer) {
    guard let text = String(validating: bytes, as: UTF8.self) else { return }
    // The form every command uses: each problem of the file collected, not only the first.
    var problems: [ConfigError] = []
    let environment = EnvironmentFileLoader.parse(
        text,
        file: "environments/fuzz.yaml",
        projectDirectory: "/nonexistent/cfg-fuzz",
        defaultName: "fuzz",
        problems: &problems
    )
    // A file loads exactly when it has no problem.
    precondition((environment == nil) == !problems.isEmpty, "a loaded environment with problems, or neither")
}
