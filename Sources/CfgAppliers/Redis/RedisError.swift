package import CfgRotation

/// Why a Redis step failed: a closed `code` and a `description` made of fixed sentences, the endpoint, the command's
/// name and at most the first word of the server's error reply (`WRONGPASS`, `NOPERM`, `ERR`).
///
/// The rest of a Redis error reply is never kept: `ACL SETUSER` echoes the failing modifier, password included
/// (`ERR Error in ACL SETUSER modifier '<…': …`).
package struct RedisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    package enum Code: String, Sendable, Hashable {
        /// A `rediss://` endpoint: hiredis 0.14 (Debian bookworm) has no TLS support.
        case tlsUnsupported
        /// The endpoint is not a usable `redis://host:port` (or host and port).
        case invalidEndpoint
        /// The secret's value is not a JSON object with the password key (and a usable username, if any).
        case invalidValue
        /// No connection, a timeout, a connection closed mid-reply: nothing is known about the server's state.
        case unreachable
        /// The server answered something that is not RESP, or more than the reply limit.
        case malformedReply
        /// The server refused the login (`WRONGPASS`, `NOAUTH`).
        case authenticationFailed
        /// The user may not run the command (`NOPERM`).
        case permissionDenied
        /// The server answered another error.
        case commandFailed
        /// Retiring the old password would leave the user without any.
        case lastPassword
        /// hiredis (libhiredis.so.0.14) could not be loaded.
        case libraryUnavailable
    }

    /// The kind of failure.
    package let code: Code
    /// The sentence a user reads.
    package let description: String

    package init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// What a rotation step reports for this failure: the server answered no (`.rejected`), or nothing is known
    /// (`.unreachable`).
    package var targetResult: RotationMachine.TargetResult {
        switch code {
        case .unreachable, .malformedReply, .libraryUnavailable: .unreachable
        case .tlsUnsupported, .invalidEndpoint, .invalidValue, .authenticationFailed, .permissionDenied,
            .commandFailed, .lastPassword:
            .rejected
        }
    }

    /// Equality on `code` only, so tests assert the kind of failure.
    package static func == (lhs: RedisError, rhs: RedisError) -> Bool { lhs.code == rhs.code }
}

extension RedisError {
    /// The error for an error reply to `command` (its name only), classified by the reply's first word.
    static func reply(_ word: String, to command: String, at endpoint: RedisEndpoint) -> RedisError {
        switch word {
        case "WRONGPASS", "NOAUTH":
            RedisError(
                .authenticationFailed,
                "Redis at \(endpoint) refused the login (\(word)). Check the user name and the password stored in "
                    + "the secret."
            )
        case "NOPERM":
            RedisError(
                .permissionDenied,
                "Redis at \(endpoint) refused \(command) (NOPERM). Grant the user that command in its ACL rules."
            )
        default:
            RedisError(.commandFailed, "Redis at \(endpoint) answered \(command) with an error (\(word)).")
        }
    }

    /// A connection that failed or timed out; `what` is a fixed phrase ("connecting", "sending AUTH").
    static func unreachable(_ endpoint: RedisEndpoint, _ what: String, _ reason: String) -> RedisError {
        RedisError(
            .unreachable,
            "Redis at \(endpoint) could not be reached while \(what) (\(reason)). Check that the server runs and "
                + "that this host may connect to it."
        )
    }
}
