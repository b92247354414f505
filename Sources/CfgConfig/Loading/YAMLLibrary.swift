internal import CLibYAML

/// libyaml, which cfg links to read environment files.
package enum YAMLLibrary {
    /// The version of the libyaml loaded at run time (`yaml_get_version_string()`), e.g. `0.2.5`.
    package static var version: String {
        String(cString: yaml_get_version_string())
    }
}
