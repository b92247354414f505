package import CfgSecure

extension PostgresTarget {
    /// How a rotation changes the password of a PostgreSQL login.
    package enum Strategy: Sendable, CustomStringConvertible {
        /// One role changes its own password: the rotation logs in with the working value and runs
        /// `ALTER ROLE <self> PASSWORD '<verifier>'`. Sessions already open keep running; new logins with the old
        /// password fail from that moment, so consumers must pick up the new value quickly (AWS's "single user").
        case single
        /// Two login roles take turns (`app` ⇄ `app_clone`): the pending value names the other role (the generator
        /// switches it), and `admin` sets that role's password, creating it on the first rotation as a member of
        /// `group` (or, when `group` is `nil`, of the current role). The old role keeps working for a whole period
        /// (AWS's "alternating users").
        ///
        /// - Parameters:
        ///   - admin: a secret whose JSON object holds `username` and `password` of a role that may
        ///     `CREATE ROLE` and `ALTER ROLE` (a superuser, or a role with `CREATEROLE`).
        ///   - group: the role whose privileges both login roles inherit; recommended, because privileges granted
        ///     later to the first role are not copied to a clone that already exists.
        case alternate(admin: Secret, group: String?)

        /// The strategy's name, never the admin secret.
        package var description: String {
            switch self {
            case .single: "single"
            case .alternate(_, let group): "alternate(group: \(group ?? "the current role"))"
            }
        }
    }
}
