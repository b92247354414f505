/// What rotation applies a new value to, after staging it.
package enum RotationApply: Sendable, Hashable {
    case none
    case postgres
    case redis
    /// A command hook; the new value reaches it on stdin, never in argv.
    case command([String])
}
