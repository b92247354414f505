/// Splits a `credential_process` value into argv the way the AWS CLI does.
///
/// botocore runs the command with `subprocess.Popen(compat_shell_split(credential_process), …)`, and
/// `compat_shell_split` (botocore/compat.py) is `shlex.split(s)` on every platform but Windows: Python's `shlex` in
/// POSIX mode with `whitespace_split` and no comment characters. So here, as there:
/// - words are separated by spaces, tabs, CR and LF;
/// - `'…'` keeps everything literally; `"…"` too, except that `\"` and `\\` stand for `"` and `\` (any other
///   backslash is kept with the character after it);
/// - outside quotes a backslash takes the next character literally;
/// - quotes join the word they touch (`a"b c"d` is one word, `ab cd`), and `''` is an empty word;
/// - an unclosed quote or a trailing backslash is an error (`No closing quotation`, `No escaped character`).
///
/// No shell runs: `$VAR`, `~`, globs, `|` and `;` are plain characters, as they are for the AWS CLI.
package enum ShellWords {
    /// Why a command line cannot be split; the message never repeats the text.
    package enum Failure: Error, Equatable {
        case unclosedQuote
        case trailingBackslash
    }

    /// The words of `text`.
    package static func split(_ text: String) throws(Failure) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var iterator = text.unicodeScalars.makeIterator()
        while let scalar = iterator.next() {
            switch scalar {
            case " ", "\t", "\r", "\n":
                if inWord { words.append(word) }
                word = ""
                inWord = false
            case "'":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "'" {
                        closed = true
                        break
                    }
                    word.unicodeScalars.append(next)
                }
                guard closed else { throw .unclosedQuote }
            case "\"":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "\"" {
                        closed = true
                        break
                    }
                    if next == "\\" {
                        guard let escaped = iterator.next() else { throw .unclosedQuote }
                        if escaped != "\"" && escaped != "\\" { word.unicodeScalars.append("\\") }
                        word.unicodeScalars.append(escaped)
                        continue
                    }
                    word.unicodeScalars.append(next)
                }
                guard closed else { throw .unclosedQuote }
            case "\\":
                guard let escaped = iterator.next() else { throw .trailingBackslash }
                inWord = true
                word.unicodeScalars.append(escaped)
            default:
                inWord = true
                word.unicodeScalars.append(scalar)
            }
        }
        if inWord { words.append(word) }
        return words
    }
}
