/// What a template is rendered with: its top-level names and the environment that `env()` reads.
package struct TemplateContext: Sendable {
    /// Top-level names such as `secrets` and `values`.
    package var variables: [String: TemplateValue]
    /// The environment variables visible to the `env("NAME")` function.
    package var environmentVariables: [String: String]

    package init(variables: [String: TemplateValue] = [:], environmentVariables: [String: String] = [:]) {
        self.variables = variables
        self.environmentVariables = environmentVariables
    }
}
