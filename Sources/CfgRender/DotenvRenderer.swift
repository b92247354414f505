internal import CfgTemplate

/// Renders a docker compose `.env` / `env_file` file that Docker Compose v2 reads back unchanged.
///
/// Quoting follows compose-go's dotenv parser:
/// - a value without `'`, `\`, newline or carriage return is single-quoted: compose reads single-quoted
///   values literally (no escapes, no `$` interpolation);
/// - any other value is double-quoted with `\\`, `\"`, `\n`, `\r`, `\t` escapes and every `$` written as
///   `\$`, which compose-go unescapes to a literal `$` before interpolation (checked against the real
///   `docker-compose` binary in the tests).
/// A NUL is an error.
package enum DotenvRenderer {
    /// Renders the settings, one `NAME=quoted` line each, in the given order.
    ///
    /// - Throws: `RenderError.Code.invalidValue` for a NUL (naming the variable, never the value);
    ///   `invalidSetting` for a bad variable name.
    package static func render(_ settings: [Setting]) throws(RenderError) -> String {
        var output = ""
        for setting in settings {
            try EnvBlockRenderer.checkName(setting)
            try EnvBlockRenderer.checkNoNUL(setting)
            output += setting.variable + "=" + quote(setting.value.text) + "\n"
        }
        return output
    }

    /// The quoted form of one value (which must not contain NUL).
    package static func quote(_ value: String) -> String {
        let needsDouble = value.unicodeScalars.contains { $0 == "'" || $0 == "\\" || $0 == "\n" || $0 == "\r" }
        guard needsDouble else { return "'" + value + "'" }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": quoted += "\\\\"
            case "\"": quoted += "\\\""
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case "$": quoted += "\\$"
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}
