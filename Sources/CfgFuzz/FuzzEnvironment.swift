import CfgConfig

/// Loads the input as an environment file, as `cfg` does after reading one: UTF-8 first, then YAML and validation.
package func fuzzEnvironment(_ bytes: UnsafeRawBufferPointer) {
    guard let text = String(validating: bytes, as: UTF8.self) else { return }
    _ = try? EnvironmentFileLoader.parse(
        text,
        file: "environments/fuzz.yaml",
        projectDirectory: "/nonexistent/cfg-fuzz",
        defaultName: "fuzz"
    )
}
