/// Python's `int(str)` and `float(str)` grammars, as Airflow's `getint` and `getfloat` apply them.
///
/// Both strip surrounding whitespace and take an optional sign; digits are any Unicode decimal digits (category
/// Nd), with single underscores allowed between digits. `float` also takes `inf`, `infinity` and `nan` in any
/// case, a fraction and an exponent (`1.`, `.5`, `1e3`, `1_0.5E-2`).
enum PythonNumber {
    /// `int(value)` succeeds (base 10).
    static func isInteger(_ value: String) -> Bool {
        var scalars = Substring(value.trimmingWhitespace()).unicodeScalars[...]
        if let first = scalars.first, first == "+" || first == "-" { scalars = scalars.dropFirst() }
        return consumeDigits(&scalars) && scalars.isEmpty
    }

    /// `float(value)` succeeds.
    static func isFloat(_ value: String) -> Bool {
        var scalars = Substring(value.trimmingWhitespace()).unicodeScalars[...]
        if let first = scalars.first, first == "+" || first == "-" { scalars = scalars.dropFirst() }
        let word = String(String.UnicodeScalarView(scalars)).lowercased()
        if ["inf", "infinity", "nan"].contains(word) { return true }
        let whole = consumeDigits(&scalars)
        var fraction = false
        if scalars.first == "." {
            scalars = scalars.dropFirst()
            fraction = consumeDigits(&scalars)
        }
        guard whole || fraction else { return false }
        if let e = scalars.first, e == "e" || e == "E" {
            scalars = scalars.dropFirst()
            if let sign = scalars.first, sign == "+" || sign == "-" { scalars = scalars.dropFirst() }
            guard consumeDigits(&scalars) else { return false }
        }
        return scalars.isEmpty
    }

    /// `float(value)` succeeds and is finite and whole, so `int(float(value))` equals it (Airflow 3's `getint`).
    static func isWholeFloat(_ value: String) -> Bool {
        guard isFloat(value) else { return false }
        // The grammar is checked: keep sign, digits (as ASCII), `.` and the exponent, drop `_` and whitespace.
        var ascii = ""
        for scalar in value.trimmingWhitespace().unicodeScalars where scalar != "_" {
            if isDigit(scalar), let digit = scalar.properties.numericValue {
                ascii.append(String(Int(digit)))
            } else {
                ascii.unicodeScalars.append(scalar)
            }
        }
        guard let number = Double(ascii), number.isFinite else { return false }
        return number == number.rounded(.towardZero)
    }

    /// Consumes `digit (_? digit)*`; false (consuming nothing useful) when no digit starts the text or an
    /// underscore is not followed by a digit.
    private static func consumeDigits(_ scalars: inout Substring.UnicodeScalarView.SubSequence) -> Bool {
        guard let first = scalars.first, isDigit(first) else { return false }
        scalars = scalars.dropFirst()
        while let next = scalars.first {
            if isDigit(next) {
                scalars = scalars.dropFirst()
            } else if next == "_", let after = scalars.dropFirst().first, isDigit(after) {
                scalars = scalars.dropFirst(2)
            } else {
                break
            }
        }
        return true
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.numericType == .decimal
    }
}
