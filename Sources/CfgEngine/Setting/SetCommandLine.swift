/// The `cfg set` command line that stores a value `cfg init` could not create, as a user types it again.
package enum SetCommandLine {
    /// `cfg set [-C DIR] ENV NAME[.KEY]`, each word quoted for a POSIX shell where it needs it.
    ///
    /// - Parameters:
    ///   - target: the secret or key to set.
    ///   - environment: the environment as the user named it (a name or a path).
    ///   - directory: the `-C` project directory as given; "." is left out.
    package static func line(for target: SecretTarget, environment: String, directory: String) -> String {
        var words = ["cfg", "set"]
        if directory != "." { words += ["-C", directory] }
        words += [environment, target.description]
        return words.map(quoted).joined(separator: " ")
    }

    /// `word` as is when it holds only characters no shell treats specially, else in single quotes.
    static func quoted(_ word: String) -> String {
        let plain =
            !word.isEmpty
            && word.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                        || "-_./:=@%+,".unicodeScalars.contains(scalar))
            }
        if plain { return word }
        return "'" + word.replacing("'", with: #"'\''"#) + "'"
    }
}
