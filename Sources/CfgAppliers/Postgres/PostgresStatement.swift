internal import CPostgres

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The helpers every libpq statement shares: C strings for parameters, result checks and SQLSTATE parsing.
enum PostgresStatement {
    /// SQLSTATEs after which a statement's effect is unknown: it was cancelled (`57014`, `statement_timeout`), the
    /// server shut down (`57P01`–`57P03`), or the connection failed (class `08`).
    static func leavesStateUnknown(_ state: String) -> Bool {
        state == "57014" || state.hasPrefix("57P") || state.hasPrefix("08")
    }

    /// Returns `result` if it is a successful command or query, for the caller to read and clear; otherwise clears it
    /// and throws.
    @discardableResult
    static func check(
        _ result: OpaquePointer?,
        on connection: OpaquePointer,
        endpoint: PostgresEndpoint,
        doing: String
    ) throws(PostgresError) -> OpaquePointer {
        guard let result else {
            throw PostgresError(.connectionLost, endpoint: endpoint, detail: doing)
        }
        let status = PQresultStatus(result)
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK {
            return result
        }
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        PQclear(result)
        if PQstatus(connection) == CONNECTION_BAD || state.map(leavesStateUnknown) ?? true {
            throw PostgresError(.connectionLost, endpoint: endpoint, sqlState: state, detail: doing)
        }
        throw PostgresError(.statementFailed, endpoint: endpoint, sqlState: state, detail: doing)
    }

    /// The rows of a successful query, as text.
    static func rows(of result: OpaquePointer) -> [[String?]] {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        return (0..<rowCount).map { row in
            (0..<columnCount).map { column in
                PQgetisnull(result, row, column) == 1
                    ? nil : PQgetvalue(result, row, column).map { String(cString: $0) }
            }
        }
    }

    /// Calls `body` with NUL-terminated copies of non-secret `strings`, in one contiguous buffer.
    static func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        var storage: [CChar] = []
        var offsets: [Int] = []
        for string in strings {
            offsets.append(storage.count)
            storage.append(contentsOf: string.utf8CString)
        }
        return storage.withUnsafeBufferPointer { buffer in
            body(offsets.map { offset in buffer.baseAddress.map { UnsafePointer($0 + offset) } })
        }
    }

    /// The SQLSTATE in a message libpq built with `PQERRORS_SQLSTATE` (`…failed: FATAL:  28P01\n`), or `nil`.
    ///
    /// Only the five code characters are copied out of the message; the rest is never read into Swift.
    static func sqlState(inMessage message: UnsafePointer<CChar>?) -> String? {
        guard let message else { return nil }
        let length = strlen(message)
        let bytes = UnsafeRawBufferPointer(start: message, count: length)
        let codeCharacters = UInt8(ascii: "0")...UInt8(ascii: "9")
        let letters = UInt8(ascii: "A")...UInt8(ascii: "Z")
        var index = 0
        // A severity ends with ":  " (colon, two spaces); the SQLSTATE follows, then a newline or the end.
        while index + 3 + 5 <= bytes.count {
            defer { index += 1 }
            guard bytes[index] == UInt8(ascii: ":"), bytes[index + 1] == 0x20, bytes[index + 2] == 0x20 else {
                continue
            }
            let code = bytes[(index + 3)..<(index + 8)]
            let end = index + 8
            let terminated = end == bytes.count || bytes[end] == UInt8(ascii: "\n")
            if terminated, code.allSatisfy({ codeCharacters.contains($0) || letters.contains($0) }) {
                return String(decoding: code, as: UTF8.self)
            }
        }
        return nil
    }
}
