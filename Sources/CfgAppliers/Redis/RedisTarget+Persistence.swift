extension RedisTarget {
    /// Makes a live ACL change survive a restart, and says how as a note ("persisted with ACL SAVE").
    ///
    /// `ACL SAVE` when the server loads its users from an ACL file (`CONFIG GET aclfile` is not empty): `CONFIG
    /// REWRITE` does not write that file. Otherwise `CONFIG REWRITE`, which writes the users into the config file.
    /// A failure is not the step's failure: the change is live, only a restart would lose it.
    func persist(over connection: RedisConnection) -> String {
        let aclFile: String
        do throws(RedisError) {
            let reply = try connection.command([.text("CONFIG"), .text("GET"), .text("aclfile")])
            guard case .array(let pair) = reply, pair.count == 2, case .string(let path) = pair[1] else {
                return "not persisted: the server did not answer CONFIG GET aclfile with a name and a value"
            }
            aclFile = path
        } catch {
            return "not persisted: CONFIG GET aclfile failed (\(error.code.rawValue))"
        }
        if !aclFile.isEmpty {
            do throws(RedisError) {
                try connection.expectOK(connection.command([.text("ACL"), .text("SAVE")]), from: "ACL SAVE")
                return "persisted with ACL SAVE"
            } catch {
                return "not persisted: ACL SAVE failed (\(error.code.rawValue))"
            }
        }
        do throws(RedisError) {
            try connection.expectOK(connection.command([.text("CONFIG"), .text("REWRITE")]), from: "CONFIG REWRITE")
            return "persisted with CONFIG REWRITE"
        } catch  where error.code == .commandFailed {
            return "not persisted: the server has neither an ACL file nor a config file"
        } catch {
            return "not persisted: CONFIG REWRITE failed (\(error.code.rawValue))"
        }
    }

    /// Refuses to remove a user's last password, which would lock every consumer out. A user who may not run
    /// `ACL GETUSER` is not checked (a note says so).
    func ensureAnotherPassword(of user: String, over connection: RedisConnection) throws(RedisError) {
        let reply: RedisReply
        do throws(RedisError) {
            reply = try connection.command([.text("ACL"), .text("GETUSER"), .text(user)])
        } catch  where error.code == .permissionDenied {
            log.add("retire: could not check that user \"\(user)\" keeps another password (ACL GETUSER: NOPERM).")
            return
        }
        guard case .array(let fields) = reply,
            let index = fields.firstIndex(of: .string("passwords")), index + 1 < fields.count,
            case .array(let passwords) = fields[index + 1]
        else {
            throw RedisError(.malformedReply, "Redis at \(endpoint) did not list the passwords of user \"\(user)\".")
        }
        guard passwords.count >= 2 else {
            throw RedisError(
                .lastPassword,
                "Redis user \"\(user)\" at \(endpoint) has no password besides the old one; removing it would lock "
                    + "the user out, so it stays. Check that the new password was applied."
            )
        }
    }
}
