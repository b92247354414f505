/// What a template is rendered with: its top-level names and the environment that `env()` reads.
package struct TemplateContext: Sendable {
    /// Top-level names such as `secrets` and `values`.
    package var variables: [String: TemplateValue]
    /// The environment variables visible to the `env("NAME")` function.
    package var environmentVariables: [String: String]
    /// Secrets deliberately not fetched (their value in `secrets` is ``TemplateValue/withheld(secret:)``). Using
    /// one is not an error: an output of it becomes an empty segment that names it (``Segment/withheld``), any other
    /// use is recorded (``RenderedText/withheldUses``), so the caller learns which secrets a text needs.
    package var withheldSecrets: Set<String>

    package init(
        variables: [String: TemplateValue] = [:],
        environmentVariables: [String: String] = [:],
        withheldSecrets: Set<String> = []
    ) {
        self.variables = variables
        self.environmentVariables = environmentVariables
        self.withheldSecrets = withheldSecrets
    }
}
