internal import CfgTemplate

/// Renders `NAME=value` lines for `docker run --env-file` and ECS `environmentFiles`.
///
/// These readers take everything after the first `=` as the value, verbatim, up to the end of the line:
/// there is no quoting and no escaping (docker/cli `pkg/kvfile`), so leading and trailing white space,
/// quotes, `#`, `$` and `=` are written as they are. A value that cannot fit on one line (a newline, a
/// carriage return) or holds a NUL is an error.
package enum EnvBlockRenderer {
    /// Renders the settings, one `NAME=value` line each, in the given order.
    ///
    /// - Throws: `RenderError.Code.invalidValue` naming the variable and where it was set (never the value);
    ///   `invalidSetting` for a variable name that is not `[A-Za-z_][A-Za-z0-9_]*`.
    package static func render(_ settings: [Setting]) throws(RenderError) -> String {
        var output = ""
        for setting in settings {
            try checkName(setting)
            // The text may hold secret bytes; Swift strings cannot be zeroed (see SECURITY.md).
            let value = setting.value.text
            if value.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) {
                throw RenderError(
                    .invalidValue,
                    "The value of \(setting.variable) contains a line break, which an env file cannot hold; "
                        + "use the dotenv output or `cfg exec` for multi-line values.",
                    position: setting.position,
                    variable: setting.variable
                )
            }
            try checkNoNUL(setting)
            output += setting.variable + "=" + value + "\n"
        }
        return output
    }

    /// Rejects a variable name that docker, compose and ECS would not all accept.
    static func checkName(_ setting: Setting) throws(RenderError) {
        guard Setting.isValidVariableName(setting.variable) else {
            throw RenderError(
                .invalidSetting,
                "\"\(setting.variable)\" is not a valid environment variable name.",
                position: setting.position,
                variable: setting.variable
            )
        }
    }

    /// Rejects a NUL, which no environment variable can hold.
    static func checkNoNUL(_ setting: Setting) throws(RenderError) {
        if setting.value.text.unicodeScalars.contains("\0") {
            throw RenderError(
                .invalidValue,
                "The value of \(setting.variable) contains a NUL character, which no environment variable can hold.",
                position: setting.position,
                variable: setting.variable
            )
        }
    }
}
