/// The service the Airflow version runs its web UI and API with: `airflow webserver` on 2.x, `airflow api-server`
/// on 3.x (Airflow 3 removed `webserver`; 2.x has no `api-server`).
package enum AirflowServiceCheck {
    /// The finding for a service that names or runs the other version's web command, or nil.
    ///
    /// - Parameters:
    ///   - name: the service's name in the environment file.
    ///   - command: its container command (`["airflow", "webserver"]`).
    ///   - airflowMajor: the major version of `airflow_version`.
    ///   - label: where the service is declared.
    package static func finding(name: String, command: [String], airflowMajor: Int, label: String) -> SettingsFinding? {
        let (wrong, right): (String, String)
        switch airflowMajor {
        case 3: (wrong, right) = ("webserver", "api-server")
        case 2: (wrong, right) = ("api-server", "webserver")
        default: return nil
        }
        guard name == wrong || runsAirflow(wrong, command: command) else { return nil }
        return SettingsFinding(
            .error,
            .wrongServiceForVersion,
            "service \(ConfigText.escaped(name)): Airflow \(airflowMajor) has no `airflow \(wrong)`; use a service "
                + "named \(right) (it runs `airflow \(right)`).",
            label: label,
            suggestion: right
        )
    }

    /// Whether the command is `airflow SUBCOMMAND …` (`airflow` by name or by path).
    private static func runsAirflow(_ subcommand: String, command: [String]) -> Bool {
        guard let index = command.firstIndex(where: { $0 == "airflow" || $0.hasSuffix("/airflow") }),
            index + 1 < command.count
        else { return false }
        return command[index + 1] == subcommand
    }
}
